"""Value: a scalar node. Python floats inside, the shared graph machinery around them.

Besides arithmetic, a Value compares with ``< <= > >=`` by its number (plain bools, not
recorded), so ``max(a, b)``, ``sorted(values)`` and ``if v > 0`` work; ``==`` stays
identity, so Values live in sets. ``format(v, ".4f")``, ``round(v)`` and ``int(v)`` act
on the number. ``v.grad = None`` (PyTorch's habit) means "no gradient yet": the next
backward starts from it. Every op raises a `DomainError` when finite inputs overflow.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from numbers import Real
from typing import Any

import numpy as np

from tinygrad_lite import ops
from tinygrad_lite.autograd import STATE, Node, apply, record
from tinygrad_lite.errors import DomainError
from tinygrad_lite.ops import Op

__all__ = ["Value"]

Number = int | float


def _as_float(data: Any, what: str) -> float:
    """Accept int, float and numpy real scalars; refuse everything else by name."""
    if type(data) is float:
        return data
    if isinstance(data, bool | np.bool_) or not isinstance(data, Real | np.integer | np.floating):
        if isinstance(data, np.ndarray) and data.ndim == 0 and data.dtype.kind in "iuf":
            return float(data)
        raise TypeError(
            f"{what} needs a real number (int or float), got {type(data).__name__}: {data!r:.60}"
        )
    return float(data)


def _forward(op: Op, *parents: Any) -> Value:
    """Run `op` on the parents' floats and record the result (parents may be numbers)."""
    try:
        data = op.forward(*[p.data if type(p) is Value else p for p in parents])
    except DomainError:
        raise
    except (ArithmeticError, ValueError) as exc:
        raise _undefined(op, parents, exc) from None
    if data - data != 0.0:  # inf or nan: an overflow raises, data passes
        ops.check_overflow(op.name, data, parents)
    return apply(Value, op, parents, data)


def _binary(op: Op, a: Any, b: Any) -> Value:
    """`_forward` for two inputs, without building an argument list (the hot path)."""
    try:
        data = op.forward(a.data if type(a) is Value else a, b.data if type(b) is Value else b)
    except DomainError:
        raise
    except (ArithmeticError, ValueError) as exc:
        raise _undefined(op, (a, b), exc) from None
    if data - data != 0.0:  # inf or nan: an overflow raises, data passes
        ops.check_overflow(op.name, data, (a, b))
    return record(Value, op, a, b, None, data)


def _undefined(op: Op, parents: tuple[Any, ...], exc: Exception) -> DomainError:
    args = ", ".join(repr(getattr(p, "data", p)) for p in parents)
    return DomainError(op.name, f"not defined at ({args}): {exc}")


