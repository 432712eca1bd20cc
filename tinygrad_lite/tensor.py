"""Tensor: a numpy array that remembers how it was computed.

It is the same kind of node as `Value` (see `autograd.Node`): the same recording, the same
backward walk, the same op table. What it adds is what arrays need: numpy broadcasting
(and summing a broadcast gradient back, in `ops.unbroadcast`), matmul, reductions, shape
changes and indexing.

Data rules:

* A float array keeps its dtype (float32 stays float32, through every op whose other
  inputs are float32 or Python numbers). Python numbers and lists become float64.
* Integer and bool data are converted to float64, as Python numbers are: a Tensor always
  holds floating data, so any Tensor can require grad. Complex, string and object data
  raise TypeError.
* A float array passed in is shared, not copied (as `np.asarray`), except with
  ``requires_grad=True``: a parameter gets its own copy, because optimizers update it in
  place and that must not change the caller's array.
* Gradients have the shape and dtype of the data. The library never writes into a
  `.grad` array in place; an array may be shared by nodes that received the identical
  gradient (both inputs of ``a + b``), so rebind (``t.grad = t.grad * 0.5``) rather than
  modify it in place.

Numbers follow the Value policy: domain violations (log of a negative, division by zero,
sin of infinity, ...) raise a `DomainError` naming the op; nan is data and propagates.
A gradient that hits 0 * inf, division by zero or overflow raises a `DomainError` too,
instead of a numpy warning and a silent nan. Where several entries tie for a maximum,
`max` shares the gradient equally among them (as `torch.amax` does).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from numbers import Real
from typing import Any, TypeAlias

import numpy as np

from tinygrad_lite import ops
from tinygrad_lite.autograd import Node, apply, record
from tinygrad_lite.autograd import backward as _backward
from tinygrad_lite.errors import DomainError
from tinygrad_lite.ops import Op, unbroadcast

__all__ = ["Tensor"]

Array: TypeAlias = np.ndarray[Any, Any]
Axis: TypeAlias = int | Sequence[int] | None
Operand: TypeAlias = "Tensor | float | int | Array"

_ndarray = np.ndarray


def _as_array(data: Any, what: str = "Tensor") -> Array:
    """Real floating data as an ndarray, or a TypeError that names the dtype."""
    if isinstance(data, Node):
        raise TypeError(
            f"{what} needs numbers or an array, got a {type(data).__name__}; "
            "use the node itself, or .detach() for a constant copy"
        )
    if isinstance(data, str | bytes):
        raise TypeError(f"{what} needs real numbers, got a {type(data).__name__}: {data!r:.40}")
    try:
        arr = np.asarray(data)
    except ValueError as exc:  # ragged nested lists
        raise TypeError(f"{what} needs a rectangular array of numbers: {exc}") from None
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "iub":
        return arr.astype(np.float64)
    raise TypeError(
        f"{what} needs real numbers (float, int or bool), got data of dtype {arr.dtype}"
        + (" (a list of nodes? combine nodes with ops instead)" if kind == "O" else "")
    )


def _operand(x: Any, op: Op, this: Tensor) -> Any:
    """The other input of a binary op: a Tensor, or a raw constant (float or float array).

    Constants stay plain numbers/arrays in the graph, as with Value.
    """
    kind = type(x)
    if kind is Tensor or kind is float or (kind is _ndarray and x.dtype.kind == "f"):
        return x
    if kind is int:
        return float(x)
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
    if isinstance(x, Real | np.integer):
        return float(x)
    if isinstance(x, _ndarray | list | tuple):
        return _as_array(x, op.name)
    return NotImplemented


def _shape(x: Any) -> tuple[int, ...]:
    return x.shape if isinstance(x, Tensor) else np.shape(x)


def _binary(op: Op, a: Any, b: Any) -> Tensor:
    """Run a two-input op on Tensors/constants and record the result."""
    try:
        data = op.forward(a.data if type(a) is Tensor else a, b.data if type(b) is Tensor else b)
    except DomainError:
        raise
    except ValueError as exc:
        raise ValueError(
            f"{op.name}: shapes {_shape(a)} and {_shape(b)} do not fit together ({exc})"
        ) from None
    if type(data) is not _ndarray:
        data = np.asarray(data)
    return record(Tensor, op, a, b, None, data)


def _unary(op: Op, a: Tensor) -> Tensor:
    data = op.forward(a.data)
    if type(data) is not _ndarray:
        data = np.asarray(data)
    return record(Tensor, op, a, None, None, data)


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


def _axis_param(axis: Axis, ndim: int, name: str) -> int | tuple[int, ...] | None:
    """Validate `axis` for a tensor with `ndim` axes; return it in a hashable form."""
    if axis is None or (type(axis) is int and -ndim <= axis < ndim):
        return axis
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer | Sequence):
        raise TypeError(f"{name}: axis must be None, an int or a tuple of ints, got {axis!r}")
    key: int | tuple[int, ...] = (
        int(axis) if isinstance(axis, int | np.integer) else tuple(int(i) for i in axis)
    )
    try:
        np.lib.array_utils.normalize_axis_tuple(key, ndim)
    except (ValueError, IndexError) as exc:
        raise ValueError(
            f"{name}: axis {axis!r} does not fit a tensor with {ndim} axes: {exc}"
        ) from None
    return key


def _shape_arg(shape: tuple[Any, ...], name: str) -> tuple[int, ...]:
    """Accept f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    if not all(isinstance(n, int | np.integer) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"{name}: a shape is a tuple of ints, got {shape!r}")
    return tuple(int(n) for n in shape)


