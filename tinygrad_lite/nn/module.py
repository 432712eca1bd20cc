"""Module: the base of every model, scalar or tensor.

A module finds its parameters by looking at its own attributes: nodes that require grad,
other modules, and lists, tuples or dicts of either. Calling a module runs `forward`
inside a scope named after the module, so the renderer can draw it as one cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tinygrad_lite.autograd import STATE, Node

__all__ = ["Module"]


class Module:
    """Base class for models: parameter discovery, zero_grad, and named drawing scopes."""

    #: The scope name this module's nodes are tagged with when it is called. Containers
    #: give their children positional names (layer0, neuron3, ...); the default is the
    #: class name in lower case.
    scope_name: str | None = None

    def forward(self, *args: Any, **kwargs: Any) -> Any:
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

    # --- checkpoints (the logic lives in tinygrad_lite.checkpoint) -----------------
    def state_dict(self) -> dict[str, Any]:
        """name -> a copy of each parameter's data as a numpy array (Values: 0-d float64)."""
        from tinygrad_lite.checkpoint import state_dict

        return state_dict(self)

    def load_state_dict(self, state: Any, strict: bool = True) -> Any:
        """Copy arrays from `state` into the parameters in place, after checking all of them.

        Raises `CheckpointError` naming every missing, unexpected, mis-shaped or
        mis-typed entry, with the module left unchanged. Returns (missing_keys,
        unexpected_keys), which are non-empty only with `strict=False`.
        """
        from tinygrad_lite.checkpoint import load_state_dict

        return load_state_dict(self, state, strict=strict)

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}()"
        inner = "\n".join(
            f"  ({name}): {child!r}".replace("\n", "\n  ") for name, child in children
        )
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
