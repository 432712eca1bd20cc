"""Pictures of a computational graph.

The graph is first described as a backend-independent `Scene` (`build_scene`): which
boxes, with which text and colours, which arrows, which clusters. `draw_dot` turns a
Scene into a `graphviz.Digraph`; `draw` picks Graphviz when the `dot` program is installed
and the built-in layout engine (`tinygrad_lite.svg`) otherwise. Everything shown is read
from the node model (data, grad, op, parents, label, scope); local derivatives on edges
come from `Op.local_derivative`, never re-derived here.
"""

from __future__ import annotations

import html
import importlib
import math
import random
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from tinygrad_lite.autograd import Node, toposort
from tinygrad_lite.naming import effective_scope
from tinygrad_lite.scene import Scene, SceneCluster, SceneEdge, SceneNode

__all__ = [
    "COLOURS",
    "INSTALL_HELP",
    "GraphvizNotFound",
    "Picture",
    "backward_steps",
    "build_scene",
    "dot_available",
    "draw",
    "draw_dot",
    "format_number",
    "render",
    "scene_to_dot",
]

#: Fill colour per role. Parameters light blue, inputs and constants warm, output green.
COLOURS: dict[str, str] = {
    "parameter": "#add8e6",
    "input": "#fff2b3",
    "constant": "#ececec",
    "output": "#a8e6a1",
    "intermediate": "#ffffff",
    "op": "#f5f5f5",
    "summary": "#ffd9a8",
    "check ok": "#c8f7c5",
    "check failed": "#ffb3b3",
}

_BORDER_OK = "#1b7f1b"
_BORDER_BAD = "#c00000"
_HIGHLIGHT = "#d62728"

INSTALL_HELP = """\
The Graphviz 'dot' program was not found, so the graph cannot be rendered to an image.
The DOT source (.source) is still available. Install Graphviz and make sure 'dot' is on PATH:
  Debian/Ubuntu:  sudo apt-get install graphviz
  macOS:          brew install graphviz
  Windows:        winget install graphviz   (or: choco install graphviz),
                  then add C:\\Program Files\\Graphviz\\bin to PATH
  conda:          conda install -c conda-forge graphviz
(pip install graphviz only installs the Python wrapper, not the program.)"""


class GraphvizNotFound(RuntimeError):
    """Rendering needs the Graphviz `dot` program, and it is not installed."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(INSTALL_HELP + (f"\n({detail})" if detail else ""))


def dot_available() -> bool:
    """Whether the Graphviz `dot` program is on PATH."""
    return shutil.which("dot") is not None


class Picture(graphviz.Digraph):  # type: ignore[misc]
    """A `graphviz.Digraph` whose rendering explains how to install Graphviz when missing.

    Notebooks display it inline; `.source` works without Graphviz.
    """

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as exc:
            raise GraphvizNotFound(str(exc)) from None

    def render(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as exc:
            raise GraphvizNotFound(str(exc)) from None


def render(dot: graphviz.Digraph, path: str | Path, format: str | None = None) -> str:
    """Write `dot` to `path` (format from the suffix unless given); returns the path.

    A `.dot`/`.gv` path gets the DOT source and needs no Graphviz program.
    """
    fmt = (format or Path(path).suffix.lstrip(".") or "svg").lower()
    if fmt in ("dot", "gv"):
        Path(path).write_text(dot.source, encoding="utf-8")
        return str(path)
    try:
        data = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizNotFound(str(exc)) from None
    Path(path).write_bytes(data)
    return str(path)


# ----------------------------------------------------------------------------------
# Numbers and tensors as short text
# ----------------------------------------------------------------------------------


def format_number(x: Any) -> str:
    """A number in at most about ten characters: 4 decimals, or scientific when far from 1."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"


def raw(x: Any) -> Any:
    """The data inside a node (a gradient can be a node under create_graph), or x itself."""
    return x.data if isinstance(x, Node) else x


def _is_tensor(data: Any) -> bool:
    return hasattr(data, "shape") and getattr(data, "ndim", 0) > 0


def _summary(arr: Any) -> str:
    """A few entries of a small array, or mean/min/max of a big one."""
    a = np.asarray(arr)
    if a.size == 0:
        return "[]"
    if a.dtype.kind in "iu":  # class labels and indices: whole numbers, shown as such
        if a.size <= 4:
            return "[" + " ".join(str(int(v)) for v in a.ravel()) + "]"
        return f"{a.size} integers in {int(a.min())}..{int(a.max())}"
    if a.size <= 4:
        return "[" + " ".join(format_number(v) for v in a.ravel()) + "]"
    if not np.issubdtype(a.dtype, np.number):
        return f"{a.size} entries"
    finite = np.isfinite(a)
    if not finite.all():
        return f"{int((~finite).sum())} of {a.size} not finite"
    return (
        f"mean {format_number(a.mean())} min {format_number(a.min())} max {format_number(a.max())}"
    )


