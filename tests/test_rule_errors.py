"""What backward says when an op's derivative rule misbehaves: the op, the input, the fix.

Before these messages, a rule that returned None gave ``unsupported operand type(s) for
+=: 'float' and 'NoneType'``, a Python ``if`` on an array gave a DomainError claiming the
gradient was undefined, and on a Value with create_graph=True a None was kept silently
as the gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_lite import DomainError, Tensor, Value
from tinygrad_lite.autograd import STATE, Node, apply
from tinygrad_lite.errors import RuleError
from tinygrad_lite.ops import Op, sigmoid

Rule = Callable[..., Any]


def softplus_forward(a: Any) -> Any:
    out = np.logaddexp(0.0, a)
    return float(out) if isinstance(a, float) else out


def backward_through(rule: Rule, x: Node, *, create_graph: bool = False) -> None:
    """softplus(x) with `rule` as its derivative rule, then backward from its sum."""
    op = Op("softplus", "softplus", "d softplus(a)/da = sigmoid(a)", softplus_forward, (rule,))
    out = apply(type(x), op, (x,), op.forward(x.data))
    (out.sum() if isinstance(out, Tensor) else out * 1.5).backward(create_graph=create_graph)


def value() -> Value:
    return Value(0.3, label="x")


def tensor() -> Tensor:
    return Tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True, label="w")


KINDS = {
    "Value": (value, False),
    "Tensor": (tensor, False),
    "Value, create_graph": (value, True),
    "Tensor, create_graph": (tensor, True),
}


def rule_error(rule: Rule, kind: str) -> RuleError:
    make, create_graph = KINDS[kind]
    x = make()
    with pytest.raises(RuleError) as info:
        backward_through(rule, x, create_graph=create_graph)
    error = info.value
    assert error.op == "softplus"
    assert error.index == 0
    assert error.name == x.label
    assert str(error).startswith(f"softplus: the derivative rule for input 0 ({x.label}) ")
    return error


@pytest.mark.parametrize("kind", list(KINDS))
def test_returned_none(kind: str) -> None:
    error = rule_error(lambda g, out, a: None, kind)
    assert "returned None" in str(error)
    assert "forget its `return`" in str(error)


@pytest.mark.parametrize("kind", ["Tensor", "Tensor, create_graph"])
def test_wrong_shape_names_both_shapes(kind: str) -> None:
    error = rule_error(lambda g, out, a: (g * sigmoid(a)).T, kind)
    text = str(error)
    assert "returned a gradient of shape (3, 2), but the input has shape (2, 3)" in text
    assert "the op's output and g have shape (2, 3)" in text


def test_a_shape_the_engine_can_sum_back_is_accepted() -> None:
    """A broadcasting op's rule returns the output's shape; the engine sums it back."""
    w = tensor()
    backward_through(lambda g, out, a: g * sigmoid(a)[None], w)  # shape (1, 2, 3)
    assert w.grad is not None
    np.testing.assert_allclose(w.grad, 1 / (1 + np.exp(-w.data)))


def test_math_exp_on_an_array() -> None:
    error = rule_error(lambda g, out, a: g * math.exp(a) / (1 + math.exp(a)), "Tensor")
    text = str(error)
    assert "called a function of Python's math module on an array" in text
    assert "math.exp(a)" in text  # the line that did it
    assert "tinygrad_lite.ops (exp, log, tanh" in text


def test_math_exp_on_a_tensor_node() -> None:
    error = rule_error(lambda g, out, a: g * math.exp(a), "Tensor, create_graph")
    assert "math module on a Tensor node" in str(error)


def test_python_if_on_an_array() -> None:
    error = rule_error(lambda g, out, a: g * sigmoid(a) if a > 0 else g * 0.5, "Tensor")
    text = str(error)
    assert "used an array as a truth value (a Python `if`" in text
    assert "The truth value of an array with more than one element is ambiguous" in text
    assert "step(a)" in text


def test_comparing_a_value_node_picks_a_branch() -> None:
    """Values compare by their numbers (plain bools), so a rule may branch on one."""
    x = value()
    backward_through(lambda g, out, a: g * sigmoid(a) if a > 0 else g * 0.5, x, create_graph=True)
    assert x.grad.data == pytest.approx(1.5 / (1 + np.exp(-0.3)))


def test_comparing_a_tensor_node_gives_a_mask_not_a_branch() -> None:
    """A Tensor compared is a bool Tensor: one `if` cannot choose for every entry."""
    error = rule_error(
        lambda g, out, a: g * sigmoid(a) if a > 0 else g * 0.5, "Tensor, create_graph"
    )
    assert "used an array as a truth value" in str(error)
    assert "picks d_pos or d_neg per entry" in str(error)


def test_a_method_floats_do_not_have() -> None:
    error = rule_error(lambda g, out, a: g * a.sigmoid(), "Value")
    assert "'float' object has no attribute 'sigmoid'" in str(error)


def test_any_other_error_is_the_rules_not_the_domains() -> None:
    """A ValueError that is not about the domain no longer reads as an undefined gradient."""

    def rule(g: Any, out: Any, a: Any) -> Any:
        raise ValueError("something in my rule")

    error = rule_error(rule, "Value")
    assert not isinstance(error, DomainError)
    assert "raised ValueError: something in my rule" in str(error)


def test_rule_error_is_a_type_and_a_value_error() -> None:
    """Code that caught the raw errors these messages replace still catches them."""
    error = RuleError("op", 1, "returned None")
    assert isinstance(error, TypeError)
    assert isinstance(error, ValueError)
    assert str(error) == "op: the derivative rule for input 1 returned None"


# --------------------------------------------------------------------------------------
# What stays as it was
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "make"),
    [
        (lambda g, out, a: g / (a - a), value),  # ZeroDivisionError on floats
        (lambda g, out, a: g * math.log(a - 1.0), value),  # math domain error
        (lambda g, out, a: g / (a - a), tensor),  # numpy under errstate(raise)
    ],
    ids=["zero division", "math domain error", "numpy invalid"],
)
def test_arithmetic_trouble_is_still_a_domain_error(rule: Rule, make: Callable[[], Node]) -> None:
    with pytest.raises(DomainError) as info:
        backward_through(rule, make())
    assert info.value.op == "softplus"
    assert "the gradient is not defined at inputs" in str(info.value)


def test_a_right_rule_still_works_everywhere() -> None:
    for kind, (make, create_graph) in KINDS.items():
        x = make()
        backward_through(lambda g, out, a: g * sigmoid(a), x, create_graph=create_graph)
        grad = x.grad.data if isinstance(x.grad, Node) else x.grad
        scale = 1.0 if isinstance(x, Tensor) else 1.5
        np.testing.assert_allclose(grad, scale / (1 + np.exp(-np.asarray(x.data))), err_msg=kind)


def test_an_observers_error_passes_through_unchanged() -> None:
    """Only the op's rules are blamed: an error raised elsewhere in the walk is re-raised."""

    class Stop(Exception):
        pass

    def observer(**_: Any) -> None:
        raise Stop("from the observer")

    STATE.observers.append(observer)
    try:
        with pytest.raises(Stop, match="from the observer"):
            backward_through(lambda g, out, a: g * sigmoid(a), value())
    finally:
        STATE.observers.remove(observer)
