"""The renderer: Scene contents, DOT structure, colours, clusters, collapse, check, rendering.

The exact DOT source of the nine-weight graph is kept in tests/snapshots/nine_weight.dot
(see `test_nine_weight_source_matches_the_snapshot` for how to regenerate it).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite.nn.functional as F
from tinygrad_lite import Tensor, Value
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.nn import MLP
from tinygrad_lite.viz import (
    COLOURS,
    GraphvizNotFound,
    Picture,
    SvgDrawing,
    build_scene,
    draw,
    draw_dot,
    render,
)
from tinygrad_lite.viz.scene import SceneNode

HAVE_DOT = shutil.which("dot") is not None


def needs_dot() -> None:
    """Skip without Graphviz locally; in CI (env CI set) a missing `dot` is a failure."""
    if not HAVE_DOT:
        if os.environ.get("CI"):
            pytest.fail("the Graphviz 'dot' program must be installed in CI")
        pytest.skip("Graphviz 'dot' is not installed")


def small_graph() -> tuple[Value, Value, Value, Value]:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    out = a * b + c
    out.label = "out"
    return a, b, c, out


def edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.M)


def node_ids(source: str) -> list[str]:
    return re.findall(r"^\s*(\w+) \[label=", source, flags=re.M)


def by_label(scene: tl.viz.Scene, label: str) -> SceneNode:
    found = [n for n in scene.nodes if n.rows and n.rows[0] == label]
    assert len(found) == 1, f"{label}: {found}"
    return found[0]


# --- structure ---------------------------------------------------------------------------


def test_counts_of_nodes_and_edges() -> None:
    *_, out = small_graph()
    src = draw_dot(out).source
    # 5 values (a, b, c, a*b, out) and 2 ops; a->*, b->*, *->ab, ab->+, c->+, +->out
    assert len(node_ids(src)) == 7
    assert len(edges(src)) == 6
    assert src.count("shape=circle") == 2


def test_a_times_a_draws_two_edges() -> None:
    a = Value(3.0, label="a")
    src = draw_dot(a * a).source
    assert edges(src).count(("n0", "n1_op")) == 2


def test_each_constant_use_is_its_own_node() -> None:
    x = Value(1.5, label="x")
    out = x * 2 + 3
    scene = build_scene(out)
    constants = [n for n in scene.nodes if n.role == "constant"]
    assert sorted(n.rows[0] for n in constants) == ["2.0000", "3.0000"]
    assert all(n.fill == COLOURS["constant"] for n in constants)


def test_value_rows_show_label_data_then_grad() -> None:
    _a, _b, _c, out = small_graph()
    out.backward()
    node = by_label(build_scene(out), "a")
    assert node.rows == ["a", "data 2.0000", "grad -3.0000"]
    hidden = by_label(build_scene(out, show_grad=False), "a")
    assert hidden.rows == ["a", "data 2.0000"]
    # In the DOT label the grad row comes after (under) the data row.
    src = draw_dot(out).source
    line = next(ln for ln in src.splitlines() if "<B>a</B>" in ln)
    assert line.index("data 2.0000") < line.index("grad -3.0000")


def test_colours_tell_roles_apart() -> None:
    w = Value(0.5, label="w")
    x = Value(2.0, label="x", requires_grad=False)
    out = w * x + 1.0
    scene = build_scene(out)
    assert by_label(scene, "w").fill == COLOURS["parameter"] == "#add8e6"
    assert by_label(scene, "x").fill == COLOURS["input"]
    out_node = next(n for n in scene.nodes if n.role == "output")
    assert out_node.fill == COLOURS["output"]
    src = draw_dot(out).source
    assert 'BGCOLOR="#add8e6"' in src
    assert f'BGCOLOR="{COLOURS["output"]}"' in src
    assert len({COLOURS[r] for r in ("parameter", "input", "constant", "output")}) == 4


def test_no_grad_row_for_nodes_that_need_no_gradient() -> None:
    x = Value(2.0, label="x", requires_grad=False)
    w = Value(1.0, label="w")
    assert by_label(build_scene(w * x), "x").rows == ["x", "data 2.0000"]


def test_labels_are_escaped() -> None:
    needs_dot()
    a = Value(1.0, label='<a & "b">')
    out = a * 2
    src = draw_dot(out).source
    assert "&lt;a &amp; &quot;b&quot;&gt;" in src
    assert '<a & "b">' not in src
    svg = draw_dot(out).pipe(format="svg").decode()
    assert "&lt;a &amp;" in svg


def hostile_text_graph() -> tuple[Value, Picture]:
    """User text in every place that reaches DOT: scopes, a label, a title, tooltips."""
    x = Value(1.0, label="\\N")
    with tl.scope("a\\"):
        y = x * 2
    with tl.scope("<x>"):
        y = y * 3
    with tl.scope('b\\"c'):
        y = y + 1
    out = y + 1
    return out, draw_dot(out, title="T\\G <t> & \\", edge_labels=True)


def test_user_text_is_escaped_in_the_dot_source() -> None:
    # A DotSyntaxWarning would be an error here (warnings are errors in this suite).
    _out, dot = hostile_text_graph()
    src = dot.source
    assert "label=<&lt;x&gt;>" in src  # the scope "<x>" is text, not HTML
    assert "label=<a\\\\>" in src  # a backslash in a label is doubled for Graphviz
    assert "label=<T\\\\G &lt;t&gt; &amp; \\\\>" in src
    assert 'tooltip="\\\\\\\\N: a leaf in a\\\\\\\\"' in src  # tooltips: four for one
    assert "label=<x>" not in src


def test_user_text_is_shown_as_written() -> None:
    needs_dot()
    _out, dot = hostile_text_graph()
    svg = dot.pipe(format="svg").decode()  # a syntax error in the DOT would raise here
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    titles = re.findall(r'xlink:title="([^"]*)"', svg)
    assert "a\\" in texts  # the cluster of scope "a\\"
    assert "&lt;x&gt;" in texts
    assert "b\\&quot;c" in texts
    assert "T\\G &lt;t&gt; &amp; \\" in texts
    assert "\\N" in texts  # the label, not the node's name
    assert "\\N: a leaf in a\\" in titles
    assert "mul1: made by mul in a\\" in titles


def test_ids_follow_topological_order() -> None:
    *_, out = small_graph()
    for src, dst in edges(draw_dot(out).source):
        i = int(re.match(r"n(\d+)", src).group(1))  # type: ignore[union-attr]
        j = int(re.match(r"n(\d+)", dst).group(1))  # type: ignore[union-attr]
        assert i < j or (i == j and dst == f"n{j}")


_SNAPSHOT = """
import tinygrad_lite as tl
from tinygrad_lite import Value
a, b = Value(2.0, label="a"), Value(-3.0, label="b")
with tl.scope("part"):
    c = (a * b + a.exp()).tanh()
