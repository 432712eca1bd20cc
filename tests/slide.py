"""How big a picture's text is on a slide, read from the SVG either engine writes.

A picture placed on a slide of `width` x `height` pixels is scaled to fit: the scale is
min(width / viewBox width, height / viewBox height). Graphviz draws its graph inside a
group scaled again (``transform="scale(s s) ..."``, set by ``size=``). The height of a
text on the slide is its font size times both scales.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def _scale_to(svg: str, width: float, height: float) -> float:
    root = ET.fromstring(svg.encode("utf-8"))
    box = [float(v) for v in root.get("viewBox", "").replace(",", " ").split()]
    found = re.search(r'class="graph" transform="scale\(([\d.]+)', svg)
    inner = float(found.group(1)) if found else 1.0
    return min(width / box[2], height / box[3]) * inner


def text_heights(svg: str, width: float = 1920.0, height: float = 1080.0) -> dict[str, float]:
    """Pixel height on the slide of the value boxes' text, the op symbols and the edge
    labels (where the picture has them), each the smallest of its kind."""
    root = ET.fromstring(svg.encode("utf-8"))
    scale = _scale_to(svg, width, height)
    default = float(root.get("font-size", "14"))
    found: dict[str, float] = {}

    def size_of(el: ET.Element, inherited: float) -> float:
        return float(el.get("font-size", inherited))

    def walk(el: ET.Element, inherited: float, kind: str) -> None:
        inherited = size_of(el, inherited)
        cls = el.get("class", "").split()
        title = el.find(f"{SVG}title")
        if el.tag == f"{SVG}g" and "node" in cls and (title is None or title.text != "legend"):
            kind = "op" if (el.find(f".//{SVG}ellipse") is not None or "op" in cls) else "box"
        elif el.tag == f"{SVG}g" and "edge" in cls:
            kind = "edge label"
        elif el.tag == f"{SVG}g" and ({"legend", "cluster", "node"} & set(cls)):
            kind = ""
        if el.tag == f"{SVG}text" and kind and (el.text or "").strip():
            px = inherited * scale
            found[kind] = min(found.get(kind, px), px)
        for child in el:
            walk(child, inherited, kind)

    walk(root, default, "")
    return found
