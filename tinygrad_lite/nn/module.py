"""Module: the base of every model, scalar or tensor.

A module finds its parameters by looking at its own attributes: nodes that require grad,
other modules, and lists, tuples or dicts of either. Calling a module runs `forward`
inside a scope named after the module, so the renderer can draw it as one cluster.

Subclasses are written as in PyTorch: ``super().__init__()`` (optional here), then
attributes. ``train()`` / ``eval()`` switch `training` on every module reachable through
attributes, and ``print(model)`` lists the children the way PyTorch prints them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from tinygrad_lite.autograd import STATE, Node
from tinygrad_lite.nn import state as _state
from tinygrad_lite.nn.state import LoadResult

__all__ = ["Module"]

M = TypeVar("M", bound="Module")


class Module:
    """Base class for models: parameter discovery, zero_grad, train/eval, named drawing scopes."""

    #: The scope name this module's nodes are tagged with when it is called. Containers
    #: give their children positional names (layer0, neuron3, ...); the default is the
    #: class name in lower case.
    scope_name: str | None = None

    #: True in training mode (the default), False after `eval()`. Only modules whose
    #: forward differs between the two (`Dropout`) read it.
    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What the model computes; subclasses define it, and calling the module runs it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = self.scope_name or type(self).__name__.lower()
        state = STATE
        previous = state.scope
        state.scope = name if previous is None else f"{previous}/{name}"
        try:
            return self.forward(*args, **kwargs)
        finally:
            state.scope = previous

    # --- structure -----------------------------------------------------------------
    def _members(self) -> Iterator[tuple[str, Any]]:
        """(name, object) for every node or module reachable through attributes."""
        for attr, value in vars(self).items():
            if attr.startswith("_"):
                continue
            yield from _flatten(attr, value)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The modules held directly by this one, with their attribute paths."""
        for name, obj in self._members():
            if isinstance(obj, Module):
                yield name, obj

    def children(self) -> Iterator[Module]:
        """The modules held directly by this one."""
        for _, child in self.named_children():
            yield child

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Node]]:
        """Every parameter with a dotted path such as 'layers.0.neurons.3.w.1'.

        A parameter is a node that requires grad; one shared between two places is listed
        once, under the first path.
        """
        seen: set[int] = set()
        found: list[tuple[str, Node]] = []
        self._collect(prefix, seen, found)
        return found

    def _collect(self, prefix: str, seen: set[int], found: list[tuple[str, Node]]) -> None:
        for name, obj in self._members():
            path = f"{prefix}{name}"
            if isinstance(obj, Module):
                obj._collect(path + ".", seen, found)
            elif isinstance(obj, Node) and obj.requires_grad and id(obj) not in seen:
                seen.add(id(obj))
                found.append((path, obj))

    def parameters(self) -> list[Node]:
        """Every parameter, in the order the attributes were set."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Empty the gradient of every parameter (call before each backward)."""
        for p in self.parameters():
            p.grad = type(p)._empty_grad

    def num_parameters(self) -> int:
        """How many numbers the parameters hold in all."""
        return sum(int(getattr(p.data, "size", 1)) for p in self.parameters())

    # --- training and evaluation mode ------------------------------------------------
    def train(self: M, mode: bool = True) -> M:
        """Set `training` on this module and every module inside it; returns self.

        Examples:
            >>> from tinygrad_lite.nn import Dropout, Linear, Sequential
            >>> net = Sequential(Linear(2, 2, seed=0), Dropout(0.5))
            >>> net.eval()[1].training
            False
        """
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode) takes a bool, got {type(mode).__name__}: {mode!r:.40}")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self: M) -> M:
        """`train(False)`: evaluation mode for this module and every module inside it."""
        return self.train(False)

    # --- checkpoints (files: tinygrad_lite.checkpoint) -------------------------------
    def state_dict(self) -> dict[str, Any]:
        """name -> a copy of each parameter's data as a numpy array (Values: 0-d float64)."""
        return _state.state_dict(self)

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
        """Copy arrays from `state` into the parameters in place, after checking all of them.

        Raises `CheckpointError` naming every missing, unexpected, mis-shaped or
        mis-typed entry, with the module left unchanged. Returns (missing_keys,
        unexpected_keys), which are non-empty only with `strict=False`.
        """
        return _state.load_state_dict(self, state, strict=strict)

    # --- printing --------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The settings shown inside this module's parentheses when printed (as PyTorch)."""
        return ""

    def __repr__(self) -> str:
        """``Name(settings)``, or ``Name(`` with one ``(name): child`` line per child ``)``."""
        extra = self.extra_repr()
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = extra.split("\n") if extra else []
        lines += [f"({name}): {child!r}" for name, child in children]
        inner = "\n".join("  " + line.replace("\n", "\n  ") for line in lines)
        return f"{type(self).__name__}(\n{inner}\n)"


#: Tuples, not unions: `Node | Module` in the call is rebuilt on every call (this runs
#: once per attribute whenever parameters() is asked for).
_LEAVES = (Node, Module)
_SEQUENCES = (list, tuple)


def _flatten(name: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, _LEAVES):
        yield name, value
    elif isinstance(value, _SEQUENCES):
        for i, item in enumerate(value):
            yield from _flatten(f"{name}.{i}", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(f"{name}.{key}", item)