c.backward()
print(tl.viz.draw_dot(c, edge_labels=True).source)
"""


def test_source_is_stable_across_runs() -> None:
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", _SNAPSHOT], capture_output=True, text=True, env=env, check=True
        )
        outputs.add(run.stdout)
    assert len(outputs) == 1
    src = outputs.pop()
    assert "subgraph cluster_part" in src
    assert len(edges(src)) == 10


# --- clusters and collapse -------------------------------------------------------------


def test_scopes_become_nested_clusters() -> None:
    x = Value(1.0, label="x")
    with tl.scope("outer"):
        y = x * 2
        with tl.scope("inner"):
            z = y.tanh()
    out = z + 1
    scene = build_scene(out)
    assert [c.path for c in scene.clusters] == ["outer", "outer/inner"]
    src = draw_dot(out).source
    outer = src.index("subgraph cluster_outer {")
    inner = src.index('subgraph "cluster_outer/inner" {')
    assert outer < inner
    # The inner cluster is inside the outer one: the outer closes after the inner.
    body = src[outer:]
    depth, closes_outer = 0, None
    for k, ch in enumerate(body):
        depth += (ch == "{") - (ch == "}")
        if depth == 0 and ch == "}":
            closes_outer = outer + k
            break
    assert closes_outer is not None
    assert closes_outer > inner


def test_nine_weight_graph_has_three_part_clusters() -> None:
    x, y, w = default_nine_weight_point()
    g = nine_weight_graph(x, y, w)
    scene = build_scene(g.loss)
    assert {c.path for c in scene.clusters} == {"part1", "part2", "part3"}
    # Weights are drawn inside the part that uses them.
    assert by_label(scene, "w1").cluster == "part1"
    assert by_label(scene, "w7").cluster == "part2"
    assert by_label(scene, "w4").cluster == "part3"
    assert by_label(scene, "w9").cluster is None


def test_depth_collapses_module_clusters_into_summaries() -> None:
    model = MLP(3, [4, 4, 1], seed=1)
    out = model([0.5, -1.0, 2.0])
    out.backward()
    scene = build_scene(out, depth=1)
    summaries = {n.tooltip: n for n in scene.nodes if n.kind == "summary"}
    assert set(summaries) == {"mlp/layer0", "mlp/layer1", "mlp/layer2"}
    for i, layer in enumerate(model.layers):
        node = summaries[f"mlp/layer{i}"]
        params = layer.parameters()
        norm = math.sqrt(sum(p.grad**2 for p in params))
        assert f"{len(params)} parameters" in node.rows[1]
        assert node.rows[2] == f"grad norm {norm:.4f}"
        assert node.cluster == "mlp"
    # The output stays visible, and layer1 feeds layer2.
    assert any(n.role == "output" for n in scene.nodes)
    ids = {n.tooltip: n.id for n in scene.nodes if n.kind == "summary"}
    pairs = {(e.src, e.dst) for e in scene.edges}
    assert (ids["mlp/layer0"], ids["mlp/layer1"]) in pairs
    assert (ids["mlp/layer0"], ids["mlp/layer2"]) not in pairs
    whole = build_scene(out, depth=0)
    assert [n.tooltip for n in whole.nodes if n.kind == "summary"] == ["mlp"]


def test_collapsed_clusters_draw_one_counted_edge_per_pair() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -1.0])
    scene = build_scene(out, depth=1)
    pairs = [(e.src, e.dst) for e in scene.edges]
    assert len(pairs) == len(set(pairs)), "parallel edges from a collapsed cluster"
    src = draw_dot(out, depth=1).source
    assert len(edges(src)) == len(set(edges(src)))
    # The output neuron sums 16 products and a bias, all inside the collapsed last layer.
    into_output = [e for e in scene.edges if e.dst.endswith("_op")]
    assert [e.label for e in into_output] == ["x17"]
    assert "<TD>x17</TD>" in src
    ids = {n.tooltip: n.id for n in scene.nodes if n.kind == "summary"}
    between = {(e.src, e.dst): e.label for e in scene.edges}
    assert between[(ids["mlp/layer0"], ids["mlp/layer1"])] == "x256"  # 16 outputs x 16 neurons


def test_node_cap_suggests_depth() -> None:
    model = MLP(4, [16, 16, 1], seed=0)
    out = model([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match=r"max_nodes=500.*depth="):
        draw_dot(out)
    assert len(node_ids(draw_dot(out, depth=1).source)) < 20


# --- edge labels, legend, highlight, check ---------------------------------------------


def test_edge_labels_are_local_derivatives() -> None:
    x, y = Value(3.0, label="x"), Value(5.0, label="y")
    t = (x * y).tanh()
    scene = build_scene(t, edge_labels=True)
    labels = {(e.src, e.index): e.label for e in scene.edges if e.label}
    x_id, y_id = by_label(scene, "x").id, by_label(scene, "y").id
    assert labels[(x_id, 0)] == "5.0000"  # d(x*y)/dx = y
    assert labels[(y_id, 1)] == "3.0000"
    tanh_in = [e.label for e in scene.edges if e.dst.endswith("_op") and e.label][-1]
    assert float(tanh_in) == pytest.approx(1 - math.tanh(15.0) ** 2, abs=1e-4)


def test_edge_labels_on_edges_from_constants_and_inputs() -> None:
    x = Value(3.0, label="x", requires_grad=False)
    w = Value(-2.0, label="w")
    out = (w * x) * 4.0 + w**2
    scene = build_scene(out, edge_labels=True)
    labels = {(e.src, e.index): e.label for e in scene.edges}
    assert labels[(by_label(scene, "x").id, 1)] == "-2.0000"  # d(w*x)/dx = w, no grad needed
    constant = next(n for n in scene.nodes if n.role == "constant" and n.rows == ["4.0000"])
    assert labels[(constant.id, 1)] == "-6.0000"  # d(4*wx)/d4 = w*x
    # The exponent of a negative base has no derivative; no gradient flows there: no label.
    two = next(n for n in scene.nodes if n.role == "constant" and n.rows == ["2.0000"])
    assert labels[(two.id, 1)] == ""
    assert labels[(by_label(scene, "w").id, 0)] == "-4.0000"  # d(w**2)/dw = 2w
    # An argument that needs a gradient and has no derivative says so.
    base, p = Value(-2.0, label="base"), Value(2.0, label="p")
    scene = build_scene(base**p, edge_labels=True)
    assert {e.index: e.label for e in scene.edges if e.dst.endswith("_op")}[1] == "undefined"


def test_legend_lists_the_roles_and_marks_used() -> None:
    *_, out = small_graph()
    scene = build_scene(out, legend=True)
    texts = [item.text for item in scene.legend]
    assert texts == [  # b names a parameter; a and c are inputs that need a gradient
        "parameter (weight or bias)",
        "input (data)",
        "computed value",
        "output",
        "operation (symbol)",
    ]
    src = draw_dot(out, legend=True).source
    assert "rank=sink" in src  # one table beside the graph, at the output's end
    assert src.count("legend [label=") == 1
    for text in texts:
        assert text in src
    assert "legend" not in draw_dot(out).source


def test_highlight_marks_paths_from_one_input() -> None:
    a, _b, _c, out = small_graph()
    scene = build_scene(out, highlight=a)
    lit = {n.rows[0] for n in scene.nodes if n.highlight and n.kind == "value"}
    assert lit == {"a", "out", "mul1"}
    c_id = by_label(scene, "c").id
    assert not any(e.highlight for e in scene.edges if e.src == c_id)
    assert any(e.highlight for e in scene.edges if e.src == by_label(scene, "a").id)


def test_check_colours_agreeing_leaves_green() -> None:
    a, _b, _c, out = small_graph()
    scene = build_scene(out.tanh(), check=True)
    for name in "abc":
        node = by_label(scene, name)
        assert node.fill == COLOURS["check ok"]
        assert node.rows[-1].startswith("check ok")
    assert a.grad == 0.0  # checking does not leave gradients behind


def test_check_flags_a_disagreeing_leaf() -> None:
    # relu at its kink: analytic derivative 0, central difference 0.5.
    x = Value(0.0, label="x")
    w = Value(2.0, label="w")
    out = x.relu() + w * w
    scene = build_scene(out, check=True)
    assert by_label(scene, "x").fill == COLOURS["check failed"]
    assert by_label(scene, "w").fill == COLOURS["check ok"]
    assert "check FAILED: numeric 0.5000" in by_label(scene, "x").rows


# --- bad input ---------------------------------------------------------------------------


def test_bad_arguments_are_named() -> None:
    *_, out = small_graph()
    with pytest.raises(TypeError, match="float"):
        draw_dot(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="depth"):
        draw_dot(out, depth=-1)
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(out, rankdir="XY")
    with pytest.raises(ValueError, match="engine"):
        draw(out, engine="cairo")


# --- rendering ---------------------------------------------------------------------------


@pytest.mark.usefixtures("no_graphviz")
def test_without_graphviz_draw_dot_still_shows_and_saves(tmp_path: Path) -> None:
    *_, out = small_graph()
    dot = draw_dot(out)
    assert isinstance(dot, Picture)
    assert "->" in dot.source
    assert dot.drawn_by() == "builtin"
    shown = dot._repr_mimebundle_()["image/svg+xml"]  # what a notebook displays
    assert "<svg" in shown
    assert 'class="node value"' in shown  # drawn by the built-in engine
    assert dot.save(tmp_path / "g.svg") == str(tmp_path / "g.svg")
    assert "<svg" in (tmp_path / "g.svg").read_text(encoding="utf-8")
    render(dot, tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == dot.source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin-without-dot", "g.dot", "g.svg"]
    # naming an engine that is missing is an error that explains how to install it
    with pytest.raises(GraphvizNotFound) as info:
        draw(out, engine="dot")
    message = str(info.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "winget", "choco"):
        assert hint in message
    assert 'pip install "tinygrad_lite[layout]"' in message
    assert "conda install -c conda-forge graphviz" in message
    assert isinstance(info.value, RuntimeError)


def test_render_to_svg_png_and_dot(tmp_path: object) -> None:
    needs_dot()
    *_, out = small_graph()
    out.backward()
    dot = draw_dot(out, edge_labels=True, legend=True)
    svg = render(dot, os.path.join(str(tmp_path), "g.svg"))
    png = render(dot, os.path.join(str(tmp_path), "g.png"))
    gv = render(dot, os.path.join(str(tmp_path), "g.dot"))
    text = Path(svg).read_text(encoding="utf-8")
    assert "<svg" in text
    assert "data &#45;6.0000" in text
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(gv).read_text(encoding="utf-8") == dot.source


def test_draw_picks_an_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    *_, out = small_graph()
    assert isinstance(draw(out, engine="graphviz"), Picture)
    builtin = draw(out, engine="builtin")
    assert isinstance(builtin, SvgDrawing)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    assert isinstance(draw(out), SvgDrawing)


# --- tensors -----------------------------------------------------------------------------


def test_tensor_nodes_show_shape_dtype_and_summaries() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.label = "x"
    y = (x * x).sum()
    y.backward()
    scene = build_scene(y, check=True)
    node = by_label(scene, "x")
    assert node.rows[1] == "shape (2, 3) float64"
    assert node.rows[2] == "data mean 2.5000 min 0.0000 max 5.0000"
    assert node.rows[3] == "grad mean 5.0000 min 0.0000 max 10.0000"
    assert node.fill == COLOURS["check ok"]
    # Constants in the formula are drawn too, also with a highlighted path.
    z = (x * 2.0).sum()
    lit = build_scene(z, highlight=x)
    assert sum(n.role == "constant" for n in lit.nodes) == 1
    assert any(e.highlight for e in lit.edges)
    small = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    small.label = "s"
    assert by_label(build_scene((small * 3).sum()), "s").rows[2] == "data [1.0000 -2.0000]"


def test_class_labels_are_drawn_as_integers() -> None:
    logits = Tensor(np.zeros((4, 3)), requires_grad=True)
    few = build_scene(F.cross_entropy(logits, [0, 2, 1, 0]))
    assert [n.rows for n in few.nodes if n.role == "constant"] == [["[0 2 1 0]"]]
    many = build_scene(F.cross_entropy(Tensor(np.zeros((6, 3)), requires_grad=True), [2] * 6))
    assert [n.rows for n in many.nodes if n.role == "constant"] == [["6 integers in 2..2"]]


def test_zero_d_tensor_shows_shape_and_dtype() -> None:
    x = Tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    total = x.sum()
    total.label = "total"
    total.backward()
    node = by_label(build_scene(total), "total")
    assert node.rows == ["total", "shape () float32", "data -1.0000", "grad 1.0000"]
    scalar = Tensor(np.float64(2.5), requires_grad=True)
    scalar.label = "s"
    assert by_label(build_scene(scalar * 2.0), "s").rows[1] == "shape () float64"
    # A Value is a plain number: no shape row.
    plain = build_scene(Value(1.0, label="v") * 2, show_grad=False)
    assert by_label(plain, "v").rows == ["v", "data 1.0000"]


# --- the golden picture --------------------------------------------------------------------

SNAPSHOT = Path(__file__).parent / "snapshots" / "nine_weight.dot"

_NINE_WEIGHT = """
from tinygrad_lite.examples import nine_weight_graph
from tinygrad_lite.viz import draw_dot
X = [0.7, -0.4, 1.3, -0.9, 0.25]
W = [0.2, 0.5, -1.1, 0.6, 0.3, -0.2, 0.4, -0.3, 0.8]
graph = nine_weight_graph(X, -0.5, W)
graph.loss.backward()
print(draw_dot(graph.loss, edge_labels=True, legend=True).source, end="")
"""


def nine_weight_source(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    run = subprocess.run(
        [sys.executable, "-c", _NINE_WEIGHT], capture_output=True, text=True, env=env, check=True
    )
    return run.stdout


def test_nine_weight_source_matches_the_snapshot() -> None:
    """The exact DOT source of the nine-weight graph, with fixed inputs and gradients.

    Any change to what the picture shows (rows, colours, ids, clusters, edge labels,
    escaping) shows up here as a diff. When the change is intended, regenerate the file
    and review the diff before committing it:

        UPDATE_SNAPSHOTS=1 python -m pytest tests/test_viz.py -k snapshot

    The source is made in fresh interpreters with two different hash seeds, so it is also
    a check that nothing depends on set or dict-of-object ordering.
    """
    sources = {nine_weight_source(seed) for seed in ("0", "4242")}
    assert len(sources) == 1, "the DOT source depends on the hash seed"
    source = sources.pop()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(source, encoding="utf-8", newline="\n")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    assert source == expected, (
        f"the DOT source differs from {SNAPSHOT.name}; if intended, rerun with UPDATE_SNAPSHOTS=1"
    )
