"""Step-through backward: frames, running sums, the offline HTML page, the widget."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lite as tl
from tests.optional import require
from tinygrad_lite import Tensor, Value
from tinygrad_lite.nn import MLP
from tinygrad_lite.viz.steps import backward_steps


def graph() -> tuple[Value, Value, Value]:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = (a * b + a).tanh()
    c.label = "c"
    return a, b, c


def test_one_frame_per_edge_plus_the_seed() -> None:
    _a, _b, c = graph()
    steps = backward_steps(c)
    # edges: tanh<-sum, sum<-ab, sum<-a, ab<-a, ab<-b
    assert len(steps) == 6
    first = steps[0]
    assert first.parent is None
    assert first.upstream == 1.0
    for frame in steps[1:]:
        assert frame.contribution == pytest.approx(frame.upstream * frame.local)


def test_running_sums_end_at_the_backward_gradients() -> None:
    a, b, c = graph()
    steps = backward_steps(c)
    t = 1 - math.tanh(2.0 * -3.0 + 2.0) ** 2  # worked by hand
    final = steps[-1].sums
    assert final[a] == pytest.approx(t * (-3.0 + 1.0))
    assert final[b] == pytest.approx(t * 2.0)
    # a receives two contributions: its running sum changes twice.
    a_frames = [f for f in steps if f.parent is a]
    assert len(a_frames) == 2
    assert a_frames[0].sums[a] == pytest.approx(a_frames[0].contribution)
    assert a_frames[1].sums[a] == pytest.approx(final[a])


def test_gradients_are_left_as_they_were() -> None:
    a, b, c = graph()
    a.grad = 5.0
    backward_steps(c)
    assert (a.grad, b.grad) == (5.0, 0.0)


def test_frames_describe_themselves() -> None:
    _a, _b, c = graph()
    steps = backward_steps(c)
    assert steps.describe(0).startswith("step 0: start at c")
    last = steps.describe(len(steps) - 1)
    assert "mul" in last
    assert "b.grad is now" in last


def test_scene_marks_the_current_edge_and_shows_running_grads() -> None:
    a, b, c = graph()
    steps = backward_steps(c)
    k = next(i for i, f in enumerate(steps) if f.parent is b)
    scene = steps.scene(k)
    assert sum(e.highlight for e in scene.edges) == 1

    def a_rows(k: int) -> list[str]:
        return next(n.rows for n in steps.scene(k).nodes if n.rows and n.rows[0] == "a")

    assert a_rows(0)[-1] == "grad not reached"  # nothing has reached a at the seed
    final = steps[-1].sums[a]
    assert a_rows(len(steps) - 1)[-1] == f"grad {final:.4f}"


def test_html_is_one_offline_page(tmp_path: Path) -> None:
    _a, _b, c = graph()
    steps = tl.viz.backward_steps(c)
    path = steps.to_html(tmp_path / "steps.html")
    text = path.read_text(encoding="utf-8")
    assert text.count("<svg") == len(steps)
    assert 'id="prev"' in text
    assert 'id="next"' in text
    assert "<script src" not in text
    assert "<link" not in text
    urls = set(re.findall(r"https?://[^\s\"'<>]+", text))
    assert all("w3.org" in u for u in urls), urls
    assert "<?xml" not in text


def check_ids(page: str) -> None:
    """No id twice on the page, and every reference to an id stays inside its own frame.

    A repeated id makes a marker reference (the arrowheads of the built-in engine) resolve
    into the first frame, which is hidden, and the browser draws no arrowheads.
    """
    ids = re.findall(r"""\bid=["']([^"']+)["']""", page)
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, f"ids used more than once: {repeated[:10]}"
    frames = re.findall(r'<div class="frame" id="f\d+"[^>]*>(.*?)</div>', page, flags=re.S)
    assert frames
    for frame in frames:
        own = set(re.findall(r"""\bid=["']([^"']+)["']""", frame))
        refs = set(re.findall(r"""url\(#([^)]+)\)|href=["']#([^"']+)["']""", frame))
        missing = {a or b for a, b in refs} - own
        assert not missing, f"references to ids outside the frame: {sorted(missing)}"


def test_html_has_no_duplicate_ids(tmp_path: Path) -> None:
    _a, _b, c = graph()
    check_ids(backward_steps(c).html())


@pytest.mark.usefixtures("no_graphviz")
def test_html_with_the_builtin_engine_has_no_duplicate_ids() -> None:
    _a, _b, c = graph()
    page = backward_steps(c).html()
    assert 'class="node value"' in page  # the built-in engine drew these frames
    check_ids(page)


def test_widget_when_ipywidgets_is_installed() -> None:
    widgets = require("ipywidgets")
    _a, _b, c = graph()
    box = backward_steps(c).widget()
    slider, view = box.children
    assert isinstance(slider, widgets.IntSlider)
    assert slider.max == 5
    before = view.value
    slider.value = 3
    assert view.value != before
    assert "step 3" in view.value


def test_big_graphs_are_refused() -> None:
    x = Value(1.0)
    y = x
    for _ in range(20):
        y = y * 1.5 + x
    with pytest.raises(ValueError, match="max_frames"):
        backward_steps(y, max_frames=10)
    with pytest.raises(TypeError):
        backward_steps(1.0)  # type: ignore[arg-type]


@pytest.mark.usefixtures("no_graphviz")
def test_html_without_graphviz_uses_the_builtin_engine(tmp_path: Path) -> None:
    _a, _b, c = graph()
    text = backward_steps(c).to_html(tmp_path / "s.html").read_text(encoding="utf-8")
    assert text.count("<svg") == 6
    assert "<?xml" not in text


def test_title_and_intro_make_the_page_and_never_reach_the_picture() -> None:
    _a, _b, c = graph()
    steps = backward_steps(c, title="c, backwards", intro="How to read this page.")
    page = steps.html()
    assert "<title>c, backwards</title>" in page
    assert "<h1>c, backwards</h1>" in page
    assert '<p class="intro">How to read this page.</p>' in page
    assert steps.scene(1).title == ""  # the caption is beside the picture, not in it
    for k in range(len(steps)):
        assert page.count(html.escape(steps.describe(k))) == 1
    assert "<h1>other</h1>" in steps.html(title="other")
    default = backward_steps(c).html()
    assert "<h1>Backward through c</h1>" in default
    assert "grad not reached" in default  # the introduction says what it means


def test_each_caption_names_the_rule_in_the_graphs_names() -> None:
    n = Value(0.8813735870195432, label="n")
    o = n.tanh()
    o.label = "o"
    steps = backward_steps(o)
    assert steps[1].rule(steps.names) == "tanh: ∂ tanh(n)/∂n = 1 - tanh(n)**2 = 0.5000"
    assert "by the rule tanh: ∂ tanh(n)/∂n = 1 - tanh(n)**2 = 0.5000" in steps.describe(1)
    _a, b, c = graph()
    steps = backward_steps(c)
    k = next(i for i, f in enumerate(steps) if f.parent is b)
    assert "mul: ∂(a*b)/∂b = a = 2.0000" in steps.describe(k)


def test_tensor_steps_show_the_rule_as_a_vector_jacobian_product() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), label="X", requires_grad=True)
    w = Tensor(np.ones((3, 4)), label="W", requires_grad=True)
    xw = x @ w
    xw.label = "XW"
    loss = xw.sum()
    loss.label = "loss"
    steps = backward_steps(loss)
    to_x = next(f for f in steps if f.parent is x)
    text = steps.describe(to_x.step)
    assert "∂(X@W)/∂X: G @ W.T (G: the upstream gradient)" in text
    assert "x local" not in text  # no flattened local derivative read elementwise
    assert "G shape (2, 4)" in text
    assert "gives shape (2, 3)" in text
    expected = np.ones((2, 4)) @ np.ones((3, 4)).T  # G @ W.T, worked by hand
    assert np.allclose(to_x.contribution, expected)
    to_w = next(f for f in steps if f.parent is w)
    assert "X.T @ G" in steps.describe(to_w.step)


def test_a_step_inside_a_collapsed_part_highlights_its_box() -> None:
    model = MLP(2, [3, 1], nonlin="tanh", seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    steps = backward_steps(loss, depth=1)
    inside = [
        f for f in steps if f.parent is not None and f.node.scope and "layer0" in f.node.scope
    ]
    assert inside
    scene = steps.scene(inside[0].step)
    lit = [n for n in scene.nodes if n.highlight]
    assert [n.kind for n in lit] == ["summary"]
    assert lit[0].tooltip == "mlp/layer0"
    outside = next(f for f in steps if f.parent is not None and not f.node.scope)
    assert not any(n.kind == "summary" and n.highlight for n in steps.scene(outside.step).nodes)
