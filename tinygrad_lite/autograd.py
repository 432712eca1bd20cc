"""The graph machinery shared by `Value` and `Tensor`.

A node holds its data, its gradient, the parents it was computed from, and the `Op` that
made it. This module owns everything that walks the graph: recording a new node
(`apply`), the iterative topological order, the backward walk with gradient accumulation,
`no_grad` / `enable_grad`, scopes, and the observers that the anomaly detector and the
step-through viewer attach to the walk. It is written once and serves both node types.

Nodes hold references only to their parents and to module-level `Op` objects (no closures,
no back-references), so a graph has no reference cycles and is freed by reference counting
the moment the last name for its output goes away.

Nearly every op has one or two inputs, so a node keeps those in two slots of its own rather
than in a tuple: half as many objects for Python's cyclic garbage collector to re-scan
while a graph is being built, which is most of the cost of building a big scalar graph
(benchmarks/bench_scalar.py). Ops with more inputs keep a tuple.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from tinygrad_lite.errors import DomainError
from tinygrad_lite.ops import pass_gradient as _PASS_THROUGH
from tinygrad_lite.rule_errors import bad_result, rule_raised

if TYPE_CHECKING:
    from tinygrad_lite.ops import Op

N = TypeVar("N", bound="Node")

__all__ = [
    "Node",
    "apply",
    "backward",
    "current_scope",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "record",
    "scope",
    "toposort",
]


class _State:
    """Process-wide switches read on every op; a plain object is the cheapest to read."""

    __slots__ = ("creation_hooks", "grad_enabled", "observers", "scope")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.scope: str | None = None
        # Called for every edge of a backward walk as
        # observer(node=, index=, parent=, upstream=, contribution=).
        self.observers: list[Callable[..., None]] = []
        # Called as hook(node, op, parents) after every op, recorded or not (under no_grad
        # or with constant inputs the node keeps no parents, so the hook gets them here).
        self.creation_hooks: list[Callable[[Node, Op, tuple[Any, ...]], None]] = []


STATE = _State()


class Node:
    """One vertex of the computational graph.

    Subclasses (`Value`, `Tensor`) decide how data is stored, what an "empty" gradient
    is, and how a gradient is added into an input (a Tensor sums broadcast axes away).
    Everything else about the graph lives here.
    """

    __slots__ = (
        "_a",
        "_b",
        "_many",
        "_op",
        "_pending",
        "_visit",
        "data",
        "grad",
        "label",
        "requires_grad",
        "scope",
    )

    data: Any
    grad: Any
    #: The inputs of the op that made this node: the first two in `_a` and `_b` (None
    #: where the op has fewer), or all of them in `_many` when it has more than two.
    #: An input is a Node or a constant (a number or an array) written into the formula.
    _a: Any
    _b: Any
    _many: tuple[Any, ...] | None
    _op: Op | None
    label: str
    scope: str | None
    requires_grad: bool
    #: Bookkeeping of the backward walk (see `_mark_consumers`): the walk that last saw
    #: this node, and how many of its consumers have not yet passed a gradient back.
    _visit: object | None
    _pending: int

    #: What `.grad` holds before any gradient has arrived (0.0 for Value, None for Tensor).
    _empty_grad: Any = None
    #: True if, outside create_graph, `node.grad += g` is exactly what `_accumulate` does.
    _adds_inline: bool = False

    def _init_leaf(
        self, data: Any, grad: Any, label: str, scope: str | None, requires_grad: bool
    ) -> None:
        """Fill every slot of a new leaf; subclass constructors call this."""
        self.data = data
        self.grad = grad
        self._a = self._b = self._many = self._op = self._visit = None
        self.label = label
        self.scope = scope
        self.requires_grad = requires_grad

    # --- hooks a subclass provides -------------------------------------------------
    def _accumulate(self, g: Any) -> None:
        """Add one incoming gradient contribution `g` into `self.grad`."""
        raise NotImplementedError

    @classmethod
    def _const(cls, data: Any) -> Node:
        """Wrap a plain number/array as a constant (no grad) node of this type."""
        raise NotImplementedError

    @classmethod
    def _seed(cls, node: Node) -> Any:
        """The gradient of `node` with respect to itself, when backward gets no argument."""
        raise NotImplementedError

    # --- graph queries -------------------------------------------------------------
    @property
    def op(self) -> Op | None:
        """The operation that produced this node (None for a leaf)."""
        return self._op

    @property
    def parents(self) -> tuple[Node, ...]:
        """The inputs of the operation that produced this node, in argument order.

        A node used twice (as in `a * a`) appears twice: each use is its own edge.
        """
        return _inputs(self)

    @property
    def is_leaf(self) -> bool:
        """True for nodes not produced by an op (parameters, inputs, constants)."""
        return self._op is None

    # --- the public graph verbs ----------------------------------------------------
    def backward(
        self, grad: Any = None, *, retain_graph: bool = True, create_graph: bool = False
    ) -> None:
        """Fill `.grad` of every node this one depends on (see `autograd.backward`)."""
        backward(self, grad, retain_graph=retain_graph, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Reset this node's gradient to empty (0.0 for a Value, None for a Tensor)."""
        self.grad = type(self)._empty_grad

    def detach(self) -> Node:
        """A new leaf with the same data that does not require grad: cuts the graph here."""
        out = type(self)._const(self.data)
        out.label = self.label
        return out

    def requires_grad_(self, requires_grad: bool = True) -> Node:
        """Set whether gradients should flow into this leaf; returns self for chaining."""
        if not self.is_leaf:
            raise RuntimeError(
                f"requires_grad_ can only change leaf nodes; this node was made by "
                f"'{self._op.name if self._op else '?'}' (use .detach() first)"
            )
        self.requires_grad = bool(requires_grad)
        return self


