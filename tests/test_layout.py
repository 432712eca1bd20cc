"""The built-in layered layout: geometric invariants on real and random graphs."""

from __future__ import annotations

import math
import random
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_lite import Value, scope
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.nn.scalar import MLP
from tinygrad_lite.viz import build_scene
from tinygrad_lite.viz.layout import Layout, Rect, count_crossings, layout_scene
from tinygrad_lite.viz.scene import Scene, SceneCluster, SceneEdge, SceneNode

# Monospace fonts advance 0.6 em per character (DejaVu Sans Mono: 1233/2048 em).
EM_ADVANCE = 0.61


def nine_weight_scene(rankdir: str = "LR") -> Scene:
    graph = nine_weight_graph(*default_nine_weight_point())
    graph.loss.backward()
    return build_scene(graph.loss, rankdir=rankdir)


def mlp_scene(rankdir: str = "LR") -> Scene:
    model = MLP(2, [4, 4, 1], seed=0)
    out = model([Value(0.5, label="x0"), Value(-1.5, label="x1")])
    assert isinstance(out, Value)
    loss = (out - 1.0) ** 2
    loss.backward()
    return build_scene(loss, rankdir=rankdir)


def members(scene: Scene, path: str) -> set[str]:
    return {
        n.id
        for n in scene.nodes
        if n.cluster is not None and (n.cluster == path or n.cluster.startswith(path + "/"))
    }


def nested(inner: str, outer: str) -> bool:
    return inner.startswith(outer + "/")


def check_invariants(scene: Scene, layout: Layout, *, acyclic: bool = True) -> None:
    """Everything the picture promises, checked from the geometry alone."""
    boxes = layout.nodes
    assert set(boxes) == {n.id for n in scene.nodes}
    ids = list(boxes)
    # no two boxes overlap
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            assert not boxes[a].overlaps(boxes[b]), f"boxes {a} and {b} overlap"
    # every edge runs from a lower layer to a higher one, in the drawing direction
    if acyclic:
        for e in scene.edges:
            assert layout.layers[e.src] < layout.layers[e.dst], (e.src, e.dst)
            (sx, sy), (dx, dy) = boxes[e.src].center, boxes[e.dst].center
            forward = {"LR": dx > sx, "RL": dx < sx, "TB": dy > sy, "BT": dy < sy}
            assert forward[scene.rankdir], (e.src, e.dst)
    # each cluster holds exactly its nodes, nested clusters nest, siblings are disjoint
    paths = {n.cluster for n in scene.nodes if n.cluster}  # an empty cluster is not drawn
    for path in list(paths):
        while "/" in path:
            path = path.rsplit("/", 1)[0]
            paths.add(path)
    assert set(layout.clusters) == paths
    for path, rect in layout.clusters.items():
        inside = members(scene, path)
        for nid, box in boxes.items():
            if nid in inside:
                assert rect.contains(box), f"{nid} sticks out of cluster {path}"
            else:
                assert not rect.overlaps(box), f"{nid} is drawn inside cluster {path}"
        for other, orect in layout.clusters.items():
            if other == path:
                continue
            if nested(other, path):
                assert rect.contains(orect), f"{other} not inside {path}"
                assert rect != orect, f"{other} and {path} share one rectangle"
            elif not nested(path, other):
                assert not rect.overlaps(orect), f"clusters {path} and {other} overlap"
        label = layout.cluster_labels[path]
        assert len(label) * EM_ADVANCE * 11 < rect.width, f"label of {path} too wide"
    # text fits inside its box
    for n in scene.nodes:
        check_text_fits(n, boxes[n.id])
    # edges start on their source box and end on their target box
    for e, route in zip(scene.edges, layout.edges, strict=True):
        assert (route.src, route.dst) == (e.src, e.dst)
        assert on_border(route.points[0], boxes[e.src] if acyclic else boxes[route.src])
        assert len(route.points) >= 2


def on_border(p: tuple[float, float], r: Rect) -> bool:
    x, y = p
    tol = 1e-6
    inside = r.left - tol <= x <= r.right + tol and r.top - tol <= y <= r.bottom + tol
    edge = min(abs(x - r.left), abs(x - r.right), abs(y - r.top), abs(y - r.bottom)) < tol
    return inside and edge


def check_text_fits(node: SceneNode, box: Rect, font_size: float = 11.0) -> None:
    rows = node.rows or [""]
    w = max(len(r) for r in rows) * EM_ADVANCE * font_size
    h = len(rows) * font_size * 1.2
    if node.kind == "op":
        # the text rectangle's corner lies inside the ellipse
        a, b = box.width / 2, box.height / 2
        assert (w / 2 / a) ** 2 + (h / 2 / b) ** 2 <= 1.0, node.rows
    else:
        assert w < box.width, node.rows
        assert h < box.height, node.rows


