"""Scene -> DOT: the Graphviz description of a picture.

Value boxes are HTML-like tables (name, data, grad), operations small circles or
ellipses, clusters dashed rounded rectangles named ``cluster_<scope>``, and the legend
one compact table beside the graph (at the output's end). Node ids follow the
topological order, so the DOT source of a graph is the same on every run.

The scene's `Style` scales every font (boxes, op symbols, edge labels, cluster captions,
legend) and op circle by `font_scale` and the gaps (`nodesep`, `ranksep`) by `spacing`;
a `size` becomes Graphviz's ``size="w,h!"`` with ``ratio="fill"`` (the layout is scaled
and spread to fill the page exactly), an `aspect` its ``ratio``. The graph's name (the
SVG's `<title>`) is the scene's name, and highlighted nodes and edges carry the SVG class
``highlight``, so a page can find the current step.
"""

from __future__ import annotations

import html
from typing import Any

import graphviz

from tinygrad_lite.viz.scene import LegendItem, Scene, SceneNode
from tinygrad_lite.viz.style import BORDER, HIGHLIGHT

__all__ = ["dot_source", "fill_digraph", "graph_name"]

# Every text that reaches DOT goes through one of these. Graphviz reads a label's text
# twice: as markup (so < > & " are written as entities) and for its own escapes such as
# \N (the node's name), \G and \l, where a doubled backslash stands for one. A tooltip is
# read three times (entities, then one level of backslashes, then the escapes), so there
# each backslash is written four times. Labels are always HTML-like (<...>), so a name
# such as "<x>" is never taken for markup.


def _html_text(text: str) -> str:
    """`text` for the inside of an HTML-like label, shown exactly as written."""
    return html.escape(text).replace("\\", "\\\\")


def _html(text: str) -> str:
    """An HTML-like label that shows `text` exactly as written."""
    return f"<{_html_text(text)}>"


def _tooltip_text(text: str) -> str:
    """A tooltip that shows `text` exactly as written."""
    return html.escape(text).replace("\\", "\\" * 4)


def _edge_label(text: str) -> str:
    """An edge label with a margin: Graphviz routes the edge around the label's box, so
    the margin keeps the line clear of the text in any viewer's font."""
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"><TR><TD>'
        f"{_html_text(text)}</TD></TR></TABLE>>"
    )


def graph_name(scene: Scene) -> str:
    """The scene's name as the DOT graph's name (backslashes doubled so it parses; never
    read as an HTML-like label)."""
    name: str = graphviz.nohtml(scene.name.replace("\\", "\\\\"))
    return name


def _cluster_name(path: str) -> str:
    """The subgraph name of a scope: ``cluster_<scope>``, backslashes doubled so it parses."""
    return "cluster_" + path.replace("\\", "\\\\")


def _html_label(node: SceneNode) -> str:
    """An HTML-like label: a table of rows for boxes, the escaped symbol for op nodes."""
    if node.kind == "op":
        return _html(node.rows[0] if node.rows else "")
    border = HIGHLIGHT if node.highlight else node.border
    width = "2" if node.highlight or node.border != BORDER else "1"
    cells = []
    for k, row in enumerate(node.rows):
        text = _html_text(row)
        if k == 0 and node.role != "constant":  # the name (or the part, for a summary)
            text = f"<B>{text}</B>"
        cells.append(f"<TR><TD>{text}</TD></TR>")
    return (
        f'<<TABLE BORDER="{width}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" '
        f'BGCOLOR="{node.fill}" COLOR="{border}">' + "".join(cells) + "</TABLE>>"
    )


def _pt(x: float) -> str:
    """A size for DOT: at most two decimals, no trailing zeros."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _node_attrs(node: SceneNode, scale: float) -> dict[str, str]:
    attrs = {"label": _html_label(node)}
    if node.tooltip:
        attrs["tooltip"] = _tooltip_text(node.tooltip)
    if node.highlight:
        attrs["class"] = "highlight"
    if node.kind == "op":
        attrs.update(
            shape="circle" if len(node.rows[0]) <= 2 else "ellipse",
            style="filled",
            fillcolor=node.fill,
            fontsize=_pt(10 * scale),
            margin="0.02,0.01",
            width=_pt(0.3 * scale),
            height=_pt(0.3 * scale),
        )
        if node.highlight:
            attrs.update(color=HIGHLIGHT, penwidth="2")
    else:
        attrs["shape"] = "plain"
    return attrs


def _legend_mark(item: LegendItem) -> str:
    if item.mark == "line":
        return f'<TD><FONT COLOR="{item.fill}">&#8212;&#8212;</FONT></TD>'
    if item.mark == "op":
        return f'<TD STYLE="rounded" BGCOLOR="{item.fill}">*</TD>'
    thick = ' BORDER="2"' if item.border != BORDER else ' BORDER="1"'
    return f'<TD BGCOLOR="{item.fill}" COLOR="{item.border}"{thick}>   </TD>'


def _legend_label(scene: Scene) -> str:
    note_size = _pt(8 * scene.style.font_scale)
    rows = [
        f'<TR>{_legend_mark(item)}<TD ALIGN="LEFT">{_html_text(item.text)}</TD></TR>'
        for item in scene.legend
    ]
    rows += [
        f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="{note_size}">'
        f"{_html_text(note)}</FONT></TD></TR>"
        for note in scene.notes
    ]
    return (
        '<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2" COLOR="#999999">'
        '<TR><TD COLSPAN="2"><B>legend</B></TD></TR>' + "".join(rows) + "</TABLE>>"
    )


def _page_attrs(scene: Scene) -> dict[str, str]:
    """The graph attributes for the style's page: a size filled exactly, or an aspect."""
    style = scene.style
    if style.size is not None:  # no pad: the page is the size, to the pixel
        w, h = style.size
        return {"size": f"{w:.4f},{h:.4f}!", "ratio": "fill", "pad": "0"}
    if style.aspect is not None:
        return {"ratio": f"{1 / style.aspect:.4f}"}
    return {}


