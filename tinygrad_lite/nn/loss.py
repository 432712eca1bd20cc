"""Loss modules, named and called as in PyTorch: ``loss = nn.CrossEntropyLoss()``, then
``loss(model(x), y)``.

Each one holds its `reduction` and calls the function of the same loss in
`tinygrad_lite.nn.functional`, where the formulas, the stable forms and the argument
checks live. ``reduction`` is ``"mean"`` (the default), ``"sum"`` or ``"none"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_lite.nn import functional as F
from tinygrad_lite.nn.module import Module
from tinygrad_lite.tensor import Tensor

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "L1Loss", "MSELoss"]

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    """A loss module: checks `reduction` once, then calls `_function(input, target, reduction)`."""

    _function: Callable[..., Tensor]

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, got {reduction!r}"
            )
        self.reduction = reduction

    def forward(self, input: Any, target: Any) -> Tensor:
        return type(self)._function(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error, (input - target)**2 reduced; the shapes must match exactly."""

    _function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """Mean absolute error, |input - target| reduced; the shapes must match exactly."""

    _function = staticmethod(F.l1_loss)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of (n, C) logits against n integer class indices.

    Takes raw scores (logits), not probabilities: the softmax is inside, computed stably.
    Class probabilities of shape (n, C) are accepted as targets too, as in PyTorch.
    PyTorch's `weight`, `ignore_index` and `label_smoothing` are not offered.

    Examples:
        >>> import numpy as np
        >>> from tinygrad_lite import Tensor
        >>> loss = CrossEntropyLoss()
        >>> round(loss(Tensor([[0.0, 0.0]]), np.array([1])).item(), 4)  # log 2
        0.6931
    """

    _function = staticmethod(F.cross_entropy)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in (0, 1) against targets in [0, 1].

    A probability of exactly 0 or 1 is an error that suggests `BCEWithLogitsLoss`.
    """

    _function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of sigmoid(logits), computed stably for any logit."""

    _function = staticmethod(F.binary_cross_entropy_with_logits)