def _data_text(x: Any) -> str:
    return _summary(x) if _is_tensor(x) else format_number(x)


# ----------------------------------------------------------------------------------
# Graph -> Scene
# ----------------------------------------------------------------------------------


@dataclass
class _Check:
    analytic: float
    numeric: float
    ok: bool


def build_scene(
    root: Node,
    *,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    edge_labels: bool = False,
    legend: bool = False,
    depth: int | None = None,
    max_nodes: int = 500,
    check: bool = False,
    highlight: Node | None = None,
    title: str = "",
    grads: Mapping[Node, Any] | None = None,
    focus: tuple[Node, int] | None = None,
) -> Scene:
    """Describe the graph that produced `root` as a `Scene`.

    Args:
        root: the output node; it is drawn green.
        rankdir: "LR" (inputs on the left) or "TB".
        show_data, show_grad: which rows a value box has (grad under data).
        edge_labels: write the local derivative d(consumer)/d(input) on every edge into an
            op, from constants and inputs that need no gradient too (the derivative exists
            whether or not backward uses it). Where an op has no derivative for an
            argument (the exponent of a negative base, say) the edge reads "undefined" if
            a gradient must flow through it, and stays blank otherwise. Inputs that come
            from a collapsed cluster share one arrow per op, labelled with their count
            ("x16") when there is more than one.
        legend: add a key explaining the colours.
        depth: collapse every cluster nested deeper than `depth` scope levels into one
            summary box (parameter count and gradient norm); 0 collapses every cluster.
        max_nodes: refuse (ValueError) to describe a picture with more boxes than this.
        check: compare each parameter's analytic gradient with a central finite
            difference and colour it green (agrees) or red (disagrees).
        highlight: mark every node and edge on a path from this node to `root`.
        title: a caption.
        grads: show these gradients instead of `.grad` (used by the backward stepper).
        focus: (consumer, input index): the edge to emphasise (the backward stepper).
    """
    if not isinstance(root, Node):
        raise TypeError(
            f"build_scene needs a graph node (Value or Tensor), got {type(root).__name__}"
        )
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise ValueError(f"depth must be a non-negative int or None, got {depth!r}")
    order = toposort(root)
    index = {node: i for i, node in enumerate(order)}
    consumers: dict[Node, list[Node]] = {}
    for node in order:
        for p in node.parents:
            if isinstance(p, Node):
                consumers.setdefault(p, []).append(node)
    scopes = {node: effective_scope(node, consumers) for node in order}

    def box_of(scope: str | None) -> str | None:
        """The summary key a node with this scope collapses into, or None."""
        if depth is None or scope is None:
            return None
        parts = scope.split("/")
        return "/".join(parts[: depth + 1]) if len(parts) > depth else None

    summaries: dict[str, list[Node]] = {}
    if depth is not None:
        scopes[root] = root.scope if box_of(root.scope) is None else None  # always visible
    for node in order:
        key = box_of(scopes[node])
        if key is not None:
            summaries.setdefault(key, []).append(node)

    count = len(summaries)
    for node in order:
        if box_of(scopes[node]) is None:
            count += 1 + (node.op is not None) + sum(not isinstance(p, Node) for p in node.parents)
    if count > max_nodes:
        hint = (
            "pass depth=0 or depth=1 to collapse each named part (scope or module) into one box"
            if any(scopes.values())
            else "wrap parts of the computation in tl.scope(...) and pass depth= to collapse them"
        )
        raise ValueError(
            f"the picture would have {count} boxes, more than max_nodes={max_nodes}; {hint}, "
            f"or raise max_nodes"
        )

    on_path = _on_path(order, highlight) if highlight is not None else set()
    checks = _check_gradients(root, order) if check else {}
    scene = Scene(rankdir=rankdir, title=title)

    summary_ids = {key: f"s{k}" for k, key in enumerate(summaries)}
    collapsed = set(summary_ids.values())

    def node_id(node: Node) -> str:
        key = box_of(scopes[node])
        return summary_ids[key] if key is not None else f"n{index[node]}"

    for node in order:
        if box_of(scopes[node]) is not None:
            continue
        nid = f"n{index[node]}"
        role = _role(node, root)
        grad = grads.get(node, node.grad) if grads is not None else node.grad
        rows = _value_rows(node, grad, show_data, show_grad)
        fill, border = COLOURS[role], "#000000"
        if node in checks:
            c = checks[node]
            fill = COLOURS["check ok" if c.ok else "check failed"]
            border = _BORDER_OK if c.ok else _BORDER_BAD
            kind = "numeric along a random direction" if _is_tensor(node.data) else "numeric"
            verdict = "ok" if c.ok else "FAILED"
            rows.append(f"check {verdict}: {kind} {format_number(c.numeric)}")
        highlighted = node in on_path or (focus is not None and node is focus[0])
        scene.nodes.append(
            SceneNode(
                nid, "value", role, rows, fill, scopes[node], _tooltip(node), border, highlighted
            )
        )
        if node.op is None:
            continue
        op_id = f"{nid}_op"
        scene.nodes.append(
            SceneNode(
                op_id,
                "op",
                "op",
                [node.op.symbol],
                COLOURS["op"],
                scopes[node],
                f"{node.op.name}: {node.op.formula}",
                highlight=node in on_path,
            )
        )
        scene.edges.append(SceneEdge(op_id, nid, 0, "", node in on_path))
        inputs = tuple(p.data if isinstance(p, Node) else p for p in node.parents)
        merged: dict[str, SceneEdge] = {}
        counts: dict[str, int] = {}
        for i, p in enumerate(node.parents):
            if isinstance(p, Node):
                src = node_id(p)
            else:
                src = f"{nid}_c{i}"
                scene.nodes.append(
                    SceneNode(
                        src,
                        "value",
                        "constant",
                        [_data_text(p)],
                        COLOURS["constant"],
                        scopes[node],
                        "a constant written into the formula",
                    )
                )
            label = ""
            if edge_labels:
                needed = isinstance(p, Node) and p.requires_grad
                label = _local_label(node, i, inputs, "undefined" if needed else "")
            lit = (isinstance(p, Node) and p in on_path and node in on_path) or (
                focus is not None and focus[0] is node and focus[1] == i
            )
            if src in collapsed:  # many inputs from one collapsed part: one arrow, counted
                if src in merged:
                    merged[src].highlight |= lit
                    counts[src] += 1
                    continue
                merged[src] = SceneEdge(src, op_id, i, label, lit)
                counts[src] = 1
                scene.edges.append(merged[src])
                continue
            scene.edges.append(SceneEdge(src, op_id, i, label, lit))
        for src, n in counts.items():
            if n > 1:
                merged[src].label = f"x{n}"

    _add_summaries(scene, summaries, summary_ids, node_id)
    scene.clusters = _clusters(scene.nodes)
    if legend:
        roles = ["parameter", "input", "constant", "intermediate", "output"]
        if checks:
            roles += ["check ok", "check failed"]
        if summaries:
            roles.append("summary")
        scene.legend = [(r, COLOURS[r]) for r in roles]
    return scene


