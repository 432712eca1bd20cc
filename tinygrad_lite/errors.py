"""The errors the library raises on its own account."""

from __future__ import annotations

__all__ = ["DomainError"]


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
