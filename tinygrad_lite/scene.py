"""What a picture of a graph contains, independent of who lays it out.

`tinygrad_lite.viz` turns a computational graph into a `Scene` (which boxes, with which
text and colours, which edges, which clusters); the Graphviz backend and the built-in
layout engine both draw a Scene, so the two pictures carry exactly the same information.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Scene", "SceneCluster", "SceneEdge", "SceneNode"]


@dataclass
class SceneNode:
    """One box: a value (data/grad table), an operation, or a collapsed cluster summary."""

    id: str  #: stable id, assigned in topological order ("n0", "n1", ...)
    kind: str  #: "value", "op" or "summary"
    role: str  #: "parameter", "input", "constant", "output", "intermediate", "op" or "summary"
    rows: list[str]  #: lines of text, top to bottom (e.g. label, "data 2.0000", "grad -3.0000")
    fill: str  #: background colour, "#rrggbb"
    cluster: str | None = None  #: full scope path of the innermost cluster, e.g. "mlp/layer0"
    tooltip: str = ""
    border: str = "#000000"  #: outline colour (check=True colours leaves by agreement)
    highlight: bool = False  #: on a highlighted path (explain)


@dataclass
class SceneEdge:
    """An arrow from an input to the node that consumes it; `a * a` gives two edges.

    The one exception: the inputs a node takes from a collapsed cluster's summary box are
    one arrow, labelled with their count ("x17") when there are several.
    """

    src: str
    dst: str
    index: int = 0  #: which argument of the consuming op this edge feeds (the first, if merged)
    label: str = ""  #: the local derivative when edge labels are on, or a count such as "x17"
    highlight: bool = False


@dataclass
class SceneCluster:
    """A named part (a scope or an nn Module call), drawn as a labelled rectangle."""

    path: str  #: full scope path, "mlp/layer0"; the parent cluster is the path minus its last part
    label: str  #: what is written on the rectangle


@dataclass
class Scene:
    """Everything a backend needs to draw one graph."""

    nodes: list[SceneNode] = field(default_factory=list)
    edges: list[SceneEdge] = field(default_factory=list)
    clusters: list[SceneCluster] = field(default_factory=list)
    rankdir: str = "LR"  #: "LR" (inputs left, output right) or "TB"
    legend: list[tuple[str, str]] = field(default_factory=list)  #: (role, colour) pairs to explain
    title: str = ""
