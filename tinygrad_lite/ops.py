"""Every operation: its forward and its derivative rule, one entry each.

A rule is a tuple of vector-Jacobian products, one per input, each called as
``vjp(g, out, *inputs)`` where ``g`` is the gradient arriving at the output, ``out`` the
output and ``inputs`` the op's inputs. The same rule runs on three kinds of arguments:

* Python floats (the scalar `Value` path),
* numpy arrays (`Tensor`; broadcasting is undone by the engine, not here),
* nodes themselves, when ``backward(create_graph=True)`` records gradients of gradients.

To make that work, rules use only operators and the small dispatching functions below
(`exp`, `log`, ...), which pick `math`, `numpy` or the node method by argument type.
With ``g = 1`` a rule gives the local derivative on one edge, which is what the renderer
and the chain-rule explainer print.

Forward functions take plain data (floats or arrays) and check their domain; see
`DomainError` for the policy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_lite.errors import DomainError

__all__ = ["OPS", "Op", "cos", "exp", "log", "relu", "sigmoid", "sin", "step", "tanh"]

#: exp(x) overflows float64 above this.
EXP_MAX = math.log(np.finfo(np.float64).max)


@dataclass(frozen=True, slots=True)
class Op:
    """One operation: how to compute it and how to differentiate it."""

    name: str  #: identifier, as in `OPS`
    symbol: str  #: what the renderer writes in the op's node
    formula: str  #: the derivative rule in math, for people
    forward: Callable[..., Any]  #: data -> data
    vjps: tuple[Callable[..., Any], ...]  #: one per input (one shared if `variadic`)
    variadic: bool = False  #: takes any number of inputs, all treated alike

    def local_derivative(self, index: int, out: Any, inputs: tuple[Any, ...]) -> Any:
        """d out / d inputs[index] times a unit upstream gradient (exact for scalars)."""
        rule = self.vjps[0] if self.variadic else self.vjps[index]
        one = np.ones_like(out) if isinstance(out, np.ndarray) else 1.0
        return rule(one, out, *inputs)

    def __repr__(self) -> str:
        return f"Op({self.name})"


# ----------------------------------------------------------------------------------
# Dispatching math: float -> math, ndarray -> numpy, node -> the node's own method.
# ----------------------------------------------------------------------------------


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray | np.generic)


def exp(x: Any) -> Any:
    if type(x) is float:
        return math.exp(x)
    return np.exp(x) if _is_array(x) else x.exp()


def log(x: Any) -> Any:
    if type(x) is float:
        return math.log(x)
    return np.log(x) if _is_array(x) else x.log()


def tanh(x: Any) -> Any:
    if type(x) is float:
        return math.tanh(x)
    return np.tanh(x) if _is_array(x) else x.tanh()


def sin(x: Any) -> Any:
    if type(x) is float:
        return math.sin(x)
    return np.sin(x) if _is_array(x) else x.sin()


def cos(x: Any) -> Any:
    if type(x) is float:
        return math.cos(x)
    return np.cos(x) if _is_array(x) else x.cos()


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)), computed without overflow for any sign of x."""
    if type(x) is float:
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)
    if _is_array(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(
            np.result_type(x, np.float32), copy=False
        )
    return x.sigmoid()


def relu(x: Any) -> Any:
    if type(x) is float:
        return x if x > 0.0 else 0.0
    return np.maximum(x, 0) if _is_array(x) else x.relu()


def step(x: Any) -> Any:
    """1 where x > 0, else 0: the derivative of relu (taken as 0 at the kink)."""
    if type(x) is float:
        return 1.0 if x > 0.0 else 0.0
    if _is_array(x):
        return (x > 0).astype(np.result_type(x, np.float32))
    return type(x)._const(step(x.data))  # a constant: its own derivative is 0


def _data(x: Any) -> Any:
    """The raw data of a node, or x itself."""
    return getattr(x, "data", x)


def _any(cond: Any) -> bool:
    return cond if type(cond) is bool else bool(np.any(cond))


def _first(values: Any, mask: Any) -> Any:
    """The first offending entry, for an error message."""
    if type(mask) is bool:
        return values
    return np.broadcast_to(values, np.shape(mask))[mask].flat[0]


# ----------------------------------------------------------------------------------
# Forward functions with their domain checks
# ----------------------------------------------------------------------------------


def _div_forward(a: Any, b: Any) -> Any:
    zero = b == 0
    if _any(zero):
        raise DomainError("div", f"division by zero (numerator {_first(a, zero)!r})")
    return a / b


def _pow_forward(a: Any, b: Any) -> Any:
    fractional = (a < 0) & (b % 1 != 0)
    if _any(fractional):
        raise DomainError(
            "pow",
            f"a negative base to a non-integer power has no real value "
            f"({_first(a, fractional)!r} ** {_first(b, fractional)!r})",
        )
    pole = (a == 0) & (b < 0)
    if _any(pole):
        raise DomainError("pow", f"zero to a negative power ({_first(b, pole)!r}) is infinite")
    try:
        if type(a) is float:
            return a**b
        with np.errstate(over="ignore"):
            out = np.power(a, b)
    except OverflowError:
        raise DomainError("pow", f"{a!r} ** {b!r} overflows float64") from None
    _check_overflow("pow", out, a, b)
    return out


def _exp_forward(a: Any) -> Any:
    too_big = a > EXP_MAX
    if _any(too_big):
        raise DomainError(
            "exp", f"exp({_first(a, too_big)!r}) overflows float64 (inputs must be <= {EXP_MAX:.2f})"
        )
    return exp(a)


def _log_forward(a: Any) -> Any:
    bad = a <= 0
    if _any(bad):
        raise DomainError("log", f"log needs a positive input, got {_first(a, bad)!r}")
    return log(a)


def _check_overflow(name: str, out: Any, *inputs: Any) -> None:
    """Raise if `out` is infinite where every input was finite."""
    if type(out) is float or not np.issubdtype(np.asarray(out).dtype, np.floating):
        return
    infinite = np.isinf(out)
    if infinite.any():
        finite_in = np.ones(np.shape(out), dtype=bool)
        for x in inputs:
            finite_in &= np.isfinite(x)
        if (infinite & finite_in).any():
            raise DomainError(name, "the result overflows float64")


def _pow_base_vjp(g: Any, out: Any, a: Any, b: Any) -> Any:
    return g * b * a ** (b - 1)


def _pow_exponent_vjp(g: Any, out: Any, a: Any, b: Any) -> Any:
    bad = _data(a) <= 0
    if _any(bad):
        raise DomainError(
            "pow",
            "the gradient with respect to the exponent needs a positive base, got "
            f"{_first(_data(a), bad)!r}; use a plain number as exponent if it is a constant",
        )
    return g * out * log(a)


# ----------------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------------


def _add(a: Any, b: Any) -> Any:
    return a + b


def _sub(a: Any, b: Any) -> Any:
    return a - b


def _mul(a: Any, b: Any) -> Any:
    return a * b


def _neg(a: Any) -> Any:
    return -a


def _add_n(*xs: Any) -> Any:
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def pass_gradient(g: Any, out: Any, *xs: Any) -> Any:
    """The rule of an input whose local derivative is 1 (the walk skips calling it)."""
    return g


def _neg_g(g: Any, out: Any, *xs: Any) -> Any:
    return -g


_TABLE = [
    Op("add", "+", "d(a+b)/da = 1; d(a+b)/db = 1", _add, (pass_gradient, pass_gradient)),
    Op("sub", "-", "d(a-b)/da = 1; d(a-b)/db = -1", _sub, (pass_gradient, _neg_g)),
    Op(
        "mul",
        "*",
        "d(a*b)/da = b; d(a*b)/db = a",
        _mul,
        (lambda g, out, a, b: g * b, lambda g, out, a, b: g * a),
    ),
    Op(
        "div",
        "/",
        "d(a/b)/da = 1/b; d(a/b)/db = -a/b**2",
        _div_forward,
        (lambda g, out, a, b: g / b, lambda g, out, a, b: -g * out / b),
    ),
    Op(
        "pow",
        "**",
        "d(a**b)/da = b*a**(b-1); d(a**b)/db = a**b*log(a)",
        _pow_forward,
        (_pow_base_vjp, _pow_exponent_vjp),
    ),
    Op("neg", "neg", "d(-a)/da = -1", _neg, (_neg_g,)),
    Op("exp", "exp", "d exp(a)/da = exp(a)", _exp_forward, (lambda g, out, a: g * out,)),
    Op("log", "log", "d log(a)/da = 1/a", _log_forward, (lambda g, out, a: g / a,)),
    Op(
        "tanh", "tanh", "d tanh(a)/da = 1 - tanh(a)**2", tanh, (lambda g, out, a: g * (1 - out * out),)
    ),
    Op("sin", "sin", "d sin(a)/da = cos(a)", sin, (lambda g, out, a: g * cos(a),)),
    Op("cos", "cos", "d cos(a)/da = -sin(a)", cos, (lambda g, out, a: -g * sin(a),)),
    Op(
        "sigmoid",
        "sigmoid",
        "d sigmoid(a)/da = sigmoid(a)*(1 - sigmoid(a))",
        sigmoid,
        (lambda g, out, a: g * out * (1 - out),),
    ),
    Op("relu", "relu", "d relu(a)/da = 1 if a > 0 else 0", relu, (lambda g, out, a: g * step(a),)),
    Op("add_n", "+", "d(x1+...+xn)/dxi = 1", _add_n, (pass_gradient,), variadic=True),
]

#: Every elementwise operation by name. Tests are driven from this table.
OPS: dict[str, Op] = {op.name: op for op in _TABLE}

ADD, SUB, MUL, DIV, POW = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["pow"]
NEG, EXP, LOG, TANH, SIN, COS = OPS["neg"], OPS["exp"], OPS["log"], OPS["tanh"], OPS["sin"], OPS["cos"]
SIGMOID, RELU, ADD_N = OPS["sigmoid"], OPS["relu"], OPS["add_n"]