# ----------------------------------------------------------------------------------
# Recording
# ----------------------------------------------------------------------------------


def apply(cls: type[N], op: Op, parents: tuple[Any, ...], data: Any) -> N:
    """Record `op` applied to `parents` with already computed output `data`, as a `cls`.

    The caller computes the forward; this function decides whether the result joins the
    graph (grad mode on and some parent requires grad) and tags it with the current scope.
    """
    n = len(parents)
    if n == 2:
        return record(cls, op, parents[0], parents[1], None, data)
    if n == 1:
        return record(cls, op, parents[0], None, None, data)
    return record(cls, op, None, None, parents, data)


def record(cls: type[N], op: Op, a: Any, b: Any, many: tuple[Any, ...] | None, data: Any) -> N:
    """`apply` with the inputs laid out as a node stores them: the first two as `a` and `b`
    (None where the op has fewer), or all of them as `many` when there are more than two.

    Value's arithmetic calls this directly, so that its hottest path builds no tuple.
    """
    state = STATE
    node = _new(cls)
    node.data = data
    node.grad = cls._empty_grad
    node.label = ""
    node.scope = state.scope
    node._visit = None
    live = False
    if state.grad_enabled:
        if many is None:
            live = (isinstance(a, Node) and a.requires_grad) or (
                isinstance(b, Node) and b.requires_grad
            )
        else:
            for p in many:
                if isinstance(p, Node) and p.requires_grad:
                    live = True
                    break
    if live:
        node._a = a
        node._b = b
        node._many = many
        node._op = op
        node.requires_grad = True
    else:
        _constant(node)
    if state.creation_hooks:
        parents = many if many is not None else (a,) if b is None else (a, b)
        for hook in state.creation_hooks:
            hook(node, op, parents)
    return node


def _constant(node: Node) -> None:
    """Make a freshly created node a constant: no parents, no op, no gradient."""
    node._a = node._b = node._many = node._op = None
    node.requires_grad = False


def _inputs(node: Node) -> tuple[Any, ...]:
    """The inputs of the op that made `node`, as a tuple (empty for a leaf)."""
    many = node._many
    if many is not None:
        return many
    a = node._a
    if a is None:
        return ()
    b = node._b
    return (a,) if b is None else (a, b)


_new = object.__new__


# ----------------------------------------------------------------------------------
# Modes
# ----------------------------------------------------------------------------------