# ----------------------------------------------------------------------------------
# Real graphs
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rankdir", ["LR", "TB", "RL", "BT"])
def test_nine_weight_graph_invariants(rankdir: str) -> None:
    scene = nine_weight_scene(rankdir)
    layout = layout_scene(scene)
    check_invariants(scene, layout)
    assert {"part1", "part2", "part3"} <= set(layout.clusters)


def test_nine_weight_weights_sit_in_their_parts() -> None:
    scene = nine_weight_scene()
    layout = layout_scene(scene)
    by_label = {n.rows[0]: n.id for n in scene.nodes if n.kind == "value"}
    for part, weights in {"part1": "w1 w2 w6", "part2": "w7", "part3": "w3 w4 w5 w8"}.items():
        for w in weights.split():
            assert layout.clusters[part].contains(layout.nodes[by_label[w]]), (part, w)
    assert not layout.clusters["part1"].overlaps(layout.nodes[by_label["w9"]])


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_mlp_clusters_nest(rankdir: str) -> None:
    scene = mlp_scene(rankdir)
    layout = layout_scene(scene)
    check_invariants(scene, layout)
    assert {"mlp", "mlp/layer0", "mlp/layer0/neuron1", "mlp/layer2/neuron0"} <= set(layout.clusters)


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_collapsed_mlp_keeps_every_invariant(depth: int) -> None:
    model = MLP(2, [4, 4, 1], seed=0)
    out = model([Value(0.5, label="x0"), Value(-1.5, label="x1")])
    assert isinstance(out, Value)
    out.backward()
    scene = build_scene(out, depth=depth)
    assert any(n.kind == "summary" for n in scene.nodes)
    check_invariants(scene, layout_scene(scene))


def test_duplicate_edges_get_separate_routes() -> None:
    a = Value(3.0, label="a")
    b = a * a
    b.backward()
    scene = build_scene(b)
    layout = layout_scene(scene)
    check_invariants(scene, layout)
    twins = [r for r in layout.edges if r.src == "n0"]
    assert len(twins) == 2
    assert {r.duplicate for r in twins} == {0, 1}
    assert all(r.duplicates == 2 for r in twins)


# ----------------------------------------------------------------------------------
# Random graphs
# ----------------------------------------------------------------------------------

CLUSTER_PATHS = [None, None, "a", "a/b", "a/b/c", "a/d", "e", "e/f"]


@st.composite
def scenes(draw: st.DrawFn) -> Scene:
    n = draw(st.integers(1, 40))
    rankdir = draw(st.sampled_from(["LR", "TB", "RL", "BT"]))
    scene = Scene(rankdir=rankdir)
    for i in range(n):
        kind = draw(st.sampled_from(["value", "op", "summary"]))
        rows = draw(st.lists(st.text(max_size=12), min_size=0 if kind != "op" else 1, max_size=4))
        cluster = draw(st.sampled_from(CLUSTER_PATHS))
        scene.nodes.append(SceneNode(f"n{i}", kind, "intermediate", rows, "#ffffff", cluster))
    for j in range(1, n):
        for _ in range(draw(st.integers(0, 3))):
            i = draw(st.integers(0, j - 1))
            scene.edges.append(SceneEdge(f"n{i}", f"n{j}"))
    scene.clusters = [SceneCluster(p, p.upper()) for p in CLUSTER_PATHS if p and p != "a/d"]
    return scene


@settings(max_examples=60)
@given(scenes())
def test_random_scenes_keep_every_invariant(scene: Scene) -> None:
    check_invariants(scene, layout_scene(scene))


def test_random_expression_graphs_keep_every_invariant() -> None:
    for seed in range(4):
        r = random.Random(seed)
        pool = [Value(r.uniform(-1, 1), label=f"a{i}") for i in range(4)]
        for k in range(40):
            with scope(f"s{k // 10}"):
                a, b = r.choice(pool[-6:]), r.choice(pool)
                pool.append(a * b if r.random() < 0.5 else (a + b).tanh())
        check_invariants(build_scene(pool[-1]), layout_scene(build_scene(pool[-1])))


def test_a_tree_is_drawn_without_crossings() -> None:
    """A tree can always be drawn without crossings; scrambled input order must not matter."""
    r = random.Random(0)
    n = 31
    order = list(range(n))
    r.shuffle(order)
    scene = Scene()
    for i in range(n):
        scene.nodes.append(SceneNode(f"t{order[i]}", "value", "intermediate", ["x"], "#ffffff"))
    # node k's parent is (k - 1) // 2: a complete binary tree drawn from the leaves to the root
    for k in range(1, n):
        scene.edges.append(SceneEdge(f"t{k}", f"t{(k - 1) // 2}"))
    layout = layout_scene(scene)
    check_invariants(scene, layout)
    segs = [s for route in layout.edges for s in pairwise(route.points)]
    assert count_crossings(segs) == 0


