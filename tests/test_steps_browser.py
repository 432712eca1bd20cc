"""The step-through page as a student uses it: headless Chromium driven by Selenium.

* the page has its title, its introduction and one caption per step that names the rule;
* ArrowRight moves exactly one step, whether the slider, a button or the page has the
  focus; ArrowLeft, Home, End, the buttons and the slider work too;
* a box backward has not reached reads differently from a gradient that is really zero;
* on a big graph the view follows and zooms to the current edge, and shows the whole
  picture again when "follow" is unticked.

Skipped without Chromium, chromedriver or selenium, except under CI, where they are
required.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.optional import require
from tinygrad_lite import Value
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.viz import backward_steps

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    webdriver = require("selenium.webdriver")
    for program in (CHROMIUM, CHROMEDRIVER):
        if not Path(program).exists() and not shutil.which(Path(program).name):
            if os.environ.get("CI"):
                pytest.fail(f"CI is set but {program} is missing")
            pytest.skip(f"{program} is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()


def neuron() -> Value:
    """The lecture's neuron: x1=2, x2=0, w1=-3, w2=1, b=6.88..., o = tanh(n)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def open_page(driver: Any, path: Path) -> None:
    driver.get(path.as_uri())


def current(driver: Any) -> int:
    """The index of the one frame shown; fails if more or fewer than one are shown."""
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('div.frame'))"
        ".filter(function (f) { return !f.hidden; }).map(function (f) { return f.id; });"
    )
    assert len(shown) == 1, shown
    return int(shown[0][1:])


def press(driver: Any, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def test_title_introduction_and_one_caption_naming_the_rule(browser: Any, tmp_path: Path) -> None:
    steps = backward_steps(neuron(), title="The neuron, backwards", intro="Read me first.")
    open_page(browser, steps.to_html(tmp_path / "neuron.html"))
    assert browser.title == "The neuron, backwards"
    assert browser.find_element("css selector", "h1").text == "The neuron, backwards"
    assert browser.find_element("css selector", ".intro").text == "Read me first."
    press(browser, "\ue014")  # ArrowRight: step 1, o = tanh(n) back to n
    assert current(browser) == 1
    body = browser.find_element("css selector", "body").text
    assert body.count("step 1:") == 1  # the caption appears once (not again in the picture)
    assert "tanh: ∂ tanh(n)/∂n = 1 - tanh(n)**2 = 0.5000" in body
    caption = browser.find_element("css selector", "#f1 .caption").text
    assert caption.startswith("step 1: o = tanh(...) passes back to its input n")


def test_arrow_keys_move_one_step_wherever_the_focus_is(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    steps = backward_steps(neuron())
    last = len(steps) - 1
    open_page(browser, steps.to_html(tmp_path / "keys.html"))
    slider = browser.find_element("id", "slider")
    slider.click()  # the slider has the focus: its own arrow handling must not add a step
    start = current(browser)
    slider.send_keys(Keys.ARROW_RIGHT)
    assert current(browser) == start + 1
    slider.send_keys(Keys.ARROW_RIGHT)
    assert current(browser) == start + 2
    assert int(slider.get_attribute("value")) == start + 2
    slider.send_keys(Keys.ARROW_LEFT)
    assert current(browser) == start + 1
    browser.find_element("id", "next").click()  # a button has the focus now
    assert current(browser) == start + 2
    press(browser, Keys.ARROW_RIGHT)
    assert current(browser) == start + 3
    press(browser, Keys.END)
    assert current(browser) == last
    press(browser, Keys.ARROW_RIGHT)  # no step past the last
    assert current(browser) == last
    press(browser, Keys.HOME)
    assert current(browser) == 0
    browser.find_element("css selector", "body").click()  # the page itself has the focus
    press(browser, Keys.ARROW_RIGHT)
    assert current(browser) == 1
    assert browser.find_element("id", "where").text == f"step 1 of {last}"


def test_not_reached_reads_differently_from_a_zero_gradient(browser: Any, tmp_path: Path) -> None:
    x, w = Value(-1.0, label="x"), Value(2.0, label="w")
    h = (x * w).relu()  # relu at a negative input: its input's gradient is really zero
    h.label = "h"
    out = h + w
    out.label = "out"
    steps = backward_steps(out)
    open_page(browser, steps.to_html(tmp_path / "zero.html"))

    def rows(k: int) -> str:
        return str(
            browser.execute_script(f"return document.querySelector('#f{k} svg').textContent;")
        )

    first = rows(0)
    assert first.count("grad not reached") == 4  # h, x*w, x and w: nothing arrived yet
    assert "grad 0.0000" not in first
    press(browser, "\ue010")  # End
    last = rows(len(steps) - 1)
    assert "grad not reached" not in last
    assert "grad 0.0000" in last  # x*w's gradient is zero, and says so


def test_big_graphs_follow_and_zoom_to_the_current_edge(browser: Any, tmp_path: Path) -> None:
    graph = nine_weight_graph(*default_nine_weight_point())
    steps = backward_steps(graph.loss)
    open_page(browser, steps.to_html(tmp_path / "big.html"))
    assert browser.find_element("id", "follow").is_selected()  # on by default for 56 boxes
    press(browser, "\ue014")
    press(browser, "\ue014")
    k = current(browser)
    view = browser.execute_script(
        f"""var svg = document.querySelector('#f{k} svg');
        var v = svg.viewBox.baseVal, full = svg.dataset.full.split(/[ ,]+/).map(Number);
        var toRoot = svg.getScreenCTM().inverse(), boxes = [];
        svg.querySelectorAll('.edge.highlight').forEach(function (el) {{
          var b = el.getBBox(), m = toRoot.multiply(el.getScreenCTM());
          var p = new DOMPoint(b.x, b.y).matrixTransform(m);
          var q = new DOMPoint(b.x + b.width, b.y + b.height).matrixTransform(m);
          boxes.push([p.x, p.y, q.x, q.y]);
        }});
        return {{view: [v.x, v.y, v.width, v.height], full: full, edges: boxes}};"""
    )
    x, y, w, h = view["view"]
    assert view["edges"], "the current edge is marked"
    assert w < 0.6 * view["full"][2]  # zoomed in
    for x0, y0, x1, y1 in view["edges"]:  # and the current edge is in view
        assert x - 1 <= min(x0, x1)
        assert max(x0, x1) <= x + w + 1
        assert y - 1 <= min(y0, y1)
        assert max(y0, y1) <= y + h + 1
    browser.find_element("id", "follow").click()  # untick: the whole picture again
    whole = browser.execute_script(
        f"var v = document.querySelector('#f{k} svg').viewBox.baseVal;"
        "return [v.x, v.y, v.width, v.height];"
    )
    assert whole == pytest.approx(view["full"])


def test_small_graphs_are_shown_whole(browser: Any, tmp_path: Path) -> None:
    steps = backward_steps(neuron())
    open_page(browser, steps.to_html(tmp_path / "small.html"))
    assert not browser.find_element("id", "follow").is_selected()
    press(browser, "\ue014")
    same = browser.execute_script(
        "var svg = document.querySelector('#f1 svg'), v = svg.viewBox.baseVal;"
        "var full = svg.getAttribute('data-full') || svg.getAttribute('viewBox');"
        "return [[v.x, v.y, v.width, v.height], full.split(/[ ,]+/).map(Number)];"
    )
    assert same[0] == pytest.approx(same[1])
