"""The computation behind a result, as the code generator reads it.

The backward walk only records ops whose inputs need a gradient: ``x / 255`` on an input
that needs none leaves a constant node without parents. Generated code has to compute
such values too, from the new arguments. So while a function is traced, `Recorder`
keeps every op that runs (through the creation hooks of `autograd`), recorded or not,
and `graph_of` joins that with the recorded graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tinygrad_lite.autograd import STATE, Node
from tinygrad_lite.ops import Op

__all__ = ["Graph", "graph_of", "recording"]

#: node -> the op that made it and its inputs, in the order the ops ran.
Created = dict[Node, tuple[Op, tuple[Any, ...]]]


@dataclass
class Graph:
    """Everything `root` depends on.

    Attributes:
        root: the result.
        ops: every node made by an op, mapped to (op, inputs), in an order where inputs
            come first: the order the ops ran where it is known (a traced function),
            otherwise a depth-first order from `root`.
        leaves: the nodes not made by an op, in the order of their first use.
        constants: plain numbers and arrays among the inputs, in the order of first use
            (each object once).
    """

    root: Node
    ops: dict[Node, tuple[Op, tuple[Any, ...]]] = field(default_factory=dict)
    leaves: list[Node] = field(default_factory=list)
    constants: list[Any] = field(default_factory=list)


@contextmanager
def recording() -> Iterator[Created]:
    """Within the block, note every op that runs, recorded for backward or not."""
    created: Created = {}

    def hook(node: Node, op: Op, parents: tuple[Any, ...]) -> None:
        created[node] = (op, parents)

    STATE.creation_hooks.append(hook)
    try:
        yield created
    finally:
        STATE.creation_hooks.remove(hook)


def _made_by(node: Node, created: Created) -> tuple[Op, tuple[Any, ...]] | None:
    """The op and inputs that made `node`, or None for a leaf."""
    found = created.get(node)
    if found is not None:
        return found
    op = node._op
    if op is None:
        return None
    if op.name == "released":
        raise RuntimeError(
            "this graph was released by backward(retain_graph=False), so there is no "
            "graph left to write out; build it again"
        )
    return op, node.parents


def graph_of(root: Node, created: Created | None = None) -> Graph:
    """The graph behind `root`: recorded edges, plus the ops in `created` (see `recording`).

    One pass with an explicit stack (no recursion), so deep graphs work.
    """
    created = created or {}
    made: dict[Node, tuple[Op, tuple[Any, ...]]] = {}
    found = _made_by(root, created)
    order: list[Node] = []
    if found is not None:
        made[root] = found
        stack: list[tuple[Node, Iterator[Any]]] = [(root, iter(found[1]))]
        while stack:
            node, inputs = stack[-1]
            for p in inputs:
                if isinstance(p, Node) and p not in made:
                    parent = _made_by(p, created)
                    if parent is not None:
                        made[p] = parent
                        stack.append((p, iter(parent[1])))
                        break
            else:
                stack.pop()
                order.append(node)
    rank = {node: i for i, node in enumerate(created)}
    # Ops that ran during the trace in the order they ran; any made before it come first.
    order.sort(key=lambda n: rank.get(n, -1))
    graph = Graph(root, {node: made[node] for node in order})
    seen: set[int] = set()
    for _, used in graph.ops.values():
        for p in used:
            if p is None or id(p) in seen or (isinstance(p, Node) and p in made):
                continue
            seen.add(id(p))
            if isinstance(p, Node):
                graph.leaves.append(p)
            else:
                graph.constants.append(p)
    if found is None:
        graph.leaves.append(root)
    return graph
