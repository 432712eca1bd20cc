"""Graph -> Scene: what every picture of a graph shows, decided once for both backends.

`build_scene` reads everything from the node model (data, grad, op, parents, label,
scope) and names every node through `tinygrad_lite.naming`, so a box shows the same name
that `explain` and the step-through use. Local derivatives on edges come from
`Op.local_derivative`, never re-derived here. The steps, in order:

1. `_check_options`: refuse bad arguments with a message naming them;
2. `_GraphView`: the topological order, names, scopes, and which nodes collapse into
   which summary box (`depth`);
3. `_refuse_big`: count the boxes against `max_nodes`;
4. `_marks`: the highlighted path, the gradients to show, the gradient check;
5. `_add_value`, `_add_op` for each visible node, `_add_summaries` for collapsed parts;
6. clusters, the legend and the direction (`rankdir=None` turns a very wide picture,
   or, when the style names a page, takes the direction whose picture fills it best).

A value box's role follows what the node is in the lesson (`value_role`): the output;
a leaf without grad is an input; a leaf that needs a gradient is a parameter when it has
no label (a module's weights) or its label names one (``w``, ``b``, ``w1``, ``bias``,
``weight_2``, ...), and otherwise an input that still shows its gradient (the lecture's
``x1 = Value(2.0, label="x1")``). `roles=` sets any box's role by hand.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node, toposort
from tinygrad_lite.naming import Names, consumers_of, node_names
from tinygrad_lite.viz.check import Check, check_gradients, fresh_gradients
from tinygrad_lite.viz.numbers import format_number, is_array, number_text, raw
from tinygrad_lite.viz.rules import input_role, local_rule
from tinygrad_lite.viz.scene import LegendItem, Scene, SceneCluster, SceneEdge, SceneNode
from tinygrad_lite.viz.style import (
    BORDER,
    CHECK_BORDERS,
    HIGHLIGHT,
    ROLE_TEXT,
    ROLES,
    Style,
    style_from,
)

__all__ = [
    "ASPECT_LIMIT",
    "NOT_REACHED",
    "PARAMETER_NAME",
    "WIDE",
    "build_scene",
    "choose_rankdir",
    "data_row",
    "grad_row",
    "value_role",
]

ASPECT_LIMIT = 4.0
"""`rankdir=None` draws left to right unless that would be wider than `WIDE` pixels and more
than `ASPECT_LIMIT` times as wide as tall; then it draws top to bottom."""
WIDE = 2000.0
"""Pixels: a left-to-right picture wider than this may turn top to bottom (`ASPECT_LIMIT`)."""
_RANKDIRS = ("LR", "TB", "RL", "BT")

PARAMETER_NAME = re.compile(r"(w|b|weights?|bias(es)?|params?|theta)([\d_.\[].*)?", re.I)
"""A label that names a parameter: w, b, weight, bias, param, theta (any case), alone or
followed by digits, "_", "." or "[" and anything: w1, b, W_out, bias2, weight.0.
"""


class _NotReached:
    """The gradient of a node backward has not reached yet (see `NOT_REACHED`)."""

    def __repr__(self) -> str:
        return "NOT_REACHED"


NOT_REACHED: Any = _NotReached()
"""In `build_scene(grads=...)`: this node's gradient has not been computed yet (a frame of the
backward walk before the walk gets there). Its box reads "grad not reached", which is not
the same as "grad 0.0000".
"""


def value_role(node: Node, root: Node) -> str:
    """The role of a value box by the rule in the module docstring (no `roles=`)."""
    if node is root:
        return "output"
    if not node.is_leaf:
        return "intermediate"
    if not node.requires_grad:
        return "input"
    label = node.label
    return "parameter" if not label or PARAMETER_NAME.fullmatch(label) else "input"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class _Marks:
    """What is marked on top of the graph: a path, the gradients shown, the checks."""

    on_path: set[Node] = field(default_factory=set)
    grads: Mapping[Node, Any] | None = None
    checks: dict[Node, Check] = field(default_factory=dict)
    focus: tuple[Node, int] | None = None

    def grad(self, node: Node) -> Any:
        return self.grads.get(node, node.grad) if self.grads is not None else node.grad

    def edge_lit(self, node: Node, i: int, p: Any) -> bool:
        on = isinstance(p, Node) and p in self.on_path and node in self.on_path
        return on or (self.focus is not None and self.focus[0] is node and self.focus[1] == i)


class _GraphView:
    """The graph as the picture sees it: order, names, scopes, and collapsed parts."""

    def __init__(
        self,
        root: Node,
        depth: int | None,
        collapse: Collection[str] = (),
        roles: Mapping[Any, str] | None = None,
    ) -> None:
        self.root = root
        self.depth = depth
        self.collapse = frozenset(collapse)
        self._boxes: dict[str | None, str | None] = {}  #: scope -> summary key, memoised
        self.order = toposort(root)
        self.index = {node: i for i, node in enumerate(self.order)}
        self.names: Names = node_names(self.order, consumers_of(self.order))
        self.roles = _roles(self.order, root, self.names, roles or {})
        self.scopes = dict(self.names.scopes)
        self.summaries: dict[str, list[Node]] = {}
        if depth is not None or self.collapse:
            root_scope = self.scopes[root]
            self.scopes[root] = None if self._box_of(root_scope) else root_scope
            for node in self.order:
                if not self._stays_visible(node):
                    key = self._box_of(self.scopes[node])
                    if key is not None:
                        self.summaries.setdefault(key, []).append(node)
                else:  # an input is always drawn, in the innermost part still open
                    self.scopes[node] = self._open_part(self.scopes[node])
        self.summary_ids = {key: f"s{k}" for k, key in enumerate(self.summaries)}

    def _stays_visible(self, node: Node) -> bool:
        """The output, and inputs: drawn even inside a collapsed part."""
        return node is self.root or (node.is_leaf and self.roles[node] in ("input", "constant"))

    def _box_of(self, scope: str | None) -> str | None:
        """The summary a node with this scope collapses into (the outermost collapsed part
        around it: deeper than `depth`, or named in `collapse`), or None."""
        if scope in self._boxes:
            return self._boxes[scope]
        box = None
        if scope is not None:
            parts = scope.split("/")
            for k in range(1, len(parts) + 1):
                prefix = "/".join(parts[:k])
                if (self.depth is not None and k > self.depth) or prefix in self.collapse:
                    box = prefix
                    break
        self._boxes[scope] = box
        return box

    def _open_part(self, scope: str | None) -> str | None:
        """The innermost part around `scope` that is still drawn open."""
        box = self._box_of(scope)
        if box is None:
            return scope
        return box.rsplit("/", 1)[0] if "/" in box else None

    def collapsed(self, node: Node) -> bool:
        return not self._stays_visible(node) and self._box_of(self.scopes[node]) is not None

    def node_id(self, node: Node) -> str:
        if self.collapsed(node):
            key = self._box_of(self.scopes[node])
            assert key is not None
            return self.summary_ids[key]
        return f"n{self.index[node]}"

    def visible(self) -> list[Node]:
        return [n for n in self.order if not self.collapsed(n)]


def _roles(
    order: list[Node], root: Node, names: Names, given: Mapping[Any, str]
) -> dict[Node, str]:
    """Every node's role: `value_role`, then the roles given by node or by name."""
    roles = {node: value_role(node, root) for node in order}
    by_name = {names[node]: node for node in order}
    for key, role in given.items():
        if role not in ROLES:
            raise ValueError(f"roles: {role!r} is not a role; roles are {', '.join(ROLES)}")
        node = by_name.get(key) if isinstance(key, str) else key
        if node is None or not isinstance(node, Node) or node not in roles:
            shown = repr(key) if isinstance(key, str) else repr(getattr(key, "label", key))
            some = ", ".join(list(by_name)[:12]) + (", ..." if len(by_name) > 12 else "")
            raise ValueError(
                f"roles: {shown} is not a node of the graph of {names[root]!r} (its names: {some})"
            )
        roles[node] = role
    return roles


