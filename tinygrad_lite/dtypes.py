"""dtypes as PyTorch users know them: names, the default floating dtype, and promotion.

A Tensor's dtype is a numpy dtype; the names here (`float32`, `int64`, ...) are those
dtypes under PyTorch's names, so ``dtype=tl.float32`` reads as it does with torch.

* The default floating dtype is float64 (PyTorch's is float32): gradients are checked
  against finite differences, which need the precision. `set_default_dtype` changes it for
  Python numbers and lists, the factories and new layers; a numpy float array keeps its own
  dtype.
* Only floating Tensors can require gradients (as in PyTorch). Integer and bool Tensors
  exist for labels, indices and masks.
* Mixing kinds promotes as PyTorch does: bool < integer < floating, and the operand of the
  higher kind decides the dtype. A float32 Tensor plus an int64 Tensor is float32 (numpy
  alone would give float64); an integer Tensor times a Python float has the default
  floating dtype. Within one kind numpy's rules apply (float32 with float64 is float64).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "int8",
    "int16",
    "int32",
    "int64",
    "promote",
    "set_default_dtype",
    "to_dtype",
    "uint8",
]

float16 = np.dtype(np.float16)
"""Half precision (``tl.half``, PyTorch's ``torch.float16``)."""
float32 = np.dtype(np.float32)
"""Single precision (``tl.float``, PyTorch's default; here `.float()` casts to it)."""
float64 = np.dtype(np.float64)
"""Double precision (``tl.double``): the default floating dtype here."""
int8 = np.dtype(np.int8)
"""8-bit integers."""
int16 = np.dtype(np.int16)
"""16-bit integers."""
int32 = np.dtype(np.int32)
"""32-bit integers (``tl.int``; `.int()` casts to it)."""
int64 = np.dtype(np.int64)
"""64-bit integers (``tl.long``): what `tl.tensor` makes of Python ints, class labels."""
uint8 = np.dtype(np.uint8)
"""Unsigned 8-bit integers (pixels)."""
bool_ = np.dtype(np.bool_)
"""Booleans (``tl.bool``): what comparisons give."""


class _Default:
    """The default floating dtype, read on every Tensor made from Python numbers."""

    dtype: np.dtype[Any] = float64


_DEFAULT = _Default()


def to_dtype(dtype: Any, who: str = "dtype") -> np.dtype[Any]:
    """`dtype` as a numpy dtype of real numbers, or a TypeError naming what was given.

    Accepts the names of this module (`tl.float32`), numpy dtypes and scalar types, the
    Python types `float` (the default floating dtype), `int` (int64) and `bool`, and
    strings such as ``"float32"``.
    """
    if dtype is float:
        return _DEFAULT.dtype
    if dtype is int:
        return int64
    try:
        result: np.dtype[Any] = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{who}: {dtype!r} is not a dtype; use tl.float32, tl.float64, tl.int64, ..."
        ) from None
    if result.kind not in "biuf":
        raise TypeError(f"{who}: a Tensor holds real numbers or bools, not {result}")
    return result


def get_default_dtype() -> np.dtype[Any]:
    """The floating dtype of Tensors made from Python numbers and lists (float64 at start)."""
    return _DEFAULT.dtype


def set_default_dtype(dtype: Any) -> None:
    """Make `dtype` (float16, float32 or float64) the default floating dtype.

    It applies to Tensors made afterwards from Python numbers and lists, to the factories
    (`tl.zeros`, `tl.randn`, ...) and to new `Linear` layers; existing Tensors and numpy
    float arrays keep their dtype. As in PyTorch, only floating dtypes are allowed.

    Examples:
        >>> import tinygrad_lite as tl
        >>> tl.set_default_dtype(tl.float32)
        >>> tl.tensor([1.0, 2.0]).dtype
        dtype('float32')
        >>> tl.set_default_dtype(tl.float64)
    """
    result = to_dtype(dtype, "set_default_dtype")
    if result.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes can be the default, got {result}")
    _DEFAULT.dtype = result


#: The kinds in PyTorch's promotion order.
_RANK = {"b": 0, "i": 1, "u": 1, "f": 2}


def _rank(x: Any) -> int:
    kind = type(x)
    if kind is bool:
        return 0
    if kind is int:
        return 1
    if kind is float:
        return 2
    return _RANK.get(np.asarray(x).dtype.kind, 3)


def promote(a: Any, b: Any) -> tuple[Any, Any]:
    """The operands of a binary op cast so that numpy computes in PyTorch's result dtype.

    `a` and `b` are arrays, numpy scalars or Python numbers. Operands of the same kind
    are returned as they are (numpy's rules apply); otherwise the operand of the lower kind
    is cast to the dtype the higher one sets.
    """
    ra, rb = _rank(a), _rank(b)
    if ra == rb:
        return a, b
    high, low = (a, b) if ra > rb else (b, a)
    target: np.dtype[Any]
    if type(high) is float:  # a Python number is "weak", as in PyTorch
        target = _DEFAULT.dtype
    elif type(high) is int:
        target = int64
    else:
        target = np.asarray(high).dtype
    if isinstance(low, np.ndarray | np.generic):
        low = low.astype(target)
    return (high, low) if ra > rb else (low, high)
