"""The errors the library raises on its own account."""

from __future__ import annotations

__all__ = ["DomainError", "RuleError"]


class DomainError(ValueError):
    """An operation was asked for a value outside its mathematical domain.

    Raised for log of a non-positive number, a negative base to a non-integer power,
    division by zero, and results too large for float64 (exp, pow). The message names the
    operation and the offending value; `op` and `detail` hold them for programs.
    """

    def __init__(self, op: str, detail: str) -> None:
        super().__init__(f"{op}: {detail}")
        self.op = op
        self.detail = detail


class RuleError(TypeError, ValueError):
    """An op's derivative rule is wrong in a way the backward walk can see.

    Raised when a rule returns None, returns a gradient whose shape does not fit its
    input, calls a `math` function on an array, or uses an array as a truth value (a
    Python `if`). The message names the op, the input and what to write instead; `op`,
    `index` (the input's position), `name` (its label, if it has one) and `detail` hold
    them for programs.

    It is both a TypeError and a ValueError, the two errors such a rule raised before
    it was explained, so code catching either still catches it.
    """

    def __init__(self, op: str, index: int, detail: str, name: str = "") -> None:
        which = f"input {index} ({name})" if name else f"input {index}"
        super().__init__(f"{op}: the derivative rule for {which} {detail}")
        self.op = op
        self.index = index
        self.detail = detail
        self.name = name
