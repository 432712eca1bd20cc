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

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_lite.errors import DomainError

__all__ = [
    "CANNOT_OVERFLOW",
    "LINEAR",
    "MATMUL",
    "OPS",
    "TENSOR_OPS",
    "WHERE",
    "Op",
    "broadcast_op",
    "broadcast_to",
    "cast_op",
    "cat_op",
    "check_overflow",
    "cos",
    "cross_entropy_op",
    "exp",
    "getitem_op",
    "log",
    "log_softmax_op",
    "max_op",
    "mean_op",
    "min_op",
    "mse_op",
    "relu",
    "reshape_op",
    "scatter_add",
    "scatter_op",
    "sigmoid",
    "sign",
    "sin",
    "softmax_op",
    "step",
    "sum_op",
    "tanh",
    "transpose_op",
    "unbroadcast",
]

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
    #: parameters fixed when the op was made (axis, shape, index), as (name, value) pairs
    params: tuple[tuple[str, Any], ...] = ()
    #: where each input is defined and smooth enough for finite differences, for the
    #: checks in `tinygrad_lite.testing`: one entry per input (one for all of a variadic
    #: op), each interval bounds in pairs, (lo, hi) or (lo1, hi1, lo2, hi2, ...); empty
    #: means every real number, as in ((0.05, math.inf),) for a log-like op
    domain: tuple[tuple[float, ...], ...] = ()

    def local_derivative(self, index: int, out: Any, inputs: tuple[Any, ...]) -> Any:
        """d out / d inputs[index] times a unit upstream gradient (exact for scalars)."""
        rule = self.vjps[0] if self.variadic else self.vjps[index]
        one = np.ones_like(out) if isinstance(out, np.ndarray) else 1.0
        return rule(one, out, *inputs)

    def describe(self) -> str:
        """The op with its parameters, as a call: ``sum(axis=1, keepdims=False)``."""
        if not self.params:
            return self.name
        return f"{self.name}({', '.join(f'{k}={v}' for k, v in self.params)})"

    def __repr__(self) -> str:
        return f"Op({self.name})"


# ----------------------------------------------------------------------------------
# Dispatching math: float -> math, ndarray -> numpy, node -> the node's own method.
# ----------------------------------------------------------------------------------


#: A tuple, not `np.ndarray | np.generic`: a union written in the call is built anew on
#: every call, which made this check seven times slower.
_ARRAY_TYPES = (np.ndarray, np.generic)


def _is_array(x: Any) -> bool:
    return isinstance(x, _ARRAY_TYPES)


def exp(x: Any) -> Any:
    """e**x of a float, an array or a node (for rules that run on all three)."""
    if type(x) is float:
        return math.exp(x)
    return np.exp(x) if _is_array(x) else x.exp()


def log(x: Any) -> Any:
    """The natural log of a float, an array or a node."""
    if type(x) is float:
        return math.log(x)
    return np.log(x) if _is_array(x) else x.log()


def tanh(x: Any) -> Any:
    """tanh of a float, an array or a node."""
    if type(x) is float:
        return math.tanh(x)
    return np.tanh(x) if _is_array(x) else x.tanh()


def sin(x: Any) -> Any:
    """sin of a float, an array or a node."""
    if type(x) is float:
        return math.sin(x)
    return np.sin(x) if _is_array(x) else x.sin()


def cos(x: Any) -> Any:
    """cos of a float, an array or a node."""
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
        out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return out.astype(x.dtype, copy=False) if x.dtype.kind == "f" else out
    return x.sigmoid()


def relu(x: Any) -> Any:
    """max(x, 0) of a float, an array or a node; nan stays nan."""
    if type(x) is float:
        return 0.0 if x <= 0.0 else x  # nan stays nan
    return np.maximum(x, 0.0) if _is_array(x) else x.relu()  # a float 0: twice as fast as 0


def step(x: Any) -> Any:
    """1 where x > 0, else 0: the derivative of relu (taken as 0 at the kink)."""
    if type(x) is float:
        return 1.0 if x > 0.0 else 0.0
    if _is_array(x):
        return x > 0  # a boolean mask: g * mask keeps g's dtype without a float copy
    d = x.data  # a node (create_graph): the mask is a constant, its own derivative is 0
    return type(x)._const(step(d) if type(d) is float else (d > 0).astype(d.dtype))


def sign(x: Any) -> Any:
    """-1, 0 or 1 by the sign of x: the derivative of abs (0 at the kink, as PyTorch)."""
    if type(x) is float:
        return 1.0 if x > 0.0 else -1.0 if x < 0.0 else x * 0.0  # nan stays nan
    if _is_array(x):
        return np.sign(x)
    d = x.data  # a node (create_graph): a constant, as for `step`
    return type(x)._const(sign(d) if type(d) is float else np.sign(d))


