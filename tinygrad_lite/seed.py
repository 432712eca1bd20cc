"""The library's own random state, reset by `manual_seed` as PyTorch's `torch.manual_seed` is.

Everything random in tinygrad_lite that is not given a seed of its own (tensor factories,
layer initialisers, the scalar `MLP`, dropout, shuffling) draws from the generators here,
so one call at the top of a notebook makes a whole run reproducible. An explicit
``seed=`` argument still wins and leaves this state untouched.
"""

from __future__ import annotations

import random
from numbers import Integral

import numpy as np

__all__ = ["default_generator", "manual_seed", "python_random", "rng_from"]


class _State:
    """The two generators: numpy's for arrays, Python's for scalar Values (as micrograd)."""

    def __init__(self) -> None:
        self.numpy = np.random.default_rng()
        self.python = random.Random()


_STATE = _State()


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(f"a seed must be an int, got {type(seed).__name__}: {seed!r:.40}")
    if int(seed) < 0:
        raise ValueError(f"a seed must be a non-negative int, got {seed}")
    return int(seed)


def manual_seed(seed: int) -> np.random.Generator:
    """Reset every default random source of the library from one int; returns numpy's.

    Examples:
        >>> import tinygrad_lite as tl
        >>> a = tl.manual_seed(0).random()
        >>> b = tl.manual_seed(0).random()
        >>> a == b
        True
    """
    s = _check_seed(seed)
    _STATE.numpy = np.random.default_rng(s)
    _STATE.python = random.Random(s)
    return _STATE.numpy


def default_generator() -> np.random.Generator:
    """The numpy Generator used where no seed is given (reset by `manual_seed`)."""
    return _STATE.numpy


def python_random() -> random.Random:
    """The `random.Random` used for scalar models where no seed is given."""
    return _STATE.python


def rng_from(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A numpy Generator: the default one for None, a fresh one for an int, or the one given."""
    if seed is None:
        return _STATE.numpy
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(_check_seed(seed))