def is_grad_enabled() -> bool:
    """Whether new operations are being recorded."""
    return STATE.grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Do not record operations inside the block (for evaluation and parameter updates).

    Results computed inside are constants: they have no parents and do not require grad.
    """
    previous = STATE.grad_enabled
    STATE.grad_enabled = False
    try:
        yield
    finally:
        STATE.grad_enabled = previous


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record operations again inside a `no_grad` block."""
    previous = STATE.grad_enabled
    STATE.grad_enabled = True
    try:
        yield
    finally:
        STATE.grad_enabled = previous


@contextmanager
def scope(name: str) -> Iterator[None]:
    """Tag every node created inside with a named part (nested scopes join with '/').

    The renderer draws each scope as a cluster; `Module` calls use it automatically.
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"scope name must be a non-empty string without '/', got {name!r}")
    previous = STATE.scope
    STATE.scope = name if previous is None else f"{previous}/{name}"
    try:
        yield
    finally:
        STATE.scope = previous


def current_scope() -> str | None:
    """The scope path new nodes are tagged with, or None outside any scope."""
    return STATE.scope


# ----------------------------------------------------------------------------------
# The walk
# ----------------------------------------------------------------------------------


def _consumer_counts(root: Node, only_requires_grad: bool) -> dict[Node, int]:
    """For every node `root` depends on, how many edges lead to it from other such nodes.

    One pass with an explicit stack (no recursion: depth is limited only by memory).
    Used by the read-only walks (the renderer, explain, the step-through viewer). They keep
    their counts to themselves: `reverse_topological` is a generator that may stay
    suspended while a backward runs, and an observer of the walk may call them. Backward
    keeps its own counts on the nodes (`_mark_consumers`), which is faster on big graphs.
    """
    counts: dict[Node, int] = {root: 0}
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        for p in _inputs(node):
            if not isinstance(p, Node):
                continue  # a constant written into the formula
            if p in counts:
                counts[p] += 1
            elif p.requires_grad or not only_requires_grad:
                counts[p] = 1
                push(p)
    return counts


def _mark_consumers(root: Node) -> None:
    """Prepare a backward walk: on every node `root` depends on that needs a gradient,
    `_pending` counts the edges from its consumers, and intermediate gradients are emptied.

    The counts live on the nodes, not in a dict: on a graph of millions of nodes that
    saves about a tenth of backward's time (benchmarks/bench_scalar.py). A fresh `epoch`
    object marks the nodes seen by this walk, so nothing has to be cleared afterwards.
    One pass with an explicit stack: no recursion, depth is limited only by memory.
    """
    epoch = object()
    root._visit = epoch
    root._pending = 0
    # Only nodes made by an op go on the stack: a leaf has no inputs to visit.
    stack = [root] if root._op is not None else []
    pop, push = stack.pop, stack.append
    empty = type(root)._empty_grad
    while stack:
        node = pop()
        node.grad = empty
        many = node._many
        for p in (node._a, node._b) if many is None else many:
            if not isinstance(p, Node):
                continue  # a constant written into the formula, or no input (None)
            if p._visit is epoch:
                p._pending += 1
            elif p.requires_grad:
                p._visit = epoch
                p._pending = 1
                if p._op is not None:
                    push(p)
                elif p.grad is None:  # `p.grad = None` (PyTorch's habit) means "no gradient yet"
                    p.grad = empty


def reverse_topological(root: Node, *, only_requires_grad: bool = True) -> Iterator[Node]:
    """Yield `root` and every node it depends on, each once, every node before its parents.

    Kahn's algorithm: a node comes out once all the nodes that consume it have, which is
    exactly when its gradient is complete. With `only_requires_grad` (what backward uses)
    nodes that need no gradient are left out. Constants written into formulas (plain
    numbers or arrays among a node's parents) are never yielded.
    """
    counts = _consumer_counts(root, only_requires_grad)
    ready = [root]
    pop, push = ready.pop, ready.append
    while ready:
        node = pop()
        yield node
        for p in _inputs(node):
            left = counts.get(p) if isinstance(p, Node) else None
            if left is not None:
                if left == 1:
                    push(p)
                counts[p] = left - 1


def toposort(root: Node, *, only_requires_grad: bool = False) -> list[Node]:
    """Every node `root` depends on, each once, parents before children (root last)."""
    order = list(reverse_topological(root, only_requires_grad=only_requires_grad))
    order.reverse()
    return order


def backward(
    root: Node, grad: Any = None, *, retain_graph: bool = True, create_graph: bool = False
) -> None:
    """Reverse-mode sweep from `root`: fill `.grad` on every node it depends on.

    Semantics (the same as PyTorch where PyTorch defines them):

    * Leaves accumulate: calling backward twice adds the second gradient to the first.
      Zero them with `zero_grad()` between steps.
    * Intermediate nodes get their gradient recomputed afresh on every call.
    * A node used several times receives the sum of the gradients along each use.
    * `create_graph=True` records the backward computation itself, so gradients are
      nodes and can be differentiated again (gradients of gradients).
    * `retain_graph=False` releases the graph as the walk passes (memory back early);
      backward through it again raises an error. The default keeps it.

    The cyclic garbage collector is paused during the walk: the walk creates no reference
    cycles, so there is nothing for it to find, and on big graphs it would otherwise spend
    more time re-scanning the graph than the walk spends computing.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward() on a node that does not require grad: it was built from constants "
            "only, inside no_grad(), or from detached inputs, so there is nothing to "
            "differentiate"
        )
    if grad is None:
        grad = type(root)._seed(root)
    if create_graph and not isinstance(grad, Node):
        grad = type(root)._const(grad)
    if not create_graph and isinstance(grad, Node):
        grad = grad.data

    gc_was_enabled = gc.isenabled()
    gc.disable()
    previous_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    try:
        _walk(root, grad, retain_graph, create_graph)
    finally:
        STATE.grad_enabled = previous_mode
        if gc_was_enabled:
            gc.enable()


