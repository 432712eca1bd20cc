"""The live view in a real headless Chromium, driven by Selenium.

Two pages run the same front end: the exported HTML file (with its stand-in model and
saved tables) and the widget's ES module in a test page whose kernel side is a real
`LiveView` (`tests/live_page.py`). On both, on the nine-weight graph:

* pointing at a value shows its full-precision data and grad; at an edge, its rule and
  local derivative (compared with the numbers of the graph and hand-derived rules);
* clicking a weight lights exactly the edges on its paths (compared with `explain`);
* clicking a cluster's label hides its members; clicking its summary box shows them;
* the step controls light the edges in the order `backward_steps` records, with the
  running gradients;

and on the widget: after `update()` the page shows the new numbers and nothing moves. A
screenshot shows the page paints its role colours.

Skipped when Chromium, chromedriver or Selenium is missing, except under CI.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.live_page import WidgetPage, browser_or_skip
from tests.optional import require
from tinygrad_lite.examples import NineWeightGraph, default_nine_weight_point, nine_weight_graph
from tinygrad_lite.viz import COLOURS, backward_steps, explain, format_number
from tinygrad_lite.viz.interactive import LiveState, export_html, live


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    browser = browser_or_skip(tmp_path_factory.mktemp("profile"))
    yield browser
    browser.quit()


def nine_weight() -> NineWeightGraph:
    graph = nine_weight_graph(*default_nine_weight_point())
    graph.loss.backward()
    return graph


class Page:
    """One of the two pages, opened, with what the tests need to ask of it."""

    def __init__(self, driver: Any, graph: NineWeightGraph, serve: Callable[[], None]) -> None:
        self.driver = driver
        self.graph = graph
        self.serve = serve

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def picture(self) -> dict[str, Any]:
        return self.js("return window.model.get('picture');")  # type: ignore[no-any-return]

    def box_id(self, name: str) -> str:
        return next(
            n["id"] for n in self.picture()["nodes"] if n["name"] == name and n["kind"] == "value"
        )

    def point_at(self, selector: str, along: float | None = None) -> None:
        """Move the real pointer onto an element (a path at a fraction of its length)."""
        from selenium.webdriver.common.action_chains import ActionChains

        x, y = self.js(
            """
            var el = document.querySelector(arguments[0]);
            el.scrollIntoView({block: "center", inline: "center"});
            if (arguments[1] === null) {
              var r = el.getBoundingClientRect();
              return [r.left + r.width / 2, r.top + r.height / 2];
            }
            var p = el.getPointAtLength(el.getTotalLength() * arguments[1]);
            var q = new DOMPoint(p.x, p.y).matrixTransform(el.getScreenCTM());
            return [q.x, q.y];
            """,
            selector,
            along,
        )
        actions = ActionChains(self.driver)
        actions.w3c_actions.pointer_action.move_to_location(round(x), round(y))
        actions.perform()

    def click(self, selector: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        self.point_at(selector)
        ActionChains(self.driver).click().perform()
        self.serve()

    def tooltip(self) -> str:
        return self.js(  # type: ignore[no-any-return]
            "var t = document.querySelector('.tl-tooltip'); return t.hidden ? '' : t.textContent;"
        )

    def lit_edges(self) -> set[str]:
        keys = self.js(
            "return [...document.querySelectorAll('.tl-edge.tl-lit')].map(g => g.dataset.key);"
        )
        return set(keys)

    def node_ids(self) -> set[str]:
        return set(
            self.js("return [...document.querySelectorAll('.tl-node')].map(g => g.dataset.id);")
        )


@pytest.fixture(params=["export", "widget"])
def page(request: pytest.FixtureRequest, driver: Any, tmp_path: Path) -> Page:
    graph = nine_weight()
    if request.param == "export":
        path = export_html(LiveState(graph.loss), tmp_path / "live.html")
        driver.get(path.as_uri())
        driver.execute_script("window.model = window.tinygradLiteView.model;")
        return Page(driver, graph, lambda: None)
    require("anywidget")
    widget = WidgetPage(driver, live(graph.loss), tmp_path)
    widget.open()

    def serve() -> None:
        widget.serve()

    return Page(driver, graph, serve)


def test_pointing_at_a_value_shows_its_full_numbers_and_rule(page: Page) -> None:
    t = page.graph.t  # t = w1*x1 + w2*x2, made by add
    page.point_at(f'.tl-node[data-id="{page.box_id("t")}"] .tl-shape')
    text = page.tooltip()
    assert f"data {t.data!r}" in text
    assert f"grad {t.grad!r}" in text
    assert "made by add" in text
    assert "rule add:" in text
    w1 = page.graph.weights[0]
    page.point_at(f'.tl-node[data-id="{page.box_id("w1")}"] .tl-shape')
    text = page.tooltip()
    assert f"data {w1.data!r}" in text
    assert f"grad {w1.grad!r}" in text
    assert repr(w1.grad) != format_number(w1.grad)  # more digits than the box shows


def test_pointing_at_an_edge_shows_its_local_derivative(page: Page) -> None:
    w1, x1 = page.graph.weights[0], page.graph.inputs[0]
    mul = page.box_id("w1*x1")
    key = f"{page.box_id('w1')}>{mul}_op#0"
    page.point_at(f'.tl-edge[data-key="{key}"] .tl-hit', along=0.5)
    text = page.tooltip()
    # d(w1*x1)/dw1 = x1, at x1's value
    assert "∂(w1*x1)/∂w1 = x1" in text
    assert f"local derivative {x1.data!r}" in text
    assert w1.data != x1.data


def expected_path_edges(page: Page, wrt_name: str) -> set[str]:
    """The edges on explain's paths from `wrt_name` to the loss, as page keys."""
    ids = {n["name"]: n["id"] for n in page.picture()["nodes"] if n["kind"] == "value"}
    wrt = next(w for w in page.graph.weights if w.label == wrt_name)
    keys = set()
    for path in explain(page.graph.loss, wrt).paths:
        for step in path.steps:
            child = ids[step.child]
            keys.add(f"{ids[step.parent]}>{child}_op#{step.index}")
            keys.add(f"{child}_op>{child}#0")
    return keys