def _masked(g: Any, keep: Any) -> Any:
    """`g` where the boolean `keep` holds, else 0; `keep` is computed from data, so under
    create_graph it is a constant (the ops that use it are piecewise linear there)."""
    if _is_array(g):
        return g * keep  # a boolean mask keeps g's dtype
    if type(keep) is bool or isinstance(keep, np.bool_):
        return g * (1.0 if keep else 0.0)
    return g * type(g)._const(np.asarray(keep, dtype=_data(g).dtype))


def _data(x: Any) -> Any:
    """The raw data of a node, or x itself (an array's own `.data` is a memoryview)."""
    return x if type(x) is float or _is_array(x) else getattr(x, "data", x)


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
    check_overflow("pow", out, (a, b))
    return out


def _exp_forward(a: Any) -> Any:
    too_big = (a > EXP_MAX) & (a < math.inf)  # a finite input that overflows; inf stays inf
    if _any(too_big):
        raise DomainError(
            "exp",
            f"exp({_first(a, too_big)!r}) overflows float64 (inputs must be <= {EXP_MAX:.2f})",
        )
    return exp(a)


def _log_forward(a: Any) -> Any:
    bad = a <= 0
    if _any(bad):
        raise DomainError("log", f"log needs a positive input, got {_first(a, bad)!r}")
    return log(a)


def _abs_forward(a: Any) -> Any:
    return abs(a) if type(a) is float else np.abs(a)


def _sqrt_forward(a: Any) -> Any:
    bad = a < 0
    if _any(bad):
        raise DomainError("sqrt", f"sqrt needs a non-negative input, got {_first(a, bad)!r}")
    return math.sqrt(a) if type(a) is float else np.sqrt(a)


def _sqrt_vjp(g: Any, out: Any, a: Any) -> Any:
    zero = _data(out) == 0
    if _any(zero):
        raise DomainError(
            "sqrt",
            "the derivative of sqrt at 0 is infinite (1 / (2 * sqrt(0))); PyTorch returns "
            "inf there, which would make every later gradient inf or nan",
        )
    return g * 0.5 / out


def _leaky_relu_forward(a: Any, slope: Any) -> Any:
    if type(a) is float and type(slope) is float:
        return a if a > 0.0 else a * slope  # nan stays nan
    # min(a, 0) * slope: positive entries are not scaled, so they cannot overflow
    return np.where(a > 0, a, np.minimum(a, 0) * slope)


def _leaky_relu_vjp_a(g: Any, out: Any, a: Any, slope: Any) -> Any:
    if _is_array(g):
        return g * np.where(a > 0, 1.0, slope).astype(g.dtype, copy=False)
    if type(a) is float:
        return g if a > 0.0 else g * slope
    x = _data(a)  # recording (create_graph): the masks are constants
    return _masked(g, x > 0) + _masked(g, np.logical_not(x > 0)) * slope


def _leaky_relu_vjp_slope(g: Any, out: Any, a: Any, slope: Any) -> Any:
    return g * (a - relu(a))  # min(a, 0): the slope only scales the negative part


def _clamp_forward(a: Any, low: Any, high: Any) -> Any:
    crossed = low > high
    if _any(crossed):
        raise DomainError(
            "clamp", f"min {_first(low, crossed)!r} is greater than max {_first(high, crossed)!r}"
        )
    if type(a) is float and type(low) is float and type(high) is float:
        return low if a < low else high if a > high else a  # nan stays nan
    return np.clip(a, low, high)


def _clamp_vjp_a(g: Any, out: Any, a: Any, low: Any, high: Any) -> Any:
    x = _data(a)
    return _masked(g, (_data(low) <= x) & (x <= _data(high)))  # inclusive, as PyTorch


def _clamp_vjp_low(g: Any, out: Any, a: Any, low: Any, high: Any) -> Any:
    return _masked(g, _data(a) < _data(low))


def _clamp_vjp_high(g: Any, out: Any, a: Any, low: Any, high: Any) -> Any:
    return _masked(g, _data(a) > _data(high))


