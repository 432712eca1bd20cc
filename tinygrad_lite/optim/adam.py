"""Adam (with L2 weight decay, as PyTorch's `Adam`) and AdamW (decoupled weight decay)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node
from tinygrad_lite.optim.optimizer import Array, Group, Optimizer, State, check_number, scratch

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam with bias correction; `weight_decay` adds wd * x to the gradient (L2, as PyTorch).

    One step, at step number t (from 1)::

        g = g + wd * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        x = x - lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    def _check_group(self, group: Group) -> None:
        super()._check_group(group)
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        group["betas"] = (
            check_number("betas[0]", betas[0], 0.0, low_open=False, high=1.0),
            check_number("betas[1]", betas[1], 0.0, low_open=False, high=1.0),
        )
        group["eps"] = check_number("eps", group["eps"], 0.0, low_open=False)
        group["weight_decay"] = check_number(
            "weight_decay", group["weight_decay"], 0.0, low_open=False
        )

    def _decay(self, x: Array, g: Array, group: Group) -> Array:
        """The gradient Adam sees: L2 decay folds wd * x into it."""
        wd = group["weight_decay"]
        return g + wd * x if wd else g

    def _update(self, x: Array, g: Array, state: State, group: Group) -> None:
        g = self._decay(x, g, group)
        b1, b2 = group["betas"]
        if "step" not in state:
            state["step"] = 0
            state["m"] = np.zeros_like(x)
            state["v"] = np.zeros_like(x)
        state["step"] += 1
        t = state["step"]
        m, v, tmp = state["m"], state["v"], scratch(state, x)
        m *= b1
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        np.sqrt(v, out=tmp)  # tmp becomes the denominator sqrt(v / (1 - b2**t)) + eps
        tmp /= math.sqrt(1.0 - b2**t)
        tmp += group["eps"]
        np.divide(m, tmp, out=tmp)
        tmp *= group["lr"] / (1.0 - b1**t)
        x -= tmp

    #: Weight decay applied to the parameter (AdamW), not added to the gradient.
    _decoupled = False

    def _update_floats(
        self, params: list[Node], grads: list[float], states: list[State], group: Group
    ) -> None:
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        (b1, b2), decoupled = group["betas"], self._decoupled
        last, root2, step1 = 0, 1.0, lr
        for p, g, state in zip(params, grads, states, strict=True):
            x = p.data
            if wd:
                if decoupled:
                    x = x * (1.0 - lr * wd)
                else:
                    g = g + wd * x
            t = state["step"] = state.get("step", 0) + 1
            if t != last:  # the bias corrections, once per step number
                last, root2, step1 = t, math.sqrt(1.0 - b2**t), lr / (1.0 - b1**t)
            m = state["m"] = state.get("m", 0.0) * b1 + g * (1.0 - b1)
            v = state["v"] = state.get("v", 0.0) * b2 + g * g * (1.0 - b2)
            p.data = x - m / (math.sqrt(v) / root2 + eps) * step1


class AdamW(Adam):
    """Adam with decoupled weight decay: x = x * (1 - lr * wd) before the Adam step."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    _decoupled = True

    def _decay(self, x: Array, g: Array, group: Group) -> Array:
        wd = group["weight_decay"]
        if wd:
            x *= 1.0 - group["lr"] * wd
        return g
