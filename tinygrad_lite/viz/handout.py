"""One file for a handout: the picture of a graph and the derivation of one gradient.

`handout(output, wrt)` draws the graph with the paths from `wrt` to `output` marked and
the local derivative on every edge, and writes it beside `explain(output, wrt)` in a
single self-contained HTML page: the SVG inline, no script, nothing fetched from the
network, so it prints, mails and opens offline as it is. The derivation is the plain
text of `Explanation.text()` (products wrapped, the uses of ``t*t`` named as first and
second factor); `Explanation.to_markdown()` and `to_latex()` give the same derivation for
a document of one's own.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from tinygrad_lite.autograd import Node
from tinygrad_lite.viz.build import build_scene
from tinygrad_lite.viz.explain import explain
from tinygrad_lite.viz.picture import Picture
from tinygrad_lite.viz.svg import strip_prolog

__all__ = ["handout"]

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; max-width: 60em; }}
figure {{ margin: 1em 0; }}
figure svg {{ max-width: 100%; height: auto; }}
pre {{ white-space: pre-wrap; font-size: 0.9em; line-height: 1.35; }}
@media print {{ figure {{ page-break-inside: avoid; }} }}
</style></head>
<body>
<h1>{title}</h1>
<figure>{svg}<figcaption>{caption}</figcaption></figure>
<h2>{heading}</h2>
<pre>{derivation}</pre>
</body></html>
"""


def handout(
    output: Node,
    wrt: Node,
    path: str | os.PathLike[str] | None = None,
    *,
    title: str | None = None,
    **options: Any,
) -> str:
    """The picture of `output`'s graph and the derivation of d output / d wrt, as one
    self-contained HTML page; written to `path` too when one is given.

    Args:
        output: the scalar node differentiated (the loss).
        wrt: the node differentiated by (a weight).
        path: where to write the page (an .html file), or None to only return it.
        title: the page's heading (default `"d<output>/d<wrt>"`).
        options: drawing options for `build_scene` (style, depth, rankdir, ...); the
            picture highlights the paths from `wrt` and labels every edge unless told
            otherwise.

    Returns:
        The HTML text.

    Examples:
        >>> from tinygrad_lite import Value
        >>> t = Value(0.5, label="t")
        >>> y = t * t
        >>> y.label = "y"
        >>> "first factor" in handout(y, t)
        True
    """
    explanation = explain(output, wrt)
    options.setdefault("highlight", wrt)
    options.setdefault("edge_labels", True)
    options.setdefault("legend", True)
    scene = build_scene(output, **options)
    svg = strip_prolog(Picture(scene).svg())
    heading = f"d{explanation.output}/d{explanation.wrt}"
    page = _PAGE.format(
        title=html.escape(title or heading),
        svg=svg,
        caption=html.escape(
            f"The graph of {explanation.output}: the paths from {explanation.wrt} are red; "
            "each edge carries its local derivative."
        ),
        heading=html.escape(f"{heading} by the chain rule"),
        derivation=html.escape(explanation.text()),
    )
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page
