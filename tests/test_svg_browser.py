"""The built-in SVG as a real browser shows it: headless Chromium on the nine-weight graph.

* the text of every box fits inside it, measured by the browser itself (`getBBox` in a page
  that writes its measurements into the DOM, read back with `--dump-dom`);
* the role colours are painted, and text and lines are drawn on them (a screenshot);
* arrowheads are drawn when a hidden copy of the same drawing sits earlier on the page, as
  in a notebook or the step-through HTML (marker ids must not repeat).

Skipped when Chromium is not installed, except when the CI environment variable is set:
then a missing browser is a failure (the CI script installs it).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.chromium import CHROMIUM, FLAGS
from tests.optional import require
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.viz import COLOURS, build_scene
from tinygrad_lite.viz.scene import Scene
from tinygrad_lite.viz.svg import SvgDrawing, render_svg


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI is set but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("headless Chromium is not installed")
    return CHROMIUM


def nine_weight() -> tuple[Scene, SvgDrawing]:
    graph = nine_weight_graph(*default_nine_weight_point())
    graph.loss.backward()
    scene = build_scene(graph.loss)
    return scene, render_svg(scene)


def inline(svg: str) -> str:
    """SVG text to put inside an HTML page (without its XML declaration)."""
    return re.sub(r"<\?xml[^>]*\?>", "", svg)


def page(body: str, tmp: Path, script: str = "") -> Path:
    path = tmp / "page.html"
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<style>body { margin: 0 } svg { display: block }</style></head>"
        f"<body>{body}<pre id='result'></pre><script>{script}</script></body></html>",
        encoding="utf-8",
    )
    return path


def run(browser: Path, args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    cmd = [str(browser), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


def screenshot(browser: Path, target: Path, size: tuple[int, int], tmp: Path) -> np.ndarray:
    """The page as RGB pixels, 0 to 255."""
    image = require("matplotlib.image")
    out = tmp / "shot.png"
    done = run(
        browser, [f"--screenshot={out}", f"--window-size={size[0]},{size[1]}", target.as_uri()], tmp
    )
    assert out.exists(), f"no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    return np.asarray(image.imread(str(out)))[..., :3] * 255.0


def hex_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


MEASURE = """
var rows = [];
document.querySelectorAll("g.node").forEach(function (g) {
  var shape = g.querySelector("rect, ellipse");
  var s = shape.getBBox();
  g.querySelectorAll("text").forEach(function (t) {
    var b = t.getBBox();
    rows.push({node: g.id, text: t.textContent, ellipse: shape.tagName === "ellipse",
               box: [s.x, s.y, s.width, s.height], text_box: [b.x, b.y, b.width, b.height]});
  });
});
document.getElementById("result").textContent = JSON.stringify(rows);
"""


def test_text_fits_in_its_box_as_the_browser_measures_it(chromium: Path, tmp_path: Path) -> None:
    scene, drawing = nine_weight()
    target = page(inline(drawing.source), tmp_path, MEASURE)
    done = run(chromium, ["--dump-dom", target.as_uri()], tmp_path)
    found = re.search(r"<pre id=\"result\">(.*?)</pre>", done.stdout, flags=re.S)
    assert found, f"no measurements (exit {done.returncode}): {done.stderr[-2000:]}"
    rows = json.loads(html.unescape(found.group(1)))
    assert len(rows) == sum(len(n.rows) for n in scene.nodes)
    tol = 0.5
    for r in rows:
        x, y, w, h = r["box"]
        tx, ty, tw, th = r["text_box"]
        assert tw > 0, r  # really drawn, in a real font
        assert th > 0, r
        if r["ellipse"]:  # every corner of the text's box lies inside the ellipse
            cx, cy, rx, ry = x + w / 2, y + h / 2, w / 2, h / 2
            for px in (tx, tx + tw):
                for py in (ty, ty + th):
                    assert ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 <= 1.0 + 1e-3, r
        else:
            assert x - tol <= tx, r
            assert tx + tw <= x + w + tol, r
            assert y - tol <= ty, r
            assert ty + th <= y + h + tol, r


def test_colours_and_lines_are_painted(chromium: Path, tmp_path: Path) -> None:
    _scene, drawing = nine_weight()
    target = Path(drawing.save(tmp_path / "nine_weight.svg"))
    size = (round(drawing.layout.width), round(drawing.layout.height))
    flat = screenshot(chromium, target, size, tmp_path).reshape(-1, 3)
    non_white = np.mean(np.any(flat < 245, axis=1))
    assert non_white > 0.05, f"only {non_white:.1%} of the picture is not white"
    distinct = len(np.unique(np.round(flat / 8.0), axis=0))
    assert distinct > 20, f"only {distinct} distinct colours"
    # the role colours are really painted: parameters, inputs and the output
    for role, minimum in [("parameter", 2000), ("input", 1000), ("output", 200)]:
        near = np.all(np.abs(flat - hex_rgb(COLOURS[role])) < 6, axis=1).sum()
        assert near > minimum, f"{role} colour {COLOURS[role]} covers only {near} pixels"
    # and dark text and lines are drawn on them
    assert np.all(flat < 80, axis=1).sum() > 2000


def test_arrowheads_are_drawn_next_to_a_hidden_copy(chromium: Path, tmp_path: Path) -> None:
    """Two displays of one drawing, the first hidden: the second still has its arrowheads."""
    _scene, drawing = nine_weight()
    hidden, shown = drawing._repr_svg_(), drawing._repr_svg_()
    body = f"<div style='display: none'>{inline(hidden)}</div><div>{inline(shown)}</div>"
    size = (round(drawing.layout.width), round(drawing.layout.height))
    grey = screenshot(chromium, page(body, tmp_path), size, tmp_path).mean(axis=2)
    # an arrowhead is a filled triangle, 8 px long and 6.4 px wide, ending at the target
    # box; the edge's 1 px line alone darkens only about a third of that area
    dark = []
    for route in drawing.layout.edges:
        if route.duplicates > 1:  # fanned out: not where the route says
            continue
        x, y = round(route.points[-1][0]), round(route.points[-1][1])
        dark.append(int((grey[y - 3 : y + 4, x - 8 : x] < 128).sum()))
    drawn = sum(d >= 20 for d in dark)
    assert drawn >= 0.9 * len(dark), f"arrowheads found at {drawn} of {len(dark)} edge ends"


# --- the saved SVG of both engines: edge labels as the browser lays their text out -----

LABELS = """
function near(path, box) {  // the shortest distance from a path to a box, sampled
  var n = Math.max(40, Math.ceil(path.getTotalLength() / 2)), best = Infinity;
  var L = path.getTotalLength();
  for (var i = 0; i <= n; i++) {
    var p = path.getPointAtLength(L * i / n);
    var dx = Math.max(box.x - p.x, 0, p.x - box.x - box.width);
    var dy = Math.max(box.y - p.y, 0, p.y - box.y - box.height);
    best = Math.min(best, Math.hypot(dx, dy));
  }
  return best;
}
var edges = Array.prototype.slice.call(document.querySelectorAll("g.edge"));
var paths = edges.map(function (g) { return g.querySelector("path"); });
var rows = [];
edges.forEach(function (g, k) {
  var text = g.querySelector("text");
  if (!text) return;
  var b = text.getBBox();
  var box = {x: b.x + 0.5, y: b.y + 0.5, width: b.width - 1, height: b.height - 1};
  var others = paths.filter(function (p, j) { return j !== k; });
  rows.push({label: text.textContent, own: near(paths[k], box),
             other: Math.min.apply(null, others.map(function (p) { return near(p, box); })),
             width: b.width});
});
document.getElementById("result").textContent = JSON.stringify(rows);
"""


@pytest.mark.parametrize("engine", ["dot", "pygraphviz", "builtin"])
def test_saved_svg_labels_sit_by_their_own_edge_in_the_browser(
    chromium: Path, tmp_path: Path, engine: str
) -> None:
    """Saved to a file by each engine, opened in Chromium: every edge label's text, as the
    browser measures it, is closer to its own edge than to any other and crossed by none."""
    from tinygrad_lite.viz import draw

    if engine == "dot" and not shutil.which("dot"):
        if os.environ.get("CI"):
            pytest.fail("the Graphviz dot program is required under CI")
        pytest.skip("Graphviz dot is not installed")
    if engine == "pygraphviz":
        require("pygraphviz")
    graph = nine_weight_graph(*default_nine_weight_point())
    graph.loss.backward()
    saved = Path(draw(graph.loss, engine=engine, edge_labels=True).save(tmp_path / "nw.svg"))
    body = inline(saved.read_text(encoding="utf-8"))
    target = page(body, tmp_path, LABELS)
    done = run(chromium, ["--dump-dom", target.as_uri()], tmp_path)
    found = re.search(r"<pre id=\"result\">(.*?)</pre>", done.stdout, flags=re.S)
    assert found, f"no measurements (exit {done.returncode}): {done.stderr[-2000:]}"
    rows = json.loads(html.unescape(found.group(1)))
    assert len(rows) == 35
    for r in rows:
        assert r["width"] > 0, r  # drawn, in a real font
        assert r["own"] > 0, r  # no line through the text
        assert r["other"] > 0, r
        assert r["own"] < r["other"], r  # its own edge is the nearest
        assert r["own"] <= 10, r
