"""One overflow policy for every op, Value and Tensor, forward and backward.

A finite input that gives an infinite result raises a `DomainError` naming the op; an
infinite input is data and passes through. Driven from the op tables: an op added without
an overflow case here (or a place in `ops.CANNOT_OVERFLOW`) fails
`test_every_op_has_an_overflow_case`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tinygrad_lite as tl
from tinygrad_lite import DomainError, Tensor, Value, ops
from tinygrad_lite.nn import functional as F

BIG = 1e308

#: For every op that can overflow: finite Values whose result is beyond float64.
VALUE_OVERFLOW: dict[str, Callable[[], Any]] = {
    "add": lambda: Value(BIG) + BIG,
    "sub": lambda: Value(BIG) - Value(-BIG),
    "mul": lambda: Value(BIG) * 10,
    "div": lambda: Value(BIG) / 0.1,
    "pow": lambda: Value(1e200) ** 2,
    "exp": lambda: Value(1000.0).exp(),
    "add_n": lambda: Value.sum([Value(BIG), BIG]),
    "leaky_relu": lambda: Value(-BIG).leaky_relu(10.0),
}

#: The same for Tensors, and for every Tensor-only op that can overflow.
TENSOR_OVERFLOW: dict[str, Callable[[], Any]] = {
    "add": lambda: Tensor([1.0, BIG]) + BIG,
    "sub": lambda: BIG - Tensor([-BIG]),
    "mul": lambda: Tensor([BIG]) * Tensor([10.0]),
    "div": lambda: Tensor([BIG]) / 0.1,
    "pow": lambda: Tensor([1e200]) ** 2,
    "exp": lambda: Tensor([1000.0]).exp(),
    "add_n": lambda: Tensor._call(ops.ADD_N, Tensor([BIG]), Tensor([BIG]), Tensor([0.0])),
    "leaky_relu": lambda: Tensor([-BIG]).leaky_relu(10.0),
    "matmul": lambda: Tensor([[BIG, BIG]]) @ Tensor([[1.0], [1.0]]),
    "linear": lambda: F.linear(Tensor([[BIG]]), Tensor([[10.0]]), Tensor([0.0])),
    "sum": lambda: Tensor([BIG, BIG]).sum(),
    "mean": lambda: Tensor([BIG, BIG]).mean(),
    "scatter_add": lambda: Tensor._call(
        ops.scatter_op((np.array([0, 0]),), (2,)), Tensor([BIG, BIG])
    ),
    "log_softmax": lambda: Tensor([[-BIG, BIG]]).log_softmax(dim=1),
    "mse": lambda: F.mse_loss(Tensor([BIG]), Tensor([-BIG])),
    "cross_entropy": lambda: F.cross_entropy(Tensor([[-BIG, BIG]]), np.array([0])),
    "cast": lambda: Tensor([1e300]).float(),
}

ALL_OPS = sorted(set(ops.OPS) | set(ops.TENSOR_OPS))


def test_every_op_has_an_overflow_case() -> None:
    for name in ALL_OPS:
        assert (name in ops.CANNOT_OVERFLOW) != (name in TENSOR_OVERFLOW), name
    for name in ops.OPS:
        assert (name in ops.CANNOT_OVERFLOW) != (name in VALUE_OVERFLOW), name
    assert set(VALUE_OVERFLOW) <= set(ops.OPS)
    assert set(TENSOR_OVERFLOW) <= set(ALL_OPS)


@pytest.mark.parametrize("name", sorted(VALUE_OVERFLOW))
def test_a_value_overflow_raises_naming_the_op(name: str) -> None:
    with pytest.raises(DomainError, match="overflows") as info:
        VALUE_OVERFLOW[name]()
    assert info.value.op == name


@pytest.mark.parametrize("name", sorted(TENSOR_OVERFLOW))
def test_a_tensor_overflow_raises_naming_the_op(name: str) -> None:
    with pytest.raises(DomainError, match="overflows") as info:
        TENSOR_OVERFLOW[name]()
    assert info.value.op == name


def test_the_documented_example() -> None:
    with pytest.raises(DomainError) as info:
        Value(1e308) * 10
    assert str(info.value) == "mul: the result overflows float64 at finite inputs (1e+308, 10.0)"


def test_float32_overflows_at_its_own_limit() -> None:
    with pytest.raises(DomainError, match="overflows float32"):
        Tensor(np.array([3e38], dtype=np.float32)) * 10.0


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: Value(math.inf) * 10, math.inf),
        (lambda: Value(-math.inf) + 1.0, -math.inf),
        (lambda: Value(math.inf).exp(), math.inf),
        (lambda: Value.sum([Value(math.inf), 1.0]), math.inf),
        (lambda: Value(math.inf).leaky_relu(), math.inf),
    ],
)
def test_an_infinite_value_input_is_data(build: Callable[[], Value], expected: float) -> None:
    assert build().data == expected


def test_an_infinite_tensor_entry_passes_while_a_finite_one_may_not_overflow() -> None:
    out = Tensor([math.inf, 1.0]) * 10.0
    assert out.data.tolist() == [math.inf, 10.0]
    with pytest.raises(DomainError):
        Tensor([math.inf, BIG]) * 10.0  # the second entry overflows from a finite input
    assert (Tensor([math.inf, 1.0]) @ Tensor([1.0, 1.0])).item() == math.inf


_huge = st.floats(-BIG, BIG, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("name", sorted(ops.CANNOT_OVERFLOW & set(ops.OPS)))
@settings(max_examples=100)
@given(x=_huge, lo=_huge, width=st.floats(0, BIG))
def test_ops_that_cannot_overflow_stay_finite_on_values(
    name: str, x: float, lo: float, width: float
) -> None:
    calls: dict[str, Callable[[Value], Value]] = {
        "neg": lambda v: -v,
        "tanh": lambda v: v.tanh(),
        "sin": lambda v: v.sin(),
        "cos": lambda v: v.cos(),
        "sigmoid": lambda v: v.sigmoid(),
        "relu": lambda v: v.relu(),
        "abs": lambda v: v.abs(),
        "sqrt": lambda v: v.abs().sqrt(),
        "log": lambda v: (v.abs() + 1e-300).log(),
        "clamp": lambda v: v.clamp(lo, min(lo + width, BIG)),
    }
    assert math.isfinite(calls[name](Value(x)).data)


@pytest.mark.parametrize("name", sorted(ops.CANNOT_OVERFLOW - set(ops.OPS)))
@settings(max_examples=50)
@given(a=arrays(np.float64, (3, 4), elements=_huge))
def test_tensor_ops_that_cannot_overflow_stay_finite(name: str, a: np.ndarray) -> None:
    t = Tensor(a)
    calls: dict[str, Callable[[Tensor], Tensor]] = {
        "max": lambda t: t.max(axis=1),
        "min": lambda t: t.min(),
        "reshape": lambda t: t.view(-1),
        "transpose": lambda t: t.T,
        "broadcast_to": lambda t: t.expand(2, 3, 4),
        "getitem": lambda t: t[[0, 0, 2]],
        "where": lambda t: tl.where(t > 0, t, -t),
        "cat": lambda t: tl.cat([t, t], dim=1),
        "softmax": lambda t: t.softmax(dim=1),
    }
    assert np.isfinite(calls[name](t).data).all()


# --------------------------------------------------------------------------------------
# Backward
# --------------------------------------------------------------------------------------


def test_a_value_gradient_that_overflows_raises_naming_the_leaf() -> None:
    x = Value(1e-320, label="x")  # log is finite here, but 1/x is not
    y = x.log()
    with pytest.raises(DomainError, match="the gradient of 'x' is inf") as info:
        y.backward()
    assert info.value.op == "backward"


def test_a_value_gradient_summed_over_uses_that_overflows_raises() -> None:
    x = Value(1e-300, label="x")
    z = x * 1e308 + x * 1e308  # finite, but each use sends 1e308 back: the sum is not
    with pytest.raises(DomainError, match="the gradient of 'x' is inf"):
        z.backward()


def test_an_infinite_input_gives_an_infinite_value_gradient_without_error() -> None:
    x = Value(2.0)
    y = x * math.inf
    y.backward()
    assert x.grad == math.inf


def test_a_tensor_gradient_that_overflows_raises_naming_the_op() -> None:
    x = Tensor([1e-320, 1.0], requires_grad=True)
    with pytest.raises(DomainError) as info:
        x.log().sum().backward()
    assert info.value.op == "log"


def test_a_tensor_gradient_summed_over_uses_that_overflows_raises() -> None:
    x = Tensor([1e-300], requires_grad=True)
    z = (x * 1e308 + x * 1e308).sum()
    with pytest.raises(DomainError) as info:
        z.backward()
    assert info.value.op == "backward"


def test_leaky_relu_does_not_scale_positive_entries_so_they_cannot_overflow() -> None:
    x = Tensor([1e308, -1.0], requires_grad=True)
    out = x.leaky_relu(10.0)
    assert out.tolist() == [1e308, -10.0]
    out.backward(np.array([1e300, 1.0]))
    assert x.grad.tolist() == [1e300, 10.0]


def test_check_overflow_of_a_reduction_excuses_entries_after_an_infinite_input() -> None:
    ops.check_overflow("sum", np.array([math.inf, 1.0]), (np.array([[math.inf, 1.0]] * 2),))
    with pytest.raises(DomainError, match="sum"):
        ops.check_overflow("sum", np.array([math.inf]), (np.array([[BIG, BIG]]),))