@pytest.mark.parametrize("weight", ["w1", "w8"])
def test_clicking_a_weight_lights_exactly_its_paths(page: Page, weight: str) -> None:
    expected = expected_path_edges(page, weight)
    assert len(expected) >= 6
    page.click(f'.tl-node[data-id="{page.box_id(weight)}"] .tl-shape')
    assert page.lit_edges() == expected
    panel = page.js("return document.querySelector('.tl-explain').textContent;")
    wrt = next(w for w in page.graph.weights if w.label == weight)
    assert panel == explain(page.graph.loss, wrt).text()
    assert "agrees" in panel
    page.click(f'.tl-node[data-id="{page.box_id(weight)}"] .tl-shape')  # again: off
    assert page.lit_edges() == set()


def test_clicking_a_cluster_collapses_and_expands_it(page: Page) -> None:
    members = {
        n["id"] for n in page.picture()["nodes"] if n["cluster"] == "part3" and n["kind"] == "value"
    }
    inputs = {page.box_id(name) for name in ("x3", "x4", "x5")}
    assert len(members - inputs) >= 8
    page.click('.tl-cluster[data-path="part3"] .tl-cluster-label')
    shown = page.node_ids()
    assert not (members - inputs) & shown  # the part's own nodes are gone
    assert inputs <= shown  # its inputs stay, outside
    summary = page.js(
        "return [...document.querySelectorAll('.tl-summary')].map(g => g.textContent);"
    )
    assert len(summary) == 1
    assert summary[0].startswith("part3")
    assert page.js("return document.querySelector('.tl-cluster[data-path=\"part3\"]');") is None
    page.click(".tl-summary .tl-shape")
    assert members <= page.node_ids()


