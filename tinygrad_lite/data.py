"""Data for the course workflows: generators, the IDX (MNIST) reader, splitting, scaling, batches.

Everything here is numpy only and works offline: the library never downloads anything.
Generated features are float64 and class labels int64; every generator takes a seed so a
run can be repeated exactly.
"""

from __future__ import annotations

import gzip
import importlib
import math
import os
import zlib
from collections.abc import Iterator
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "MinMaxScaler",
    "StandardScaler",
    "batches",
    "load_digits",
    "load_mnist",
    "make_correlated_gaussian",
    "make_moons",
    "make_nine_weight_table",
    "make_paraboloid",
    "make_spirals",
    "read_idx",
    "train_test_split",
]

Array = npt.NDArray[Any]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Seed = int | np.random.Generator | None


# ----------------------------------------------------------------------------------
# Argument checks
# ----------------------------------------------------------------------------------


def _count(name: str, n: Any, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral) or n < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {n!r}")
    return int(n)


def _nonneg(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    return float(v)


def _rng(seed: Seed) -> np.random.Generator:
    """A numpy Generator from an int seed, an existing Generator (used as is), or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, Integral)):
        raise TypeError(f"seed must be an int, a numpy Generator or None, got {seed!r}")
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------------
# Generators
# ----------------------------------------------------------------------------------


def make_moons(n: int = 100, noise: float = 0.1, seed: Seed = 0) -> tuple[FloatArray, IntArray]:
    """Two interleaving half circles in 2-D: a small set no straight line can separate.

    Returns:
        X of shape (n, 2) and labels y of shape (n,) in {0, 1}; the rows are shuffled.
    """
    n = _count("n", n, 2)
    noise = _nonneg("noise", noise)
    rng = _rng(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    a = np.linspace(0.0, math.pi, n_upper)
    b = np.linspace(0.0, math.pi, n_lower)
    upper = np.column_stack([np.cos(a), np.sin(a)])
    lower = np.column_stack([1.0 - np.cos(b), 0.5 - np.sin(b)])
    X = np.vstack([upper, lower])
    y = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n_lower, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(n)
    return X[order].astype(np.float64), y[order]


def make_spirals(
    n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, seed: Seed = 0
) -> tuple[FloatArray, IntArray]:
    """`n_classes` arms of a spiral in 2-D, one class per arm (rows grouped by class).

    Arm k runs from the origin out to radius 1 while its angle sweeps 4 radians, shifted
    by 4k; `noise` is the standard deviation added to the angle.
    """
    n_per_class = _count("n_per_class", n_per_class)
    n_classes = _count("n_classes", n_classes)
    noise = _nonneg("noise", noise)
    rng = _rng(seed)
    X = np.empty((n_per_class * n_classes, 2), np.float64)
    y = np.empty(n_per_class * n_classes, np.int64)
    radius = np.linspace(0.0, 1.0, n_per_class)
    for k in range(n_classes):
        rows = slice(k * n_per_class, (k + 1) * n_per_class)
        angle = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class)
        angle = angle + noise * rng.standard_normal(n_per_class)
        X[rows] = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
        y[rows] = k
    return X, y


def make_correlated_gaussian(
    n: int = 1000, dim: int = 3, cov: float = 0.8, seed: Seed = 43
) -> FloatArray:
    """`n` draws of a `dim`-D Gaussian: mean 0, unit variances, every covariance `cov`.

    The autoencoder workflow's data (1000 points, 3-D, covariance 0.8, seed 43). The
    covariance matrix is positive definite only for -1/(dim-1) < cov < 1.
    """
    n = _count("n", n)
    dim = _count("dim", dim)
    if isinstance(cov, bool) or not isinstance(cov, Real) or not math.isfinite(cov):
        raise ValueError(f"cov must be a finite number, got {cov!r}")
    low = -1.0 / (dim - 1) if dim > 1 else -math.inf
    if dim > 1 and not low < cov < 1.0:
        raise ValueError(
            f"cov={cov} gives a covariance matrix that is not positive definite for dim={dim}; "
            f"it must lie strictly between {low:.4g} and 1"
        )
    sigma = np.full((dim, dim), float(cov))
    np.fill_diagonal(sigma, 1.0)
    rng = _rng(seed)
    return rng.multivariate_normal(np.zeros(dim), sigma, size=n).astype(np.float64)


def make_paraboloid(n: int = 100, seed: Seed = 0) -> tuple[FloatArray, FloatArray]:
    """`n` points uniform in [0, 1]^2 with target (x1^2 + x2^2) / 2 (a smooth regression).

    Returns:
        X of shape (n, 2) and y of shape (n,).
    """
    n = _count("n", n)
    X = _rng(seed).uniform(0.0, 1.0, size=(n, 2))
    y = 0.5 * (X[:, 0] ** 2 + X[:, 1] ** 2)
    return X, y


#: The weights `make_nine_weight_table` hides in its targets (w1..w9).
NINE_WEIGHT_TRUE = (0.4, -0.3, 1.2, 0.8, -0.5, -0.6, 0.3, 0.2, 1.5)


def _nine_weight_forward(X: FloatArray, w: FloatArray) -> FloatArray:
    """The nine-weight graph's y_hat for every row of X (vectorised, plain numpy)."""
    x1, x2, x3, x4, x5 = X.T
    w1, w2, w3, w4, w5, w6, w7, w8, w9 = w
    t = w1 * x1 + w2 * x2
    part1 = np.exp(t * t + w6)
    part2 = np.tanh(part1 + w7)
    z = w8 + np.sin(w3 * x3) * (w4 * x4 + w5 * x5)
    part3 = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid(z), without overflow
    out: FloatArray = part3 * w9 + part2
    return out


def make_nine_weight_table(
    n: int = 506, noise: float = 0.1, seed: Seed = 0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A regression table shaped like the nine-weight workflow's (506 rows, 5 features).

    Features are standardised (each column mean 0, standard deviation 1); targets are the
    nine-weight graph's output at hidden true weights plus Gaussian noise of std `noise`.

    Returns:
        X of shape (n, 5), y of shape (n,), and the true weights w1..w9 of shape (9,).
    """
    n = _count("n", n, 2)
    noise = _nonneg("noise", noise)
    rng = _rng(seed)
    raw = rng.standard_normal((n, 5))
    X = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    w = np.array(NINE_WEIGHT_TRUE, dtype=np.float64)
    y = _nine_weight_forward(X, w) + noise * rng.standard_normal(n)
    return X, y, w


# ----------------------------------------------------------------------------------
# Splitting and batching
# ----------------------------------------------------------------------------------


def _same_length(arrays: tuple[Any, ...], who: str) -> tuple[list[Array], int]:
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
    arrs, n = _same_length(arrays, "train_test_split")
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
    order = _rng(seed).permutation(n) if shuffle else np.arange(n)
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
    arrs, n = _same_length(arrays, "batches")
    batch_size = _count("batch_size", batch_size)
    order = _rng(seed).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        rows = order[start : start + batch_size]
        if drop_last and len(rows) < batch_size:
            return
        yield tuple(a[rows] for a in arrs)


# ----------------------------------------------------------------------------------
# Scalers
# ----------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------
# IDX files (the MNIST format)
# ----------------------------------------------------------------------------------

#: IDX type code -> (big-endian numpy dtype, name).
IDX_TYPES: dict[int, tuple[str, str]] = {
    0x08: (">u1", "unsigned byte"),
    0x09: (">i1", "signed byte"),
    0x0B: (">i2", "short"),
    0x0C: (">i4", "int"),
    0x0D: (">f4", "float"),
    0x0E: (">f8", "double"),
}

_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | os.PathLike[str]) -> Array:
    """Read one IDX file (plain or gzip-compressed, told apart by its first bytes).

    The header is two zero bytes, a type code, the number of dimensions, then each
    dimension as a big-endian 32-bit integer; the data follow, big-endian. Returns an
    array of that shape in native byte order (uint8 for MNIST).

    Raises:
        ValueError: naming the file and the problem (bad magic, unknown type code,
            truncated header or data, trailing bytes, corrupt gzip).
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: not a readable gzip file ({exc})") from None
    if len(raw) < 4:
        raise ValueError(
            f"{path}: truncated: the IDX header needs 4 bytes, the file has {len(raw)}"
        )
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"{path}: bad magic: an IDX file starts with two zero bytes, got {raw[:4].hex(' ')}"
        )
    code, ndim = raw[2], raw[3]
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X} ({name})" for c, (_, name) in IDX_TYPES.items())
        raise ValueError(f"{path}: unknown type code 0x{code:02X}; IDX knows {known}")
    if ndim == 0:
        raise ValueError(f"{path}: the header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{path}: truncated header: {ndim} dimensions need {header} bytes, "
            f"the file has {len(raw)}"
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(IDX_TYPES[code][0])
    expected = math.prod(shape) * dtype.itemsize
    got = len(raw) - header
    if got < expected:
        raise ValueError(
            f"{path}: truncated: shape {shape} of {IDX_TYPES[code][1]} needs {expected} bytes "
            f"of data, got {got}"
        )
    if got > expected:
        raise ValueError(
            f"{path}: {got - expected} trailing bytes: shape {shape} needs {expected} bytes "
            f"of data, got {got}"
        )
    data = np.frombuffer(raw, dtype=dtype, count=math.prod(shape), offset=header)
    return data.reshape(shape).astype(dtype.newbyteorder("="))


_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def _find_idx(directory: Path, stem: str) -> Path | None:
    dotted = stem.replace("-idx", ".idx")  # some copies are named train-images.idx3-ubyte
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def load_mnist(
    directory: str | os.PathLike[str], *, flatten: bool = True
) -> tuple[FloatArray, IntArray, FloatArray, IntArray]:
    """Read MNIST (or any data set in its four-file IDX layout) from `directory`.

    Looks for train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
    t10k-labels-idx1-ubyte, each plain or with .gz. Nothing is downloaded.

    Returns:
        X_train, y_train, X_test, y_test: images as float64 in [0, 1] (flattened to rows
        of 784 unless `flatten` is False), labels as int64.
    """
    directory = Path(directory)
    found = {key: _find_idx(directory, stem) for key, stem in _MNIST_FILES.items()}
    missing = [_MNIST_FILES[key] for key, path in found.items() if path is None]
    if missing:
        raise FileNotFoundError(
            f"MNIST files missing in {directory}: {', '.join(missing)} (plain or .gz). "
            "tinygrad_lite downloads nothing: put the four IDX files there yourself, or use "
            "tinygrad_lite.data.load_digits() for a small digits set that needs no download."
        )
    arrays = {key: read_idx(path) for key, path in found.items() if path is not None}
    out: list[Any] = []
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"{directory}: {part} images have shape {images.shape} but labels have shape "
                f"{labels.shape}; they need one label per image"
            )
        X = images.astype(np.float64) / 255.0
        if flatten:
            X = X.reshape(len(X), -1)
        out += [X, labels.astype(np.int64)]
    return out[0], out[1], out[2], out[3]


def load_digits() -> tuple[FloatArray, IntArray]:
    """scikit-learn's bundled 8x8 handwritten digits: 1797 rows of 64 pixels in [0, 1].

    Needs scikit-learn (``pip install scikit-learn`` or ``pip install tinygrad_lite[data]``);
    the data ship inside that package, so nothing is downloaded.
    """
    try:
        datasets = importlib.import_module("sklearn.datasets")
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn, which bundles the 8x8 digits: "
            "pip install scikit-learn  (or: pip install tinygrad_lite[data])"
        ) from None
    bunch = datasets.load_digits()
    X = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    return X, y
