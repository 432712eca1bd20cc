"""The nine-weight graph: values, gradients (engine, by hand, numeric, torch), labels, scopes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.optional import require
from tinygrad_lite import Value, no_grad
from tinygrad_lite.autograd import toposort
from tinygrad_lite.examples import (
    NineWeightGraph,
    default_nine_weight_point,
    nine_weight_forward_by_hand,
    nine_weight_gradients_by_hand,
    nine_weight_graph,
)

X = [0.7, -0.4, 1.3, -0.9, 0.25]
Y = -0.5
W = [0.2, 0.5, -1.1, 0.6, 0.3, -0.2, 0.4, -0.3, 0.8]


def reference_loss(x: list[float], y: float, w: list[float]) -> float:
    """The workflow's formula typed out again, independently of the library."""
    t = w[0] * x[0] + w[1] * x[1]
    part1 = math.exp(t**2 + w[5])
    part2 = math.tanh(part1 + w[6])
    part3 = 1.0 / (1.0 + math.exp(-(w[7] + math.sin(w[2] * x[2]) * (w[3] * x[3] + w[4] * x[4]))))
    return (y - (part3 * w[8] + part2)) ** 2


def numeric_gradient(x: list[float], y: float, w: list[float], h: float = 1e-6) -> list[float]:
    out = []
    for i in range(9):
        up, down = list(w), list(w)
        up[i] += h
        down[i] -= h
        out.append((reference_loss(x, y, up) - reference_loss(x, y, down)) / (2 * h))
    return out


def engine_gradient(x: list[float], y: float, w: list[float]) -> list[float]:
    graph = nine_weight_graph(x, y, w)
    graph.loss.backward()
    return [float(p.grad) for p in graph.weights]


def test_values_match_plain_math() -> None:
    graph = nine_weight_graph(X, Y, W)
    t = W[0] * X[0] + W[1] * X[1]
    assert graph.t.data == pytest.approx(t, rel=1e-15)
    assert graph.part1.data == pytest.approx(math.exp(t * t + W[5]), rel=1e-14)
    assert graph.part2.data == pytest.approx(math.tanh(graph.part1.data + W[6]), rel=1e-14)
    z = W[7] + math.sin(W[2] * X[2]) * (W[3] * X[3] + W[4] * X[4])
    assert graph.part3.data == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-14)
    assert graph.y_hat.data == pytest.approx(graph.part3.data * W[8] + graph.part2.data)
    assert graph.loss.data == pytest.approx(reference_loss(X, Y, W), rel=1e-13)
    assert graph.named_values() == pytest.approx(nine_weight_forward_by_hand(X, Y, W), rel=1e-13)


def test_engine_equals_hand_derivation_and_central_differences() -> None:
    engine = engine_gradient(X, Y, W)
    by_hand = nine_weight_gradients_by_hand(X, Y, W)
    numeric = numeric_gradient(X, Y, W)
    for i in range(9):
        assert engine[i] == pytest.approx(by_hand[i], rel=1e-10, abs=1e-12), f"w{i + 1}"
        assert engine[i] == pytest.approx(numeric[i], rel=1e-6, abs=1e-8), f"w{i + 1}"
    assert all(abs(g) > 1e-4 for g in engine), "every weight should matter at this point"


def test_default_point_gradients_agree_and_are_nonzero() -> None:
    x, y, w = default_nine_weight_point()
    assert len(x) == 5
    assert len(w) == 9
    engine = engine_gradient(x, y, w)
    assert engine == pytest.approx(nine_weight_gradients_by_hand(x, y, w), rel=1e-10)
    assert engine == pytest.approx(numeric_gradient(x, y, w), rel=1e-6)
    assert min(abs(g) for g in engine) > 1e-3


def test_against_torch() -> None:
    torch = require("torch")
    x = torch.tensor(X, dtype=torch.float64)
    w = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    t = w[0] * x[0] + w[1] * x[1]
    part2 = torch.tanh(torch.exp(t * t + w[5]) + w[6])
    part3 = torch.sigmoid(w[7] + torch.sin(w[2] * x[2]) * (w[3] * x[3] + w[4] * x[4]))
    loss = (Y - (part3 * w[8] + part2)) ** 2
    loss.backward()
    assert nine_weight_gradients_by_hand(X, Y, W) == pytest.approx(w.grad.tolist(), rel=1e-12)
    assert engine_gradient(X, Y, W) == pytest.approx(w.grad.tolist(), rel=1e-12)


coordinate = st.floats(-1.5, 1.5, allow_nan=False)


