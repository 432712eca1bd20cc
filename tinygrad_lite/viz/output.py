"""Writing a picture to a file: the format comes from the suffix, and only that file is written.

`.svg`, `.png` and `.pdf` are images; `.dot` and `.gv` are the Graphviz source. A
picture laid out by Graphviz gets its PNG and PDF from Graphviz; the built-in engine
writes SVG itself and converts it with the first available of `RASTERISERS`:

* the `rsvg-convert` program (librsvg; PNG and PDF);
* `resvg-py`, resvg's Python binding (PNG), and `svglib` with ReportLab (PDF, vector):
  wheels that need no system library, `pip install "tinygrad_lite[render]"`;
* `cairosvg` (PNG and PDF; needs the system's cairo library).

Each is one small function that returns None when it is not installed or cannot write
the format, so another is one entry more. A PNG is drawn at the pixel size asked for (the
picture's canvas at its style's dpi).
"""

from __future__ import annotations

import importlib
import io
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

__all__ = ["FORMATS", "RASTERISERS", "RasteriserNotFound", "picture_format", "rasterise"]

FORMATS = ("svg", "png", "pdf", "dot", "gv")
"""Suffixes a picture can be saved as."""


class RasteriserNotFound(RuntimeError):
    """The built-in engine was asked for PNG or PDF and no SVG rasteriser is installed."""


def picture_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The format to write `path` in: `format` if given, else the file's suffix.

    Raises:
        ValueError: the suffix (or `format`) is not one of `FORMATS`, or they disagree.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = (format or suffix).lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(
            f"cannot tell which format to write {str(path)!r} in: end the file name in "
            + ", ".join("." + f for f in FORMATS)
            + " (or pass format=)"
        )
    if format and suffix in FORMATS and suffix != fmt and {suffix, fmt} != {"dot", "gv"}:
        raise ValueError(f"{str(path)!r} ends in .{suffix} but format={format!r} was asked for")
    return fmt


Pixels = tuple[int, int] | None  #: a PNG's width and height, or None for the SVG's own


def _module(name: str) -> object | None:
    try:
        return importlib.import_module(name)
    except (ImportError, OSError):  # OSError: the package is there, its system library not
        return None


def _rsvg_convert(svg: str, fmt: str, pixels: Pixels = None) -> bytes | None:
    if shutil.which("rsvg-convert") is None:
        return None
    size = ["-w", str(pixels[0]), "-h", str(pixels[1])] if pixels and fmt == "png" else []
    done = subprocess.run(
        ["rsvg-convert", "-f", fmt, *size],
        input=svg.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"rsvg-convert failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def _resvg(svg: str, fmt: str, pixels: Pixels = None) -> bytes | None:
    resvg = _module("resvg_py")
    if resvg is None or fmt != "png":
        return None
    # the width alone: resvg keeps the picture's shape, and a height rounded apart from
    # the width would make it fit the smaller of the two
    size = {"width": pixels[0]} if pixels else {}
    data = resvg.svg_to_bytes(svg_string=svg, **size)  # type: ignore[attr-defined]
    return bytes(data)


def _svglib(svg: str, fmt: str, pixels: Pixels = None) -> bytes | None:
    svglib = _module("svglib.svglib")
    render_pdf = _module("reportlab.graphics.renderPDF")
    if svglib is None or render_pdf is None or fmt != "pdf":
        return None
    drawing = svglib.svg2rlg(io.BytesIO(svg.encode("utf-8")))  # type: ignore[attr-defined]
    if drawing is None:
        raise RuntimeError("svglib could not read the SVG")
    out = io.BytesIO()
    render_pdf.drawToFile(drawing, out)  # type: ignore[attr-defined]
    return out.getvalue()


def _cairosvg(svg: str, fmt: str, pixels: Pixels = None) -> bytes | None:
    cairosvg = _module("cairosvg")
    if cairosvg is None:
        return None
    if fmt == "png":
        size = {"output_width": pixels[0], "output_height": pixels[1]} if pixels else {}
        png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), **size)  # type: ignore[attr-defined]
        return png
    pdf: bytes = cairosvg.svg2pdf(bytestring=svg.encode("utf-8"))  # type: ignore[attr-defined]
    return pdf


RASTERISERS: list[tuple[str, Callable[[str, str, Pixels], bytes | None]]] = [
    ("rsvg-convert", _rsvg_convert),
    ("resvg-py", _resvg),
    ("svglib", _svglib),
    ("cairosvg", _cairosvg),
]
"""SVG -> PNG/PDF converters, tried in order; each returns None when it is not installed or
does not write the format asked for.
"""


def rasterise(svg: str, fmt: str, pixels: Pixels = None) -> bytes:
    """`svg` as PNG or PDF bytes, by the first rasteriser that is installed.

    Args:
        svg: the SVG text.
        fmt: "png" or "pdf".
        pixels: the PNG's width and height; None draws one pixel per SVG pixel.

    Raises:
        RasteriserNotFound: none is installed; the message says what to install.
    """
    for _, convert in RASTERISERS:
        data = convert(svg, fmt, pixels)
        if data is not None:
            return data
    raise RasteriserNotFound(
        f"the built-in engine writes .svg and .dot itself; for .{fmt} it needs an SVG "
        'rasteriser and none is installed. Install the wheels: pip install "tinygrad_lite'
        '[render]" (resvg-py for PNG, svglib for PDF), or the rsvg-convert program '
        "(sudo apt-get install librsvg2-bin, brew install librsvg); or draw with Graphviz "
        '(pip install "tinygrad_lite[layout]")'
    )


def write_file(path: str | os.PathLike[str], data: bytes) -> str:
    """Write `data` to exactly `path` (and nothing else); returns the path as a string."""
    target = Path(path)
    target.write_bytes(data)
    return str(target)
