"""The graph's names and numbers as LaTeX, for handouts (`Explanation.to_latex`).

A node's name is whatever its label is (``y_hat``, ``t*t+w6``, ``layer0/w#2``), so it is
set in typewriter type with every character LaTeX treats specially escaped; numbers are
written as plain decimals or ``\\times 10^{k}``. The fragments need only the ``amsmath``
package; `document` wraps them into a whole file.
"""

from __future__ import annotations

import math

__all__ = ["code", "document", "escape", "name", "number", "partial", "total"]

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "#": r"\#",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "∂": r"$\partial$",
}


def escape(text: str) -> str:
    """`text` as LaTeX text: every special character escaped.

    Examples:
        >>> escape("y_hat & 50%")
        'y\\\\_hat \\\\& 50\\\\%'
    """
    return "".join(_SPECIAL.get(ch, ch) for ch in text)


def name(node_name: str) -> str:
    """A node's name in typewriter type, usable in text and (through ``\\text``) in math."""
    return r"\texttt{" + escape(node_name) + "}"


def code(text: str) -> str:
    """A formula as written in Python (``w1 * x1``), in typewriter type."""
    return r"\texttt{" + escape(text) + "}"


def partial(child: str, parent: str, use: str = "") -> str:
    """The local derivative of `child` by `parent` as a fraction of partials (math mode);
    `use` ("first factor") says which use of `parent` the edge is, where it has two."""
    frac = rf"\frac{{\partial\,\text{{{name(child)}}}}}{{\partial\,\text{{{name(parent)}}}}}"
    return frac + (rf"\Big|_{{\text{{{escape(use)}}}}}" if use else "")


def total(output: str, wrt: str) -> str:
    """d output / d wrt as a fraction (math mode): a total over every path."""
    return rf"\frac{{d\,\text{{{name(output)}}}}}{{d\,\text{{{name(wrt)}}}}}"


def number(x: float) -> str:
    """A number for math mode, six significant digits, powers of ten written out."""
    if math.isnan(x) or math.isinf(x):
        return r"\text{" + str(x) + "}"
    text = f"{x:.6g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def document(body: list[str]) -> str:
    """A whole LaTeX file (article, amsmath) around the lines of `body`."""
    head = [
        r"\documentclass{article}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{amsmath}",
        r"\begin{document}",
    ]
    return "\n".join([*head, *body, r"\end{document}"]) + "\n"
