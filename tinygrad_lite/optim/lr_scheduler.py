"""Learning-rate schedules that change an optimizer's ``param_groups[i]["lr"]`` each epoch.

Used as in PyTorch: make the scheduler after the optimizer, call ``optimizer.step()``
for every batch and ``scheduler.step()`` once per epoch::

    opt = SGD(model.parameters(), lr=0.1)
    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, opt)
        sched.step()

Each schedule computes the next rate from the current one (PyTorch's "chainable" form),
with PyTorch's formulas, so the rates are the ones `torch.optim.lr_scheduler` gives, step
for step, and a rate changed by hand in between is carried forward as there. Creating a
scheduler records each group's starting rate as ``"initial_lr"``; ``last_epoch=k`` resumes a
schedule and needs that entry (from an optimizer state saved after the scheduler was made).

Not offered: ``step(epoch)`` (deprecated in PyTorch) and ``get_lr()`` (whose value outside
``step`` PyTorch itself warns about); use ``get_last_lr()``.
"""

from __future__ import annotations

import math
from typing import Any

from tinygrad_lite.optim.optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "StepLR"]


def _epoch(last_epoch: Any) -> int:
    if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
        raise ValueError(f"last_epoch must be an int >= -1, got {last_epoch!r}")
    return last_epoch


def _positive_int(who: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{who}: {name} must be a positive int, got {value!r}")
    return value


def _number(who: str, name: str, value: Any, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__}")
    bad = not math.isfinite(value) or value < 0 or (positive and value == 0)
    if bad:
        raise ValueError(f"{who}: {name} must be {'> 0' if positive else '>= 0'}, got {value!r}")
    return float(value)


class LRScheduler:
    """Base class of the schedules: each `step` sets every group's ``"lr"`` to the next rate.

    Args:
        optimizer: the optimizer whose learning rates this schedule sets.
        last_epoch: the index of the last epoch done; -1 (the default) starts afresh.

    Attributes:
        base_lrs: each group's ``"initial_lr"``.
        last_epoch: how many times `step` has run since epoch 0 (0 right after creation).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a learning-rate scheduler needs an Optimizer, got {optimizer!r:.60}")
        self.optimizer = optimizer
        self.last_epoch = _epoch(last_epoch)
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", group["lr"])
        for i, group in enumerate(groups):
            if "initial_lr" not in group:
                raise KeyError(
                    f"param_groups[{i}] has no 'initial_lr', which resuming a schedule with "
                    f"last_epoch={last_epoch} needs: load the optimizer state saved after the "
                    "scheduler was made, or start with last_epoch=-1"
                )
        self.base_lrs: list[float] = [float(group["initial_lr"]) for group in groups]
        self._step_count = 0
        self._initial = True
        self.step()
        self._initial = False

    def step(self) -> None:
        """Advance one epoch: ``last_epoch += 1`` and set every group's learning rate."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self._next_lrs(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _next_lrs(self) -> list[float]:
        """The rates for epoch `last_epoch`, from the current ones (subclasses define it)."""
        raise NotImplementedError

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rate of every group, as the last `step` set it."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer: epoch count, base rates and the schedule's settings."""
        return {key: value for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` returned (from a scheduler of the same kind)."""
        unknown = sorted(set(state) - set(vars(self)))
        if unknown:
            raise ValueError(f"{type(self).__name__} state has unknown entries {unknown}")
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.get_last_lr()})"


class StepLR(LRScheduler):
    """Multiply the learning rate by `gamma` every `step_size` epochs.

    lr at epoch e = initial lr * gamma ** (e // step_size), when nothing else changes it.
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = _number("StepLR", "gamma", gamma, positive=True)
        super().__init__(optimizer, last_epoch)

    def _next_lrs(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by `gamma` every epoch: initial lr * gamma ** epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _number("ExponentialLR", "gamma", gamma, positive=True)
        super().__init__(optimizer, last_epoch)

    def _next_lrs(self) -> list[float]:
        if self._initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from the initial rate down to `eta_min` over `T_max` epochs.

    lr at epoch e = eta_min + (initial lr - eta_min) * (1 + cos(pi * e / T_max)) / 2 for
    e <= T_max (PyTorch's form: each rate is computed from the previous one, so past
    T_max it climbs back up, and a rate changed by hand is carried forward).
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _number("CosineAnnealingLR", "eta_min", eta_min, positive=False)
        super().__init__(optimizer, last_epoch)

    def _next_lrs(self) -> list[float]:
        e, t_max, low = self.last_epoch, self.T_max, self.eta_min
        if self._initial:
            return self._current_lrs()
        if (e - 1 - t_max) % (2 * t_max) == 0:  # at the bottom: the ratio below would be 0/0
            rise = (1 - math.cos(math.pi / t_max)) / 2
            return [
                lr + (base - low) * rise
                for lr, base in zip(self._current_lrs(), self.base_lrs, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * e / t_max)) / (1 + math.cos(math.pi * (e - 1) / t_max))
        return [low + ratio * (lr - low) for lr in self._current_lrs()]
