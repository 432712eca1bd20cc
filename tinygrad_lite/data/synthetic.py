"""Generated data sets for the course workflows: moons, spirals, a correlated Gaussian,
the paraboloid regression and a table shaped like the nine-weight homework's.

Features are float64 and class labels int64. Each generator takes a seed (an int or a
numpy Generator); ``seed=None`` draws from the library's generator, which
`tinygrad_lite.manual_seed` resets.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from tinygrad_lite.data._checks import FloatArray, IntArray, Seed, count, nonneg, rng_for

__all__ = [
    "make_correlated_gaussian",
    "make_moons",
    "make_nine_weight_table",
    "make_paraboloid",
    "make_spirals",
]


def make_moons(n: int = 100, noise: float = 0.1, seed: Seed = 0) -> tuple[FloatArray, IntArray]:
    """Two interleaving half circles in 2-D: a small set no straight line can separate.

    Returns:
        X of shape (n, 2) and labels y of shape (n,) in {0, 1}; the rows are shuffled.
    """
    n = count("n", n, 2)
    noise = nonneg("noise", noise)
    rng = rng_for(seed)
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
    n_per_class = count("n_per_class", n_per_class)
    n_classes = count("n_classes", n_classes)
    noise = nonneg("noise", noise)
    rng = rng_for(seed)
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
    n = count("n", n)
    dim = count("dim", dim)
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
    rng = rng_for(seed)
    return rng.multivariate_normal(np.zeros(dim), sigma, size=n).astype(np.float64)


def make_paraboloid(n: int = 100, seed: Seed = 0) -> tuple[FloatArray, FloatArray]:
    """`n` points uniform in [0, 1]^2 with target (x1^2 + x2^2) / 2 (a smooth regression).

    Returns:
        X of shape (n, 2) and y of shape (n,).
    """
    n = count("n", n)
    X = rng_for(seed).uniform(0.0, 1.0, size=(n, 2))
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
    n = count("n", n, 2)
    noise = nonneg("noise", noise)
    rng = rng_for(seed)
    raw = rng.standard_normal((n, 5))
    X = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    w = np.array(NINE_WEIGHT_TRUE, dtype=np.float64)
    y = _nine_weight_forward(X, w) + noise * rng.standard_normal(n)
    return X, y, w