def _check_options(root: Any, rankdir: str | None, depth: Any, collapse: Any) -> None:
    if not isinstance(root, Node):
        raise TypeError(
            f"build_scene needs a graph node (Value or Tensor), got {type(root).__name__}"
        )
    if rankdir is not None and rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL', 'BT' or None, got {rankdir!r}")
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise ValueError(f"depth must be a non-negative int or None, got {depth!r}")
    if isinstance(collapse, str) or not all(isinstance(p, str) for p in collapse):
        raise TypeError(f"collapse must be a collection of scope paths (str), got {collapse!r}")


def _check_collapse(view: _GraphView) -> None:
    """Every part named in `collapse` must be a scope of the graph."""
    parts = {
        "/".join(s.split("/")[:k])
        for s in view.names.scopes.values()
        if s
        for k in range(1, s.count("/") + 2)
    }
    unknown = sorted(view.collapse - parts)
    if unknown:
        known = ", ".join(repr(p) for p in sorted(parts)) or "none"
        raise ValueError(f"collapse names no part of this graph: {unknown}; its parts: {known}")


def _refuse_big(view: _GraphView, max_nodes: int) -> None:
    count = len(view.summaries)
    for node in view.visible():
        count += 1 + (node.op is not None) + sum(not isinstance(p, Node) for p in node.parents)
    if count <= max_nodes:
        return
    hint = (
        "pass depth=0 or depth=1 to collapse each named part (scope or module) into one box"
        if any(view.scopes.values())
        else "wrap parts of the computation in tl.scope(...) and pass depth= to collapse them"
    )
    raise ValueError(
        f"the picture would have {count} boxes, more than max_nodes={max_nodes}; {hint}, "
        f"or raise max_nodes"
    )


