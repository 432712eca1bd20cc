"""Making Tensors as PyTorch does: ``tl.tensor``, ``tl.zeros``, ``tl.randn``, ``tl.arange``, ...

Names, arguments and dtypes are PyTorch's. Floating results have the default dtype
(`tl.get_default_dtype`, float64 unless changed) unless ``dtype=`` says otherwise;
``tl.tensor`` infers integer and bool dtypes from the data, as ``torch.tensor`` does.
Random factories without a ``generator`` draw from the library's generator, so
``tl.manual_seed(n)`` makes them repeat.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite import dtypes
from tinygrad_lite._tensor_args import real_array, shape_arg
from tinygrad_lite.seed import rng_from
from tinygrad_lite.tensor import Tensor

__all__ = [
    "arange",
    "eye",
    "full",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "tensor",
    "zeros",
    "zeros_like",
]

Seed = int | np.random.Generator | None


def _dtype(dtype: Any, default: np.dtype[Any], who: str) -> np.dtype[Any]:
    return default if dtype is None else dtypes.to_dtype(dtype, who)


def _floating(dtype: Any, who: str) -> np.dtype[Any]:
    kind = _dtype(dtype, dtypes.get_default_dtype(), who)
    if kind.kind != "f":
        raise TypeError(f"{who}: random numbers need a floating dtype, got {kind}")
    return kind


def tensor(data: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf holding a copy of `data`, with the dtype inferred as ``torch.tensor`` does.

    Python floats (and lists with any float) give the default dtype, Python ints int64,
    bools bool; a numpy array keeps its dtype. Only floating tensors can require grad.

    Examples:
        >>> import tinygrad_lite as tl
        >>> tl.tensor([1, 2]).dtype, tl.tensor([1.0, 2]).dtype, tl.tensor([True]).dtype
        (dtype('int64'), dtype('float64'), dtype('bool'))
    """
    source = data.data if isinstance(data, Tensor) else data
    arr = np.array(real_array(source, "tensor"), copy=True)
    if dtype is not None:
        arr = arr.astype(dtypes.to_dtype(dtype, "tensor"), copy=False)
    elif arr.dtype.kind == "f" and not isinstance(source, np.ndarray | np.generic):
        arr = arr.astype(dtypes.get_default_dtype(), copy=False)
    return Tensor._wrap(arr, requires_grad)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of shape `size`: ``tl.zeros(2, 3)`` or ``tl.zeros((2, 3))``."""
    return Tensor.zeros(*size, dtype=dtype, requires_grad=requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of shape `size`: ``tl.ones(2, 3)`` or ``tl.ones((2, 3))``."""
    return Tensor.ones(*size, dtype=dtype, requires_grad=requires_grad)


def full(size: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """`fill_value` repeated to shape `size`; the dtype follows the value (int64 for an
    int, bool for a bool, the default floating dtype for a float), as in PyTorch."""
    shape = shape_arg(size if isinstance(size, tuple) else (size,), "full")
    inferred = real_array(fill_value, "full")
    if inferred.ndim != 0:
        raise TypeError(f"full: fill_value must be one number, got shape {inferred.shape}")
    default = dtypes.get_default_dtype() if inferred.dtype.kind == "f" else inferred.dtype
    return Tensor._wrap(np.full(shape, fill_value, _dtype(dtype, default, "full")), requires_grad)


def rand(
    *size: Any, generator: Seed = None, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Uniform numbers in [0, 1) of shape `size`, from `generator` (an int seed or a numpy
    Generator) or, when it is None, from the library's generator (`tl.manual_seed`)."""
    kind = _floating(dtype, "rand")
    data = rng_from(generator).random(shape_arg(size, "rand"))
    return Tensor._wrap(data.astype(kind, copy=False), requires_grad)


def randn(
    *size: Any, generator: Seed = None, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal numbers of shape `size`, from `generator` (an int seed or a numpy
    Generator) or, when it is None, from the library's generator (`tl.manual_seed`)."""
    return Tensor.randn(*size, seed=generator, dtype=dtype, requires_grad=requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, ... up to but not including `end` (``arange(n)``: 0 .. n-1).

    int64 when every argument is an int, else the default floating dtype (as PyTorch).
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must not be 0")
    numbers = (start, end, step)
    whole = all(isinstance(x, int | np.integer) and not isinstance(x, bool) for x in numbers)
    default = dtypes.int64 if whole else dtypes.get_default_dtype()
    data = np.arange(start, end, step).astype(_dtype(dtype, default, "arange"))
    return Tensor._wrap(data, requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (n x n without `m`)."""
    kind = _dtype(dtype, dtypes.get_default_dtype(), "eye")
    return Tensor._wrap(np.eye(n, m, dtype=kind), requires_grad)


def zeros_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, without `dtype`, the dtype) of `input`."""
    kind = _dtype(dtype, _like(input, "zeros_like").dtype, "zeros_like")
    return Tensor._wrap(np.zeros(input.shape, kind), requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, without `dtype`, the dtype) of `input`."""
    kind = _dtype(dtype, _like(input, "ones_like").dtype, "ones_like")
    return Tensor._wrap(np.ones(input.shape, kind), requires_grad)


def _like(x: Any, who: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} needs a Tensor, got {type(x).__name__}")
    return x
