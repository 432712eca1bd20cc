"""nn.functional: losses and activations against numpy formulas (and torch when present)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_lite.nn.functional as F
from tests.optional import require
from tinygrad_lite.errors import DomainError
from tinygrad_lite.factories import tensor
from tinygrad_lite.tensor import Tensor

RNG = np.random.default_rng(0)
PRED = RNG.standard_normal((4, 3))
TARGET = RNG.standard_normal((4, 3))
LOGITS = RNG.standard_normal((6, 5)) * 3
LABELS = np.array([0, 4, 2, 2, 1, 3])


def np_log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def grad_of(fn: Any, x: np.ndarray, *args: Any, **kw: Any) -> tuple[float, np.ndarray]:
    t = Tensor(x, requires_grad=True)
    out = fn(t, *args, **kw)
    out.backward()
    assert t.grad is not None
    return out.item(), t.grad


@pytest.mark.parametrize(
    ("reduction", "reduce"), [("mean", np.mean), ("sum", np.sum), ("none", lambda a: a)]
)
def test_mse_and_l1_reductions(reduction: str, reduce: Any) -> None:
    mse = F.mse_loss(Tensor(PRED), Tensor(TARGET), reduction=reduction)
    np.testing.assert_allclose(mse.data, reduce((PRED - TARGET) ** 2), rtol=1e-14)
    l1 = F.l1_loss(Tensor(PRED), TARGET, reduction=reduction)
    np.testing.assert_allclose(l1.data, reduce(np.abs(PRED - TARGET)), rtol=1e-14)


def test_mse_and_l1_gradients() -> None:
    _, g = grad_of(F.mse_loss, PRED, Tensor(TARGET))
    np.testing.assert_allclose(g, 2 * (PRED - TARGET) / PRED.size, rtol=1e-13)
    pred = PRED.copy()
    pred[0, 0] = TARGET[0, 0]  # at a tie the L1 gradient is 0, as sign(0) = 0
    _, g = grad_of(F.l1_loss, pred, Tensor(TARGET), reduction="sum")
    np.testing.assert_array_equal(g, np.sign(pred - TARGET))
    assert g[0, 0] == 0.0


@pytest.mark.parametrize(("reduction", "n"), [("mean", PRED.size), ("sum", 1)])
def test_mse_is_one_node_with_a_second_derivative(reduction: str, n: int) -> None:
    pred = Tensor(PRED, requires_grad=True)
    target = Tensor(TARGET, requires_grad=True)
    loss = F.mse_loss(pred, target, reduction=reduction)
    assert loss.op is not None
    assert loss.op.name == "mse"
    assert loss.parents == (pred, target)
    loss.backward(create_graph=True)
    assert isinstance(pred.grad, Tensor)
    assert isinstance(target.grad, Tensor)
    np.testing.assert_allclose(target.grad.data, -2 * (PRED - TARGET) / n, rtol=1e-13)
    # The Hessian in pred is 2/n times the identity: a product with v gives 2v/n.
    v = RNG.standard_normal(PRED.shape)
    grad_p = pred.grad
    pred.grad = target.grad = None
    (grad_p * Tensor(v)).sum().backward()
    np.testing.assert_allclose(pred.grad, 2 * v / n, rtol=1e-13)
    np.testing.assert_allclose(target.grad, -2 * v / n, rtol=1e-13)


def test_regression_losses_refuse_broadcasting() -> None:
    with pytest.raises(ValueError, match=r"prediction shape \(4, 1\) and target shape \(4,\)"):
        F.mse_loss(Tensor(np.zeros((4, 1))), np.zeros(4))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.l1_loss(Tensor(PRED), TARGET, reduction="avg")
    with pytest.raises(ValueError, match="mse_loss: reduction must be one of"):
        F.mse_loss(Tensor(PRED), TARGET, reduction="avg")


def test_cross_entropy_matches_numpy() -> None:
    loss, g = grad_of(F.cross_entropy, LOGITS, LABELS)
    logp = np_log_softmax(LOGITS)
    assert loss == pytest.approx(-logp[np.arange(6), LABELS].mean(), rel=1e-14)
    onehot = np.eye(5)[LABELS]
    np.testing.assert_allclose(g, (np.exp(logp) - onehot) / 6, rtol=1e-12, atol=1e-15)
    per_sample = F.cross_entropy(Tensor(LOGITS), LABELS, reduction="none")
    np.testing.assert_allclose(per_sample.data, -logp[np.arange(6), LABELS], rtol=1e-14)
    total = F.cross_entropy(Tensor(LOGITS), tensor(LABELS), reduction="sum")
    assert total.item() == pytest.approx(-logp[np.arange(6), LABELS].sum(), rel=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_second_derivative(reduction: str) -> None:
    # A Hessian-vector product through create_graph against central differences of the
    # first derivative (itself checked against numpy above).
    v = RNG.standard_normal(LOGITS.shape)
    w = RNG.standard_normal(len(LABELS))  # weights the per-sample losses of "none"

    def first(z: np.ndarray) -> np.ndarray:
        t = Tensor(z, requires_grad=True)
        out = F.cross_entropy(t, LABELS, reduction=reduction)
        (out * Tensor(w) if reduction == "none" else out).sum().backward()
        assert t.grad is not None
        return t.grad

    z = Tensor(LOGITS, requires_grad=True)
    out = F.cross_entropy(z, LABELS, reduction=reduction)
    (out * Tensor(w) if reduction == "none" else out).sum().backward(create_graph=True)
    assert isinstance(z.grad, Tensor)
    np.testing.assert_allclose(z.grad.data, first(LOGITS), rtol=1e-13)
    grad = z.grad
    z.grad = None
    (grad * Tensor(v)).sum().backward()
    eps = 1e-6
    numeric = (first(LOGITS + eps * v) - first(LOGITS - eps * v)) / (2 * eps)
    np.testing.assert_allclose(z.grad, numeric, rtol=1e-6, atol=1e-8)


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    z = np.array([[1000.0, 0.0, -1000.0], [-5000.0, 5000.0, 0.0]])
    loss, g = grad_of(F.cross_entropy, z, np.array([1, 1]))
    assert loss == pytest.approx(1000.0 / 2)  # sample 0 misses by 1000, sample 1 is right
    np.testing.assert_allclose(g, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-300)


@pytest.mark.parametrize(
    ("labels", "error", "match"),
    [
        (
            np.array([0, 1, 5, 2, 1, 0]),
            ValueError,
            "label 5 at position 2 is out of range for 5 classes",
        ),
        (np.array([0, -1, 2, 2, 1, 0]), ValueError, "label -1 at position 1 is out of range"),
        (
            np.array([0.0, 1, 2, 2, 1, 0]),
            TypeError,
            "labels must be integer class indices.*float64",
        ),
        (np.array([0, 1, 2]), ValueError, r"need labels of shape \(6,\), got shape \(3,\)"),
        (np.zeros((6, 1), dtype=int), ValueError, r"got shape \(6, 1\)"),
    ],
)
def test_cross_entropy_bad_labels(labels: np.ndarray, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        F.cross_entropy(Tensor(LOGITS), labels)


def test_cross_entropy_takes_integer_tensors_and_refuses_float_ones() -> None:
    """As PyTorch: int64 labels (``tl.tensor``) work; a float Tensor, even of whole
    numbers (``Tensor(labels)`` holds floats), is an error that says how to convert."""
    assert F.cross_entropy(Tensor(LOGITS), tensor(LABELS)).item() == pytest.approx(
        F.cross_entropy(Tensor(LOGITS), LABELS).item(), rel=1e-15
    )
    with pytest.raises(TypeError, match=r"got a Tensor of dtype float64.*labels\.long\(\)"):
        F.cross_entropy(Tensor(LOGITS), Tensor(LABELS))
    assert F.cross_entropy(Tensor(LOGITS), Tensor(LABELS).long()).item() == pytest.approx(
        F.cross_entropy(Tensor(LOGITS), LABELS).item(), rel=1e-15
    )


def test_cross_entropy_needs_2d_logits() -> None:
    with pytest.raises(ValueError, match=r"shape \(n, classes\), got shape \(5,\)"):
        F.cross_entropy(Tensor(np.zeros(5)), np.array([1]))


def test_binary_cross_entropy_matches_numpy() -> None:
    p = 1 / (1 + np.exp(-PRED))
    t = (TARGET > 0).astype(float)
    loss, g = grad_of(F.binary_cross_entropy, p, Tensor(t))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()
    assert loss == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(g, (p - t) / (p * (1 - p)) / p.size, rtol=1e-12)


def test_binary_cross_entropy_domain() -> None:
    with pytest.raises(ValueError, match="probabilities must lie in"):
        F.binary_cross_entropy(Tensor([0.5, 1.2]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="targets must lie in"):
        F.binary_cross_entropy(Tensor([0.5, 0.2]), np.array([0.0, 2.0]))
    with pytest.raises(DomainError, match="log"):
        F.binary_cross_entropy(Tensor([0.5, 1.0]), np.array([0.0, 1.0]))


def test_bce_with_logits_matches_numpy_and_is_stable() -> None:
    z = np.array([-800.0, -30.0, -1.0, 0.0, 0.0, 2.5, 40.0, 900.0])
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.3, 1.0, 0.0])
    loss, g = grad_of(F.binary_cross_entropy_with_logits, z, Tensor(t), reduction="sum")
    expected = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    assert loss == pytest.approx(expected.sum(), rel=1e-14)
    sig = np.where(
        z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z)))
    )
    np.testing.assert_allclose(g, sig - t, rtol=1e-12, atol=1e-300)
    assert g[3] == 0.5  # sigmoid(0) - 0, the kink of max(z, 0) handled right


def test_bce_with_logits_equals_bce_of_sigmoid() -> None:
    t = (TARGET > 0).astype(float)
    a = F.binary_cross_entropy_with_logits(Tensor(PRED), t)
    b = F.binary_cross_entropy(Tensor(PRED).sigmoid(), t)
    assert a.item() == pytest.approx(b.item(), rel=1e-13)


def test_activation_functions() -> None:
    x = Tensor(LOGITS)
    np.testing.assert_allclose(F.relu(x).data, np.maximum(LOGITS, 0))
    np.testing.assert_allclose(F.tanh(x).data, np.tanh(LOGITS))
    np.testing.assert_allclose(F.sigmoid(x).data, 1 / (1 + np.exp(-LOGITS)), rtol=1e-14)
    np.testing.assert_allclose(F.log_softmax(x).data, np_log_softmax(LOGITS), rtol=1e-13)
    np.testing.assert_allclose(F.softmax(x).data, np.exp(np_log_softmax(LOGITS)), rtol=1e-13)
    np.testing.assert_allclose(
        F.softmax(x, axis=0).data, np.exp(np_log_softmax(LOGITS.T)).T, rtol=1e-13
    )
    with pytest.raises(TypeError, match="relu: the input must be a Tensor"):
        F.relu("x")  # type: ignore[arg-type]


# --- against torch ------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_torch(reduction: str) -> None:
    torch = require("torch")
    tf = torch.nn.functional
    p = 1 / (1 + np.exp(-PRED))
    t01 = (TARGET > 0).astype(float)
    cases = [
        (F.mse_loss, tf.mse_loss, PRED, TARGET),
        (F.l1_loss, tf.l1_loss, PRED, TARGET),
        (F.binary_cross_entropy, tf.binary_cross_entropy, p, t01),
        (F.binary_cross_entropy_with_logits, tf.binary_cross_entropy_with_logits, PRED, t01),
        (F.cross_entropy, tf.cross_entropy, LOGITS, LABELS),
    ]
    for ours, theirs, x, y in cases:
        xt = torch.tensor(x, requires_grad=True)
        ref = theirs(xt, torch.tensor(y), reduction=reduction)
        ref.sum().backward()
        mine = Tensor(x, requires_grad=True)
        out = ours(mine, y if ours is F.cross_entropy else Tensor(y), reduction=reduction)
        out.sum().backward()
        name = ours.__name__
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-13, err_msg=name)
        np.testing.assert_allclose(mine.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-15, err_msg=name)
