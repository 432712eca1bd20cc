"""Pictures of a computational graph, its backward walk, and its chain rule in words.

The public names, by what they are for:

* drawing: `draw_dot` (a `Picture`, a `graphviz.Digraph`), `draw` (Graphviz when it is
  available, else the built-in engine's `SvgDrawing`), `render` (write a drawing to a file
  by suffix), `build_scene` (what a picture shows, as data) and `scene_to_dot`;
* the backward walk frame by frame: `backward_steps`;
* the chain rule spelled out: `explain` (also `tl.explain`), as text, Markdown or
  LaTeX; `handout` (the picture and the derivation in one HTML file);
* the live view in a notebook (hover, click, collapse, step, update while training, export
  to one offline page): `live` (the `live` extra);
* engines: `dot_available`, `pygraphviz_available`, `GraphvizNotFound`, `INSTALL_HELP`;
* style: `Style` (text size, decimals, colours, spacing, the page), `COLOURS`,
  `format_number`.

Inside the package each module has one job: `scene` (the data model), `build` (graph ->
scene), `numbers`, `rules` and `style` (what text and colours say), `check` (gradients
for `check=True`), `dot` and `engines` (Graphviz: the DOT text and who runs it),
`layout`, `labels` and `svg` (the built-in engine), `geometry` (Graphviz's positions as a
`Layout`), `picture` (the drawings and saving them), `output` (files and rasterisers),
`steps`, `explain` (with `latex` for its LaTeX) and `handout`, and the `interactive`
package (the widget, its page and its front-end assets). Imports point one way (style
and scene, then build, then the backends, then picture, steps, explain and handout, then
interactive), and the engine never imports this package.
"""

from tinygrad_lite.viz.build import build_scene
from tinygrad_lite.viz.engines import (
    INSTALL_HELP,
    GraphvizNotFound,
    dot_available,
    pygraphviz_available,
)
from tinygrad_lite.viz.explain import Explanation, explain
from tinygrad_lite.viz.handout import handout
from tinygrad_lite.viz.interactive import live
from tinygrad_lite.viz.numbers import format_number
from tinygrad_lite.viz.picture import Picture, draw, draw_dot, render, scene_to_dot
from tinygrad_lite.viz.scene import Scene
from tinygrad_lite.viz.steps import BackwardSteps, backward_steps
from tinygrad_lite.viz.style import COLOURS, Style
from tinygrad_lite.viz.svg import SvgDrawing

__all__ = [
    "COLOURS",
    "INSTALL_HELP",
    "BackwardSteps",
    "Explanation",
    "GraphvizNotFound",
    "Picture",
    "Scene",
    "Style",
    "SvgDrawing",
    "backward_steps",
    "build_scene",
    "dot_available",
    "draw",
    "draw_dot",
    "explain",
    "format_number",
    "handout",
    "live",
    "pygraphviz_available",
    "render",
    "scene_to_dot",
]
