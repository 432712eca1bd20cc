"""What the `tinygrad-lite` command and the demo share at the terminal's edge.

Two jobs sit here so that neither the command nor the demo has to import the other:
writing a picture to the file a person named, in the format its suffix asks for, with
whichever drawing engine this machine has; and ending quietly when the reader of the
output goes away (``tinygrad-lite explain ... | head``).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

from tinygrad_lite import viz
from tinygrad_lite.autograd import Node

__all__ = ["PICTURE_FORMATS", "picture_format", "quiet_broken_pipe", "save_picture"]

#: The file suffixes a picture can be saved under (without the dot).
PICTURE_FORMATS = ("svg", "png", "pdf", "dot", "gv")

#: The engines `save_picture` tries, in order, by the name it reports.
DOT, PYGRAPHVIZ, BUILTIN, SOURCE = (
    "Graphviz (the dot program)",
    "Graphviz (pygraphviz)",
    "the built-in layout",
    "DOT source, no layout",
)


def picture_format(path: str | os.PathLike[str]) -> str:
    """The format a picture file's suffix names: ``"g.SVG"`` -> ``"svg"``.

    Raises:
        ValueError: the suffix is none of `PICTURE_FORMATS`.
    """
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in PICTURE_FORMATS:
        raise ValueError(
            f"cannot tell the format of {os.fspath(path)!r}: the file name must end in "
            + ", ".join("." + f for f in PICTURE_FORMATS)
        )
    return fmt


def _pygraphviz() -> Any:
    """The pygraphviz module (Graphviz's layout inside Python), or None when not installed."""
    try:
        return importlib.import_module("pygraphviz")
    except ImportError:
        return None


def save_picture(root: Node, path: str | os.PathLike[str], **options: Any) -> str:
    """Draw the graph behind `root` into `path`, in the format its suffix names.

    The engines are tried in order: the Graphviz `dot` program, then pygraphviz (the same
    Graphviz layout from a pip wheel: the ``layout`` extra), then the built-in layout,
    which writes SVG only. A ``.dot``/``.gv`` file gets the DOT source, which needs no
    engine. Exactly one file is written, at exactly `path`.

    Args:
        root: the output node of the graph.
        path: where to write; its suffix picks the format.
        options: drawing options for `tinygrad_lite.viz.build_scene`.

    Returns:
        The name of the engine that drew the picture, for a person to read.

    Raises:
        ValueError: the suffix names no known format.
        GraphvizNotFound: PNG or PDF was asked for and neither `dot` nor pygraphviz is
            installed.
        OSError: the file could not be written.
    """
    fmt = picture_format(path)
    target = Path(path)
    scene = viz.build_scene(root, **options)
    if fmt in ("dot", "gv"):
        target.write_text(viz.scene_to_dot(scene).source, encoding="utf-8")
        return SOURCE
    if viz.dot_available():
        target.write_bytes(viz.scene_to_dot(scene).pipe(format=fmt))
        return DOT
    pygraphviz = _pygraphviz()
    if pygraphviz is not None:
        graph = pygraphviz.AGraph(string=viz.scene_to_dot(scene).source)
        target.write_bytes(graph.draw(format=fmt, prog="dot"))
        return PYGRAPHVIZ
    if fmt == "svg":
        builtin = importlib.import_module("tinygrad_lite.svg")
        target.write_text(builtin.render_svg(scene).source, encoding="utf-8")
        return BUILTIN
    raise viz.GraphvizNotFound(
        f"writing .{fmt} needs Graphviz; pip install 'tinygrad_lite[layout]' brings it "
        "without a system package, and a .svg is drawn by the built-in layout without either"
    )


def quiet_broken_pipe() -> None:
    """The reader of our output went away (``| head``): stop without a traceback.

    Python would try to flush stdout again at exit and report the broken pipe there, so
    stdout is pointed at the null device first, as the Python documentation advises.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a real file (a test's capture): nothing will be flushed
