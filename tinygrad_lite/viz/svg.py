"""Draw a `Scene` as SVG with the built-in layout, so pictures work without Graphviz.

`render_svg(scene)` lays the scene out (`tinygrad_lite.viz.layout`), places edge labels
beside their curves (`tinygrad_lite.viz.labels`) and writes plain SVG 1.1:
boxes with the same rows, fills and borders as the Graphviz table labels, small ellipses
for operations, dashed rounded rectangles for clusters, and one curve per edge (two edges
between the same pair of nodes, as in `a * a`, bend apart). The result shows inline in a
notebook and saves to a `.svg` file. Arrowheads are filled triangles drawn with their
edge (no markers), so every SVG renderer, PDF converters included, draws them.

The scene's `Style` sets the text size (`font_scale`), and the canvas: with a `size`
the SVG's width and height are that many inches and the picture is centred in it; with
an `aspect` it is padded to that shape. Its `<title>` is the picture's name.

Several pictures can share one page (a notebook, the step-through HTML): every id in a
document starts with a prefix of its own, `tl` and a hash of the scene (so the text is the
same on every run), and each further notebook display of one drawing gets fresh ids.
"""

from __future__ import annotations

import hashlib
import itertools
import math
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
from tinygrad_lite.viz.style import BORDER, Style

__all__ = ["SvgDrawing", "prefix_ids", "render_svg", "strip_prolog"]

FONT_FAMILY = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"
EDGE_COLOUR = "#333333"
CLUSTER_COLOUR = "#777777"
HIGHLIGHT = "#d62728"
SMALL = LABEL_FONT  #: edge labels and the legend, at font scale 1
ARROW = (8.0, 3.2)  #: an arrowhead's length and half width, at font scale 1
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
        self,
        source: str,
        layout: Layout,
        id_prefix: str = "",
        scene: Scene | None = None,
        canvas: tuple[float, float] | None = None,
    ) -> None:
        self.source = source
        self.layout = layout
        self.scene = scene
        #: the width and height of the whole picture in SVG pixels (legend, title and any
        #: padding to the style's aspect included)
        self.canvas = canvas if canvas is not None else (layout.width, layout.height)
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

    def pixels(self) -> tuple[int, int]:
        """The width and height of this picture as a PNG: its canvas at the style's dpi."""
        style = self.scene.style if self.scene is not None else Style()
        return style.pixels(self.canvas)

    def image_bytes(self, fmt: str) -> bytes:
        """The picture as svg, png or pdf bytes (png and pdf through a rasteriser)."""
        if fmt == "svg":
            return self.source.encode("utf-8")
        if fmt in ("png", "pdf"):
            return rasterise(self.source, fmt, self.pixels())
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


def _canvas(width: float, height: float, aspect: float | None) -> tuple[float, float]:
    """The smallest canvas of shape `aspect` (width / height) around width x height."""
    if aspect is None:
        return width, height
    return max(width, height * aspect), max(height, width / aspect)


def render_svg(scene: Scene) -> SvgDrawing:
    """Lay out `scene` with the built-in engine and draw it as SVG."""
    if not isinstance(scene, Scene):
        raise TypeError(f"render_svg needs a Scene, got {type(scene).__name__}")
    layout = layout_scene(scene)
    fs = scene.style.font_scale
    ids = "tl" + hashlib.sha1(repr(scene).encode("utf-8")).hexdigest()[:10] + "-"
    top = LINE_HEIGHT * fs * 1.4 if scene.title else 0.0
    lr = layout.rankdir in ("LR", "RL")
    curves = [_curve(route, lr, layout.nodes) for route in layout.edges]
    _place_edge_labels(scene, layout, curves)
    legend_w, legend_h = _legend_size(scene)
    width = layout.width + (legend_w + 16.0 if legend_w else 0.0)
    width = max(width, text_width(scene.title, FONT_SIZE * fs) + 16.0 if top else 0.0)
    height = max(layout.height, legend_h + 16.0) + top
    cw, ch = _canvas(width, height, scene.style.target_aspect)
    x0, y0 = (width - cw) / 2, (height - ch) / 2
    if scene.style.size is not None:  # the page's own size, in inches
        size = f'width="{scene.style.size[0]:.4g}in" height="{scene.style.size[1]:.4g}in"'
    else:
        size = f'width="{cw:.2f}" height="{ch:.2f}"'
    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" {size} '
        f'viewBox="{x0:.2f} {y0:.2f} {cw:.2f} {ch:.2f}" font-family={quoteattr(FONT_FAMILY)} '
        f'font-size="{FONT_SIZE * fs:g}">',
        f"<title>{_text(scene.name)}</title>",
        f'<rect x="{x0:.2f}" y="{y0:.2f}" width="{cw:.2f}" height="{ch:.2f}" fill="#ffffff"/>',
    ]
    if scene.title:
        out.append(
            f'<text x="{width / 2:.2f}" y="{LINE_HEIGHT * fs:.2f}" text-anchor="middle" '
            f'font-weight="bold">{_text(scene.title)}</text>'
        )
    out.append(f'<g transform="translate(0,{top:.2f})">')
    # outer clusters first, so inner ones are drawn on top
    for path in sorted(layout.clusters, key=lambda p: p.count("/")):
        out.append(
            _cluster(
                ids + "cluster_" + path, layout.cluster_labels[path], layout.clusters[path], fs
            )
        )
    for k, (e, route, curve) in enumerate(zip(scene.edges, layout.edges, curves, strict=True)):
        out.append(_edge(ids + f"edge{k}", e, route, curve, fs))
    for node in scene.nodes:
        out.append(_node(node, layout.nodes[node.id], ids + "node_" + node.id, fs))
    if legend_w:
        out.append(_legend(scene, layout.width + 8.0, 8.0, legend_w))
    out.append("</g>")
    out.append("</svg>")
    return SvgDrawing("\n".join(out) + "\n", layout, ids, scene, (cw, ch))


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