def check_overflow(name: str, out: Any, inputs: tuple[Any, ...]) -> None:
    """Raise a DomainError if `out` is infinite where every input is finite: an overflow.

    The policy for every op (see docs/concepts.md): a finite input never turns into an
    infinite output silently. An infinite input is data, and passes through (exp(inf) is
    inf). For an elementwise op the check is per entry; for one that combines entries
    (a sum, a matrix product) an inf in an input excuses every output entry.
    """
    if type(out) is float:
        if out - out == 0.0 or out != out:  # finite, or nan (data, not an overflow)
            return
        values = [_data(x) for x in inputs]
        if all(_finite_number(v) for v in values):
            shown = ", ".join(repr(v) for v in values)
            raise DomainError(name, f"the result overflows float64 at finite inputs ({shown})")
        return
    arr = np.asarray(out)
    if arr.dtype.kind != "f":
        return
    infinite = np.isinf(arr)
    if not infinite.any():
        return
    finite_in = np.ones(arr.shape, dtype=bool)
    for x in inputs:
        v = np.asarray(_data(x))
        if v.dtype.kind != "f":
            continue
        fin = np.isfinite(v)
        try:
            elementwise = np.broadcast_shapes(fin.shape, arr.shape) == arr.shape
        except ValueError:  # the op combines entries (a reduction, a product)
            elementwise = False
        if elementwise:
            finite_in &= fin
        elif not fin.all():
            return
    if (infinite & finite_in).any():
        raise DomainError(
            name, f"the result overflows {arr.dtype} at finite inputs (an entry became inf)"
        )


def _finite_number(v: Any) -> bool:
    return not isinstance(v, float | int | np.number) or bool(np.isfinite(v))


#: Ops whose output is finite whenever their inputs are: the Tensor forward skips the
#: overflow check for them (they move, pick or squash entries).
CANNOT_OVERFLOW = frozenset(
    {
        "neg",
        "tanh",
        "sin",
        "cos",
        "sigmoid",
        "relu",
        "abs",
        "sqrt",
        "log",
        "clamp",
        "max",
        "min",
        "reshape",
        "transpose",
        "broadcast_to",
        "getitem",
        "where",
        "cat",
        "softmax",
    }
)


def _pow_base_vjp(g: Any, out: Any, a: Any, b: Any) -> Any:
    try:
        return g * b * a ** (b - 1)
    except (ArithmeticError, DomainError):
        ad, bd = _data(a), _data(b)
        vertical = (ad == 0) & (bd > 0) & (bd < 1)
        if not _any(vertical):
            raise
        # The rule's own a ** (b - 1) has a negative power; the user wrote a positive one.
        raise DomainError(
            "pow",
            f"the slope of x ** {float(_first(bd, vertical)):g} is infinite at x = 0 (the curve "
            "rises vertically from zero), so its gradient at 0 is not defined",
        ) from None


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
    # Built-in sum: a C loop for floats (from Python 3.12 with compensated summation, so
    # it may differ from a chain of + in the last bit, towards the exact sum).
    return sum(xs[1:], xs[0])


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
        "tanh",
        "tanh",
        "d tanh(a)/da = 1 - tanh(a)**2",
        tanh,
        (lambda g, out, a: g * (1 - out * out),),
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
    Op(
        "abs",
        "abs",
        "d abs(a)/da = sign(a): 1 if a > 0, -1 if a < 0, 0 at a = 0 (as PyTorch)",
        _abs_forward,
        (lambda g, out, a: g * sign(a),),
        domain=((-math.inf, -1e-3, 1e-3, math.inf),),
    ),
    Op(
        "sqrt",
        "sqrt",
        "d sqrt(a)/da = 1/(2*sqrt(a)); a DomainError at a = 0, where it is infinite",
        _sqrt_forward,
        (_sqrt_vjp,),
        domain=((0.05, math.inf),),
    ),
    Op(
        "leaky_relu",
        "leaky_relu",
        "d leaky_relu(a, s)/da = 1 if a > 0 else s (s at a = 0, as PyTorch); "
        "d/ds = a if a <= 0 else 0",
        _leaky_relu_forward,
        (_leaky_relu_vjp_a, _leaky_relu_vjp_slope),
        domain=((-math.inf, -1e-3, 1e-3, math.inf), (-math.inf, math.inf)),
    ),
    Op(
        "clamp",
        "clamp",
        "d clamp(a, lo, hi)/da = 1 if lo <= a <= hi else 0 (1 at the bounds, as PyTorch); "
        "d/dlo = 1 if a < lo; d/dhi = 1 if a > hi",
        _clamp_forward,
        (_clamp_vjp_a, _clamp_vjp_low, _clamp_vjp_high),
        # min below 0 and max above it, so min < max; testing.op_inputs keeps the input
        # away from both bounds (a kink each)
        domain=((-math.inf, math.inf), (-math.inf, -1e-3), (1e-3, math.inf)),
    ),
]

