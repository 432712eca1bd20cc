"""The live view: a clickable picture of a graph in a notebook that updates as it trains.

`live(root)` returns a notebook widget (anywidget: JupyterLab, Notebook 7, VS Code,
Colab) showing the same picture as `draw_dot`, laid out in Python by Graphviz or the
built-in engine. In it:

* pointing at a value shows its full-precision data and grad and the rule of the op that
  made it; pointing at an edge, its local derivative and its rule;
* clicking a value lights every path from it to the output and shows `explain` for it;
* clicking a cluster's label folds it into its summary box; clicking the box opens it;
* the step controls replay backward one edge at a time (`backward_steps`);
* `view.update()` in a training loop sends the new numbers (not a new picture) and adds
  a point to the loss curve;
* `view.to_html(path)` writes one offline page that does all of the above.

Modules: `picture` (a layout as data), `values` (the numbers as data), `state` (what the
Python side knows and answers), `page` (the exported page), `_widget` (the anywidget
class; needs the `live` extra), and `assets/` (the front end's JavaScript and CSS).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from tinygrad_lite.autograd import Node
from tinygrad_lite.viz.interactive.page import export_html
from tinygrad_lite.viz.interactive.state import LiveState

if TYPE_CHECKING:
    from tinygrad_lite.viz.interactive._widget import LiveView

__all__ = ["LIVE_HELP", "LiveState", "LiveView", "export_html", "live"]

LIVE_HELP = (
    'the live view needs anywidget: pip install "tinygrad_lite[live]" (or pip install '
    "anywidget); still pictures (draw_dot) and export_html(LiveState(root), path) work "
    "without it"
)
"""The message when `live` is called without anywidget: which extra to install."""


def live(
    root: Node, *, engine: str = "auto", collapse: Collection[str] = (), **options: Any
) -> LiveView:
    """A live, clickable view of the graph that produced `root`, for a notebook.

    Args:
        root: the output (usually the loss).
        engine: who lays the picture out: "auto" (the `dot` program, else pygraphviz, else
            the built-in engine), "dot", "pygraphviz", "graphviz" or "builtin".
        collapse: scope paths of clusters to show folded at first.
        options: drawing options of `build_scene` (rankdir, edge_labels, depth,
            max_nodes, show_data, show_grad, title).

    Returns:
        A `LiveView` widget: display it, call `.update()` after each training step, and
        `.to_html(path)` to save it as a page.

    Raises:
        ImportError: anywidget is not installed (the message names the `live` extra).

    Examples:
        >>> from tinygrad_lite import Value
        >>> a = Value(2.0, label="a")
        >>> view = live(a * a)
        >>> a.data = 3.0
        >>> view.update(a * a)  # the loss curve gets a point: 9.0
        >>> view.state.history
        [4.0, 9.0]
    """
    if importlib.util.find_spec("anywidget") is None:
        raise ImportError(LIVE_HELP)
    from tinygrad_lite.viz.interactive._widget import LiveView

    return LiveView(LiveState(root, engine=engine, collapse=collapse, **options))


def __getattr__(name: str) -> Any:
    if name == "LiveView":
        if importlib.util.find_spec("anywidget") is None:
            raise ImportError(LIVE_HELP)
        from tinygrad_lite.viz.interactive._widget import LiveView

        return LiveView
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
