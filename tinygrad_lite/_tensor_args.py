"""What a Tensor accepts as arguments: data, dims, shapes and indices, checked and normalised.

Pure functions with errors that name the call (``sum: dim 2 does not fit a tensor with 2
axes``); `tinygrad_lite.tensor` and `tinygrad_lite.factories` share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np

from tinygrad_lite import dtypes
from tinygrad_lite.autograd import Node

Array: TypeAlias = np.ndarray[Any, Any]
Axis: TypeAlias = int | Sequence[int] | None

_ndarray = np.ndarray
#: A tuple, not a union: a union written in the call is built anew on every call.
_ARRAYS = (np.ndarray, np.generic)


def as_array(data: Any, what: str = "Tensor") -> Array:
    """Real data as a floating ndarray (the class constructor's rule), or a TypeError."""
    arr = real_array(data, what)
    if arr.dtype.kind == "f" and isinstance(data, _ARRAYS):
        return arr
    default = dtypes.get_default_dtype()
    return arr if arr.dtype == default else arr.astype(default)


def real_array(data: Any, what: str) -> Array:
    """`data` as an ndarray of real numbers or bools (dtype as numpy infers it)."""
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
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"{what} needs real numbers (float, int or bool), got data of dtype {arr.dtype}"
            + (
                " (a list of nodes? combine nodes with ops instead)"
                if arr.dtype.kind == "O"
                else ""
            )
        )
    return arr


def axis_param(axis: Axis, ndim: int, name: str) -> int | tuple[int, ...] | None:
    """Validate `axis` for a tensor with `ndim` axes; return it in a hashable form."""
    if axis is None or (type(axis) is int and -ndim <= axis < ndim):
        return axis
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer | Sequence):
        raise TypeError(f"{name}: dim must be None, an int or a tuple of ints, got {axis!r}")
    key: int | tuple[int, ...] = (
        int(axis) if isinstance(axis, int | np.integer) else tuple(int(i) for i in axis)
    )
    try:
        np.lib.array_utils.normalize_axis_tuple(key, ndim)
    except (ValueError, IndexError) as exc:
        raise ValueError(
            f"{name}: dim {axis!r} does not fit a tensor with {ndim} axes: {exc}"
        ) from None
    return key


def one_dim(dim: Any, ndim: int, name: str) -> int:
    """One axis as a non-negative int (for ops that take a single dim)."""
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise TypeError(f"{name}: dim must be one int, got {dim!r}")
    if not -ndim <= dim < ndim:
        raise ValueError(f"{name}: dim {dim} does not fit a tensor with {ndim} axes")
    return int(dim) % ndim


def reduce_args(
    name: str, ndim: int, dim: Axis, keepdim: bool, axis: Axis, keepdims: bool | None
) -> tuple[int | tuple[int, ...] | None, bool]:
    """PyTorch's dim=/keepdim= or numpy's axis=/keepdims=, not both of one pair."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{name}: give dim= (PyTorch) or axis= (numpy), not both")
        dim = axis
    if keepdims is not None:
        if keepdim:
            raise TypeError(f"{name}: give keepdim= (PyTorch) or keepdims= (numpy), not both")
        keepdim = keepdims
    return axis_param(dim, ndim, name), bool(keepdim)


def shape_arg(shape: tuple[Any, ...], name: str) -> tuple[int, ...]:
    """Accept f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    if not all(isinstance(n, int | np.integer) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"{name}: a shape is a tuple of ints, got {shape!r}")
    return tuple(int(n) for n in shape)


def index_key(index: Any) -> tuple[Any, ...]:
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
        elif (
            isinstance(item, Node)
            and isinstance(item.data, _ndarray)
            and item.data.dtype.kind in "iub"
        ):
            out.append(item.data)  # an integer or bool Tensor indexes like its array
        elif isinstance(item, Node):
            raise TypeError(
                f"cannot index with a {type(item).__name__} of floats; index with ints, "
                "slices, numpy integer/bool arrays or integer/bool Tensors"
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


def _integral_array(x: Any) -> bool:
    return isinstance(x, _ndarray) and x.dtype.kind in "iub"
