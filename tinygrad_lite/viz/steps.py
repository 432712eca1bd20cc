"""Backward, one edge at a time: frames to step through in a notebook or an HTML file.

`backward_steps(root)` runs the backward walk once with an observer attached and records,
for every edge it passes, the node being differentiated, the upstream gradient, the
local derivative, the contribution sent to the input and every node's running gradient
afterwards. Each frame can be drawn (the current edge highlighted, gradients as they were
at that moment, "grad not reached" where backward has not got yet); `to_html` writes all
frames into one offline HTML page a student can follow alone: a title, an introduction,
one caption per step that names the rule used (``tanh: ∂o/∂n = 1 - tanh(n)**2 = 0.5``),
buttons, a slider and the arrow keys, and on a big graph a view that follows and zooms
to the current edge. A step of a Tensor op shows its rule as a vector-Jacobian product
(for matmul ``G @ W.T``, G the upstream gradient), not a local derivative read
elementwise.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np

from tinygrad_lite.autograd import STATE, Node, toposort
from tinygrad_lite.naming import node_names
from tinygrad_lite.viz.build import NOT_REACHED, build_scene
from tinygrad_lite.viz.numbers import is_array, number_text, raw
from tinygrad_lite.viz.picture import Picture
from tinygrad_lite.viz.rules import input_role, local_rule
from tinygrad_lite.viz.scene import Scene
from tinygrad_lite.viz.svg import prefix_ids, strip_prolog

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

    def rule(self, names: Mapping[Node, str]) -> str:
        """The derivative rule this step uses, in the graph's names, with its value:
        ``tanh: ∂ tanh(n)/∂n = 1 - tanh(n)**2 = 0.5000``. For an array op the rule is a
        vector-Jacobian product of the upstream gradient G: ``matmul: ... G @ W.T``."""
        op = self.node.op
        if self.parent is None or op is None:
            return ""
        text = local_rule(self.node, self.index, names)
        if _is_tensor_step(self):
            return f"{op.name}: {text} (G: the upstream gradient)"
        return f"{op.name}: {text} = {_text(self.local)}"

    def describe(self, names: Mapping[Node, str]) -> str:
        """One line in words, naming nodes as the picture does, with the rule used."""
        if self.parent is None:
            return (
                f"step 0: start at {names[self.node]} with gradient {_text(self.upstream)} "
                f"(d{names[self.node]}/d{names[self.node]} = 1)"
            )
        op = self.node.op
        role = (
            input_role(op.name, self.index, op.variadic, len(self.node.parents))
            if op is not None
            else "input"
        )
        head = (
            f"step {self.step}: {names[self.node]} = {op.name if op else '?'}(...) passes back "
            f"to its {role} {names[self.parent]}"
        )
        now = f"{names[self.parent]}.grad is now {_text(self.sums.get(self.parent))}"
        if _is_tensor_step(self):
            return (
                f"{head} by the rule {self.rule(names)}: G {_text(self.upstream)} gives "
                f"{_text(self.contribution)}; {now}"
            )
        return (
            f"{head}: upstream {_text(self.upstream)} x local {_text(self.local)} = "
            f"{_text(self.contribution)}, by the rule {self.rule(names)}; {now}"
        )


def _text(x: Any) -> str:
    if x is None:
        return "none"
    if is_array(x):
        return f"shape {tuple(np.shape(x))}: {number_text(x)}"
    return number_text(x)


def _is_tensor_step(frame: Frame) -> bool:
    """Whether this step's op works on arrays (its local derivative is a VJP rule)."""
    return is_array(raw(frame.node.data)) or is_array(frame.upstream)


#: Follow and zoom to the current edge when a frame has more value boxes than this.
FOLLOW_FROM = 24

