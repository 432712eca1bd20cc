"""How the built-in layout compares with Graphviz `dot` (and igraph), and how fast it is.

Usage: python benchmarks/bench_layout.py [--quick] [--wide N [--wide-from S]] [--repeat N]
                                          [--igraph] [--grandalf]

Every engine lays out the same Scene (dot gets the DOT source `tinygrad_lite.viz.scene_to_dot`
writes for it, read back with `dot -Tplain`), and crossings are counted by one function,
`crossings`, from the geometry alone:

* drawn: each edge as the engine draws it. The built-in engine's SVG paths and dot's
  splines are both chains of cubic Bezier curves; each curve is cut into 9 straight pieces.
  (igraph gives polylines through its bend points.)
* straight: each edge as one straight segment between the centres of its two boxes.

Two edges that share a node are not compared (they meet at that node), and every proper
intersection of two pieces counts once. The bar: the built-in engine has at most 1.5 times
dot's drawn crossings on every graph; a graph above it is flagged "!", and a graph above
1.5 times dot's straight count is flagged "straight".

Speed: seconds to lay out and write the SVG text of large scalar graphs, median (and
best) of `--repeat` runs, wall-clock and CPU time of this process.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenes import big_mlp_scene, big_scene, mlp_root, nine_weight_root, random_root, scene_of

from tinygrad_lite.viz.scene import Scene
from tinygrad_lite.viz.svg import render_svg

Point = tuple[float, float]
Curve = list[Point]
BAR = 1.5  #: the built-in engine may have at most this many times dot's crossings
PIECES = 9  #: straight pieces per cubic Bezier curve (odd: no piece ends mid-curve)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


class Drawing:
    """What crossings are counted from: box centres, and each edge as drawn, in scene order."""

    def __init__(self, centres: dict[str, Point], curves: list[Curve]) -> None:
        self.centres = centres
        self.curves = curves


def flatten(ctrl: list[Point], pieces: int = PIECES) -> Curve:
    """A chain of cubic Bezier curves (3k + 1 control points) as a polyline."""
    out = [ctrl[0]]
    for i in range(0, len(ctrl) - 3, 3):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ctrl[i : i + 4]
        for s in range(1, pieces + 1):
            t = s / pieces
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def crossings(scene: Scene, curves: list[Curve]) -> int:
    """Proper intersections between pieces of edges that have no node in common.

    `curves[k]` is edge k of the scene as a polyline. A sweep along x keeps this fast.
    """
    ends = [(e.src, e.dst) for e in scene.edges]
    pieces = []
    for k, curve in enumerate(curves):
        for p, q in pairwise(curve):
            pieces.append(
                (min(p[0], q[0]), max(p[0], q[0]), min(p[1], q[1]), max(p[1], q[1]), p, q, k)
            )
    pieces.sort(key=lambda s: s[0])

    def orient(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    def opposite(x: float, y: float) -> bool:
        eps = 1e-9
        return (x > eps and y < -eps) or (x < -eps and y > eps)

    n = 0
    for i, (_, ax1, ay0, ay1, a, b, k) in enumerate(pieces):
        for bx0, _, by0, by1, c, d, m in pieces[i + 1 :]:
            if bx0 > ax1:
                break
            if by1 < ay0 or by0 > ay1 or m == k or set(ends[k]) & set(ends[m]):
                continue
            if opposite(orient(a, b, c), orient(a, b, d)) and opposite(
                orient(c, d, a), orient(c, d, b)
            ):
                n += 1
    return n


def straight(scene: Scene, drawing: Drawing) -> int:
    c = drawing.centres
    return crossings(scene, [[c[e.src], c[e.dst]] for e in scene.edges])


def builtin_drawing(scene: Scene) -> Drawing:
    """The built-in engine's picture, read back from the SVG text it writes."""
    svg = render_svg(scene)
    curves = []
    for d in re.findall(r'<path class="edge" d="([^"]+)"', svg.source):
        xy = [float(t) for t in _NUMBER.findall(d)]
        curves.append(flatten(list(zip(xy[::2], xy[1::2], strict=True))))
    assert len(curves) == len(scene.edges)
    return Drawing(svg.positions, curves)


