"""Pictures for slides and print: the `Style`, roles, legend, names, and PNG/PDF by wheel.

The slide tests measure what a projector shows: the nine-weight picture placed on a
1920 x 1080 slide (scaled to fit, as presentation software does), and the height in
pixels of its box text, op symbols and edge labels (`tests.slide.text_heights`).
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from tests.optional import require, require_program
from tests.slide import text_heights
from tinygrad_lite import Value
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.nn import MLP
from tinygrad_lite.viz import COLOURS, Style, build_scene, draw, draw_dot
from tinygrad_lite.viz.build import PARAMETER_NAME, value_role
from tinygrad_lite.viz.output import RASTERISERS
from tinygrad_lite.viz.style import parse_size, style_from
from tinygrad_lite.viz.svg import render_svg

PNG = b"\x89PNG\r\n\x1a\n"
ENGINES = ["dot", "builtin"]


def needs_engine(engine: str) -> None:
    if engine == "dot":
        require_program("dot")


def nine_weight() -> Value:
    graph = nine_weight_graph(*default_nine_weight_point())
    graph.loss.backward()
    return graph.loss


def lecture_neuron() -> tuple[dict[str, Value], Value]:
    """The lecture's neuron: x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432, o = tanh(n)."""
    v = {
        "x1": Value(2.0, label="x1"),
        "x2": Value(0.0, label="x2"),
        "w1": Value(-3.0, label="w1"),
        "w2": Value(1.0, label="w2"),
        "b": Value(6.8813735870195432, label="b"),
    }
    n = v["x1"] * v["w1"] + v["x2"] * v["w2"] + v["b"]
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return v, o


def box(scene_nodes: list, name: str):  # type: ignore[no-untyped-def]
    return next(n for n in scene_nodes if n.name == name)


# --- roles ----------------------------------------------------------------------------


def test_the_lecture_inputs_show_their_gradient_and_weights_are_parameters() -> None:
    v, o = lecture_neuron()
    scene = build_scene(o)
    for name in ("x1", "x2"):
        node = box(scene.nodes, name)
        assert node.role == "input"
        assert node.fill == COLOURS["input"]
    assert "grad -1.5000" in box(scene.nodes, "x1").rows  # the classic slide: x1.grad = -1.5
    assert "grad 0.5000" in box(scene.nodes, "x2").rows
    for name in ("w1", "w2", "b"):
        assert box(scene.nodes, name).role == "parameter"
    assert box(scene.nodes, "o").role == "output"
    assert v["x1"].grad == pytest.approx(-1.5)  # worked by hand: w1 * (1 - tanh(n)**2)


def test_the_role_rule() -> None:
    assert PARAMETER_NAME.fullmatch("w")
    for name in ("w1", "W_out", "b", "b2", "bias", "weight", "weights.0", "theta", "param3"):
        assert PARAMETER_NAME.fullmatch(name), name
    for name in ("x1", "a", "beta", "width", "wx", "input", "y_hat"):
        assert not PARAMETER_NAME.fullmatch(name), name
    unlabelled = Value(1.0)  # a module's weight: no label
    data = Value(1.0, label="x", requires_grad=False)
    out = unlabelled * data
    assert value_role(unlabelled, out) == "parameter"
    assert value_role(data, out) == "input"
    assert value_role(out, out) == "output"
    model = MLP(2, [1], seed=0)
    loss = model([1.0, 2.0])
    roles = {n.name: n.role for n in build_scene(loss).nodes if n.kind == "value" and n.name}
    assert roles == {
        "w0": "parameter",
        "x0": "input",
        "mul1": "intermediate",
        "w1": "parameter",
        "x1": "input",
        "mul2": "intermediate",
        "b": "parameter",
        "sum1": "output",
    }


def test_roles_can_be_set_by_node_or_by_name() -> None:
    v, o = lecture_neuron()
    scene = build_scene(o, roles={v["x1"]: "parameter", "b": "input"})
    assert box(scene.nodes, "x1").role == "parameter"
    assert box(scene.nodes, "x1").fill == COLOURS["parameter"]
    assert box(scene.nodes, "b").role == "input"
    with pytest.raises(ValueError, match="'teacher' is not a role"):
        build_scene(o, roles={"b": "teacher"})
    with pytest.raises(ValueError, match="'zz' is not a node of the graph of 'o'"):
        build_scene(o, roles={"zz": "input"})
    with pytest.raises(ValueError, match="is not a node of the graph"):
        build_scene(o, roles={Value(3.0, label="elsewhere"): "input"})