OPS: dict[str, Op] = {op.name: op for op in _TABLE}
"""Every elementwise operation by name. Tests are driven from this table."""

ADD, SUB, MUL, DIV, POW = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["pow"]
NEG, EXP, LOG, TANH, SIN, COS = (
    OPS["neg"],
    OPS["exp"],
    OPS["log"],
    OPS["tanh"],
    OPS["sin"],
    OPS["cos"],
)
SIGMOID, RELU, ADD_N = OPS["sigmoid"], OPS["relu"], OPS["add_n"]
ABS, SQRT, LEAKY_RELU, CLAMP = OPS["abs"], OPS["sqrt"], OPS["leaky_relu"], OPS["clamp"]


# ==================================================================================
# Tensor operations: matmul, reductions, shape changes, indexing, softmax.
#
# They act on whole arrays, so they exist for `Tensor` only. An op with parameters
# (an axis, a shape, an index) is made per parameter set by a small factory; its
# `params` say what was fixed, for the renderer. The rules use array methods that
# `Tensor` shares with numpy (`.sum(axis=, keepdims=)`, `.reshape`, `.transpose`, `[]`,
# `@`) plus `broadcast_to` and `scatter_add` below, so they also run on nodes when
# backward records a graph.
# ==================================================================================


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient that numpy broadcasting spread out back to the input's `shape`.

    Leading axes that broadcasting added are summed away; axes where the input had
    size 1 are summed with keepdims. This is the one place where that happens.
    """
    gshape = g.shape
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    if extra > 0 and gshape[extra:] == shape and type(g) is np.ndarray:
        # A bias: only leading axes were added (one, for a batch of rows).
        return _add_reduce(g, axis=0 if extra == 1 else tuple(range(extra)))
    if extra >= 0:
        stretched = tuple(
            i + extra for i, n in enumerate(shape) if n == 1 and gshape[i + extra] != 1
        )
        if stretched:
            g = g.sum(axis=stretched, keepdims=True)
        if extra:
            g = g.sum(axis=tuple(range(extra)))
        if g.shape == shape:
            return g
    raise ValueError(f"a gradient of shape {gshape} cannot be summed to an input of shape {shape}")


# The ufunc reductions themselves: np.sum / np.max add a Python layer around them.
_add_reduce: Any = np.add.reduce
_max_reduce: Any = np.maximum.reduce
_min_reduce: Any = np.minimum.reduce

#: Below this many entries a broadcast gradient is written out (faster than making a view).
_SMALL = 1 << 14


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """`x` repeated to `shape` for arrays, the recorded op for nodes.

    A small result is a fresh array; a big one a read-only view (no copy of the entries).
    """
    if _is_array(x) or type(x) is float:
        if math.prod(shape) > _SMALL:
            return np.broadcast_to(x, shape)
        out = np.empty(shape, dtype=np.result_type(x))
        out[...] = x
        return out
    return x.broadcast_to(shape)


def scatter_add(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of `shape` with `g` added at `index` (repeated indices add up)."""
    if _is_array(g):
        z = np.zeros(shape, dtype=g.dtype)
        if any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in index):
            np.add.at(z, index, g)  # integer arrays may pick an entry more than once
        else:
            z[index] = g  # ints, slices and masks pick each entry at most once
        return z
    return type(g)._call(scatter_op(index, shape), g)


