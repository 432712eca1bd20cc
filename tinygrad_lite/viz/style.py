"""The colours and marks of a picture, and the `Style` that sizes it for a page or a slide.

Fills tell roles apart (parameters light blue, inputs warm, constants grey, the output
green). A gradient check is told by the box's outline, a thick dark green or red border
over a pale fill, so that "check ok" never looks like the output's green. A highlighted
path is red: outlines and arrows.

A `Style` is everything about how a picture looks that is not what it shows: the size of
its text (box text, op symbols and edge labels together), how many decimals its numbers
have, its colours, the room between boxes, and the page it is meant for (a 16:9 slide,
or so many inches at a dpi). Both engines read it from `Scene.style`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "BORDER",
    "CHECK_BORDERS",
    "COLOURS",
    "HIGHLIGHT",
    "ROLES",
    "ROLE_TEXT",
    "STYLES",
    "Style",
    "parse_size",
    "style_from",
]

COLOURS: dict[str, str] = {
    "parameter": "#add8e6",
    "input": "#fff2b3",
    "constant": "#ececec",
    "output": "#a8e6a1",
    "intermediate": "#ffffff",
    "op": "#f5f5f5",
    "summary": "#ffd9a8",
    "check ok": "#e3f4fb",
    "check failed": "#ffd6d6",
}
"""Fill colour per role. Parameters light blue, inputs and constants warm, output green."""

BORDER = "#000000"
"""The usual outline of a box."""
CHECK_BORDERS = {"check ok": "#1b7f1b", "check failed": "#c00000"}
"""Outline of a checked parameter: agrees, disagrees."""
HIGHLIGHT = "#d62728"
"""Outline and arrow colour of a highlighted path (and of the current step)."""

ROLES = ("parameter", "input", "constant", "intermediate", "output")
"""The roles a value box can have (`build_scene(roles=...)` sets them by hand)."""

ROLE_TEXT: dict[str, str] = {
    "parameter": "parameter (weight or bias)",
    "input": "input (data)",
    "constant": "constant in the formula",
    "intermediate": "computed value",
    "output": "output",
    "summary": "collapsed part",
}
"""What each role means, as the legend says it."""

_HEX = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class Style:
    """How a picture looks: text size, decimals, colours, spacing and the target page.

    Attributes:
        font_scale: every text of the picture times this (box text, op symbols, edge
            labels, cluster captions and the legend together); boxes grow with it.
        digits: decimals of every number shown (data, grad, edge labels).
        colours: fill colour per role, over `COLOURS` (e.g. ``{"input": "#ffe0e0"}``).
        spacing: the room between layers and between boxes, times this.
        size: the canvas as (width, height) in inches: the picture is fitted into it and
            centred (Graphviz spreads its layout to fill it). None: the picture's own size.
        aspect: width / height of the canvas when `size` is None (16/9 for a slide);
            the picture is padded to it.
        dpi: pixels per inch of a PNG (96 draws one pixel per SVG pixel).

    Examples:
        >>> Style.slide().pixels((100.0, 50.0))
        (1920, 1080)
    """

    font_scale: float = 1.0
    digits: int = 4
    colours: Mapping[str, str] = field(default_factory=dict)
    spacing: float = 1.0
    size: tuple[float, float] | None = None
    aspect: float | None = None
    dpi: float = 96.0

    def __post_init__(self) -> None:
        for name in ("font_scale", "spacing", "dpi"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"Style {name} must be a positive number, got {value!r}")
        if isinstance(self.digits, bool) or not isinstance(self.digits, int):
            raise ValueError(f"Style digits must be an int from 0 to 12, got {self.digits!r}")
        if not 0 <= self.digits <= 12:
            raise ValueError(f"Style digits must be an int from 0 to 12, got {self.digits!r}")
        for role, colour in self.colours.items():
            if role not in COLOURS:
                raise ValueError(
                    f"Style colours: unknown role {role!r}; roles are {', '.join(COLOURS)}"
                )
            if not isinstance(colour, str) or not _HEX.fullmatch(colour):
                raise ValueError(f"Style colours[{role!r}] must be '#rrggbb', got {colour!r}")
        if self.size is not None:
            w, h = self.size
            if not (w > 0 and h > 0):
                raise ValueError(f"Style size must be (width, height) in inches > 0, got {w}, {h}")
        if self.aspect is not None and not self.aspect > 0:
            raise ValueError(f"Style aspect must be a positive width/height, got {self.aspect!r}")

    def colour(self, role: str) -> str:
        """The fill of `role`: this style's colour, else the default one."""
        return self.colours.get(role, COLOURS[role])

    @property
    def target_aspect(self) -> float | None:
        """Width / height of the canvas the picture must fit, or None (its own shape)."""
        if self.size is not None:
            return self.size[0] / self.size[1]
        return self.aspect

    def pixels(self, natural: tuple[float, float]) -> tuple[int, int]:
        """The pixel size of a PNG of a picture whose own size is `natural` (SVG pixels,
        96 to the inch): the canvas at `dpi`."""
        if self.size is not None:
            w_in, h_in = self.size
        else:
            w_in, h_in = natural[0] / 96.0, natural[1] / 96.0
            if self.aspect is not None:
                w_in, h_in = max(w_in, h_in * self.aspect), max(h_in, w_in / self.aspect)
        return max(1, round(w_in * self.dpi)), max(1, round(h_in * self.dpi))

    def with_(self, **changes: Any) -> Style:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @classmethod
    def slide(cls, **changes: Any) -> Style:
        """A 16:9 slide, 13.33 x 7.5 inches at 144 dpi (1920 x 1080 pixels): larger
        text, tighter spacing, three decimals."""
        base = cls(font_scale=2.0, digits=3, spacing=0.3, size=(40 / 3, 7.5), dpi=144.0)
        return replace(base, **changes)

    @classmethod
    def print(cls, **changes: Any) -> Style:
        """A figure for a printed page: 6.5 inches wide (a text column with margins),
        at most 9 tall, 300 dpi, four decimals."""
        base = cls(font_scale=1.2, spacing=0.6, size=(6.5, 4.5), dpi=300.0)
        return replace(base, **changes)


