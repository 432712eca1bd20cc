"""The notebook widget: an anywidget model whose front end ships in this package.

Kept apart from the rest of the live view because it imports `anywidget` (the `live`
extra); `tinygrad_lite.viz.interactive.live` imports it only when a view is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

from tinygrad_lite.autograd import Node
from tinygrad_lite.viz.interactive.page import ASSETS, export_html
from tinygrad_lite.viz.interactive.state import LiveState


class LiveView(anywidget.AnyWidget):  # type: ignore[misc]
    """A live, clickable picture of a graph in a notebook (see `tinygrad_lite.viz.interactive`).

    Attributes:
        state: the `LiveState` that answers the front end's questions.
    """

    _esm = ASSETS / "live.js"
    _css = ASSETS / "live.css"

    picture = traitlets.Dict().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    history = traitlets.List(traitlets.Float()).tag(sync=True)
    collapsed = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    explanation = traitlets.Dict().tag(sync=True)
    want_steps = traitlets.Bool(False).tag(sync=True)
    steps = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, state: LiveState, **kwargs: Any) -> None:
        self.state = state
        super().__init__(
            picture=state.picture,
            values=state.values(),
            history=list(state.history),
            collapsed=list(state.collapsed),
            **kwargs,
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The widget, and a still picture (`LiveState.still`) for where widgets do not run.

        JupyterLab, Notebook 7, VS Code and Colab show the widget; a static page made from
        the notebook shows the picture instead of nothing.
        """
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        return {**data, "image/svg+xml": self.state.still()}, metadata

    def update(self, root: Node | None = None, loss: Any = None) -> None:
        """Send the graph's numbers now; the picture keeps its layout.

        Call it after each training step (it is the callback an optimiser loop calls).

        Args:
            root: a new graph of the same shape (each forward pass builds a new one); if
                its shape differs, the picture is laid out again.
            loss: the value to add to the loss curve (default: the output's value).
        """
        relaid = self.state.update(root, loss)
        with self.hold_sync():
            if relaid:
                self.picture = self.state.picture
            self.values = self.state.values()
            self.history = list(self.state.history)
            if self.selected:
                self.explanation = self.state.explanation(self.selected)
            if self.steps:
                self.steps = {}
                self.want_steps = False

    def to_html(self, path: str | Path, **options: Any) -> Path:
        """Write this view to one self-contained HTML file (see `export_html`)."""
        return export_html(self.state, path, **options)

    @traitlets.observe("collapsed")
    def _collapsed_changed(self, change: dict[str, Any]) -> None:
        try:
            self.state.set_collapsed(change["new"])
        except ValueError as exc:
            self.error = str(exc)
            return
        with self.hold_sync():
            self.error = ""
            self.picture = self.state.picture
            self.values = self.state.values()
            self.selected = ""
            self.explanation = {}

    @traitlets.observe("selected")
    def _selected_changed(self, change: dict[str, Any]) -> None:
        box = change["new"]
        self.explanation = self.state.explanation(box) if box else {}

    @traitlets.observe("want_steps")
    def _want_steps_changed(self, change: dict[str, Any]) -> None:
        if change["new"] and not self.steps:
            self.steps = self.state.steps()
