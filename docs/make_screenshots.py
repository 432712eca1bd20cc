"""Record the live view in headless Chromium: the screenshots in docs/drawing.md.

Run with ``make screenshots`` (or ``python docs/make_screenshots.py``); it needs Chromium,
chromedriver and Selenium (the `test` extra). The nine-weight graph is trained for twenty
SGD steps with a live view, saved as one page (`to_html`), and the page is driven as a
person would: point at a value, click a weight, fold a part, step through backward. Each
moment is written to docs/images/<name>.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_page import start_chromium  # noqa: E402
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph  # noqa: E402
from tinygrad_lite.optim import SGD  # noqa: E402
from tinygrad_lite.viz.interactive import LiveState, export_html  # noqa: E402

IMAGES = Path(__file__).resolve().parent / "images"
#: the screenshots, in the order they are taken
SCREENSHOTS = ("live_1_trained", "live_2_hover", "live_3_paths", "live_4_folded", "live_5_step")


def trained_state(steps: int = 20) -> LiveState:
    """The nine-weight graph after `steps` SGD steps, its live state updated after each."""
    x, y, w = default_nine_weight_point()
    graph = nine_weight_graph(x, y, w)
    graph.loss.backward()
    state = LiveState(graph.loss)
    opt = SGD(graph.weights, lr=0.5)
    for _ in range(steps):
        opt.step()
        opt.zero_grad()
        graph = nine_weight_graph(x, y, graph.weights)
        graph.loss.backward()
        state.update(graph.loss)
    return state


def point(driver: Any, selector: str, click: bool = False) -> None:
    """Move the pointer to the middle of an element (and click it)."""
    from selenium.webdriver.common.action_chains import ActionChains

    x, y = driver.execute_script(
        "var r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return [r.left + r.width / 2, r.top + r.height / 2];",
        selector,
    )
    actions = ActionChains(driver)
    actions.w3c_actions.pointer_action.move_to_location(round(x), round(y))
    if click:
        actions.w3c_actions.pointer_action.click()
    actions.perform()


def shoot(driver: Any, name: str) -> None:
    path = IMAGES / f"{name}.png"
    path.write_bytes(driver.find_element("css selector", ".tl-live").screenshot_as_png)
    print(f"wrote {path.relative_to(ROOT)}")


def box(state: LiveState, name: str) -> str:
    node = next(n for n in state.picture["nodes"] if n["name"] == name and n["kind"] == "value")
    return f'.tl-node[data-id="{node["id"]}"] .tl-shape'


def main() -> None:
    state = trained_state()
    with tempfile.TemporaryDirectory() as tmp:
        page = export_html(state, Path(tmp) / "live.html")
        driver = start_chromium(Path(tmp) / "profile", size=(1500, 1200))
        try:
            driver.get(page.as_uri())
            shoot(driver, "live_1_trained")
            point(driver, box(state, "t"))
            shoot(driver, "live_2_hover")
            point(driver, box(state, "w1"), click=True)
            shoot(driver, "live_3_paths")
            point(driver, box(state, "w1"), click=True)  # off again
            point(driver, '.tl-cluster[data-path="part3"] .tl-cluster-label', click=True)
            shoot(driver, "live_4_folded")
            point(driver, ".tl-summary .tl-shape", click=True)  # open again
            point(driver, ".tl-steps-toggle", click=True)
            for _ in range(11):
                point(driver, ".tl-next", click=True)
            point(driver, ".tl-caption")  # no tooltip over the picture
            shoot(driver, "live_5_step")
        finally:
            driver.quit()


if __name__ == "__main__":
    main()
