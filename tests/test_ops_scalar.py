"""Every scalar op against hand-derived derivatives and central finite differences.

The tests are driven from `tinygrad_lite.ops.OPS`: an op added to the table without an
entry in the tables below fails `test_every_op_has_gradient_tests`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_lite import Value
from tinygrad_lite.gradcheck import gradcheck
from tinygrad_lite.ops import OPS
from tinygrad_lite.testing import op_inputs, safe_floats


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


#: How each op is written with Values.
CALL: dict[str, Callable[..., Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "tanh": lambda a: a.tanh(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "add_n": lambda *xs: Value.sum(xs),
    "abs": abs,
    "sqrt": lambda a: a.sqrt(),
    "leaky_relu": lambda a, s: a.leaky_relu(s),
    "clamp": lambda a, lo, hi: a.clamp(lo, hi),
}

#: The forward value, computed with the math module.
FORWARD: dict[str, Callable[..., float]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: math.pow(a, b),
    "neg": lambda a: -a,
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "sigmoid": _sigmoid,
    "relu": lambda a: max(a, 0.0),
    "add_n": lambda *xs: math.fsum(xs),
    "abs": math.fabs,
    "sqrt": math.sqrt,
    "leaky_relu": lambda a, s: a if a > 0 else a * s,
    "clamp": lambda a, lo, hi: min(max(a, lo), hi),
}

#: The partial derivatives, derived by hand: one entry per input.
DERIVATIVES: dict[str, Callable[..., tuple[float, ...]]] = {
    "add": lambda a, b: (1.0, 1.0),
    "sub": lambda a, b: (1.0, -1.0),
    "mul": lambda a, b: (b, a),
    "div": lambda a, b: (1 / b, -a / b**2),
    "pow": lambda a, b: (b * a ** (b - 1), a**b * math.log(a)),
    "neg": lambda a: (-1.0,),
    "exp": lambda a: (math.exp(a),),
    "log": lambda a: (1 / a,),
    "tanh": lambda a: (1 - math.tanh(a) ** 2,),
    "sin": lambda a: (math.cos(a),),
    "cos": lambda a: (-math.sin(a),),
    "sigmoid": lambda a: (_sigmoid(a) * (1 - _sigmoid(a)),),
    "relu": lambda a: (1.0 if a > 0 else 0.0,),
    "add_n": lambda *xs: (1.0,) * len(xs),
    "abs": lambda a: (math.copysign(1.0, a),),
    "sqrt": lambda a: (0.5 / math.sqrt(a),),
    "leaky_relu": lambda a, s: (1.0, 0.0) if a > 0 else (s, a),
    "clamp": lambda a, lo, hi: (float(lo <= a <= hi), float(a < lo), float(a > hi)),
}

#: Fixed points for the formula test (inside each op's domain, away from kinks).
POINTS: dict[str, list[tuple[float, ...]]] = {
    "add": [(1.5, -2.0), (0.0, 3.25)],
    "sub": [(1.5, -2.0), (-0.5, 4.0)],
    "mul": [(1.5, -2.0), (0.0, 3.0)],
    "div": [(1.5, -2.0), (-3.0, 0.25)],
    "pow": [(2.0, 3.0), (0.5, -1.5), (3.0, 0.5)],
    "neg": [(2.5,), (-1.0,)],
    "exp": [(0.0,), (1.5,), (-2.0,)],
    "log": [(1.0,), (0.2,), (7.0,)],
    "tanh": [(0.0,), (0.7,), (-2.5,)],
    "sin": [(0.0,), (1.2,), (-3.0,)],
    "cos": [(0.0,), (1.2,), (-3.0,)],
    "sigmoid": [(0.0,), (2.0,), (-4.0,)],
    "relu": [(1.5,), (-1.5,)],
    "add_n": [(1.0, 2.0), (1.0, -2.0, 3.5, 0.25)],
    "abs": [(1.5,), (-2.0,)],
    "sqrt": [(4.0,), (0.3,), (2.0,)],
    "leaky_relu": [(1.5, 0.1), (-2.0, 0.1), (-1.0, 0.3)],
    "clamp": [(0.5, -1.0, 1.0), (-2.0, -1.0, 1.0), (3.0, -1.0, 1.0)],
}

ALL_OPS = sorted(OPS)


def test_every_op_has_gradient_tests() -> None:
    for name, table in [
        ("CALL", CALL),
        ("FORWARD", FORWARD),
        ("DERIVATIVES", DERIVATIVES),
        ("POINTS", POINTS),
    ]:
        missing = set(OPS) - set(table)
        assert not missing, f"ops without an entry in {name}: {sorted(missing)}"
        assert set(table) <= set(OPS), f"{name} names ops that do not exist"


def _analytic(name: str, xs: tuple[float, ...]) -> tuple[float, tuple[float, ...]]:
    leaves = [Value(x) for x in xs]
    out = CALL[name](*leaves)
    assert out.op is OPS[name], f"{name} was recorded as {out.op}"
    out.backward()
    return out.data, tuple(leaf.grad for leaf in leaves)


@pytest.mark.parametrize("name", ALL_OPS)
def test_hand_derived_derivatives(name: str) -> None:
    for xs in POINTS[name]:
        value, grads = _analytic(name, xs)
        assert value == pytest.approx(FORWARD[name](*xs), rel=1e-12, abs=1e-12)
        assert grads == pytest.approx(DERIVATIVES[name](*xs), rel=1e-12, abs=1e-12), xs


@pytest.mark.parametrize("name", ALL_OPS)
def test_local_derivative_matches_hand_formula(name: str) -> None:
    op = OPS[name]
    for xs in POINTS[name]:
        out = FORWARD[name](*xs)
        expected = DERIVATIVES[name](*xs)
        for i in range(len(xs)):
            assert op.local_derivative(i, out, xs) == pytest.approx(expected[i], rel=1e-12)


@pytest.mark.parametrize("name", ALL_OPS)
@settings(max_examples=200)
@given(data=st.data())
def test_gradient_matches_finite_differences(name: str, data: st.DataObject) -> None:
    xs = data.draw(op_inputs(name), label="inputs")
    report = gradcheck(CALL[name], [Value(x) for x in xs])
    assert report, report
    value, grads = _analytic(name, xs)
    assert value == pytest.approx(FORWARD[name](*xs), rel=1e-12, abs=1e-12)
    assert grads == pytest.approx(DERIVATIVES[name](*xs), rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------------------------
# Reflected forms: a number on the left
# --------------------------------------------------------------------------------------

REFLECTED: list[tuple[str, Callable[[Any], Any], Callable[[float], float]]] = [
    ("2 + a", lambda a: 2 + a, lambda a: 1.0),
    ("2 - a", lambda a: 2 - a, lambda a: -1.0),
    ("3 * a", lambda a: 3 * a, lambda a: 3.0),
    ("1 / a", lambda a: 1 / a, lambda a: -1 / a**2),
    ("2 ** a", lambda a: 2**a, lambda a: 2**a * math.log(2)),
    ("a - 2", lambda a: a - 2, lambda a: 1.0),
    ("a / 4", lambda a: a / 4, lambda a: 0.25),
    ("a ** 3", lambda a: a**3, lambda a: 3 * a**2),
    ("a ** -2", lambda a: a**-2, lambda a: -2 * a**-3),
    ("a ** 0.5", lambda a: a**0.5, lambda a: 0.5 * a**-0.5),
]


@pytest.mark.parametrize(("text", "build", "derivative"), REFLECTED, ids=[r[0] for r in REFLECTED])
@settings(max_examples=100)
@given(x=safe_floats("pow", min_value=0.1, max_value=3.0))
def test_reflected_forms(
    text: str, build: Callable[[Any], Any], derivative: Callable[[float], float], x: float
) -> None:
    a = Value(x)
    out = build(a)
    assert out.data == pytest.approx(build(x), rel=1e-12)
    out.backward()
    assert a.grad == pytest.approx(derivative(x), rel=1e-9)
    assert gradcheck(build, [Value(x)])


@settings(max_examples=100)
@given(base=safe_floats("pow", min_value=0.1, max_value=3.0), exponent=st.floats(-3, 3))
def test_value_exponent_gets_both_gradients(base: float, exponent: float) -> None:
    a, b = Value(base), Value(exponent)
    (a**b).backward()
    assert a.grad == pytest.approx(exponent * base ** (exponent - 1), rel=1e-9)
    assert b.grad == pytest.approx(base**exponent * math.log(base), rel=1e-9, abs=1e-12)


@settings(max_examples=100)
@given(
    base=safe_floats("div", arg=1),
    exponent=st.sampled_from([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]),
)
def test_negative_bases_with_integer_exponents(base: float, exponent: float) -> None:
    """Any base (away from the pole at 0) to a constant small integer power."""
    assert gradcheck(lambda a: a**exponent, [Value(base)])
    a = Value(base)
    (a**exponent).backward()
    assert a.grad == pytest.approx(exponent * base ** (exponent - 1), rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------------------------
# Second derivatives (create_graph)
# --------------------------------------------------------------------------------------


def _first_and_second(build: Callable[[Value], Value], x: float) -> tuple[float, float]:
    """d/dx and d2/dx2 of build at x, the second by differentiating the first."""
    a = Value(x)
    build(a).backward(create_graph=True)
    first = a.grad
    assert isinstance(first, Value), "create_graph=True should give a Value gradient"
    a.zero_grad()
    first.backward()
    return first.data, a.grad


def _first(build: Callable[[Value], Value], x: float) -> float:
    a = Value(x)
    build(a).backward()
    return a.grad  # type: ignore[no-any-return]


SECOND: list[tuple[str, Callable[[Value], Value], Callable[[float], float], str]] = [
    ("tanh", lambda a: a.tanh(), lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2), "tanh"),
    ("cube", lambda a: a**3, lambda x: 6 * x, "tanh"),
    ("sin", lambda a: a.sin(), lambda x: -math.sin(x), "sin"),
    ("exp", lambda a: a.exp(), math.exp, "exp"),
    (
        "sigmoid",
        lambda a: a.sigmoid(),
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x)),
        "sigmoid",
    ),
    ("log", lambda a: a.log(), lambda x: -1 / x**2, "log"),
    ("cos", lambda a: a.cos(), lambda x: -math.cos(x), "cos"),
    ("square", lambda a: a * a, lambda x: 2.0, "mul"),
    ("sqrt", lambda a: a.sqrt(), lambda x: -0.25 * x**-1.5, "sqrt"),
    ("abs_times_x", lambda a: a.abs() * a, lambda x: math.copysign(2.0, x), "abs"),
    ("leaky_relu_times_x", lambda a: a.leaky_relu(0.1) * a, lambda x: 2.0 if x > 0 else 0.2, "abs"),
    (
        "sqrt_of_abs",
        lambda a: (a.abs() + 1.0).sqrt(),
        lambda x: -0.25 * (abs(x) + 1.0) ** -1.5,
        "abs",
    ),
]


@pytest.mark.parametrize(("name", "build", "second", "domain"), SECOND, ids=[s[0] for s in SECOND])
@settings(max_examples=50)
@given(data=st.data())
def test_second_derivatives(
    name: str,
    build: Callable[[Value], Value],
    second: Callable[[float], float],
    domain: str,
    data: st.DataObject,
) -> None:
    x = data.draw(safe_floats(domain, min_value=-3, max_value=3), label="x")
    first, analytic = _first_and_second(build, x)
    assert first == pytest.approx(_first(build, x), rel=1e-12)
    assert analytic == pytest.approx(second(x), rel=1e-9, abs=1e-12)
    h = 1e-5
    numeric = (_first(build, x + h) - _first(build, x - h)) / (2 * h)
    assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-5)
