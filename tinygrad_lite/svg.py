"""Draw a `Scene` as SVG with the built-in layout, so pictures work without Graphviz.

`render_svg(scene)` lays the scene out (`tinygrad_lite.layout`) and writes plain SVG 1.1:
boxes with the same rows, fills and borders as the Graphviz table labels, small ellipses
for operations, dashed rounded rectangles for clusters, and one curve per edge (two edges
between the same pair of nodes, as in `a * a`, bend apart). The result shows inline in a
notebook and saves to a `.svg` file.

Several pictures can share one page (a notebook, the step-through HTML): every id in a
document starts with a prefix of its own, `tl` and a hash of the scene (so the text is the
same on every run), and each further notebook display of one drawing gets fresh ids.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from itertools import pairwise
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from tinygrad_lite.layout import (
    CLUSTER_PAD,
    FONT_SIZE,
    LABEL_PAD,
    LINE_HEIGHT,
    Layout,
    Rect,
    Route,
    layout_scene,
    text_width,
)
from tinygrad_lite.scene import Scene, SceneNode

__all__ = ["SvgDrawing", "prefix_ids", "render_svg"]

FONT_FAMILY = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"
EDGE_COLOUR = "#333333"
CLUSTER_COLOUR = "#777777"
HIGHLIGHT = "#d62728"
SMALL = 0.8 * FONT_SIZE  #: edge labels and the legend
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DISPLAYS = itertools.count(1)  #: numbers the notebook displays that need fresh ids


class SvgDrawing:
    """An SVG picture of a graph: shows inline in Jupyter, saves to `.svg`.

    Attributes:
        source: the SVG document as text.
        layout: where everything was placed (node boxes, cluster rectangles, edge routes).
    """

    def __init__(self, source: str, layout: Layout, id_prefix: str = "") -> None:
        self.source = source
        self.layout = layout
        self._prefix = id_prefix  #: what every id in `source` starts with
        self._shown = 0

    @property
    def positions(self) -> dict[str, tuple[float, float]]:
        """The centre of every node box, by node id."""
        return {nid: r.center for nid, r in self.layout.nodes.items()}

    def _repr_svg_(self) -> str:
        """The picture for a notebook: `source`, with fresh ids from the second display on
        (one page may show the same drawing twice)."""
        self._shown += 1
        if self._shown == 1 or not self._prefix:
            return self.source
        fresh = f"{self._prefix}{next(_DISPLAYS)}-"
        own = re.compile(_ID_REF + re.escape(self._prefix))
        return own.sub(lambda m: m.group(1) + fresh, self.source)

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the picture to `path`, which must end in `.svg`; returns the path."""
        target = Path(path)
        if target.suffix.lower() != ".svg":
            raise ValueError(
                f"the built-in engine writes SVG only, got {str(target)!r} "
                f"(suffix {target.suffix or 'none'!r}); save as '.svg', or install Graphviz "
                "and draw with engine='graphviz' for png or pdf"
            )
        target.write_text(self.source, encoding="utf-8")
        return str(target)

    def __repr__(self) -> str:
        n = len(self.layout.nodes)
        return f"SvgDrawing({n} nodes, {self.layout.width:.0f}x{self.layout.height:.0f} px)"