def dot_drawing(scene: Scene) -> Drawing:
    """Graphviz's picture, from `dot -Tplain` (node centres and spline control points)."""
    from tinygrad_lite.viz import scene_to_dot

    source = scene_to_dot(scene).source
    plain = subprocess.run(
        ["dot", "-Tplain"], input=source, capture_output=True, text=True, check=True
    ).stdout
    centres: dict[str, Point] = {}
    by_pair: dict[tuple[str, str], list[Curve]] = {}
    for line in plain.splitlines():
        parts = line.split()
        if parts and parts[0] == "node":
            centres[parts[1].strip('"')] = (float(parts[2]), -float(parts[3]))
        elif parts and parts[0] == "edge":
            n = int(parts[3])
            xy = [float(t) for t in parts[4 : 4 + 2 * n]]
            pts = [(xy[2 * i], -xy[2 * i + 1]) for i in range(n)]
            by_pair.setdefault((parts[1].strip('"'), parts[2].strip('"')), []).append(flatten(pts))
    curves = [by_pair[(e.src, e.dst)].pop(0) for e in scene.edges]
    return Drawing(centres, curves)


def igraph_drawing(scene: Scene) -> tuple[Drawing, float] | None:
    """igraph's Sugiyama layout of the same graph (it has no clusters), and its seconds."""
    try:
        import igraph
    except ImportError:
        return None
    ids = {n.id: i for i, n in enumerate(scene.nodes)}
    start = time.perf_counter()
    graph = igraph.Graph(
        n=len(ids), edges=[(ids[e.src], ids[e.dst]) for e in scene.edges], directed=True
    )
    layout = graph.layout_sugiyama()
    seconds = time.perf_counter() - start
    xy: list[Point] = [(float(y), float(x)) for x, y in layout.coords[: len(ids)]]
    centres = {n.id: xy[i] for i, n in enumerate(scene.nodes)}
    curves = []
    for e, bends in zip(scene.edges, layout.edge_routing, strict=True):
        mid = [(float(y), float(x)) for x, y in bends]
        curves.append([xy[ids[e.src]], *mid, xy[ids[e.dst]]])
    return Drawing(centres, curves), seconds


def graphs(quick: bool) -> list[tuple[str, Scene]]:
    out = [
        ("nine-weight LR", scene_of(nine_weight_root(), "LR")),
        ("nine-weight TB", scene_of(nine_weight_root(), "TB")),
        ("MLP 2-4-4-1", scene_of(mlp_root())),
    ]
    seeds = range(3) if quick else range(8)
    for seed in seeds:
        out.append((f"random 40 ops, seed {seed}", scene_of(random_root(40, seed))))
    for seed in seeds[:3]:
        out.append((f"random 120 ops, seed {seed}", scene_of(random_root(120, seed))))
    return out


def timed(scene: Scene, repeat: int) -> dict[str, float]:
    """Median and best wall-clock and CPU seconds of layout + SVG text over `repeat` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        render_svg(scene).source.encode()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return {
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "best wall": min(walls),
        "best cpu": min(cpus),
    }


def grandalf_seconds(scene: Scene) -> float | None:
    """Seconds grandalf's Sugiyama layout takes on the same graph (no clusters, no SVG)."""
    try:
        from grandalf.graphs import Edge, Graph, Vertex
        from grandalf.layouts import SugiyamaLayout
    except ImportError:
        return None

    class Box:
        def __init__(self) -> None:
            self.w, self.h = 80.0, 40.0

    start = time.perf_counter()
    vertices = {n.id: Vertex(n.id) for n in scene.nodes}
    for v in vertices.values():
        v.view = Box()
    graph = Graph(
        list(vertices.values()), [Edge(vertices[e.src], vertices[e.dst]) for e in scene.edges]
    )
    for part in graph.C:
        layout = SugiyamaLayout(part)
        layout.init_all()
        layout.draw(3)
    return time.perf_counter() - start


def ratio(mine: int, dot: int) -> float:
    if dot == 0:
        return 1.0 if mine == 0 else float("inf")
    return mine / dot