def test_a_collapsed_part_counts_its_parameters_in_the_singular_and_plural() -> None:
    x = Value(1.0, label="x", requires_grad=False)
    w = Value(2.0, label="w")
    from tinygrad_lite.autograd import scope

    with scope("one"):
        h = w * x
    with scope("two"):
        z = h * Value(3.0, label="v") * Value(4.0, label="u")
    out = z + 1.0  # the output stays visible: it is outside both parts
    rows = {n.rows[0]: n.rows[1] for n in build_scene(out, depth=0).nodes if n.kind == "summary"}
    assert rows["one"] == "1 op, 1 parameter"
    assert rows["two"] == "2 ops, 0 parameters"


# --- legend, names ---------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_the_legend_lists_only_the_roles_present_beside_the_graph(engine: str) -> None:
    needs_engine(engine)
    w = Value(2.0, label="w")
    out = w * 3.0
    out.label = "out"
    scene = build_scene(out, legend=True)
    texts = [item.text for item in scene.legend]
    assert texts == [
        "parameter (weight or bias)",
        "constant in the formula",
        "output",
        "operation (symbol)",
    ]
    drawing = draw(out, engine=engine, legend=True)
    layout = drawing.layout() if engine == "dot" else drawing.layout
    svg = drawing.svg()
    assert "input (data)" not in svg
    if engine == "dot":  # the legend is a node of the graph, right of the output
        assert layout.nodes["legend"].left > max(
            r.right for k, r in layout.nodes.items() if k != "legend"
        )
    else:  # drawn right of the laid-out graph
        legend = re.search(r'<g class="legend"><rect x="([\d.]+)"', svg)
        assert legend
        assert float(legend.group(1)) >= layout.width


@pytest.mark.parametrize("engine", ENGINES)
def test_the_svg_title_is_the_pictures_title(engine: str) -> None:
    needs_engine(engine)
    _v, o = lecture_neuron()
    for options, expected in (({"title": "A neuron"}, "A neuron"), ({}, "graph of o")):
        svg = draw(o, engine=engine, **options).svg()
        titles = re.findall(r"<title>([^<]*)</title>", svg)
        assert titles[0] == expected
        assert "%3" not in svg
    assert draw_dot(o, title='say "<hi>" \\ ok').source.startswith('digraph "say \\"<hi>\\" ')


def neuron_order(engine: str, sizes: list[int], nin: int, rankdir: str) -> list[str]:
    """Where the neurons of each layer and the weights of each neuron come out of order."""
    model = MLP(nin, sizes, nonlin="tanh", seed=0)
    loss = (model([0.5, -1.0, 0.3][:nin]) - 1.0) ** 2
    drawing = draw(loss, engine=engine, rankdir=rankdir)
    layout = drawing.layout() if engine == "dot" else drawing.layout
    scene = drawing.scene
    axis = 1 if rankdir == "LR" else 0  # top to bottom, or left to right
    weights: dict[str, list[tuple[float, int]]] = {}
    for n in scene.nodes:
        if n.cluster and "/neuron" in n.cluster and re.fullmatch(r"w\d+", n.rows[0]):
            weights.setdefault(n.cluster, []).append(
                (layout.nodes[n.id].center[axis], int(n.rows[0][1:]))
            )
    wrong = []
    layers: dict[str, list[tuple[float, int]]] = {}
    for cluster, found in weights.items():
        if [k for _, k in sorted(found)] != sorted(k for _, k in found):
            wrong.append(f"weights of {cluster}")
        layer, neuron = cluster.rsplit("/", 1)
        mean = sum(at for at, _ in found) / len(found)
        layers.setdefault(layer, []).append((mean, int(neuron[len("neuron") :])))
    for layer, found in layers.items():
        if [k for _, k in sorted(found)] != sorted(k for _, k in found):
            wrong.append(f"neurons of {layer}")
    return wrong


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_neurons_and_their_weights_keep_their_order(engine: str, rankdir: str) -> None:
    """layer0/neuron0, neuron1, ... top to bottom (left to right with "TB"), and w0, w1,
    ... inside each neuron, in both engines."""
    needs_engine(engine)
    for sizes, nin in (([3, 1], 2), ([4, 4, 1], 2), ([3, 3, 1], 3), ([5, 1], 3), ([2, 2, 1], 1)):
        assert neuron_order(engine, sizes, nin, rankdir) == [], (sizes, nin)