def strip_prolog(svg: str) -> str:
    """Drop the XML declaration, doctype and comments so the SVG can sit inside HTML."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg)
    return re.sub(r"<!--.*?-->", "", svg, flags=re.S).strip()


def _text(s: str) -> str:
    """Escape for XML character data (and drop characters XML 1.0 cannot hold)."""
    return escape(_BAD_XML.sub("?", s))


def _attr(s: str) -> str:
    return quoteattr(_BAD_XML.sub("?", s))


def _arrowhead(curve: list[Segment], colour: str, scale: float) -> str:
    """A filled triangle whose tip is the curve's end, pointing along its last piece."""
    _, _, c2, tip = curve[-1]
    back = c2 if math.dist(c2, tip) > 1e-6 else curve[-1][0]
    dx, dy = tip[0] - back[0], tip[1] - back[1]
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    grow = math.sqrt(scale)  # with the text, but less: the lines do not thicken
    length, half = ARROW[0] * grow, ARROW[1] * grow
    bx, by = tip[0] - ux * length, tip[1] - uy * length
    pts = [tip, (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]
    text = " ".join(f"{x:.2f},{y:.2f}" for x, y in pts)
    return f'<polygon points="{text}" fill="{colour}" stroke="{colour}" stroke-width="0.5"/>'


def _cluster(gid: str, label: str, r: Rect, fs: float = 1.0) -> str:
    x = r.left + CLUSTER_PAD / 2 + LABEL_PAD
    y = r.top + CLUSTER_PAD / 2 + LABEL_PAD / 2 + 0.8 * LINE_HEIGHT * fs
    return (
        f'<g class="cluster" id={_attr(gid)}>'
        f'<rect x="{r.left:.2f}" y="{r.top:.2f}" width="{r.width:.2f}" height="{r.height:.2f}" '
        f'rx="6" fill="none" stroke="{CLUSTER_COLOUR}" stroke-dasharray="5,3"/>'
        f'<text x="{x:.2f}" y="{y:.2f}" fill="#444444">{_text(label)}</text></g>'
    )


def _node(node: SceneNode, r: Rect, gid: str, fs: float = 1.0) -> str:
    tip = f"<title>{_text(node.tooltip)}</title>" if node.tooltip else ""
    stroke = HIGHLIGHT if node.highlight else node.border
    sw = 2 if node.highlight or node.border.lower() != "#000000" else 1
    cx, cy = r.center
    lit = " highlight" if node.highlight else ""
    parts = [f'<g class="node {node.kind}{lit}" id={_attr(gid)}>{tip}']
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
    line = LINE_HEIGHT * fs
    first = r.center[1] - len(rows) * line / 2
    for k, row in enumerate(rows):
        y = first + (k + 0.5) * line + 0.35 * FONT_SIZE * fs
        bold = k == 0 and node.role != "constant"  # the name, or a summary's part
        weight = ' font-weight="bold"' if bold and node.kind != "op" else ""
        parts.append(
            f'<text x="{cx:.2f}" y="{y:.2f}" text-anchor="middle"{weight}>{_text(row)}</text>'
        )
        if k and node.kind != "op":
            ly = first + k * line
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
    fs = scene.style.font_scale
    small = SMALL * fs
    sizes = [(text_width(e.label, small), small * 1.25) if e.label else None for e in scene.edges]
    captions = [
        Rect(
            r.left,
            r.top,
            r.left
            + text_width(layout.cluster_labels[p], FONT_SIZE * fs)
            + 2 * LABEL_PAD
            + CLUSTER_PAD,
            r.top + CLUSTER_PAD + LINE_HEIGHT * fs,
        )
        for p, r in layout.clusters.items()
    ]
    centres = place_labels(
        [_sample(c) for c in curves], sizes, list(layout.nodes.values()) + captions
    )
    for route, at in zip(layout.edges, centres, strict=True):
        route.label_at = at


def _edge(gid: str, edge: SceneEdge, route: Route, curve: list[Segment], fs: float = 1.0) -> str:
    d = [f"M{curve[0][0][0]:.2f},{curve[0][0][1]:.2f}"]
    for _, c1, c2, q in curve:
        d.append(f"C{c1[0]:.2f},{c1[1]:.2f} {c2[0]:.2f},{c2[1]:.2f} {q[0]:.2f},{q[1]:.2f}")
    colour, width = (HIGHLIGHT, 2.2) if edge.highlight else (EDGE_COLOUR, 1)
    lit = " highlight" if edge.highlight else ""
    tip = edge.tooltip or f"{edge.src} -> {edge.dst}"
    small = SMALL * fs
    s = (
        f'<g class="edge{lit}" id={_attr(gid)}><title>{_text(edge.src + "->" + edge.dst)}</title>'
        f"<desc>{_text(tip)}</desc>"
        f'<path d="{" ".join(d)}" fill="none" stroke="{colour}" stroke-width="{width}"/>'
        + _arrowhead(curve, colour, fs)
    )
    if edge.label and route.label_at is not None:
        x, y = route.label_at
        s += (
            f'<text x="{x:.2f}" y="{y + 0.35 * small:.2f}" text-anchor="middle" '
            f'font-size="{small:g}" fill="{colour}">{_text(edge.label)}</text>'
        )
    return s + "</g>"


def _legend_size(scene: Scene) -> tuple[float, float]:
    """Width and height of the legend box (0, 0 without one)."""
    if not scene.legend and not scene.notes:
        return 0.0, 0.0
    k = scene.style.font_scale
    texts = ["legend"] + [item.text for item in scene.legend]
    w = max(text_width(t, SMALL * k) for t in texts) + 40.0 * k
    w = max([w] + [text_width(n, SMALL * 0.9 * k) + 16.0 * k for n in scene.notes])
    h = ((1 + len(scene.legend)) * 18.0 + len(scene.notes) * 14.0 + 10.0) * k
    return w, h


def _legend_mark(item: LegendItem, x: float, y: float, k: float) -> str:
    if item.mark == "line":
        return (
            f'<line x1="{x:.2f}" y1="{y + 7 * k:.2f}" x2="{x + 18 * k:.2f}" y2="{y + 7 * k:.2f}" '
            f'stroke={_attr(item.fill)} stroke-width="2.2"/>'
        )
    if item.mark == "op":
        return (
            f'<ellipse cx="{x + 9 * k:.2f}" cy="{y + 7 * k:.2f}" rx="{9 * k:g}" ry="{7 * k:g}" '
            f'fill={_attr(item.fill)} stroke="#000000" stroke-width="1"/>'
        )
    sw = 2 if item.border != BORDER else 0.5
    return (
        f'<rect x="{x:.2f}" y="{y:.2f}" width="{18 * k:g}" height="{14 * k:g}" '
        f'fill={_attr(item.fill)} stroke={_attr(item.border)} stroke-width="{sw}"/>'
    )


def _legend(scene: Scene, x: float, y: float, width: float) -> str:
    """The legend: a box beside the graph, one line per mark, then the notes."""
    _, height = _legend_size(scene)
    k = scene.style.font_scale
    small = SMALL * k
    parts = [
        f'<g class="legend"><rect x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" '
        f'height="{height:.2f}" rx="4" fill="#ffffff" stroke="#999999"/>',
        f'<text x="{x + 8 * k:.2f}" y="{y + 14 * k:.2f}" font-size="{small:g}" '
        f'font-weight="bold">legend</text>',
    ]
    row = y + 22.0 * k
    for item in scene.legend:
        parts.append(_legend_mark(item, x + 8.0 * k, row, k))
        parts.append(
            f'<text x="{x + 32 * k:.2f}" y="{row + 11 * k:.2f}" font-size="{small:g}">'
            f"{_text(item.text)}</text>"
        )
        row += 18.0 * k
    for note in scene.notes:
        parts.append(
            f'<text x="{x + 8 * k:.2f}" y="{row + 11 * k:.2f}" font-size="{small * 0.9:g}" '
            f'fill="#444444">{_text(note)}</text>'
        )
        row += 14.0 * k
    parts.append("</g>")
    return "".join(parts)