class Table:
    """Rows of crossings, built-in against dot, with ratios and flags."""

    def __init__(self, have_dot: bool, with_igraph: bool) -> None:
        self.have_dot = have_dot
        self.with_igraph = with_igraph
        self.rows: list[tuple[str, list[int]]] = []
        head = (
            f"{'graph':26} {'boxes':>5} {'edges':>5} | {'drawn':>5} {'dot':>5} {'ratio':>5} "
            f"| {'straight':>8} {'dot':>5} {'ratio':>5} |"
        )
        if with_igraph:
            head += f" {'igraph drawn':>12} {'straight':>8} |"
        print(head)

    def add(self, name: str, scene: Scene) -> None:
        mine = builtin_drawing(scene)
        row = [crossings(scene, mine.curves), straight(scene, mine), -1, -1, -1, -1]
        if self.have_dot:
            theirs = dot_drawing(scene)
            row[2:4] = [crossings(scene, theirs.curves), straight(scene, theirs)]
        if self.with_igraph and (found := igraph_drawing(scene)) is not None:
            row[4:6] = [crossings(scene, found[0].curves), straight(scene, found[0])]
        self.rows.append((name, row))
        self._print(name, len(scene.nodes), len(scene.edges), row)

    def _print(self, name: str, boxes: Any, edges: Any, row: list[int]) -> None:
        drawn, line, d_drawn, d_line, i_drawn, i_line = row
        r1, r2 = ratio(drawn, d_drawn), ratio(line, d_line)
        flag = ""
        if self.have_dot:
            flag = (" !" if r1 > BAR else "") + (" straight" if r2 > BAR else "")
        text = (
            f"{name:26} {boxes:>5} {edges:>5} | {drawn:5d} {_n(d_drawn):>5} {_r(r1, d_drawn):>5} "
            f"| {line:8d} {_n(d_line):>5} {_r(r2, d_line):>5} |"
        )
        if self.with_igraph:
            text += f" {_n(i_drawn):>12} {_n(i_line):>8} |"
        print(text + flag)

    def summary(self) -> None:
        tot = [sum(max(r[i], 0) for _, r in self.rows) for i in range(6)]
        self._print("total", "", "", tot)
        if not self.have_dot:
            return
        drawn = [ratio(r[0], r[2]) for _, r in self.rows]
        line = [ratio(r[1], r[3]) for _, r in self.rows]
        print(
            f"max ratio to dot: drawn {max(drawn):.2f}, straight {max(line):.2f}; graphs above "
            f"{BAR}x: drawn {sum(x > BAR for x in drawn)} (flag !), "
            f"straight {sum(x > BAR for x in line)} (flag 'straight'), of {len(self.rows)}"
        )


def _n(x: int) -> str:
    return "-" if x < 0 else str(x)


def _r(x: float, dot: int) -> str:
    return "-" if dot < 0 else f"{x:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer random graphs")
    parser.add_argument(
        "--wide", type=int, default=0, metavar="N", help="also N more random 40-op graphs"
    )
    parser.add_argument(
        "--wide-from", type=int, default=0, metavar="S", help="their first seed (default 0)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per speed measurement")
    parser.add_argument("--igraph", action="store_true", help="also igraph's Sugiyama layout")
    parser.add_argument("--grandalf", action="store_true", help="also time grandalf's layout")
    args = parser.parse_args()
    have_dot = shutil.which("dot") is not None
    if not have_dot:
        print("Graphviz 'dot' not found: crossings of the built-in layout only")
    table = Table(have_dot, args.igraph)
    for name, scene in graphs(args.quick):
        table.add(name, scene)
    table.summary()
    if args.wide:
        seeds = range(args.wide_from, args.wide_from + args.wide)
        print(f"\nrandom expression graphs, 40 operations, seeds {seeds[0]} to {seeds[-1]}")
        wide = Table(have_dot, args.igraph)
        for seed in seeds:
            wide.add(f"random 40 ops, seed {seed}", scene_of(random_root(40, seed)))
        wide.summary()
    print()
    for name, scene in [
        ("random expression", big_scene(2000)),
        ("MLP 2-24-24-1", big_mlp_scene(24)),
        ("MLP 2-16-16-1", big_mlp_scene(16)),
    ]:
        t = timed(scene, args.repeat)
        print(
            f"speed: {name}, {len(scene.nodes)} boxes, layout + SVG, median of {args.repeat}: "
            f"{t['wall']:.2f} s wall, {t['cpu']:.2f} s CPU "
            f"(best {t['best wall']:.2f} s wall, {t['best cpu']:.2f} s CPU)"
        )
        if args.igraph and (found := igraph_drawing(scene)) is not None:
            print(f"       igraph layout only, no clusters: {found[1]:.2f} s")
        if args.grandalf:
            g = grandalf_seconds(scene)
            print(f"       grandalf layout only, no clusters: {'-' if g is None else f'{g:.2f} s'}")


if __name__ == "__main__":
    main()