def _index(index: Any) -> tuple[Any, ...]:
    """Normalize an index to a tuple numpy understands; refuse what would be ambiguous."""
    items = index if type(index) is tuple else (index,)
    out: list[Any] = []
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, slice):
            out.append(item)
        elif isinstance(item, bool | np.bool_):
            raise TypeError("a bool is not an index; use a boolean numpy array as a mask")
        elif isinstance(item, int | np.integer):
            out.append(int(item))
        elif isinstance(item, Node):
            raise TypeError(
                f"cannot index with a {type(item).__name__}; index with ints, slices or "
                "numpy integer/bool arrays"
            )
        elif isinstance(item, _ndarray | list):
            arr = np.asarray(item)
            if arr.size == 0 and arr.dtype.kind == "f":
                arr = arr.astype(np.intp)
            if arr.dtype.kind not in "iub":
                raise TypeError(f"index arrays must hold integers or bools, got dtype {arr.dtype}")
            out.append(arr)
        else:
            raise TypeError(f"cannot index a Tensor with a {type(item).__name__}: {item!r:.40}")
    return tuple(out)


def _leaf(data: Array, requires_grad: bool) -> Tensor:
    node = object.__new__(Tensor)
    node._init_leaf(data, None, "", None, requires_grad)
    return node


class Tensor(Node):
    """A numpy array that remembers how it was computed, so its gradient can be found.

    Args:
        data: an array, a nested list or a number (see the module docstring for dtypes).
        requires_grad: whether backward should compute a gradient for this leaf.
        label: a name shown by the renderer and in error messages.

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
    #: numpy must hand `ndarray <op> Tensor` to the Tensor's reflected method.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        arr = _as_array(data)
        if requires_grad and isinstance(data, _ndarray) and np.may_share_memory(arr, data):
            arr = arr.copy()
        self._init_leaf(arr, None, label, None, bool(requires_grad))

    # --- hooks for the shared machinery --------------------------------------------
    @classmethod
    def _const(cls, data: Any) -> Tensor:
        return _leaf(_as_array(data), False)

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

    @classmethod
    def _call(cls, op: Op, *parents: Any) -> Tensor:
        """Run `op` on Tensors/constants and record it (used by rules under create_graph)."""
        data = op.forward(*[p.data if isinstance(p, Tensor) else p for p in parents])
        if type(data) is not _ndarray:
            data = np.asarray(data)
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
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            _backward(self, grad, retain_graph=retain_graph, create_graph=create_graph)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data that does not require grad."""
        out = _leaf(self.data, False)
        out.label = self.label
        return out

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether gradients should flow into this leaf; returns self for chaining."""
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

    @property
    def size(self) -> int:
        """The number of entries."""
        return self.data.size  # type: ignore[no-any-return]

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the data (a floating type)."""
        return self.data.dtype  # type: ignore[no-any-return]

    def numpy(self) -> Array:
        """The data array itself (shared, not copied)."""
        return self.data  # type: ignore[no-any-return]

    def item(self) -> float:
        """The single entry as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a single-element tensor, this one has shape {self.shape}"
            )
        return float(self.data.reshape(()))

    def __float__(self) -> float:
        return self.item()

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use (t.data != 0).any() or .all(), or compare t.item() for one entry"
            )
        return bool(self.data.reshape(()))

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(self.data.shape[0])

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

    # --- constructors ----------------------------------------------------------------
    @classmethod
    def zeros(cls, *shape: Any, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
        """A tensor of zeros: Tensor.zeros(2, 3) or Tensor.zeros((2, 3))."""
        return _leaf(_float_array(np.zeros(_shape_arg(shape, "zeros"), dtype)), requires_grad)

    @classmethod
    def ones(cls, *shape: Any, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
        """A tensor of ones: Tensor.ones(2, 3) or Tensor.ones((2, 3))."""
        return _leaf(_float_array(np.ones(_shape_arg(shape, "ones"), dtype)), requires_grad)

    @classmethod
    def randn(
        cls,
        *shape: Any,
        seed: int | None = None,
        requires_grad: bool = False,
        dtype: Any = np.float64,
    ) -> Tensor:
        """Standard normal entries; `seed` makes them reproducible."""
        rng = np.random.default_rng(seed)
        data = rng.standard_normal(_shape_arg(shape, "randn")).astype(dtype, copy=False)
        return _leaf(_float_array(data), requires_grad)

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
        """Matrix product `a @ b` (numpy's rules for 1-D and batched operands)."""
        o = _operand(other, ops.MATMUL, self)
        return NotImplemented if o is NotImplemented else _binary(ops.MATMUL, self, o)

    def __rmatmul__(self, other: Operand) -> Tensor:
        o = _operand(other, ops.MATMUL, self)
        return NotImplemented if o is NotImplemented else _binary(ops.MATMUL, o, self)

    def __neg__(self) -> Tensor:
        return _unary(ops.NEG, self)

    def __pos__(self) -> Tensor:
        return self

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

    # --- reductions ------------------------------------------------------------------
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (an int, a tuple of ints, or None for all)."""
        key = _axis_param(axis, self.data.ndim, "sum")
        return _unary(ops.sum_op(key, bool(keepdims)), self)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis` (an int, a tuple of ints, or None for all)."""
        key = _axis_param(axis, self.data.ndim, "mean")
        if ops._reduced_count(self.shape, key) == 0:
            raise ValueError(f"mean: no entries to average in a tensor of shape {self.shape}")
        return _unary(ops.mean_op(key, bool(keepdims)), self)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Maximum over `axis`. Tied maxima share the gradient equally (as torch.amax)."""
        key = _axis_param(axis, self.data.ndim, "max")
        try:
            return _unary(ops.max_op(key, bool(keepdims)), self)
        except ValueError as exc:
            raise ValueError(f"max: of a tensor of shape {self.shape}: {exc}") from None

    # --- shape changes ---------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same entries in a new shape: t.reshape(2, 3) or t.reshape((2, -1))."""
        target = _shape_arg(shape, "reshape")
        try:
            return _unary(ops.reshape_op(target), self)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {self.shape} "
                f"({self.size} entries) into shape {target}"
            ) from None

    def transpose(self, *axes: Any) -> Tensor:
        """Permute axes: t.transpose() reverses them; t.transpose(1, 0, 2) or ((1, 0, 2))."""
        if not axes or axes == (None,):
            key = None
        else:
            key = _shape_arg(axes, "transpose")
            if sorted(i % max(self.ndim, 1) for i in key) != list(range(self.ndim)) or any(
                not -self.ndim <= i < self.ndim for i in key
            ):
                raise ValueError(
                    f"transpose: axes {key} are not a permutation of the {self.ndim} axes "
                    f"of a tensor of shape {self.shape}"
                )
        return _unary(ops.transpose_op(key), self)

    @property
    def T(self) -> Tensor:
        """The axes reversed (the matrix transpose for 2-D)."""
        return _unary(ops.transpose_op(None), self)

    def broadcast_to(self, *shape: Any) -> Tensor:
        """Repeat entries to `shape`, as numpy broadcasting would (a.k.a. expand)."""
        target = _shape_arg(shape, "broadcast_to")
        try:
            return _unary(ops.broadcast_op(target), self)
        except ValueError:
            raise ValueError(
                f"broadcast_to: cannot broadcast shape {self.shape} to {target}"
            ) from None

    expand = broadcast_to

    def __getitem__(self, index: Any) -> Tensor:
        """Select entries as numpy does; the gradient is scattered back (repeats add up)."""
        key = _index(index)
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
    def softmax(self, axis: int = -1) -> Tensor:
        """exp(t) / sum(exp(t)) along `axis`, computed stably."""
        key = _axis_param(axis, self.data.ndim, "softmax")
        if not isinstance(key, int):
            raise TypeError(f"softmax: axis must be one int, got {axis!r}")
        return _unary(ops.softmax_op(key), self)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """t - logsumexp(t) along `axis`, computed stably."""
        key = _axis_param(axis, self.data.ndim, "log_softmax")
        if not isinstance(key, int):
            raise TypeError(f"log_softmax: axis must be one int, got {axis!r}")
        return _unary(ops.log_softmax_op(key), self)

    # Tensors hash by identity (they are graph nodes); == is deliberately not overloaded.
    __hash__ = Node.__hash__


def _float_array(data: Array) -> Array:
    if data.dtype.kind != "f":
        raise TypeError(f"Tensor holds floating data only, got dtype {data.dtype}")
    return data
