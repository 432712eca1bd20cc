"""`draw_dot` and `draw`: a graph as a picture that shows, saves and renders anywhere.

`draw_dot(root)` returns a `Picture`, a `graphviz.Digraph` holding the DOT source and
the `Scene` it came from. It is laid out by the first engine available: the `dot`
program, pygraphviz, or the built-in layout, so a notebook shows it and `save`/`render`
write it whether or not Graphviz is installed. `draw(root)` returns the Picture when
Graphviz is available and the built-in engine's `SvgDrawing` otherwise.

Both kinds of drawing save to the format their file's suffix names (`.svg`, `.png`,
`.pdf`, `.dot`, `.gv`) and write exactly that one file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from tinygrad_lite.autograd import Node
from tinygrad_lite.viz.build import build_scene
from tinygrad_lite.viz.dot import fill_digraph, graph_name
from tinygrad_lite.viz.engines import ENGINES, GraphvizNotFound, graphviz_engine, run_graphviz
from tinygrad_lite.viz.geometry import graphviz_layout
from tinygrad_lite.viz.layout import Layout
from tinygrad_lite.viz.output import picture_format, write_file
from tinygrad_lite.viz.scene import Scene
from tinygrad_lite.viz.svg import SvgDrawing, render_svg

__all__ = ["Picture", "draw", "draw_dot", "render", "scene_to_dot"]


class Picture(graphviz.Digraph):  # type: ignore[misc]
    """A `graphviz.Digraph` of a graph that draws with Graphviz, or without it.

    `.source` is the DOT text; `.scene` what it shows. Rendering uses the `dot` program,
    else pygraphviz, else (for engine "auto") the built-in layout engine.

    Attributes:
        scene: the `Scene` the DOT source was written from.
        backend: "auto" (any engine), "graphviz" (dot or pygraphviz), "dot" or "pygraphviz".
    """

    def __init__(self, scene: Scene | None = None, backend: str = "auto", **kwargs: Any) -> None:
        if scene is not None:
            kwargs.setdefault("name", graph_name(scene))  # the SVG's <title>, not "%3"
        super().__init__(**kwargs)  # graphviz makes subgraphs with its own keywords
        self.scene = scene if scene is not None else Scene()
        self.backend = backend
        if scene is not None:
            fill_digraph(self, scene)

    def drawn_by(self) -> str:
        """The engine that lays this picture out here: "dot", "pygraphviz" or "builtin".

        Raises:
            GraphvizNotFound: a Graphviz engine was asked for and is not installed.
        """
        found = graphviz_engine("graphviz" if self.backend == "auto" else self.backend)
        if found is not None:
            return found
        if self.backend == "auto":
            return "builtin"
        raise GraphvizNotFound(f"engine={self.backend!r} was asked for")

    def builtin(self) -> SvgDrawing:
        """The same scene drawn by the built-in layout engine."""
        return render_svg(self.scene)

    def pipe(self, format: str | None = None, *args: Any, **kwargs: Any) -> Any:
        """The picture as bytes in `format` (svg, png, pdf, json, ...), or str with encoding=.

        Without Graphviz (engine "auto"), svg, png and pdf come from the built-in engine.
        """
        fmt = format or self.format or "svg"
        encoding = kwargs.get("encoding")
        by = self.drawn_by()
        if by == "builtin":
            if fmt not in ("svg", "png", "pdf"):
                raise GraphvizNotFound(f"needed for format {fmt!r}")
            data = self.builtin().image_bytes(fmt)
        else:
            dpi = self.scene.style.dpi if fmt == "png" else None
            data = run_graphviz(self.source, fmt, by, dpi=dpi)
        return data.decode(encoding) if encoding else data

    def svg(self) -> str:
        """The picture as SVG text, from whichever engine is available."""
        return str(self.pipe(format="svg", encoding="utf-8"))

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **_: Any
    ) -> dict[str, Any]:
        """What a notebook shows: the SVG, by Graphviz or the built-in engine."""
        return {"image/svg+xml": self.svg()}

    def save(self, filename: str | os.PathLike[str], directory: Any = None) -> str:  # type: ignore[override]
        """Write the picture to `filename` in the format its suffix names; returns the path.

        `.dot`/`.gv` write the DOT source; `.svg`, `.png` and `.pdf` the image. Exactly
        one file is written.
        """
        return self.render(filename, directory)

    def render(  # type: ignore[override]
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = True,
        format: str | None = None,
        **_: Any,
    ) -> str:
        """Write the picture to `directory/filename` and return the path written.

        The format is `format` if given, else the file name's suffix. For compatibility
        with `graphviz.Digraph.render`, a name without a suffix gets `".<format>"` appended.
        Unlike Graphviz's own render, nothing else is written (no DOT file beside the image).
        """
        if filename is None:
            raise ValueError("render needs a file name, such as 'graph.svg'")
        path = Path(directory or "") / Path(filename)
        if format is not None and not path.suffix:
            path = path.with_name(f"{path.name}.{format.lower()}")
        fmt = picture_format(path, format)
        if fmt in ("dot", "gv"):
            return write_file(path, self.source.encode("utf-8"))
        return write_file(path, self.pipe(format=fmt))

    def layout(self) -> Layout:
        """Where every node, cluster and edge goes, by the engine that draws here."""
        by = self.drawn_by()
        if by == "builtin":
            return self.builtin().layout
        return graphviz_layout(self.scene, self.source, by)


def scene_to_dot(scene: Scene, backend: str = "auto") -> Picture:
    """The Graphviz description of a Scene (clusters nested as the scope paths say)."""
    return Picture(scene, backend)


def draw_dot(
    root: Node, rankdir: str | None = None, show_grad: bool = True, **options: Any
) -> Picture:
    """A `graphviz.Digraph` of the graph that produced `root` (see `build_scene` for options).

    It shows in a notebook and saves with or without Graphviz installed.

    Examples:
        >>> from tinygrad_lite import Value
        >>> a = Value(2.0, label="a")
        >>> dot = draw_dot(a * a)
        >>> dot.source.count("->")
        3
    """
    return Picture(build_scene(root, rankdir=rankdir, show_grad=show_grad, **options))


def draw(root: Node, engine: str = "auto", **options: Any) -> Picture | SvgDrawing:
    """Draw with Graphviz when it is available, else with the built-in layout engine.

    Args:
        root: the output node.
        engine: "auto" (the `dot` program, else pygraphviz, else built-in), "graphviz"
            (dot or pygraphviz), "dot", "pygraphviz" or "builtin".
        options: as `build_scene`.

    Returns:
        A `Picture` (Graphviz) or an `SvgDrawing` (built-in); both show in a notebook and
        save by suffix.

    Raises:
        GraphvizNotFound: a Graphviz engine was named and is not installed.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    scene = build_scene(root, **options)
    if engine == "builtin" or (engine == "auto" and graphviz_engine() is None):
        return render_svg(scene)
    picture = Picture(scene, "graphviz" if engine == "auto" else engine)
    picture.drawn_by()  # a Graphviz engine asked for by name must be there
    return picture


def render(
    drawing: Picture | SvgDrawing, path: str | os.PathLike[str], format: str | None = None
) -> str:
    """Write a drawing to `path` (format from the suffix unless given); returns the path."""
    if isinstance(drawing, Picture):
        return drawing.render(path, format=format)
    if isinstance(drawing, SvgDrawing):
        return drawing.save(path, format)
    if isinstance(drawing, graphviz.Digraph):  # a Digraph built by hand
        fmt = picture_format(path, format)
        if fmt in ("dot", "gv"):
            return write_file(path, drawing.source.encode("utf-8"))
        return write_file(path, run_graphviz(drawing.source, fmt))
    raise TypeError(f"render needs a drawing from draw or draw_dot, got {type(drawing).__name__}")
