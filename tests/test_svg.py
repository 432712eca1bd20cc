"""SVG output of the built-in engine: valid XML carrying the same content as the Scene."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tinygrad_lite import Value
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.viz import build_scene
from tinygrad_lite.viz.output import RasteriserNotFound
from tinygrad_lite.viz.scene import Scene, SceneCluster, SceneEdge, SceneNode
from tinygrad_lite.viz.svg import SvgDrawing, render_svg

NS = {"s": "http://www.w3.org/2000/svg"}
EM_ADVANCE = 0.61  # monospace advance per em, with a little margin


def parse(drawing: SvgDrawing) -> ET.Element:
    return ET.fromstring(drawing.source.encode("utf-8"))


def nine_weight_scene() -> Scene:
    graph = nine_weight_graph(*default_nine_weight_point())
    graph.loss.backward()
    return build_scene(graph.loss, legend=True, title="nine weights")


PREFIX = re.compile(r"^tl[0-9a-f]{10}-(\d+-)?")  # every id of a drawing starts with its prefix


def unprefixed(gid: str | None) -> str:
    assert gid is not None
    assert PREFIX.match(gid), gid
    return PREFIX.sub("", gid)


def node_groups(root: ET.Element) -> dict[str, ET.Element]:
    out = {}
    for g in root.iterfind(".//s:g", NS):
        if g.get("class", "").startswith("node"):
            out[unprefixed(g.get("id"))[len("node_") :]] = g
    return out


def test_nine_weight_svg_has_every_node_edge_and_cluster() -> None:
    scene = nine_weight_scene()
    root = parse(render_svg(scene))
    groups = node_groups(root)
    assert set(groups) == {n.id for n in scene.nodes}
    for n in scene.nodes:
        g = groups[n.id]
        texts = [t.text or "" for t in g.iterfind("s:text", NS)]
        assert texts == n.rows
        shape = g.find("s:ellipse" if n.kind == "op" else "s:rect", NS)
        assert shape is not None, n.id
        assert shape.get("fill") == n.fill
    edges = root.findall(".//s:g[@class='edge']/s:path", NS)
    assert len(edges) == len(scene.edges)
    clusters = {unprefixed(g.get("id")) for g in root.iterfind(".//s:g[@class='cluster']", NS)}
    assert clusters == {"cluster_part1", "cluster_part2", "cluster_part3"}
    all_text = [t.text for t in root.iterfind(".//s:text", NS)]
    assert "nine weights" in all_text  # title
    assert "parameter (weight or bias)" in all_text  # legend


def test_text_fits_in_the_drawn_boxes() -> None:
    scene = nine_weight_scene()
    root = parse(render_svg(scene))
    font_size = float(root.get("font-size", "0"))
    assert font_size > 0
    for n in scene.nodes:
        g = node_groups(root)[n.id]
        longest = max(len(r) for r in n.rows) * EM_ADVANCE * font_size
        if n.kind == "op":
            e = g.find("s:ellipse", NS)
            assert e is not None
            rx, ry = float(e.get("rx", "0")), float(e.get("ry", "0"))
            assert (longest / 2 / rx) ** 2 + (0.6 * font_size / ry) ** 2 <= 1.0, n.rows
        else:
            r = g.find("s:rect", NS)
            assert r is not None
            assert longest < float(r.get("width", "0")), n.rows
            assert len(n.rows) * font_size * 1.2 < float(r.get("height", "0")), n.rows


def test_duplicate_edges_are_two_distinct_curves() -> None:
    a = Value(3.0, label="a")
    b = a * a
    b.backward()
    root = parse(render_svg(build_scene(b)))
    paths = [p.get("d") for p in root.findall(".//s:g[@class='edge']/s:path", NS)]
    assert len(paths) == 3
    assert len(set(paths)) == 3


def test_text_is_escaped_for_xml() -> None:
    nasty = '<b>&"it\'s"</b> \x01 ]]>'
    scene = Scene(
        nodes=[
            SceneNode("a<1>", "value", "input", [nasty, "data 1"], "#ffffff", "p&q", nasty),
            SceneNode("op", "op", "op", ["<"], "#f5f5f5", "p&q"),
        ],
        edges=[SceneEdge("a<1>", "op", 0, label="&<>")],
        clusters=[SceneCluster("p&q", "<part & parcel>")],
        title="a < b & c",
    )
    root = parse(render_svg(scene))
    texts = [t.text for t in root.iterfind(".//s:text", NS)]
    assert nasty.replace("\x01", "?") in texts
    assert "<part & parcel>" in texts
    assert "&<>" in texts
    assert "a < b & c" in texts
    assert "a<1>" in node_groups(root)


def test_highlight_and_borders_are_drawn() -> None:
    scene = Scene(
        nodes=[
            SceneNode("x", "value", "parameter", ["x"], "#add8e6", border="#1b7f1b"),
            SceneNode("y", "value", "output", ["y"], "#a8e6a1", highlight=True),
        ],
        edges=[SceneEdge("x", "y", highlight=True)],
    )
    root = parse(render_svg(scene))
    groups = node_groups(root)
    x_rect, y_rect = groups["x"].find("s:rect", NS), groups["y"].find("s:rect", NS)
    assert x_rect is not None
    assert y_rect is not None
    assert x_rect.get("stroke") == "#1b7f1b"
    assert y_rect.get("stroke") == "#d62728"
    edge = root.find(".//s:g[@class='edge highlight']/s:path", NS)
    assert edge is not None
    assert edge.get("stroke") == "#d62728"
    head = root.find(".//s:g[@class='edge highlight']/s:polygon", NS)
    assert head is not None  # the arrowhead: a triangle of the edge's colour
    assert head.get("fill") == "#d62728"


def test_save_writes_the_format_of_the_suffix_and_nothing_else(tmp_path: Path) -> None:
    drawing = render_svg(nine_weight_scene())
    out = drawing.save(tmp_path / "graph.svg")
    assert Path(out).read_text(encoding="utf-8") == drawing.source
    ET.parse(out)
    if shutil.which("rsvg-convert") or importlib.util.find_spec("cairosvg"):
        drawing.save(tmp_path / "graph.png")
        assert (tmp_path / "graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        drawing.render(tmp_path / "graph.pdf")
        assert (tmp_path / "graph.pdf").read_bytes()[:5] == b"%PDF-"
    drawing.save(tmp_path / "graph.gv")
    assert (
        (tmp_path / "graph.gv").read_text(encoding="utf-8").startswith('digraph "nine weights" {')
    )
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot, \.gv"):
        drawing.save(tmp_path / "graph.txt")
    with pytest.raises(ValueError, match=r"ends in \.png"):
        drawing.save(tmp_path / "graph.png", format="svg")
    made = {"graph.svg", "graph.gv"} | (
        {"graph.png", "graph.pdf"} if (tmp_path / "graph.png").exists() else set()
    )
    assert {p.name for p in tmp_path.iterdir()} == made


def test_png_without_a_rasteriser_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    for module in ("cairosvg", "resvg_py", "svglib.svglib"):
        monkeypatch.setitem(sys.modules, module, None)
    drawing = render_svg(build_scene(Value(2.0, label="x") * 3))
    for suffix in ("png", "pdf"):
        with pytest.raises(RasteriserNotFound, match=r"tinygrad_lite\[render\].*rsvg-convert"):
            drawing.save(tmp_path / f"x.{suffix}")
        assert not (tmp_path / f"x.{suffix}").exists()


def test_notebook_representation_and_positions() -> None:
    scene = nine_weight_scene()
    drawing = render_svg(scene)
    assert drawing._repr_svg_() == drawing.source
    assert set(drawing.positions) == {n.id for n in scene.nodes}
    width = float(parse(drawing).get("width", "0"))
    assert all(0 < x < width for x, _ in drawing.positions.values())
    assert re.match(r"SvgDrawing\(\d+ nodes", repr(drawing))


def test_render_svg_refuses_a_non_scene() -> None:
    with pytest.raises(TypeError, match="needs a Scene, got Value"):
        render_svg(Value(1.0))  # type: ignore[arg-type]


def test_draw_with_the_builtin_engine() -> None:
    from tinygrad_lite import viz

    graph = nine_weight_graph(*default_nine_weight_point())
    drawing = viz.draw(graph.loss, engine="builtin")
    assert isinstance(drawing, SvgDrawing)
    assert len(node_groups(parse(drawing))) == len(build_scene(graph.loss).nodes)


def ids_and_references(source: str) -> tuple[list[str], set[str]]:
    root = ET.fromstring(source.encode("utf-8"))
    ids = [el.get("id", "") for el in root.iter() if el.get("id") is not None]
    refs = set(re.findall(r"url\(#([^)]+)\)", source))
    return ids, refs


def test_ids_are_unique_per_drawing_and_stable() -> None:
    """Two drawings on one page (a notebook, the step-through HTML) share no id."""
    first = render_svg(nine_weight_scene())
    second = render_svg(build_scene(Value(2.0, label="x") * 3))
    ids1, refs1 = ids_and_references(first.source)
    ids2, refs2 = ids_and_references(second.source)
    assert len(set(ids1)) == len(ids1)
    assert refs1 <= set(ids1)  # any reference is to an id of the same document
    assert refs2 <= set(ids2)
    assert not set(ids1) & set(ids2)
    assert render_svg(nine_weight_scene()).source == first.source  # same scene, same text


def test_each_notebook_display_after_the_first_gets_fresh_ids() -> None:
    drawing = render_svg(nine_weight_scene())
    shown = [drawing._repr_svg_() for _ in range(3)]
    assert shown[0] == drawing.source
    id_sets = [set(ids_and_references(s)[0]) for s in shown]
    assert not id_sets[0] & id_sets[1]
    assert not id_sets[1] & id_sets[2]
    for s in shown[1:]:
        ids, refs = ids_and_references(s)
        assert refs <= set(ids)
        assert len(node_groups(ET.fromstring(s.encode("utf-8")))) == len(drawing.layout.nodes)
