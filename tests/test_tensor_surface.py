"""The Tensor as PyTorch code uses it: names, keywords, results and errors.

Constructor and factories, reductions with ``dim=``/``keepdim=`` (and numpy's spellings),
``max(dim=...)`` as a (values, indices) pair, arg-ops, comparisons, shape methods,
``tl.cat``/``tl.stack``/``tl.where``, conversions and formatting, the module-level
functions, and the kinks where PyTorch puts them. Gradients of the new ops against central
differences and PyTorch are in test_tensor_ops.py and test_tensor_torch.py (table-driven).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tl
from tests.optional import require
from tinygrad_lite import DomainError, Tensor, Value
from tinygrad_lite.nn import functional as F
from tinygrad_lite.tensor import ValuesIndices

# --------------------------------------------------------------------------------------
# Constructor and factories
# --------------------------------------------------------------------------------------


def test_label_is_keyword_only() -> None:
    with pytest.raises(TypeError, match="keyword-only"):
        Tensor([1.0], "x")  # type: ignore[arg-type]
    t = Tensor([1.0], label="x")
    assert (t.label, t.requires_grad) == ("x", False)
    assert Tensor([1.0], True).requires_grad


@pytest.mark.parametrize("bad", [1, "yes", None, 1.0])
def test_requires_grad_must_be_a_bool(bad: Any) -> None:
    with pytest.raises(TypeError, match="requires_grad must be a bool"):
        Tensor([1.0], requires_grad=bad)


def test_factories_shapes_values_and_flags() -> None:
    assert tl.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert tl.ones((2,)).tolist() == [1.0, 1.0]
    assert tl.full((2, 2), 7.0).tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert tl.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert tl.eye(2, 3).shape == (2, 3)
    assert tl.arange(4).tolist() == [0, 1, 2, 3]
    assert tl.arange(1, 2, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75]
    x = tl.randn(2, 3, requires_grad=True)
    assert x.shape == (2, 3)
    assert x.requires_grad
    assert x.dtype == tl.float64
    assert tl.zeros_like(x).shape == (2, 3)
    assert not tl.zeros_like(x).requires_grad
    assert tl.ones_like(tl.arange(3)).tolist() == [1, 1, 1]
    u = tl.rand(1000, generator=0).numpy()
    assert u.min() >= 0.0
    assert u.max() < 1.0
    with pytest.raises(ValueError, match="step"):
        tl.arange(0, 1, 0)
    with pytest.raises(TypeError, match="floating"):
        tl.rand(2, dtype=tl.int64)


def test_factory_dtypes_match_pytorch() -> None:
    torch = require("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # the default here
    try:
        pairs = [
            (tl.zeros(2), torch.zeros(2)),
            (tl.arange(3), torch.arange(3)),
            (tl.arange(0.0, 3.0), torch.arange(0.0, 3.0)),
            (tl.full((2,), 3), torch.full((2,), 3)),
            (tl.full((2,), 3.0), torch.full((2,), 3.0)),
            (tl.full((2,), True), torch.full((2,), True)),
            (tl.eye(3), torch.eye(3)),
            (tl.zeros(2, dtype=tl.int32), torch.zeros(2, dtype=torch.int32)),
        ]
        for ours, theirs in pairs:
            assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    finally:
        torch.set_default_dtype(previous)


def test_manual_seed_repeats_the_random_factories() -> None:
    tl.manual_seed(3)
    a, b = tl.randn(4), tl.rand(2, 2)
    tl.manual_seed(3)
    c, d = tl.randn(4), tl.rand(2, 2)
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    np.testing.assert_array_equal(b.numpy(), d.numpy())
    assert not np.array_equal(tl.randn(4).numpy(), a.numpy())  # the stream moves on
    np.testing.assert_array_equal(tl.randn(3, generator=5).numpy(), Tensor.randn(3, seed=5).numpy())


# --------------------------------------------------------------------------------------
# Reductions and arg-ops
# --------------------------------------------------------------------------------------

X = np.array([[1.0, 5.0, 5.0], [4.0, -2.0, 0.5]])


def test_dim_and_axis_spellings_agree() -> None:
    t = Tensor(X)
    for name in ("sum", "mean"):
        by_dim = getattr(t, name)(dim=1, keepdim=True)
        by_axis = getattr(t, name)(axis=1, keepdims=True)
        positional = getattr(t, name)(1, True)
        np.testing.assert_array_equal(by_dim.data, by_axis.data)
        np.testing.assert_array_equal(by_dim.data, positional.data)
    np.testing.assert_array_equal(t.sum(dim=(0, 1)).data, X.sum())


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "argmax"])
def test_both_spellings_at_once_are_refused(name: str) -> None:
    t = Tensor(X)
    with pytest.raises(TypeError, match="not both"):
        getattr(t, name)(dim=0, axis=0)
    with pytest.raises(TypeError, match="not both"):
        getattr(t, name)(0, keepdim=True, keepdims=True)


def test_max_and_min_without_dim_are_one_tensor_with_shared_ties() -> None:
    torch = require("torch")
    t = Tensor(X, requires_grad=True)
    m = t.max()
    assert isinstance(m, Tensor)
    assert m.item() == 5.0
    (m + t.min()).backward()
    ref = torch.tensor(X, requires_grad=True)
    (ref.max() + ref.min()).backward()
    np.testing.assert_array_equal(t.grad, ref.grad.numpy())  # 0.5 to each tied maximum


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_with_dim_give_values_and_indices_as_pytorch(
    name: str, dim: int, keepdim: bool
) -> None:
    torch = require("torch")
    data = np.array([[1.0, 5.0, 5.0, -2.0], [4.0, -2.0, 4.0, -2.0], [0.0, 0.0, 0.0, 0.0]])
    t = Tensor(data, requires_grad=True)
    result = getattr(t, name)(dim=dim, keepdim=keepdim)
    assert isinstance(result, ValuesIndices)
    values, indices = result  # unpacks like PyTorch's named tuple
    ref = torch.tensor(data, requires_grad=True)
    expected = getattr(ref, name)(dim=dim, keepdim=keepdim)
    np.testing.assert_array_equal(values.data, expected.values.detach().numpy())
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())
    assert indices.dtype == tl.int64
    assert not indices.requires_grad
    weights = np.arange(1.0, 1.0 + values.numel()).reshape(values.shape)
    (values * Tensor(weights)).sum().backward()
    (expected.values * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(t.grad, ref.grad.numpy())  # all to the chosen index


def test_max_with_numpy_axis_is_one_tensor() -> None:
    t = Tensor(X)
    assert isinstance(t.max(axis=1), Tensor)
    np.testing.assert_array_equal(t.max(axis=1, keepdims=True).data, X.max(axis=1, keepdims=True))
    with pytest.raises(TypeError, match="not both"):
        t.max(dim=1, axis=1)
    with pytest.raises(ValueError, match="empty"):
        Tensor(np.ones((2, 0))).max(dim=1)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_argmax_argmin_match_pytorch(dim: int | None, keepdim: bool) -> None:
    torch = require("torch")
    ref = torch.tensor(X)
    for name in ("argmax", "argmin"):
        ours = getattr(Tensor(X), name)(dim=dim, keepdim=keepdim)
        theirs = getattr(ref, name)(dim=dim, keepdim=keepdim)
        assert ours.dtype == tl.int64
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert tl.argmax(Tensor(X), dim=1).tolist() == [1, 0]


def test_the_accuracy_idiom() -> None:
    logits = Tensor([[0.1, 2.0], [3.0, -1.0], [0.0, 0.5]])
    labels = tl.tensor([1, 0, 0])
    correct = (logits.argmax(dim=1) == labels).sum().item()
    assert correct == 2
    assert type(correct) is int
    assert (logits.argmax(1) == labels).float().mean().item() == pytest.approx(2 / 3)


def test_var_and_std_are_unbiased_by_default_as_pytorch() -> None:
    torch = require("torch")
    ref = torch.tensor(X)
    t = Tensor(X)
    np.testing.assert_allclose(t.var().item(), ref.var().item(), rtol=1e-14)
    np.testing.assert_allclose(t.std(1).data, ref.std(1).numpy(), rtol=1e-14)
    np.testing.assert_allclose(
        t.var(0, unbiased=False).data, ref.var(0, unbiased=False).numpy(), rtol=1e-14
    )
    np.testing.assert_allclose(
        t.std(dim=1, correction=0, keepdim=True).data,
        ref.std(dim=1, correction=0, keepdim=True).numpy(),
        rtol=1e-14,
    )
    np.testing.assert_allclose(t.var(axis=1, correction=0).data, X.var(axis=1), rtol=1e-14)


def test_var_errors() -> None:
    with pytest.raises(DomainError, match="degrees of freedom") as info:
        Tensor([3.0]).var()
    assert info.value.op == "var"
    with pytest.raises(TypeError, match="not both"):
        Tensor(X).var(unbiased=True, correction=1)
    with pytest.raises(DomainError, match="sqrt"):
        Tensor([2.0, 2.0], requires_grad=True).std().backward()  # infinite at 0 spread


# --------------------------------------------------------------------------------------
# Elementwise, comparisons, where
# --------------------------------------------------------------------------------------


def test_module_level_functions_are_the_methods() -> None:
    x = Tensor(X)
    for name in ("exp", "tanh", "sigmoid", "relu", "abs", "sin", "cos"):
        np.testing.assert_array_equal(getattr(tl, name)(x).data, getattr(x, name)().data)
    np.testing.assert_array_equal(tl.log(x.abs() + 1).data, (x.abs() + 1).log().data)
    np.testing.assert_array_equal(tl.sqrt(x.abs()).data, x.abs().sqrt().data)
    np.testing.assert_array_equal(tl.softmax(x, 1).data, x.softmax(dim=1).data)
    np.testing.assert_array_equal(tl.log_softmax(x, dim=0).data, x.log_softmax(0).data)
    np.testing.assert_array_equal(tl.sum(x, 1).data, x.sum(1).data)
    np.testing.assert_array_equal(tl.mean(x).data, x.mean().data)
    np.testing.assert_array_equal(tl.clamp(x, min=0.0).data, x.clamp(min=0.0).data)
    assert tl.max(x, 1).indices.tolist() == [1, 0]
    assert tl.exp(Value(0.0)).data == 1.0  # the elementwise ones take Values too
    assert tl.relu([-1.0, 2.0]).tolist() == [0.0, 2.0]
    with pytest.raises(TypeError, match=r"tl\.where"):
        tl.max(x, x)


def test_comparisons_give_bool_tensors_outside_the_graph() -> None:
    torch = require("torch")
    x = Tensor(X, requires_grad=True)
    ref = torch.tensor(X)
    for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        for other in (5.0, X[::-1].copy()):
            out = getattr(x, op)(other if isinstance(other, float) else Tensor(other))
            expected = getattr(ref, op)(other if isinstance(other, float) else torch.tensor(other))
            assert out.dtype == tl.bool
            assert not out.requires_grad
            np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_tensors_stay_hashable_by_identity() -> None:
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2
    assert {a: 1, b: 2}[b] == 2
    assert bool(a == b)  # entries compare equal ...
    assert a is not b  # ... but they are two nodes


def test_where_picks_and_routes_gradients() -> None:
    torch = require("torch")
    a = Tensor(X, requires_grad=True)
    b = Tensor(-X, requires_grad=True)
    out = tl.where(a > 1.0, a * 2.0, b)
    out.sum().backward()
    ta = torch.tensor(X, requires_grad=True)
    tb = torch.tensor(-X, requires_grad=True)
    torch.where(ta > 1.0, ta * 2.0, tb).sum().backward()
    np.testing.assert_array_equal(a.grad, ta.grad.numpy())
    np.testing.assert_array_equal(b.grad, tb.grad.numpy())
    assert tl.where(a > 0, a, 0.0).dtype == tl.float64
    with pytest.raises(TypeError, match="bool"):
        tl.where(a, a, b)
    with pytest.raises(ValueError, match="broadcast"):
        tl.where(np.ones(5, dtype=bool), a, b)


def test_clamp_and_clip_with_tensor_bounds() -> None:
    x = Tensor([-3.0, 0.0, 3.0], requires_grad=True)
    lo = Tensor([-1.0, 1.0, -1.0], requires_grad=True)
    out = x.clip(lo, 2.0)
    assert out.tolist() == [-1.0, 1.0, 2.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    assert lo.grad.tolist() == [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="min, max or both"):
        x.clamp()


KINKS: list[tuple[str, Callable[[Any], Any], Callable[[Any, Any], Any]]] = [
    ("abs", lambda t: t.abs(), lambda t, torch: t.abs()),
    ("relu", lambda t: t.relu(), lambda t, torch: t.relu()),
    (
        "leaky_relu",
        lambda t: F.leaky_relu(t, 0.2),
        lambda t, torch: torch.nn.functional.leaky_relu(t, 0.2),
    ),
    ("clamp", lambda t: t.clamp(-1.0, 0.0), lambda t, torch: t.clamp(-1.0, 0.0)),
    ("clamp min", lambda t: t.clamp(min=0.0), lambda t, torch: t.clamp(min=0.0)),
    ("max ties", lambda t: t.max(), lambda t, torch: t.max()),
    ("min ties", lambda t: (-t).min(), lambda t, torch: (-t).min()),
]


@pytest.mark.parametrize(("name", "ours", "theirs"), KINKS, ids=[k[0] for k in KINKS])
def test_tensor_kinks_follow_pytorch(
    name: str, ours: Callable[[Any], Any], theirs: Callable[[Any, Any], Any]
) -> None:
    torch = require("torch")
    data = np.array([-1.0, 0.0, 0.0, 1.0, -0.0])
    t = Tensor(data, requires_grad=True)
    ours(t).sum().backward()
    ref = torch.tensor(data, requires_grad=True)
    theirs(ref, torch).sum().backward()
    np.testing.assert_array_equal(t.grad, ref.grad.numpy())


def test_functional_leaky_relu_spells_negative_slope() -> None:
    x = Tensor([-2.0, 3.0])
    assert F.leaky_relu(x).tolist() == pytest.approx([-0.02, 3.0])
    assert F.leaky_relu(x, negative_slope=0.5).tolist() == [-1.0, 3.0]
    assert x.leaky_relu(0.5).tolist() == [-1.0, 3.0]


def test_sqrt_of_negative_entries_and_at_zero() -> None:
    with pytest.raises(DomainError, match=r"-1\.0") as info:
        Tensor([4.0, -1.0]).sqrt()
    assert info.value.op == "sqrt"
    x = Tensor([0.0, 4.0], requires_grad=True)
    with pytest.raises(DomainError, match="infinite"):
        x.sqrt().sum().backward()


# --------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------


def test_view_and_its_error_names_both_shapes() -> None:
    t = Tensor(np.arange(12.0).reshape(2, 6))
    assert t.view(-1, 3).shape == (4, 3)
    assert t.view(12).shape == (12,)
    assert t.view((3, 4)).shape == (3, 4)
    with pytest.raises(ValueError, match=r"view: a tensor of shape \(2, 6\).*shape \(5, -1\)"):
        t.view(5, -1)


def test_shape_methods_match_pytorch() -> None:
    torch = require("torch")
    data = np.arange(24.0).reshape(2, 1, 3, 4)
    t, ref = Tensor(data), torch.tensor(data)
    calls: list[tuple[str, tuple[Any, ...]]] = [
        ("flatten", ()),
        ("flatten", (1,)),
        ("flatten", (1, 2)),
        ("squeeze", ()),
        ("squeeze", (1,)),
        ("squeeze", (0,)),
        ("unsqueeze", (0,)),
        ("unsqueeze", (-1,)),
        ("permute", (3, 0, 2, 1)),
        ("transpose", (0, 2)),
        ("transpose", (-1, 1)),
        ("expand", (5, 2, 4, 3, 4)),
        ("expand", (-1, 3, -1, -1)),
        ("view", (-1, 4)),
    ]
    for name, args in calls:
        ours, theirs = getattr(t, name)(*args), getattr(ref, name)(*args)
        np.testing.assert_array_equal(ours.data, theirs.numpy(), err_msg=f"{name}{args}")
    assert Tensor(3.0).flatten().shape == (1,)


def test_transpose_of_two_dims_swaps_them_as_pytorch() -> None:
    m = Tensor(np.arange(6.0).reshape(2, 3))
    assert m.transpose(0, 1).shape == (3, 2)  # numpy's transpose(0, 1) would keep (2, 3)
    assert m.transpose().shape == (3, 2)
    assert Tensor(np.ones((2, 3, 4))).transpose((2, 0, 1)).shape == (4, 2, 3)


def test_shape_errors_name_the_problem() -> None:
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="permutation"):
        t.permute(0, 0)
    with pytest.raises(ValueError, match="dim 3"):
        t.unsqueeze(3)
    with pytest.raises(ValueError, match="start_dim"):
        t.flatten(1, 0)
    with pytest.raises(ValueError, match="leading"):
        t.expand(-1, 2, 3)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 3\)"):
        t.expand(3, 3)


def test_cat_and_stack() -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.zeros((1, 3)), requires_grad=True)
    c = tl.cat([a, b])
    assert c.shape == (3, 3)
    (c * Tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    assert b.grad.tolist() == [[6.0, 7.0, 8.0]]
    s = tl.stack([a, a], dim=1)
    assert s.shape == (2, 2, 3)
    assert tl.stack([a, a], dim=-1).shape == (2, 3, 2)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(1, 3\) differ outside dim 1"):
        tl.cat([a, b], dim=1)
    with pytest.raises(ValueError, match="differ"):
        tl.stack([a, b])
    with pytest.raises(ValueError, match="at least one"):
        tl.cat([])
    with pytest.raises(TypeError, match="sequence"):
        tl.cat(a)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="item 1"):
        tl.cat([a, np.ones((1, 3))])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="0-d"):
        tl.cat([Tensor(1.0), Tensor(2.0)])
    assert tl.cat([tl.tensor([1, 2]), Tensor([0.5])]).dtype == tl.float64


# --------------------------------------------------------------------------------------
# Conversions and formatting
# --------------------------------------------------------------------------------------


def test_conversions() -> None:
    t = Tensor([[1.5, -2.0]], requires_grad=True)
    assert t.tolist() == [[1.5, -2.0]]
    assert t.detach().numpy() is t.data
    assert t.size() == (1, 2)
    assert t.size(1) == 2
    assert t.size(-1) == 2
    assert t.numel() == 2
    assert t.dim() == 2
    assert int(Tensor([2.7])) == 2
    assert int(Tensor(-2.7)) == -2
    assert [10, 20, 30][tl.tensor(1)] == 20
    with pytest.raises(TypeError, match="integer tensors"):
        [10, 20][Tensor(1.0)]  # type: ignore[index]
    assert tl.tensor([True]).item() is True
    assert type(tl.tensor([3]).item()) is int


def test_format_of_one_element_tensors() -> None:
    assert format(Tensor(3.14159), ".4f") == "3.1416"
    assert f"{Tensor([[2.5]]):.2f}" == "2.50"
    assert f"{Tensor([1.0, 2.0])}" == repr(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"one-element tensor.*\(2,\)"):
        format(Tensor([1.0, 2.0]), ".2f")
    loss = (Tensor([1.0, 2.0], requires_grad=True) ** 2).mean()
    assert f"loss {loss:.3f}" == "loss 2.500"


def test_format_of_a_0d_tensor_matches_pytorch() -> None:
    torch = require("torch")
    for x in (3.14159, -0.5, 1e-7):
        assert f"{Tensor(x):.3e}" == f"{torch.tensor(x, dtype=torch.float64):.3e}"
        assert int(Tensor(x)) == int(torch.tensor(x, dtype=torch.float64))
