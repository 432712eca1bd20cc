"""Argument checks and the random source shared by the data modules."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np
import numpy.typing as npt

from tinygrad_lite.seed import rng_from

Array = npt.NDArray[Any]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Seed = int | np.random.Generator | None


def count(name: str, n: Any, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral) or n < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {n!r}")
    return int(n)


def nonneg(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    return float(v)


def rng_for(seed: Seed) -> np.random.Generator:
    """A numpy Generator from an int seed, an existing Generator (used as is), or None.

    None means the library's generator (`tinygrad_lite.seed.default_generator`), which
    `tinygrad_lite.manual_seed` resets.
    """
    plain = seed is None or isinstance(seed, np.random.Generator)
    if not plain and (isinstance(seed, bool) or not isinstance(seed, Integral)):
        raise TypeError(f"seed must be an int, a numpy Generator or None, got {seed!r}")
    return rng_from(seed)


def same_length(arrays: tuple[Any, ...], who: str) -> tuple[list[Array], int]:
    if not arrays:
        raise ValueError(f"{who} needs at least one array")
    arrs = [np.asarray(a) for a in arrays]
    for i, a in enumerate(arrs):
        if a.ndim == 0:
            raise ValueError(f"{who}: array {i} is a scalar; it needs at least one dimension")
    lengths = [len(a) for a in arrs]
    if len(set(lengths)) != 1:
        raise ValueError(f"{who}: all arrays need the same number of rows, got {lengths}")
    return arrs, lengths[0]
