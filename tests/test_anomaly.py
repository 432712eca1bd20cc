"""detect_anomaly: the first nan/inf in forward or backward, named with its op and line."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Tensor, Value
from tinygrad_lite.anomaly import AnomalyError, detect_anomaly
from tinygrad_lite.autograd import STATE


def _line() -> int:
    """The line number of the caller."""
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return frame.f_back.f_lineno


def test_forward_nan_names_op_inputs_and_line() -> None:
    a = Value(float("nan"), label="a")
    with detect_anomaly():
        line = _line() + 1
        with pytest.raises(AnomalyError) as info:
            a * 2
    err = info.value
    assert err.op == "mul"
    assert err.phase == "forward"
    assert err.location == f"{__file__}:{line + 1}"
    assert "nan" in str(err)
    assert "2.0" in str(err)
    assert "'mul'" in str(err)
    assert "a * 2" in str(err)  # the source line is quoted


def test_forward_inf_minus_inf() -> None:
    a, b = Value(float("inf")), Value(float("inf"))
    with detect_anomaly(), pytest.raises(AnomalyError, match="'sub' produced nan"):
        a - b


def test_backward_inf_is_caught_in_the_right_op() -> None:
    x = Value(1e-320, label="x")  # log is finite here, but 1/x overflows to inf
    with detect_anomaly():
        line = _line() + 1
        y = x.log() * 2.0
        with pytest.raises(AnomalyError) as info:
            y.backward()
    err = info.value
    assert err.phase == "backward"
    assert err.op == "log"
    assert err.location.endswith(f":{line}")
    assert "inf" in str(err)


def test_forward_with_tensors() -> None:
    x = Tensor(np.array([1.0, np.nan]), requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError, match="'mul' produced") as info:
        x * 2.0
    assert "nan" in str(info.value)


def test_clean_graphs_pass_and_hooks_are_restored() -> None:
    hooks, observers = list(STATE.creation_hooks), list(STATE.observers)
    a = Value(2.0)
    with detect_anomaly():
        out = (a * 3).tanh()
        out.backward()
    assert a.grad == pytest.approx(3 * (1 - np.tanh(6.0) ** 2))
    assert STATE.creation_hooks == hooks
    assert STATE.observers == observers
    with pytest.raises(AnomalyError), detect_anomaly():
        Value(float("nan")) + 1
    assert STATE.creation_hooks == hooks
    assert STATE.observers == observers


def test_outside_the_block_nan_passes_silently() -> None:
    out = Value(float("nan")) * 2
    assert np.isnan(out.data)


def test_forward_check_can_be_switched_off() -> None:
    with detect_anomaly(forward=False):
        out = Value(float("nan")) * 2
    assert np.isnan(out.data)


def test_top_level_names() -> None:
    assert tl.detect_anomaly is detect_anomaly
    assert issubclass(tl.AnomalyError, ArithmeticError)