@settings(max_examples=60)
@given(
    x=st.lists(coordinate, min_size=5, max_size=5),
    y=coordinate,
    w=st.lists(coordinate, min_size=9, max_size=9),
)
def test_engine_equals_hand_derivation_anywhere(x: list[float], y: float, w: list[float]) -> None:
    engine = engine_gradient(x, y, w)
    by_hand = nine_weight_gradients_by_hand(x, y, w)
    for e, h in zip(engine, by_hand, strict=True):
        assert e == pytest.approx(h, rel=1e-10, abs=1e-12)


def test_leaves_labels_and_requires_grad() -> None:
    graph = nine_weight_graph(X, Y, W)
    assert isinstance(graph, NineWeightGraph)
    assert [p.label for p in graph.weights] == [f"w{i}" for i in range(1, 10)]
    assert [v.label for v in graph.inputs] == [f"x{i}" for i in range(1, 6)]
    assert graph.target.label == "y"
    assert all(p.requires_grad and p.is_leaf for p in graph.weights)
    assert not any(v.requires_grad for v in [*graph.inputs, graph.target])
    assert [p.data for p in graph.weights] == W
    for name in ("t", "part1", "part2", "part3", "y_hat", "loss"):
        assert getattr(graph, name).label == name
    nodes = [n for n in toposort(graph.loss) if isinstance(n, Value)]
    assert all(n.label for n in nodes), "every node carries a label"
    assert len({n.label for n in nodes}) == len(nodes), "labels are unique"


def test_inputs_get_no_gradient() -> None:
    graph = nine_weight_graph(X, Y, W)
    graph.loss.backward()
    assert all(v.grad == 0.0 for v in graph.inputs)


def test_parts_are_scoped() -> None:
    graph = nine_weight_graph(X, Y, W)
    assert graph.t.scope == "part1"
    assert graph.part1.scope == "part1"
    assert graph.part2.scope == "part2"
    assert graph.part3.scope == "part3"
    assert graph.y_hat.scope is None
    assert graph.loss.scope is None
    scopes = {n.scope for n in toposort(graph.loss)}
    assert scopes == {None, "part1", "part2", "part3"}
    assert all(n.scope is None for n in toposort(graph.loss) if n.is_leaf)


def test_given_values_are_used_as_is() -> None:
    ws = [Value(v) for v in W]
    ws[0].label = "first"
    xs = [Value(v, requires_grad=False) for v in X]
    graph = nine_weight_graph(xs, Y, ws)
    assert graph.weights == ws
    assert graph.inputs == xs
    assert ws[0].label == "first"
    assert ws[1].label == "w2"
    graph.loss.backward()
    assert ws[8].grad == pytest.approx(nine_weight_gradients_by_hand(X, Y, W)[8], rel=1e-12)


def test_numpy_arrays_are_accepted() -> None:
    graph = nine_weight_graph(np.array(X), np.float64(Y), np.array(W))
    assert graph.loss.data == pytest.approx(reference_loss(X, Y, W), rel=1e-13)


def test_builds_without_recording_under_no_grad() -> None:
    with no_grad():
        graph = nine_weight_graph(X, Y, W)
    assert graph.loss.is_leaf
    assert graph.loss.data == pytest.approx(reference_loss(X, Y, W), rel=1e-13)


@pytest.mark.parametrize(
    ("x", "y", "w", "error", "message"),
    [
        (X[:4], Y, W, ValueError, "x needs exactly 5"),
        (X, Y, [*W, 1.0], ValueError, "w needs exactly 9"),
        (X, Y, W[:8], ValueError, "w needs exactly 9"),
        ("12345", Y, W, TypeError, "x must be a sequence"),
        (3.0, Y, W, TypeError, "x must be a sequence"),
        (X, Y, [*W[:8], "a"], TypeError, "weight w9 must be a number"),
        ([*X[:4], None], Y, W, TypeError, "input x5"),
        (X, "y", W, TypeError, "target y"),
        (X, Y, [*W[:2], math.nan, *W[3:]], ValueError, "w3 must be finite"),
        (X, math.inf, W, ValueError, "y must be finite"),
        (X, Y, [True, *W[1:]], TypeError, "w1"),
    ],
)
def test_bad_input(x: object, y: object, w: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        nine_weight_graph(x, y, w)  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        nine_weight_gradients_by_hand(x, y, w)  # type: ignore[arg-type]


def test_graph_is_frozen() -> None:
    graph = nine_weight_graph(X, Y, W)
    with pytest.raises(AttributeError):
        graph.loss = graph.t  # type: ignore[misc]
