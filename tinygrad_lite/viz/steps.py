"""Backward, one edge at a time: frames to step through in a notebook or an HTML file.

`backward_steps(root)` runs the backward walk once with an observer attached and records,
for every edge it passes, the node being differentiated, the upstream gradient, the
local derivative, the contribution sent to the input and every node's running gradient
afterwards. Each frame can be drawn (the current edge highlighted, gradients as they were
at that moment); `to_html` writes all frames into one offline HTML page.
"""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np

from tinygrad_lite.autograd import STATE, Node, toposort
from tinygrad_lite.naming import node_names
from tinygrad_lite.viz.build import build_scene
from tinygrad_lite.viz.numbers import number_text, raw
from tinygrad_lite.viz.picture import Picture
from tinygrad_lite.viz.rules import input_role
from tinygrad_lite.viz.scene import Scene
from tinygrad_lite.viz.svg import prefix_ids

__all__ = ["BackwardSteps", "Frame", "backward_steps"]


def _copy(x: Any) -> Any:
    x = raw(x)
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else x


@dataclass
class Frame:
    """One moment of the backward walk.

    The first frame (step 0) is the seed: the output's gradient with respect to itself.
    Every later frame is one edge, from `node` back to its input number `index`.
    """

    step: int
    node: Node  #: the node whose gradient is being passed back
    parent: Node | None  #: the input receiving a contribution (None for the seed)
    index: int  #: which input of node's op
    upstream: Any  #: d root / d node, complete when the node is reached
    local: Any  #: d node / d parent (the op's local derivative)
    contribution: Any  #: upstream times local, added into the parent's gradient
    sums: dict[Node, Any] = field(default_factory=dict)  #: every running gradient after the step

    def describe(self, names: Mapping[Node, str]) -> str:
        """One line in words, naming nodes as the picture does."""
        if self.parent is None:
            return f"step 0: start at {names[self.node]} with gradient {_text(self.upstream)}"
        op = self.node.op
        role = (
            input_role(op.name, self.index, op.variadic, len(self.node.parents))
            if op is not None
            else "input"
        )
        return (
            f"step {self.step}: {names[self.node]} = {op.name if op else '?'}(...) passes back "
            f"to its {role} {names[self.parent]}: upstream {_text(self.upstream)} x local "
            f"{_text(self.local)} = {_text(self.contribution)}; {names[self.parent]}.grad is "
            f"now {_text(self.sums.get(self.parent))}"
        )


def _text(x: Any) -> str:
    return "none" if x is None else number_text(x)


class BackwardSteps(Sequence[Frame]):
    """The recorded frames of one backward walk, drawable one by one."""

    def __init__(self, root: Node, frames: list[Frame], options: dict[str, Any]) -> None:
        self.root = root
        self.frames = frames
        self.options = options
        order = toposort(root)
        self._order = order
        self.names = node_names(order)  #: the same names as the picture's boxes

    @overload
    def __getitem__(self, i: int) -> Frame: ...
    @overload
    def __getitem__(self, i: slice) -> list[Frame]: ...
    def __getitem__(self, i: int | slice) -> Frame | list[Frame]:
        return self.frames[i]

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    def describe(self, k: int) -> str:
        """Frame `k` in words."""
        return self.frames[k].describe(self.names)

    def scene(self, k: int) -> Scene:
        """The picture of frame `k`: gradients as they stood then, the current edge marked."""
        frame = self.frames[k]
        empty = {n: type(n)._empty_grad for n in self._order}
        grads = {**empty, **frame.sums}
        focus = (frame.node, frame.index) if frame.parent is not None else None
        return build_scene(
            self.root, grads=grads, focus=focus, title=self.describe(k), **self.options
        )

    def svg(self, k: int) -> str:
        """Frame `k` as SVG text (Graphviz when installed, else the built-in layout).

        Every id in it starts with `f<k>-`, so all frames can share one page.
        """
        return prefix_ids(_strip_prolog(Picture(self.scene(k)).svg()), f"f{k}-")

    def html(self) -> str:
        """One self-contained HTML page: all frames inline, previous/next buttons, a slider."""
        parts = []
        for k in range(len(self.frames)):
            hidden = "" if k == 0 else " hidden"
            parts.append(
                f'<div class="frame" id="f{k}"{hidden}><p>{html.escape(self.describe(k))}</p>'
                f"{self.svg(k)}</div>"
            )
        n = len(self.frames)
        return _PAGE.format(
            title=html.escape(f"backward of {self.names[self.root]}"),
            last=n - 1,
            frames="\n".join(parts),
        )

    def to_html(self, path: str | Path) -> Path:
        """Write `html()` to `path` and return the path."""
        p = Path(path)
        p.write_text(self.html(), encoding="utf-8")
        return p

    def widget(self) -> Any:
        """An ipywidgets slider with the frame picture below it (ipywidgets must be installed)."""
        widgets = importlib.import_module("ipywidgets")
        slider = widgets.IntSlider(value=0, min=0, max=len(self.frames) - 1, description="step")
        view = widgets.HTML(value=self._frame_html(0))

        def update(change: dict[str, Any]) -> None:
            view.value = self._frame_html(int(change["new"]))

        slider.observe(update, names="value")
        return widgets.VBox([slider, view])

    def _frame_html(self, k: int) -> str:
        return f"<p>{html.escape(self.describe(k))}</p>{self.svg(k)}"

    def _ipython_display_(self) -> None:
        display = importlib.import_module("IPython.display")
        try:
            display.display(self.widget())
        except ImportError:
            display.display(display.HTML(self.html()))

    def __repr__(self) -> str:
        return f"BackwardSteps({len(self.frames)} frames, output {self.names[self.root]!r})"


