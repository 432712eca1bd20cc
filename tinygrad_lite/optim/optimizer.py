"""The optimizer base class: parameter groups, per-parameter state, the update loop.

An optimizer holds its parameters in `param_groups`, a list of dicts as in PyTorch: each
has a ``"params"`` list and the hyperparameters for those parameters (``"lr"``,
``"momentum"``, ...). Change a group's ``"lr"`` between steps (by hand or with a
`tinygrad_lite.optim.lr_scheduler`) and the next `step` uses it; hyperparameters are
checked again at every step, so a bad value is named rather than silently used.

The update rules are written on numpy arrays, and serve both kinds of parameter:

* a `Tensor` parameter's array is updated in place, so views and other references to
  `param.data` stay valid; a parameter whose `.grad` is None (no gradient arrived) is skipped;
* `Value` parameters are updated by the same formulas on Python floats, in one loop over
  a group's Values (`_update_floats`): lifting each float to a 0-d array cost microseconds
  per parameter, more than a compiled step of the nine-weight graph
  (benchmarks/bench_codegen.py). Operation for operation it is the array update, so the
  numbers are identical (tests/test_optim_values.py). A Value whose gradient is None is
  skipped too; 0.0 (what `zero_grad` leaves) is a gradient. An optimizer that defines
  only `_update` updates Values through 0-d arrays.

Updates touch `.data` directly and never record graph nodes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node

__all__ = ["Optimizer"]

Array = np.ndarray[Any, Any]
State = dict[str, Any]
Group = dict[str, Any]

_GRAD = operator.attrgetter("grad")
_JUST_FLOATS = {float}


def _check_params(params: Any, where: str = "") -> list[Node]:
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
        raise ValueError(f"the optimizer got an empty parameter list{where}")
    seen: set[int] = set()
    for i, p in enumerate(found):
        if not isinstance(p, Node):
            raise TypeError(
                f"parameter {i}{where} is a {type(p).__name__}, not a Value or Tensor; "
                "optimizers update graph nodes"
            )
        if not p.requires_grad:
            raise ValueError(
                f"parameter {i}{where} ({p.label or type(p).__name__}) does not require grad, "
                "so it would never get a gradient to step on"
            )
        if not p.is_leaf:
            name = p.op.name if p.op is not None else "?"
            raise ValueError(
                f"parameter {i}{where} was computed by '{name}'; optimizers update leaves "
                "(parameters), not intermediate results"
            )
        if id(p) in seen:
            raise ValueError(f"parameter {i}{where} appears more than once in the parameter list")
        seen.add(id(p))
    return found


def check_number(
    name: str, value: Any, low: float, *, low_open: bool, high: float | None = None
) -> float:
    """`value` as a float within [low, high) (or (low, ...) if `low_open`), else an error."""
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


def scratch(state: State, x: Array) -> Array:
    """A buffer shaped like `x`, kept per parameter for the update's intermediate results.

    A fresh temporary of a large parameter's size costs a memory mapping and page faults
    on every step; reusing one buffer keeps an update as cheap as a hand-written one.
    """
    buf: Array | None = state.get("scratch")
    if buf is None:
        buf = state["scratch"] = np.empty_like(x)
    return buf


def _copy_state(entry: Mapping[str, Any]) -> State:
    return {
        k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v
        for k, v in entry.items()
        if k != "scratch"
    }


class Optimizer:
    """Base class: holds the parameter groups and per-parameter state, runs the update loop.

    Args:
        params: the parameters (``model.parameters()``), or a list of dicts, each with a
            ``"params"`` entry and any hyperparameters that differ from `defaults` for
            those parameters (PyTorch's per-group options).
        defaults: every hyperparameter of the subclass with its value for all groups.

    A subclass implements `_update(x, g, state, group)`, which changes the array `x` in
    place from the gradient array `g` (never modified), its own `state` dict and its
    group's hyperparameters, and `_check_group(group)`, which validates them.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[Group] = []
        #: Every parameter, in group order; `state[i]` belongs to `params[i]`.
        self.params: list[Node] = []
        self.state: list[State] = []
        #: per group (by its params list): its Values and their states, its other entries,
        #: and the state list they were taken from (see `_split`)
        self._splits: dict[int, tuple[list[Node], list[State], list[Any], list[State]]] = {}
        #: per group (by its params list): its hyperparameters as they were last checked
        self._checked: dict[int, list[Any]] = {}
        for group in _as_groups(params):
            self.add_param_group(group)

    # --- groups and hyperparameters ------------------------------------------------
    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (the rest from `defaults`).

        Raises:
            ValueError: a parameter already in another group, or an unknown or bad value.
        """
        if not isinstance(param_group, Mapping) or "params" not in param_group:
            raise TypeError(
                "a parameter group is a dict with a 'params' entry, got "
                f"{type(param_group).__name__}"
            )
        index = len(self.param_groups)
        where = f" of param_groups[{index}]" if index or len(self.params) else ""
        raw = param_group["params"]
        params = _check_params([raw] if isinstance(raw, Node) else raw, where)
        known = {id(p) for p in self.params}
        for i, p in enumerate(params):
            if id(p) in known:
                raise ValueError(
                    f"parameter {i} of param_groups[{index}] is already in another parameter "
                    "group; each parameter may belong to one group only"
                )
        group: Group = {**self.defaults, **param_group, "params": params}
        check_number("lr", group["lr"], 0.0, low_open=True)  # 0 at the start is a mistake
        self._check_group(group)
        self.param_groups.append(group)
        self.params += params
        self.state += [{} for _ in params]

    def _check_group(self, group: Group) -> None:
        """Validate a group's hyperparameters in place (subclasses extend this).

        A learning rate of 0 passes here, at step time: schedules such as
        `CosineAnnealingLR` end at ``eta_min=0``. Creating an optimizer with one is refused.
        """
        group["lr"] = check_number("lr", group["lr"], 0.0, low_open=False)

    @property
    def lr(self) -> float:
        """The learning rate of the first group; setting it sets every group's."""
        return float(self.param_groups[0]["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        lr = check_number("lr", value, 0.0, low_open=True)
        for group in self.param_groups:
            group["lr"] = lr

    # --- gradients and steps ---------------------------------------------------------
    def zero_grad(self) -> None:
        """Empty every parameter's gradient (None for a Tensor, 0.0 for a Value)."""
        for p in self.params:
            p.grad = type(p)._empty_grad

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient, with its group's settings."""
        k = 0
        for group in self.param_groups:
            self._check_if_changed(group)
            values, value_states, others, _ = self._split(group["params"], k)
            if values:
                self._step_floats(values, value_states, group)
            for p, state in others:
                self._step_one(p, state, group)
            k += len(group["params"])

    def _check_if_changed(self, group: Group) -> None:
        """`_check_group`, when a hyperparameter differs from the last checked values.

        A learning rate changed by hand or by a scheduler is checked at the next step as
        before; an unchanged group costs one comparison instead of a third of a Value
        step's time (benchmarks/bench_codegen.py).
        """
        now = [v for key, v in group.items() if key != "params"]
        if self._checked.get(id(group["params"])) != now:
            self._check_group(group)
            self._checked[id(group["params"])] = [v for key, v in group.items() if key != "params"]

    def _split(
        self, params: list[Node], start: int
    ) -> tuple[list[Node], list[State], list[Any], list[State]]:
        """A group's Values with their states, and its other (param, state) pairs: worked
        out once per group, again when `load_state_dict` has replaced the states."""
        found = self._splits.get(id(params))
        if found is None or found[3] is not self.state:
            states = self.state[start : start + len(params)]
            values = [(p, st) for p, st in zip(params, states, strict=True) if _is_float(p)]
            others = [(p, st) for p, st in zip(params, states, strict=True) if not _is_float(p)]
            found = ([p for p, _ in values], [st for _, st in values], others, self.state)
            self._splits[id(params)] = found
        return found

    def _step_floats(self, params: list[Node], states: list[State], group: Group) -> None:
        """Update Value parameters: their gradients as floats, then `_update_floats`."""
        grads = list(map(_GRAD, params))
        if set(map(type, grads)) != _JUST_FLOATS:  # None, or nodes from create_graph
            kept = [
                (p, g, st)
                for p, g, st in zip(params, map(_as_float, grads), states, strict=True)
                if g is not None
            ]
            params, grads, states = [k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept]
        self._update_floats(params, grads, states, group)

    def _update_floats(
        self, params: list[Node], grads: list[float], states: list[State], group: Group
    ) -> None:
        """Update Value parameters from their float gradients; a subclass with a float
        version of its rule overrides this (the default goes through `_update`)."""
        for p, g, state in zip(params, grads, states, strict=True):
            x = np.array(p.data, dtype=np.float64)
            self._update(x, np.array(g, dtype=np.float64), state, group)
            p.data = float(x)

    def _step_one(self, p: Node, state: State, group: Group) -> None:
        g = p.grad
        if g is None:
            return
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
            self._update(x, g, state, group)
        else:
            x = np.array(x, dtype=np.float64)
            self._update(x, np.array(g, dtype=np.float64), state, group)
            p.data = float(x)

    def _update(self, x: Array, g: Array, state: State, group: Group) -> None:
        raise NotImplementedError

    # --- saving and resuming -----------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Copies of the per-parameter buffers (momentum, moments, step counts) and the groups.

        ``{"state": [one dict per parameter], "param_groups": [hyperparameters and
        "params" as indices into the parameter list]}``. Together with the model's
        `state_dict` this resumes training exactly.
        """
        groups, start = [], 0
        for group in self.param_groups:
            n = len(group["params"])
            groups.append({**group, "params": list(range(start, start + n))})
            start += n
        return {"state": [_copy_state(st) for st in self.state], "param_groups": groups}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` saved, from an optimizer over the same parameters.

        An older state with a single ``"lr"`` instead of ``"param_groups"`` sets every
        group's learning rate.
        """
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
        new_groups = self._loaded_groups(state)
        self.param_groups = new_groups
        self.state = [_copy_state(entry) for entry in entries]
        for p, entry in zip(self.params, self.state, strict=True):
            if _is_float(p):  # a Value's buffers are floats
                for key, value in entry.items():
                    if isinstance(value, np.ndarray):
                        entry[key] = float(value)

    def _loaded_groups(self, state: dict[str, Any]) -> list[Group]:
        """The groups `state` describes, checked against this optimizer's, before any change."""
        saved = state.get("param_groups")
        if saved is None:
            lr = check_number("lr", state.get("lr", self.lr), 0.0, low_open=True)
            return [{**group, "lr": lr} for group in self.param_groups]
        sizes = [len(g.get("params", ())) for g in saved] if isinstance(saved, list) else None
        mine = [len(g["params"]) for g in self.param_groups]
        if sizes != mine:
            raise ValueError(
                f"optimizer state has parameter groups of sizes {sizes}, this optimizer has {mine}"
            )
        groups = []
        for group, entry in zip(self.param_groups, saved, strict=True):
            new = {**group, **entry, "params": group["params"]}
            self._check_group(new)
            groups.append(new)
        return groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _is_float(p: Node) -> bool:
    """Whether `p` holds a float (a Value), not an array."""
    return not isinstance(p.data, np.ndarray)


def _as_float(g: Any) -> float | None:
    """A Value's gradient as a float (a node after backward(create_graph=True)), or None."""
    if g is None or type(g) is float:
        return g  # type: ignore[no-any-return]
    return float(g.data if isinstance(g, Node) else g)


def _as_groups(params: Iterable[Any]) -> list[Mapping[str, Any]]:
    """One group holding every parameter, or the dicts given (PyTorch's two forms)."""
    if isinstance(params, Node) or hasattr(params, "parameters"):
        _check_params(params)  # raises the error that names the mistake
    try:
        items = list(params)
    except TypeError:
        raise TypeError(
            f"params must be an iterable of parameters, got {type(params).__name__}"
        ) from None
    if items and all(isinstance(item, Mapping) for item in items):
        return items
    if any(isinstance(item, Mapping) for item in items):
        raise TypeError("params must be all parameters or all parameter-group dicts, not a mix")
    return [{"params": items}]
