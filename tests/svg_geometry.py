"""Where things are in a drawn SVG, read back from the file: edges, their labels, node boxes.

Both engines write one group per edge (`<g class="edge">`) holding a `<title>` naming
its ends ("n3->n4_op"), the curve (`<path d="M.. C..">`, cubic Bezier pieces), the
arrowhead and, when there is one, the label's `<text>`. Node groups (`class="node"`) hold
the shape and the text rows. Text boxes are estimated from the font size and the number
of characters (at 0.62 em per character, a little wider than Helvetica's digits and
monospace's 0.6 em), which is what a reader of the picture sees to within a pixel or two.

`label_report(svg)` measures the placement of edge labels:

* `own`: for every label, the distance from its box to its own edge's curve;
* `nearer_other`: labels whose box is closer to another edge's curve than to their own;
* `crossing_lines`: labels whose box is crossed by a curve or arrowhead (their own too);
* `crossing_text`: labels whose box overlaps another text (a label or a node's row).
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

SVG = "{http://www.w3.org/2000/svg}"
EM = 0.62  #: estimated advance of one character of a monospace font, in em
SANS_EM = 0.556  #: Helvetica, the font Graphviz measures labels with (its digits)

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass
class Edge:
    title: str
    curve: list[Point]  # the path sampled into a polyline
    head: list[Point]  # the arrowhead polygon, closed
    label: str = ""
    label_box: Box | None = None


@dataclass
class Drawing:
    edges: list[Edge] = field(default_factory=list)
    texts: list[tuple[str, Box]] = field(default_factory=list)  #: every text but edge labels
    node_boxes: dict[str, Box] = field(default_factory=dict)


def _numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point, pieces: int = 12) -> list[Point]:
    out = []
    for k in range(1, pieces + 1):
        t = k / pieces
        s = 1 - t
        out.append(
            (
                s**3 * p0[0] + 3 * s * s * t * p1[0] + 3 * s * t * t * p2[0] + t**3 * p3[0],
                s**3 * p0[1] + 3 * s * s * t * p1[1] + 3 * s * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return out


def sample_path(d: str) -> list[Point]:
    """A path of M, C and L commands (absolute, as both engines write them) as a polyline."""
    tokens = re.findall(r"[MCL]|-?\d+(?:\.\d+)?(?:e-?\d+)?", d.replace(",", " "))
    pts: list[Point] = []
    i, cmd = 0, ""
    while i < len(tokens):
        if tokens[i] in "MCL":
            cmd = tokens[i]
            i += 1
            continue
        if cmd == "M" or cmd == "L":
            pts.append((float(tokens[i]), float(tokens[i + 1])))
            i += 2
        elif cmd == "C":
            c = [float(t) for t in tokens[i : i + 6]]
            pts += _bezier(pts[-1], (c[0], c[1]), (c[2], c[3]), (c[4], c[5]))
            i += 6
    return pts


def text_box(el: ET.Element, default_size: float) -> tuple[str, Box]:
    """The text of a `<text>` and its estimated box (baseline at y, anchored as written)."""
    text = "".join(el.itertext())
    size = float(el.get("font-size", default_size))
    mono = "mono" in (el.get("font-family") or "").lower() or el.get("font-family") is None
    width = len(text) * (EM if mono else SANS_EM) * size
    x, y = float(el.get("x", "0")), float(el.get("y", "0"))
    anchor = el.get("text-anchor", "start")
    left = x - width / 2 if anchor == "middle" else (x - width if anchor == "end" else x)
    # the glyphs' ink, less a pixel of side bearing and the space above the digits
    return text, (left + 1.0, y - 0.72 * size, left + width - 1.0, y + 0.2 * size)


def _polygon(el: ET.Element) -> list[Point]:
    values = _numbers(el.get("points", ""))
    pts = list(zip(values[0::2], values[1::2], strict=True))
    return [*pts, pts[0]] if pts else []


def read(svg: str) -> Drawing:
    """The edges, edge labels, node boxes and other texts of an SVG from either engine."""
    root = ET.fromstring(svg.encode("utf-8"))
    default = float(root.get("font-size", "14"))
    out = Drawing()
    for g in root.iter(f"{SVG}g"):
        kind = g.get("class", "").split()
        title_el = g.find(f"{SVG}title")
        title = "".join(title_el.itertext()) if title_el is not None else ""
        if "edge" in kind:
            path = g.find(f".//{SVG}path")
            head = g.find(f".//{SVG}polygon")
            edge = Edge(
                title,
                sample_path(path.get("d", "")) if path is not None else [],
                _polygon(head) if head is not None else [],
            )
            texts = g.findall(f".//{SVG}text")
            if texts:
                edge.label, edge.label_box = text_box(texts[0], default)
            out.edges.append(edge)
        elif "node" in kind:
            boxes = []
            for t in g.iter(f"{SVG}text"):
                text, box = text_box(t, default)
                out.texts.append((text, box))
                boxes.append(box)
            shapes = [s for s in g if s.tag in (f"{SVG}rect", f"{SVG}ellipse", f"{SVG}polygon")]
            for s in shapes:
                if s.tag == f"{SVG}rect":
                    x, y = float(s.get("x", "0")), float(s.get("y", "0"))
                    box = (x, y, x + float(s.get("width", "0")), y + float(s.get("height", "0")))
                elif s.tag == f"{SVG}ellipse":
                    cx, cy = float(s.get("cx", "0")), float(s.get("cy", "0"))
                    rx, ry = float(s.get("rx", "0")), float(s.get("ry", "0"))
                    box = (cx - rx, cy - ry, cx + rx, cy + ry)
                else:
                    pts = _polygon(s)
                    box = (
                        min(p[0] for p in pts),
                        min(p[1] for p in pts),
                        max(p[0] for p in pts),
                        max(p[1] for p in pts),
                    )
                boxes.append(box)
            if boxes:
                out.node_boxes[title] = (
                    min(b[0] for b in boxes),
                    min(b[1] for b in boxes),
                    max(b[2] for b in boxes),
                    max(b[3] for b in boxes),
                )
    return out


def _point_box(p: Point, b: Box) -> float:
    dx = max(b[0] - p[0], 0.0, p[0] - b[2])
    dy = max(b[1] - p[1], 0.0, p[1] - b[3])
    return math.hypot(dx, dy)


def _segment_hits_box(p: Point, q: Point, b: Box) -> bool:
    """Whether the segment pq passes through the interior of box b (Liang-Barsky)."""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for pk, qk in ((-dx, p[0] - b[0]), (dx, b[2] - p[0]), (-dy, p[1] - b[1]), (dy, b[3] - p[1])):
        if pk == 0:
            if qk <= 0:
                return False
        else:
            t = qk / pk
            if pk < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 >= t1:
                return False
    return True


def distance(line: list[Point], b: Box) -> float:
    """Shortest distance from a polyline to a box (0 when it passes through)."""
    if any(_segment_hits_box(p, q, b) for p, q in itertools.pairwise(line)):
        return 0.0
    best = min((_point_box(p, b) for p in line), default=math.inf)
    # points of the box's corners to the segments matter when segments are long
    corners = [(b[0], b[1]), (b[2], b[1]), (b[0], b[3]), (b[2], b[3])]
    for p, q in itertools.pairwise(line):
        for c in corners:
            best = min(best, _point_segment(c, p, q))
    return best


def _point_segment(c: Point, p: Point, q: Point) -> float:
    dx, dy = q[0] - p[0], q[1] - p[1]
    length = dx * dx + dy * dy
    t = (
        0.0
        if length == 0
        else max(0.0, min(1.0, ((c[0] - p[0]) * dx + (c[1] - p[1]) * dy) / length))
    )
    return math.hypot(c[0] + 0 - (p[0] + t * dx), c[1] - (p[1] + t * dy))


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@dataclass
class LabelReport:
    labels: int
    own: dict[str, float]  #: label (edge title: text) -> distance to its own edge
    nearer_other: list[str]
    crossing_lines: list[str]
    crossing_text: list[str]

    @property
    def worst(self) -> float:
        return max(self.own.values(), default=0.0)

    def summary(self) -> str:
        return (
            f"{self.labels} labels: worst distance to own edge {self.worst:.1f} px, "
            f"{len(self.nearer_other)} nearer another edge, {len(self.crossing_lines)} "
            f"crossed by a line, {len(self.crossing_text)} overlapping text"
        )


def label_report(svg: str) -> LabelReport:
    """Measure how every edge label sits relative to the edges and texts of the picture."""
    d = read(svg)
    own: dict[str, float] = {}
    nearer, lines, texts = [], [], []
    labelled = [e for e in d.edges if e.label_box is not None]
    others = [box for _, box in d.texts] + [e.label_box for e in labelled]  # type: ignore[misc]
    for e in labelled:
        box = e.label_box
        assert box is not None
        key = f"{e.title}: {e.label}"
        mine = distance(e.curve, box)
        own[key] = mine
        if any(distance(o.curve, box) < mine for o in d.edges if o is not e):
            nearer.append(key)
        if any(distance(o.curve, box) == 0.0 or distance(o.head, box) == 0.0 for o in d.edges):
            lines.append(key)
        if sum(_overlap(box, o) for o in others) > 1:  # itself, once
            texts.append(key)
    return LabelReport(len(labelled), own, nearer, lines, texts)