def gap_spans(layout: Layout) -> list[tuple[float, float]]:
    """Along the layer axis, the extent of every piece of every route that changes lanes."""
    lr = layout.rankdir in ("LR", "RL")
    spans = []
    for route in layout.edges:
        for p, q in pairwise(route.points):
            (pu, pv), (qu, qv) = (p, q) if lr else ((p[1], p[0]), (q[1], q[0]))
            if abs(pv - qv) > 1e-9:
                spans.append((min(pu, qu), max(pu, qu)))
    return spans


@settings(max_examples=40)
@given(scenes())
def test_edges_change_lanes_only_in_the_gaps_between_layers(scene: Scene) -> None:
    """Inside a layer's band edges run level; between two layers every edge spans the same
    gap. So two edges cross exactly where the layer ordering says they do."""
    spans = gap_spans(layout_scene(scene))
    for a in spans:
        for b in spans:
            same = abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6
            apart = a[1] <= b[0] + 1e-6 or b[1] <= a[0] + 1e-6
            assert same or apart, (a, b)


def test_cycles_are_drawn_instead_of_refused() -> None:
    scene = Scene()
    for i in range(3):
        scene.nodes.append(SceneNode(f"c{i}", "summary", "summary", [f"part {i}"], "#ffd9a8"))
    scene.edges = [SceneEdge("c0", "c1"), SceneEdge("c1", "c2"), SceneEdge("c2", "c0")]
    layout = layout_scene(scene)
    check_invariants(scene, layout, acyclic=False)
    back = next(r for r in layout.edges if r.src == "c2")
    assert on_border(back.points[-1], layout.nodes["c0"])


# ----------------------------------------------------------------------------------
# Bad input and the crossing counter
# ----------------------------------------------------------------------------------


def test_bad_scenes_are_refused_by_name() -> None:
    node = SceneNode("x", "value", "input", ["x"], "#ffffff")
    with pytest.raises(ValueError, match="rankdir"):
        layout_scene(Scene(nodes=[node], rankdir="diagonal"))
    with pytest.raises(ValueError, match="two nodes with id 'x'"):
        layout_scene(Scene(nodes=[node, node]))
    with pytest.raises(ValueError, match="unknown node 'y'"):
        layout_scene(Scene(nodes=[node], edges=[SceneEdge("x", "y")]))
    with pytest.raises(ValueError, match="loop"):
        layout_scene(Scene(nodes=[node], edges=[SceneEdge("x", "x")]))


def test_empty_scene() -> None:
    layout = layout_scene(Scene())
    assert layout.nodes == {}
    assert layout.width > 0


def test_count_crossings_by_hand() -> None:
    x = [((0.0, 0.0), (2.0, 2.0)), ((0.0, 2.0), (2.0, 0.0))]
    assert count_crossings(x) == 1
    shared_end = [((0.0, 0.0), (2.0, 2.0)), ((2.0, 2.0), (4.0, 0.0))]
    assert count_crossings(shared_end) == 0
    parallel = [((0.0, 0.0), (2.0, 0.0)), ((0.0, 1.0), (2.0, 1.0))]
    assert count_crossings(parallel) == 0
    apart = [((0.0, 0.0), (1.0, 1.0)), ((2.0, 0.0), (3.0, -1.0))]
    assert count_crossings(apart) == 0
    # a fan of n lines through one point, each crossing every other: n choose 2
    fan = [
        ((math.cos(t), math.sin(t)), (-math.cos(t), -math.sin(t)))
        for t in (0.1, 0.7, 1.3, 1.9, 2.5)
    ]
    assert count_crossings(fan) == 10


def test_wide_characters_get_two_cells() -> None:
    """CJK characters are two cells wide in a monospace font; their box must allow for it."""
    text = "漢字ラベル"
    scene = Scene(nodes=[SceneNode("k", "value", "input", [text], "#ffffff")])
    box = layout_scene(scene).nodes["k"]
    assert box.width > 2 * len(text) * EM_ADVANCE * 11


def test_short_op_symbols_are_circles() -> None:
    scene = Scene(
        nodes=[
            SceneNode("m", "op", "op", ["*"], "#f5f5f5"),
            SceneNode("s", "op", "op", ["sigmoid"], "#f5f5f5"),
        ]
    )
    layout = layout_scene(scene)
    assert layout.nodes["m"].width == pytest.approx(layout.nodes["m"].height)
    assert layout.nodes["s"].width > layout.nodes["s"].height
