"""Writing a picture to a file: the format comes from the suffix, and only that file is written.

`.svg`, `.png` and `.pdf` are images; `.dot` and `.gv` are the Graphviz source. A
picture laid out by Graphviz gets its PNG and PDF from Graphviz; the built-in engine
writes SVG itself and turns it into PNG or PDF with a rasteriser, the first available of
`RASTERISERS` (the `rsvg-convert` program, or the `cairosvg` package). Each rasteriser is
one small function, so another (a wheel that needs no system library) is one entry more.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

__all__ = ["FORMATS", "RASTERISERS", "RasteriserNotFound", "picture_format", "rasterise"]

#: Suffixes a picture can be saved as.
FORMATS = ("svg", "png", "pdf", "dot", "gv")


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


def _rsvg_convert(svg: str, fmt: str) -> bytes | None:
    if shutil.which("rsvg-convert") is None:
        return None
    done = subprocess.run(
        ["rsvg-convert", "-f", fmt], input=svg.encode("utf-8"), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"rsvg-convert failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def _cairosvg(svg: str, fmt: str) -> bytes | None:
    try:
        cairosvg = importlib.import_module("cairosvg")
    except (ImportError, OSError):  # OSError: the package is there, the cairo library not
        return None
    convert = cairosvg.svg2png if fmt == "png" else cairosvg.svg2pdf
    data: bytes = convert(bytestring=svg.encode("utf-8"))
    return data


#: SVG -> PNG/PDF converters, tried in order; each returns None when it is not installed.
RASTERISERS: list[tuple[str, Callable[[str, str], bytes | None]]] = [
    ("rsvg-convert", _rsvg_convert),
    ("cairosvg", _cairosvg),
]


def rasterise(svg: str, fmt: str) -> bytes:
    """`svg` as PNG or PDF bytes, by the first rasteriser that is installed.

    Raises:
        RasteriserNotFound: none is installed; the message says what to install.
    """
    for _, convert in RASTERISERS:
        data = convert(svg, fmt)
        if data is not None:
            return data
    raise RasteriserNotFound(
        f"the built-in engine writes .svg and .dot itself; for .{fmt} it needs an SVG "
        "rasteriser and none is installed. Install one of: the rsvg-convert program "
        "(sudo apt-get install librsvg2-bin, brew install librsvg), or "
        '`pip install cairosvg`; or draw with Graphviz (pip install "tinygrad_lite[layout]")'
    )


def write_file(path: str | os.PathLike[str], data: bytes) -> str:
    """Write `data` to exactly `path` (and nothing else); returns the path as a string."""
    target = Path(path)
    target.write_bytes(data)
    return str(target)
