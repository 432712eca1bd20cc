"""How many updates per second the live view shows, end to end, in headless Chromium.

Usage: python benchmarks/bench_live.py [--runs N] [--updates N] [--quick]

One update is what a training loop does after each step: `view.update(loss)` (Python
builds the numbers of every box and edge) until the page shows them. The page runs the
widget's own front end (tests/live_page.py): the changed traits travel as JSON through
Selenium, as the kernel's comm would carry them, and the clock stops when the browser
has applied them, the loss box reads the new loss, and its next animation frame (the one
that paints the change) has begun; headless Chromium runs 60 frames a second, so a wait
for that frame adds up to 17 ms. The training
step itself (forward, backward, SGD) is timed apart and not counted.

Graphs: the nine-weight homework graph, and a scalar MLP 2-16-16-1 on one sample with a
squared error (every multiplication a node). Prints a Markdown table: the median rate of
each run, then the median over runs and the spread (lowest to highest run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_page import WidgetPage, start_chromium  # noqa: E402
from tinygrad_lite import Value  # noqa: E402
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph  # noqa: E402
from tinygrad_lite.nn import MLP  # noqa: E402
from tinygrad_lite.optim import SGD  # noqa: E402
from tinygrad_lite.viz import format_number, live  # noqa: E402

#: Hand the changes to the page, check that the loss box reads the new loss, and return
#: at the browser's next animation frame (the one that paints the change).
SHOWN = """
var done = arguments[arguments.length - 1], id = arguments[0], want = arguments[1];
window.model.answer(arguments[2]);
var g = document.querySelector('.tl-node[data-id="' + id + '"]');
var texts = [...g.querySelectorAll("text")].map(function (t) { return t.textContent; });
requestAnimationFrame(function () { done(texts.indexOf(want) >= 0); });
"""


def nine_weight_case() -> tuple[Callable[[], Value], list[Value], dict[str, Any]]:
    x, y, w = default_nine_weight_point()
    weights = nine_weight_graph(x, y, w).weights

    def forward() -> Value:
        return nine_weight_graph(x, y, weights).loss

    return forward, weights, {}


def mlp_case() -> tuple[Callable[[], Value], list[Value], dict[str, Any]]:
    model = MLP(2, [16, 16, 1], seed=0)

    def forward() -> Value:
        out = model([0.5, -1.0])
        loss = (out - 1.0) ** 2
        loss.label = "loss"
        return loss

    return forward, model.parameters(), {"max_nodes": 2000}


def one_run(
    driver: Any, case: Callable[..., Any], updates: int, folder: Path
) -> tuple[float, float, float, int]:
    """Updates per second (median of single updates), and the median milliseconds in
    Python's update() and in the page; and the number of boxes."""
    forward, params, options = case()
    loss = forward()
    loss.backward()
    view = live(loss, **options)
    page = WidgetPage(driver, view, folder)
    page.open()
    loss_id = next(n["id"] for n in view.picture["nodes"] if n["role"] == "output")
    opt = SGD(params, lr=0.01)
    total, python, browser = [], [], []
    for _ in range(updates):
        opt.step()
        opt.zero_grad()
        loss = forward()
        loss.backward()
        want = f"data {format_number(loss.data)}"
        t0 = time.perf_counter()
        view.update(loss)
        changes = {name: getattr(view, name) for name in sorted(page.changed)}
        page.changed.clear()
        t1 = time.perf_counter()
        shown = driver.execute_async_script(SHOWN, loss_id, want, changes)
        t2 = time.perf_counter()
        if not shown:
            raise RuntimeError(f"the page did not show {want!r}")
        total.append(t2 - t0)
        python.append(t1 - t0)
        browser.append(t2 - t1)
    return (
        1.0 / statistics.median(total),
        1000 * statistics.median(python),
        1000 * statistics.median(browser),
        len(view.picture["nodes"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--updates", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="2 runs of 5 updates")
    args = parser.parse_args()
    runs, updates = (2, 5) if args.quick else (args.runs, args.updates)
    cases = {
        "nine-weight graph": (nine_weight_case, 30.0),
        "MLP 2-16-16-1, one sample": (mlp_case, 5.0),
    }
    print(f"{runs} runs of {updates} updates each; rate = 1 / median time of one update\n")
    print("| graph | boxes | target /s | median /s | spread /s (runs) | update() ms | page ms |")
    print("|---|---:|---:|---:|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        driver = start_chromium(Path(tmp) / "profile")
        try:
            for name, (case, target) in cases.items():
                rates, py_ms, page_ms = [], [], []
                boxes = 0
                for k in range(runs):
                    folder = Path(tmp) / f"{k}"
                    folder.mkdir(exist_ok=True)
                    rate, p, b, boxes = one_run(driver, case, updates, folder)
                    rates.append(rate)
                    py_ms.append(p)
                    page_ms.append(b)
                spread = f"{min(rates):.1f} to {max(rates):.1f}"
                print(
                    f"| {name} | {boxes} | {target:.0f} | {statistics.median(rates):.1f} | "
                    f"{spread} | {statistics.median(py_ms):.1f} | "
                    f"{statistics.median(page_ms):.1f} |"
                )
        finally:
            driver.quit()


if __name__ == "__main__":
    main()
