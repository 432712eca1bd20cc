"""Stochastic gradient descent, optionally with (Nesterov) momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node
from tinygrad_lite.optim.optimizer import Array, Group, Optimizer, State, check_number, scratch

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and weight decay.

    With weight decay wd, momentum mu and learning rate lr, one step is::

        d = g + wd * x
        b = d                      on the first step
        b = mu * b + d             afterwards
        d = d + mu * b   (nesterov) or   d = b   (plain momentum)
        x = x - lr * d

    This is PyTorch's rule, including its first step for the momentum buffer, so a
    trajectory here matches `torch.optim.SGD` step for step.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "nesterov": nesterov,
            "weight_decay": weight_decay,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: Group) -> None:
        super()._check_group(group)
        group["momentum"] = check_number("momentum", group["momentum"], 0.0, low_open=False)
        group["weight_decay"] = check_number(
            "weight_decay", group["weight_decay"], 0.0, low_open=False
        )
        group["nesterov"] = bool(group["nesterov"])
        if group["nesterov"] and group["momentum"] == 0.0:
            raise ValueError("nesterov=True needs a momentum > 0")

    def _update(self, x: Array, g: Array, state: State, group: Group) -> None:
        wd, mu = group["weight_decay"], group["momentum"]
        d = g + wd * x if wd else g
        if mu:
            buf = state.get("momentum")
            if buf is None:
                buf = state["momentum"] = np.array(d, copy=True)
            else:
                buf *= mu
                buf += d
            d = d + mu * buf if group["nesterov"] else buf
        tmp = scratch(state, x)
        np.multiply(d, group["lr"], out=tmp)
        x -= tmp

    def _update_floats(
        self, params: list[Node], grads: list[float], states: list[State], group: Group
    ) -> None:
        lr, mu, wd, nesterov = (
            group["lr"],
            group["momentum"],
            group["weight_decay"],
            group["nesterov"],
        )
        for p, g, state in zip(params, grads, states, strict=True):
            x = p.data
            d = g + wd * x if wd else g
            if mu:
                buf = state.get("momentum")
                buf = state["momentum"] = d if buf is None else buf * mu + d
                d = d + mu * buf if nesterov else buf
            p.data = x - d * lr
