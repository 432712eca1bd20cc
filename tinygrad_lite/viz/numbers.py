"""Numbers and arrays as the short text a picture or a caption shows.

Four decimals by default (`digits=` sets how many), or scientific notation far from 1.
In an array summary, a number smaller
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


def format_number(x: Any, digits: int = 4) -> str:
    """A number in at most about ten characters: `digits` decimals (4 unless given), or
    scientific notation when far from 1.

    Examples:
        >>> format_number(0.70710678), format_number(0.70710678, digits=2)
        ('0.7071', '0.71')
    """
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return f"{0.0:.{digits}f}"  # never "-0.0000"
    if 10.0 ** -min(digits, 3) <= abs(x) < 1e5:
        return f"{x:.{digits}f}"
    return f"{x:.{max(digits - 1, 1)}e}"


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


def _clean(x: float, floor: float, digits: int) -> str:
    return format_number(0.0 if abs(x) <= floor else x, digits)


def array_summary(arr: Any, digits: int = 4) -> str:
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
        return "[" + " ".join(_clean(v, floor, digits) for v in a.ravel()) + "]"
    return (
        f"mean {_clean(a.mean(), floor, digits)} min {_clean(a.min(), floor, digits)} "
        f"max {_clean(a.max(), floor, digits)}"
    )


def number_text(x: Any, digits: int = 4) -> str:
    """A number or an array (a node's data or gradient) as box text."""
    x = raw(x)
    return array_summary(x, digits) if is_array(x) else format_number(x, digits)