def _role(node: Node, root: Node) -> str:
    if node is root:
        return "output"
    if node.is_leaf:
        return "parameter" if node.requires_grad else "input"
    return "intermediate"


def _value_rows(node: Node, grad: Any, show_data: bool, show_grad: bool) -> list[str]:
    rows = [node.label] if node.label else []
    data = node.data
    if isinstance(data, np.ndarray):  # a Tensor, 0-d included
        rows.append(f"shape {tuple(data.shape)} {getattr(data, 'dtype', '')}".rstrip())
    if show_data:
        rows.append(f"data {_data_text(data)}")
    if show_grad and node.requires_grad:
        if grad is None:
            rows.append("grad none")
        else:
            rows.append(f"grad {_data_text(raw(grad))}")
    return rows


def _tooltip(node: Node) -> str:
    made = f"made by {node.op.name}" if node.op is not None else "a leaf"
    where = f" in {node.scope}" if node.scope else ""
    return f"{node.label or type(node).__name__}: {made}{where}"


def _local_label(node: Node, i: int, inputs: tuple[Any, ...], undefined: str) -> str:
    """The local derivative d node / d input i as text, or `undefined` where it has none."""
    assert node.op is not None
    try:
        d = node.op.local_derivative(i, node.data, inputs)
    except (ArithmeticError, ValueError):
        return undefined
    if _is_tensor(d):
        return f"vjp(1) mean {format_number(np.mean(d))}"
    return format_number(d)


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


