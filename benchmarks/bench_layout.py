"""How the built-in layout compares with Graphviz `dot`, and how fast it is.

Usage: python benchmarks/bench_layout.py [--quick] [--grandalf]

Quality: for each graph, both engines lay out the same Scene (dot gets the DOT source that
`tinygrad_lite.viz.scene_to_dot` writes for it, positions read back with `dot -Tplain`),
and edge crossings are counted the same way for both: every edge as a straight segment
between the centres of its two boxes. Speed: seconds to lay out and write the SVG of a
2,000-box scalar graph (best of three runs).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenes import big_mlp_scene, big_scene, mlp_root, nine_weight_root, random_root, scene_of

from tinygrad_lite.layout import count_crossings, layout_scene
from tinygrad_lite.scene import Scene
from tinygrad_lite.svg import render_svg

Segment = tuple[tuple[float, float], tuple[float, float]]


def segments(scene: Scene, centres: dict[str, tuple[float, float]]) -> list[Segment]:
    return [(centres[e.src], centres[e.dst]) for e in scene.edges]


def builtin_geometry(scene: Scene) -> tuple[dict[str, tuple[float, float]], list[Segment]]:
    """Box centres, and the edges as drawn (polylines through their bend points)."""
    layout = layout_scene(scene)
    drawn = [s for r in layout.edges for s in pairwise(r.points)]
    return {nid: r.center for nid, r in layout.nodes.items()}, drawn


def dot_geometry(scene: Scene) -> tuple[dict[str, tuple[float, float]], list[Segment]]:
    """The same from `dot -Tplain`: centres, and each edge's spline control polygon."""
    from tinygrad_lite.viz import scene_to_dot

    source = scene_to_dot(scene).source
    plain = subprocess.run(
        ["dot", "-Tplain"], input=source, capture_output=True, text=True, check=True
    ).stdout
    centres: dict[str, tuple[float, float]] = {}
    drawn: list[Segment] = []
    for line in plain.splitlines():
        parts = line.split()
        if parts and parts[0] == "node":
            name = parts[1].strip('"')
            centres[name] = (float(parts[2]), -float(parts[3]))
        elif parts and parts[0] == "edge":
            n = int(parts[3])
            xy = [float(t) for t in parts[4 : 4 + 2 * n]]
            pts = [(xy[2 * i], -xy[2 * i + 1]) for i in range(n)]
            drawn += list(pairwise(pts))
    return centres, drawn


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


def timed(scene: Scene, repeat: int = 3) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds over `repeat` runs of layout + SVG text."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        render_svg(scene).source.encode()
        wall = min(wall, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu


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


def _ratio(mine: int, dot: int) -> str:
    if dot < 0:
        return "-"
    if dot == 0:
        return "=" if mine == 0 else "inf"
    return f"{mine / dot:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer random graphs")
    parser.add_argument("--grandalf", action="store_true", help="also time grandalf's layout")
    args = parser.parse_args()
    have_dot = shutil.which("dot") is not None
    if not have_dot:
        print("Graphviz 'dot' not found: crossings of the built-in layout only")
    print("crossings: straight = centre-to-centre segments (the comparison); drawn = the")
    print("built-in polylines through bend points vs dot's spline control polygons")
    print(
        f"{'graph':26} {'boxes':>5} {'edges':>5} | {'straight':>8} {'dot':>5} {'ratio':>5} "
        f"| {'drawn':>5} {'dot':>5}"
    )
    tot = [0, 0, 0, 0]
    for name, scene in graphs(args.quick):
        centres, drawn = builtin_geometry(scene)
        row = [count_crossings(segments(scene, centres)), count_crossings(drawn), -1, -1]
        if have_dot:
            d_centres, d_drawn = dot_geometry(scene)
            row[2:] = [count_crossings(segments(scene, d_centres)), count_crossings(d_drawn)]
        tot = [t + max(x, 0) for t, x in zip(tot, row, strict=True)]
        print(
            f"{name:26} {len(scene.nodes):5d} {len(scene.edges):5d} | {row[0]:8d} {row[2]:5d} "
            f"{_ratio(row[0], row[2]):>5} | {row[1]:5d} {row[3]:5d}"
        )
    print(
        f"{'total':26} {'':5} {'':5} | {tot[0]:8d} {tot[2]:5d} {_ratio(tot[0], tot[2]):>5} "
        f"| {tot[1]:5d} {tot[3]:5d}"
    )
    print()
    for name, scene in [
        ("random expression", big_scene(2000)),
        ("MLP 2-24-24-1", big_mlp_scene(24)),
        ("MLP 2-16-16-1", big_mlp_scene(16)),
    ]:
        wall, cpu = timed(scene)
        print(
            f"speed: {name}, {len(scene.nodes)} boxes, layout + SVG: "
            f"{wall:.2f} s wall, {cpu:.2f} s CPU"
        )
        if args.grandalf:
            g = grandalf_seconds(scene)
            print(f"       grandalf layout only, no clusters: {'-' if g is None else f'{g:.2f} s'}")


if __name__ == "__main__":
    main()
