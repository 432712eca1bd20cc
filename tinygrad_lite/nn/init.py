"""Weight initialisers for `Linear`: each returns a fresh (n_in, n_out) float64 array.

Every scheme draws from a numpy `Generator`, so a seed reproduces a model exactly.

=================  ====================================  ===============================
name               distribution                          variance
=================  ====================================  ===============================
``normal``         N(0, 1 / max(n_in, n_out))            1 / max(n_in, n_out)
``xavier``         Glorot uniform U(-a, a),              2 / (n_in + n_out)
                   a = sqrt(6 / (n_in + n_out))
``xavier_normal``  Glorot normal                         2 / (n_in + n_out)
``he``             Kaiming normal (fan-in, for ReLU)     2 / n_in
=================  ====================================  ===============================

``normal`` is the scheme of the course's MLP exercises and the `Linear` default.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Integral
from typing import Any

import numpy as np
import numpy.typing as npt

from tinygrad_lite.seed import rng_from

__all__ = ["INITS", "he_normal", "make_rng", "normal", "xavier_normal", "xavier_uniform"]

FloatArray = npt.NDArray[np.float64]
Seed = int | np.random.Generator | None


def make_rng(seed: Seed) -> np.random.Generator:
    """A numpy Generator from an int seed, a Generator (used as is), or None.

    None means the library's generator (`tinygrad_lite.seed.default_generator`), so
    `tinygrad_lite.manual_seed` makes unseeded layers repeatable.
    """
    plain = seed is None or isinstance(seed, np.random.Generator)
    if not plain and (isinstance(seed, bool) or not isinstance(seed, Integral)):
        raise TypeError(f"seed must be an int, a numpy Generator or None, got {seed!r}")
    return rng_from(seed)


def normal(n_in: int, n_out: int, rng: np.random.Generator) -> FloatArray:
    """N(0, 1/max(n_in, n_out)): the course's initialiser."""
    return rng.normal(0.0, math.sqrt(1.0 / max(n_in, n_out)), size=(n_in, n_out))


def xavier_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> FloatArray:
    """Glorot & Bengio (2010): keeps activation and gradient variance level for tanh nets."""
    a = math.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


def xavier_normal(n_in: int, n_out: int, rng: np.random.Generator) -> FloatArray:
    """Glorot normal: N(0, 2/(n_in + n_out))."""
    return rng.normal(0.0, math.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))


def he_normal(n_in: int, n_out: int, rng: np.random.Generator) -> FloatArray:
    """He et al. (2015): N(0, 2/n_in), which keeps ReLU activations from shrinking."""
    return rng.normal(0.0, math.sqrt(2.0 / n_in), size=(n_in, n_out))


Init = Callable[[int, int, np.random.Generator], FloatArray]

INITS: dict[str, Init] = {
    "normal": normal,
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he": he_normal,
}
"""The initialisers `Linear(init=...)` accepts, by name."""


def get(init: Any) -> Init:
    """The initialiser for a name, or a callable passed through."""
    if callable(init):
        return init  # type: ignore[no-any-return]
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {sorted(INITS)} or pass a function")
    return INITS[init]
