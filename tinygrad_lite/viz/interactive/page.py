"""The live view as one self-contained HTML file: same drawing code, no kernel, no network.

`export_html` writes the front end's JavaScript and CSS (the files the widget ships
with), the data of every saved layout and a stand-in for the widget model into one page.
What the notebook would ask Python, the page looks up in tables computed here:

* layouts: the current one and those reached by collapsing or expanding clusters, one
  toggle at a time, breadth first, up to `max_layouts`;
* explanations: the paths and `explain` text for up to `max_explained` boxes of each
  layout (parameters first);
* the backward walk, for the step controls.

It opens from ``file://`` with no server.
"""

from __future__ import annotations

import html
import json
from collections import deque
from pathlib import Path
from typing import Any

from tinygrad_lite.viz.interactive.state import LiveState

__all__ = ["ASSETS", "export_html", "page_html", "script_text"]

ASSETS = Path(__file__).with_name("assets")
"""The folder of the live view's front end: its JavaScript and CSS."""
_EXPORT = "export default { render };"


def script_text() -> str:
    """The front end as a classic script: the widget module with its export turned into
    a global (`liveWidget`) the page can call."""
    module = (ASSETS / "live.js").read_text(encoding="utf-8")
    if module.count(_EXPORT) != 1:
        raise RuntimeError(f"live.js must end with {_EXPORT!r}")
    return module.replace(_EXPORT, "const liveWidget = { render };")


def _neighbours(state: LiveState) -> list[tuple[str, ...]]:
    """Collapsed sets one click away: fold an open cluster, or open a folded one."""
    now = set(state.collapsed)
    out = [tuple(sorted(now - {p})) for p in sorted(now)]
    out += [tuple(sorted(now | {c["path"]})) for c in state.picture["clusters"]]
    return out


def _variant(state: LiveState, collapsed: tuple[str, ...]) -> LiveState:
    return LiveState(
        state.root,
        engine=state.engine,
        collapse=collapsed,
        max_history=state.max_history,
        **state.options,
    )


def _explanations(state: LiveState, limit: int) -> dict[str, Any]:
    sources = state.scene.sources
    boxes = sorted(sources, key=lambda i: not (sources[i].is_leaf and sources[i].requires_grad))
    return {box: state.explanation(box) for box in boxes[:limit]}


def _layouts(state: LiveState, max_layouts: int, max_explained: int) -> dict[str, Any]:
    seen = {state.collapsed: state}
    queue = deque([state])
    while queue and len(seen) < max_layouts:
        for collapsed in _neighbours(queue.popleft()):
            if collapsed in seen or len(seen) >= max_layouts:
                continue
            seen[collapsed] = _variant(state, collapsed)
            queue.append(seen[collapsed])
    return {
        "|".join(collapsed): {
            "picture": s.picture,
            "values": s.values(),
            "explanations": _explanations(s, max_explained),
        }
        for collapsed, s in seen.items()
    }


def page_html(
    state: LiveState, *, max_layouts: int = 16, max_explained: int = 48, steps: bool = True
) -> str:
    """The page `export_html` writes, as text."""
    layouts = _layouts(state, max_layouts, max_explained)
    current = layouts["|".join(state.collapsed)]
    saved = {
        "current": "|".join(state.collapsed),
        "layouts": layouts,
        "steps": state.steps() if steps else {},
    }
    fields = {
        "picture": current["picture"],
        "values": current["values"],
        "history": list(state.history),
        "collapsed": list(state.collapsed),
        "selected": "",
        "explanation": {},
        "want_steps": False,
        "steps": {},
        "error": "",
    }
    data = json.dumps({"saved": saved, "fields": fields}, separators=(",", ":"))
    data = data.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    title = html.escape(state.picture.get("title") or "tinygrad_lite live graph")
    css = (ASSETS / "live.css").read_text(encoding="utf-8")
    standin = (ASSETS / "standin.js").read_text(encoding="utf-8")
    return _PAGE.format(title=title, css=css, data=data, standin=standin, live=script_text())


def export_html(
    state: LiveState,
    path: str | Path,
    *,
    max_layouts: int = 16,
    max_explained: int = 48,
    steps: bool = True,
) -> Path:
    """Write the live view of `state` to one HTML file that works offline.

    Args:
        state: the view's state (`LiveView.state`, or a `LiveState`).
        path: where to write.
        max_layouts: how many collapse/expand layouts to save (each is one layout run).
        max_explained: how many clicked-box explanations to save per layout.
        steps: save the backward walk for the step controls.

    Returns:
        The path written.
    """
    if max_layouts < 1:
        raise ValueError(f"max_layouts must be at least 1, got {max_layouts}")
    target = Path(path)
    target.write_text(
        page_html(state, max_layouts=max_layouts, max_explained=max_explained, steps=steps),
        encoding="utf-8",
    )
    return target


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ margin: 12px; }}
{css}
</style></head>
<body>
<div id="tl-live-root"></div>
<script type="application/json" id="tl-live-data">{data}</script>
<script>
{standin}
{live}
(function () {{
  var data = JSON.parse(document.getElementById("tl-live-data").textContent);
  var model = tinygradLiteModel(data.fields, tinygradLiteTableKernel(data.saved));
  window.tinygradLiteView = {{ model: model }};
  liveWidget.render({{ model: model, el: document.getElementById("tl-live-root") }});
}})();
</script>
</body></html>
"""
