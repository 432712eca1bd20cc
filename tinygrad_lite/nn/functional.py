"""Losses and activations as functions of Tensors.

Everything here is composed from Tensor operations, so none of it has a derivative rule
of its own: backward runs through the primitives. Stable forms are used throughout:
`cross_entropy` goes through `log_softmax` (no exp overflow, no log of 0) and
`binary_cross_entropy_with_logits` never exponentiates a positive number.

Reductions: ``"mean"`` (default) averages over every element, ``"sum"`` adds them, and
``"none"`` returns the per-element (per-sample for `cross_entropy`) losses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite import ops
from tinygrad_lite.autograd import record
from tinygrad_lite.errors import DomainError
from tinygrad_lite.seed import default_generator
from tinygrad_lite.tensor import Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

_REDUCTIONS = ("mean", "sum", "none")


def _tensor(x: Any, who: str, what: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray | list | tuple | float | int) and not isinstance(x, bool):
        return Tensor(x)
    raise TypeError(f"{who}: {what} must be a Tensor or an array, got {type(x).__name__}")


def _pair(pred: Any, target: Any, who: str) -> tuple[Tensor, Tensor]:
    p = _tensor(pred, who, "the prediction")
    t = _tensor(target, who, "the target")
    if p.shape != t.shape:
        raise ValueError(
            f"{who}: prediction shape {p.shape} and target shape {t.shape} differ "
            "(reshape one of them; losses do not broadcast)"
        )
    return p, t


def _reduce(loss: Tensor, reduction: str, who: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{who}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


# --- layers -------------------------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight + bias as one graph node; `weight` has shape (n_in, n_out).

    (PyTorch's `F.linear` takes the transposed weight, (n_out, n_in).) Without a bias
    this is plain `x @ weight`.
    """
    x = _tensor(x, "linear", "the input")
    w = _tensor(weight, "linear", "the weight")
    if bias is None:
        return x @ w
    return linear_node(x, w, _tensor(bias, "linear", "the bias"))


def linear_node(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """`linear` once all three are Tensors (`Linear` calls it): check shapes, record."""
    xd, wd, bd = x.data, w.data, b.data
    if wd.ndim != 2 or xd.ndim == 0 or xd.shape[-1] != wd.shape[0] or bd.shape != wd.shape[1:]:
        raise ValueError(
            f"linear: input {x.shape}, weight {w.shape} and bias {b.shape} do not fit "
            "(need input (..., n_in), weight (n_in, n_out), bias (n_out,))"
        )
    return record(Tensor, ops.LINEAR, None, None, (x, w, b), Tensor._run(ops.LINEAR, xd, wd, bd))


# --- activations --------------------------------------------------------------------------


def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return _tensor(x, "relu", "the input").relu()


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), elementwise, stable for any sign."""
    return _tensor(x, "sigmoid", "the input").sigmoid()


def tanh(x: Tensor) -> Tensor:
    """tanh(x), elementwise."""
    return _tensor(x, "tanh", "the input").tanh()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x; the derivative at 0 is the slope (as PyTorch)."""
    return _tensor(x, "leaky_relu", "the input").leaky_relu(negative_slope)