def render_svg(scene: Scene) -> SvgDrawing:
    """Lay out `scene` with the built-in engine and draw it as SVG."""
    if not isinstance(scene, Scene):
        raise TypeError(f"render_svg needs a Scene, got {type(scene).__name__}")
    layout = layout_scene(scene)
    ids = "tl" + hashlib.sha1(repr(scene).encode("utf-8")).hexdigest()[:10] + "-"
    top = LINE_HEIGHT * 1.4 if scene.title else 0.0
    legend_h = LINE_HEIGHT + 12.0 if scene.legend else 0.0
    legend_w = sum(text_width(role, SMALL) + 30.0 for role, _ in scene.legend)
    width = max(layout.width, legend_w + 16.0, text_width(scene.title) + 16.0 if top else 0.0)
    height = layout.height + top + legend_h
    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.2f} {height:.2f}" font-family={quoteattr(FONT_FAMILY)} '
        f'font-size="{FONT_SIZE:g}">',
        "<defs>",
        _marker(ids + "arrow", EDGE_COLOUR),
        _marker(ids + "arrow-hl", HIGHLIGHT),
        "</defs>",
        f'<rect x="0" y="0" width="{width:.2f}" height="{height:.2f}" fill="#ffffff"/>',
    ]
    if scene.title:
        out.append(
            f'<text x="{width / 2:.2f}" y="{LINE_HEIGHT:.2f}" text-anchor="middle" '
            f'font-weight="bold">{_text(scene.title)}</text>'
        )
    out.append(f'<g transform="translate(0,{top:.2f})">')
    # outer clusters first, so inner ones are drawn on top
    for path in sorted(layout.clusters, key=lambda p: p.count("/")):
        out.append(
            _cluster(ids + "cluster_" + path, layout.cluster_labels[path], layout.clusters[path])
        )
    lr = layout.rankdir in ("LR", "RL")
    for e, route in zip(scene.edges, layout.edges, strict=True):
        out.append(_edge(route, e.label, e.highlight, lr, layout.nodes, ids))
    for node in scene.nodes:
        out.append(_node(node, layout.nodes[node.id], ids + "node_" + node.id))
    out.append("</g>")
    if scene.legend:
        out.append(_legend(scene.legend, layout.height + top + 6.0))
    out.append("</svg>")
    return SvgDrawing("\n".join(out) + "\n", layout, ids)


#: Where an id is defined or referred to; what follows the match is the id itself.
_ID_REF = r"""(\bid=["']|url\(#|href=["']#)"""


def prefix_ids(svg: str, prefix: str) -> str:
    """Start every id in `svg`, and every reference to one (url(#...), href="#..."), with
    `prefix`, so that several pictures can share one page.

    On one page an id must be unique, or a reference (an arrowhead marker) resolves into
    another picture, which may be hidden, and is not drawn. Graphviz numbers its ids from
    1 in every picture, and two displays of one drawing repeat all of theirs.
    """
    return re.sub(_ID_REF, lambda m: m.group(1) + prefix, svg)


def _text(s: str) -> str:
    """Escape for XML character data (and drop characters XML 1.0 cannot hold)."""
    return escape(_BAD_XML.sub("?", s))


def _attr(s: str) -> str:
    return quoteattr(_BAD_XML.sub("?", s))


def _marker(name: str, colour: str) -> str:
    return (
        f'<marker id="{name}" viewBox="0 0 10 8" refX="10" refY="4" markerWidth="8" '
        f'markerHeight="6.4" orient="auto" markerUnits="userSpaceOnUse">'
        f'<path d="M0,0 L10,4 L0,8 z" fill="{colour}"/></marker>'
    )


def _cluster(gid: str, label: str, r: Rect) -> str:
    x = r.left + CLUSTER_PAD / 2 + LABEL_PAD
    y = r.top + CLUSTER_PAD / 2 + LABEL_PAD / 2 + 0.8 * LINE_HEIGHT
    return (
        f'<g class="cluster" id={_attr(gid)}>'
        f'<rect x="{r.left:.2f}" y="{r.top:.2f}" width="{r.width:.2f}" height="{r.height:.2f}" '
        f'rx="6" fill="none" stroke="{CLUSTER_COLOUR}" stroke-dasharray="5,3"/>'
        f'<text x="{x:.2f}" y="{y:.2f}" fill="#444444">{_text(label)}</text></g>'
    )


def _node(node: SceneNode, r: Rect, gid: str) -> str:
    tip = f"<title>{_text(node.tooltip)}</title>" if node.tooltip else ""
    stroke = HIGHLIGHT if node.highlight else node.border
    sw = 2 if node.highlight or node.border.lower() != "#000000" else 1
    cx, cy = r.center
    parts = [f'<g class="node {node.kind}" id={_attr(gid)}>{tip}']
    rows = node.rows or [""]
    if node.kind == "op":
        parts.append(
            f'<ellipse cx="{cx:.2f}" cy="{cy:.2f}" rx="{r.width / 2:.2f}" ry="{r.height / 2:.2f}" '
            f'fill={_attr(node.fill)} stroke={_attr(stroke)} stroke-width="{sw}"/>'
        )
    else:
        rx = ' rx="5"' if node.kind == "summary" else ""
        parts.append(
            f'<rect x="{r.left:.2f}" y="{r.top:.2f}" width="{r.width:.2f}" '
            f'height="{r.height:.2f}"{rx} fill={_attr(node.fill)} stroke={_attr(stroke)} '
            f'stroke-width="{sw}"/>'
        )
    first = r.center[1] - len(rows) * LINE_HEIGHT / 2
    for k, row in enumerate(rows):
        y = first + (k + 0.5) * LINE_HEIGHT + 0.35 * FONT_SIZE
        bold = k == 0 and len(rows) > 1 and not row.startswith(("data ", "shape "))
        weight = ' font-weight="bold"' if bold and node.kind != "op" else ""
        parts.append(
            f'<text x="{cx:.2f}" y="{y:.2f}" text-anchor="middle"{weight}>{_text(row)}</text>'
        )
        if k and node.kind != "op":
            ly = first + k * LINE_HEIGHT
            parts.append(
                f'<line x1="{r.left:.2f}" y1="{ly:.2f}" x2="{r.right:.2f}" y2="{ly:.2f}" '
                f'stroke={_attr(node.border)} stroke-width="0.5"/>'
            )
    parts.append("</g>")
    return "".join(parts)