def _walk(root: Node, grad: Any, retain_graph: bool, create_graph: bool) -> None:
    """The backward walk: Kahn's order (see `reverse_topological`) fused with the rules."""
    _mark_consumers(root)
    root._accumulate(grad)
    observers = STATE.observers
    # Scalar gradients are plain floats unless the walk records: add them in place.
    add_inline = type(root)._adds_inline and not create_graph
    # Ops with one or two inputs are most of any graph; when nothing records or watches the
    # walk, they take a loop-free path, both inputs written out (benchmarks/bench_scalar.py:
    # it saves a quarter of backward on the scalar MLP). Other ops take the general loop.
    plain = not create_graph and not observers
    passes = _PASS_THROUGH
    # Python floats do not signal overflow as numpy does (Tensor.backward raises on it), so
    # a Value leaf's finished gradient is checked here: an overflow anywhere upstream leaves
    # an inf or nan in some leaf (inf * 0 is nan). not (lo < g < hi) is true for both.
    check = add_inline and -math.inf < root.grad < math.inf
    lo, hi = -math.inf, math.inf
    ready = [root]
    pop, push = ready.pop, ready.append
    # One handler for the whole walk: it costs nothing per edge, and on a failure it
    # asks the rules of the op at hand what went wrong (`_explain`).
    try:
        while ready:
            node = pop()
            op = node._op
            if op is None:
                if check and not (lo < node.grad < hi):
                    _check_leaf_gradient(root, node)
                continue
            g = node.grad
            vjps = op.vjps
            many = node._many
            if plain and many is None:
                a, b = node._a, node._b
                a_node, b_node = isinstance(a, Node), isinstance(b, Node)
                ad = a.data if a_node else a
                bd = b.data if b_node else b
                if a_node and a.requires_grad:
                    rule = vjps[0]
                    if rule is passes:
                        c = g
                    else:
                        c = rule(g, node.data, ad) if b is None else rule(g, node.data, ad, bd)
                    if add_inline:
                        a.grad += c
                    else:
                        a._accumulate(c)
                    left = a._pending
                    if left == 1:
                        push(a)
                    a._pending = left - 1
                if b_node and b.requires_grad:
                    rule = vjps[0] if op.variadic else vjps[1]
                    c = g if rule is passes else rule(g, node.data, ad, bd)
                    if add_inline:
                        b.grad += c
                    else:
                        b._accumulate(c)
                    left = b._pending
                    if left == 1:
                        push(b)
                    b._pending = left - 1
            elif many is not None and plain and vjps[0] is passes and op.variadic:
                # A sum of many terms (a neuron's): every input gets the gradient as it is.
                for p in many:
                    if isinstance(p, Node) and p.requires_grad:
                        if add_inline:
                            p.grad += g
                        else:
                            p._accumulate(g)
                        left = p._pending
                        if left == 1:
                            push(p)
                        p._pending = left - 1
            else:
                parents = _inputs(node)
                if create_graph:
                    out: Any = node
                    args: Any = parents
                else:
                    out = node.data
                    args = [p.data if isinstance(p, Node) else p for p in parents]
                variadic = op.variadic
                i = -1
                for p in parents:
                    i += 1
                    if not isinstance(p, Node) or not p.requires_grad:
                        continue
                    rule = vjps[0] if variadic else vjps[i]
                    if rule is passes:
                        c = g
                    else:
                        c = rule(g, out, *args)
                        if c is None:  # a Value would silently keep None as its gradient
                            raise TypeError("the rule returned None")
                    if observers:
                        for observe in observers:
                            observe(node=node, index=i, parent=p, upstream=g, contribution=c)
                    if add_inline:
                        p.grad += c
                    else:
                        p._accumulate(c)
                    left = p._pending
                    if left == 1:
                        push(p)
                    p._pending = left - 1
            if not retain_graph:
                node._a = node._b = node._many = None
                node._op = _RELEASED

    except Exception as exc:
        error = _explain(node, exc, create_graph)
        if error is None:
            raise
        raise error from None