def _marks(
    view: _GraphView,
    highlight: Node | None,
    check: bool,
    grads: Mapping[Node, Any] | None,
    focus: tuple[Node, int] | None,
) -> _Marks:
    in_graph = set(view.order)
    if highlight is not None and (not isinstance(highlight, Node) or highlight not in in_graph):
        what = view.names.get(highlight, None) if isinstance(highlight, Node) else None
        shown = repr(highlight.label) if isinstance(highlight, Node) else repr(highlight)
        raise ValueError(
            f"highlight={what or shown} is not a node of the graph of "
            f"{view.names[view.root]!r}: nothing to highlight"
        )
    if focus is not None and focus[0] not in in_graph:
        raise ValueError("focus names a node outside the graph")
    marks = _Marks(grads=grads, focus=focus)
    if highlight is not None:
        marks.on_path = _on_path(view.order, highlight)
    if check and view.root.requires_grad:
        try:
            fresh = fresh_gradients(view.root, view.order)
        except RuntimeError as exc:
            raise ValueError(f"check=True needs an output backward can start from: {exc}") from None
        marks.checks = check_gradients(view.order, fresh)
        if grads is None:  # show the gradients that were checked, not a stale .grad
            marks.grads = fresh
    return marks


def build_scene(
    root: Node,
    *,
    rankdir: str | None = None,
    show_data: bool = True,
    show_grad: bool = True,
    edge_labels: bool = False,
    legend: bool = False,
    depth: int | None = None,
    collapse: Collection[str] = (),
    max_nodes: int = 500,
    check: bool = False,
    highlight: Node | None = None,
    title: str = "",
    grads: Mapping[Node, Any] | None = None,
    focus: tuple[Node, int] | None = None,
    roles: Mapping[Any, str] | None = None,
    style: Style | str | None = None,
) -> Scene:
    """Describe the graph that produced `root` as a `Scene`.

    Args:
        root: the output node; it is drawn green.
        rankdir: "LR" (inputs on the left), "TB", "RL", "BT", or None: "LR" unless that
            is wider than `WIDE` px and more than `ASPECT_LIMIT` times as wide as tall,
            then "TB".
        show_data: whether a value box has a data row.
        show_grad: whether a value box has a grad row (under the data).
        edge_labels: write the local derivative d(consumer)/d(input) on every edge into an
            op, from constants and inputs that need no gradient too. Where an op has no
            derivative for an argument (the exponent of a negative base, say) the edge
            reads "undefined" if a gradient must flow through it, and stays blank
            otherwise. Inputs that come from a collapsed cluster share one arrow per op,
            labelled with their count ("x16") when there is more than one.
        legend: add a key explaining every colour and mark the picture uses.
        depth: collapse every cluster nested deeper than `depth` scope levels into one
            summary box (parameter count and gradient norm); 0 collapses every cluster.
            Inputs (leaves without grad) stay visible.
        collapse: scope paths ("part1", "mlp/layer0") of clusters to collapse into their
            summary boxes, whatever their depth (the live view's click-to-collapse).
        max_nodes: refuse (ValueError) to describe a picture with more boxes than this.
        check: run one backward pass (leaving `.grad` as it is), show its gradients, and
            compare each parameter's with a central finite difference: a green outline
            agrees, a red one does not. The legend then explains the marks.
        highlight: mark every node and edge on a path from this node to `root`.
        title: a caption above the picture, and its name (an SVG's `<title>`).
        grads: show these gradients instead of `.grad` (used by the backward stepper);
            a node mapped to `NOT_REACHED` reads "grad not reached".
        focus: (consumer, input index): the edge to emphasise (the backward stepper).
            Inside a collapsed part (`depth=`), its summary box is highlighted.
        roles: set roles by hand, by node or by name: ``{x1: "input", "w": "parameter"}``;
            a role is one of "parameter", "input", "constant", "intermediate", "output".
        style: a `Style` or the name of one ("slide", "print"): text size, decimals,
            colours, spacing and the page the picture is for.

    Raises:
        TypeError: `root` is not a node.
        ValueError: a bad rankdir or depth, a `collapse` path that is no part of the
            graph, too many boxes, or a `highlight` node that is not part of the graph.
    """
    _check_options(root, rankdir, depth, collapse)
    look = style_from(style)
    view = _GraphView(root, depth, collapse, roles)
    _check_collapse(view)
    _refuse_big(view, max_nodes)
    marks = _marks(view, highlight, check, grads, focus)
    scene = Scene(rankdir=rankdir or "LR", title=title, style=look)
    for node in view.visible():
        _add_value(scene, view, node, marks, show_data, show_grad)
        if node.op is not None:
            _add_op(scene, view, node, marks, edge_labels)
    _add_summaries(scene, view, marks)
    scene.clusters = _clusters(scene.nodes)
    if legend or check:
        scene.legend = _legend(scene, marks)
    if marks.checks:
        scene.notes += [
            "grad: from a backward pass run for the check",
            "(.grad is left as it was)",
            "numeric: central difference",
        ]
    if rankdir is None:
        scene.rankdir = choose_rankdir(scene)
    return scene


