"""Edge labels beside their own edge: where the built-in engine writes each one.

A label belongs next to its edge, on neither its line nor another's. For each label, in
turn (shortest edges first, as they have the fewest places), candidate boxes are tried
around points along the edge's curve (its middle first, then further out), on each side
of it; a candidate is taken when it overlaps no box, no label placed before, no curve
(its own included), and its own curve is clearly the nearest one (by `CLEARANCE` pixels).
When no candidate is free, the one that breaks the fewest of these rules is used.
"""

from __future__ import annotations

import math
from itertools import pairwise

from tinygrad_lite.viz.layout import Rect

__all__ = ["CLEARANCE", "GAP", "place_labels"]

Point = tuple[float, float]

GAP = 2.5
"""The space between a label's box and its own curve, in px."""
CLEARANCE = 3.0
"""Another curve must be at least this much further away from a label than its own, in px."""
_POSITIONS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85)


def _hits(p: Point, q: Point, r: Rect) -> bool:
    """Whether segment pq passes through the interior of r (Liang-Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for pk, qk in (
        (-dx, p[0] - r.left),
        (dx, r.right - p[0]),
        (-dy, p[1] - r.top),
        (dy, r.bottom - p[1]),
    ):
        if pk == 0:
            if qk <= 0:
                return False
            continue
        t = qk / pk
        if pk < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return False
    return True


def _point_rect(p: Point, r: Rect) -> float:
    dx = max(r.left - p[0], 0.0, p[0] - r.right)
    dy = max(r.top - p[1], 0.0, p[1] - r.bottom)
    return math.hypot(dx, dy)


def _point_segment(c: Point, p: Point, q: Point) -> float:
    dx, dy = q[0] - p[0], q[1] - p[1]
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else ((c[0] - p[0]) * dx + (c[1] - p[1]) * dy) / length
    t = max(0.0, min(1.0, t))
    return math.hypot(c[0] - p[0] - t * dx, c[1] - p[1] - t * dy)


def distance(line: list[Point], r: Rect) -> float:
    """Shortest distance from a polyline to a rectangle; 0 when the line passes through it."""
    corners = ((r.left, r.top), (r.right, r.top), (r.left, r.bottom), (r.right, r.bottom))
    best = math.inf
    for p, q in pairwise(line):
        if _hits(p, q, r):
            return 0.0
        best = min(best, _point_rect(p, r), _point_rect(q, r))
        for c in corners:
            best = min(best, _point_segment(c, p, q))
    return best


def _bounds(line: list[Point]) -> Rect:
    xs, ys = [p[0] for p in line], [p[1] for p in line]
    return Rect(min(xs), min(ys), max(xs), max(ys))


def _point_at(line: list[Point], t: float) -> Point:
    """The point at fraction t of the polyline's length."""
    lengths = [math.dist(p, q) for p, q in pairwise(line)]
    goal = t * sum(lengths)
    for (p, q), n in zip(pairwise(line), lengths, strict=True):
        if goal <= n and n > 0:
            f = goal / n
            return (p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1]))
        goal -= n
    return line[-1]


#: where a label's box sits around a point of its curve: above, below, beside, diagonal
_AROUND = ((0, -1), (0, 1), (-1, 0), (1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1))


def _candidates(line: list[Point], w: float, h: float) -> list[tuple[float, Rect]]:
    """(how far from the middle, box) around points along the line, on every side."""
    out = []
    for t in _POSITIONS:
        x, y = _point_at(line, t)
        for ax, ay in _AROUND:
            cx, cy = x + ax * (w / 2 + GAP), y + ay * (h / 2 + GAP)
            out.append((abs(t - 0.5), Rect(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)))
    return out


def place_labels(
    curves: list[list[Point]], sizes: list[tuple[float, float] | None], boxes: list[Rect]
) -> list[Point | None]:
    """The centre of each edge's label (None where `sizes` has none), beside its own curve.

    Args:
        curves: every edge as a polyline, in picture coordinates.
        sizes: width and height of each edge's label, or None for an unlabelled edge.
        boxes: what labels must not cover (node boxes, cluster captions).
    """
    bounds = [_bounds(c) for c in curves]
    placed: list[Rect] = []
    out: list[Point | None] = [None] * len(curves)
    todo = [k for k, s in enumerate(sizes) if s is not None and len(curves[k]) >= 2]
    todo.sort(key=lambda k: sum(math.dist(p, q) for p, q in pairwise(curves[k])))
    for k in todo:
        size = sizes[k]
        assert size is not None
        best: tuple[tuple[int, float], Rect] | None = None
        for off, r in _candidates(curves[k], *size):
            bad = sum(r.overlaps(b) for b in boxes) + sum(r.overlaps(b) for b in placed)
            near = Rect(r.left - 20, r.top - 20, r.right + 20, r.bottom + 20)
            mine = distance(curves[k], r)
            bad += mine == 0.0
            for j, line in enumerate(curves):
                if j == k or not near.overlaps(bounds[j]):
                    continue
                d = distance(line, r)
                bad += d == 0.0
                bad += d < mine + CLEARANCE
            score = (bad, mine + 4.0 * off)
            if best is None or score < best[0]:
                best = (score, r)
            if bad == 0 and off == 0.0:
                break
        assert best is not None
        placed.append(best[1])
        out[k] = best[1].center
    return out
