"""Optimizers: SGD (momentum, Nesterov, weight decay), Adam, AdamW and RMSprop.

Each update rule is written once, on numpy arrays, with the formulas PyTorch documents
(including its first-step rule for the momentum buffer), so a trajectory here matches
`torch.optim` step for step. The same code serves both kinds of parameter:

* a `Tensor` parameter's array is updated in place, so views and other references to
  `param.data` stay valid; a parameter whose `.grad` is None (no gradient arrived) is skipped;
* `Value` parameters are updated by the same formulas on Python floats, in one loop over
  all of them (`_update_floats`): lifting each float to a 0-d array cost microseconds per
  parameter, more than a compiled step of the nine-weight graph (benchmarks/bench_codegen.py).
  Operation for operation, it is the array update, so the numbers are identical (tested).
  A Value's gradient is always a number (0.0 when nothing arrived), so Values are always
  updated. An optimizer that defines only `_update` updates Values through 0-d arrays.

Updates touch `.data` directly and never record graph nodes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop"]

Array = np.ndarray[Any, Any]
State = dict[str, Any]


def _check_params(params: Iterable[Node]) -> list[Node]:
    """A non-empty list of distinct leaf nodes that require grad, or an error naming the culprit."""
    if isinstance(params, Node):
        raise TypeError("params must be an iterable of parameters (e.g. [w, b]), got a single node")
    if hasattr(params, "parameters") and not isinstance(params, list | tuple):
        raise TypeError(
            f"params must be an iterable of parameters, got a {type(params).__name__}; "
            "pass model.parameters()"
        )
    try:
        found = list(params)
    except TypeError:
        raise TypeError(
            f"params must be an iterable of parameters, got {type(params).__name__}"
        ) from None
    if not found:
        raise ValueError("the optimizer got an empty parameter list")
    seen: set[int] = set()
    for i, p in enumerate(found):
        if not isinstance(p, Node):
            raise TypeError(
                f"parameter {i} is a {type(p).__name__}, not a Value or Tensor; "
                "optimizers update graph nodes"
            )
        if not p.requires_grad:
            raise ValueError(
                f"parameter {i} ({p.label or type(p).__name__}) does not require grad, "
                "so it would never get a gradient to step on"
            )
        if not p.is_leaf:
            name = p.op.name if p.op is not None else "?"
            raise ValueError(
                f"parameter {i} was computed by '{name}'; optimizers update leaves "
                "(parameters), not intermediate results"
            )
        if id(p) in seen:
            raise ValueError(f"parameter {i} appears more than once in the parameter list")
        seen.add(id(p))
    return found


def _check(
    name: str, value: float, low: float, *, low_open: bool, high: float | None = None
) -> float:
    """`value` as a float within [low, high) (or (low, ...) if `low_open`), else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    bad = not math.isfinite(v) or v < low or (low_open and v == low)
    if high is not None and v >= high:
        bad = True
    if bad:
        where = f"{'>' if low_open else '>='} {low:g}"
        if high is not None:
            where += f" and < {high:g}"
        raise ValueError(f"{name} must be {where}, got {value!r}")
    return v


def _scratch(state: State, x: Array) -> Array:
    """A buffer shaped like `x`, kept per parameter for the update's intermediate results.

    A fresh temporary of a large parameter's size costs a memory mapping and page faults
    on every step; reusing one buffer keeps an update as cheap as a hand-written one.
    """
    buf: Array | None = state.get("scratch")
    if buf is None:
        buf = state["scratch"] = np.empty_like(x)
    return buf


