"""RMSprop: steps scaled by a running root mean square of the gradient."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node
from tinygrad_lite.optim.optimizer import Array, Group, Optimizer, State, check_number, scratch

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (uncentered), optionally with momentum and L2 weight decay.

    One step::

    g = g + wd * x
    s = alpha * s + (1 - alpha) * g**2
    b = mu * b + g / (sqrt(s) + eps);  x = x - lr * b      (momentum mu > 0)
    x = x - lr * g / (sqrt(s) + eps)                       (otherwise)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "momentum": momentum,
            "weight_decay": weight_decay,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: Group) -> None:
        super()._check_group(group)
        group["alpha"] = check_number("alpha", group["alpha"], 0.0, low_open=False, high=1.0)
        group["eps"] = check_number("eps", group["eps"], 0.0, low_open=False)
        group["momentum"] = check_number("momentum", group["momentum"], 0.0, low_open=False)
        group["weight_decay"] = check_number(
            "weight_decay", group["weight_decay"], 0.0, low_open=False
        )

    def _update(self, x: Array, g: Array, state: State, group: Group) -> None:
        wd, a, mu = group["weight_decay"], group["alpha"], group["momentum"]
        if wd:
            g = g + wd * x
        if "square_avg" not in state:
            state["square_avg"] = np.zeros_like(x)
        s, tmp = state["square_avg"], scratch(state, x)
        s *= a
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - a
        s += tmp
        np.sqrt(s, out=tmp)  # tmp becomes the step g / (sqrt(s) + eps)
        tmp += group["eps"]
        np.divide(g, tmp, out=tmp)
        if mu:
            buf = state.get("momentum")
            if buf is None:
                buf = state["momentum"] = np.zeros_like(x)
            buf *= mu
            buf += tmp
            np.copyto(tmp, buf)
        tmp *= group["lr"]
        x -= tmp

    def _update_floats(
        self, params: list[Node], grads: list[float], states: list[State], group: Group
    ) -> None:
        lr, a, eps = group["lr"], group["alpha"], group["eps"]
        mu, wd = group["momentum"], group["weight_decay"]
        for p, g, state in zip(params, grads, states, strict=True):
            x = p.data
            if wd:
                g = g + wd * x
            s = state["square_avg"] = state.get("square_avg", 0.0) * a + g * g * (1.0 - a)
            d = g / (math.sqrt(s) + eps)
            if mu:
                d = state["momentum"] = state.get("momentum", 0.0) * mu + d
            p.data = x - d * lr
