"""A griffe extension: an attribute documented by a ``#:`` comment has that docstring.

The code documents many fields and constants with ``#:`` comments, on the line of the
assignment or on the lines right above it (as Sphinx reads them). griffe, the reader
behind mkdocstrings, only takes a string literal after the assignment; this extension
gives it the comments too, so those attributes appear in the API reference. A docstring,
where there is one, wins. `docs/reference.py` reads the same two forms.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

import griffe

sys.path.insert(0, str(Path(__file__).resolve().parent))  # griffe loads this file by path
from reference import comment_docstring


class AttributeComments(griffe.Extension):
    """Read ``#:`` comments as the docstrings of attributes that have none."""

    def on_attribute_instance(
        self, *, node: ast.AST | griffe.ObjectNode, attr: griffe.Attribute, **kwargs: Any
    ) -> None:
        if attr.docstring is not None or attr.lineno is None:
            return
        try:
            lines = attr.lines_collection[attr.filepath]
        except (KeyError, TypeError):
            return
        text = comment_docstring(lines, attr.lineno)
        if text:
            attr.docstring = griffe.Docstring(text, lineno=attr.lineno, parent=attr)