def _check_leaf_gradient(root: Node, leaf: Node) -> None:
    """A Value leaf's gradient is inf or nan. If every value in the graph is finite, a
    gradient overflowed on the way (raise); otherwise an inf or nan in the data passed
    through, which is data as the forward treats it."""
    for node in toposort(root):
        for x in (node.data, *_inputs(node)):
            x = x.data if isinstance(x, Node) else x
            if type(x) is float and not math.isfinite(x):
                return
    who = f"'{leaf.label}'" if leaf.label else "a leaf"
    raise DomainError(
        "backward",
        f"the gradient of {who} is {leaf.grad} although every value in the graph is "
        "finite: a gradient overflowed float64 on the way (run backward inside "
        "tl.detect_anomaly() to see which op)",
    )


def _explain(node: Node, exc: Exception, create_graph: bool) -> Exception | None:
    """The error to raise when the walk failed at `node`, or None to re-raise `exc`.

    Runs the rules of `node`'s op again, input by input, as the walk called them, and
    reports the first that raises or returns something the walk cannot use (see
    `tinygrad_lite.rule_errors`). Rules are pure functions, so calling one twice is safe;
    this only happens after a failure. If every rule behaves, the failure came from
    elsewhere (an observer of the walk, say) and `exc` is re-raised unchanged.
    """
    op = node._op
    if op is None or op is _RELEASED or isinstance(exc, MemoryError | RecursionError):
        return None
    parents = _inputs(node)
    out = node if create_graph else node.data
    args = parents if create_graph else tuple(p.data if isinstance(p, Node) else p for p in parents)
    for i, p in enumerate(parents):
        if not isinstance(p, Node) or not p.requires_grad:
            continue
        rule = op.vjps[0] if op.variadic else op.vjps[i]
        if rule is _PASS_THROUGH:
            continue
        try:
            result = rule(node.grad, out, *args)
        except Exception as again:
            return rule_raised(op, i, again, args, name=p.label)
        problem = bad_result(op, i, result, p.data, node.data, name=p.label)
        if problem is not None:
            return problem
    return None


class _Released:
    """Marks a node whose graph was freed by backward(retain_graph=False)."""

    name = "released"
    symbol = "released"
    variadic = True

    @property
    def vjps(self) -> tuple[Callable[..., Any], ...]:
        raise RuntimeError(
            "backward through a graph that was already released by "
            "backward(retain_graph=False); keep the default retain_graph=True to call "
            "backward more than once"
        )


_RELEASED: Any = _Released()
