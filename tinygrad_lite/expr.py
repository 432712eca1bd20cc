"""A safe formula language for the command line: parsed with `ast`, never executed.

Allowed: numbers, variable names, ``+ - * / **``, unary minus and plus, parentheses, and
calls of one argument to ``exp log tanh sin cos sigmoid relu abs sqrt``. Everything else
(attributes, subscripts, other calls, keywords, lambdas, comprehensions, strings, ...) is
refused with an `ExpressionError` that says what was found; an operator from another
notation gets a hint (``a^b`` is not a power in Python: write ``a**b``). The checked tree is then
evaluated by walking it with `Value` arithmetic; Python's `eval` is never used. A part
of the formula whose value is not finite (``x*1e308*10``) raises a `DomainError` naming
that part, so no picture or check is ever made of an inf.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

from tinygrad_lite.errors import DomainError
from tinygrad_lite.value import Value

__all__ = ["FUNCTIONS", "MAX_LENGTH", "ExpressionError", "evaluate", "parse", "parse_assignments"]

MAX_LENGTH = 2000
"""The longest formula accepted, in characters."""
#: Most syntax-tree nodes accepted (bounds the size of the graph a formula can build).
MAX_NODES = 1000
#: Biggest constant exponent accepted in ``**``.
MAX_EXPONENT = 1000.0
#: Deepest nesting accepted.
MAX_DEPTH = 100


def _abs(x: Value) -> Value:
    """|x| as relu(x) + relu(-x): slope -1, then 1, and 0 at the kink, as PyTorch's abs."""
    return x.relu() + (-x).relu()


def _sqrt(x: Value) -> Value:
    """The square root as the power 0.5."""
    return x**0.5


FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sin": Value.sin,
    "cos": Value.cos,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "abs": _abs,
    "sqrt": _sqrt,
}
"""The functions a command-line formula may call (exp, log, tanh, sin, cos, sigmoid, relu,
abs, sqrt), by name."""

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


_OP_NAMES: dict[type[ast.operator], str] = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "pow",
}


#: Operators a formula may not use, by their symbol, each with what to write instead.
_REFUSED: dict[type[ast.AST], tuple[str, str]] = {
    ast.BitXor: ("^", "for a power write a**b (in Python ^ is not a power)"),
    ast.FloorDiv: ("//", "write a/b (there is no rounding division)"),
    ast.Mod: ("%", "there is no remainder; use + - * / **"),
    ast.MatMult: ("@", "formulas are scalar; use *"),
    ast.BitAnd: ("&", "use + - * / **"),
    ast.BitOr: ("|", "use + - * / **"),
    ast.LShift: ("<<", "use + - * / **"),
    ast.RShift: (">>", "use + - * / **"),
    ast.Invert: ("~", "for a negative write -x"),
    ast.Not: ("not", "use + - * / **"),
}


class ExpressionError(ValueError):
    """A formula or a variable assignment that is not allowed or not well formed."""


_DESCRIBE = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "boolean operators",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignment expressions",
    ast.Starred: "starred arguments",
    ast.JoinedStr: "strings",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Await: "await",
    ast.Yield: "yield",
}


def parse(text: str) -> ast.Expression:
    """Parse and check a formula; raise `ExpressionError` naming the first thing not allowed."""
    if not isinstance(text, str):
        raise ExpressionError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH}")
    if not text.strip():
        raise ExpressionError("the formula is empty")
    level = deepest = 0
    for ch in text:
        level += (ch == "(") - (ch == ")")
        deepest = max(deepest, level)
    if deepest > MAX_DEPTH:
        raise ExpressionError(f"the formula nests parentheses more than {MAX_DEPTH} deep")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        hint = "; for |x| write abs(x)" if "|" in text else ""
        if "decimal literal" in str(exc.msg):
            hint = "; write a product with *, as in 2*x"
        raise ExpressionError(
            f"not a valid formula: {exc.msg} (column {exc.offset}){hint}"
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the formula is too deeply nested or malformed") from None
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, level = stack.pop()
        count += 1
        if count > MAX_NODES or level > MAX_DEPTH:
            raise ExpressionError(
                f"the formula is too big (at most {MAX_NODES} parts, nested {MAX_DEPTH} deep)"
            )
        stack.extend((child, level + 1) for child in _check(node))
    return tree


def _check(node: ast.AST) -> list[ast.AST]:
    """Raise unless `node` is allowed; return its children to check."""
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ExpressionError(f"only numbers are allowed as constants, found {v!r:.40}")
        if isinstance(v, int) and abs(v) > 10**15:
            raise ExpressionError(f"the number {str(v)[:20]}... is too large")
        if isinstance(v, float) and not math.isfinite(v):
            raise ExpressionError(f"the number {v!r} is not finite")
        return []
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExpressionError(f"names starting with '_' are not allowed: {node.id!r}")
        return []
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(_refused(node.op))
        if isinstance(node.op, ast.Pow):
            e = node.right
            if isinstance(e, ast.UnaryOp) and isinstance(e.operand, ast.Constant):
                e = e.operand
            if (
                isinstance(e, ast.Constant)
                and isinstance(e.value, int | float)
                and not isinstance(e.value, bool)
                and abs(e.value) > MAX_EXPONENT
            ):
                raise ExpressionError(
                    f"the exponent {e.value!r:.20} is too large (at most {MAX_EXPONENT:g})"
                )
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise ExpressionError(_refused(node.op))
        return [node.operand]
    if isinstance(node, ast.Call):
        f = node.func
        if not isinstance(f, ast.Name) or f.id not in FUNCTIONS:
            what = f.id if isinstance(f, ast.Name) else _DESCRIBE.get(type(f), "an expression")
            near = f" (did you mean {what.lower()}?)" if what.lower() in FUNCTIONS else ""
            raise ExpressionError(
                f"calling {what!s} is not allowed{near}; the functions are {', '.join(FUNCTIONS)}"
            )
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"{f.id}() takes exactly one argument and no keywords")
        return [node.args[0]]
    what = _DESCRIBE.get(type(node), type(node).__name__)
    raise ExpressionError(f"{what} not allowed in a formula")


