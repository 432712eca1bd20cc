"""dtypes as PyTorch users expect them: inference, the default, promotion, casts, matmul.

Where PyTorch defines the result, it is the reference (with its default dtype set to
float64, the default here).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tl
from tests.optional import require
from tinygrad_lite import DomainError, Tensor
from tinygrad_lite.nn import Linear
from tinygrad_lite.nn import functional as F


@pytest.fixture
def torch64() -> Iterator[Any]:
    """PyTorch with float64 as its default dtype, as tinygrad_lite's."""
    torch = require("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


@pytest.fixture
def float32_default() -> Iterator[None]:
    tl.set_default_dtype(tl.float32)
    yield
    tl.set_default_dtype(tl.float64)


def _name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.")


# --------------------------------------------------------------------------------------
# Making tensors
# --------------------------------------------------------------------------------------

DATA: list[Any] = [
    [1, 2],
    [1.0, 2.5],
    [1, 2.5],
    [True, False],
    3,
    2.5,
    [[1, 2], [3, 4]],
    np.array([1, 2], dtype=np.int32),
    np.array([1.5], dtype=np.float32),
    np.array([True]),
    np.arange(3),
]


@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tl_tensor_infers_as_torch_tensor(data: Any, torch64: Any) -> None:
    ours, theirs = tl.tensor(data), torch64.tensor(data)
    assert str(ours.dtype) == _name(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("data", DATA, ids=repr)
def test_the_tensor_class_holds_floats_as_torch_Tensor(data: Any, torch64: Any) -> None:
    ours = Tensor(data)
    if isinstance(data, np.ndarray) and data.dtype.kind == "f":
        assert ours.dtype == data.dtype  # a float array keeps its dtype
    else:
        assert str(ours.dtype) == _name(torch64.Tensor(np.asarray(data, dtype=float)).dtype)
    assert ours.dtype.kind == "f"


def test_tl_tensor_copies_and_takes_a_dtype() -> None:
    a = np.array([1.0, 2.0])
    t = tl.tensor(a, dtype=tl.float32, requires_grad=True)
    assert t.dtype == tl.float32
    assert t.requires_grad
    assert tl.tensor(a).data is not a
    assert tl.tensor(Tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert tl.tensor([1, 2], dtype=float).dtype == tl.float64
    assert tl.tensor([1.0], dtype=int).dtype == tl.int64


def test_only_floating_tensors_can_require_grad() -> None:
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        tl.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="int64"):
        tl.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="bool"):
        tl.ones(2, dtype=tl.bool, requires_grad=True)
    assert Tensor([1, 2], requires_grad=True).dtype == tl.float64  # the class makes floats


def test_the_default_dtype(float32_default: None) -> None:
    assert tl.get_default_dtype() == tl.float32
    assert Tensor([1.0]).dtype == tl.float32
    assert Tensor([1]).dtype == tl.float32
    assert tl.tensor([1.5]).dtype == tl.float32
    assert tl.tensor([1]).dtype == tl.int64
    assert tl.zeros(2).dtype == tl.float32
    assert tl.randn(2).dtype == tl.float32
    assert tl.arange(0.0, 2.0).dtype == tl.float32
    assert Tensor(np.ones(2)).dtype == tl.float64  # a float64 array keeps its dtype
    assert Linear(2, 3, seed=0).weight.dtype == tl.float32
    assert (tl.tensor([1, 2]) * 0.5).dtype == tl.float32  # int times a Python float


def test_set_default_dtype_refuses_non_floats() -> None:
    with pytest.raises(TypeError, match="only floating"):
        tl.set_default_dtype(tl.int64)
    with pytest.raises(TypeError, match="not a dtype"):
        tl.set_default_dtype("banana")
    assert tl.get_default_dtype() == tl.float64


def test_pytorch_short_names() -> None:
    assert (tl.float, tl.double, tl.half, tl.long, tl.int, tl.bool) == (
        tl.float32,
        tl.float64,
        tl.float16,
        tl.int64,
        tl.int32,
        np.dtype(bool),
    )
    assert "float" not in tl.__all__
    assert "int" not in tl.__all__
    assert "bool" not in tl.__all__


# --------------------------------------------------------------------------------------
# Promotion
# --------------------------------------------------------------------------------------

KINDS = ["bool", "int32", "int64", "float32", "float64"]


@pytest.mark.parametrize("left", KINDS)
@pytest.mark.parametrize("right", [*KINDS, 2, 2.5])
@pytest.mark.parametrize("op", ["__add__", "__mul__", "__truediv__"])
def test_promotion_follows_pytorch(left: str, right: Any, op: str, torch64: Any) -> None:
    a = np.array([1, 0, 1]).astype(left)
    ours_a, theirs_a = tl.tensor(a), torch64.tensor(a)
    if isinstance(right, str):
        b = np.array([1, 1, 1]).astype(right)
        ours_b: Any = tl.tensor(b)
        theirs_b: Any = torch64.tensor(b)
    else:
        ours_b = theirs_b = right
    expected = getattr(theirs_a, op)(theirs_b)
    got = getattr(ours_a, op)(ours_b)
    assert str(got.dtype) == _name(expected.dtype), (left, right, op)
    np.testing.assert_allclose(got.numpy(), expected.numpy())


def test_a_bool_mask_keeps_a_float32_tensor_float32() -> None:
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = x * np.array([True, False, True])
    assert y.dtype == tl.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


def test_integer_results_stay_integers() -> None:
    t = tl.tensor([1, 2, 3])
    assert (t * 2).dtype == tl.int64
    assert (t * 2).tolist() == [2, 4, 6]
    assert (t + t).dtype == tl.int64
    assert (t / 2).dtype == tl.float64
    assert (t == 2).dtype == tl.bool
    assert (t > 1).sum().item() == 2
    assert t.sum().dtype == tl.int64


# --------------------------------------------------------------------------------------
# Casts
# --------------------------------------------------------------------------------------


def test_casts_as_pytorch(torch64: Any) -> None:
    data = np.array([-2.7, -0.5, 0.0, 1.5, 2.9])
    t, ref = Tensor(data), torch64.tensor(data)
    for name in ("float", "double", "half", "long", "int", "bool"):
        ours, theirs = getattr(t, name)(), getattr(ref, name)()
        assert str(ours.dtype) == _name(theirs.dtype), name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert t.to(tl.float32).dtype == tl.float32
    assert t.to(tl.float64) is t  # no change: the tensor itself, as PyTorch


def test_float_casts_are_in_the_graph_and_cast_the_gradient_back(torch64: Any) -> None:
    data = np.array([0.5, -1.25, 2.0])
    x = Tensor(data, requires_grad=True)
    y = (x.float() * Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32))).sum()
    assert y.dtype == tl.float32
    y.backward()
    assert x.grad.dtype == tl.float64
    ref = torch64.tensor(data, requires_grad=True)
    (ref.float() * torch64.tensor([1.0, 2.0, 3.0], dtype=torch64.float32)).sum().backward()
    np.testing.assert_array_equal(x.grad, ref.grad.numpy())


