"""Stop at the first nan or inf, and say which op made it and where in your code.

Inside ``with detect_anomaly():`` every new node is checked as it is created (a creation
hook) and every gradient contribution as backward computes it (an observer). The first
non-finite number raises `AnomalyError` naming the op, its inputs and the file and line of
your code that created the node. This costs a frame lookup per op: use it to debug, not to
train.
"""

from __future__ import annotations

import linecache
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from tinygrad_lite.autograd import STATE, Node
from tinygrad_lite.ops import Op

__all__ = ["AnomalyError", "detect_anomaly"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class AnomalyError(ArithmeticError):
    """A forward value or a gradient became nan or inf.

    Attributes:
        op: name of the operation ("?" when the op was not recorded).
        phase: "forward" or "backward".
        inputs: the op's input data.
        location: "file:line" of the user code that created the node, or "".
    """

    def __init__(
        self, message: str, *, op: str, phase: str, inputs: tuple[Any, ...], location: str
    ) -> None:
        super().__init__(message)
        self.op = op
        self.phase = phase
        self.inputs = inputs
        self.location = location


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Node) else x


def _finite(x: Any) -> bool:
    x = _raw(x)
    if type(x) is float:
        return math.isfinite(x)
    try:
        return bool(np.all(np.isfinite(x)))
    except TypeError:
        return True


def _short(x: Any) -> str:
    x = _raw(x)
    text = repr(x) if type(x) is float else np.array2string(np.asarray(x), threshold=6)
    return text if len(text) <= 60 else text[:57] + "..."


def _user_frame() -> tuple[str, int] | None:
    """The innermost calling frame outside this library (and outside contextlib)."""
    frame: Any = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR) and "contextlib" not in filename:
            return filename, frame.f_lineno
        frame = frame.f_back
    return None


class _Detector:
    """The hook and the observer, sharing a table of creation sites."""

    def __init__(self, check_forward: bool, check_backward: bool) -> None:
        self.check_forward = check_forward
        self.check_backward = check_backward
        # id -> (node, site). The node is kept alive so its id cannot be reused while
        # the block runs.
        self.sites: dict[int, tuple[Node, tuple[str, int] | None]] = {}

    def where(self, node: Node) -> str:
        entry = self.sites.get(id(node))
        if entry is None or entry[0] is not node or entry[1] is None:
            return ""
        filename, line = entry[1]
        return f"{filename}:{line}"

    def _source(self, node: Node) -> str:
        entry = self.sites.get(id(node))
        if entry is None or entry[1] is None:
            return ""
        text = linecache.getline(*entry[1]).strip()
        return f"\n    {text}" if text else ""

    def created(self, node: Node, made_by: Op, parents: tuple[Any, ...]) -> None:
        self.sites[id(node)] = (node, _user_frame())
        if self.check_forward and not _finite(node.data):
            op = made_by.name
            inputs = tuple(_raw(p) for p in parents)
            where = self.where(node)
            shown = ", ".join(_short(p) for p in inputs) if inputs else "(not recorded)"
            raise AnomalyError(
                f"forward of '{op}' produced {_short(node.data)} from inputs ({shown})"
                + (f" at {where}" if where else "")
                + self._source(node),
                op=op,
                phase="forward",
                inputs=inputs,
                location=where,
            )

    def observe(
        self, *, node: Node, index: int, parent: Any, upstream: Any, contribution: Any
    ) -> None:
        if not self.check_backward or _finite(contribution):
            return
        op = node.op.name if node.op is not None else "?"
        inputs = tuple(_raw(p) for p in node.parents)
        where = self.where(node)
        label = f" '{node.label}'" if node.label else ""
        raise AnomalyError(
            f"backward of '{op}'{label} produced gradient {_short(contribution)} for input "
            f"{index + 1} (inputs ({', '.join(_short(p) for p in inputs)}), upstream "
            f"gradient {_short(upstream)})"
            + (f"; the node was created at {where}" if where else "")
            + self._source(node),
            op=op,
            phase="backward",
            inputs=inputs,
            location=where,
        )


@contextmanager
def detect_anomaly(*, forward: bool = True, backward: bool = True) -> Iterator[None]:
    """Raise `AnomalyError` at the first op whose forward or backward gives nan or inf.

    Args:
        forward: check each new node's data.
        backward: check each gradient contribution during backward.

    Examples:
        >>> from tinygrad_lite import Value
        >>> with detect_anomaly():
        ...     Value(float("inf")) - Value(float("inf"))
        Traceback (most recent call last):
        ...
        tinygrad_lite.anomaly.AnomalyError: forward of 'sub' produced nan ...
    """
    detector = _Detector(forward, backward)
    STATE.creation_hooks.append(detector.created)
    STATE.observers.append(detector.observe)
    try:
        yield
    finally:
        _remove(STATE.creation_hooks, detector.created)
        _remove(STATE.observers, detector.observe)
        detector.sites.clear()


def _remove(hooks: list[Any], hook: Any) -> None:
    for i in range(len(hooks) - 1, -1, -1):
        if hooks[i] == hook:
            del hooks[i]
            return