def _add_value(
    scene: Scene, view: _GraphView, node: Node, marks: _Marks, show_data: bool, show_grad: bool
) -> None:
    """The box of one value: its name, shape, data and grad (and the check's verdict)."""
    nid = view.node_id(node)
    role = view.roles[node]
    digits = scene.style.digits
    rows = [view.names.short(node)]
    data = node.data
    if isinstance(data, np.ndarray):  # a Tensor, 0-d included
        rows.append(f"shape {tuple(data.shape)} {getattr(data, 'dtype', '')}".rstrip())
    if show_data:
        rows.append(data_row(data, digits))
    if show_grad and node.requires_grad:
        rows.append(grad_row(marks.grad(node), digits))
    fill, border = scene.style.colour(role), BORDER
    if node in marks.checks:
        c = marks.checks[node]
        verdict = "check ok" if c.ok else "check failed"
        fill, border = scene.style.colour(verdict), CHECK_BORDERS[verdict]
        kind = "numeric along a random direction" if is_array(node.data) else "numeric"
        shown = format_number(c.numeric, digits)
        rows.append(f"{'check ok' if c.ok else 'check FAILED'}: {kind} {shown}")
    lit = node in marks.on_path or (marks.focus is not None and node is marks.focus[0])
    made = f"made by {node.op.name}" if node.op is not None else "a leaf"
    where = f" in {view.scopes[node]}" if view.scopes[node] else ""
    scene.nodes.append(
        SceneNode(
            nid,
            "value",
            role,
            rows,
            fill,
            view.scopes[node],
            f"{view.names[node]}: {made}{where}",
            border,
            lit,
            view.names[node],
        )
    )
    scene.sources[nid] = node


def data_row(data: Any, digits: int = 4) -> str:
    """The data row of a value box: ``data 2.0000``."""
    return f"data {number_text(data, digits)}"


def grad_row(grad: Any, digits: int = 4) -> str:
    """The grad row of a value box: ``grad -3.0000``, ``grad none`` before any backward,
    ``grad not reached`` for a node backward has not got to yet (`NOT_REACHED`)."""
    if grad is NOT_REACHED:
        return "grad not reached"
    return "grad none" if grad is None else f"grad {number_text(grad, digits)}"


