"""Parameter groups and learning-rate schedules: against torch.optim, step by step."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from tests.optional import require
from tinygrad_lite import Tensor, Value
from tinygrad_lite.nn import Linear
from tinygrad_lite.optim import SGD, Adam, AdamW, RMSprop
from tinygrad_lite.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LRScheduler,
    StepLR,
)

# --- param_groups -------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop])
def test_every_optimizer_has_param_groups_with_its_hyperparameters(cls: Any) -> None:
    a, b = Value(1.0), Value(2.0)
    opt = cls([a, b], lr=0.1)
    assert len(opt.param_groups) == 1
    group = opt.param_groups[0]
    assert group["params"] == [a, b]
    assert group["lr"] == 0.1
    assert opt.lr == 0.1
    assert set(group) > {"params", "lr"}  # and the rule's own settings


def test_changing_a_groups_lr_between_steps_is_honoured() -> None:
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    w.grad = 2.0
    opt.step()
    assert w.data == pytest.approx(1.0 - 0.1 * 2.0, abs=1e-15)
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    assert w.data == pytest.approx(0.8 - 0.5 * 2.0, abs=1e-15)
    opt.lr = 0.25  # the attribute sets every group
    assert opt.param_groups[0]["lr"] == 0.25


def test_per_group_options_as_in_pytorch() -> None:
    torch = require("torch")
    first, second = Linear(3, 2, bias=False, seed=0), Linear(2, 1, bias=False, seed=1)
    opt = SGD(
        [{"params": first.parameters()}, {"params": second.parameters(), "lr": 0.5}],
        lr=0.1,
        momentum=0.9,
    )
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9]
    t_first = torch.nn.Parameter(torch.from_numpy(first.weight.data.copy()))
    t_second = torch.nn.Parameter(torch.from_numpy(second.weight.data.copy()))
    t_opt = torch.optim.SGD(
        [{"params": [t_first]}, {"params": [t_second], "lr": 0.5}], lr=0.1, momentum=0.9
    )
    x = np.random.default_rng(0).standard_normal((4, 3))
    for _ in range(3):
        opt.zero_grad()
        (first(Tensor(x)) @ second.weight).sum().backward()
        opt.step()
        t_opt.zero_grad()
        ((torch.from_numpy(x) @ t_first) @ t_second).sum().backward()
        t_opt.step()
    np.testing.assert_allclose(first.weight.data, t_first.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(second.weight.data, t_second.detach().numpy(), rtol=1e-12)


def test_bad_groups_are_named() -> None:
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=r"already in another parameter group"):
        SGD([{"params": [a]}, {"params": [a, b]}], lr=0.1)
    with pytest.raises(TypeError, match="not a mix"):
        SGD([{"params": [a]}, b], lr=0.1)
    with pytest.raises(ValueError, match=r"lr must be > 0"):
        SGD([{"params": [a], "lr": 0.0}], lr=0.1)
    opt = SGD([a], lr=0.1)
    a.grad = 1.0
    opt.step()  # checked once; a value changed afterwards is checked again
    opt.param_groups[0]["lr"] = "big"
    with pytest.raises(TypeError, match="lr must be a number"):
        opt.step()
    opt.param_groups[0]["lr"] = -0.1
    with pytest.raises(ValueError, match="lr must be >= 0"):
        opt.step()


def test_state_dict_keeps_groups_and_reads_the_older_form() -> None:
    a, b = Value(1.0), Value(2.0)
    opt = Adam([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    saved = opt.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1]]
    fresh = Adam([{"params": [a]}, {"params": [b]}], lr=0.01)
    fresh.load_state_dict(saved)
    assert [g["lr"] for g in fresh.param_groups] == [0.1, 0.5]
    fresh.load_state_dict({"lr": 0.3, "state": [{}, {}]})  # the form without groups
    assert [g["lr"] for g in fresh.param_groups] == [0.3, 0.3]
    with pytest.raises(ValueError, match=r"groups of sizes \[1, 1\], this optimizer has \[2\]"):
        Adam([a, b]).load_state_dict(saved)


# --- schedules against torch ----------------------------------------------------------------

SCHEDULES: list[tuple[str, dict[str, Any]]] = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 5}),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}),
]
OURS: dict[str, type[LRScheduler]] = {
    "StepLR": StepLR,
    "ExponentialLR": ExponentialLR,
    "CosineAnnealingLR": CosineAnnealingLR,
}
IDS = [f"{name}-{kw}" for name, kw in SCHEDULES]


def _pair(torch: Any, name: str, kw: dict[str, Any], lr: float = 0.1) -> tuple[Any, Any]:
    ours = OURS[name](SGD([Value(1.0)], lr=lr), **kw)
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    theirs = getattr(torch.optim.lr_scheduler, name)(torch.optim.SGD([param], lr=lr), **kw)
    return ours, theirs


@pytest.mark.parametrize(("name", "kw"), SCHEDULES, ids=IDS)
def test_learning_rates_match_torch_step_by_step(name: str, kw: dict[str, Any]) -> None:
    """25 epochs (past T_max, where the cosine climbs back): rate and last_epoch each epoch."""
    torch = require("torch")
    ours, theirs = _pair(torch, name, kw)
    for _ in range(25):
        assert ours.last_epoch == theirs.last_epoch
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12, abs=1e-15)
        assert ours.optimizer.param_groups[0]["lr"] == pytest.approx(
            theirs.optimizer.param_groups[0]["lr"], rel=1e-12, abs=1e-15
        )
        ours.optimizer.step()
        theirs.optimizer.step()
        ours.step()
        theirs.step()


@pytest.mark.parametrize(("name", "kw"), SCHEDULES, ids=IDS)
def test_a_rate_changed_by_hand_is_carried_forward_as_in_torch(
    name: str, kw: dict[str, Any]
) -> None:
    torch = require("torch")
    ours, theirs = _pair(torch, name, kw)
    for epoch in range(12):
        if epoch == 4:
            ours.optimizer.param_groups[0]["lr"] = 0.05
            theirs.optimizer.param_groups[0]["lr"] = 0.05
        theirs.optimizer.step()  # torch warns when a schedule steps before its optimizer
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("name", "kw"), SCHEDULES, ids=IDS)
def test_resuming_with_last_epoch_matches_torch(name: str, kw: dict[str, Any]) -> None:
    """A schedule made with last_epoch=k over an optimizer that has initial_lr, as torch."""
    torch = require("torch")
    ours, theirs = _pair(torch, name, kw)
    for _ in range(6):
        theirs.optimizer.step()
        ours.step()
        theirs.step()
    again = OURS[name](ours.optimizer, last_epoch=ours.last_epoch, **kw)
    t_again = getattr(torch.optim.lr_scheduler, name)(
        theirs.optimizer, last_epoch=theirs.last_epoch, **kw
    )
    for _ in range(8):
        assert again.last_epoch == t_again.last_epoch
        assert again.get_last_lr() == pytest.approx(t_again.get_last_lr(), rel=1e-12, abs=1e-15)
        t_again.optimizer.step()
        again.step()
        t_again.step()


def test_closed_forms_hold_for_an_untouched_schedule() -> None:
    """The documented formulas, written independently of the recursive code."""
    step = StepLR(SGD([Value(1.0)], lr=1.0), step_size=3, gamma=0.5)
    expo = ExponentialLR(SGD([Value(1.0)], lr=1.0), gamma=0.9)
    cos = CosineAnnealingLR(SGD([Value(1.0)], lr=1.0), T_max=10, eta_min=0.1)
    for e in range(11):
        assert step.get_last_lr()[0] == pytest.approx(0.5 ** (e // 3), rel=1e-14)
        assert expo.get_last_lr()[0] == pytest.approx(0.9**e, rel=1e-12)
        want = 0.1 + 0.9 * (1 + math.cos(math.pi * e / 10)) / 2
        assert cos.get_last_lr()[0] == pytest.approx(want, rel=1e-12, abs=1e-15)
        for s in (step, expo, cos):
            s.step()


def test_cosine_reaches_zero_and_the_optimizer_still_steps() -> None:
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=2)
    sched.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.0
    w.grad = 1.0
    opt.step()  # a rate of 0 from a schedule is allowed; only a fresh optimizer refuses it
    assert w.data == 1.0


def test_scheduler_state_round_trip() -> None:
    opt = SGD([Value(1.0)], lr=0.1)
    sched = StepLR(opt, step_size=2)
    for _ in range(3):
        sched.step()
    saved = sched.state_dict()
    assert saved["last_epoch"] == 3
    assert "optimizer" not in saved
    other = StepLR(SGD([Value(1.0)], lr=0.1), step_size=2)
    other.load_state_dict(saved)
    assert other.last_epoch == 3
    assert other.get_last_lr() == sched.get_last_lr()
    with pytest.raises(ValueError, match="unknown entries"):
        other.load_state_dict({"nope": 1})


def test_bad_scheduler_arguments_are_named() -> None:
    opt = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(TypeError, match="needs an Optimizer"):
        StepLR("sgd", step_size=2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="step_size must be a positive int"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive int"):
        CosineAnnealingLR(opt, T_max=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="gamma must be > 0"):
        ExponentialLR(opt, gamma=-1.0)
    with pytest.raises(ValueError, match="last_epoch must be an int >= -1"):
        ExponentialLR(opt, gamma=0.9, last_epoch=-2)
    fresh = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(fresh, step_size=2, last_epoch=3)
