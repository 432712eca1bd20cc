"""Tensor: a numpy array that remembers how it was computed.

It is the same kind of node as `Value` (see `autograd.Node`): the same recording, the same
backward walk, the same op table. What it adds is what arrays need: numpy broadcasting
(and summing a broadcast gradient back, in `ops.unbroadcast`), matmul, reductions, shape
changes and indexing. Names and keywords are PyTorch's (``dim=``, ``keepdim=``, ``view``,
``permute``, ...); numpy's ``axis=`` / ``keepdims=`` are accepted too.

Data rules (see `tinygrad_lite.dtypes`):

* ``Tensor(data)``, like ``torch.Tensor``, always holds floating data: Python numbers,
  lists and integer or bool arrays become the default dtype (float64 unless
  `tl.set_default_dtype` changed it); a float array keeps its dtype (float32 stays float32
  through every op whose other inputs are float32 or Python numbers).
* ``tl.tensor(data)`` infers the dtype as ``torch.tensor`` does: ints give int64, bools
  give bool. Integer and bool Tensors (labels, indices, masks, the result of a comparison)
  cannot require grad. Mixing kinds promotes as PyTorch does.
* A float array passed in is shared, not copied (as `np.asarray`), except with
  ``requires_grad=True``: a parameter gets its own copy, because optimizers update it in
  place and that must not change the caller's array.
* Gradients have the shape and dtype of the data. The library never writes into a
  `.grad` array in place; an array may be shared by nodes that received the identical
  gradient (both inputs of ``a + b``), so rebind (``t.grad = t.grad * 0.5``) rather than
  modify it in place.

Numbers follow the Value policy: domain violations (log of a negative, division by zero,
sin of infinity, ...) raise a `DomainError` naming the op, and so does an entry that
overflows to inf from finite inputs; nan and inf inputs are data and propagate. A
gradient that hits 0 * inf, division by zero or overflow raises a `DomainError` too,
instead of a numpy warning and a silent nan. Where several entries tie for a maximum,
``max()`` shares the gradient equally among them (as PyTorch does); ``max(dim=...)``
gives it to the entry its index names.

Comparisons (``< <= > >= == !=``) give bool Tensors outside the graph, as in PyTorch.
Tensors still hash by identity, so they stay usable in sets and as dict keys (the graph
machinery keys nodes that way), but ``t in list_of_tensors`` compares entries, as in
PyTorch. numpy's functions and ufuncs that a Tensor has (``np.exp(t)``, ``ndarray + t``,
``np.sum(t, axis=0)``, ``np.concatenate``) record into the graph; the others raise a
TypeError naming the method to use (`tinygrad_lite.numpy_protocol`). ``tl.tensor`` is
the factory function, so import from this module with ``from tinygrad_lite.tensor import``.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from numbers import Real
from typing import Any, NamedTuple, TypeAlias

import numpy as np

from tinygrad_lite import dtypes, ops
from tinygrad_lite import numpy_protocol as _np_protocol
from tinygrad_lite._tensor_args import (
    Axis,
    as_array,
    axis_param,
    index_key,
    one_dim,
    real_array,
    reduce_args,
    shape_arg,
)
from tinygrad_lite.autograd import Node, apply, record
from tinygrad_lite.autograd import backward as _backward
from tinygrad_lite.errors import DomainError
from tinygrad_lite.ops import Op, unbroadcast
from tinygrad_lite.seed import rng_from

__all__ = ["Tensor", "ValuesIndices", "cat", "stack", "where"]

Array: TypeAlias = np.ndarray[Any, Any]
Operand: TypeAlias = "Tensor | float | int | Array"

_ndarray = np.ndarray


def _check_grad_dtype(dtype: np.dtype[Any]) -> None:
    if dtype.kind != "f":
        raise RuntimeError(
            f"only Tensors of floating point dtype can require gradients, got {dtype} "
            "(cast with .float() or .double() first)"
        )


def _operand(x: Any, op: Op, this: Tensor) -> Any:
    """The other input of a binary op: a Tensor, or a raw constant (a number or an array).

    Constants stay plain numbers/arrays in the graph, as with Value. A Python int next to a
    float Tensor becomes a float; next to an integer Tensor it stays an int.
    """
    kind = type(x)
    if kind is Tensor or kind is float or (kind is _ndarray and x.dtype.kind == "f"):
        return x
    if kind is int:
        return float(x) if this.data.dtype.kind == "f" else x
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Node):
        raise TypeError(
            f"{op.name}: cannot combine a Tensor (shape {this.shape}) with a "
            f"{type(x).__name__} in one operation; use Tensor(value.data) for a constant, "
            "or build the whole expression from one kind of node"
        )
    if isinstance(x, bool | np.bool_):
        raise TypeError(f"{op.name}: a bool is not a number here; use 1.0 or 0.0")
    if isinstance(x, np.floating):
        return x
    if isinstance(x, np.integer):
        return float(x) if this.data.dtype.kind == "f" else x
    if isinstance(x, Real):
        return float(x) if this.data.dtype.kind == "f" else int(float(x))
    if isinstance(x, _ndarray):
        return real_array(x, op.name)
    if isinstance(x, list | tuple):
        return as_array(x, op.name)
    return NotImplemented


def _shape(x: Any) -> tuple[int, ...]:
    return x.shape if isinstance(x, Tensor) else np.shape(x)


#: A tuple, not a union: a union written in the call is built anew on every call.
_ARRAYS = (np.ndarray, np.generic)


def _mixed_kinds(a: Any, b: Any) -> bool:
    """Whether an operand is a non-floating array (then PyTorch's promotion applies)."""
    return (isinstance(a, _ARRAYS) and a.dtype.kind != "f") or (
        isinstance(b, _ARRAYS) and b.dtype.kind != "f"
    )


@np.errstate(over="raise")
def _forward_raising_on_overflow(op: Op, args: tuple[Any, ...]) -> Any:
    # numpy's errstate as a decorator costs half as much per call as the with-statement
    # (benchmarks/bench_tensor.py: this check runs for most ops of every forward pass).
    return op.forward(*args)


_UNCHECKED = ops.CANNOT_OVERFLOW


def _compute(op: Op, *args: Any) -> Array:
    """Run `op`'s forward on data; an entry that overflows to inf raises a DomainError."""
    if op.name in _UNCHECKED:
        data = op.forward(*args)
    else:
        try:
            data = _forward_raising_on_overflow(op, args)
        except FloatingPointError:
            params = dict(op.params)  # a cast overflows its target dtype, not its input's
            dtype = np.dtype(params["dtype"]) if "dtype" in params else np.result_type(*args)
            raise DomainError(
                op.name,
                f"the result overflows {dtype} at finite inputs (an entry became inf; "
                f"the largest {dtype} is {np.finfo(dtype).max:.4g})",
            ) from None
    return data if type(data) is _ndarray else np.asarray(data)


def _binary(op: Op, a: Any, b: Any) -> Tensor:
    """Run a two-input op on Tensors/constants and record the result."""
    ad = a.data if type(a) is Tensor else a
    bd = b.data if type(b) is Tensor else b
    if _mixed_kinds(ad, bd):
        ad, bd = dtypes.promote(ad, bd)
    try:
        data = _compute(op, ad, bd)
    except DomainError:
        raise
    except ValueError as exc:
        raise ValueError(
            f"{op.name}: shapes {_shape(a)} and {_shape(b)} do not fit together ({exc})"
        ) from None
    return record(Tensor, op, a, b, None, data)


def _unary(op: Op, a: Tensor) -> Tensor:
    return record(Tensor, op, a, None, None, _compute(op, a.data))


def _unary_finite(op: Op, a: Tensor) -> Tensor:
    """`_unary` for ops with no value at +-inf (sin, cos): a DomainError, as for Value."""
    try:
        with np.errstate(invalid="raise"):
            data = op.forward(a.data)
    except FloatingPointError:
        bad = a.data[np.isinf(a.data)].flat[0]
        raise DomainError(
            op.name, f"{op.name}({float(bad)}) has no value (no limit at infinity)"
        ) from None
    if type(data) is not _ndarray:
        data = np.asarray(data)
    return record(Tensor, op, a, None, None, data)


def _leaf(data: Array, requires_grad: bool) -> Tensor:
    node = object.__new__(Tensor)
    node._init_leaf(data, None, "", None, requires_grad)
    return node


def _bound(x: Any, default: float, who: str) -> Any:
    """A clamp bound: None becomes -inf or +inf; a Tensor or array stays one."""
    if x is None:
        return default
    if isinstance(x, Tensor):
        return x
    if isinstance(x, bool) or not isinstance(x, Real | np.integer | np.floating | _ndarray):
        raise TypeError(f"{who}: a bound must be a number or a Tensor, got {type(x).__name__}")
    return float(x) if isinstance(x, Real | np.integer) else x


class ValuesIndices(NamedTuple):
    """What ``max(dim=...)`` and ``min(dim=...)`` return, as PyTorch does: the values (in
    the graph) and the int64 indices where they were found (first one on ties)."""

    values: Tensor
    indices: Tensor


class Tensor(Node):
    """A numpy array that remembers how it was computed, so its gradient can be found.

    Args:
        data: an array, a nested list or a number; held as floating data (see the module
            docstring; `tl.tensor` keeps integer and bool data instead).
        requires_grad: whether backward should compute a gradient for this leaf.
        label: (keyword only) a name shown by the renderer and in error messages.

    Examples:
        >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad.tolist()
        [[2.0, 4.0], [6.0, 8.0]]
    """

    __slots__ = ()
    _empty_grad = None
    _adds_inline = False

    def __init__(self, data: Any, requires_grad: bool = False, *, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        if not isinstance(requires_grad, bool | np.bool_):
            hint = ""
            if isinstance(requires_grad, str):
                hint = " (label is keyword-only: Tensor(data, label='x'))"
            raise TypeError(
                f"requires_grad must be a bool, got {type(requires_grad).__name__}: "
                f"{requires_grad!r:.40}{hint}"
            )
        arr = as_array(data)
        if requires_grad and isinstance(data, _ndarray) and np.may_share_memory(arr, data):
            arr = arr.copy()
        self._init_leaf(arr, None, label, None, bool(requires_grad))

    # --- hooks for the shared machinery --------------------------------------------
    @classmethod
    def _const(cls, data: Any) -> Tensor:
        return _leaf(as_array(data), False)

    @classmethod
    def _wrap(cls, data: Array, requires_grad: bool = False) -> Tensor:
        """A leaf holding `data` as it is (any real dtype), for the factories."""
        if requires_grad:
            _check_grad_dtype(data.dtype)
        return _leaf(data, bool(requires_grad))

    @classmethod
    def _seed(cls, node: Node) -> Array:
        data = node.data
        if data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a single-element tensor, but this one "
                f"has shape {data.shape}; reduce it first (e.g. .sum()) or pass "
                f"grad= an array of shape {data.shape}"
            )
        one = np.empty(data.shape, data.dtype)
        one.fill(1)
        return one

    #: `op`'s forward on data, with the overflow check every Tensor op gets: _run(op, *args).
    _run = staticmethod(_compute)

    @classmethod
    def _call(cls, op: Op, *parents: Any) -> Tensor:
        """Run `op` on Tensors/constants and record it (used by rules under create_graph)."""
        data = _compute(op, *[p.data if isinstance(p, Tensor) else p for p in parents])
        return apply(Tensor, op, parents, data)

    def _accumulate(self, g: Any) -> None:
        data = self.data
        if type(g) is not _ndarray:
            if isinstance(g, Tensor):  # backward(create_graph=True): keep it a node
                if g.shape != data.shape:
                    g = unbroadcast(g, data.shape)
                self.grad = g if self.grad is None else self.grad + g
                return
            g = np.asarray(g)
        shape = data.shape
        if g.shape != shape:
            g = unbroadcast(g, shape)
        if g.dtype is not data.dtype and g.dtype != data.dtype:
            g = g.astype(data.dtype)
        cur = self.grad
        if cur is not None:
            self.grad = cur + g
        elif self._op is None and g.base is not None and not g.flags.writeable:
            self.grad = g.copy()  # a leaf keeps a real array, not a read-only broadcast view
        else:
            self.grad = g

    def backward(
        self, grad: Any = None, *, retain_graph: bool = True, create_graph: bool = False
    ) -> None:
        """Fill `.grad` of every tensor this one depends on.

        Without `grad` the tensor must hold a single entry. Floating-point trouble in a
        gradient (0 * inf, division by zero, overflow) raises a DomainError naming the op,
        as it does for Value.
        """
        if grad is not None:
            if isinstance(grad, Node) and not isinstance(grad, Tensor):
                raise TypeError(
                    f"backward: grad must be an array or Tensor, got a {type(grad).__name__}"
                )
            gshape = grad.shape if isinstance(grad, Tensor) else np.shape(grad)
            if gshape != self.data.shape:
                raise ValueError(
                    f"backward: grad has shape {gshape} but the tensor has shape {self.data.shape}"
                )
        try:
            with np.errstate(divide="raise", over="raise", invalid="raise"):
                _backward(self, grad, retain_graph=retain_graph, create_graph=create_graph)
        except FloatingPointError as exc:  # adding up the uses of one tensor overflowed
            raise DomainError("backward", f"summing a tensor's gradients failed: {exc}") from None

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data that does not require grad."""
        out = _leaf(self.data, False)
        out.label = self.label
        return out

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether gradients should flow into this leaf; returns self for chaining."""
        if requires_grad:
            _check_grad_dtype(self.data.dtype)
        super().requires_grad_(requires_grad)
        return self

    # --- array facts and conversions -----------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the data."""
        return self.data.shape  # type: ignore[no-any-return]

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim  # type: ignore[no-any-return]

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape (as PyTorch's ``t.size()``), or the length of axis `dim`."""
        if dim is None:
            return self.shape
        return self.shape[one_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        """The number of entries."""
        return int(self.data.size)

    def dim(self) -> int:
        """The number of axes (PyTorch's name for `ndim`)."""
        return self.ndim

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the data (a numpy dtype; compare with ``tl.float32`` etc.)."""
        return self.data.dtype  # type: ignore[no-any-return]

    def is_floating_point(self) -> bool:
        """Whether the data is floating (only then can the tensor require grad)."""
        return self.data.dtype.kind == "f"  # type: ignore[no-any-return]

    def numpy(self) -> Array:
        """The data array itself (shared, not copied)."""
        return self.data  # type: ignore[no-any-return]

    def tolist(self) -> Any:
        """The data as (nested) Python lists of numbers, as ``ndarray.tolist``."""
        return self.data.tolist()

    def item(self) -> builtins.float | builtins.int | builtins.bool:
        """The single entry as a Python number (float, int or bool, by the dtype)."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a single-element tensor, this one has shape {self.shape}"
            )
        return self.data.reshape(()).item()  # type: ignore[no-any-return]

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        """int() of a one-element tensor: truncated towards zero, as PyTorch."""
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self.data.size != 1 or self.data.dtype.kind not in "iu":
            raise TypeError(
                "only integer tensors of a single element can be used as an index, got "
                f"{self.dtype} of shape {self.shape}"
            )
        return builtins.int(self.item())

    def __format__(self, spec: str) -> str:
        """``f"{t:.4f}"`` formats the entry of a one-element tensor; no spec gives the repr."""
        if not spec:
            return repr(self)
        if self.data.size != 1:
            raise TypeError(
                f"format spec {spec!r} needs a one-element tensor, this one has shape "
                f"{self.shape}; format t.item() or the entries of t.tolist()"
            )
        return format(self.item(), spec)

    def __bool__(self) -> builtins.bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use (t.data != 0).any() or .all(), or compare t.item() for one entry"
            )
        return builtins.bool(self.data.reshape(()))

    def __len__(self) -> builtins.int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return builtins.int(self.data.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        """The sub-tensors along the first axis (each one a recorded index op)."""
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        body = np.array2string(
            self.data, precision=4, threshold=20, separator=", ", prefix="Tensor("
        )
        parts = [body, f"shape={self.shape}", f"dtype={self.dtype}"]
        if self.requires_grad:
            parts.append("requires_grad=True")
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        return f"Tensor({', '.join(parts)})"

    # --- numpy: ufuncs and functions record into the graph, or say what to use -------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _np_protocol.array_ufunc(Tensor, ufunc, method, inputs, kwargs)

    def __array_function__(
        self, func: Callable[..., Any], types: Iterable[type], args: Any, kwargs: Any
    ) -> Any:
        return _np_protocol.array_function(Tensor, _FUNCTIONS, func, types, args, kwargs)

    def __array__(self, dtype: Any = None, copy: builtins.bool | None = None) -> Array:
        """``np.asarray(t)``: the data, for a tensor that does not require grad (as PyTorch)."""
        if self.requires_grad:
            raise RuntimeError(
                "np.asarray() of a tensor that requires grad would leave the graph; "
                "use t.detach().numpy() (or t.data) for the numbers"
            )
        arr = self.data if dtype is None else self.data.astype(dtype, copy=False)
        return arr.copy() if copy else arr  # type: ignore[no-any-return]

    # --- constructors ----------------------------------------------------------------
    @classmethod
    def zeros(cls, *shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """A tensor of zeros: Tensor.zeros(2, 3) or Tensor.zeros((2, 3))."""
        kind = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype, "zeros")
        return cls._wrap(np.zeros(shape_arg(shape, "zeros"), kind), requires_grad)

    @classmethod
    def ones(cls, *shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """A tensor of ones: Tensor.ones(2, 3) or Tensor.ones((2, 3))."""
        kind = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype, "ones")
        return cls._wrap(np.ones(shape_arg(shape, "ones"), kind), requires_grad)

    @classmethod
    def randn(
        cls,
        *shape: Any,
        seed: int | np.random.Generator | None = None,
        requires_grad: bool = False,
        dtype: Any = None,
    ) -> Tensor:
        """Standard normal entries from `seed` (an int or a Generator), or from the
        library's generator (`tl.manual_seed`) when it is None."""
        kind = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype, "randn")
        if kind.kind != "f":
            raise TypeError(f"randn: normal samples need a floating dtype, got {kind}")
        data = rng_from(seed).standard_normal(shape_arg(shape, "randn"))
        return cls._wrap(data.astype(kind, copy=False), requires_grad)

    # --- arithmetic ------------------------------------------------------------------
    def __add__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.ADD, self)
        return NotImplemented if o is NotImplemented else _binary(ops.ADD, self, o)

    def __radd__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.ADD, self)
        return NotImplemented if o is NotImplemented else _binary(ops.ADD, o, self)

    def __sub__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.SUB, self)
        return NotImplemented if o is NotImplemented else _binary(ops.SUB, self, o)

    def __rsub__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.SUB, self)
        return NotImplemented if o is NotImplemented else _binary(ops.SUB, o, self)

    def __mul__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.MUL, self)
        return NotImplemented if o is NotImplemented else _binary(ops.MUL, self, o)

    def __rmul__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.MUL, self)
        return NotImplemented if o is NotImplemented else _binary(ops.MUL, o, self)

    def __truediv__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.DIV, self)
        return NotImplemented if o is NotImplemented else _binary(ops.DIV, self, o)

    def __rtruediv__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.DIV, self)
        return NotImplemented if o is NotImplemented else _binary(ops.DIV, o, self)

    def __pow__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.POW, self)
        return NotImplemented if o is NotImplemented else _binary(ops.POW, self, o)

    def __rpow__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.POW, self)
        return NotImplemented if o is NotImplemented else _binary(ops.POW, o, self)

    def __matmul__(self, other: Operand) -> Tensor:
        """Matrix product `a @ b` (numpy's rules for 1-D and batched operands; both
        operands must have the same dtype, as in PyTorch)."""
        o = _operand(other, ops.MATMUL, self)
        return NotImplemented if o is NotImplemented else _binary(ops.MATMUL, self, o)

    def __rmatmul__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.MATMUL, self)
        return NotImplemented if o is NotImplemented else _binary(ops.MATMUL, o, self)

    def __neg__(self) -> Tensor:
        return _unary(ops.NEG, self)

    def __pos__(self) -> Tensor:
        return self

    # --- comparisons: bool Tensors, outside the graph (as PyTorch) ----------------------
    def __lt__(self, other: Any) -> Tensor:
        return _compare(np.less, self, other)

    def __le__(self, other: Any) -> Tensor:
        return _compare(np.less_equal, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _compare(np.greater, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _compare(np.greater_equal, self, other)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, self, other)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, self, other)

    # Tensors hash by identity (they are graph nodes, kept in sets and dict keys), even
    # though == compares entries as in PyTorch.
    __hash__ = Node.__hash__

    # --- elementwise functions -------------------------------------------------------
    def exp(self) -> Tensor:
        """e ** t, elementwise (DomainError where it overflows)."""
        return _unary(ops.EXP, self)

    def log(self) -> Tensor:
        """The natural logarithm, elementwise (DomainError for entries <= 0)."""
        return _unary(ops.LOG, self)

    def tanh(self) -> Tensor:
        """The hyperbolic tangent, elementwise."""
        return _unary(ops.TANH, self)

    def sin(self) -> Tensor:
        """The sine, elementwise (DomainError at +-inf)."""
        return _unary_finite(ops.SIN, self)

    def cos(self) -> Tensor:
        """The cosine, elementwise (DomainError at +-inf)."""
        return _unary_finite(ops.COS, self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + exp(-t)), elementwise, stable for either sign."""
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Tensor:
        """max(t, 0), elementwise; its derivative at 0 is taken as 0."""
        return _unary(ops.RELU, self)

    def abs(self) -> Tensor:
        """|t|, elementwise; its derivative at 0 is taken as 0 (as PyTorch)."""
        return _unary(ops.ABS, self)

    __abs__ = abs

    def sqrt(self) -> Tensor:
        """The square root, elementwise (DomainError below 0, and in backward at 0)."""
        return _unary(ops.SQRT, self)

    def leaky_relu(self, slope: builtins.float = 0.01) -> Tensor:
        """t where t > 0, else slope * t; the derivative at 0 is the slope (as PyTorch)."""
        return _binary(ops.LEAKY_RELU, self, _operand(slope, ops.LEAKY_RELU, self))

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Entries limited to [min, max] (None: no bound; numbers or Tensors).

        The derivative is 1 inside the bounds and at them, 0 outside (as PyTorch).
        """
        if min is None and max is None:
            raise ValueError("clamp: give min, max or both")
        low = _bound(min, -math.inf, "clamp")
        high = _bound(max, math.inf, "clamp")
        try:
            return Tensor._call(ops.CLAMP, self, low, high)
        except ValueError as exc:
            if isinstance(exc, DomainError):
                raise
            raise ValueError(f"clamp: the bounds do not fit shape {self.shape} ({exc})") from None

    clip = clamp

    # --- reductions ------------------------------------------------------------------
    def sum(
        self,
        dim: Axis = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """Sum over `dim` (an int, a tuple of ints, or None for all)."""
        key, keep = reduce_args("sum", self.data.ndim, dim, keepdim, axis, keepdims)
        return _unary(ops.sum_op(key, keep), self)

    def mean(
        self,
        dim: Axis = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """Mean over `dim` (an int, a tuple of ints, or None for all)."""
        key, keep = reduce_args("mean", self.data.ndim, dim, keepdim, axis, keepdims)
        if ops._reduced_count(self.shape, key) == 0:
            raise ValueError(f"mean: no entries to average in a tensor of shape {self.shape}")
        return _unary(ops.mean_op(key, keep), self)

    def max(
        self,
        dim: int | None = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
    ) -> Any:
        """The maximum, as PyTorch: without `dim` one Tensor (ties share the gradient);
        with ``dim=`` the pair ``(values, indices)`` (the gradient goes to the index).

        numpy's ``axis=`` gives numpy's answer: the maxima as one Tensor, ties sharing
        (PyTorch's ``amax``).
        """
        return self._extreme("max", dim, keepdim, axis, keepdims)

    def min(
        self,
        dim: int | None = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
    ) -> Any:
        """The minimum, as `max` describes (``min(dim=...)`` gives values and indices)."""
        return self._extreme("min", dim, keepdim, axis, keepdims)

    def _extreme(
        self, name: str, dim: Any, keepdim: Any, axis: Axis, keepdims: Any
    ) -> Tensor | ValuesIndices:
        factory = ops.max_op if name == "max" else ops.min_op
        if dim is None:
            key, keep = reduce_args(name, self.data.ndim, None, keepdim, axis, keepdims)
            if self.data.size == 0:
                raise ValueError(f"{name}: of an empty tensor of shape {self.shape}")
            try:
                return _unary(factory(key, keep), self)
            except ValueError as exc:
                raise ValueError(f"{name}: of a tensor of shape {self.shape}: {exc}") from None
        if axis is not None or keepdims is not None:
            raise TypeError(
                f"{name}: give dim=/keepdim= (PyTorch) or axis=/keepdims= (numpy), not both"
            )
        d = one_dim(dim, self.ndim, name)
        if self.shape[d] == 0:
            raise ValueError(f"{name}: dim {dim} of a tensor of shape {self.shape} is empty")
        pick = np.argmax if name == "max" else np.argmin
        where = pick(self.data, axis=d, keepdims=True)
        grid = list(np.indices(where.shape, sparse=True))
        grid[d] = where
        values = self[tuple(grid)]  # the picked entries: their gradient goes to them alone
        if not keepdim:
            values, where = values.squeeze(d), where.squeeze(d)
        return ValuesIndices(values, Tensor._wrap(where.astype(np.int64)))

    def argmax(
        self,
        dim: int | None = None,
        keepdim: builtins.bool = False,
        *,
        axis: int | None = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """The index of the maximum (of the flattened tensor without `dim`): an int64
        Tensor outside the graph. On ties, the first index, as PyTorch and numpy."""
        return self._arg(np.argmax, "argmax", dim, keepdim, axis, keepdims)

    def argmin(
        self,
        dim: int | None = None,
        keepdim: builtins.bool = False,
        *,
        axis: int | None = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """The index of the minimum, as `argmax` describes."""
        return self._arg(np.argmin, "argmin", dim, keepdim, axis, keepdims)

    def _arg(
        self, pick: Callable[..., Any], name: str, dim: Any, keepdim: Any, axis: Any, kd: Any
    ) -> Tensor:
        key, keep = reduce_args(name, self.data.ndim, dim, keepdim, axis, kd)
        if isinstance(key, tuple):
            raise TypeError(f"{name}: dim must be one int or None, got {key!r}")
        if self.data.size == 0:
            raise ValueError(f"{name}: of an empty tensor of shape {self.shape}")
        found = pick(self.data, axis=key, keepdims=keep)
        return Tensor._wrap(np.asarray(found, dtype=np.int64))

    def var(
        self,
        dim: Axis = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: builtins.int | None = None,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """The variance over `dim`: sum((t - mean)**2) / (n - correction).

        As in PyTorch the default is unbiased (``correction=1``, ``unbiased=True``);
        ``unbiased=False`` or ``correction=0`` divides by n (numpy's default, ``ddof=0``).
        Built from sum, mean and arithmetic, so its gradient needs no rule of its own.
        """
        key, keep = reduce_args("var", self.data.ndim, dim, keepdim, axis, keepdims)
        if unbiased is not None and correction is not None:
            raise TypeError("var: give unbiased= or correction=, not both")
        corr = correction if correction is not None else 0 if unbiased is False else 1
        n = ops._reduced_count(self.shape, key)
        if n - corr <= 0:
            raise DomainError(
                "var",
                f"{n} entries with correction {corr} leave {n - corr} degrees of freedom "
                "(PyTorch returns nan); use correction=0, or more entries",
            )
        centered = self - self.mean(key, keepdim=True)
        return (centered * centered).sum(key, keep) / builtins.float(n - corr)

    def std(
        self,
        dim: Axis = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: builtins.int | None = None,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """The standard deviation: ``var(...).sqrt()`` (unbiased by default, as PyTorch).

        Its gradient is infinite where every entry is equal: a DomainError in backward.
        """
        v = self.var(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
        return v.sqrt()

    # --- shape changes ---------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same entries in a new shape: t.reshape(2, 3) or t.reshape((2, -1))."""
        return self._reshaped(shape_arg(shape, "reshape"), "reshape")

    def view(self, *shape: Any) -> Tensor:
        """The same entries in a new shape, as PyTorch's view: t.view(-1, 784).

        (Data here is never laid out in a way that forbids a view, so view and reshape
        are the same operation.)
        """
        return self._reshaped(shape_arg(shape, "view"), "view")

    def _reshaped(self, target: tuple[builtins.int, ...], name: str) -> Tensor:
        try:
            return _unary(ops.reshape_op(target), self)
        except ValueError:
            raise ValueError(
                f"{name}: a tensor of shape {self.shape} ({self.data.size} entries) "
                f"cannot take the shape {target}"
            ) from None

    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
        """Merge axes start_dim..end_dim (inclusive) into one; a 0-d tensor becomes (1,)."""
        if self.ndim == 0:
            return self.reshape(1)
        start = one_dim(start_dim, self.ndim, "flatten")
        end = one_dim(end_dim, self.ndim, "flatten")
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self.shape
        merged = math.prod(shape[start : end + 1])
        return self.reshape((*shape[:start], merged, *shape[end + 1 :]))

    def squeeze(self, dim: Axis = None) -> Tensor:
        """Drop axes of length 1 (all of them, or those of `dim` that have length 1)."""
        if dim is None:
            chosen = {i for i, n in enumerate(self.shape) if n == 1}
        else:
            key = axis_param(dim, self.ndim, "squeeze")
            axes = () if key is None else np.lib.array_utils.normalize_axis_tuple(key, self.ndim)
            chosen = {i for i in axes if self.shape[i] == 1}
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in chosen))

    def unsqueeze(self, dim: builtins.int) -> Tensor:
        """Insert an axis of length 1 at position `dim` (-ndim-1 <= dim <= ndim)."""
        d = one_dim(dim, self.ndim + 1, "unsqueeze")
        shape = self.shape
        return self.reshape((*shape[:d], 1, *shape[d:]))

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the axes: t.permute(2, 0, 1) or t.permute((2, 0, 1))."""
        order = shape_arg(dims, "permute")
        if sorted(i % builtins.max(self.ndim, 1) for i in order) != list(range(self.ndim)) or any(
            not -self.ndim <= i < self.ndim for i in order
        ):
            raise ValueError(
                f"permute: dims {order} are not a permutation of the {self.ndim} axes "
                f"of a tensor of shape {self.shape}"
            )
        return _unary(ops.transpose_op(tuple(i % self.ndim for i in order)), self)

    def transpose(self, *axes: Any) -> Tensor:
        """t.transpose(dim0, dim1) swaps two axes (PyTorch); t.transpose() reverses them;
        a full permutation, t.transpose((1, 0, 2)), permutes as numpy does."""
        if not axes or axes == (None,):
            return _unary(ops.transpose_op(None), self)
        if len(axes) == 2 and all(isinstance(a, int | np.integer) for a in axes):
            if self.ndim == 0:
                raise ValueError("transpose: a 0-d tensor has no axes to swap")
            i, j = (one_dim(a, self.ndim, "transpose") for a in axes)
            order = list(range(self.ndim))
            order[i], order[j] = order[j], order[i]
            return _unary(ops.transpose_op(tuple(order)), self)
        return self.permute(*axes)

    @property
    def T(self) -> Tensor:
        """The axes reversed (the matrix transpose for 2-D)."""
        return _unary(ops.transpose_op(None), self)

    def broadcast_to(self, *shape: Any) -> Tensor:
        """Repeat entries to `shape`, as numpy broadcasting would."""
        target = shape_arg(shape, "broadcast_to")
        try:
            return _unary(ops.broadcast_op(target), self)
        except ValueError:
            raise ValueError(
                f"broadcast_to: cannot broadcast shape {self.shape} to {target}"
            ) from None

    def expand(self, *sizes: Any) -> Tensor:
        """PyTorch's expand: broadcast_to where -1 keeps an axis's length."""
        target = list(shape_arg(sizes, "expand"))
        offset = len(target) - self.ndim
        for i, n in enumerate(target):
            if n == -1:
                if i < offset:
                    raise ValueError(f"expand: -1 is not allowed for a new leading axis {i}")
                target[i] = self.shape[i - offset]
        return self.broadcast_to(tuple(target))

    def __getitem__(self, index: Any) -> Tensor:
        """Select entries as numpy does; the gradient is scattered back (repeats add up)."""
        key = index_key(index)
        try:
            data = self.data[key]
        except IndexError as exc:
            raise IndexError(
                f"index {index!r:.60} does not fit a tensor of shape {self.shape}: {exc}"
            ) from None
        if type(data) is not _ndarray:
            data = np.asarray(data)
        return record(Tensor, ops.getitem_op(key), self, None, None, data)

    # --- normalizations --------------------------------------------------------------
    def softmax(self, dim: builtins.int = -1, *, axis: builtins.int | None = None) -> Tensor:
        """exp(t) / sum(exp(t)) along `dim`, computed stably."""
        return _unary(ops.softmax_op(self._norm_dim("softmax", dim, axis)), self)

    def log_softmax(self, dim: builtins.int = -1, *, axis: builtins.int | None = None) -> Tensor:
        """t - logsumexp(t) along `dim`, computed stably."""
        return _unary(ops.log_softmax_op(self._norm_dim("log_softmax", dim, axis)), self)

    def _norm_dim(self, name: str, dim: Any, axis: Any) -> builtins.int:
        if axis is not None:
            if dim != -1:
                raise TypeError(f"{name}: give dim= (PyTorch) or axis= (numpy), not both")
            dim = axis
        key = axis_param(dim, self.data.ndim, name)
        if not isinstance(key, int):
            raise TypeError(f"{name}: dim must be one int, got {dim!r}")
        return key

    # --- dtypes (last: these names shadow the builtins in the rest of the class) -------
    def to(self, dtype: Any) -> Tensor:
        """The same numbers in `dtype` (``tl.float32``, ``tl.int64``, ...); self if equal.

        A cast between floating dtypes is in the graph (the gradient is cast back); a
        cast to an integer or bool dtype is a constant, as in PyTorch.
        """
        target = dtypes.to_dtype(dtype, "to")
        if target == self.data.dtype:
            return self
        if target.kind == "f":
            return _unary(ops.cast_op(target), self)
        if target.kind != "b" and self.data.dtype.kind == "f":
            try:
                with np.errstate(invalid="raise"):
                    return Tensor._wrap(self.data.astype(target))
            except FloatingPointError:
                raise DomainError(
                    "cast", f"an entry is nan, inf or outside the range of {target}"
                ) from None
        return Tensor._wrap(self.data.astype(target))

    def float(self) -> Tensor:
        """Cast to float32 (PyTorch's ``float``)."""
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        """Cast to float16."""
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        """Cast to int64 (truncating towards zero; not in the graph)."""
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        """Cast to int32 (truncating towards zero; not in the graph)."""
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        """Cast to bool: True where an entry is not 0 (not in the graph)."""
        return self.to(dtypes.bool_)


def _compared(other: Any) -> Any:
    """The data a Tensor is compared with, or NotImplemented."""
    if isinstance(other, Tensor):
        return other.data
    if isinstance(other, Node):
        raise TypeError(f"cannot compare a Tensor with a {type(other).__name__}")
    if isinstance(other, Real | np.number | np.bool_ | _ndarray | list | tuple):
        return other
    return NotImplemented


def _compare(ufunc: np.ufunc, a: Tensor, other: Any) -> Tensor:
    o = _compared(other)
    if o is NotImplemented:
        return NotImplemented  # type: ignore[no-any-return]
    try:
        result = ufunc(a.data, o)
    except ValueError as exc:
        raise ValueError(
            f"{ufunc.__name__}: shapes {a.shape} and {np.shape(o)} do not fit together ({exc})"
        ) from None
    return Tensor._wrap(np.asarray(result))


# ----------------------------------------------------------------------------------
# Functions of several tensors
# ----------------------------------------------------------------------------------


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """`input` where `condition` holds, else `other` (broadcast together), as torch.where.

    The condition is a bool Tensor or array (a comparison such as ``x > 0``); `input` and
    `other` are Tensors or numbers, and each gets the gradient where it was picked.
    """
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(
            f"where: the condition must be a bool Tensor (a comparison such as x > 0), "
            f"got dtype {cond.dtype}"
        )
    a, b = (_where_operand(x) for x in (input, other))
    ad, bd = (x.data if isinstance(x, Tensor) else x for x in (a, b))
    if _mixed_kinds(ad, bd):
        ad, bd = dtypes.promote(ad, bd)
    try:
        data = np.asarray(ops.WHERE.forward(cond, ad, bd))
    except ValueError as exc:
        raise ValueError(
            f"where: shapes {cond.shape}, {np.shape(ad)} and {np.shape(bd)} do not broadcast "
            f"({exc})"
        ) from None
    first = condition if isinstance(condition, Tensor) else cond
    return record(Tensor, ops.WHERE, None, None, (first, a, b), data)


def _where_operand(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Node):
        raise TypeError(f"where: cannot mix a Tensor with a {type(x).__name__}")
    if isinstance(x, list | tuple):
        return as_array(x, "where")
    if isinstance(x, builtins.bool | np.bool_) or not isinstance(x, Real | np.number | _ndarray):
        raise TypeError(f"where: input and other must be Tensors or numbers, got {x!r:.40}")
    return x


def _tensors(tensors: Any, name: str) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name} takes a sequence of Tensors, e.g. {name}([a, b]), not one Tensor")
    found = list(tensors)
    if not found:
        raise ValueError(f"{name} needs at least one Tensor")
    for i, t in enumerate(found):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: item {i} is a {type(t).__name__}, not a Tensor")
    return found


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing axis `dim`; each gets back its slice of the gradient.

    Shapes must agree except along `dim`. Dtypes promote as in arithmetic.
    """
    ts = _tensors(tensors, "cat")
    ndim = ts[0].ndim
    if ndim == 0:
        raise ValueError("cat: 0-d tensors have no axis to join along; use stack")
    d = one_dim(dim, ndim, "cat")
    for t in ts[1:]:
        if t.ndim != ndim or any(
            n != m for i, (n, m) in enumerate(zip(t.shape, ts[0].shape, strict=True)) if i != d
        ):
            raise ValueError(f"cat: shapes {ts[0].shape} and {t.shape} differ outside dim {dim}")
    datas = [t.data for t in ts]
    kinds = {a.dtype.kind for a in datas}
    if len(kinds) > 1 and "f" in kinds:  # PyTorch's promotion: the floats set the dtype
        target = np.result_type(*[a for a in datas if a.dtype.kind == "f"])
        datas = [a.astype(target, copy=False) for a in datas]
    op = ops.cat_op(d, tuple(t.shape[d] for t in ts))
    return apply(Tensor, op, tuple(ts), _compute(op, *datas))


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis `dim` (unsqueeze each, then `cat`)."""
    ts = _tensors(tensors, "stack")
    for t in ts[1:]:
        if t.shape != ts[0].shape:
            raise ValueError(f"stack: shapes {ts[0].shape} and {t.shape} differ")
    d = one_dim(dim, ts[0].ndim + 1, "stack")
    return cat([t.unsqueeze(d) for t in ts], d)


#: The module-level functions numpy's concatenate, stack and where dispatch to.
_FUNCTIONS: dict[str, Callable[..., Any]] = {"cat": cat, "stack": stack, "where": where}
