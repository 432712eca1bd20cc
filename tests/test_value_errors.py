"""Bad input to Value gets an error that names the problem, never a silent wrong number."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from tinygrad_lite import DomainError, Value

# --------------------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [("3", "str"), (None, "NoneType"), ([1], "list"), (True, "bool"), (1 + 2j, "complex")],
)
def test_value_refuses_non_real_data_by_type(bad: Any, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_value_refuses_a_node_as_data() -> None:
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("good", [3, 2.5, np.float32(1.5), np.int64(4), Fraction(1, 4)])
def test_value_accepts_real_numbers_as_float(good: Any) -> None:
    v = Value(good)
    assert type(v.data) is float
    assert v.data == float(good)


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "combine",
    [
        lambda v: v + "x",
        lambda v: "x" + v,
        lambda v: v * [1],
        lambda v: v - None,
        lambda v: v / "2",
        lambda v: v ** "2",
        lambda v: v + True,
    ],
)
def test_operators_refuse_non_numbers(combine: Callable[[Value], Any]) -> None:
    with pytest.raises(TypeError, match=r"Value|str|list|NoneType|bool"):
        combine(Value(1.0))


def test_value_sum_refuses_non_numbers() -> None:
    with pytest.raises(TypeError, match="str"):
        Value.sum([Value(1.0), "2"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="at least one"):
        Value.sum([])


def test_value_sum_of_one_number_is_a_constant_value() -> None:
    total = Value.sum([3])
    assert isinstance(total, Value)
    assert total.data == 3.0
    assert not total.requires_grad


# --------------------------------------------------------------------------------------
# Domains
# --------------------------------------------------------------------------------------

DOMAIN_CASES: list[tuple[str, Callable[[], Any], str, str]] = [
    ("log(0)", lambda: Value(0.0).log(), "log", "0.0"),
    ("log(-1)", lambda: Value(-1.0).log(), "log", "-1.0"),
    ("(-8)**(1/3)", lambda: Value(-8.0) ** (1 / 3), "pow", "-8.0"),
    ("(-8)**Value(1/3)", lambda: (-8.0) ** Value(1 / 3), "pow", "-8.0"),
    ("0**-1", lambda: Value(0.0) ** -1, "pow", "-1"),
    ("1/0", lambda: Value(1.0) / 0, "div", "zero"),
    ("1/Value(0)", lambda: 1 / Value(0.0), "div", "zero"),
    ("exp(1000)", lambda: Value(1000.0).exp(), "exp", "1000.0"),
    ("1e200**2", lambda: Value(1e200) ** 2, "pow", "1e+200"),
]


@pytest.mark.parametrize(
    ("text", "compute", "op", "shown"), DOMAIN_CASES, ids=[c[0] for c in DOMAIN_CASES]
)
def test_domain_errors_name_the_op_and_the_value(
    text: str, compute: Callable[[], Any], op: str, shown: str
) -> None:
    with pytest.raises(DomainError) as info:
        compute()
    assert info.value.op == op
    assert str(info.value).startswith(f"{op}:")
    assert shown in str(info.value)
    assert isinstance(info.value, ValueError)  # callers catching ValueError see it too


def test_backward_domain_error_for_value_exponent_with_negative_base() -> None:
    """(-2) ** b is defined for b = 2, but d/db needs log(-2): a DomainError, not a crash."""
    a, b = Value(-2.0), Value(2.0)
    y = a**b
    assert y.data == 4.0
    with pytest.raises(DomainError, match="positive base") as info:
        y.backward()
    assert info.value.op == "pow"
    assert "-2.0" in str(info.value)


def test_negative_base_with_constant_exponent_differentiates() -> None:
    a = Value(-2.0)
    (a**2).backward()
    assert a.grad == -4.0
    b = Value(-2.0)
    (b ** Value(2.0, requires_grad=False)).backward()
    assert b.grad == -4.0  # the exponent needs no gradient, so no log(-2) is taken


def test_backward_domain_error_for_sqrt_at_zero() -> None:
    """d/dx x**0.5 = 0.5 x**-0.5 is infinite at 0."""
    a = Value(0.0)
    y = a**0.5
    assert y.data == 0.0
    with pytest.raises(DomainError) as info:
        y.backward()
    assert info.value.op == "pow"


# --------------------------------------------------------------------------------------
# nan and inf
# --------------------------------------------------------------------------------------

NAN, INF = math.nan, math.inf

UNARY = {
    "exp": lambda v: v.exp(),
    "log": lambda v: v.log(),
    "tanh": lambda v: v.tanh(),
    "sin": lambda v: v.sin(),
    "cos": lambda v: v.cos(),
    "sigmoid": lambda v: v.sigmoid(),
    "relu": lambda v: v.relu(),
    "neg": lambda v: -v,
    "square": lambda v: v * v,
    "reciprocal": lambda v: 1 / v,
    "add_n": lambda v: Value.sum([v, 1.0, 2.0]),
}


#: The gradient at nan: nan where the derivative depends on the input; the constant
#: derivative where it does not; relu's derivative at nan is 0, like PyTorch's (nan > 0 is
#: false).
GRAD_AT_NAN = {"neg": -1.0, "add_n": 1.0, "relu": 0.0}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_nan_in_gives_nan_out(name: str) -> None:
    """The rule: nan is data, not a domain violation. It propagates through every op and
    is never turned into a finite number; no DomainError is raised for it."""
    x = Value(NAN)
    y = UNARY[name](x)
    assert math.isnan(y.data)
    y.backward()
    expected = GRAD_AT_NAN.get(name, NAN)
    assert x.grad == expected or (math.isnan(expected) and math.isnan(x.grad))


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [
        ("exp", -INF, 0.0),
        ("exp", INF, INF),
        ("log", INF, INF),
        ("tanh", INF, 1.0),
        ("tanh", -INF, -1.0),
        ("sigmoid", INF, 1.0),
        ("sigmoid", -INF, 0.0),
        ("relu", INF, INF),
        ("relu", -INF, 0.0),
        ("neg", INF, -INF),
        ("square", -INF, INF),
        ("reciprocal", INF, 0.0),
    ],
)
def test_infinite_input_gives_the_limit(name: str, x: float, expected: float) -> None:
    """The rule: an infinite input is not an overflow; where the op has a limit at
    infinity the result is that limit (exp(inf) = inf, tanh(inf) = 1)."""
    assert UNARY[name](Value(x)).data == expected


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_periodic_functions_at_infinity_raise(name: str) -> None:
    """sin and cos have no limit at infinity: a DomainError naming the op."""
    with pytest.raises(DomainError) as info:
        UNARY[name](Value(INF))
    assert info.value.op == name
    assert "inf" in str(info.value)


def test_relu_at_the_kink_has_gradient_zero() -> None:
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0
