"""Checks for exercise notebooks: a student's numbers against the engine's, in plain words.

A check cell in an exercise notebook compares what the student computed by hand (a
forward value, a gradient, an array of gradients) with what the engine computes.
`check_answers` does that comparison and, when something is off, raises `AnswerError`
(an AssertionError) whose message says which answers are still empty, which have the
wrong shape (with both shapes) and which are off (with both values), so a student
knows what to fix. It contains no answers: the expected values come from the engine
at run time.

Examples:
    >>> check_answers({"dL/dw": 0.5}, {"dL/dw": 0.5})
    'all 1 answers match (rtol 1e-06, atol 1e-09)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["AnswerError", "check_answers"]


class AnswerError(AssertionError):
    """Some answers are empty, have the wrong shape or the wrong value.

    `missing`, `misshapen` and `wrong` hold the names of the answers in each group.
    """

    def __init__(
        self, message: str, missing: list[str], misshapen: list[str], wrong: list[str]
    ) -> None:
        super().__init__(message)
        self.missing = missing
        self.misshapen = misshapen
        self.wrong = wrong


def check_answers(
    answers: Mapping[str, Any],
    expected: Mapping[str, Any],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> str:
    """Compare each answer with the expected value; raise `AnswerError` if any is off.

    Args:
        answers: name -> the student's number or array (None or ``...`` when not done).
        expected: name -> the right number or array, for the same names.
        rtol: relative tolerance: an entry matches when
            |answer - expected| <= atol + rtol * |expected|.
        atol: absolute tolerance (see `rtol`).

    Returns:
        A one-line summary, when every answer matches.

    Raises:
        AnswerError: an answer is missing (None or ``...``), has the wrong shape, is
            not a number, or is off; the message lists each one.
        KeyError: `answers` and `expected` do not have the same names.
    """
    if set(answers) != set(expected):
        raise KeyError(
            f"answers and expected name different things: {sorted(answers)} and {sorted(expected)}"
        )
    missing: list[str] = []
    misshapen: list[str] = []
    wrong: list[str] = []
    lines: list[str] = []
    for name, want in expected.items():
        got = answers[name]
        if got is None or got is Ellipsis:
            missing.append(name)
            continue
        problem = _compare(got, want, rtol, atol)
        if problem is None:
            continue
        kind, text = problem
        (misshapen if kind == "shape" else wrong).append(name)
        lines.append(f"  {name}: {text}")
    if missing or misshapen or wrong:
        head = []
        if missing:
            head.append(f"not filled in yet: {', '.join(missing)} (still None or ...)")
        if misshapen or wrong:
            head.append(f"{len(misshapen) + len(wrong)} of {len(expected)} answers are off:")
        message = "\n".join(head + lines)
        raise AnswerError(message, missing, misshapen, wrong)
    return f"all {len(expected)} answers match (rtol {rtol:g}, atol {atol:g})"


def _compare(got: Any, want: Any, rtol: float, atol: float) -> tuple[str, str] | None:
    """None if `got` matches `want`; otherwise ("shape" or "value", what is wrong)."""
    want_array = np.asarray(getattr(want, "data", want), dtype=np.float64)
    try:
        raw = np.asarray(getattr(got, "data", got))
    except ValueError:  # a ragged list
        raw = np.asarray(None)
    if raw.dtype.kind not in "biuf":
        return "value", f"is a {type(got).__name__}, not a number or an array of numbers"
    got_array = raw.astype(np.float64)
    if got_array.shape != want_array.shape:
        hint = " (transposed?)" if got_array.shape == want_array.shape[::-1] else ""
        return "shape", f"has shape {got_array.shape}, expected shape {want_array.shape}{hint}"
    if not np.all(np.isfinite(got_array)):
        return "value", f"is not finite: {_show(got_array)}"
    off = np.abs(got_array - want_array) > atol + rtol * np.abs(want_array)
    if not off.any():
        return None
    if want_array.ndim == 0:
        return "value", f"yours {_show(got_array)}, expected {_show(want_array)}"
    first = tuple(int(i) for i in np.argwhere(off)[0])
    return "value", (
        f"{int(off.sum())} of {off.size} entries are off; at {first}: yours "
        f"{_show(got_array[first])}, expected {_show(want_array[first])}"
    )


def _show(x: Any) -> str:
    value = np.asarray(x)
    if value.ndim == 0:
        number = float(value)
        return f"{number:.8g}" if math.isfinite(number) else str(number)
    return np.array2string(value, precision=6, separator=", ")