def test_integer_casts_leave_the_graph() -> None:
    x = Tensor([1.7, 2.2], requires_grad=True)
    assert not x.long().requires_grad
    assert x.long().tolist() == [1, 2]
    assert not (x > 2).requires_grad


def test_bad_casts_name_the_problem() -> None:
    with pytest.raises(DomainError, match="nan") as info:
        Tensor([1.0, float("nan")]).long()
    assert info.value.op == "cast"
    with pytest.raises(DomainError, match="overflows float32") as info:
        Tensor([1e300]).float()
    assert info.value.op == "cast"
    with pytest.raises(TypeError, match="complex"):
        Tensor([1.0]).to(np.complex128)


# --------------------------------------------------------------------------------------
# Products of two dtypes: refused, as PyTorch refuses them
# --------------------------------------------------------------------------------------


def test_matmul_of_two_dtypes_names_both(torch64: Any) -> None:
    a = Tensor(np.ones((2, 3), dtype=np.float32))
    b = Tensor(np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"float32.*float64"):
        a @ b
    with pytest.raises(RuntimeError, match="same dtype"):
        torch64.ones(2, 3, dtype=torch64.float32) @ torch64.ones(3, 2)


def test_a_float32_batch_through_a_float64_linear_names_both_dtypes() -> None:
    layer = Linear(3, 2, seed=0)
    batch = Tensor(np.ones((4, 3), dtype=np.float32))
    with pytest.raises(TypeError, match=r"linear: the input is float32 but the weight is float64"):
        layer(batch)
    assert layer(batch.double()).dtype == tl.float64


def test_linear_with_a_dtype_trains_in_that_dtype() -> None:
    layer = Linear(3, 2, seed=0, dtype=tl.float32)
    assert (layer.weight.dtype, layer.bias.dtype) == (tl.float32, tl.float32)
    batch = tl.randn(4, 3, dtype=tl.float32, generator=1)
    loss = F.cross_entropy(layer(batch), tl.tensor([0, 1, 1, 0]))
    assert loss.dtype == tl.float32
    loss.backward()
    assert layer.weight.grad.dtype == np.float32
    with pytest.raises(TypeError, match="floating"):
        Linear(3, 2, dtype=tl.int64)