class Optimizer:
    """Base class: holds the parameter list and per-parameter state, runs the update loop.

    A subclass implements `_update(x, g, state)`, which changes the array `x` in place from
    the gradient array `g` (never modified) and its own `state` dict.
    """

    def __init__(self, params: Iterable[Node], lr: float) -> None:
        self.params = _check_params(params)
        self.lr = _check("lr", lr, 0.0, low_open=True)
        self.state: list[State] = [{} for _ in self.params]
        #: Which parameters hold an array (Tensors) and which a float (Values).
        self._arrays = [i for i, p in enumerate(self.params) if isinstance(p.data, np.ndarray)]
        self._floats = [i for i, p in enumerate(self.params) if not isinstance(p.data, np.ndarray)]
        self._float_params = [self.params[i] for i in self._floats]
        self._float_states: tuple[list[State], list[State]] = ([], [])

    def zero_grad(self) -> None:
        """Empty every parameter's gradient (None for a Tensor, 0.0 for a Value)."""
        for p in self.params:
            p.grad = type(p)._empty_grad

    def state_dict(self) -> dict[str, Any]:
        """Copies of the per-parameter buffers (momentum, moments, step counts) and lr.

        Together with the model's `state_dict` this resumes training exactly.
        """
        return {
            "lr": self.lr,
            "state": [
                {
                    k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v
                    for k, v in st.items()
                    if k != "scratch"
                }
                for st in self.state
            ],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore buffers saved by `state_dict` from an optimizer over the same parameters."""
        entries = state.get("state") if isinstance(state, dict) else None
        if not isinstance(entries, list) or len(entries) != len(self.params):
            got = len(entries) if isinstance(entries, list) else "no"
            raise ValueError(
                f"optimizer state holds {got} parameter entries, this optimizer has "
                f"{len(self.params)} parameters"
            )
        for i, (p, entry) in enumerate(zip(self.params, entries, strict=True)):
            want = np.shape(p.data)
            for key, value in entry.items():
                if isinstance(value, np.ndarray) and value.shape != want:
                    raise ValueError(
                        f"optimizer state for parameter {i}: '{key}' has shape {value.shape}, "
                        f"the parameter has shape {want}"
                    )
        self.lr = _check("lr", state.get("lr", self.lr), 0.0, low_open=True)
        self.state = [
            {
                k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v
                for k, v in entry.items()
            }
            for entry in entries
        ]
        for i in self._floats:  # a Value's buffers are floats
            for k, v in self.state[i].items():
                if isinstance(v, np.ndarray):
                    self.state[i][k] = float(v)

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient."""
        if self._floats:
            self._step_floats()
        params, states = self.params, self.state
        for i in self._arrays:
            p, state = params[i], states[i]
            g = p.grad
            if g is None:
                continue
            if isinstance(g, Node):  # a gradient recorded with create_graph=True
                g = g.data
            x = p.data
            if isinstance(x, np.ndarray):
                if type(g) is not np.ndarray or g.shape != x.shape:
                    g = np.asarray(g)
                    if g.shape != x.shape:
                        name = f" {p.label!r}" if p.label else ""
                        raise ValueError(
                            f"gradient of shape {g.shape} does not match parameter{name} "
                            f"of shape {x.shape}"
                        )
                self._update(x, g, state)

    def _step_floats(self) -> None:
        """Update the Value parameters: their gradients as floats, then `_update_floats`."""
        states = self.state
        if self._float_states[0] is not states:  # state_dict loaded since: new dicts
            self._float_states = (states, [states[i] for i in self._floats])
        params, floats = self._float_params, self._float_states[1]
        grads = list(map(_GRAD, params))
        if set(map(type, grads)) != _JUST_FLOATS:  # None, or nodes from create_graph
            kept = [
                (p, g, st)
                for p, g, st in zip(params, map(_as_float, grads), floats, strict=True)
                if g is not None
            ]
            params, grads, floats = [k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept]
        self._update_floats(params, grads, floats)

    def _update(self, x: Array, g: Array, state: State) -> None:
        raise NotImplementedError

    def _update_floats(self, params: list[Node], grads: list[float], states: list[State]) -> None:
        """Update Value parameters from their float gradients; a subclass with a float
        version of its rule overrides this (the default goes through `_update`)."""
        for p, g, state in zip(params, grads, states, strict=True):
            x = np.array(p.data, dtype=np.float64)
            self._update(x, np.array(g, dtype=np.float64), state)
            p.data = float(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr:g})"


_GRAD = operator.attrgetter("grad")
_JUST_FLOATS = {float}