_INTRO = (
    "Backward computes the gradient of {out} with respect to every node, from the output "
    "back to the inputs, one edge at a time. Each step takes the gradient that has arrived "
    "at a node (the upstream gradient), multiplies it by the local derivative of one edge "
    "(the rule named in the caption) and adds the product to the gradient of that edge's "
    "input. The edge of the current step is red. A box that reads 'grad not reached' has "
    "received nothing yet; 'grad 0.0000' is a gradient that really is zero. Step with the "
    "buttons, the slider or the arrow keys (Home and End jump to the first and last step)."
)


class BackwardSteps(Sequence[Frame]):
    """The recorded frames of one backward walk, drawable one by one.

    Attributes:
        title: the page's title (default `"Backward through <output>"`).
        intro: the paragraph under it (default: how to read the page).
    """

    def __init__(
        self,
        root: Node,
        frames: list[Frame],
        options: dict[str, Any],
        title: str | None = None,
        intro: str | None = None,
    ) -> None:
        self.root = root
        self.frames = frames
        self.options = options
        order = toposort(root)
        self._order = order
        self.names = node_names(order)  #: the same names as the picture's boxes
        self.title = title if title is not None else f"Backward through {self.names[root]}"
        self.intro = intro if intro is not None else _INTRO.format(out=self.names[root])

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
        """The picture of frame `k`: gradients as they stood then ("grad not reached" where
        nothing has arrived yet), the current edge marked. Its caption is `describe(k)`,
        written beside the picture rather than in it."""
        frame = self.frames[k]
        grads = {**dict.fromkeys(self._order, NOT_REACHED), **frame.sums}
        focus = (frame.node, frame.index) if frame.parent is not None else None
        return build_scene(self.root, grads=grads, focus=focus, **self.options)

    def svg(self, k: int) -> str:
        """Frame `k` as SVG text (Graphviz when installed, else the built-in layout).

        Every id in it starts with `f<k>-`, so all frames can share one page.
        """
        return prefix_ids(strip_prolog(Picture(self.scene(k)).svg()), f"f{k}-")

    def html(self, title: str | None = None, intro: str | None = None) -> str:
        """One self-contained HTML page: a title, an introduction, all frames inline with
        one caption each, previous/next buttons, a slider and the arrow keys.

        Args:
            title: the page's title (default `self.title`).
            intro: the paragraph under the title (default `self.intro`).
        """
        parts = []
        boxes = 0
        for k in range(len(self.frames)):
            hidden = "" if k == 0 else " hidden"
            scene = self.scene(k)
            boxes = max(boxes, sum(n.kind != "op" for n in scene.nodes))
            svg = prefix_ids(strip_prolog(Picture(scene).svg()), f"f{k}-")
            parts.append(
                f'<div class="frame" id="f{k}"{hidden}>'
                f'<p class="caption">{html.escape(self.describe(k))}</p>'
                f'<div class="view">{svg}</div></div>'
            )
        n = len(self.frames)
        return _PAGE.format(
            title=html.escape(self.title if title is None else title),
            intro=html.escape(self.intro if intro is None else intro),
            last=n - 1,
            follow=" checked" if boxes > FOLLOW_FROM else "",
            frames="\n".join(parts),
        )

    def to_html(self, path: str | Path, title: str | None = None, intro: str | None = None) -> Path:
        """Write `html(title, intro)` to `path` and return the path."""
        p = Path(path)
        p.write_text(self.html(title, intro), encoding="utf-8")
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


