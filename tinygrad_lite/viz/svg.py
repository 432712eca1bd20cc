"""Draw a `Scene` as SVG with the built-in layout, so pictures work without Graphviz.

`render_svg(scene)` lays the scene out (`tinygrad_lite.viz.layout`), places edge labels
beside their curves (`tinygrad_lite.viz.labels`) and writes plain SVG 1.1:
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
from xml.sax.saxutils import escape, quoteattr

from tinygrad_lite.viz.dot import dot_source
from tinygrad_lite.viz.labels import place_labels
from tinygrad_lite.viz.layout import (
    CLUSTER_PAD,
    FONT_SIZE,
    LABEL_FONT,
    LABEL_PAD,
    LINE_HEIGHT,
    Layout,
    Rect,
    Route,
    layout_scene,
    text_width,
)
from tinygrad_lite.viz.output import picture_format, rasterise, write_file
from tinygrad_lite.viz.scene import LegendItem, Scene, SceneEdge, SceneNode
from tinygrad_lite.viz.style import BORDER

__all__ = ["SvgDrawing", "prefix_ids", "render_svg"]

FONT_FAMILY = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"
EDGE_COLOUR = "#333333"
CLUSTER_COLOUR = "#777777"
HIGHLIGHT = "#d62728"
SMALL = LABEL_FONT  #: edge labels and the legend
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DISPLAYS = itertools.count(1)  #: numbers the notebook displays that need fresh ids


class SvgDrawing:
    """An SVG picture of a graph: shows inline in Jupyter, saves by suffix.

    Attributes:
        source: the SVG document as text.
        layout: where everything was placed (node boxes, cluster rectangles, edge routes
            and label centres).
        scene: what the picture shows.
    """

    def __init__(
        self, source: str, layout: Layout, id_prefix: str = "", scene: Scene | None = None
    ) -> None:
        self.source = source
        self.layout = layout
        self.scene = scene
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

    def svg(self) -> str:
        """The picture as SVG text."""
        return self.source

    def image_bytes(self, fmt: str) -> bytes:
        """The picture as svg, png or pdf bytes (png and pdf through a rasteriser)."""
        if fmt == "svg":
            return self.source.encode("utf-8")
        if fmt in ("png", "pdf"):
            return rasterise(self.source, fmt)
        raise ValueError(f"the built-in engine draws svg, png or pdf, not {fmt!r}")

    def save(self, path: str | os.PathLike[str], format: str | None = None) -> str:
        """Write the picture to `path` in the format its suffix names; returns the path.

        `.svg` is written directly; `.png` and `.pdf` through an SVG rasteriser (the error
        says what to install when there is none); `.dot`/`.gv` get the scene's DOT source.
        Exactly one file is written.
        """
        fmt = picture_format(path, format)
        if fmt in ("dot", "gv"):
            if self.scene is None:
                raise ValueError("this drawing was made without a scene; it has no DOT source")
            return write_file(path, dot_source(self.scene).encode("utf-8"))
        return write_file(path, self.image_bytes(fmt))

    def render(self, path: str | os.PathLike[str], format: str | None = None) -> str:
        """The same as `save`."""
        return self.save(path, format)

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
    lr = layout.rankdir in ("LR", "RL")
    curves = [_curve(route, lr, layout.nodes) for route in layout.edges]
    _place_edge_labels(scene, layout, curves)
    legend_w, legend_h = _legend_size(scene)
    width = layout.width + (legend_w + 16.0 if legend_w else 0.0)
    width = max(width, text_width(scene.title) + 16.0 if top else 0.0)
    height = max(layout.height, legend_h + 16.0) + top
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
    for k, (e, route, curve) in enumerate(zip(scene.edges, layout.edges, curves, strict=True)):
        out.append(_edge(ids + f"edge{k}", e, route, curve))
    for node in scene.nodes:
        out.append(_node(node, layout.nodes[node.id], ids + "node_" + node.id))
    if legend_w:
        out.append(_legend(scene, layout.width + 8.0, 8.0, legend_w))
    out.append("</g>")
    out.append("</svg>")
    return SvgDrawing("\n".join(out) + "\n", layout, ids, scene)


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
        bold = k == 0 and node.role != "constant"  # the name, or a summary's part
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


Segment = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


def _curve(route: Route, lr: bool, boxes: dict[str, Rect]) -> list[Segment]:
    """The cubic Bezier pieces an edge is drawn with.

    Straight runs inside the layer bands, one S-curve between two layers; several edges
    between the same two nodes fan out at the ends and bow apart.
    """
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
        for nid, ends in (
            (route.src, {0, 1} if 0 in stubs else {0}),
            (route.dst, {n - 2, n - 1} if n - 2 in stubs else {n - 1}),
        ):
            r = boxes[nid]
            half = (r.height if lr else r.width) / 2 - 3.0
            for i in ends:
                pts[i][v] += max(-half, min(half, bend * 0.5))
    pieces: list[Segment] = []
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
        pieces.append(((p[0], p[1]), c1, c2, (q[0], q[1])))
    return pieces


def _sample(curve: list[Segment], steps: int = 8) -> list[tuple[float, float]]:
    """A drawn curve as a polyline (for placing labels beside it)."""
    out = [curve[0][0]]
    for p0, p1, p2, p3 in curve:
        for k in range(1, steps + 1):
            t = k / steps
            s = 1 - t
            out.append(
                (
                    s**3 * p0[0] + 3 * s * s * t * p1[0] + 3 * s * t * t * p2[0] + t**3 * p3[0],
                    s**3 * p0[1] + 3 * s * s * t * p1[1] + 3 * s * t * t * p2[1] + t**3 * p3[1],
                )
            )
    return out


def _place_edge_labels(scene: Scene, layout: Layout, curves: list[list[Segment]]) -> None:
    """Choose where each edge label goes (`Route.label_at`): beside its own curve."""
    if not any(e.label for e in scene.edges):
        return
    sizes = [(text_width(e.label, SMALL), SMALL * 1.25) if e.label else None for e in scene.edges]
    captions = [
        Rect(
            r.left,
            r.top,
            r.left + text_width(layout.cluster_labels[p]) + 2 * LABEL_PAD + CLUSTER_PAD,
            r.top + CLUSTER_PAD + LINE_HEIGHT,
        )
        for p, r in layout.clusters.items()
    ]
    centres = place_labels(
        [_sample(c) for c in curves], sizes, list(layout.nodes.values()) + captions
    )
    for route, at in zip(layout.edges, centres, strict=True):
        route.label_at = at


def _edge(gid: str, edge: SceneEdge, route: Route, curve: list[Segment]) -> str:
    d = [f"M{curve[0][0][0]:.2f},{curve[0][0][1]:.2f}"]
    for _, c1, c2, q in curve:
        d.append(f"C{c1[0]:.2f},{c1[1]:.2f} {c2[0]:.2f},{c2[1]:.2f} {q[0]:.2f},{q[1]:.2f}")
    colour, marker, width = (
        (HIGHLIGHT, "arrow-hl", 2.2) if edge.highlight else (EDGE_COLOUR, "arrow", 1)
    )
    prefix = gid[: gid.index("-") + 1]
    tip = edge.tooltip or f"{edge.src} -> {edge.dst}"
    s = (
        f'<g class="edge" id={_attr(gid)}><title>{_text(edge.src + "->" + edge.dst)}</title>'
        f"<desc>{_text(tip)}</desc>"
        f'<path d="{" ".join(d)}" fill="none" stroke="{colour}" '
        f'stroke-width="{width}" marker-end="url(#{prefix}{marker})"/>'
    )
    if edge.label and route.label_at is not None:
        x, y = route.label_at
        s += (
            f'<text x="{x:.2f}" y="{y + 0.35 * SMALL:.2f}" text-anchor="middle" '
            f'font-size="{SMALL:g}" fill="{colour}">{_text(edge.label)}</text>'
        )
    return s + "</g>"


def _legend_size(scene: Scene) -> tuple[float, float]:
    """Width and height of the legend box (0, 0 without one)."""
    if not scene.legend and not scene.notes:
        return 0.0, 0.0
    texts = ["legend"] + [item.text for item in scene.legend]
    w = max(text_width(t, SMALL) for t in texts) + 40.0
    w = max([w] + [text_width(n, SMALL * 0.9) + 16.0 for n in scene.notes])
    h = (1 + len(scene.legend)) * 18.0 + len(scene.notes) * 14.0 + 10.0
    return w, h


def _legend_mark(item: LegendItem, x: float, y: float) -> str:
    if item.mark == "line":
        return (
            f'<line x1="{x:.2f}" y1="{y + 7:.2f}" x2="{x + 18:.2f}" y2="{y + 7:.2f}" '
            f'stroke={_attr(item.fill)} stroke-width="2.2"/>'
        )
    if item.mark == "op":
        return (
            f'<ellipse cx="{x + 9:.2f}" cy="{y + 7:.2f}" rx="9" ry="7" fill={_attr(item.fill)} '
            f'stroke="#000000" stroke-width="1"/>'
        )
    sw = 2 if item.border != BORDER else 0.5
    return (
        f'<rect x="{x:.2f}" y="{y:.2f}" width="18" height="14" fill={_attr(item.fill)} '
        f'stroke={_attr(item.border)} stroke-width="{sw}"/>'
    )


def _legend(scene: Scene, x: float, y: float, width: float) -> str:
    """The legend: a box beside the graph, one line per mark, then the notes."""
    _, height = _legend_size(scene)
    parts = [
        f'<g class="legend"><rect x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" '
        f'height="{height:.2f}" rx="4" fill="#ffffff" stroke="#999999"/>',
        f'<text x="{x + 8:.2f}" y="{y + 14:.2f}" font-size="{SMALL:g}" '
        f'font-weight="bold">legend</text>',
    ]
    row = y + 22.0
    for item in scene.legend:
        parts.append(_legend_mark(item, x + 8.0, row))
        parts.append(
            f'<text x="{x + 32:.2f}" y="{row + 11:.2f}" font-size="{SMALL:g}">'
            f"{_text(item.text)}</text>"
        )
        row += 18.0
    for note in scene.notes:
        parts.append(
            f'<text x="{x + 8:.2f}" y="{row + 11:.2f}" font-size="{SMALL * 0.9:g}" '
            f'fill="#444444">{_text(note)}</text>'
        )
        row += 14.0
    parts.append("</g>")
    return "".join(parts)
