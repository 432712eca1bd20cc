"""Preparing arrays for training: train/test splits, minibatches and feature scaling."""

from __future__ import annotations

import math
from collections.abc import Iterator
from numbers import Integral, Real
from typing import Any

import numpy as np

from tinygrad_lite.data._checks import Array, FloatArray, Seed, count, rng_for, same_length

__all__ = ["MinMaxScaler", "StandardScaler", "batches", "train_test_split"]


def train_test_split(
    *arrays: Any, test_size: float | int = 0.2, seed: Seed = None, shuffle: bool = True
) -> list[Array]:
    """Split arrays (same number of rows) into train and test parts, rows kept together.

    Args:
        test_size: a fraction in (0, 1) (rounded up to whole rows) or a number of rows.
        seed: makes the shuffle repeatable.
        shuffle: if False, the last rows form the test part.

    Returns:
        [a_train, a_test, b_train, b_test, ...], in the order the arrays were given.
    """
    arrs, n = same_length(arrays, "train_test_split")
    if isinstance(test_size, bool) or not isinstance(test_size, Real):
        raise TypeError(f"test_size must be a fraction or a number of rows, got {test_size!r}")
    if isinstance(test_size, Integral):
        n_test = int(test_size)
    elif 0.0 < float(test_size) < 1.0:
        n_test = math.ceil(float(test_size) * n)
    else:
        raise ValueError(
            f"a fractional test_size must lie strictly between 0 and 1, got {test_size}"
        )
    if not 0 < n_test < n:
        raise ValueError(
            f"test_size={test_size!r} leaves {n_test} test rows out of {n}; "
            "both the train and the test part need at least one row"
        )
    order = rng_for(seed).permutation(n) if shuffle else np.arange(n)
    train, test = order[: n - n_test], order[n - n_test :]
    out: list[Array] = []
    for a in arrs:
        out += [a[train], a[test]]
    return out


def batches(
    *arrays: Any,
    batch_size: int,
    shuffle: bool = True,
    seed: Seed = None,
    drop_last: bool = False,
) -> Iterator[tuple[Array, ...]]:
    """One epoch of minibatches: yields a tuple with one slice per array, rows kept together.

    Every row appears exactly once per epoch (unless `drop_last` drops a short final
    batch). Pass a numpy Generator as `seed` to get a fresh, repeatable order each epoch.
    """
    arrs, n = same_length(arrays, "batches")
    batch_size = count("batch_size", batch_size)
    order = rng_for(seed).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        rows = order[start : start + batch_size]
        if drop_last and len(rows) < batch_size:
            return
        yield tuple(a[rows] for a in arrs)


class _Scaler:
    """Shared checks: fitted on training data only, then applied to any data of that width."""

    _shift: FloatArray | None = None
    _scale: FloatArray | None = None

    def _check(self, X: Any, fitting: bool) -> FloatArray:
        name = type(self).__name__
        arr = np.asarray(X, dtype=np.float64)
        if arr.ndim != 2:
            raise ValueError(
                f"{name} needs a 2-D array (rows, features), got shape {arr.shape}; "
                "reshape a single feature with x.reshape(-1, 1)"
            )
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} got NaN or infinite values")
        if fitting:
            if len(arr) == 0:
                raise ValueError(f"{name}.fit needs at least one row")
            return arr
        if self._shift is None:
            raise RuntimeError(f"{name} is not fitted yet: call fit(X_train) first")
        if arr.shape[1] != self._shift.shape[0]:
            raise ValueError(
                f"{name} was fitted on {self._shift.shape[0]} features, "
                f"got data with {arr.shape[1]}"
            )
        return arr

    def _fit(self, X: FloatArray) -> tuple[FloatArray, FloatArray]:
        raise NotImplementedError

    def _fitted(self) -> tuple[FloatArray, FloatArray]:
        if self._shift is None or self._scale is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(X_train) first")
        return self._shift, self._scale

    def fit(self, X: Any) -> _Scaler:
        """Learn the per-feature shift and scale from X (the training rows only)."""
        shift, scale = self._fit(self._check(X, fitting=True))
        # A constant column has nothing to scale: leave its spread as 1, no division by 0.
        self._scale = np.where(scale > 0.0, scale, 1.0)
        self._shift = shift
        return self

    def transform(self, X: Any) -> FloatArray:
        """Apply the fitted scaling to X (any number of rows, the fitted number of features)."""
        arr = self._check(X, fitting=False)
        shift, scale = self._fitted()
        return (arr - shift) / scale

    def fit_transform(self, X: Any) -> FloatArray:
        """`fit(X)` then `transform(X)`."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> FloatArray:
        """Undo `transform`: back to the original units."""
        arr = self._check(X, fitting=False)
        shift, scale = self._fitted()
        return arr * scale + shift


class MinMaxScaler(_Scaler):
    """Map each feature's training range linearly onto `feature_range` (default [0, 1]).

    A constant training column maps to the low end of the range.
    """

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        low, high = (float(v) for v in feature_range)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(
                f"feature_range must be (low, high) with low < high, got {feature_range}"
            )
        self.feature_range = (low, high)

    def _fit(self, X: FloatArray) -> tuple[FloatArray, FloatArray]:
        low, high = self.feature_range
        data_min, data_max = X.min(axis=0), X.max(axis=0)
        spread = (data_max - data_min) / (high - low)
        # transform = (X - shift) / scale  with  shift = min - low * scale
        scale = np.where(spread > 0.0, spread, 1.0)
        return data_min - low * scale, scale


class StandardScaler(_Scaler):
    """Shift each feature to mean 0 and scale it to standard deviation 1 (on the training rows).

    A constant training column is only shifted (to 0).
    """

    def _fit(self, X: FloatArray) -> tuple[FloatArray, FloatArray]:
        return X.mean(axis=0), X.std(axis=0)
