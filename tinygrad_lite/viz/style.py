"""The colours and marks of a picture, shared by both backends and explained by the legend.

Fills tell roles apart (parameters light blue, inputs warm, constants grey, the output
green). A gradient check is told by the box's outline, a thick dark green or red border
over a pale fill, so that "check ok" never looks like the output's green. A highlighted
path is red: outlines and arrows.
"""

from __future__ import annotations

__all__ = ["BORDER", "CHECK_BORDERS", "COLOURS", "HIGHLIGHT", "ROLE_TEXT"]

#: Fill colour per role. Parameters light blue, inputs and constants warm, output green.
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

#: The usual outline of a box.
BORDER = "#000000"
#: Outline of a checked parameter: agrees, disagrees.
CHECK_BORDERS = {"check ok": "#1b7f1b", "check failed": "#c00000"}
#: Outline and arrow colour of a highlighted path (and of the current step).
HIGHLIGHT = "#d62728"

#: What each role means, as the legend says it.
ROLE_TEXT: dict[str, str] = {
    "parameter": "parameter (needs grad)",
    "input": "input (no grad)",
    "constant": "constant in the formula",
    "intermediate": "computed value",
    "output": "output",
    "summary": "collapsed part",
}