def _as_float(g: Any) -> float | None:
    """A Value's gradient as a float (a node after backward(create_graph=True)), or None."""
    if g is None or type(g) is float:
        return g  # type: ignore[no-any-return]
    return float(g.data if isinstance(g, Node) else g)


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and weight decay.

    With weight decay wd, momentum mu and learning rate lr, one step is::

        d = g + wd * x
        b = d                      on the first step
        b = mu * b + d             afterwards
        d = d + mu * b   (nesterov) or   d = b   (plain momentum)
        x = x - lr * d
    """

    def __init__(
        self,
        params: Iterable[Node],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check("momentum", momentum, 0.0, low_open=False)
        self.weight_decay = _check("weight_decay", weight_decay, 0.0, low_open=False)
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs a momentum > 0")

    def _update(self, x: Array, g: Array, state: State) -> None:
        d = g + self.weight_decay * x if self.weight_decay else g
        mu = self.momentum
        if mu:
            buf = state.get("momentum")
            if buf is None:
                buf = state["momentum"] = np.array(d, copy=True)
            else:
                buf *= mu
                buf += d
            d = d + mu * buf if self.nesterov else buf
        tmp = _scratch(state, x)
        np.multiply(d, self.lr, out=tmp)
        x -= tmp

    def _update_floats(self, params: list[Node], grads: list[float], states: list[State]) -> None:
        lr, mu, wd, nesterov = self.lr, self.momentum, self.weight_decay, self.nesterov
        for p, g, state in zip(params, grads, states, strict=True):
            x = p.data
            d = g + wd * x if wd else g
            if mu:
                buf = state.get("momentum")
                buf = state["momentum"] = d if buf is None else buf * mu + d
                d = d + mu * buf if nesterov else buf
            p.data = x - d * lr


class Adam(Optimizer):
    """Adam with bias correction; `weight_decay` adds wd * x to the gradient (L2, as PyTorch).

    One step, at step number t (from 1)::

        g = g + wd * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        x = x - lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)
    """

    def __init__(
        self,
        params: Iterable[Node],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _check("betas[0]", betas[0], 0.0, low_open=False, high=1.0),
            _check("betas[1]", betas[1], 0.0, low_open=False, high=1.0),
        )
        self.eps = _check("eps", eps, 0.0, low_open=False)
        self.weight_decay = _check("weight_decay", weight_decay, 0.0, low_open=False)

    def _decay(self, x: Array, g: Array) -> Array:
        """The gradient Adam sees: L2 decay folds wd * x into it."""
        return g + self.weight_decay * x if self.weight_decay else g

    def _update(self, x: Array, g: Array, state: State) -> None:
        g = self._decay(x, g)
        b1, b2 = self.betas
        if "step" not in state:
            state["step"] = 0
            state["m"] = np.zeros_like(x)
            state["v"] = np.zeros_like(x)
        state["step"] += 1
        t = state["step"]
        m, v, tmp = state["m"], state["v"], _scratch(state, x)
        m *= b1
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        np.sqrt(v, out=tmp)  # tmp becomes the denominator sqrt(v / (1 - b2**t)) + eps
        tmp /= math.sqrt(1.0 - b2**t)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1.0 - b1**t)
        x -= tmp

    #: Weight decay applied to the parameter (AdamW), not added to the gradient.
    _decoupled = False

    def _update_floats(self, params: list[Node], grads: list[float], states: list[State]) -> None:
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        (b1, b2), decoupled = self.betas, self._decoupled
        last, root2, step1 = 0, 1.0, lr
        for p, g, state in zip(params, grads, states, strict=True):
            x = p.data
            if wd:
                if decoupled:
                    x = x * (1.0 - lr * wd)
                else:
                    g = g + wd * x
            t = state["step"] = state.get("step", 0) + 1
            if t != last:  # the bias corrections, once per step number
                last, root2, step1 = t, math.sqrt(1.0 - b2**t), lr / (1.0 - b1**t)
            m = state["m"] = state.get("m", 0.0) * b1 + g * (1.0 - b1)
            v = state["v"] = state.get("v", 0.0) * b2 + g * g * (1.0 - b2)
            p.data = x - m / (math.sqrt(v) / root2 + eps) * step1


class AdamW(Adam):
    """Adam with decoupled weight decay: x = x * (1 - lr * wd) before the Adam step."""

    def __init__(
        self,
        params: Iterable[Node],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    _decoupled = True

    def _decay(self, x: Array, g: Array) -> Array:
        if self.weight_decay:
            x *= 1.0 - self.lr * self.weight_decay
        return g


class RMSprop(Optimizer):
    """RMSprop (uncentered), optionally with momentum and L2 weight decay::

    g = g + wd * x
    s = alpha * s + (1 - alpha) * g**2
    b = mu * b + g / (sqrt(s) + eps);  x = x - lr * b      (momentum mu > 0)
    x = x - lr * g / (sqrt(s) + eps)                       (otherwise)
    """

    def __init__(
        self,
        params: Iterable[Node],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _check("alpha", alpha, 0.0, low_open=False, high=1.0)
        self.eps = _check("eps", eps, 0.0, low_open=False)
        self.momentum = _check("momentum", momentum, 0.0, low_open=False)
        self.weight_decay = _check("weight_decay", weight_decay, 0.0, low_open=False)

    def _update(self, x: Array, g: Array, state: State) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * x
        a = self.alpha
        if "square_avg" not in state:
            state["square_avg"] = np.zeros_like(x)
            if self.momentum:
                state["momentum"] = np.zeros_like(x)
        s, tmp = state["square_avg"], _scratch(state, x)
        s *= a
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - a
        s += tmp
        np.sqrt(s, out=tmp)  # tmp becomes the step g / (sqrt(s) + eps)
        tmp += self.eps
        np.divide(g, tmp, out=tmp)
        if self.momentum:
            buf = state["momentum"]
            buf *= self.momentum
            buf += tmp
            np.copyto(tmp, buf)
        tmp *= self.lr
        x -= tmp

    def _update_floats(self, params: list[Node], grads: list[float], states: list[State]) -> None:
        lr, a, eps, mu, wd = self.lr, self.alpha, self.eps, self.momentum, self.weight_decay
        for p, g, state in zip(params, grads, states, strict=True):
            x = p.data
            if wd:
                g = g + wd * x
            s = state["square_avg"] = state.get("square_avg", 0.0) * a + g * g * (1.0 - a)
            d = g / (math.sqrt(s) + eps)
            if mu:
                d = state["momentum"] = state.get("momentum", 0.0) * mu + d
            p.data = x - d * lr