def _reduced_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """`shape` with the reduced axes kept as size 1 (what keepdims=True gives)."""
    if axis is None:
        return (1,) * len(shape)
    axes = np.lib.array_utils.normalize_axis_tuple(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _reduced_count(shape: tuple[int, ...], axis: Any) -> int:
    """How many entries a reduction over `axis` combines into each output entry."""
    if axis is None:
        return math.prod(shape)
    axes = np.lib.array_utils.normalize_axis_tuple(axis, len(shape))
    return math.prod(shape[i] for i in axes)


def _keep(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """A reduction's output gradient with the reduced axes put back as size 1."""
    return g if keepdims else g.reshape(_reduced_shape(shape, axis))


def _matrix_t(x: Any) -> Any:
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    if x.ndim == 2:
        return x.T
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return x.transpose(tuple(axes))


def _matmul_vjp_a(g: Any, out: Any, a: Any, b: Any) -> Any:
    if b.ndim == 1:
        if a.ndim == 1:
            return g * b
        return g.reshape((*g.shape, 1)) * b  # outer product, one per batch entry
    if a.ndim == 1:
        row = g.reshape((*g.shape[:-1], 1, g.shape[-1])) @ _matrix_t(b)
        return row.reshape((*g.shape[:-1], a.shape[0]))
    return g @ _matrix_t(b)


def _matmul_vjp_b(g: Any, out: Any, a: Any, b: Any) -> Any:
    if a.ndim == 1:
        if b.ndim == 1:
            return g * a
        return a.reshape((a.shape[0], 1)) * g.reshape((*g.shape[:-1], 1, g.shape[-1]))
    if b.ndim == 1:
        row = g.reshape((*g.shape[:-1], 1, g.shape[-1])) @ a
        return row.reshape((*g.shape[:-1], b.shape[0]))
    return _matrix_t(a) @ g


def _different_dtypes(name: str, first: str, a: Any, second: str, b: Any) -> TypeError:
    """A product of arrays of two different dtypes is refused, as PyTorch refuses it:
    numpy would compute it silently in the wider dtype (at half speed for float32 data)."""
    return TypeError(
        f"{name}: {first} is {a.dtype} but {second} is {b.dtype}; both must have the same "
        "dtype (cast one with .float(), .double() or .to(dtype), as PyTorch requires)"
    )


def _matmul_forward(a: Any, b: Any) -> Any:
    if _is_array(a) and _is_array(b) and a.dtype is not b.dtype and a.dtype != b.dtype:
        raise _different_dtypes("matmul", "the left operand", a, "the right operand", b)
    return np.matmul(a, b)


MATMUL = Op(
    "matmul",
    "@",
    "d(A@B)/dA: G @ B.T; d(A@B)/dB: A.T @ G (1-D operands as numpy treats them)",
    _matmul_forward,
    (_matmul_vjp_a, _matmul_vjp_b),
)
"""Matrix product `a @ b` of Tensors, with numpy's rules for 1-D operands."""


def _linear_forward(x: Any, w: Any, b: Any) -> Any:
    if x.dtype is not w.dtype and x.dtype != w.dtype:
        raise _different_dtypes("linear", "the input", x, "the weight", w)
    out = np.matmul(x, w)
    if isinstance(out, np.ndarray) and (
        out.dtype is b.dtype or out.dtype == np.result_type(out, b)
    ):
        out += b  # in place on the fresh product: one pass and no extra array
        return out
    return out + b


def _linear_vjp_x(g: Any, out: Any, x: Any, w: Any, b: Any) -> Any:
    return g @ w.T


def _linear_vjp_w(g: Any, out: Any, x: Any, w: Any, b: Any) -> Any:
    if x.ndim == 2:
        return x.T @ g
    # One sample (1-D) or extra batch axes: flatten them into rows, one product sums all.
    n_in, n_out = w.shape
    return x.reshape((-1, n_in)).T @ g.reshape((-1, n_out))


LINEAR = Op(
    "linear",
    "x@W+b",
    "d(x@W+b)/dx: G @ W.T; d/dW: x.T @ G; d/db: G summed over the batch (matmul's and add's)",
    _linear_forward,
    (_linear_vjp_x, _linear_vjp_w, pass_gradient),
)
"""A dense layer's affine map as one node. Its rules are matmul's and add's: fusing them
saves a node and a full-size temporary per layer (measured in benchmarks/bench_tensor.py)."""


@functools.lru_cache(maxsize=512)
def sum_op(axis: int | tuple[int, ...] | None, keepdims: bool) -> Op:
    """Sum over `axis` (None: all axes)."""

    def forward(a: Any) -> Any:
        return _add_reduce(a, axis=axis, keepdims=keepdims)

    def vjp(g: Any, out: Any, a: Any) -> Any:
        return broadcast_to(_keep(g, a.shape, axis, keepdims), a.shape)

    return Op(
        "sum",
        "sum",
        "d sum(a)/da_i = 1: the gradient is copied along the summed axes",
        forward,
        (vjp,),
        params=(("axis", axis), ("keepdims", keepdims)),
    )


@functools.lru_cache(maxsize=512)
def mean_op(axis: int | tuple[int, ...] | None, keepdims: bool) -> Op:
    """Mean over `axis` (None: all axes)."""

    def forward(a: Any) -> Any:
        if a.dtype.itemsize < 4:  # numpy averages float16 in float32
            return np.mean(a, axis=axis, keepdims=keepdims)
        return _add_reduce(a, axis=axis, keepdims=keepdims) / _reduced_count(a.shape, axis)

    def vjp(g: Any, out: Any, a: Any) -> Any:
        scale = 1.0 / _reduced_count(a.shape, axis)
        return broadcast_to(_keep(g, a.shape, axis, keepdims) * scale, a.shape)

    return Op(
        "mean",
        "mean",
        "d mean(a)/da_i = 1/n, n the number of entries averaged",
        forward,
        (vjp,),
        params=(("axis", axis), ("keepdims", keepdims)),
    )


def _extreme_op(name: str, reduce: Any, axis: Any, keepdims: bool) -> Op:
    """The max or min over `axis`; tied entries share the gradient equally."""

    def forward(a: Any) -> Any:
        return reduce(a, axis=axis, keepdims=keepdims)

    def vjp(g: Any, out: Any, a: Any) -> Any:
        data = _data(a)
        shape = data.shape
        hit = (data == _keep(_data(out), shape, axis, keepdims)).astype(data.dtype)
        share = hit / hit.sum(axis=axis, keepdims=True)
        if not _is_array(g):  # recording: `share` is a constant node (piecewise linear)
            share = type(g)._const(share)
        return _keep(g, shape, axis, keepdims) * share

    return Op(
        name,
        name,
        f"d {name}(a)/da_i = 1/k at the k entries equal to the {name}, else 0 "
        "(ties share, as PyTorch's max()/min() without dim and amax/amin)",
        forward,
        (vjp,),
        params=(("axis", axis), ("keepdims", keepdims)),
    )


@functools.lru_cache(maxsize=512)
def max_op(axis: int | tuple[int, ...] | None, keepdims: bool) -> Op:
    """Maximum over `axis`; tied maxima share the gradient equally (as torch.amax)."""
    return _extreme_op("max", _max_reduce, axis, keepdims)


@functools.lru_cache(maxsize=512)
def min_op(axis: int | tuple[int, ...] | None, keepdims: bool) -> Op:
    """Minimum over `axis`; tied minima share the gradient equally (as torch.amin)."""
    return _extreme_op("min", _min_reduce, axis, keepdims)


@functools.lru_cache(maxsize=512)
def reshape_op(shape: tuple[int, ...]) -> Op:
    """The same entries in a new shape (-1 allowed once)."""

    def forward(a: Any) -> Any:
        return np.reshape(a, shape)

    def vjp(g: Any, out: Any, a: Any) -> Any:
        return g.reshape(a.shape)

    return Op(
        "reshape",
        "reshape",
        "reshape moves entries without changing them: the gradient is reshaped back",
        forward,
        (vjp,),
        params=(("shape", shape),),
    )


@functools.lru_cache(maxsize=512)
def transpose_op(axes: tuple[int, ...] | None) -> Op:
    """Permute the axes (None: reverse them, as `.T`)."""
    inverse = None if axes is None else tuple(int(i) for i in np.argsort(axes))

    def forward(a: Any) -> Any:
        return np.transpose(a, axes)

    def vjp(g: Any, out: Any, a: Any) -> Any:
        return g.transpose(inverse)

    return Op(
        "transpose",
        "T",
        "a permutation of entries: the gradient is permuted back",
        forward,
        (vjp,),
        params=(("axes", axes),),
    )


@functools.lru_cache(maxsize=512)
def broadcast_op(shape: tuple[int, ...]) -> Op:
    """Repeat along new leading axes and size-1 axes, as numpy broadcasting does."""

    def forward(a: Any) -> Any:
        return np.broadcast_to(a, shape)

    def vjp(g: Any, out: Any, a: Any) -> Any:
        return unbroadcast(g, a.shape)

    return Op(
        "broadcast_to",
        "expand",
        "each input entry is copied to many outputs: their gradients are summed",
        forward,
        (vjp,),
        params=(("shape", shape),),
    )


def _index_text(index: tuple[Any, ...]) -> str:
    """`index` as it would be written between brackets, shortened, for the renderer."""
    parts = []
    for item in index:
        if isinstance(item, slice):
            ends = (
                (item.start, item.stop) if item.step is None else (item.start, item.stop, item.step)
            )
            parts.append(":".join("" if v is None else str(v) for v in ends))
        elif item is Ellipsis:
            parts.append("...")
        elif item is None:
            parts.append("None")
        elif isinstance(item, np.ndarray):
            flat = item.reshape(-1).tolist() if item.size <= 6 else None
            if flat is None:
                parts.append(f"<{item.dtype} array of shape {item.shape}>")
            elif item.ndim == 1:
                parts.append(f"[{','.join(str(v) for v in flat)}]")
            else:
                parts.append(str(item.tolist()).replace(" ", ""))
        else:
            parts.append(str(item))
    return ", ".join(parts)


def getitem_op(index: tuple[Any, ...]) -> Op:
    """Select entries with ints, slices, None, ... and integer or boolean arrays."""

    def forward(a: Any) -> Any:
        return a[index]

    def vjp(g: Any, out: Any, a: Any) -> Any:
        return scatter_add(g, index, a.shape)

    return Op(
        "getitem",
        "[]",
        "selected entries pass the gradient back; repeated picks add up",
        forward,
        (vjp,),
        params=(("index", _index_text(index)),),
    )


def scatter_op(index: tuple[Any, ...], shape: tuple[int, ...]) -> Op:
    """The transpose of `getitem_op(index)`: add `g` into zeros of `shape` at `index`."""

    def forward(g: Any) -> Any:
        return scatter_add(g, index, shape)

    def vjp(g: Any, out: Any, src: Any) -> Any:
        return g[index]

    return Op(
        "scatter_add",
        "scatter",
        "linear: the gradient is read back at the same index",
        forward,
        (vjp,),
        params=(("index", _index_text(index)), ("shape", shape)),
    )


def _where_vjp_condition(g: Any, out: Any, cond: Any, a: Any, b: Any) -> Any:
    raise ValueError("a condition is a boolean mask: it has no derivative")


WHERE = Op(
    "where",
    "where",
    "d where(c, a, b)/da = 1 where c holds, else 0; d/db = 1 where it does not",
    np.where,
    (
        _where_vjp_condition,
        lambda g, out, cond, a, b: _masked(g, _data(cond)),
        lambda g, out, cond, a, b: _masked(g, np.logical_not(_data(cond))),
    ),
)
"""Pick from `a` where the condition (a constant boolean mask) holds, else from `b`."""


@functools.lru_cache(maxsize=256)
def cat_op(axis: int, sizes: tuple[int, ...]) -> Op:
    """Join inputs along `axis` (>= 0), whose lengths along it are `sizes`."""
    ends = [0, *itertools.accumulate(sizes)]

    def forward(*xs: Any) -> Any:
        return np.concatenate(xs, axis=axis)

    def piece(i: int) -> Callable[..., Any]:
        index = (slice(None),) * axis + (slice(ends[i], ends[i + 1]),)

        def vjp(g: Any, out: Any, *xs: Any) -> Any:
            return g[index]

        return vjp

    return Op(
        "cat",
        "cat",
        "each input gets back its own slice of the gradient along the axis",
        forward,
        tuple(piece(i) for i in range(len(sizes))),
        params=(("dim", axis), ("sizes", sizes)),
    )


def _cast(g: Any, dtype: np.dtype[Any]) -> Any:
    """`g` in `dtype`: an array cast, or the recorded cast of a node."""
    if _is_array(g):
        return g.astype(dtype, copy=False)
    return type(g)._call(cast_op(dtype), g) if g.data.dtype != dtype else g


@functools.lru_cache(maxsize=64)
def cast_op(dtype: np.dtype[Any]) -> Op:
    """The same numbers in another floating `dtype` (rounded when it is narrower)."""

    def forward(a: Any) -> Any:
        return a.astype(dtype)

    def vjp(g: Any, out: Any, a: Any) -> Any:
        return _cast(g, _data(a).dtype)

    return Op(
        "cast",
        "cast",
        "a change of dtype: the gradient is cast back to the input's dtype",
        forward,
        (vjp,),
        params=(("dtype", str(dtype)),),
    )


def _finite_max(name: str, a: Any, axis: int) -> Any:
    """The max along `axis` (keepdims), refusing nan and rows with no finite entry."""
    m = _max_reduce(a, axis=axis, keepdims=True)
    if not np.isfinite(m).all():
        raise DomainError(
            name,
            "every slice along the axis needs a finite maximum (got nan, +inf or all -inf)",
        )
    return m


@functools.lru_cache(maxsize=64)
def softmax_op(axis: int) -> Op:
    """exp(a) / sum(exp(a)) along `axis`, with the max subtracted first (no overflow)."""

    def forward(a: Any) -> Any:
        e = np.exp(a - _finite_max("softmax", a, axis))
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def vjp(g: Any, out: Any, a: Any) -> Any:
        return out * (g - (g * out).sum(axis=axis, keepdims=True))

    return Op(
        "softmax",
        "softmax",
        "d softmax(a)_i/da_j = s_i*(delta_ij - s_j): vjp = s*(g - sum(g*s))",
        forward,
        (vjp,),
        params=(("axis", axis),),
    )


@functools.lru_cache(maxsize=64)
def log_softmax_op(axis: int) -> Op:
    """a - logsumexp(a) along `axis`, computed from the max-shifted input (stable)."""

    def forward(a: Any) -> Any:
        shifted = a - _finite_max("log_softmax", a, axis)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def vjp(g: Any, out: Any, a: Any) -> Any:
        return g - exp(out) * g.sum(axis=axis, keepdims=True)

    return Op(
        "log_softmax",
        "log_softmax",
        "d log_softmax(a)_i/da_j = delta_ij - softmax(a)_j: vjp = g - softmax(a)*sum(g)",
        forward,
        (vjp,),
        params=(("axis", axis),),
    )


@functools.lru_cache(maxsize=8)
def mse_op(reduction: str) -> Op:
    """(pred - target)**2 per entry, summed or averaged over all entries (or per entry,
    with "none"): a squared-error loss as one node, as PyTorch records it.

    One node instead of a subtract, a square and a reduction, and its rule is two array
    operations: on a small network that is a tenth of a training step
    (benchmarks/bench_tensor.py).
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"mse: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")

    def forward(p: Any, t: Any) -> Any:
        d = p - t
        if reduction == "none" or d.dtype.itemsize < 4:  # float16 goes the long way round
            sq = d * d
            if reduction == "none":
                return sq
            return np.mean(sq) if reduction == "mean" else _add_reduce(sq, axis=None)
        flat = d.reshape(-1)
        total = flat @ flat
        return total / d.size if reduction == "mean" else total

    def vjp_pred(g: Any, out: Any, p: Any, t: Any) -> Any:
        return (p - t) * (g * (2.0 / _data(p).size if reduction == "mean" else 2.0))

    def vjp_target(g: Any, out: Any, p: Any, t: Any) -> Any:
        return -vjp_pred(g, out, p, t)

    return Op(
        "mse",
        "mse",
        "d sum((p - t)^2)/dp = 2(p - t), d/dt = -2(p - t) (divided by n for the mean)",
        forward,
        (vjp_pred, vjp_target),
        params=(("reduction", reduction),),
    )


@functools.lru_cache(maxsize=8)
def cross_entropy_op(reduction: str) -> Op:
    """Softmax cross-entropy of (n, C) logits against n integer labels (the second input,
    a constant array): logsumexp(z_i) - z_i[y_i] per row, then averaged, summed or kept.

    One node, as PyTorch's fused loss; its rule is softmax(z) - onehot(y), computed in
    place for arrays, which is what a hand-written backward does.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(
            f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}"
        )

    def forward(z: Any, y: Any) -> Any:
        shifted = z - _finite_max("cross_entropy", z, 1)
        losses = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(y)), y]
        if reduction == "none":
            return losses
        total = _add_reduce(losses, axis=None)
        return total / len(y) if reduction == "mean" else total

    def vjp_logits(g: Any, out: Any, z: Any, y: Any) -> Any:
        n = len(y)
        rows = np.arange(n)
        if _is_array(z):
            d = np.exp(z - _max_reduce(z, axis=1, keepdims=True))
            d /= d.sum(axis=1, keepdims=True)
            d[rows, y] -= 1.0
            d *= g[:, None] if reduction == "none" else g / n if reduction == "mean" else g
            return d
        # Recording (create_graph): the same formula from recorded ops.
        onehot = np.zeros(z.shape, dtype=z.data.dtype)
        onehot[rows, y] = 1.0
        scale = g.reshape((n, 1)) if reduction == "none" else g / n if reduction == "mean" else g
        return (z.softmax(axis=1) - type(z)._const(onehot)) * scale

    def vjp_labels(g: Any, out: Any, z: Any, y: Any) -> Any:
        raise ValueError("class labels are integers: they have no derivative")

    return Op(
        "cross_entropy",
        "CE",
        "d CE/dz_i = softmax(z_i) - onehot(y_i) (divided by n for the mean); labels: none",
        forward,
        (vjp_logits, vjp_labels),
        params=(("reduction", reduction),),
    )


TENSOR_OPS: dict[str, Callable[..., Op] | Op] = {
    "matmul": MATMUL,
    "linear": LINEAR,
    "sum": sum_op,
    "mean": mean_op,
    "max": max_op,
    "min": min_op,
    "where": WHERE,
    "cat": cat_op,
    "cast": cast_op,
    "reshape": reshape_op,
    "transpose": transpose_op,
    "broadcast_to": broadcast_op,
    "getitem": getitem_op,
    "scatter_add": scatter_op,
    "softmax": softmax_op,
    "log_softmax": log_softmax_op,
    "mse": mse_op,
    "cross_entropy": cross_entropy_op,
}
"""The factories of the tensor ops with parameters, and the fixed ones, by op name. Tests are
driven from this table: every name here must have a gradient test.
"""
