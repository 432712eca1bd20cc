"""A Scene laid out once in Python, as the data the live view's front end draws.

The browser lays nothing out: every box, cluster rectangle, edge curve and edge-label
position comes from the same engines as `draw` (the `dot` program, pygraphviz, or the
built-in layout) and is sent as numbers. The front end only turns them into SVG elements
and then changes text and classes.

Edges are named by a key, ``"<src>><dst>#<index>"``, which stays the same whatever else
the picture shows, so a path, a step of backward or a number can point at an edge
without knowing where it is drawn.
"""

from __future__ import annotations

from typing import Any

from tinygrad_lite.viz.build import grad_row
from tinygrad_lite.viz.engines import ENGINES, GraphvizNotFound, graphviz_engine
from tinygrad_lite.viz.geometry import graphviz_layout
from tinygrad_lite.viz.layout import Layout, Rect, Route
from tinygrad_lite.viz.picture import scene_to_dot
from tinygrad_lite.viz.scene import Scene, SceneEdge
from tinygrad_lite.viz.svg import FONT_FAMILY, _curve, render_svg

__all__ = ["choose_engine", "edge_key", "lay_out", "picture_data"]

#: Graphviz writes its labels in Helvetica at these sizes (see `viz.dot`).
GRAPHVIZ_FONT = "Helvetica, Arial, Liberation Sans, sans-serif"
PAD = 4.0  #: margin around the picture, as Graphviz leaves one


def edge_key(edge: SceneEdge) -> str:
    """The name of an edge on the page: source box, target box and argument index."""
    return f"{edge.src}>{edge.dst}#{edge.index}"


def choose_engine(engine: str) -> str:
    """The engine that lays pictures out here: "dot", "pygraphviz" or "builtin".

    Raises:
        ValueError: an unknown engine name.
        GraphvizNotFound: a Graphviz engine was named and is not installed.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    if engine == "builtin":
        return "builtin"
    found = graphviz_engine("graphviz" if engine == "auto" else engine)
    if found is not None:
        return found
    if engine == "auto":
        return "builtin"
    raise GraphvizNotFound(f"engine={engine!r} was asked for")


def lay_out(scene: Scene, engine: str) -> Layout:
    """Where everything goes, by `engine` ("dot", "pygraphviz" or "builtin")."""
    if engine == "builtin":
        return render_svg(scene).layout  # places the edge labels too
    return graphviz_layout(scene, scene_to_dot(scene).source, engine)


def _spline_path(points: list[tuple[float, float]]) -> str:
    """Graphviz's spline (start, then three points per cubic piece, then the arrow tip)."""
    tip = points[-1] if (len(points) - 2) % 3 == 0 and len(points) > 1 else None
    body = points[:-1] if tip is not None else points
    d = [f"M{body[0][0] + PAD:.1f},{body[0][1] + PAD:.1f}"]
    for k in range(1, len(body) - 2, 3):
        c = [f"{x + PAD:.1f},{y + PAD:.1f}" for x, y in body[k : k + 3]]
        d.append("C" + " ".join(c))
    if tip is not None:
        d.append(f"L{tip[0] + PAD:.1f},{tip[1] + PAD:.1f}")
    return " ".join(d)


def _builtin_path(route: Route, layout: Layout) -> str:
    """The built-in engine's curve for a route, exactly as its SVG draws it."""
    lr = layout.rankdir in ("LR", "RL")
    pieces = _curve(route, lr, layout.nodes)
    d = [f"M{pieces[0][0][0] + PAD:.1f},{pieces[0][0][1] + PAD:.1f}"]
    for _, c1, c2, q in pieces:
        d.append(
            f"C{c1[0] + PAD:.1f},{c1[1] + PAD:.1f} {c2[0] + PAD:.1f},{c2[1] + PAD:.1f} "
            f"{q[0] + PAD:.1f},{q[1] + PAD:.1f}"
        )
    return " ".join(d)


def _box(r: Rect) -> dict[str, float]:
    return {
        "x": round(r.left + PAD, 2),
        "y": round(r.top + PAD, 2),
        "w": round(r.width, 2),
        "h": round(r.height, 2),
    }


def _grad_row_index(scene: Scene, node_id: str, rows: list[str]) -> int:
    """Which row of a value box is its grad row (-1 if it has none)."""
    node = scene.sources.get(node_id)
    if node is None or not node.requires_grad:
        return -1
    row = grad_row(node.grad)
    return rows.index(row) if row in rows else -1


def picture_data(scene: Scene, engine: str, legend: list[Any] | None = None) -> dict[str, Any]:
    """Lay `scene` out with `engine` and describe the drawing as plain data (JSON-ready).

    Args:
        scene: what to draw (without a legend: the front end draws its own key).
        engine: "dot", "pygraphviz" or "builtin" (see `choose_engine`).
        legend: the scene's legend items, shown beside the picture.

    Returns:
        A dict with the picture's size, font, and lists of nodes (box, colours, rows,
        tooltip), edges (key, SVG path, label position, rule) and clusters (box, label).
    """
    layout = lay_out(scene, engine)
    nodes = []
    for n in scene.nodes:
        r = layout.nodes.get(n.id)
        if r is None:
            continue
        nodes.append(
            {
                "id": n.id,
                "kind": n.kind,
                "role": n.role,
                **_box(r),
                "fill": n.fill,
                "border": n.border,
                "rows": list(n.rows),
                "tip": n.tooltip,
                "name": n.name,
                "cluster": n.cluster or "",
                "path": n.tooltip if n.kind == "summary" else "",
                "grad_row": _grad_row_index(scene, n.id, n.rows),
            }
        )
    routes = {(r.src, r.dst, r.index): r for r in layout.edges}
    edges = []
    for e in scene.edges:
        route = routes.get((e.src, e.dst, e.index))
        if route is None or not route.points:
            continue
        builtin = engine == "builtin"
        path = _builtin_path(route, layout) if builtin else _spline_path(route.points)
        at = route.label_at
        edges.append(
            {
                "key": edge_key(e),
                "src": e.src,
                "dst": e.dst,
                "index": e.index,
                "d": path,
                "label": e.label,
                "lx": round(at[0] + PAD, 2) if at else None,
                "ly": round(at[1] + PAD, 2) if at else None,
                "tip": e.tooltip,
            }
        )
    clusters = [
        {"path": c.path, "label": c.label, **_box(layout.clusters[c.path])}
        for c in scene.clusters
        if c.path in layout.clusters
    ]
    return {
        "engine": engine,
        "font": FONT_FAMILY if engine == "builtin" else GRAPHVIZ_FONT,
        "width": round(layout.width + 2 * PAD, 2),
        "height": round(layout.height + 2 * PAD, 2),
        "rankdir": scene.rankdir,
        "title": scene.title,
        "nodes": nodes,
        "edges": edges,
        "clusters": clusters,
        "legend": [
            {"text": item.text, "mark": item.mark, "fill": item.fill, "border": item.border}
            for item in legend or []
        ],
    }