def _add_op(scene: Scene, view: _GraphView, node: Node, marks: _Marks, labels: bool) -> None:
    """The op ellipse that made `node`, its result edge and one edge per input."""
    assert node.op is not None
    nid = view.node_id(node)
    op_id = f"{nid}_op"
    scope = view.scopes[node]
    lit = node in marks.on_path
    scene.nodes.append(
        SceneNode(
            op_id,
            "op",
            "op",
            [node.op.symbol],
            scene.style.colour("op"),
            scope,
            f"{node.op.name}: {node.op.formula}",
            highlight=lit,
            name=view.names[node],
        )
    )
    scene.edges.append(SceneEdge(op_id, nid, 0, "", lit))
    inputs = tuple(raw(p) for p in node.parents)
    merged: dict[str, SceneEdge] = {}
    for i, p in enumerate(node.parents):
        src = view.node_id(p) if isinstance(p, Node) else f"{nid}_c{i}"
        if not isinstance(p, Node):
            scene.nodes.append(
                SceneNode(
                    src,
                    "value",
                    "constant",
                    [number_text(p, scene.style.digits)],
                    scene.style.colour("constant"),
                    scope,
                    "a constant written into the formula",
                )
            )
        lit_edge = marks.edge_lit(node, i, p)
        if src in merged:  # many inputs from one collapsed part: one arrow, counted
            edge = merged[src]
            edge.highlight |= lit_edge
            edge.label = f"x{int(edge.label[1:] or 1) + 1}" if edge.label[:1] == "x" else "x2"
            continue
        label, tip = "", ""
        if isinstance(p, Node) and view.collapsed(p):
            merged[src] = SceneEdge(src, op_id, i, "", lit_edge)
            scene.edges.append(merged[src])
            continue
        rule = local_rule(node, i, view.names)
        role = input_role(node.op.name, i, node.op.variadic, len(node.parents))
        if labels:
            needed = isinstance(p, Node) and p.requires_grad
            label = _local_label(node, i, inputs, "undefined" if needed else "", scene.style)
        tip = f"{role} of {view.names[node]}: {rule}"
        scene.edges.append(SceneEdge(src, op_id, i, label, lit_edge, tip))


def _local_label(node: Node, i: int, inputs: tuple[Any, ...], undefined: str, style: Style) -> str:
    """The local derivative d node / d input i as text, or `undefined` where it has none."""
    assert node.op is not None
    try:
        d = node.op.local_derivative(i, node.data, inputs)
    except (ArithmeticError, ValueError):
        return undefined
    if is_array(d):
        return f"vjp(1) mean {format_number(np.mean(d), style.digits)}"
    return format_number(d, style.digits)


def _on_path(order: list[Node], start: Node) -> set[Node]:
    """Nodes on some path from `start` to the root (the last node of `order`)."""
    reach = {start}
    for node in order:
        if any(isinstance(p, Node) and p in reach for p in node.parents):
            reach.add(node)
    if not order or order[-1] not in reach:
        return set()
    back = {order[-1]}
    for node in reversed(order):
        if node in back:
            back.update(p for p in node.parents if isinstance(p, Node) and p in reach)
    return back


def _add_summaries(scene: Scene, view: _GraphView, marks: _Marks) -> None:
    """One box per collapsed cluster; one arrow (counted) per pair of boxes crossing its edge.

    A box is highlighted when a highlighted path runs through it, or when the current
    step of backward (`focus`) passes an edge inside it.
    """
    focus_box = view.node_id(marks.focus[0]) if marks.focus is not None else None
    for key, members in view.summaries.items():
        params = [m for m in members if m.is_leaf and view.roles[m] == "parameter"]
        size = sum(int(getattr(p.data, "size", 1)) for p in params)
        sq = 0.0
        for p in params:
            g = raw(p.grad)
            if g is not None:
                sq += float(np.sum(np.square(np.asarray(g, dtype=np.float64))))
        ops = sum(m.op is not None for m in members)
        rows = [
            key.rsplit("/", 1)[-1],
            f"{_plural(ops, 'op')}, {_plural(size, 'parameter')}",
            f"grad norm {format_number(np.sqrt(sq), scene.style.digits)}",
        ]
        parent = key.rsplit("/", 1)[0] if "/" in key else None
        sid = view.summary_ids[key]
        lit = sid == focus_box or any(m in marks.on_path for m in members)
        scene.nodes.append(
            SceneNode(
                sid,
                "summary",
                "summary",
                rows,
                scene.style.colour("summary"),
                parent,
                key,
                highlight=lit,
            )
        )
    seen: dict[tuple[str, str], SceneEdge] = {}
    counts: dict[tuple[str, str], int] = {}
    for key, members in view.summaries.items():
        sid = view.summary_ids[key]
        for m in members:
            for p in m.parents:
                if not isinstance(p, Node):
                    continue
                src = view.node_id(p)
                if src == sid:
                    continue
                if (src, sid) not in seen:
                    seen[(src, sid)] = SceneEdge(src, sid)
                    counts[(src, sid)] = 0
                    scene.edges.append(seen[(src, sid)])
                counts[(src, sid)] += 1
    for pair, n in counts.items():
        if n > 1:
            seen[pair].label = f"x{n}"