def _add_summaries(
    scene: Scene,
    summaries: Mapping[str, list[Node]],
    ids: Mapping[str, str],
    node_id: Callable[[Node], str],
) -> None:
    """One box per collapsed cluster; one arrow (counted) per pair of boxes crossing its edge."""
    if not summaries:
        return
    for key, members in summaries.items():
        params = [m for m in members if m.is_leaf and m.requires_grad]
        size = sum(int(getattr(p.data, "size", 1)) for p in params)
        sq = 0.0
        for p in params:
            g = raw(p.grad)
            if g is not None:
                sq += float(np.sum(np.square(np.asarray(g, dtype=np.float64))))
        ops = sum(m.op is not None for m in members)
        rows = [
            key.rsplit("/", 1)[-1],
            f"{ops} ops, {size} parameters",
            f"grad norm {format_number(math.sqrt(sq))}",
        ]
        parent = key.rsplit("/", 1)[0] if "/" in key else None
        scene.nodes.append(
            SceneNode(ids[key], "summary", "summary", rows, COLOURS["summary"], parent, key)
        )
    seen: dict[tuple[str, str], SceneEdge] = {}
    counts: dict[tuple[str, str], int] = {}
    for key, members in summaries.items():
        sid = ids[key]
        for m in members:
            for p in m.parents:
                if isinstance(p, Node):
                    src = node_id(p)
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


def _clusters(nodes: Iterable[SceneNode]) -> list[SceneCluster]:
    paths: set[str] = set()
    for n in nodes:
        if n.cluster:
            parts = n.cluster.split("/")
            for k in range(1, len(parts) + 1):
                paths.add("/".join(parts[:k]))
    return [SceneCluster(p, p.rsplit("/", 1)[-1]) for p in sorted(paths)]


# ----------------------------------------------------------------------------------
# Gradient check by replaying the graph forward
# ----------------------------------------------------------------------------------


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