def _refused(op: ast.AST) -> str:
    """Why the operator `op` is refused, named by its symbol, with what to write instead."""
    symbol, hint = _REFUSED.get(type(op), (type(op).__name__, "use + - * / **"))
    return f"the operator {symbol} is not allowed in a formula: {hint}"


def names(tree: ast.Expression) -> list[str]:
    """The variable names a checked formula uses, in order of first appearance."""
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in called:
            found[node.id] = None
    return list(found)


def parse_assignments(items: list[str]) -> dict[str, float]:
    """``["x1=2", "w=-3.5"]`` -> ``{"x1": 2.0, "w": -3.5}``, refusing bad names and numbers.

    A number is read as Python reads one, like the numbers inside a formula: ``2``,
    ``-0.5``, ``1e-3`` and ``1_000`` are fine; inf and nan are refused.
    """
    out: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name, number = name.strip(), number.strip()
        if not sep or not name:
            raise ExpressionError(f"expected NAME=NUMBER, got {item!r:.60}")
        if not name.isidentifier() or name.startswith("_") or name in FUNCTIONS:
            raise ExpressionError(f"{name!r:.40} is not a usable variable name")
        if len(number) > 64:
            raise ExpressionError(f"the number for {name} is too long")
        try:
            value = float(number)
        except ValueError:
            hint = "write it as in a formula: 2, -0.5, 1e-3, 1_000"
            if "=" in number:
                hint = "separate the assignments with spaces: --set a=2 b=3"
            raise ExpressionError(f"{number!r:.40} is not a number (for {name}); {hint}") from None
        if not math.isfinite(value):
            raise ExpressionError(f"{name}={number} is not a finite number")
        if name in out:
            raise ExpressionError(f"{name} is set twice")
        out[name] = value
    return out


def evaluate(tree: ast.Expression, variables: Mapping[str, Value]) -> Value:
    """Build the graph of a checked formula from `Value` variables (no Python `eval`)."""
    missing = [n for n in names(tree) if n not in variables]
    if missing:
        raise ExpressionError(f"no value given for {', '.join(missing)} (use --set NAME=NUMBER)")
    # Post-order walk with an explicit stack, so deep formulas cannot exhaust recursion.
    results: list[Any] = []
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(_children(node)))
            continue
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, int | float)
            results.append(float(node.value))
        elif isinstance(node, ast.Name):
            results.append(variables[node.id])
        elif isinstance(node, ast.BinOp):
            b, a = results.pop(), results.pop()
            if isinstance(node.op, ast.Pow):
                _check_exponent(b.data if isinstance(b, Value) else b)
            if not isinstance(a, Value) and not isinstance(b, Value):
                # Constant arithmetic goes through the ops too, for their domain checks.
                a = Value(a, requires_grad=False)
                results.append(_finite(_BINARY[type(node.op)], node, a, b).data)
            else:
                results.append(_finite(_BINARY[type(node.op)], node, a, b))
        elif isinstance(node, ast.UnaryOp):
            a = results.pop()
            results.append(-a if isinstance(node.op, ast.USub) else a)
        elif isinstance(node, ast.Call):
            a = results.pop()
            assert isinstance(node.func, ast.Name)
            if isinstance(a, Value):
                results.append(_finite(FUNCTIONS[node.func.id], node, a))
            else:
                constant = Value(a, requires_grad=False)
                results.append(_finite(FUNCTIONS[node.func.id], node, constant).data)
    (out,) = results
    return out if isinstance(out, Value) else Value(out, requires_grad=False)


def _finite(fn: Callable[..., Value], node: ast.AST, *args: Any) -> Value:
    """`op(*args)`, unless it is inf or nan: then a `DomainError` naming the part of the
    formula. (The ops themselves refuse an overflow, naming the op but not the part.)
    """
    try:
        result = fn(*args)
    except DomainError as err:
        if not err.detail.startswith("the result overflows"):
            raise
        result = Value(math.inf, requires_grad=False)
    if not math.isfinite(result.data):
        if isinstance(node, ast.BinOp):
            op = _OP_NAMES[type(node.op)]
        else:
            op = (
                node.func.id
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                else "?"
            )
        raise DomainError(
            op, f"{ast.unparse(node)!s:.80} is {result.data}: the result overflows float64"
        )
    return result


def _check_exponent(e: float) -> None:
    if abs(e) > MAX_EXPONENT:
        raise ExpressionError(f"the exponent {e:g} is too large (at most {MAX_EXPONENT:g})")


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []
