"""The live view's Python side: what it sends to the page, and what it refuses.

The page itself is tested in headless Chromium (test_live_browser.py); here, without a
browser: `build_scene(collapse=...)`, the layout as data (every box inside the picture,
edges keyed uniquely, both engines), the numbers at full precision, updates that keep
the layout, the paths of a clicked box against `explain`, the frames against
`backward_steps`, the exported page (offline: no address to fetch) and the error when
anywidget is missing.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from tests.optional import require, require_program
from tinygrad_lite import Value
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.nn import MLP
from tinygrad_lite.viz import backward_steps, build_scene, explain, format_number
from tinygrad_lite.viz.interactive import LIVE_HELP, LiveState, export_html, live
from tinygrad_lite.viz.interactive.page import page_html, script_text


def nine_weight_loss() -> Value:
    graph = nine_weight_graph(*default_nine_weight_point())
    graph.loss.backward()
    return graph.loss


# --- build_scene(collapse=...) ---------------------------------------------------------


def test_collapse_folds_exactly_the_named_cluster() -> None:
    loss = nine_weight_loss()
    full = build_scene(loss)
    folded = build_scene(loss, collapse=["part2"])
    summaries = [n for n in folded.nodes if n.kind == "summary"]
    assert [s.rows[0] for s in summaries] == ["part2"]
    # part2 = tanh(part1 + w7): two ops, one parameter
    assert summaries[0].rows[1] == "2 ops, 1 parameter"
    inside = {n.name for n in full.nodes if n.cluster == "part2" and n.kind == "value"}
    assert inside == {"w7", "part1+w7", "part2"}
    assert not inside & {n.name for n in folded.nodes}
    assert {c.path for c in folded.clusters} == {"part1", "part3"}


def test_collapse_of_a_nested_part_keeps_its_parent_open() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([0.5, -1.0])
    scene = build_scene(out, collapse=["mlp/layer0/neuron1"])
    summaries = [n for n in scene.nodes if n.kind == "summary"]
    assert [(s.rows[0], s.cluster) for s in summaries] == [("neuron1", "mlp/layer0")]
    assert any(n.cluster == "mlp/layer0/neuron0" for n in scene.nodes)


def test_collapse_refuses_unknown_parts_and_strings() -> None:
    loss = nine_weight_loss()
    with pytest.raises(ValueError, match=r"collapse names no part of this graph: \['part9'\]"):
        build_scene(loss, collapse=["part9"])
    with pytest.raises(TypeError, match="collection of scope paths"):
        build_scene(loss, collapse="part1")


def distance(point: list[float], box: dict[str, float]) -> float:
    """How far a point lies outside a box (0 inside)."""
    dx = max(box["x"] - point[0], 0.0, point[0] - box["x"] - box["w"])
    dy = max(box["y"] - point[1], 0.0, point[1] - box["y"] - box["h"])
    return float((dx * dx + dy * dy) ** 0.5)


# --- the layout as data ------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["builtin", "dot", "pygraphviz"])
def test_picture_holds_every_box_inside_it_with_unique_edges(engine: str) -> None:
    if engine == "dot":
        require_program("dot")
    if engine == "pygraphviz":
        require("pygraphviz")
    loss = nine_weight_loss()
    state = LiveState(loss, engine=engine)
    pic = state.picture
    assert pic["engine"] == engine
    scene = build_scene(loss)
    assert [n["id"] for n in pic["nodes"]] == [n.id for n in scene.nodes]
    for n in pic["nodes"]:
        assert n["x"] >= 0, n
        assert n["x"] + n["w"] <= pic["width"], n
        assert n["y"] >= 0, n
        assert n["y"] + n["h"] <= pic["height"], n
    keys = [e["key"] for e in pic["edges"]]
    assert len(keys) == len(set(keys)) == len(scene.edges)
    boxes = {n["id"]: n for n in pic["nodes"]}
    for e in pic["edges"]:
        assert re.fullmatch(r"M[\d.]+,[\d.]+( [CL][\d., ]+)+", e["d"]), e["d"]
        numbers = [float(v) for v in re.findall(r"-?[\d.]+", e["d"])]
        # each curve starts at its own source box and ends at its own target box
        assert distance(numbers[:2], boxes[e["src"]]) < 3.0, e
        assert distance(numbers[-2:], boxes[e["dst"]]) < 3.0, e
    assert {c["path"] for c in pic["clusters"]} == {"part1", "part2", "part3"}
    grad_rows = {n["name"]: n["rows"][n["grad_row"]] for n in pic["nodes"] if n["grad_row"] >= 0}
    assert grad_rows["w1"].startswith("grad ")
    assert "x1" not in grad_rows  # an input has no gradient


def test_values_are_the_rows_and_full_precision_numbers() -> None:
    loss = nine_weight_loss()
    state = LiveState(loss)
    values = state.values()
    ids = {n["name"]: n["id"] for n in state.picture["nodes"] if n["kind"] == "value"}
    w9 = next(n for n in state.scene.sources.values() if n.label == "w9")
    assert values["rows"][ids["w9"]] == [
        "w9",
        f"data {format_number(w9.data)}",
        f"grad {format_number(w9.grad)}",
    ]
    assert values["full"][ids["w9"]] == {"data": repr(w9.data), "grad": repr(w9.grad)}
    # y_hat = part3*w9 + part2: d(part3*w9)/dw9 = part3
    part3 = next(n for n in state.scene.sources.values() if n.label == "part3")
    mul = ids["part3*w9"]
    assert values["locals"][f"{ids['w9']}>{mul}_op#1"] == repr(part3.data)
    json.dumps(values)  # plain data


def test_update_keeps_the_layout_for_a_graph_of_the_same_shape() -> None:
    x, y, w = default_nine_weight_point()
    first = nine_weight_graph(x, y, w)
    first.loss.backward()
    state = LiveState(first.loss)
    picture = state.picture
    second = nine_weight_graph(x, y, [v + 0.1 for v in w])
    second.loss.backward()
    assert state.update(second.loss) is False
    assert state.picture is picture
    assert state.layouts == 1
    assert state.history == [first.loss.data, second.loss.data]
    ids = {n["name"]: n["id"] for n in picture["nodes"] if n["kind"] == "value"}
    assert state.values()["rows"][ids["w1"]][1] == f"data {format_number(w[0] + 0.1)}"
    a = Value(1.0, label="a")
    assert state.update(a * 2.0, loss=0.5) is True  # another shape: laid out again
    assert state.layouts == 2
    assert state.history[-1] == 0.5


def test_the_loss_curve_takes_a_number_and_keeps_a_bounded_history() -> None:
    a = Value(3.0, label="a")
    state = LiveState(a * a, max_history=3)
    for k in range(5):
        state.update(loss=float(k))
    assert state.history == [2.0, 3.0, 4.0]
    with pytest.raises(TypeError, match="graph node"):
        state.update(root=3.0)  # type: ignore[arg-type]


def test_options_the_view_manages_are_refused() -> None:
    loss = nine_weight_loss()
    with pytest.raises(ValueError, match="sets highlight itself"):
        LiveState(loss, highlight=loss)
    with pytest.raises(TypeError, match="graph node"):
        LiveState(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="engine must be one of"):
        LiveState(loss, engine="neato")


def test_explanation_lights_explains_paths_and_says_its_text() -> None:
    loss = nine_weight_loss()
    state = LiveState(loss)
    ids = {n.name: nid for nid, n in ((i, state.scene.node(i)) for i in state.scene.sources)}
    w2 = next(n for n in state.scene.sources.values() if n.label == "w2")
    got = state.explanation(ids["w2"])
    ex = explain(loss, w2)
    expected = set()
    for path in ex.paths:
        for s in path.steps:
            expected.add(f"{ids[s.parent]}>{ids[s.child]}_op#{s.index}")
            expected.add(f"{ids[s.child]}_op>{ids[s.child]}#0")
    assert set(got["edges"]) == expected
    assert got["text"] == ex.text()
    x1 = ids["x1"]
    assert "does not require grad" in state.explanation(x1)["text"]


def test_steps_follow_backward_steps_in_order() -> None:
    loss = nine_weight_loss()
    state = LiveState(loss, collapse=["part1"])
    data = state.steps()
    walk = backward_steps(loss)
    assert len(data["frames"]) == len(walk)
    full = build_scene(loss)  # frames name boxes of the unfolded picture
    ids = {node: nid for nid, node in full.sources.items()}
    for frame, sent in zip(walk, data["frames"], strict=True):
        if frame.parent is None:
            assert sent["key"] == ""
            continue
        assert sent["key"] == f"{ids[frame.parent]}>{ids[frame.node]}_op#{frame.index}"
        assert sent["grad"] == f"grad {format_number(frame.sums[frame.parent])}"
    assert set(data["start"].values()) == {"grad not reached"}


# --- the exported page -------------------------------------------------------------------


def test_exported_page_is_self_contained(tmp_path: Path) -> None:
    state = LiveState(nine_weight_loss())
    path = export_html(state, tmp_path / "live.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "export default" not in text  # the module became a classic script
    assert "<link" not in text
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", text)
    assert not re.search(r"""import\s*\(?\s*["']https?:""", text)
    data = re.search(
        r'<script type="application/json" id="tl-live-data">(.*?)</script>', text, re.S
    )
    assert data is not None
    saved = json.loads(data.group(1))["saved"]
    # three clusters: every combination of folded parts is one click path away
    assert len(saved["layouts"]) == 8
    assert saved["layouts"][""]["picture"]["nodes"]
    assert len(saved["steps"]["frames"]) == len(backward_steps(state.root))


def test_exported_page_saves_no_more_layouts_than_asked(tmp_path: Path) -> None:
    state = LiveState(nine_weight_loss())
    text = page_html(state, max_layouts=2, max_explained=1, steps=False)
    data = re.search(r'id="tl-live-data">(.*?)</script>', text, re.S)
    assert data is not None
    saved = json.loads(data.group(1))["saved"]
    assert len(saved["layouts"]) == 2
    assert all(len(s["explanations"]) == 1 for s in saved["layouts"].values())
    assert saved["steps"] == {}
    with pytest.raises(ValueError, match="max_layouts"):
        export_html(state, tmp_path / "x.html", max_layouts=0)


def test_script_text_turns_the_module_into_a_global() -> None:
    text = script_text()
    assert "const liveWidget = { render };" in text
    assert "export " not in text


# --- the widget --------------------------------------------------------------------------


def test_live_names_the_extra_when_anywidget_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "anywidget" else real(name, *a),
    )
    with pytest.raises(ImportError, match=re.escape("tinygrad_lite[live]")):
        live(nine_weight_loss())
    assert "anywidget" in LIVE_HELP


def test_widget_answers_the_front_end_through_its_traits() -> None:
    require("anywidget")
    loss = nine_weight_loss()
    view = live(loss)
    ids = {n["name"]: n["id"] for n in view.picture["nodes"] if n["kind"] == "value"}
    view.selected = ids["w3"]
    assert view.explanation["id"] == ids["w3"]
    assert "agrees" in view.explanation["text"]
    view.want_steps = True
    assert len(view.steps["frames"]) == len(backward_steps(loss))
    view.collapsed = ["part3"]
    assert ids["w3"] not in {n["id"] for n in view.picture["nodes"]}
    assert view.selected == ""
    view.collapsed = ["nowhere"]
    assert "no part of this graph" in view.error
    view.update(loss=1.5)
    assert view.history[-1] == 1.5
    assert view.steps == {}  # the walk was for the old numbers


@pytest.mark.parametrize("engine", ["builtin", "dot"])
def test_still_picture_shows_the_graph_with_the_numbers_of_now(engine: str) -> None:
    if engine == "dot":
        require_program("dot")
    a = Value(2.0, label="a")
    b = a * a
    b.label = "b"
    b.backward()
    state = LiveState(b, engine=engine)
    still = state.still()
    assert still.lstrip().startswith(("<?xml", "<svg"))
    assert "data 4.0000" in still  # b = a * a at a = 2
    assert "grad 4.0000" in still  # db/da = 2a
    a.data = 3.0
    state.update(a * a)
    assert "data 9.0000" in state.still()


def test_widget_offers_its_still_picture_where_widgets_do_not_run() -> None:
    require("anywidget")
    view = live(nine_weight_loss())
    data, _ = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data  # a notebook shows the widget
    assert data["image/svg+xml"] == view.state.still()  # a static page shows the picture
    assert "w3" in data["image/svg+xml"]
