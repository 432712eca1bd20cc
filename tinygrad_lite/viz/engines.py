"""Which engine lays a picture out: the `dot` program, pygraphviz, or the built-in layout.

Graphviz draws best, and there are two ways to reach it: the `dot` program (a system
package) and the `pygraphviz` wheel (`pip install "tinygrad_lite[layout]"`), which carries
Graphviz's layout inside the Python process on Linux, macOS and Windows and needs no
system package. `graphviz_engine()` picks the first available, in that order; when
neither is there, pictures are laid out by the built-in engine (`tinygrad_lite.viz.layout`),
so everything that draws still draws.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from typing import Any

__all__ = [
    "ENGINES",
    "INSTALL_HELP",
    "GraphvizNotFound",
    "dot_available",
    "graphviz_engine",
    "pygraphviz_available",
    "run_graphviz",
]

ENGINES = ("auto", "graphviz", "dot", "pygraphviz", "builtin")
"""Every engine name `draw(engine=...)` accepts: "auto" picks the first available of "dot",
"pygraphviz", "builtin"; "graphviz" is "dot" or else "pygraphviz".
"""

INSTALL_HELP = """\
Graphviz was not found: neither the 'dot' program nor the pygraphviz package is installed,
so this needs the built-in engine instead (draw(..., engine="builtin")) or Graphviz:
  any system:     pip install "tinygrad_lite[layout]"   (pygraphviz: Graphviz in-process)
  Debian/Ubuntu:  sudo apt-get install graphviz
  macOS:          brew install graphviz
  Windows:        winget install graphviz   (or: choco install graphviz),
                  then add C:\\Program Files\\Graphviz\\bin to PATH
  conda:          conda install -c conda-forge graphviz
(pip install graphviz only installs the Python wrapper, not the program.)"""
"""What to install when a picture needs Graphviz and neither engine is there."""


class GraphvizNotFound(RuntimeError):
    """Graphviz (the `dot` program or pygraphviz) is needed for this, and neither is there."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(INSTALL_HELP + (f"\n({detail})" if detail else ""))


def dot_available() -> bool:
    """Whether the Graphviz `dot` program is on PATH."""
    return shutil.which("dot") is not None


def _pygraphviz() -> Any:
    """The pygraphviz module, or None when it cannot be imported."""
    try:
        return importlib.import_module("pygraphviz")
    except ImportError:
        return None


def pygraphviz_available() -> bool:
    """Whether pygraphviz (Graphviz inside the Python process) can be imported."""
    return _pygraphviz() is not None


def graphviz_engine(prefer: str = "graphviz") -> str | None:
    """The Graphviz engine to use: "dot", "pygraphviz", or None when neither is there.

    Args:
        prefer: "graphviz" (the program, else pygraphviz), "dot" or "pygraphviz" (only
            that one).
    """
    if prefer in ("graphviz", "dot") and dot_available():
        return "dot"
    if prefer in ("graphviz", "pygraphviz") and pygraphviz_available():
        return "pygraphviz"
    return None


def run_graphviz(
    source: str, fmt: str, engine: str = "graphviz", dpi: float | None = None
) -> bytes:
    """Lay out DOT `source` with Graphviz and return it in format `fmt` (svg, png, pdf, json).

    `dpi` sets the resolution of a bitmap (png): pixels per inch of the drawing.

    Raises:
        GraphvizNotFound: neither the program nor pygraphviz is available (or the one
            asked for is missing).
        RuntimeError: Graphviz refused the source.
    """
    chosen = graphviz_engine(engine)
    if chosen == "dot":
        extra = [f"-Gdpi={dpi:g}"] if dpi else []
        done = subprocess.run(
            ["dot", f"-T{fmt}", *extra],
            input=source.encode("utf-8"),
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"Graphviz dot failed: {done.stderr.decode(errors='replace')}")
        return done.stdout
    if chosen == "pygraphviz":
        pgv = _pygraphviz()
        graph = pgv.AGraph(string=source)
        if dpi:
            graph.graph_attr["dpi"] = f"{dpi:g}"
        data: bytes = graph.draw(format=fmt, prog="dot")
        return data
    raise GraphvizNotFound(f"needed to lay out the picture as {fmt} with engine {engine!r}")
