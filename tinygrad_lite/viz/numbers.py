"""Numbers and arrays as the short text a picture or a caption shows.

Four decimals, or scientific notation far from 1. In an array summary, a number smaller
than the rounding error of summing the array's entries reads as zero: a gradient mean of
-6.9e-18 among entries of order 0.1 is the noise of float arithmetic, not a value, and
`0.0000` says so (the rule: below ``eps * size * max|entry|`` for the array's dtype).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node

__all__ = ["array_summary", "format_number", "number_text", "raw"]


def format_number(x: Any) -> str:
    """A number in at most about ten characters: 4 decimals, or scientific when far from 1."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return "0.0000"  # never "-0.0000"
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"


def raw(x: Any) -> Any:
    """The data inside a node (a gradient can be a node under create_graph), or x itself."""
    return x.data if isinstance(x, Node) else x


def is_array(data: Any) -> bool:
    """Whether `data` is an array with at least one axis (a Tensor's data, not a number)."""
    return hasattr(data, "shape") and getattr(data, "ndim", 0) > 0


def _noise_floor(a: np.ndarray) -> float:
    """Below this, a statistic of `a` is rounding noise (see the module docstring)."""
    eps = float(np.finfo(a.dtype).eps) if a.dtype.kind == "f" else 0.0
    return eps * a.size * float(np.max(np.abs(a)))


def _clean(x: float, floor: float) -> str:
    return format_number(0.0 if abs(x) <= floor else x)


def array_summary(arr: Any) -> str:
    """A few entries of a small array, or mean/min/max of a big one."""
    a = np.asarray(arr)
    if a.size == 0:
        return "[]"
    if a.dtype.kind in "iu":  # class labels and indices: whole numbers, shown as such
        if a.size <= 4:
            return "[" + " ".join(str(int(v)) for v in a.ravel()) + "]"
        return f"{a.size} integers in {int(a.min())}..{int(a.max())}"
    if not np.issubdtype(a.dtype, np.number):
        return f"{a.size} entries"
    finite = np.isfinite(a)
    if not finite.all():
        return f"{int((~finite).sum())} of {a.size} not finite"
    floor = _noise_floor(a)
    if a.size <= 4:
        return "[" + " ".join(_clean(v, floor) for v in a.ravel()) + "]"
    return (
        f"mean {_clean(a.mean(), floor)} min {_clean(a.min(), floor)} max {_clean(a.max(), floor)}"
    )


def number_text(x: Any) -> str:
    """A number or an array (a node's data or gradient) as box text."""
    x = raw(x)
    return array_summary(x) if is_array(x) else format_number(x)