STYLES: dict[str, Style] = {"default": Style(), "slide": Style.slide(), "print": Style.print()}
"""Ready-made styles by name: `draw_dot(root, style="slide")`."""


def style_from(style: Style | str | None) -> Style:
    """A `Style` from a Style, the name of one in `STYLES`, or None (the default).

    Raises:
        ValueError: an unknown name. TypeError: anything else.
    """
    if style is None:
        return STYLES["default"]
    if isinstance(style, Style):
        return style
    if isinstance(style, str):
        if style not in STYLES:
            raise ValueError(f"unknown style {style!r}; the named styles are {', '.join(STYLES)}")
        return STYLES[style]
    raise TypeError(f"style must be a Style or a name ({', '.join(STYLES)}), got {style!r}")


def parse_size(text: str, dpi: float = 96.0) -> tuple[tuple[float, float] | None, float | None]:
    """A size as written on a command line: ``16:9`` (an aspect), ``13.33x7.5`` (inches)
    or ``1920x1080px`` (pixels at `dpi`). Returns (size in inches or None, aspect or None).

    Raises:
        ValueError: the text is none of these.
    """
    t = text.strip().lower().replace(" ", "")
    if m := re.fullmatch(r"(\d+(?:\.\d*)?):(\d+(?:\.\d*)?)", t):
        w, h = float(m.group(1)), float(m.group(2))
        if w > 0 and h > 0:
            return None, w / h
    if m := re.fullmatch(r"(\d+(?:\.\d*)?)x(\d+(?:\.\d*)?)(px|in)?", t):
        w, h = float(m.group(1)), float(m.group(2))
        if w > 0 and h > 0:
            return ((w / dpi, h / dpi) if m.group(3) == "px" else (w, h)), None
    raise ValueError(
        f"cannot read the size {text!r}: write an aspect such as 16:9, inches such as "
        "13.33x7.5, or pixels such as 1920x1080px"
    )
