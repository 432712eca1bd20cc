"""What the `tinygrad-lite` command and the demo share at the terminal's edge.

Two jobs sit here so that neither the command nor the demo has to import the other:
writing a picture to the file a person named, in the format its suffix asks for, with
whichever drawing engine this machine has; and ending quietly when the reader of the
output goes away (``tinygrad-lite explain ... | head``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from tinygrad_lite import viz
from tinygrad_lite.autograd import Node
from tinygrad_lite.viz.output import RasteriserNotFound, picture_format

__all__ = ["CANNOT_DRAW", "quiet_broken_pipe", "save_picture"]

#: What `save_picture` raises when no installed engine can write the format asked for.
CANNOT_DRAW = (viz.GraphvizNotFound, RasteriserNotFound)

#: The engines by the name `Picture.drawn_by` gives them, as a person reads them.
ENGINE_NAMES = {
    "dot": "Graphviz (the dot program)",
    "pygraphviz": "Graphviz (pygraphviz)",
    "builtin": "the built-in layout",
}


def save_picture(root: Node, path: str | os.PathLike[str], **options: Any) -> str:
    """Draw the graph behind `root` into `path`, in the format its suffix names.

    The picture is laid out by the first engine installed: the Graphviz `dot` program,
    pygraphviz (the ``layout`` extra), or the built-in layout (`tinygrad_lite.viz`
    chooses); a ``.dot``/``.gv`` file gets the DOT source. Exactly one file is written,
    at exactly `path`.

    Args:
        root: the output node of the graph.
        path: where to write; its suffix picks the format.
        options: drawing options for `tinygrad_lite.viz.build_scene`.

    Returns:
        The name of the engine that drew the picture, for a person to read.

    Raises:
        ValueError: the suffix names no known format.
        GraphvizNotFound, RasteriserNotFound (`CANNOT_DRAW`): no installed engine can
            write this format.
        OSError: the file could not be written.
    """
    fmt = picture_format(path)
    picture = viz.draw_dot(root, **options)
    picture.save(path)
    if fmt in ("dot", "gv"):
        return "DOT source, no layout"
    return ENGINE_NAMES[picture.drawn_by()]


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
