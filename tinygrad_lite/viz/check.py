"""Gradients for a picture: a fresh backward pass, and the check against finite differences.

`draw_dot(root, check=True)` needs the gradient backward computes for each parameter,
whether or not the user has run backward. `fresh_gradients` runs one backward pass and
puts every `.grad` back as it was; `check_gradients` compares each parameter's gradient
with a central difference of the graph replayed forward (the ops' own forward functions).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node, toposort
from tinygrad_lite.viz.numbers import is_array, raw

__all__ = ["Check", "check_gradients", "fresh_gradients"]


@dataclass
class Check:
    """One parameter's analytic gradient (along a direction, for a Tensor) and its check."""

    analytic: float
    numeric: float
    ok: bool


def fresh_gradients(root: Node, order: list[Node] | None = None) -> dict[Node, Any]:
    """Every node's gradient from one backward pass of `root`, leaving `.grad` untouched.

    Saves each node's gradient, empties them, runs `root.backward()`, reads the results
    and puts every saved gradient back.
    """
    order = toposort(root) if order is None else order
    saved = [(n, n.grad) for n in order]
    try:
        for n in order:
            n.grad = type(n)._empty_grad
        root.backward()
        return {n: n.grad for n in order}
    finally:
        for n, g in saved:
            n.grad = g


def _replay(order: list[Node], leaf: Node, value: Any) -> Any:
    """The root's data recomputed from the ops' forward functions, with `leaf` set to `value`."""
    data: dict[Node, Any] = {}
    for node in order:
        if node is leaf:
            data[node] = value
        elif node.op is None:
            data[node] = node.data
        else:
            data[node] = node.op.forward(
                *[data[p] if isinstance(p, Node) else p for p in node.parents]
            )
    return data[order[-1]]


def check_gradients(
    order: list[Node],
    analytic: dict[Node, Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> dict[Node, Check]:
    """For each parameter leaf: `analytic` gradient vs a central-difference derivative.

    A random +-1 direction per Tensor leaf keeps this one pair of forward passes per leaf
    even for big tensors (for a scalar it is the plain derivative).
    """
    rng = random.Random(0)
    results: dict[Node, Check] = {}
    for leaf in order:
        if not (leaf.is_leaf and leaf.requires_grad):
            continue
        x = leaf.data
        g = raw(analytic.get(leaf))
        if is_array(x):
            arr = np.asarray(x, dtype=np.float64)
            v = np.array([rng.choice((-1.0, 1.0)) for _ in range(arr.size)]).reshape(arr.shape)
            plus, minus = (arr + eps * v).astype(x.dtype), (arr - eps * v).astype(x.dtype)
            ana = float(np.sum(np.asarray(g if g is not None else 0.0) * v))
            tol_scale = 1e3 if np.asarray(x).dtype == np.float32 else 1.0
        else:
            plus, minus, ana, tol_scale = x + eps, x - eps, float(g or 0.0), 1.0
        try:
            hi = np.sum(_replay(order, leaf, plus))
            lo = np.sum(_replay(order, leaf, minus))
            num = float((hi - lo) / (2 * eps))
        except (ArithmeticError, ValueError, TypeError):
            num = math.nan
        ok = abs(num - ana) <= tol_scale * (atol + rtol * max(abs(num), abs(ana)))
        results[leaf] = Check(ana, num, bool(ok))
    return results