def backward_steps(
    root: Node,
    *,
    max_frames: int = 400,
    title: str | None = None,
    intro: str | None = None,
    **options: Any,
) -> BackwardSteps:
    """Run backward from `root` once, recording a frame per edge; `.grad` is left as it was.

    Args:
        root: the output (a scalar node).
        max_frames: refuse (ValueError) graphs with more edges than this.
        title: the HTML page's title (default `"Backward through <output>"`).
        intro: the paragraph under the title (default: how to read the page).
        options: drawing options passed to `build_scene` (rankdir, edge_labels, depth,
            style, ...).

    Examples:
        >>> from tinygrad_lite import Value
        >>> n = Value(0.8813735870195432, label="n")
        >>> o = n.tanh(); o.label = "o"
        >>> print(backward_steps(o, title="tanh").describe(1))  # doctest: +ELLIPSIS
        step 1: o = tanh(...) passes back to its input n: ... by the rule tanh: ...
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
    return BackwardSteps(root, frames, options, title, intro)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; max-width: 80em; }}
.intro {{ max-width: 48em; line-height: 1.4; }}
.controls {{ position: sticky; top: 0; background: #fff; padding: .5em 0; z-index: 1; }}
.caption {{ font-size: 1.1em; min-height: 2.6em; }}
.view svg {{ max-width: 100%; height: auto; max-height: 75vh; }}
button {{ font-size: 1em; }}
</style></head>
<body>
<h1>{title}</h1>
<p class="intro">{intro}</p>
<div class="controls">
<button id="prev" type="button">&larr; previous</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
<button id="next" type="button">next &rarr;</button>
<span id="where">step 0 of {last}</span>
<label><input id="follow" type="checkbox"{follow}> follow the current step</label>
</div>
{frames}
<script>
(function () {{
  var k = 0, last = {last};
  var slider = document.getElementById("slider");
  var follow = document.getElementById("follow");
  function frameSvg(i) {{ return document.querySelector("#f" + i + " svg"); }}
  // Zoom the picture to the current edge (and the boxes it joins), or show it whole.
  function focus(i) {{
    var svg = frameSvg(i);
    if (!svg) return;
    if (!svg.dataset.full) svg.dataset.full = svg.getAttribute("viewBox");
    var lit = svg.querySelectorAll(".highlight");
    if (!follow.checked || lit.length === 0) {{
      svg.setAttribute("viewBox", svg.dataset.full);
      return;
    }}
    var full = svg.dataset.full.split(/[ ,]+/).map(Number);
    var toRoot = svg.getScreenCTM().inverse();
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    lit.forEach(function (el) {{
      var b = el.getBBox(), m = toRoot.multiply(el.getScreenCTM());
      [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height],
       [b.x + b.width, b.y + b.height]].forEach(function (c) {{
        var p = new DOMPoint(c[0], c[1]).matrixTransform(m);
        x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y);
        x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y);
      }});
    }});
    var w = Math.max(x1 - x0, full[2] / 3), h = Math.max(y1 - y0, full[3] / 3);
    var ratio = full[2] / full[3];  // keep the picture's shape: no stretching
    if (w / h > ratio) h = w / ratio; else w = h * ratio;
    w *= 1.3; h *= 1.3;
    var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    svg.setAttribute("viewBox", [cx - w / 2, cy - h / 2, w, h].join(" "));
  }}
  function show(n) {{
    k = Math.max(0, Math.min(last, n));
    for (var i = 0; i <= last; i++) {{
      document.getElementById("f" + i).hidden = (i !== k);
    }}
    slider.value = k;
    document.getElementById("where").textContent = "step " + k + " of " + last;
    focus(k);
  }}
  document.getElementById("prev").onclick = function () {{ show(k - 1); }};
  document.getElementById("next").onclick = function () {{ show(k + 1); }};
  slider.oninput = function () {{ show(+slider.value); }};
  follow.onchange = function () {{ show(k); }};
  // One key press moves one step, wherever the focus is: on the slider the browser's own
  // handling is cancelled, so the slider and this handler do not both move.
  document.addEventListener("keydown", function (e) {{
    var moves = {{ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1}};
    if (e.key in moves) {{ e.preventDefault(); show(k + moves[e.key]); }}
    else if (e.key === "Home") {{ e.preventDefault(); show(0); }}
    else if (e.key === "End") {{ e.preventDefault(); show(last); }}
  }});
  show(0);
}})();
</script>
</body></html>
"""