def _clusters(nodes: list[SceneNode]) -> list[SceneCluster]:
    paths: set[str] = set()
    for n in nodes:
        if n.cluster:
            parts = n.cluster.split("/")
            for k in range(1, len(parts) + 1):
                paths.add("/".join(parts[:k]))
    return [SceneCluster(p, p.rsplit("/", 1)[-1]) for p in sorted(paths)]


def _legend(scene: Scene, marks: _Marks) -> list[LegendItem]:
    """One line for every colour and mark the picture uses, and for nothing else."""
    colour = scene.style.colour
    roles = {n.role for n in scene.nodes if n.fill == colour(n.role)}
    items = [
        LegendItem(ROLE_TEXT[r], "box", colour(r))
        for r in ("parameter", "input", "constant", "intermediate", "output", "summary")
        if r in roles
    ]
    if any(n.kind == "op" for n in scene.nodes):
        items.append(LegendItem("operation (symbol)", "op", colour("op")))
    if any(c.ok for c in marks.checks.values()):
        items.append(
            LegendItem(
                "check ok: grad = numeric", "box", colour("check ok"), CHECK_BORDERS["check ok"]
            )
        )
    if any(not c.ok for c in marks.checks.values()):
        items.append(
            LegendItem(
                "check failed: grad != numeric",
                "box",
                colour("check failed"),
                CHECK_BORDERS["check failed"],
            )
        )
    if any(e.highlight for e in scene.edges) or any(n.highlight for n in scene.nodes):
        what = "current step" if marks.focus is not None else "path to the output"
        items.append(LegendItem(what, "line", HIGHLIGHT, HIGHLIGHT))
    return items


def choose_rankdir(scene: Scene) -> str:
    """ "LR", unless the picture drawn so would be wider than `WIDE` px and more than
    `ASPECT_LIMIT` times as wide as tall; then "TB" (a long chain of wide Tensor boxes
    reads better downwards than as a strip). When the scene's style names a page (a size
    or an aspect), the direction whose picture fits that page at the larger scale.

    The estimate lays boxes on longest-path layers with the built-in engine's box sizes.
    """
    (lr_w, lr_h), (tb_w, tb_h) = _estimate(scene)
    aspect = scene.style.target_aspect
    if aspect is not None:  # the scale each direction is drawn at on a page of that shape
        return "TB" if min(aspect / tb_w, 1 / tb_h) > min(aspect / lr_w, 1 / lr_h) else "LR"
    return "TB" if lr_w > max(WIDE, ASPECT_LIMIT * lr_h) else "LR"


def _estimate(scene: Scene) -> tuple[tuple[float, float], tuple[float, float]]:
    """Rough (width, height) of the picture drawn left to right, and top to bottom."""
    from tinygrad_lite.viz.layout import LAYER_GAP, NODE_GAP, node_size

    ids = {n.id: n for n in scene.nodes}
    succ: dict[str, list[str]] = {n.id: [] for n in scene.nodes}
    indeg = dict.fromkeys(ids, 0)
    for e in scene.edges:
        succ[e.src].append(e.dst)
        indeg[e.dst] += 1
    layer = dict.fromkeys(ids, 0)
    ready = [nid for nid, k in indeg.items() if k == 0]
    while ready:  # longest-path layers, in topological order (Kahn)
        nid = ready.pop()
        for nxt in succ[nid]:
            layer[nxt] = max(layer[nxt], layer[nid] + 1)
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                ready.append(nxt)
    style = scene.style
    layer_gap, node_gap = LAYER_GAP * style.spacing, NODE_GAP * style.spacing
    most_w: dict[int, float] = {}  # the widest box of each layer
    most_h: dict[int, float] = {}
    sum_w: dict[int, float] = {}  # all boxes of a layer side by side
    sum_h: dict[int, float] = {}
    for nid, lv in layer.items():
        w, h = node_size(ids[nid], style.font_scale)
        most_w[lv], most_h[lv] = max(most_w.get(lv, 0.0), w), max(most_h.get(lv, 0.0), h)
        sum_w[lv] = sum_w.get(lv, 0.0) + w + node_gap
        sum_h[lv] = sum_h.get(lv, 0.0) + h + node_gap
    lr = (sum(most_w.values()) + layer_gap * len(most_w), max(sum_h.values(), default=1.0))
    tb = (max(sum_w.values(), default=1.0), sum(most_h.values()) + layer_gap * len(most_h))
    return lr, tb
