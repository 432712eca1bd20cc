"""The derivative rule of one edge, written with the graph's own names.

An op's formula is written with generic letters (``d(a*b)/da = b``). A text about a
user's graph must not use letters that may be the user's own variables, so the letters
are replaced by the names of the actual inputs: for ``w1 * x1`` the rule of the first
factor reads ``∂(w1*x1)/∂w1 = x1``. The ∂ marks a local (partial) derivative, one edge;
totals over paths are written with d. Inputs are told apart by ordinal words ("first
factor", "second input"); an API index stays 0-based.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tinygrad_lite.autograd import Node

__all__ = ["input_role", "local_rule", "operand_text", "ordinal"]

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")

#: What the inputs of an op are called, in argument order.
_ROLES: dict[str, tuple[str, ...]] = {
    "mul": ("first factor", "second factor"),
    "div": ("numerator", "denominator"),
    "pow": ("base", "exponent"),
    "sub": ("first input", "second input (subtracted)"),
}


def ordinal(index: int) -> str:
    """0 -> "first", 1 -> "second", ...; past the eighth, "input 9" style numbers."""
    return _ORDINALS[index] if index < len(_ORDINALS) else f"number {index + 1}"


def input_role(op_name: str, index: int, variadic: bool = False, count: int = 2) -> str:
    """What input `index` of an op with `count` inputs is: "first factor", "base", "input"."""
    if count == 1:
        return "input"
    if op_name in _ROLES and index < len(_ROLES[op_name]):
        return _ROLES[op_name][index]
    if variadic or op_name in ("add", "add_n"):
        return f"{ordinal(index)} term"
    return f"{ordinal(index)} input"


def operand_text(p: Any, names: Mapping[Node, str]) -> str:
    """An input as it appears in a formula: its name, or the constant's value."""
    if isinstance(p, Node):
        return names[p]
    try:
        return f"{float(p):.6g}"
    except (TypeError, ValueError):
        return "const"


def _wrap(name: str) -> str:
    """A name as it reads inside a formula: compound names get parentheses."""
    return name if re.fullmatch(r"[\w.#/]+", name) else f"({name})"


def local_rule(node: Node, index: int, names: Mapping[Node, str]) -> str:
    """The rule for d node / d input `index`, with the inputs' names in place of letters.

    Example: for ``c = w1 * x1``, index 0 gives ``∂(w1*x1)/∂w1 = x1``.
    """
    op = node.op
    assert op is not None, "a leaf has no derivative rule"
    plain = [operand_text(p, names) for p in node.parents]
    args = [_wrap(a) for a in plain]
    if op.variadic:
        shown = args if len(args) <= 4 else [args[0], args[1], "...", args[-1]]
        return f"∂({' + '.join(shown)})/∂{args[index]} = 1"
    parts = [p.strip() for p in op.formula.split(";")]
    rule = _partial(parts[index] if index < len(parts) else op.formula)
    letters = {"a": 0, "b": 1, "A": 0, "B": 1}  # matrices are A and B (matmul)
    if not any(re.search(rf"(?<![\w]){k}(?![\w])|/∂{k}\b", rule) for k in letters):
        return rule

    def name_of(letter: str, bare: bool = False) -> str:
        k = letters[letter]
        if k >= len(args):
            return letter
        return plain[k] if bare else args[k]

    def swap(m: re.Match[str]) -> str:
        if m.group(1):  # "/∂a": the variable differentiated by
            return "/∂" + name_of(m.group(1))
        text = m.string
        alone = text[m.start() - 1 : m.start()] == "(" and text[m.end() : m.end() + 1] == ")"
        return name_of(m.group(2), bare=alone)  # "exp(a)": no second pair of parentheses

    # one pass, so that a name containing a or b is never substituted again
    return re.sub(r"/∂([abAB])\b|(?<![\w∂])([abAB])(?![\w])", swap, rule)


def _partial(rule: str) -> str:
    """``d(..)/dx = ..`` written as a partial derivative, ``∂(..)/∂x = ..``."""
    rule = re.sub(r"^d(?=[ (])", "∂", rule)
    return re.sub(r"/d(?=[\w(])", "/∂", rule, count=1)