def _strip_prolog(svg: str) -> str:
    """Drop the XML declaration, doctype and comments so the SVG can sit inside HTML."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg)
    return re.sub(r"<!--.*?-->", "", svg, flags=re.S).strip()


def backward_steps(root: Node, *, max_frames: int = 400, **options: Any) -> BackwardSteps:
    """Run backward from `root` once, recording a frame per edge; `.grad` is left as it was.

    Args:
        root: the output (a scalar node).
        max_frames: refuse (ValueError) graphs with more edges than this.
        options: drawing options passed to `build_scene` (rankdir, edge_labels, ...).
    """
    if not isinstance(root, Node):
        raise TypeError(f"backward_steps needs a graph node, got {type(root).__name__}")
    order = toposort(root)
    edges = sum(1 for n in order for p in n.parents if isinstance(p, Node) and p.requires_grad)
    if edges > max_frames:
        raise ValueError(
            f"backward of this graph passes {edges} edges, more than max_frames={max_frames}; "
            "step through a smaller graph or raise max_frames"
        )
    saved = [(n, n.grad) for n in order]
    frames: list[Frame] = []
    sums: dict[Node, Any] = {}

    def settle() -> None:
        """Read the running gradient the previous frame's contribution went into."""
        if frames and frames[-1].parent is not None:
            last = frames[-1]
            assert last.parent is not None
            sums[last.parent] = _copy(last.parent.grad)
            last.sums = dict(sums)

    def observe(*, node: Node, index: int, parent: Any, upstream: Any, contribution: Any) -> None:
        if not frames:
            sums[root] = _copy(root.grad)
            frames.append(Frame(0, root, None, 0, _copy(root.grad), None, None, dict(sums)))
        settle()
        assert node.op is not None
        inputs = tuple(p.data if isinstance(p, Node) else p for p in node.parents)
        local = node.op.local_derivative(index, node.data, inputs)
        frames.append(
            Frame(
                len(frames), node, parent, index, _copy(upstream), _copy(local), _copy(contribution)
            )
        )

    try:
        for n in order:
            n.grad = type(n)._empty_grad
        STATE.observers.append(observe)
        try:
            root.backward()
        finally:
            STATE.observers.remove(observe)
        settle()
        if not frames:
            frames.append(
                Frame(0, root, None, 0, _copy(root.grad), None, None, {root: _copy(root.grad)})
            )
    finally:
        for n, g in saved:
            n.grad = g
    return BackwardSteps(root, frames, options)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
.controls {{ position: sticky; top: 0; background: #fff; padding: .5em 0; }}
.frame svg {{ max-width: 100%; height: auto; }}
button {{ font-size: 1em; }}
</style></head>
<body>
<h2>{title}</h2>
<div class="controls">
<button id="prev" type="button">&larr; previous</button>
<input id="slider" type="range" min="0" max="{last}" value="0">
<button id="next" type="button">next &rarr;</button>
<span id="where">0 / {last}</span>
</div>
{frames}
<script>
(function () {{
  var k = 0, last = {last};
  function show(n) {{
    k = Math.max(0, Math.min(last, n));
    for (var i = 0; i <= last; i++) {{
      document.getElementById("f" + i).hidden = (i !== k);
    }}
    document.getElementById("slider").value = k;
    document.getElementById("where").textContent = k + " / " + last;
  }}
  document.getElementById("prev").onclick = function () {{ show(k - 1); }};
  document.getElementById("next").onclick = function () {{ show(k + 1); }};
  document.getElementById("slider").oninput = function (e) {{ show(+e.target.value); }};
  document.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowLeft") show(k - 1);
    if (e.key === "ArrowRight") show(k + 1);
  }});
}})();
</script>
</body></html>
"""
