"""Where Graphviz put everything, as the same `Layout` the built-in engine returns.

Code that places things over a picture (a live view, a test measuring label placement)
reads one kind of geometry whichever engine laid it out: node boxes, cluster rectangles
and edge routes (Graphviz's spline control points) in SVG pixels, y growing downwards.
"""

from __future__ import annotations

import json
from typing import Any

from tinygrad_lite.viz.engines import run_graphviz
from tinygrad_lite.viz.layout import Layout, Rect, Route
from tinygrad_lite.viz.scene import Scene

__all__ = ["graphviz_layout"]

_INCH = 72.0  #: Graphviz sizes are in inches, positions in points; SVG pixels are points


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.replace(",", " ").split()]


def graphviz_layout(scene: Scene, source: str, engine: str = "graphviz") -> Layout:
    """Lay out `source` (the DOT of `scene`) with Graphviz and read back its geometry."""
    data = json.loads(run_graphviz(source, "json", engine).decode("utf-8"))
    height = _floats(data["bb"])[3]
    out = Layout(rankdir=scene.rankdir)
    out.width, out.height = _floats(data["bb"])[2], height
    names = {}
    for obj in data.get("objects", []):
        if "nodes" in obj:  # a subgraph: clusters have a box
            name = obj.get("name", "")
            if name.startswith("cluster_") and "bb" in obj:
                x0, y0, x1, y1 = _floats(obj["bb"])
                path = name[len("cluster_") :]
                out.clusters[path] = Rect(x0, height - y1, x1, height - y0)
                out.cluster_labels[path] = path.rsplit("/", 1)[-1]
            continue
        names[obj["_gvid"]] = obj["name"]
        if "pos" not in obj:
            continue
        x, y = _floats(obj["pos"])
        w, h = float(obj["width"]) * _INCH, float(obj["height"]) * _INCH
        out.nodes[obj["name"]] = Rect(x - w / 2, height - y - h / 2, x + w / 2, height - y + h / 2)
    # Graphviz lists edges in its own order (grouped by tail), not in the order of the DOT
    # source: match each scene edge to its own by the names of its ends (several edges
    # between the same two nodes, as in a*a, keep their order).
    by_ends: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for e in data.get("edges", []):
        by_ends.setdefault((names.get(e["tail"], ""), names.get(e["head"], "")), []).append(e)
    for se in scene.edges:
        found = by_ends.get((se.src, se.dst))
        if not found:
            continue
        e = found.pop(0)
        pts: list[tuple[float, float]] = []
        end = None
        for part in e.get("pos", "").split():
            if part.startswith("e,"):
                end = tuple(_floats(part[2:]))
                continue
            if part.startswith("s,"):
                continue
            px, py = _floats(part)
            pts.append((px, height - py))
        if end is not None:
            pts.append((end[0], height - end[1]))
        route = Route(se.src, se.dst, se.index, pts)
        if "lp" in e:
            lx, ly = _floats(e["lp"])
            route.label_at = (lx, height - ly)
        out.edges.append(route)
    return out
