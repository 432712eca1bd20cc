"""Headless Chromium for the live view: a browser, and a page that plays the notebook.

Used by tests/test_live_browser.py, benchmarks/bench_live.py and docs/make_screenshots.py.

* `start_chromium(profile)`: Debian's chromium and chromedriver driven by Selenium, with
  the flags that keep it off the network; `browser_or_skip` skips (or fails under CI)
  when any of them is missing.
* `WidgetPage`: the widget's own ES module loaded into a page with a stand-in model. The
  Python side is a real `LiveView`: what the page saves is set on the view's traits, and
  every trait the view changes is sent back to the page, as the kernel's comm would.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import CHROMEDRIVER, CHROMIUM, FLAGS
from tinygrad_lite.viz.interactive.page import ASSETS

#: what the page and the Python side exchange (the widget's synced traits)
SYNCED = (
    "picture",
    "values",
    "history",
    "collapsed",
    "selected",
    "explanation",
    "want_steps",
    "steps",
    "error",
)


def start_chromium(profile: Path, size: tuple[int, int] = (1400, 1000)) -> Any:
    """A Selenium driver for headless Chromium with a fresh profile in `profile`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}"]:
        options.add_argument(flag)
    os.environ.setdefault("SE_AVOID_STATS", "true")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(60)
    return driver


def browser_or_skip(profile: Path) -> Any:
    """`start_chromium`, or skip the test when something is missing (fail under CI)."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install selenium)")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but these are missing: {missing}")
        pytest.skip(f"headless browser tests need {missing}")
    return start_chromium(profile)


_HARNESS = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>live view front end</title>
<style>body {{ margin: 12px; }} {css}</style></head>
<body>
<div id="root"></div>
<script>{standin}</script>
<script>
window.requests = [];
window.startView = async function (fields) {{
  var source = document.getElementById("module").textContent;
  var url = URL.createObjectURL(new Blob([source], {{ type: "text/javascript" }}));
  var module = await import(url);
  window.model = tinygradLiteModel(fields, function (name, model) {{
    window.requests.push([name, model.get(name)]);
  }});
  module.default.render({{ model: window.model, el: document.getElementById("root") }});
  return true;
}};
</script>
<script type="text/plain" id="module">{module}</script>
</body></html>
"""


class WidgetPage:
    """The widget's front end in a page, its kernel side a real `LiveView`.

    Args:
        driver: a Selenium driver.
        view: the `LiveView` whose traits the page shows.
        folder: where to write the page.
    """

    def __init__(self, driver: Any, view: Any, folder: Path) -> None:
        self.driver = driver
        self.view = view
        self.changed: set[str] = set()
        view.observe(lambda change: self.changed.add(change["name"]), names=list(SYNCED))
        module = (ASSETS / "live.js").read_text(encoding="utf-8")
        assert "</script" not in module
        self.path = folder / "widget.html"
        self.path.write_text(
            _HARNESS.format(
                css=(ASSETS / "live.css").read_text(encoding="utf-8"),
                standin=(ASSETS / "standin.js").read_text(encoding="utf-8"),
                module=module,
            ),
            encoding="utf-8",
        )

    def open(self) -> None:
        """Load the page and render the view with the traits the view has now."""
        self.driver.get(self.path.as_uri())
        fields = {name: getattr(self.view, name) for name in SYNCED}
        self.driver.execute_async_script(
            "window.startView(arguments[0]).then(arguments[1]);", _json(fields)
        )
        self.changed.clear()

    def serve(self) -> int:
        """Do what the kernel does: apply what the page saved, then send back every trait
        the view changed. Returns how many requests there were."""
        requests = self.driver.execute_script("return window.requests.splice(0);")
        for name, value in requests:
            setattr(self.view, name, value)
        self.flush()
        return len(requests)

    def flush(self) -> None:
        """Send every trait the view changed since the last flush to the page."""
        if not self.changed:
            return
        changes = {name: getattr(self.view, name) for name in sorted(self.changed)}
        self.changed.clear()
        self.driver.execute_script("window.model.answer(arguments[0]);", _json(changes))


def _json(value: Any) -> Any:
    """Plain JSON data, as the comm would carry it (tuples become lists)."""
    return json.loads(json.dumps(value))