# --- the style ------------------------------------------------------------------------


def test_styles_refuse_what_they_cannot_draw() -> None:
    with pytest.raises(ValueError, match="font_scale must be a positive number"):
        Style(font_scale=0)
    with pytest.raises(ValueError, match="digits must be an int from 0 to 12"):
        Style(digits=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown role 'weights'"):
        Style(colours={"weights": "#ff0000"})
    with pytest.raises(ValueError, match="must be '#rrggbb'"):
        Style(colours={"input": "red"})
    with pytest.raises(ValueError, match="unknown style 'poster'"):
        style_from("poster")
    assert parse_size("16:9") == (None, pytest.approx(16 / 9))
    assert parse_size("13.33x7.5") == ((13.33, 7.5), None)
    assert parse_size("1920x1080px", dpi=144) == ((pytest.approx(40 / 3), 7.5), None)
    with pytest.raises(ValueError, match="cannot read the size 'big'"):
        parse_size("big")


def test_digits_and_colours_reach_every_number_and_box() -> None:
    _v, o = lecture_neuron()
    scene = build_scene(o, edge_labels=True, style=Style(digits=2, colours={"input": "#ffe0e0"}))
    assert box(scene.nodes, "x1").rows == ["x1", "data 2.00", "grad -1.50"]
    assert box(scene.nodes, "x1").fill == "#ffe0e0"
    assert box(scene.nodes, "w1").fill == COLOURS["parameter"]
    labels = {e.label for e in scene.edges if e.label}
    assert "0.50" in labels  # 1 - tanh(n)**2 at n = 0.8814
    assert all(re.fullmatch(r"-?\d+\.\d\d", t) for t in labels), labels
    legend = build_scene(o, legend=True, style=Style(colours={"input": "#ffe0e0"})).legend
    assert next(i for i in legend if i.text == "input (data)").fill == "#ffe0e0"


@pytest.mark.parametrize("engine", ENGINES)
def test_font_scale_grows_box_text_op_symbols_and_edge_labels_together(engine: str) -> None:
    needs_engine(engine)
    loss = nine_weight()
    base = draw(loss, engine=engine, edge_labels=True)
    big = draw(loss, engine=engine, edge_labels=True, style=Style(font_scale=2.0))

    def sizes(drawing) -> dict[str, float]:  # type: ignore[no-untyped-def]
        root = ET.fromstring(drawing.svg().encode("utf-8"))
        found = {float(t.get("font-size", root.get("font-size", "0"))) for t in root.iter()}
        return {"min": min(found - {0.0}), "max": max(found)}

    assert sizes(big)["min"] == pytest.approx(2 * sizes(base)["min"])
    assert sizes(big)["max"] == pytest.approx(2 * sizes(base)["max"])
    if engine == "dot":
        source = draw_dot(loss, style=Style(font_scale=2.0)).source
        assert "fontsize=20" in source  # the op symbols: 10 at scale 1, scaled too
        assert 'fontsize="10"' not in source


@pytest.mark.parametrize("engine", ENGINES)
def test_slide_style_text_on_a_1920_by_1080_slide(engine: str) -> None:
    """The nine-weight picture on a 16:9 slide: box text at least 12 px and 1.5 times the
    default style's (measured before this style existed: 11.3 px by dot, 8.3 px by the
    built-in engine, whose picture was 2.64 wide for 1 high)."""
    needs_engine(engine)
    loss = nine_weight()
    before = text_heights(draw(loss, engine=engine).svg())
    after = text_heights(draw(loss, engine=engine, style="slide").svg())
    assert after["box"] >= 12.0, after
    assert after["box"] >= 1.5 * before["box"], (before, after)
    assert after["op"] >= 1.5 * before["op"], (before, after)
    svg = draw(loss, engine=engine, style="slide").svg()
    root = ET.fromstring(svg.encode("utf-8"))
    box_ = [float(v) for v in root.get("viewBox", "").split()]
    assert box_[2] / box_[3] == pytest.approx(16 / 9, rel=0.01)  # the slide's shape
    assert root.get("width", "").endswith(("in", "pt"))


@pytest.mark.parametrize("engine", ENGINES)
def test_slide_png_is_1920_by_1080(engine: str, tmp_path: Path) -> None:
    needs_engine(engine)
    if engine == "builtin":
        require("resvg_py")
    path = Path(draw(nine_weight(), engine=engine, style="slide").save(tmp_path / "s.png"))
    data = path.read_bytes()
    assert data[:8] == PNG
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert abs(width - 1920) <= 2  # Graphviz rounds its scale
    assert abs(height - 1080) <= 2


def test_an_aspect_pads_the_builtin_picture_to_its_shape() -> None:
    _v, o = lecture_neuron()
    for aspect in (16 / 9, 1.0, 0.5):
        drawing = render_svg(build_scene(o, style=Style(aspect=aspect)))
        w, h = drawing.canvas
        assert w / h == pytest.approx(aspect, rel=1e-6)
        assert w >= drawing.layout.width
        assert h >= drawing.layout.height
    wide = Style(size=(10.0, 2.0), dpi=50)
    assert render_svg(build_scene(o, style=wide)).pixels() == (500, 100)


def test_a_page_shape_chooses_the_direction_that_fills_it() -> None:
    chain = Value(0.5, label="x")
    for _ in range(12):
        chain = chain.tanh()
    assert build_scene(chain, style=Style(aspect=16 / 9)).rankdir == "LR"
    assert build_scene(chain, style=Style(aspect=9 / 16)).rankdir == "TB"
    assert build_scene(chain, rankdir="LR", style=Style(aspect=9 / 16)).rankdir == "LR"


# --- PNG and PDF from the built-in engine -----------------------------------------------


def converters() -> dict[str, object]:
    return dict(RASTERISERS)


@pytest.mark.parametrize(
    ("name", "fmt", "module"),
    [("resvg-py", "png", "resvg_py"), ("svglib", "pdf", "svglib"), ("rsvg-convert", "png", "")],
)
def test_each_rasteriser_draws_the_picture(name: str, fmt: str, module: str) -> None:
    if module:
        require(module)
    else:
        require_program("rsvg-convert")
    _v, o = lecture_neuron()
    drawing = render_svg(build_scene(o, style=Style(dpi=192)))
    convert = converters()[name]
    data = convert(drawing.source, fmt, drawing.pixels())  # type: ignore[operator]
    assert data is not None
    if fmt == "png":
        assert data[:8] == PNG
        width = int.from_bytes(data[16:20], "big")
        assert abs(width - drawing.canvas[0] * 2) <= 1  # 192 dpi: two pixels per SVG pixel
        pixels = _decode_png(data)
        assert (pixels < 100).any()  # text and lines
        assert (np.abs(pixels - [0xAD, 0xD8, 0xE6]).max(axis=-1) < 8).any()  # parameter fill
    else:
        assert data[:5] == b"%PDF-"
        assert b"w1" in data or b"/Font" in data


def _decode_png(data: bytes) -> np.ndarray:
    image = require("matplotlib.image")
    import io

    return np.asarray(image.imread(io.BytesIO(data), format="png"))[..., :3] * 255.0


def test_the_wheels_write_png_and_pdf_without_a_system_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("resvg_py")
    require("svglib")
    monkeypatch.setenv("PATH", str(tmp_path))  # no rsvg-convert
    monkeypatch.setitem(sys.modules, "cairosvg", None)
    _v, o = lecture_neuron()
    drawing = render_svg(build_scene(o))
    assert Path(drawing.save(tmp_path / "n.png")).read_bytes()[:8] == PNG
    assert Path(drawing.save(tmp_path / "n.pdf")).read_bytes()[:5] == b"%PDF-"