def fresh_gradients(root: Node, order: list[Node] | None = None) -> dict[Node, Any]:
    """Every node's gradient from one backward pass of `root`, leaving `.grad` untouched.

    Saves each node's gradient, empties the leaves, runs `root.backward()`, reads the
    results and puts every saved gradient back.
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


def _check_gradients(
    root: Node, order: list[Node], eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4
) -> dict[Node, _Check]:
    """For each parameter leaf: analytic vs central-difference directional derivative.

    A random +-1 direction per leaf keeps this one pair of forward passes per leaf even
    for big tensors (for a scalar it is the plain derivative).
    """
    if not root.requires_grad:
        return {}
    try:
        analytic = fresh_gradients(root, order)
    except RuntimeError as exc:
        raise ValueError(f"check=True needs an output backward can start from: {exc}") from None
    rng = random.Random(0)
    results: dict[Node, _Check] = {}
    for leaf in order:
        if not (leaf.is_leaf and leaf.requires_grad):
            continue
        x = leaf.data
        g = analytic.get(leaf)
        g = raw(g)
        if _is_tensor(x):
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
        results[leaf] = _Check(ana, num, bool(ok))
    return results


# ----------------------------------------------------------------------------------
# Scene -> Graphviz
# ----------------------------------------------------------------------------------


# Every text that reaches DOT goes through one of these. Graphviz reads a label's text
# twice: as markup (so < > & " are written as entities) and for its own escapes such as
# \N (the node's name), \G and \l, where a doubled backslash stands for one. A tooltip is
# read three times (entities, then one level of backslashes, then the escapes), so there
# each backslash is written four times. Labels are always HTML-like (<...>), so a name
# such as "<x>" is never taken for markup.


def _html_text(text: str) -> str:
    """`text` for the inside of an HTML-like label, shown exactly as written."""
    return html.escape(text).replace("\\", "\\\\")


def _html(text: str) -> str:
    """An HTML-like label that shows `text` exactly as written."""
    return f"<{_html_text(text)}>"


def _tooltip_text(text: str) -> str:
    """A tooltip that shows `text` exactly as written."""
    return html.escape(text).replace("\\", "\\" * 4)


def _cluster_name(path: str) -> str:
    """The subgraph name of a scope: ``cluster_<scope>``, backslashes doubled so it parses."""
    return "cluster_" + path.replace("\\", "\\\\")


def _html_label(node: SceneNode) -> str:
    """An HTML-like label: a table of rows for boxes, the escaped symbol for op nodes."""
    if node.kind == "op":
        return _html(node.rows[0] if node.rows else "")
    border = _HIGHLIGHT if node.highlight else node.border
    width = "2" if node.highlight or node.border != "#000000" else "1"
    cells = []
    for k, row in enumerate(node.rows):
        text = _html_text(row)
        if k == 0 and not row.startswith(("data ", "shape ")) and len(node.rows) > 1:
            text = f"<B>{text}</B>"
        cells.append(f"<TR><TD>{text}</TD></TR>")
    return (
        f'<<TABLE BORDER="{width}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" '
        f'BGCOLOR="{node.fill}" COLOR="{border}">' + "".join(cells) + "</TABLE>>"
    )


def _node_attrs(node: SceneNode) -> dict[str, str]:
    attrs = {"label": _html_label(node)}
    if node.tooltip:
        attrs["tooltip"] = _tooltip_text(node.tooltip)
    if node.kind == "op":
        attrs.update(
            shape="circle" if len(node.rows[0]) <= 2 else "ellipse",
            style="filled",
            fillcolor=node.fill,
            fontsize="10",
            margin="0.02,0.01",
            width="0.3",
            height="0.3",
        )
        if node.highlight:
            attrs.update(color=_HIGHLIGHT, penwidth="2")
    else:
        attrs["shape"] = "plain"
    return attrs


def scene_to_dot(scene: Scene) -> Picture:
    """The Graphviz description of a Scene (clusters nested as the scope paths say)."""
    dot = Picture(
        graph_attr={"rankdir": scene.rankdir, "fontname": "Helvetica"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"},
    )
    if scene.title:
        dot.attr(label=_html(scene.title), labelloc="t")
    children: dict[str | None, list[str]] = {}
    for c in scene.clusters:
        parent = c.path.rsplit("/", 1)[0] if "/" in c.path else None
        children.setdefault(parent, []).append(c.path)
    labels = {c.path: c.label for c in scene.clusters}
    members: dict[str | None, list[SceneNode]] = {}
    for n in scene.nodes:
        members.setdefault(n.cluster if n.cluster in labels else None, []).append(n)

    def fill(g: graphviz.Digraph, path: str | None) -> None:
        for n in members.get(path, []):
            g.node(n.id, **_node_attrs(n))
        for child in children.get(path, []):
            with g.subgraph(name=_cluster_name(child)) as sub:
                sub.attr(
                    label=_html(labels[child]),
                    style="rounded,dashed",
                    color="#777777",
                    fontsize="12",
                )
                fill(sub, child)

    fill(dot, None)
    for e in scene.edges:
        attrs: dict[str, str] = {}
        if e.label:
            attrs["label"] = _html(e.label)
        if e.highlight:
            attrs.update(color=_HIGHLIGHT, penwidth="2.2")
        dot.edge(e.src, e.dst, **attrs)
    if scene.legend:
        with dot.subgraph(name="cluster_legend") as key:
            key.attr(label="legend", style="rounded", color="#999999")
            for role, colour in scene.legend:
                key.node(
                    f"legend_{role.replace(' ', '_')}",
                    label=role,
                    shape="box",
                    style="filled",
                    fillcolor=colour,
                    fontsize="9",
                )
    return dot


def draw_dot(root: Node, rankdir: str = "LR", show_grad: bool = True, **options: Any) -> Picture:
    """A `graphviz.Digraph` of the graph that produced `root` (see `build_scene` for options).

    Example:
        >>> from tinygrad_lite import Value
        >>> a = Value(2.0, label="a")
        >>> dot = draw_dot(a * a)
        >>> dot.source.count("->")
        3
    """
    return scene_to_dot(build_scene(root, rankdir=rankdir, show_grad=show_grad, **options))


def draw(root: Node, engine: str = "auto", **options: Any) -> Any:
    """Draw with Graphviz when `dot` is installed, else with the built-in layout engine.

    Returns a `graphviz.Digraph` (engine "graphviz") or the built-in engine's SVG drawing
    (engine "builtin"); both display inline in a notebook.
    """
    if engine not in ("auto", "graphviz", "builtin"):
        raise ValueError(f"engine must be 'auto', 'graphviz' or 'builtin', got {engine!r}")
    scene = build_scene(root, **options)
    if engine == "graphviz" or (engine == "auto" and dot_available()):
        return scene_to_dot(scene)
    builtin = importlib.import_module("tinygrad_lite.svg")
    return builtin.render_svg(scene)


def backward_steps(root: Node, **options: Any) -> Any:
    """Record the backward walk from `root` frame by frame (see `tinygrad_lite.steps`)."""
    from tinygrad_lite.steps import backward_steps as record

    return record(root, **options)