def test_step_controls_follow_backward_steps(page: Page) -> None:
    steps = backward_steps(page.graph.loss)
    ids = {n["name"]: n["id"] for n in page.picture()["nodes"] if n["kind"] == "value"}
    page.click(".tl-steps-toggle")
    assert page.js("return document.querySelector('.tl-live').dataset.frame;") == "0"
    for k, frame in enumerate(steps):
        if k:
            page.click(".tl-next")
        current = page.js(
            "return [...document.querySelectorAll('.tl-edge.tl-current')].map(g => g.dataset.key);"
        )
        if frame.parent is None:
            assert current == []
            continue
        child, parent = steps.names[frame.node], steps.names[frame.parent]
        assert current == [f"{ids[parent]}>{ids[child]}_op#{frame.index}"], k
        grad_text = page.js(
            "var g = document.querySelector(`.tl-node[data-id='${arguments[0]}']`);"
            "return [...g.querySelectorAll('text')].map(t => t.textContent);",
            ids[parent],
        )
        assert f"grad {format_number(frame.sums[frame.parent])}" in grad_text, k
    # back to the start with the slider's keyboard-free twin: the first-frame button
    page.click(".tl-first")
    assert page.js("return document.querySelector('.tl-slider').value;") == "0"
    # play runs by itself until the end, then stops
    page.js(
        "var s = document.querySelector('.tl-speed'); s.value = '40';"
        "s.dispatchEvent(new Event('change'));"
    )
    page.click(".tl-play")
    last = str(len(steps) - 1)
    deadline = time.monotonic() + 60
    while page.js("return document.querySelector('.tl-live').dataset.frame;") != last:
        assert time.monotonic() < deadline, "play never reached the last frame"
        time.sleep(0.2)
    assert "play" in page.js("return document.querySelector('.tl-play').textContent;")


def rows_of(driver: Any) -> dict[str, list[str]]:
    return driver.execute_script(  # type: ignore[no-any-return]
        "var out = {}; document.querySelectorAll('.tl-node').forEach(function (g) {"
        "  out[g.dataset.id] = [...g.querySelectorAll('text')].map(t => t.textContent); });"
        "return out;"
    )


def positions_of(driver: Any) -> dict[str, list[float]]:
    return driver.execute_script(  # type: ignore[no-any-return]
        "var out = {}; document.querySelectorAll('.tl-node').forEach(function (g) {"
        "  var r = g.querySelector('.tl-shape').getBoundingClientRect();"
        "  out[g.dataset.id] = [r.left, r.top, r.width, r.height]; });"
        "return out;"
    )


def test_update_shows_new_numbers_and_nothing_moves(driver: Any, tmp_path: Path) -> None:
    require("anywidget")
    from tinygrad_lite.optim import SGD

    x, y, w = default_nine_weight_point()
    graph = nine_weight_graph(x, y, w)
    graph.loss.backward()
    view = live(graph.loss)
    page = WidgetPage(driver, view, tmp_path)
    page.open()
    before_rows, before_at = rows_of(driver), positions_of(driver)
    opt = SGD(graph.weights, lr=0.5)
    opt.step()
    opt.zero_grad()
    new = nine_weight_graph(x, y, graph.weights)  # a new forward pass, same weights
    new.loss.backward()
    view.update(new.loss)
    page.flush()
    after_rows, after_at = rows_of(driver), positions_of(driver)
    assert after_at == before_at
    ids = {n["name"]: n["id"] for n in view.picture["nodes"] if n["kind"] == "value"}
    for w_node in new.weights:
        rows = after_rows[ids[w_node.label]]
        assert f"data {format_number(w_node.data)}" in rows
        assert f"grad {format_number(w_node.grad)}" in rows
    changed = [i for i in after_rows if after_rows[i] != before_rows[i]]
    assert len(changed) >= 20
    assert f"data {format_number(new.loss.data)}" in after_rows[ids["loss"]]
    points = driver.execute_script(
        "return document.querySelector('.tl-curve-line').getAttribute('points');"
    )
    assert len(points.split()) == 2  # two losses on the curve
    assert view.history == [graph.loss.data, new.loss.data]


def test_the_exported_page_paints_its_role_colours(driver: Any, tmp_path: Path) -> None:
    image = require("matplotlib.image")
    graph = nine_weight()
    path = export_html(LiveState(graph.loss), tmp_path / "live.html")
    driver.get(path.as_uri())
    png = driver.get_screenshot_as_png()
    flat = np.asarray(image.imread(io.BytesIO(png), format="png"))[..., :3].reshape(-1, 3) * 255.0
    non_white = np.mean(np.any(flat < 245, axis=1))
    assert non_white > 0.05, f"only {non_white:.1%} of the page is not white"
    for role, minimum in [("parameter", 2000), ("input", 1000), ("output", 200)]:
        colour = np.array([int(COLOURS[role][i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
        near = np.all(np.abs(flat - colour) < 6, axis=1).sum()
        assert near > minimum, f"{role} colour {COLOURS[role]} covers only {near} pixels"
    assert np.all(flat < 80, axis=1).sum() > 2000  # dark text and lines on them