def _members(
    scene: Scene, labels: dict[str, str], children: dict[str | None, list[str]]
) -> dict[str | None, list[SceneNode]]:
    """The boxes written inside each cluster. An input that sits among several sibling
    clusters (the inputs of a layer, beside its neurons) is written one level up: among
    the neurons it would let Graphviz shuffle them to shorten its own edges."""
    members: dict[str | None, list[SceneNode]] = {}
    for n in scene.nodes:
        home = n.cluster if n.cluster in labels else None
        if n.role == "input" and home is not None and len(children.get(home, [])) > 1:
            home = home.rsplit("/", 1)[0] if "/" in home else None
        members.setdefault(home, []).append(n)
    return members


def fill_digraph(dot: graphviz.Digraph, scene: Scene) -> None:
    """Write the nodes, clusters, edges and legend of `scene` into `dot`."""
    k, gap = scene.style.font_scale, scene.style.spacing
    dot.attr(
        rankdir=scene.rankdir,
        fontname="Helvetica",
        nodesep=_pt(0.35 * gap),
        ranksep=_pt(0.5 * gap),
        **_page_attrs(scene),
    )
    if k != 1.0:
        dot.attr(fontsize=_pt(14 * k))  # the title
    dot.attr("node", fontname="Helvetica", fontsize=_pt(11 * k))
    dot.attr("edge", fontname="Helvetica", fontsize=_pt(9 * k), arrowsize=_pt(0.7 * min(k, 1.6)))
    if scene.title:
        dot.attr(label=_html(scene.title), labelloc="t")
    children: dict[str | None, list[str]] = {}
    for c in scene.clusters:
        parent = c.path.rsplit("/", 1)[0] if "/" in c.path else None
        children.setdefault(parent, []).append(c.path)
    labels = {c.path: c.label for c in scene.clusters}
    members = _members(scene, labels, children)
    # Graphviz's crossing minimisation lays sibling clusters out in the reverse of the
    # order they are written, and, top to bottom, the boxes of a cluster too: written
    # in reverse, the neurons of a layer (and a neuron's weights) come out in order.
    tb = scene.rankdir in ("TB", "BT")

    def fill(g: graphviz.Digraph, path: str | None) -> None:
        boxes = members.get(path, [])
        for n in boxes[::-1] if tb else boxes:
            g.node(n.id, **_node_attrs(n, k))
        for child in children.get(path, [])[::-1]:
            with g.subgraph(name=_cluster_name(child)) as sub:
                sub.attr(
                    label=_html(labels[child]),
                    style="rounded,dashed",
                    color="#777777",
                    fontsize=_pt(12 * k),
                )
                fill(sub, child)

    fill(dot, None)
    for e in scene.edges:
        attrs: dict[str, Any] = {}
        if e.label:
            attrs["label"] = _edge_label(e.label)
        if e.tooltip:
            attrs["tooltip"] = _tooltip_text(e.tooltip)
        if e.highlight:
            attrs.update(color=HIGHLIGHT, penwidth="2.2")
            attrs["class"] = "highlight"
        dot.edge(e.src, e.dst, **attrs)
    if scene.legend or scene.notes:
        with dot.subgraph(name="legend") as key:
            key.attr(rank="sink")
            key.node("legend", label=_legend_label(scene), shape="plain", fontsize=_pt(9 * k))


def dot_source(scene: Scene) -> str:
    """The DOT text of `scene` (what `draw_dot(...).source` holds)."""
    dot = graphviz.Digraph(name=graph_name(scene))
    fill_digraph(dot, scene)
    return str(dot.source)
