"""The numbers of a picture as data: what an update of the live view sends.

An update sends, for every box, its rows of text (formatted exactly as the still pictures
format them), the full-precision data and gradient shown when the pointer rests on it,
and for every edge into an op its local derivative; never the picture itself. The layout
is not touched, so nothing on the page moves.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node
from tinygrad_lite.viz.interactive.picture import edge_key
from tinygrad_lite.viz.numbers import raw
from tinygrad_lite.viz.scene import Scene

__all__ = ["full_text", "local_derivative", "values_data"]


def full_text(x: Any) -> str:
    """A number at full precision (``repr`` of the float), or an array printed whole
    when small and summarised by numpy when big; ``none`` for a missing gradient."""
    x = raw(x)
    if x is None:
        return "none"
    if isinstance(x, np.ndarray) and x.ndim > 0:
        body = np.array2string(x, threshold=24, max_line_width=72, floatmode="unique")
        return f"shape {x.shape} {x.dtype}\n{body}"
    return repr(float(x))


def local_derivative(node: Node, index: int) -> Any:
    """d node / d input `index` at the current values (the op table's rule), or None
    where the op has none (the exponent of a negative base, say)."""
    assert node.op is not None
    inputs = tuple(raw(p) for p in node.parents)
    try:
        return node.op.local_derivative(index, node.data, inputs)
    except (ArithmeticError, ValueError):
        return None


def values_data(scene: Scene, revision: int) -> dict[str, Any]:
    """Every number `scene` shows, by box id and edge key (JSON-ready).

    Returns:
        ``{"revision", "rows": {box id: rows}, "full": {box id: {"data", "grad"}},
        "locals": {edge key: local derivative}, "labels": {edge key: label}}``.
    """
    rows = {n.id: list(n.rows) for n in scene.nodes if n.kind != "op" and n.role != "constant"}
    full = {
        nid: {
            "data": full_text(node.data),
            "grad": full_text(node.grad) if node.requires_grad else "none (needs no gradient)",
        }
        for nid, node in scene.sources.items()
    }
    locals_: dict[str, str] = {}
    for e in scene.edges:
        consumer = scene.sources.get(e.dst[: -len("_op")]) if e.dst.endswith("_op") else None
        if consumer is None or not e.tooltip:  # a result edge, or merged from a summary
            continue
        d = local_derivative(consumer, e.index)
        locals_[edge_key(e)] = "undefined" if d is None else full_text(d)
    labels = {edge_key(e): e.label for e in scene.edges if e.label}
    return {"revision": revision, "rows": rows, "full": full, "locals": locals_, "labels": labels}
