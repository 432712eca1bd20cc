"""Ready-made graphs for teaching: the nine-weight homework graph, built and derived by hand.

The graph (five inputs x1..x5, nine weights w1..w9, one target y)::

    t     = w1*x1 + w2*x2
    part1 = exp(t*t + w6)
    part2 = tanh(part1 + w7)
    part3 = sigmoid(w8 + sin(w3*x3) * (w4*x4 + w5*x5))
    y_hat = part3*w9 + part2
    L     = (y - y_hat)**2

`nine_weight_graph` builds it with the engine (every node labelled, the three parts in
scopes so pictures draw them as clusters); `nine_weight_gradients_by_hand` gives the nine
gradients from the chain rule written out with `math`, for checking one against the other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from tinygrad_lite.autograd import scope
from tinygrad_lite.value import Value

__all__ = [
    "NineWeightGraph",
    "default_nine_weight_point",
    "nine_weight_forward_by_hand",
    "nine_weight_gradients_by_hand",
    "nine_weight_graph",
]

N_INPUTS = 5
N_WEIGHTS = 9


@dataclass(frozen=True, eq=False)
class NineWeightGraph:
    """The nodes of one nine-weight graph that people ask about by name.

    Every other intermediate node is reachable from `loss` and carries a label too
    (for example ``t*t``, ``s`` = sin(w3*x3), ``u`` = w4*x4 + w5*x5, ``z``).
    """

    t: Value
    part1: Value
    part2: Value
    part3: Value
    y_hat: Value
    loss: Value
    weights: list[Value]  #: w1..w9, in order
    inputs: list[Value]  #: x1..x5, in order
    target: Value  #: y

    def named_values(self) -> dict[str, float]:
        """The headline values by name, in the order the graph computes them."""
        return {
            "t": self.t.data,
            "part1": self.part1.data,
            "part2": self.part2.data,
            "part3": self.part3.data,
            "y_hat": self.y_hat.data,
            "loss": self.loss.data,
        }


def _is_number(v: Any) -> bool:
    return isinstance(v, Real | np.integer | np.floating) and not isinstance(v, bool | np.bool_)


def _number(v: Any, name: str, what: str) -> float:
    """The float inside a number or a Value, refusing anything else by name."""
    if isinstance(v, Value):
        return float(v.data)
    if not _is_number(v):
        raise TypeError(
            f"{what} {name} must be a number or a Value, got {type(v).__name__}: {v!r:.60}"
        )
    if not math.isfinite(float(v)):
        raise ValueError(f"{what} {name} must be finite, got {v!r}")
    return float(v)


def _leaf(v: Any, name: str, what: str, requires_grad: bool) -> Value:
    """A number becomes a labelled leaf; a Value is used as it is (labelled if unnamed)."""
    if isinstance(v, Value):
        if not v.label:
            v.label = name
        return v
    return Value(_number(v, name, what), label=name, requires_grad=requires_grad)


def _check_length(seq: Any, n: int, what: str, symbol: str) -> list[Any]:
    if isinstance(seq, str | bytes) or not isinstance(seq, Sequence | np.ndarray):
        raise TypeError(
            f"{what} must be a sequence of {n} numbers ({symbol}1..{symbol}{n}), "
            f"got {type(seq).__name__}"
        )
    if isinstance(seq, np.ndarray) and seq.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got an array of shape {seq.shape}")
    if len(seq) != n:
        raise ValueError(
            f"{what} needs exactly {n} entries ({symbol}1..{symbol}{n}), got {len(seq)}"
        )
    return list(seq)


def nine_weight_graph(x: Sequence[Any], y: Any, w: Sequence[Any]) -> NineWeightGraph:
    """Build the nine-weight graph at one sample and return its named nodes.

    Args:
        x: the five inputs x1..x5 (numbers, or Values). Numbers become leaves that need no
            gradient.
        y: the target (a number or a Value); a number becomes a leaf needing no gradient.
        w: the nine weights w1..w9 (numbers, or Values). Numbers become parameters.

    Returns:
        A `NineWeightGraph`; call ``graph.loss.backward()`` to fill ``w.grad`` for each weight.

    Raises:
        TypeError: an argument is not a sequence, or an entry is not a number or Value.
        ValueError: wrong number of entries, or a non-finite number.
    """
    x = _check_length(x, N_INPUTS, "x", "x")
    w = _check_length(w, N_WEIGHTS, "w", "w")
    xs = [_leaf(v, f"x{i + 1}", "input", False) for i, v in enumerate(x)]
    ws = [_leaf(v, f"w{i + 1}", "weight", True) for i, v in enumerate(w)]
    target = _leaf(y, "y", "target", False)
    x1, x2, x3, x4, x5 = xs
    w1, w2, w3, w4, w5, w6, w7, w8, w9 = ws

    def named(node: Value, label: str) -> Value:
        node.label = label
        return node

    with scope("part1"):
        w1x1 = named(w1 * x1, "w1*x1")
        w2x2 = named(w2 * x2, "w2*x2")
        t = named(w1x1 + w2x2, "t")
        tt = named(t * t, "t*t")
        part1 = named((named(tt + w6, "t*t+w6")).exp(), "part1")
    with scope("part2"):
        part2 = named(named(part1 + w7, "part1+w7").tanh(), "part2")
    with scope("part3"):
        s = named(named(w3 * x3, "w3*x3").sin(), "s")
        u = named(named(w4 * x4, "w4*x4") + named(w5 * x5, "w5*x5"), "u")
        z = named(w8 + named(s * u, "s*u"), "z")
        part3 = named(z.sigmoid(), "part3")
    y_hat = named(named(part3 * w9, "part3*w9") + part2, "y_hat")
    loss = named(named(target - y_hat, "y-y_hat") ** 2, "loss")
    return NineWeightGraph(
        t=t,
        part1=part1,
        part2=part2,
        part3=part3,
        y_hat=y_hat,
        loss=loss,
        weights=ws,
        inputs=xs,
        target=target,
    )


def _floats(x: Sequence[Any], y: Any, w: Sequence[Any]) -> tuple[list[float], float, list[float]]:
    """Plain floats from numbers or Values, with the same checks as `nine_weight_graph`."""
    x = _check_length(x, N_INPUTS, "x", "x")
    w = _check_length(w, N_WEIGHTS, "w", "w")
    xs = [_number(v, f"x{i + 1}", "input") for i, v in enumerate(x)]
    ws = [_number(v, f"w{i + 1}", "weight") for i, v in enumerate(w)]
    return xs, _number(y, "y", "target"), ws


def nine_weight_forward_by_hand(x: Sequence[Any], y: Any, w: Sequence[Any]) -> dict[str, float]:
    """The forward pass in plain `math`: t, part1, part2, part3, y_hat and loss by name."""
    (x1, x2, x3, x4, x5), target, (w1, w2, w3, w4, w5, w6, w7, w8, w9) = _floats(x, y, w)
    t = w1 * x1 + w2 * x2
    part1 = math.exp(t * t + w6)
    part2 = math.tanh(part1 + w7)
    z = w8 + math.sin(w3 * x3) * (w4 * x4 + w5 * x5)
    part3 = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    y_hat = part3 * w9 + part2
    loss = (target - y_hat) ** 2
    return {"t": t, "part1": part1, "part2": part2, "part3": part3, "y_hat": y_hat, "loss": loss}


def nine_weight_gradients_by_hand(x: Sequence[Any], y: Any, w: Sequence[Any]) -> list[float]:
    """dL/dw1 .. dL/dw9 from the chain rule, worked out by hand (no engine involved).

    The derivation is in the comments below, one link of the chain at a time.
    """
    (x1, x2, x3, x4, x5), target, (w1, w2, w3, w4, w5, w6, w7, w8, w9) = _floats(x, y, w)

    # Forward pass, keeping every intermediate the derivatives need.
    t = w1 * x1 + w2 * x2
    part1 = math.exp(t * t + w6)
    part2 = math.tanh(part1 + w7)
    s = math.sin(w3 * x3)  # s = sin(w3*x3)
    u = w4 * x4 + w5 * x5  # u = w4*x4 + w5*x5
    z = w8 + s * u  # part3 = sigmoid(z)
    part3 = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    y_hat = part3 * w9 + part2

    # L = (y - y_hat)^2
    #   dL/dy_hat = 2*(y - y_hat) * d(y - y_hat)/dy_hat = -2*(y - y_hat)
    d_yhat = -2.0 * (target - y_hat)

    # y_hat = part3*w9 + part2
    #   dy_hat/dw9 = part3,  dy_hat/dpart3 = w9,  dy_hat/dpart2 = 1
    d_w9 = d_yhat * part3
    d_part3 = d_yhat * w9
    d_part2 = d_yhat * 1.0

    # part2 = tanh(part1 + w7);  d tanh(a)/da = 1 - tanh(a)^2 = 1 - part2^2
    #   dpart2/dpart1 = dpart2/dw7 = 1 - part2^2
    d_tanh_arg = d_part2 * (1.0 - part2 * part2)
    d_w7 = d_tanh_arg
    d_part1 = d_tanh_arg

    # part1 = exp(t^2 + w6);  d exp(a)/da = exp(a) = part1
    #   dpart1/dw6 = part1,  dpart1/dt = part1 * 2t
    d_w6 = d_part1 * part1
    d_t = d_part1 * part1 * 2.0 * t

    # t = w1*x1 + w2*x2:  dt/dw1 = x1,  dt/dw2 = x2
    d_w1 = d_t * x1
    d_w2 = d_t * x2

    # part3 = sigmoid(z);  d sigmoid(z)/dz = sigmoid(z) * (1 - sigmoid(z)) = part3*(1 - part3)
    d_z = d_part3 * part3 * (1.0 - part3)

    # z = w8 + s*u:  dz/dw8 = 1,  dz/ds = u,  dz/du = s
    d_w8 = d_z * 1.0
    d_s = d_z * u
    d_u = d_z * s

    # s = sin(w3*x3):  ds/dw3 = cos(w3*x3) * x3
    d_w3 = d_s * math.cos(w3 * x3) * x3

    # u = w4*x4 + w5*x5:  du/dw4 = x4,  du/dw5 = x5
    d_w4 = d_u * x4
    d_w5 = d_u * x5

    return [d_w1, d_w2, d_w3, d_w4, d_w5, d_w6, d_w7, d_w8, d_w9]


def default_nine_weight_point() -> tuple[list[float], float, list[float]]:
    """A fixed (x, y, w) where no part saturates, so every gradient is clearly non-zero."""
    x = [0.5, -1.2, 0.8, 1.5, -0.3]
    y = 1.0
    w = [0.3, -0.2, 0.9, 0.4, -0.6, 0.1, -0.5, 0.2, 1.1]
    return x, y, w