class Value(Node):
    """A scalar that remembers how it was computed, so its gradient can be found.

    Args:
        data: the number (int, float or a numpy real scalar; stored as a Python float).
        label: a name shown by the renderer and in error messages.
        requires_grad: whether backward should compute a gradient for this leaf.

    Examples:
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = (a * b + a.exp()).tanh()
        >>> c.backward()
        >>> round(a.grad, 6), round(b.grad, 6)
        (0.967244, 0.440753)
    """

    __slots__ = ()
    _empty_grad = 0.0
    _adds_inline = True

    def __init__(self, data: Number, label: str = "", *, requires_grad: bool = True) -> None:
        if isinstance(data, Node):
            raise TypeError(
                f"Value needs a number, got a {type(data).__name__}; "
                "use the node itself, or .detach() for a constant copy"
            )
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self._init_leaf(_as_float(data, "Value"), 0.0, label, None, bool(requires_grad))

    # --- hooks for the shared machinery --------------------------------------------
    @classmethod
    def _const(cls, data: Any) -> Value:
        return _leaf(_as_float(data, "Value"), False)

    @classmethod
    def _seed(cls, node: Node) -> float:
        return 1.0

    def _accumulate(self, g: Any) -> None:
        cur = self.grad
        if cur is None or (type(cur) is float and type(g) is not float and cur == 0.0):
            self.grad = g  # the first gradient (of a create_graph walk: keep the node as is)
        else:
            self.grad = cur + g

    # --- conversions ---------------------------------------------------------------
    def item(self) -> float:
        """The number inside, as a Python float."""
        return self.data  # type: ignore[no-any-return]

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        """The number truncated towards zero, as ``int()`` of a float (and of a 0-d tensor)."""
        return int(self.data)

    def __round__(self, ndigits: int | None = None) -> float | int:
        """The number rounded as Python rounds a float; a plain number, not a node."""
        rounded: float | int = round(self.data, ndigits)
        return rounded

    def __format__(self, spec: str) -> str:
        """``f"{v:.4f}"`` formats the number; an empty spec gives the repr."""
        return format(self.data, spec) if spec else repr(self)

    # --- comparisons: plain bools from the numbers, never recorded --------------------
    # == and != stay identity (Values are graph nodes and live in sets and dicts).
    def __lt__(self, other: Value | Number) -> bool:
        o = _compared(other)
        return NotImplemented if o is NotImplemented else self.data < o

    def __le__(self, other: Value | Number) -> bool:
        o = _compared(other)
        return NotImplemented if o is NotImplemented else self.data <= o

    def __gt__(self, other: Value | Number) -> bool:
        o = _compared(other)
        return NotImplemented if o is NotImplemented else self.data > o

    def __ge__(self, other: Value | Number) -> bool:
        o = _compared(other)
        return NotImplemented if o is NotImplemented else self.data >= o

    def __repr__(self) -> str:
        grad = self.grad
        if isinstance(grad, Value):  # a gradient recorded with create_graph=True
            grad = f"Value({grad.data!r})"
        parts = [f"data={self.data!r}", f"grad={grad}"]
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        return f"Value({', '.join(parts)})"

    # --- arithmetic ----------------------------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        # The hot paths inline the op's forward (+ on floats, checked for overflow).
        if type(other) is Value:
            d = self.data + other.data
            if d - d != 0.0:  # inf or nan: an overflow raises, data passes
                ops.check_overflow("add", d, (self, other))
            return record(Value, ops.ADD, self, other, None, d)
        if type(other) is float:
            d = self.data + other
            if d - d != 0.0:
                ops.check_overflow("add", d, (self, other))
            return record(Value, ops.ADD, self, other, None, d)
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _binary(ops.ADD, self, other)

    def __radd__(self, other: Number) -> Value:
        left = _lift(other)
        return NotImplemented if left is NotImplemented else _binary(ops.ADD, left, self)

    def __sub__(self, other: Value | Number) -> Value:
        # The hot paths inline the op's forward (- on floats, checked for overflow).
        if type(other) is Value:
            d = self.data - other.data
            if d - d != 0.0:  # inf or nan: an overflow raises, data passes
                ops.check_overflow("sub", d, (self, other))
            return record(Value, ops.SUB, self, other, None, d)
        if type(other) is float:
            d = self.data - other
            if d - d != 0.0:
                ops.check_overflow("sub", d, (self, other))
            return record(Value, ops.SUB, self, other, None, d)
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _binary(ops.SUB, self, other)

    def __rsub__(self, other: Number) -> Value:
        left = _lift(other)
        return NotImplemented if left is NotImplemented else _binary(ops.SUB, left, self)

    def __mul__(self, other: Value | Number) -> Value:
        # The hot paths inline the op's forward (* on floats, checked for overflow).
        if type(other) is Value:
            d = self.data * other.data
            if d - d != 0.0:  # inf or nan: an overflow raises, data passes
                ops.check_overflow("mul", d, (self, other))
            return record(Value, ops.MUL, self, other, None, d)
        if type(other) is float:
            d = self.data * other
            if d - d != 0.0:
                ops.check_overflow("mul", d, (self, other))
            return record(Value, ops.MUL, self, other, None, d)
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _binary(ops.MUL, self, other)

    def __rmul__(self, other: Number) -> Value:
        left = _lift(other)
        return NotImplemented if left is NotImplemented else _binary(ops.MUL, left, self)

    def __truediv__(self, other: Value | Number) -> Value:
        if type(other) is not Value and type(other) is not float:
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        left = _lift(other)
        return NotImplemented if left is NotImplemented else _binary(ops.DIV, left, self)

    def __pow__(self, other: Value | Number) -> Value:
        if type(other) is not Value and type(other) is not float:
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        return _binary(ops.POW, self, other)

    def __rpow__(self, other: Number) -> Value:
        left = _lift(other)
        return NotImplemented if left is NotImplemented else _binary(ops.POW, left, self)

    def __neg__(self) -> Value:
        return _forward(ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    # --- functions -----------------------------------------------------------------
    def exp(self) -> Value:
        return _forward(ops.EXP, self)

    def log(self) -> Value:
        return _forward(ops.LOG, self)

    def tanh(self) -> Value:
        return _forward(ops.TANH, self)

    def sin(self) -> Value:
        return _forward(ops.SIN, self)

    def cos(self) -> Value:
        return _forward(ops.COS, self)

    def sigmoid(self) -> Value:
        return _forward(ops.SIGMOID, self)

    def relu(self) -> Value:
        return _forward(ops.RELU, self)

    def abs(self) -> Value:
        """|x|; its derivative at 0 is taken as 0 (as PyTorch)."""
        return _forward(ops.ABS, self)

    __abs__ = abs

    def sqrt(self) -> Value:
        """The square root (DomainError below 0; in backward at 0, where it is infinite)."""
        return _forward(ops.SQRT, self)

    def leaky_relu(self, slope: Value | Number = 0.01) -> Value:
        """x if x > 0 else slope * x; the derivative at 0 is the slope (as PyTorch).

        A Value slope gets a gradient too (a learnable slope, as in PReLU).
        """
        return _forward(ops.LEAKY_RELU, self, _lift_or_raise(slope, "leaky_relu"))

    def clamp(self, min: Value | Number | None = None, max: Value | Number | None = None) -> Value:
        """x limited to [min, max] (None: no bound); derivative 1 inside, bounds included."""
        if min is None and max is None:
            raise ValueError("clamp: give min, max or both")
        low = -math.inf if min is None else _lift_or_raise(min, "clamp")
        high = math.inf if max is None else _lift_or_raise(max, "clamp")
        return _forward(ops.CLAMP, self, low, high)

    @staticmethod
    def sum(values: Iterable[Value | Number]) -> Value:
        """Add many terms as one node (one `+` with many inputs instead of a chain of adds).

        Faster to build and to differentiate than Python's `sum()`, and it draws as a
        single operation.
        """
        terms: tuple[Any, ...] = tuple(values)
        if len(terms) > 1 and set(map(type, terms)) == _JUST_VALUES:  # the common case
            data: Iterable[Any] = map(_DATA, terms)  # C loops, no per-term bytecode
        else:
            terms = tuple(v if type(v) is Value else _lift_or_raise(v) for v in terms)
            if not terms:
                raise ValueError("Value.sum needs at least one term")
            if len(terms) == 1:
                only = terms[0]
                return only if isinstance(only, Value) else Value._const(only)
            data = (v.data if type(v) is Value else v for v in terms)
        total = ops.ADD_N.forward(*data)
        if total - total != 0.0:  # inf or nan: an overflow raises, data passes
            ops.check_overflow("add_n", total, terms)
        return record(Value, ops.ADD_N, None, None, terms, total)

    # Values hash by identity (they are graph nodes); == is deliberately not overloaded.
    __hash__ = Node.__hash__


_JUST_VALUES = {Value}
_DATA = operator.attrgetter("data")


def _lift(x: Any) -> Any:
    """A plain number becomes a float constant (it stays a raw number in the graph)."""
    kind = type(x)
    if kind is float:
        return x
    if kind is int:
        return float(x)
    if isinstance(x, Value):
        return x
    if isinstance(x, bool | np.bool_) or not isinstance(x, Real | np.integer | np.floating):
        return NotImplemented
    return float(x)


def _lift_or_raise(x: Any, who: str = "Value.sum") -> Any:
    lifted = _lift(x)
    if lifted is NotImplemented:
        raise TypeError(f"{who} needs Values or numbers, got {type(x).__name__}")
    return lifted


def _compared(x: Any) -> Any:
    """The number a Value is compared with, or NotImplemented (then Python raises)."""
    if type(x) is Value:
        return x.data
    return _lift(x)


def _leaf(data: float, requires_grad: bool) -> Value:
    """Build a leaf without re-validating `data` (callers pass a float)."""
    node = object.__new__(Value)
    node._init_leaf(data, 0.0, "", STATE.scope, requires_grad)
    return node
