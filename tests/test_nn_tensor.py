"""Tensor layers: Linear and its initialisers, Sequential, activations; optimizers and
checkpoints on Tensor models; a Value model and a Tensor model stepping alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Value
from tinygrad_lite.checkpoint import CheckpointError
from tinygrad_lite.nn import (
    MLP,
    Flatten,
    Identity,
    Linear,
    Module,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from tinygrad_lite.optim import SGD, Adam, AdamW, RMSprop
from tinygrad_lite.tensor import Tensor

# --- Linear -------------------------------------------------------------------------------


def test_linear_computes_x_at_w_plus_b() -> None:
    layer = Linear(3, 2, seed=0)
    assert layer.weight.shape == (3, 2)
    assert layer.bias is not None
    layer.bias.data[...] = [0.5, -1.0]
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 4.0]])
    expected = x @ layer.weight.data + np.array([0.5, -1.0])
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-15)


def test_linear_gradients_match_hand_formulas() -> None:
    layer = Linear(4, 3, seed=1)
    x = np.random.default_rng(0).standard_normal((5, 4))
    g = np.random.default_rng(1).standard_normal((5, 3))
    out = layer(Tensor(x))
    out.backward(g)
    assert layer.bias is not None
    np.testing.assert_allclose(layer.weight.grad, x.T @ g, rtol=1e-13)
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0), rtol=1e-13)


def test_linear_without_bias() -> None:
    layer = Linear(3, 2, bias=False, seed=0)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = np.ones((1, 3))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data)


@pytest.mark.parametrize(
    ("init", "variance"),
    [
        ("normal", lambda n_in, n_out: 1.0 / max(n_in, n_out)),
        ("xavier", lambda n_in, n_out: 2.0 / (n_in + n_out)),
        ("xavier_normal", lambda n_in, n_out: 2.0 / (n_in + n_out)),
        ("he", lambda n_in, n_out: 2.0 / n_in),
    ],
)
@pytest.mark.parametrize(("n_in", "n_out"), [(400, 100), (100, 300)])
def test_init_variance(init: str, variance: Any, n_in: int, n_out: int) -> None:
    w = Linear(n_in, n_out, init=init, seed=3).weight.data
    # 30000-40000 draws: the sample variance is within about 1.5% (2 sigma) of the truth.
    assert w.var() == pytest.approx(variance(n_in, n_out), rel=0.04)
    assert abs(w.mean()) < 4 * np.sqrt(variance(n_in, n_out) / w.size)


def test_xavier_is_uniform_on_its_bound() -> None:
    w = Linear(200, 100, init="xavier", seed=0).weight.data
    bound = np.sqrt(6.0 / 300)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # uniform, so the bound is reached nearly
    # A uniform sample has about 10% of its values in each tenth of [-a, a].
    counts, _ = np.histogram(w, bins=10, range=(-bound, bound))
    assert counts.min() > 0.08 * w.size


def test_biases_start_at_zero() -> None:
    for init in ("normal", "xavier", "he"):
        layer = Linear(5, 7, init=init, seed=0)
        assert layer.bias is not None
        np.testing.assert_array_equal(layer.bias.data, np.zeros(7))


def test_seed_reproduces_and_differs() -> None:
    a, b, c = Linear(8, 4, seed=7), Linear(8, 4, seed=7), Linear(8, 4, seed=8)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    rng1, rng2 = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(
        Linear(3, 3, seed=rng1).weight.data, Linear(3, 3, seed=rng2).weight.data
    )


def test_custom_init_function() -> None:
    layer = Linear(2, 3, init=lambda n_in, n_out, rng: np.full((n_in, n_out), 0.5))
    np.testing.assert_array_equal(layer.weight.data, np.full((2, 3), 0.5))
    with pytest.raises(ValueError, match=r"init returned shape \(3, 2\), expected \(2, 3\)"):
        Linear(2, 3, init=lambda n_in, n_out, rng: np.zeros((n_out, n_in)))


def test_linear_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown init 'glorot'"):
        Linear(2, 3, init="glorot")
    with pytest.raises(ValueError, match="n_in must be a positive int"):
        Linear(0, 3)
    with pytest.raises(ValueError, match="n_out must be a positive int"):
        Linear(2, 2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed must be"):
        Linear(2, 2, seed="x")  # type: ignore[arg-type]
    layer = Linear(3, 2, seed=0)
    with pytest.raises(ValueError, match=r"last dimension is 3, got shape \(4, 5\)"):
        layer(Tensor(np.zeros((4, 5))))
    with pytest.raises(TypeError, match="Linear needs a Tensor"):
        layer("abc")


# --- Sequential and activations -------------------------------------------------------------


def small_net(seed: int = 0) -> Sequential:
    return Sequential(Linear(3, 4, seed=seed), Tanh(), Linear(4, 2, seed=seed + 1), Sigmoid())


def test_sequential_names_indexes_and_iterates() -> None:
    net = small_net()
    assert len(net) == 4
    assert isinstance(net[0], Linear)
    assert isinstance(net[1], Tanh)
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    names = [name for name, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [m.scope_name for m in net] == ["0_linear", "1_tanh", "2_linear", "3_sigmoid"]
    assert net.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2


def test_sequential_runs_in_order_and_tags_scopes() -> None:
    net = small_net()
    x = np.random.default_rng(0).standard_normal((5, 3))
    out = net(Tensor(x))
    first, second = net[0], net[2]
    assert isinstance(first, Linear)
    assert isinstance(second, Linear)
    h = np.tanh(x @ first.weight.data)
    expected = 1.0 / (1.0 + np.exp(-(h @ second.weight.data)))
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    assert out.scope == "sequential/3_sigmoid"


def test_sequential_rejects_non_modules() -> None:
    with pytest.raises(TypeError, match="Sequential item 1 is a ufunc, not a Module"):
        Sequential(Linear(2, 2), np.tanh)  # type: ignore[arg-type]


def test_activations_and_helpers() -> None:
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(ReLU()(Tensor(x)).data, [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(Tanh()(Tensor(x)).data, np.tanh(x))
    np.testing.assert_allclose(Sigmoid()(Tensor(x)).data, 1 / (1 + np.exp(-x)))
    t = Tensor(x)
    assert Identity()(t) is t
    images = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert Flatten()(images).shape == (2, 12)


# --- optimizers on Tensor parameters ---------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.1),
        lambda ps: AdamW(ps, lr=0.1),
        lambda ps: RMSprop(ps, lr=0.1, momentum=0.5),
    ],
)
def test_tensor_parameters_are_updated_in_place(make: Any) -> None:
    net = small_net()
    params = net.parameters()
    arrays = [p.data for p in params]
    views = [p.data[:1] for p in params]
    before = [a.copy() for a in arrays]
    opt = make(params)
    x = np.random.default_rng(0).standard_normal((6, 3))
    for _ in range(2):
        opt.zero_grad()
        net(Tensor(x)).sum().backward()
        opt.step()
    for p, a, v, b in zip(params, arrays, views, before, strict=True):
        assert p.data is a  # the same array object ...
        np.testing.assert_array_equal(v, a[:1])  # ... so views see the new numbers
        assert not np.array_equal(a, b)


def test_parameters_without_gradient_are_skipped() -> None:
    used, unused = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
    opt = Adam([used, unused], lr=0.1)
    (used * used).sum().backward()
    opt.step()
    assert unused.grad is None
    np.testing.assert_array_equal(unused.data, [3.0])
    np.testing.assert_allclose(used.data, [0.9, 1.9])  # Adam's first step: lr * sign(g)
    opt.zero_grad()
    assert used.grad is None


def test_float32_parameters_stay_float32() -> None:
    w = Tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    opt = Adam([w], lr=0.5)
    (w * w).sum().backward()
    opt.step()
    assert w.data.dtype == np.float32
    np.testing.assert_allclose(w.data, [0.5, -1.5], rtol=1e-6)


def test_value_mlp_and_tensor_mlp_take_the_same_step() -> None:
    """The scalar MLP and an equivalent Tensor model agree after Adam steps on a batch."""
    scalar = MLP(3, [4, 2], nonlin="tanh", seed=0)
    w1 = np.array([[n.w[i].data for n in scalar.layers[0].neurons] for i in range(3)])
    w2 = np.array([[n.w[i].data for n in scalar.layers[1].neurons] for i in range(4)])
    first, second = Linear(3, 4), Linear(4, 2)
    first.weight.data[...] = w1
    second.weight.data[...] = w2
    tensor = Sequential(first, Tanh(), second)
    xs = np.random.default_rng(1).standard_normal((5, 3))
    ys = np.random.default_rng(2).standard_normal((5, 2))
    opt_s = Adam(scalar.parameters(), lr=0.05, weight_decay=0.1)
    opt_t = Adam(tensor.parameters(), lr=0.05, weight_decay=0.1)
    for _ in range(3):
        terms: list[Value] = []
        for x, y in zip(xs, ys, strict=True):
            out = scalar(list(x))
            assert isinstance(out, list)
            terms += [(o - float(t)) ** 2 for o, t in zip(out, y, strict=True)]
        opt_s.zero_grad()
        Value.sum(terms).backward()
        opt_s.step()
        d = tensor(Tensor(xs)) - Tensor(ys)
        opt_t.zero_grad()
        (d * d).sum().backward()
        opt_t.step()
    assert first.bias is not None
    got_w1 = [[n.w[i].data for n in scalar.layers[0].neurons] for i in range(3)]
    np.testing.assert_allclose(got_w1, first.weight.data, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(
        [n.b.data for n in scalar.layers[0].neurons], first.bias.data, rtol=1e-11, atol=1e-13
    )
    got_w2 = [[n.w[i].data for n in scalar.layers[1].neurons] for i in range(4)]
    np.testing.assert_allclose(got_w2, second.weight.data, rtol=1e-11, atol=1e-13)
    assert not np.allclose(w1, first.weight.data)


# --- checkpoints of Tensor models ------------------------------------------------------------


def test_tensor_checkpoint_round_trip_keeps_arrays(tmp_path: Path) -> None:
    src, dst = small_net(0), small_net(10)
    arrays = [p.data for p in dst.parameters()]
    tl.save(src, tmp_path / "net")
    tl.load(dst, tmp_path / "net")
    for p, a, q in zip(dst.parameters(), arrays, src.parameters(), strict=True):
        assert p.data is a
        np.testing.assert_array_equal(p.data, q.data)
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3)))
    np.testing.assert_array_equal(dst(x).data, src(x).data)


def test_state_dict_copies_tensor_data() -> None:
    net = small_net()
    state = net.state_dict()
    assert state["0.weight"].shape == (3, 4)
    state["0.weight"][...] = 0.0
    assert np.abs(net[0].parameters()[0].data).sum() > 0


def test_tensor_checkpoint_with_wrong_shapes_changes_nothing(tmp_path: Path) -> None:
    tl.save(Sequential(Linear(3, 5), Tanh(), Linear(5, 2)), tmp_path / "wide.npz")
    net = small_net()
    before = [p.data.copy() for p in net.parameters()]
    with pytest.raises(CheckpointError) as info:
        tl.load(net, tmp_path / "wide.npz")
    msg = str(info.value)
    assert "0.weight: shape (3, 5) in the checkpoint, (3, 4) in the model" in msg
    assert "0.bias: shape (5,) in the checkpoint, (4,) in the model" in msg
    assert "2.weight: shape (5, 2) in the checkpoint, (4, 2) in the model" in msg
    assert "2.bias" not in msg
    for p, b in zip(net.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, b)


def test_float64_checkpoint_into_float32_model() -> None:
    class Holder(Module):
        def __init__(self) -> None:
            self.w = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)

    h = Holder()
    h.load_state_dict({"w": np.array([1.0, 2.0, 3.0])})
    assert h.w.data.dtype == np.float32
    np.testing.assert_array_equal(h.w.data, [1.0, 2.0, 3.0])
    with pytest.raises(CheckpointError, match="dtype complex128 cannot be stored in float32"):
        h.load_state_dict({"w": np.ones(3, dtype=complex)})
