"""Why a derivative rule failed, in words a student understands.

A rule is called as ``vjp(g, out, *inputs)`` with floats (`Value`), numpy arrays
(`Tensor`) or nodes (``create_graph=True``). The mistakes people make when they write one
show up as Python errors far from their cause: ``unsupported operand type(s) for +=:
'float' and 'NoneType'``, ``only 0-dimensional arrays can be converted to Python
scalars``, ``The truth value of an array ... is ambiguous``. The functions here turn
such an error, or a result the walk cannot use, into a `RuleError` that names the op,
the input, what went wrong and what to write instead. Arithmetic trouble (division by
zero, overflow, ``math domain error``) is the op's domain, not a mistake in the rule:
it stays a `DomainError`.

The backward walk calls them only after something has failed (`autograd._explain`), so
they cost nothing while rules behave; `tinygrad_lite.checkrule.check_op` calls them on
every rule result it inspects.
"""

from __future__ import annotations

import os
import traceback
from numbers import Real
from typing import Any

import numpy as np

from tinygrad_lite.errors import DomainError, RuleError
from tinygrad_lite.ops import Op, unbroadcast

__all__ = ["bad_result", "explain_exception", "is_domain_trouble", "rule_raised"]

#: Where the rule's helpers live: frames in here are never "the line of the rule".
_PACKAGE = os.path.dirname(os.path.abspath(__file__))

#: Functions that work on numbers, arrays and nodes alike: what a rule should call.
_DISPATCHING = (
    "the functions of tinygrad_lite.ops (exp, log, tanh, sin, cos, sigmoid, relu, step), "
    "which work on numbers, arrays and nodes alike"
)
_STEP_ADVICE = (
    "decide entry by entry with a 0/1 mask instead: tinygrad_lite.ops.step(a) is 1 where "
    "a > 0 and 0 elsewhere, on numbers, arrays and nodes alike, so "
    "`g * (step(a) * d_pos + (1 - step(a)) * d_neg)` picks d_pos or d_neg per entry"
)


def rule_raised(
    op: Op, index: int, exc: BaseException, args: Any = (), *, name: str = ""
) -> Exception:
    """The error to show for a rule of `op` (for input `index`) that raised `exc`.

    A DomainError passes through; other arithmetic trouble becomes a DomainError naming
    the inputs; everything else is the rule's own mistake and becomes a `RuleError`.

    Args:
        op: the op whose rule failed.
        index: the position of the input whose gradient the rule was computing.
        exc: what the rule raised.
        args: the op's inputs as the rule received them (for the message).
        name: the input's name (a node's label), if it has one.
    """
    if isinstance(exc, DomainError):
        return exc
    if is_domain_trouble(exc):
        return DomainError(
            op.name, f"the gradient is not defined at inputs {_short_args(args)}: {exc}"
        )
    return RuleError(op.name, index, explain_exception(exc), name)


def is_domain_trouble(exc: BaseException) -> bool:
    """Whether `exc` says a value is outside a function's domain (not a coding mistake)."""
    return isinstance(exc, DomainError | ArithmeticError) or (
        isinstance(exc, ValueError) and "math domain error" in str(exc)
    )


def explain_exception(exc: BaseException) -> str:
    """What the code that raised `exc` did wrong, where, and what to write instead.

    For the mistakes people make in an op's rules and forward: a `math` function or an
    `if` on an array, a comparison or a numpy function on a node, a method a float does
    not have; anything else is reported as it is, with the line that raised it.
    """
    return f"{_what_went_wrong(exc, str(exc))}{_line_in_rule(exc)}.\n{_advice(exc)}"