def softmax(x: Tensor, dim: int = -1, *, axis: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim` (or numpy's `axis`), after subtracting the maximum."""
    return _tensor(x, "softmax", "the input").softmax(dim, axis=axis)


def log_softmax(x: Tensor, dim: int = -1, *, axis: int | None = None) -> Tensor:
    """x - logsumexp(x) along `dim` (or `axis`): the log-probabilities, never log(0)."""
    return _tensor(x, "log_softmax", "the input").log_softmax(dim, axis=axis)


def check_dropout_p(p: Any, who: str) -> float:
    """`p` as a float in [0, 1], or an error naming `who` and the value."""
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise TypeError(f"{who}: p must be a probability (a number), got {type(p).__name__}")
    if not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{who}: p must lie in [0, 1], got {p!r}")
    return float(p)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero entries with probability `p`, scale the rest by 1/(1-p); the identity if not training.

    The mask comes from the library's generator (`tinygrad_lite.manual_seed` repeats it)
    and enters the graph as a constant, so the gradient is the same mask. With ``p=1``
    every entry is zeroed, as PyTorch does.
    """
    t = _tensor(x, "dropout", "the input")
    rate = check_dropout_p(p, "dropout")
    if not training or rate == 0.0:
        return t
    keep = default_generator().random(t.shape) >= rate
    scale = 0.0 if rate == 1.0 else 1.0 / (1.0 - rate)
    return t * Tensor((keep * scale).astype(t.dtype))


# --- regression losses ---------------------------------------------------------------------


def mse_loss(pred: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(pred - target)**2, reduced; one graph node (op `mse`). The shapes must match exactly."""
    p, t = _pair(pred, target, "mse_loss")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"mse_loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return Tensor._call(ops.mse_op(reduction), p, t)


def l1_loss(pred: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|pred - target|, reduced; its gradient is sign(pred - target) (0 where they are equal)."""
    p, t = _pair(pred, target, "l1_loss")
    d = p - t
    sign = Tensor(np.sign(d.data))  # a constant: |d| = d * sign(d)
    return _reduce(d * sign, reduction, "l1_loss")


# --- classification losses ----------------------------------------------------------------


def _labels(labels: Any, n: int, n_classes: int) -> np.ndarray[Any, Any]:
    """Integer class labels as an int array of shape (n,), each in [0, n_classes)."""
    arr = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if arr.shape != (n,):
        raise ValueError(
            f"cross_entropy: logits of shape ({n}, {n_classes}) need labels of shape ({n},), "
            f"got shape {arr.shape} (class indices; class probabilities would be floats of "
            f"shape ({n}, {n_classes}))"
        )
    if arr.dtype.kind not in "iu":
        kind = "a Tensor" if isinstance(labels, Tensor) else "an array"
        raise TypeError(
            f"cross_entropy: labels must be integer class indices, got {kind} of dtype "
            f"{arr.dtype}; convert them (labels.long() for a Tensor, labels.astype(int) for "
            "numpy; tl.tensor([0, 2, 1]) makes int64 labels, Tensor([...]) makes floats), or "
            f"pass class probabilities of shape ({n}, {n_classes})"
        )
    bad = (arr < 0) | (arr >= n_classes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"cross_entropy: label {int(arr[i])} at position {i} is out of range for "
            f"{n_classes} classes (labels must lie in 0..{n_classes - 1}); "
            f"{int(bad.sum())} bad label(s) in all"
        )
    return arr


def _is_probabilities(labels: Any, shape: tuple[int, ...]) -> bool:
    """Whether `labels` are class probabilities: floats shaped like the logits."""
    if isinstance(labels, Tensor):
        return labels.shape == shape and labels.dtype.kind == "f"
    if isinstance(labels, np.ndarray | list | tuple):
        arr = np.asarray(labels)
        return arr.shape == shape and arr.dtype.kind == "f"
    return False


def cross_entropy(logits: Tensor, labels: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of (n, C) logits against class indices or class probabilities.

    `labels` are n integer class indices in 0..C-1 (the usual case, one fused graph node),
    or an (n, C) float array or Tensor of class probabilities, as PyTorch accepts; then
    the loss of row i is -sum_c labels[i, c] * log_softmax(logits)[i, c], and gradients
    reach a probability Tensor too. ``reduction="mean"`` averages over the n rows.

    Raises:
        TypeError: float labels of shape (n,): class indices must be integers, as in
            PyTorch (``tl.tensor([0, 2])`` is int64; ``Tensor([0, 2])`` holds floats).
        ValueError: labels of another shape, or an index outside 0..C-1.
    """
    z = _tensor(logits, "cross_entropy", "the logits")
    if z.ndim != 2:
        raise ValueError(f"cross_entropy: logits must have shape (n, classes), got shape {z.shape}")
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"cross_entropy: reduction must be one of {_REDUCTIONS}, got {reduction!r}"
        )
    if _is_probabilities(labels, z.shape):
        probs = _tensor(labels, "cross_entropy", "the class probabilities")
        per_row = -(probs * z.log_softmax(axis=1)).sum(axis=1)
        return _reduce(per_row, reduction, "cross_entropy")
    n, n_classes = z.shape
    y = _labels(labels, n, n_classes)
    return Tensor._call(ops.cross_entropy_op(reduction), z, y)


def _check_unit(name: str, arr: Any, who: str) -> None:
    a = np.asarray(arr)
    bad = ~((a >= 0.0) & (a <= 1.0))
    if bad.any():
        raise ValueError(f"{who}: {name} must lie in [0, 1], got {a[bad].flat[0]!r}")


def binary_cross_entropy(probs: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """-(t * log(p) + (1 - t) * log(1 - p)) for probabilities p in (0, 1).

    There is no clipping (PyTorch clamps log at -100 instead): a probability of exactly 0
    or 1 raises a `DomainError` that suggests the with-logits form (with float64 a sigmoid
    saturates there for logits beyond about +-37). Pass logits to
    `binary_cross_entropy_with_logits` (`nn.BCEWithLogitsLoss`), which has no such limit.
    """
    p, t = _pair(probs, targets, "binary_cross_entropy")
    _check_unit("probabilities", p.data, "binary_cross_entropy")
    _check_unit("targets", t.data, "binary_cross_entropy")
    edge = (p.data == 0.0) | (p.data == 1.0)
    if edge.any():
        where = tuple(int(i) for i in np.argwhere(edge)[0])
        raise DomainError(
            "binary_cross_entropy",
            f"probability {float(p.data[where])!r} at index {where} has log(0) in the loss "
            f"({int(edge.sum())} such entries); a sigmoid output rounds to exactly 0 or 1 "
            "for large logits, so pass the logits to binary_cross_entropy_with_logits "
            "(nn.BCEWithLogitsLoss) instead",
        )
    loss = -(t * p.log() + (1.0 - t) * (1.0 - p).log())
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    logits: Tensor, targets: Any, reduction: str = "mean"
) -> Tensor:
    """binary_cross_entropy(sigmoid(z), t), computed stably for any logit z.

    Uses softplus(z) - t * z with softplus(z) = max(z, 0) + log(1 + exp(-|z|)): the
    exponent is never positive. The branch (z > 0 or not) is a constant mask, so the
    gradient is sigmoid(z) - t everywhere, including z = 0.
    """
    z, t = _pair(logits, targets, "binary_cross_entropy_with_logits")
    _check_unit("targets", t.data, "binary_cross_entropy_with_logits")
    mask = (z.data > 0).astype(z.data.dtype)
    positive = Tensor(mask)  # constants: 1 where z > 0, else 0
    sign = Tensor(2.0 * mask - 1.0)  # +1 where z > 0, -1 elsewhere: z * sign = |z|
    softplus = z * positive + (1.0 + (-(z * sign)).exp()).log()
    return _reduce(softplus - t * z, reduction, "binary_cross_entropy_with_logits")
