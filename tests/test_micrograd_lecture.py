"""The micrograd lecture's code, run as written there with only the imports changed."""

from __future__ import annotations

import math

import pytest

from tinygrad_lite import Value
from tinygrad_lite.nn import MLP
from tinygrad_lite.viz import draw_dot

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def lecture_exercise(n: MLP, steps: int = 100) -> float:
    """The lecture's training loop, verbatim apart from the names of the loop variables."""
    for _ in range(steps):
        ypred = [n(x) for x in XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred, strict=True))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()  # type: ignore[union-attr]
        for p in n.parameters():
            p.data += -0.05 * p.grad
    return float(loss.data)  # type: ignore[union-attr]


def test_the_four_sample_exercise_converges_with_the_defaults() -> None:
    """MLP(3, [4, 4, 1]) after 100 steps of lr 0.05: below 0.05 for at least 9 of 10 seeds."""
    losses = [lecture_exercise(MLP(3, [4, 4, 1], seed=s)) for s in range(10)]
    assert sum(loss < 0.05 for loss in losses) >= 9, losses


def test_with_relu_units_some_seeds_get_stuck() -> None:
    """Why tanh is the default: with ReLU, a layer's units can all be dead on the four
    samples (from the start, or after the first large step); the output is then a
    constant, no gradient reaches any weight, and the loss stays at exactly 4.0."""
    stuck = []
    for s in range(10):
        n = MLP(3, [4, 4, 1], "relu", seed=s)
        if lecture_exercise(n) == 4.0:
            stuck.append(s)
            assert len({n(x).data for x in XS}) == 1  # type: ignore[union-attr]
            weights = n.parameters()[:-1]  # all but the output's bias
            assert all(p.grad == 0.0 for p in weights)
    assert len(stuck) >= 3, "several ReLU networks should get stuck"


def test_the_hand_built_neuron() -> None:
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5), abs=1e-12)
    # do/dn = 1 - o**2 = 0.5, then the chain rule through + and *
    assert (n.grad, b.grad, x1w1.grad) == pytest.approx((0.5, 0.5, 0.5))
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))
    dot = draw_dot(o)
    assert all(name in dot.source for name in ("x1*w1 + x2*w2", "w1", "o"))


def test_tanh_written_with_exp_and_division_gives_the_same_gradients() -> None:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5), abs=1e-12)
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))


def test_a_node_used_twice_accumulates() -> None:
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    b.backward()
    assert a.grad == 2.0
    a, c = Value(-2.0, label="a"), Value(3.0, label="b")
    d = a * c
    e = a + c
    f = d * e
    f.backward()
    assert (a.grad, c.grad) == (1.0 * 3.0 + -6.0, 1.0 * -2.0 + -6.0)  # e*b + d, e*a + d