def bad_result(
    op: Op,
    index: int,
    result: Any,
    input_data: Any,
    out_data: Any,
    *,
    strict: bool = False,
    name: str = "",
) -> RuleError | None:
    """A `RuleError` if `result` cannot be the gradient for input `index`, else None.

    Args:
        op: the op whose rule produced `result`.
        index: the input's position.
        result: what the rule returned.
        input_data: the input's data (a float or an array), whose shape the gradient needs.
        out_data: the op's output data, whose shape a broadcasting op's gradient may have.
        strict: refuse every shape but the input's and, for a broadcasting op, the
            output's (which the engine sums back); without it, accept any shape the engine
            can sum to the input's (what the backward walk accepts).
        name: the input's name (a node's label), if it has one.
    """
    if result is None:
        return RuleError(
            op.name,
            index,
            "returned None. A rule returns the gradient for its input: the upstream "
            "gradient g times the local derivative, as in `return g * sigmoid(a)`. "
            "Did the function forget its `return`?",
            name,
        )
    result = getattr(result, "data", result) if _is_node(result) else result
    if not isinstance(result, Real | np.ndarray | np.generic):
        return RuleError(
            op.name,
            index,
            f"returned a {type(result).__name__} ({_short(result)}); a rule returns a "
            "number, an array or a node: g times the local derivative",
            name,
        )
    array = np.asarray(result)
    got, want = array.shape, np.shape(input_data)
    if not isinstance(input_data, np.ndarray):  # a scalar (Value) input
        if array.size != 1:
            return RuleError(
                op.name,
                index,
                f"returned an array of shape {got} for a scalar input; on a Value the "
                "rule receives floats and must return one number",
                name,
            )
        return None
    if got == want:
        return None
    if (not strict or got == np.shape(out_data)) and _sums_to(result, want):
        return None  # a broadcasting op: the engine sums g's extra axes away
    return RuleError(
        op.name,
        index,
        f"returned a gradient of shape {got}, but the input has shape {want} (the "
        f"op's output and g have shape {np.shape(out_data)}). A rule returns one entry per "
        "entry of its input: did it transpose, sum or reshape something it should not?",
        name,
    )


def _short_args(args: Any) -> str:
    """The inputs as a short tuple for a message: long arrays are cut."""
    return "(" + ", ".join(_short(getattr(a, "data", a) if _is_node(a) else a) for a in args) + ")"


# ----------------------------------------------------------------------------------
# Telling the mistakes apart
# ----------------------------------------------------------------------------------


def _what_went_wrong(exc: BaseException, text: str) -> str:
    name = type(exc).__name__
    if "truth value of an array" in text or "truth value of a tensor" in text:
        return f"used an array as a truth value (a Python `if`, `and`, `or` or `not`: {text})"
    if _is_math_on_array(text):
        return f"called a function of Python's math module on an array ({name}: {text})"
    if "item() needs a single-element tensor" in text:
        return (
            "called a function of Python's math module on a Tensor node (with "
            f"create_graph=True the rule receives nodes; {text})"
        )
    if "does not support ufuncs" in text or "is not a Tensor operation" in text:
        return f"called a numpy function on a Tensor node ({text})"
    if "not supported between instances of" in text:
        return f"compared a node with an operator such as `>` ({text})"
    if isinstance(exc, AttributeError) and "object has no attribute" in text:
        return f"called a method its argument does not have ({text})"
    return f"raised {name}: {text}"


def _advice(exc: BaseException) -> str:
    text = str(exc)
    if "truth value of" in text:
        return (
            "With Tensors the rule receives whole arrays, so one `if` cannot choose for "
            f"every entry; {_STEP_ADVICE}."
        )
    if "not supported between instances of" in text:
        return (
            "With create_graph=True the rule receives nodes, to record gradients of "
            f"gradients, and nodes are not compared; {_STEP_ADVICE}."
        )
    if isinstance(exc, TypeError | ValueError | AttributeError):
        return (
            "An op's forward runs on floats (Value) and numpy arrays (Tensor), its rules on "
            "floats, arrays and nodes (create_graph=True): write them with operators and "
            f"{_DISPATCHING}."
        )
    return "Check the rule on the inputs shown."


def _is_math_on_array(text: str) -> bool:
    return any(
        phrase in text
        for phrase in (
            "arrays can be converted to Python scalars",
            "only length-1 arrays",
            "only size-1 arrays",
            "must be real number, not",
        )
    )


def _line_in_rule(exc: BaseException) -> str:
    """`` at `return math.exp(a)` (rules.py, line 3)`` for the user's frame that raised."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if not os.path.abspath(f.filename).startswith(_PACKAGE)
    ]
    if not frames:
        return ""
    frame = frames[-1]
    line = (frame.line or "").strip()
    place = f"{os.path.basename(frame.filename)}, line {frame.lineno}"
    return f" at `{line}` ({place})" if line else f" ({place})"


def _is_node(x: Any) -> bool:
    """A graph node (Value or Tensor), told apart without importing the node classes."""
    return hasattr(x, "requires_grad") and hasattr(x, "data") and hasattr(x, "grad")


def _sums_to(result: Any, shape: tuple[int, ...]) -> bool:
    """Whether the engine can sum `result` back to `shape` (undoing broadcasting)."""
    try:
        unbroadcast(np.asarray(result), shape)
    except ValueError:
        return False
    return True


def _short(x: Any) -> str:
    if isinstance(x, np.ndarray) and x.size > 4:
        return f"array of shape {x.shape}"
    text = repr(x)
    return text if len(text) < 40 else text[:37] + "..."
