"""Value and Tensor share one op table: the same expression gives the same numbers.

Each expression is built three times, from Values, from 0-d Tensors and from 1-element
Tensors, and the outputs and gradients (first and, through create_graph, second order)
must agree to rounding.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_lite import Tensor, Value
from tinygrad_lite.ops import OPS
from tinygrad_lite.testing import _FORM_BY_NAME, Expression, expressions

#: Tensor has no n-ary add of separate nodes (Value.sum); every other scalar op is here.
TENSOR_FORMS = sorted(set(OPS) - {"add_n"})

Leaf = Callable[[float], Any]
LEAVES: dict[str, Leaf] = {
    "value": lambda x: Value(x),
    "0-d": lambda x: Tensor(x, requires_grad=True),
    "1-element": lambda x: Tensor([x], requires_grad=True),
}


def _number(x: Any) -> float:
    """The single number in a float, an array or a node's data."""
    if x is None:  # a Tensor input the expression does not use
        return 0.0
    return float(np.asarray(x.data if isinstance(x, Value | Tensor) else x).reshape(()))


def _run(build: Callable[..., Any], inputs: list[float], kind: str) -> tuple[float, list[float]]:
    leaves = [LEAVES[kind](x) for x in inputs]
    out = build(*leaves)
    out.backward()
    return _number(out), [_number(leaf.grad) for leaf in leaves]


def _agree(build: Callable[..., Any], inputs: list[float]) -> None:
    value_out, value_grads = _run(build, inputs, "value")
    for kind in ("0-d", "1-element"):
        out, grads = _run(build, inputs, kind)
        np.testing.assert_allclose(out, value_out, rtol=1e-10, atol=1e-12, err_msg=kind)
        np.testing.assert_allclose(grads, value_grads, rtol=1e-10, atol=1e-12, err_msg=kind)


def _build(expr: Expression) -> Callable[..., Any]:
    """`expr.build` for any node type: the unused results are added with `+`."""

    def build(*leaves: Any) -> Any:
        nodes = list(leaves)
        for step in expr.steps:
            nodes.append(_FORM_BY_NAME[step.form].build(*(nodes[i] for i in step.operands)))
        return expr._output(nodes, lambda sinks: functools.reduce(operator.add, sinks))

    return build


@settings(max_examples=100)
@given(expressions(depth=3, n_inputs=3, ops=TENSOR_FORMS))
def test_random_expressions_agree(expr: Expression) -> None:
    _agree(_build(expr), list(expr.inputs))


#: Hand-written expressions with constants on both sides of every operator.
HANDWRITTEN: list[Callable[..., Any]] = [
    lambda a, b: (2.0 - a) * b / 3.0 + a**2 - 1.5**b,
    lambda a, b: 1.0 / (a * a + 1.0) - 2 * b + (b + 3).log(),
    lambda a, b: (a * b).sigmoid() * (b - a).relu() + (-a).exp().tanh(),
    lambda a, b: (a.sin() * b.cos()) ** 3 - (a * a + 0.5) ** b.tanh(),
    lambda a, b: a * a * a / (b * b + 2.0) + (a - 1.0) * (a + 1.0),
]


@pytest.mark.parametrize("build", HANDWRITTEN, ids=[f"expr{i}" for i in range(len(HANDWRITTEN))])
@settings(max_examples=100)
@given(
    a=st.floats(-2.0, 2.0, allow_subnormal=False),
    b=st.floats(-2.0, 2.0, allow_subnormal=False).filter(lambda b: abs(b) > 1e-3),
)
def test_handwritten_expressions_agree(build: Callable[..., Any], a: float, b: float) -> None:
    _agree(build, [a, b])


def _second_derivative(build: Callable[..., Any], x: float, kind: str) -> float:
    leaf = LEAVES[kind](x)
    build(leaf).backward(create_graph=True)
    g = leaf.grad
    leaf.grad = type(leaf)._empty_grad
    g.backward()
    return _number(leaf.grad)


@settings(max_examples=100)
@given(st.floats(-2.0, 2.0, allow_subnormal=False))
def test_second_derivatives_agree(x: float) -> None:
    def build(a: Any) -> Any:
        return (a * a + 1.0).log() * a.sigmoid() + a.sin() ** 2 / (a.exp() + 1.0)

    expected = _second_derivative(build, x, "value")
    for kind in ("0-d", "1-element"):
        got = _second_derivative(build, x, kind)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=kind)
