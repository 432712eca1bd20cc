"""What a picture of a graph contains, independent of who lays it out.

`build_scene` turns a computational graph into a `Scene`: which boxes, with which text
and colours, which edges, which clusters, which marks the legend explains. The Graphviz
backend and the built-in layout engine both draw a Scene, so the two pictures carry
exactly the same information. A Scene is plain data (ids, names, roles, rows, edges);
`Scene.sources` maps each id back to the graph node it shows, for code that wants the
full-precision numbers (a live view updating a picture in place).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tinygrad_lite.viz.style import Style

__all__ = ["LegendItem", "Scene", "SceneCluster", "SceneEdge", "SceneNode"]


@dataclass
class SceneNode:
    """One box: a value (data/grad table), an operation, or a collapsed cluster summary."""

    id: str  #: stable id, assigned in topological order ("n0", "n1_op", "n2_c1", "s0")
    kind: str  #: "value", "op" or "summary"
    #: "parameter", "input", "constant", "output", "intermediate", "op" or "summary"
    role: str
    rows: list[str]  #: lines of text, top to bottom (e.g. name, "data 2.0000", "grad -3.0000")
    fill: str  #: background colour, "#rrggbb"
    cluster: str | None = None  #: full scope path of the innermost cluster, e.g. "mlp/layer0"
    tooltip: str = ""
    border: str = "#000000"  #: outline colour (check=True colours leaves by agreement)
    highlight: bool = False  #: on a highlighted path, or the node of the current step
    name: str = ""  #: the node's unique name (`tinygrad_lite.naming`); "" for constants


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
    tooltip: str = ""  #: what the edge means: the local derivative's rule, in the graph's names


@dataclass
class SceneCluster:
    """A named part (a scope or an nn Module call), drawn as a labelled rectangle."""

    path: str  #: full scope path, "mlp/layer0"; the parent cluster is the path minus its last part
    label: str  #: what is written on the rectangle


@dataclass
class LegendItem:
    """One line of the legend: a mark (a filled box, an op ellipse or a line) and its meaning."""

    text: str
    mark: str = "box"  #: "box", "op" or "line"
    fill: str = "#ffffff"
    border: str = "#000000"


@dataclass
class Scene:
    """Everything a backend needs to draw one graph."""

    nodes: list[SceneNode] = field(default_factory=list)
    edges: list[SceneEdge] = field(default_factory=list)
    clusters: list[SceneCluster] = field(default_factory=list)
    rankdir: str = "LR"  #: "LR" (inputs left, output right), "TB", "RL" or "BT"
    legend: list[LegendItem] = field(default_factory=list)  #: the marks the picture uses
    title: str = ""
    notes: list[str] = field(default_factory=list)  #: what the numbers are, under the legend
    #: how it looks: text size, decimals, colours, spacing, the target page (`Style`)
    style: Style = field(default_factory=Style)
    #: scene id -> the graph node it shows (value boxes only); not part of the description
    sources: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        """What the picture is called (an SVG's `<title>`): its title, else "graph of" the
        output's name."""
        if self.title:
            return self.title
        out = next((n.name for n in self.nodes if n.role == "output" and n.name), "")
        return f"graph of {out}" if out else "graph"

    def node(self, node_id: str) -> SceneNode:
        """The box with this id (KeyError if there is none)."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)
