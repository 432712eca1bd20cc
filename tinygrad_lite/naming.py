"""One name per node: what a picture shows, and what every text about the graph calls it.

Pictures, `explain`, the backward step-through, the live view and generated code all
name nodes through `node_names`, so a name read in one is found in the others:

* a labelled node is called by its label;
* a label used by several nodes is qualified by the named part (scope) the node belongs
  to, ``layer0/neuron3/w0``, and where that is still not unique a counter follows,
  ``x#2``;
* an unlabelled node is named after the op that made it and a counter in topological
  order, ``mul1``, ``tanh2``; an unlabelled leaf is ``param1`` (it requires grad) or
  ``input1``. Automatic names never take a name the user gave.

The box of a node shows its name without the scope it is drawn inside (`Names.short`):
``w0`` in the cluster ``layer0/neuron3``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from tinygrad_lite.autograd import Node, toposort

__all__ = ["Names", "consumers_of", "effective_scope", "names_for", "node_names"]

#: Ops whose name would read badly as a variable prefix.
_PREFIX = {"add_n": "sum", "getitem": "index", "broadcast_to": "expand", "scatter_add": "scatter"}


def effective_scope(node: Node, consumers: Mapping[Node, Sequence[Node]]) -> str | None:
    """A node's scope; a leaf made outside any scope joins its consumers' common scope.

    Module weights are created in `__init__` (outside the call's scope) but belong to the
    neuron that uses them, so they are drawn, collapsed and named with it. An input used
    only inside one named part is drawn inside it too, next to the weight it meets
    (``x3`` beside ``w3`` in the nine-weight graph's part3).
    """
    if node.scope is not None or not node.is_leaf:
        return node.scope
    users = consumers.get(node, ())
    if not users or any(u.scope is None for u in users):
        return None
    common = users[0].scope.split("/")  # type: ignore[union-attr]
    for u in users[1:]:
        parts = u.scope.split("/")  # type: ignore[union-attr]
        n = 0
        while n < min(len(common), len(parts)) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    return "/".join(common) or None


def consumers_of(order: Sequence[Node]) -> dict[Node, list[Node]]:
    """For every node of `order`, the nodes of `order` that take it as an input."""
    found: dict[Node, list[Node]] = {}
    for node in order:
        for p in node.parents:
            if isinstance(p, Node):
                found.setdefault(p, []).append(node)
    return found


class Names(Mapping[Node, str]):
    """node -> its unique name in one graph; `short(node)` is what its box shows."""

    def __init__(self, full: dict[Node, str], scopes: dict[Node, str | None]) -> None:
        self._full = full
        self.scopes = scopes  #: node -> the scope it is drawn in (see `effective_scope`)

    def __getitem__(self, node: Node) -> str:
        return self._full[node]

    def __iter__(self) -> Iterator[Node]:
        return iter(self._full)

    def __len__(self) -> int:
        return len(self._full)

    def short(self, node: Node) -> str:
        """The name without the scope prefix it was qualified with (what the box shows)."""
        name = self._full[node]
        scope = self.scopes.get(node)
        if scope and name.startswith(scope + "/"):
            return name[len(scope) + 1 :]
        return name


def _auto_prefix(node: Node) -> str:
    op = node.op
    if op is None:
        return "param" if node.requires_grad else "input"
    return _PREFIX.get(op.name, op.name)


def node_names(
    order: Sequence[Node], consumers: Mapping[Node, Sequence[Node]] | None = None
) -> Names:
    """Unique, stable names for the nodes of `order` (a topological order, as `toposort`).

    The same graph always gets the same names; a name depends only on labels, scopes,
    ops and the order, never on memory addresses.
    """
    if consumers is None:
        consumers = consumers_of(order)
    scopes = {node: effective_scope(node, consumers) for node in order}
    uses: dict[str, int] = {}
    for node in order:
        if node.label:
            uses[node.label] = uses.get(node.label, 0) + 1
    taken: set[str] = set(uses)
    full: dict[Node, str] = {}
    for node in order:
        label = node.label
        if not label:
            continue
        name = label
        if uses[label] > 1 and scopes[node]:
            name = f"{scopes[node]}/{label}"
        if name in taken and name != label:
            name = _next_free(name, taken)
        elif name == label and uses[label] > 1 and any(v == label for v in full.values()):
            name = _next_free(label, taken)
        taken.add(name)
        full[node] = name
    counters: dict[str, int] = {}
    for node in order:
        if node in full:
            continue
        prefix = _auto_prefix(node)
        k = counters.get(prefix, 0)
        while True:
            k += 1
            name = f"{prefix}{k}"
            if name not in taken:
                break
        counters[prefix] = k
        taken.add(name)
        full[node] = name
    return Names(full, scopes)


def _next_free(name: str, taken: set[str]) -> str:
    """`name#2`, `name#3`, ...: the first that is not taken."""
    k = 2
    while f"{name}#{k}" in taken:
        k += 1
    return f"{name}#{k}"


def names_for(root: Node) -> Names:
    """`node_names` for the graph that produced `root` (every node it depends on)."""
    return node_names(toposort(root))