def _edge(
    route: Route, label: str, highlight: bool, lr: bool, boxes: dict[str, Rect], ids: str
) -> str:
    pts = [list(p) for p in route.points]
    v = 1 if lr else 0
    n = len(pts)
    # the straight runs out of the source box and into the target box (see layout._finish)
    stubs = {i for i in (0, n - 2) if n > 2 and pts[i][v] == pts[i + 1][v]}
    curved = [i for i in range(n - 1) if i not in stubs]
    if not curved:  # a level edge: the longest piece is the one between the layers
        curved = [max(range(n - 1), key=lambda i: abs(pts[i + 1][1 - v] - pts[i][1 - v]))]
    bend = (route.duplicate - (route.duplicates - 1) / 2) * 12.0
    if bend:
        # several edges between one pair: fan the ends out and bow the curves apart
        for nid, ends in (
            (route.src, {0, 1} if 0 in stubs else {0}),
            (route.dst, {n - 2, n - 1} if n - 2 in stubs else {n - 1}),
        ):
            r = boxes[nid]
            half = (r.height if lr else r.width) / 2 - 3.0
            for i in ends:
                pts[i][v] += max(-half, min(half, bend * 0.5))
    d = [f"M{pts[0][0]:.2f},{pts[0][1]:.2f}"]
    for i, (p, q) in enumerate(pairwise(pts)):
        du = (q[0] - p[0]) if lr else (q[1] - p[1])
        if i not in curved:
            bow = 0.0
        elif len(curved) == 1:
            bow = bend * 1.5
        else:
            bow = bend if i in (curved[0], curved[-1]) else 0.0
        if lr:
            c1 = (p[0] + du / 2, p[1] + bow)
            c2 = (q[0] - du / 2, q[1] + bow)
        else:
            c1 = (p[0] + bow, p[1] + du / 2)
            c2 = (q[0] + bow, q[1] - du / 2)
        d.append(f"C{c1[0]:.2f},{c1[1]:.2f} {c2[0]:.2f},{c2[1]:.2f} {q[0]:.2f},{q[1]:.2f}")
    colour, marker, width = (HIGHLIGHT, "arrow-hl", 2.2) if highlight else (EDGE_COLOUR, "arrow", 1)
    s = (
        f'<path class="edge" d="{" ".join(d)}" fill="none" stroke="{colour}" '
        f'stroke-width="{width}" marker-end="url(#{ids}{marker})"/>'
    )
    if label:  # in the middle of the middle curve (an S-curve passes its chord's middle)
        mid = curved[len(curved) // 2]
        a, b = pts[mid], pts[mid + 1]
        x, y = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2 - 3.0 + bend
        s += (
            f'<text x="{x:.2f}" y="{y:.2f}" text-anchor="middle" font-size="{SMALL:g}" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
            f"{_text(label)}</text>"
        )
    return s


def _legend(items: list[tuple[str, str]], y: float) -> str:
    parts = ['<g class="legend">']
    x = 8.0
    for role, colour in items:
        parts.append(
            f'<rect x="{x:.2f}" y="{y:.2f}" width="14" height="14" fill={_attr(colour)} '
            f'stroke="#000000" stroke-width="0.5"/>'
            f'<text x="{x + 18:.2f}" y="{y + 11:.2f}" font-size="{SMALL:g}">{_text(role)}</text>'
        )
        x += text_width(role, SMALL) + 30.0
    parts.append("</g>")
    return "".join(parts)
