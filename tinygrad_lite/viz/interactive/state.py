"""What the live view knows on the Python side, independent of any widget library.

`LiveState` holds the graph, the drawing options, which clusters are collapsed and the
loss history, and answers every question the front end can ask, as plain data:

* `picture`: the layout (done here, by Graphviz or the built-in engine), redone only when
  the set of collapsed clusters or the shape of the graph changes;
* `values()`: the numbers, sent on every update;
* `explanation(box id)`: the paths from a node to the output (edge keys) and
  `explain`'s text;
* `steps()`: the backward walk as `backward_steps` records it, one edge per frame;
* `still()`: the picture as SVG, for a page made from the notebook, where no widget runs.

The notebook widget (`LiveView`) and the exported page both serve these answers: the
widget through synced traits, the page from a table computed in advance.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node
from tinygrad_lite.viz.build import NOT_REACHED, build_scene, grad_row
from tinygrad_lite.viz.explain import explain
from tinygrad_lite.viz.interactive.picture import choose_engine, edge_key, picture_data
from tinygrad_lite.viz.interactive.values import values_data
from tinygrad_lite.viz.numbers import raw
from tinygrad_lite.viz.picture import Picture
from tinygrad_lite.viz.scene import Scene, SceneEdge
from tinygrad_lite.viz.steps import backward_steps
from tinygrad_lite.viz.svg import render_svg

__all__ = ["MANAGED", "LiveState"]

MANAGED = ("highlight", "grads", "focus", "check", "legend")
"""Options of `build_scene` that the live view sets itself."""


def _structure(scene: Scene) -> tuple[Any, ...]:
    """What must stay the same for new numbers to fit the old layout."""
    return (
        tuple((n.id, n.kind, n.cluster, n.name, len(n.rows)) for n in scene.nodes),
        tuple(edge_key(e) for e in scene.edges),
        tuple(c.path for c in scene.clusters),
    )


class LiveState:
    """The graph behind a live view and everything the view shows of it.

    Args:
        root: the output node (the loss).
        engine: "auto" (the `dot` program, else pygraphviz, else built-in), "dot",
            "pygraphviz", "graphviz" or "builtin".
        collapse: scope paths of clusters to start collapsed.
        max_history: keep at most this many loss values for the curve.
        options: drawing options of `build_scene` (rankdir, edge_labels, depth,
            max_nodes, show_data, show_grad, title).

    Raises:
        TypeError: `root` is not a graph node.
        ValueError: an option the live view manages itself, or any bad drawing option.
    """

    def __init__(
        self,
        root: Node,
        *,
        engine: str = "auto",
        collapse: Collection[str] = (),
        max_history: int = 2000,
        **options: Any,
    ) -> None:
        if not isinstance(root, Node):
            raise TypeError(f"live needs a graph node (Value or Tensor), got {type(root).__name__}")
        managed = sorted(set(options) & set(MANAGED))
        if managed:
            raise ValueError(
                f"the live view sets {', '.join(managed)} itself (click a node to highlight "
                "its paths; use the step controls for backward)"
            )
        self.root = root
        self.engine = choose_engine(engine)
        self.options = options
        self.collapsed: tuple[str, ...] = tuple(sorted(set(collapse)))
        self.max_history = max_history
        self.history: list[float] = []
        self.revision = 0
        self.layouts = 0  #: how many times the picture was laid out
        self.scene = self._scene()
        self.options["rankdir"] = self.scene.rankdir  # the direction stays as first drawn
        self.picture = self._lay_out()
        self._record(None)

    def _scene(self, **extra: Any) -> Scene:
        return build_scene(self.root, collapse=self.collapsed, legend=True, **self.options, **extra)

    def _lay_out(self) -> dict[str, Any]:
        legend, self.scene.legend = self.scene.legend, []
        self.scene.notes = []
        self.layouts += 1
        picture = picture_data(self.scene, self.engine, legend)
        picture["collapsed"] = list(self.collapsed)
        picture["layout"] = self.layouts
        return picture

    def values(self) -> dict[str, Any]:
        """The numbers of the picture now (see `values_data`)."""
        return values_data(self.scene, self.revision)

    def update(self, root: Node | None = None, loss: Any = None) -> bool:
        """Read the numbers again (from `root`, a new graph of the same shape, if given)
        and add a point to the loss curve: `loss`, or the output's value.

        Returns:
            True when the picture had to be laid out again (the graph changed shape).
        """
        if root is not None:
            if not isinstance(root, Node):
                raise TypeError(f"update needs a graph node, got {type(root).__name__}")
            self.root = root
        self.revision += 1
        old = _structure(self.scene)
        self.scene = self._scene()
        self.scene.legend, self.scene.notes = [], []
        self._record(loss)
        if _structure(self.scene) == old:
            return False
        self.picture = self._lay_out()
        return True

    def _record(self, loss: Any) -> None:
        value = raw(loss if loss is not None else self.root)
        if isinstance(value, np.ndarray):
            if value.size != 1:
                if loss is None:
                    return  # a non-scalar output has no curve
                raise ValueError(f"loss must be one number, got an array of shape {value.shape}")
            value = value.reshape(())
        number = float(value)
        if math.isfinite(number):
            self.history.append(number)
            del self.history[: -self.max_history]

    def still(self) -> str:
        """The picture as SVG with the numbers of now, drawn by the view's own engine.

        What a static page made from the notebook (nbconvert, the docs site) shows where
        the widget cannot run: the same boxes, clusters and legend, without the clicking.
        """
        scene = self._scene()
        if self.engine == "builtin":
            return render_svg(scene).svg()
        return Picture(scene, backend=self.engine).svg()

    def set_collapsed(self, paths: Collection[str]) -> None:
        """Collapse exactly these clusters (scope paths) and lay the picture out again."""
        wanted = tuple(sorted(set(paths)))
        if wanted == self.collapsed:
            return
        previous = self.collapsed
        self.collapsed = wanted
        try:
            self.scene = self._scene()
        except ValueError:
            self.collapsed = previous
            raise
        self.picture = self._lay_out()

    def explanation(self, box_id: str) -> dict[str, Any]:
        """What clicking box `box_id` shows: the edges and boxes on its paths to the
        output, and `explain`'s text (or why there is none)."""
        node = self.scene.sources.get(box_id)
        if node is None:
            return {"id": box_id, "text": "", "edges": [], "nodes": []}
        lit = self._scene(highlight=node)
        try:
            text = explain(self.root, node).text()
        except (TypeError, ValueError) as exc:
            text = str(exc)
        return {
            "id": box_id,
            "text": text,
            "edges": [edge_key(e) for e in lit.edges if e.highlight],
            "nodes": [n.id for n in lit.nodes if n.highlight],
        }

    def steps(self, max_frames: int = 5000) -> dict[str, Any]:
        """The backward walk for the step controls: every box's starting grad row, then
        one frame per edge (its key, the box whose grad changes and its new grad row,
        the sentence saying what happens)."""
        # every node's box id, folded or not: the frames then fit every layout
        expanded = build_scene(self.root, **{**self.options, "depth": None, "max_nodes": 10**9})
        ids = {node: nid for nid, node in expanded.sources.items()}
        walk = backward_steps(self.root, max_frames=max_frames)
        # before its first step a box has no gradient yet: not the same as a gradient of 0
        start = {
            nid: grad_row(NOT_REACHED)
            for nid, node in expanded.sources.items()
            if node.requires_grad
        }
        frames = []
        for k, frame in enumerate(walk):
            target = frame.node if frame.parent is None else frame.parent
            key = ""
            if frame.parent is not None and frame.node in ids and frame.parent in ids:
                key = edge_key(SceneEdge(ids[frame.parent], f"{ids[frame.node]}_op", frame.index))
            frames.append(
                {
                    "key": key,
                    "node": ids.get(frame.node, ""),
                    "id": ids.get(target, ""),
                    "grad": grad_row(frame.sums.get(target)),
                    "text": walk.describe(k),
                }
            )
        return {"start": start, "frames": frames}
