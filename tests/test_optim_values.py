"""Value parameters take the optimizers' float path: the same numbers as the array path.

`tests/test_optim.py` checks both paths against reference formulas and PyTorch; here the
two paths must agree to the last bit, step for step, for every configuration.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_optim import CLASSES, CONFIGS, IDS

from tinygrad_lite import Tensor, Value
from tinygrad_lite.optim import SGD, Optimizer

GRADIENTS = np.random.default_rng(0).normal(size=(30, 4)) * [1.0, 1e-3, 30.0, 0.0]
START = [0.5, -1.5, 2.0, 0.0]


@pytest.mark.parametrize(("name", "kw"), CONFIGS, ids=IDS)
def test_floats_and_arrays_take_identical_steps(name: str, kw: dict[str, Any]) -> None:
    values = [Value(x) for x in START]
    tensors = [Tensor(np.array(x), requires_grad=True) for x in START]  # 0-d arrays
    by_floats, by_arrays = CLASSES[name](values, **kw), CLASSES[name](tensors, **kw)
    for row in GRADIENTS:
        for v, t, g in zip(values, tensors, row, strict=True):
            v.grad, t.grad = float(g), np.array(g)
        by_floats.step()
        by_arrays.step()
        assert [v.data for v in values] == [float(t.data) for t in tensors]
        assert all(type(v.data) is float for v in values)


def test_an_optimizer_without_a_float_version_still_updates_values() -> None:
    class Halve(Optimizer):
        def __init__(self, params: list[Value]) -> None:
            super().__init__(params, {"lr": 1.0})

        def _update(
            self, x: np.ndarray, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]
        ) -> None:
            x -= 0.5 * g

    w = Value(3.0)
    w.grad = 2.0
    Halve([w]).step()
    assert w.data == 2.0
    assert type(w.data) is float


def test_state_saved_as_arrays_loads_into_float_buffers() -> None:
    w = Value(1.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    opt.load_state_dict({"lr": 0.1, "state": [{"momentum": np.array(2.0)}]})
    w.grad = 1.0
    opt.step()  # buffer = 0.9 * 2 + 1
    assert opt.state[0]["momentum"] == 2.8
    assert type(opt.state[0]["momentum"]) is float
    assert w.data == 1.0 - 2.8 * 0.1


def test_a_value_whose_grad_was_set_to_none_is_skipped() -> None:
    w, v = Value(1.0), Value(2.0)
    w.grad, v.grad = None, 1.0  # type: ignore[assignment]
    SGD([w, v], lr=0.5).step()
    assert (w.data, v.data) == (1.0, 1.5)


def test_values_and_tensors_in_one_optimizer() -> None:
    v, t = Value(1.0), Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Value(-1.0)
    v.grad, w.grad, t.grad = 0.5, None, np.array([1.0, -1.0])  # type: ignore[assignment]
    SGD([v, t, w], lr=0.1).step()
    assert v.data == 1.0 - 0.5 * 0.1
    assert w.data == -1.0  # no gradient: left alone
    np.testing.assert_array_equal(t.data, [1.0 - 0.1, 2.0 + 0.1])


def test_a_gradient_recorded_as_a_node_is_used_as_its_value() -> None:
    x = Value(3.0)
    (x * x * x).backward(create_graph=True)  # x.grad is a node: 3 x**2
    SGD([x], lr=0.01).step()
    assert x.data == 3.0 - 27.0 * 0.01


def test_groups_with_their_own_settings_on_the_float_path() -> None:
    a, b = Value(1.0), Value(1.0)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = b.grad = 2.0
    opt.step()
    assert (a.data, b.data) == (1.0 - 2.0 * 0.1, 1.0 - 2.0 * 0.5)
    opt.param_groups[0]["lr"] = 0.25  # as a scheduler does: seen on the next step
    a.grad = 1.0
    opt.step()
    assert a.data == 0.8 - 0.25
