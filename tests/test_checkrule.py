"""check_op: a gallery of wrong student rules, each caught with a message a student reads.

The op is softplus, log(1 + e^a), whose derivative is sigmoid(a): the custom op of the
cookbook. Every wrong rule below is one people write; each test says what the report must
name (the op, the input, the point, the shapes) and what it must advise.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

from tinygrad_lite import Tensor, Value
from tinygrad_lite.autograd import apply
from tinygrad_lite.checkrule import OpCheckFailure, OpCheckReport, check_op
from tinygrad_lite.gradcheck import gradcheck
from tinygrad_lite.ops import OPS, Op, exp, sigmoid, step
from tinygrad_lite.testing import _DEFINED_EVERYWHERE, _RESTRICTED


def softplus_forward(a: Any) -> Any:
    out = np.logaddexp(0.0, a)
    return float(out) if isinstance(a, float) else out


def softplus_with(rule: Callable[..., Any], **fields: Any) -> Op:
    return Op(
        "softplus", "softplus", "d softplus(a)/da = sigmoid(a)", softplus_forward, (rule,), **fields
    )


SOFTPLUS = softplus_with(lambda g, out, a: g * sigmoid(a))


def failure_of(op: Op, **options: Any) -> OpCheckFailure:
    report = check_op(op, **options)
    assert not report, f"check_op passed a wrong rule:\n{report}"
    assert report.failure is not None
    return report.failure


# --------------------------------------------------------------------------------------
# Right rules pass
# --------------------------------------------------------------------------------------


def test_a_right_rule_passes_on_values_and_tensors_first_and_second_order() -> None:
    report = check_op(SOFTPLUS)
    assert report.passed
    assert bool(report)
    assert report.failure is None
    assert report.cases == 4 * 25  # two stages, two kinds, 25 cases each
    text = str(report)
    assert text.startswith("check_op 'softplus': passed 100 random cases")
    assert "second order" in text
    assert "Tensors of shape (2, 3)" in text
    report.assert_passed()  # does not raise


#: The ops whose domain is known: recorded in testing.py or declared on the op.
RECORDED = sorted(
    name for name in OPS if name in _DEFINED_EVERYWHERE | _RESTRICTED or OPS[name].domain
)


@pytest.mark.parametrize("name", RECORDED)
def test_every_library_op_with_a_domain_passes(name: str) -> None:
    """No false alarms: the library's own rules pass, in the domains testing.py records."""
    report = check_op(OPS[name], max_examples=8)
    assert report, str(report)


def test_a_variadic_op_gets_n_inputs() -> None:
    plus = Op(
        "plus",
        "+",
        "d/dx_i = 1",
        lambda *xs: sum(xs[1:], xs[0]),
        (lambda g, out, *xs: g,),
        variadic=True,
    )
    assert check_op(plus, n_inputs=4, max_examples=5)
    wrong = dataclasses.replace(plus, vjps=(lambda g, out, *xs: g * len(xs),))
    failure = failure_of(wrong, n_inputs=3)
    assert len(failure.inputs) == 3
    assert "constant factor: it gives 3 times" in failure.hint
    many = failure_of(wrong, n_inputs=10, tensor_shape=None, second_order=False)
    assert "a = " in str(many)
    assert "x9 = " in str(many)  # past the letters, inputs are numbered


# --------------------------------------------------------------------------------------
# The gallery: what students get wrong
# --------------------------------------------------------------------------------------


def test_forgets_g_is_caught_though_plain_gradcheck_passes_it() -> None:
    forgets_g = softplus_with(lambda g, out, a: sigmoid(a))

    def call(x: Any) -> Any:
        return apply(type(x), forgets_g, (x,), forgets_g.forward(x.data))

    # The cookbook's old checks: a scalar output seeds backward with g = 1.
    assert gradcheck(lambda a, b: call(a * b), [Value(0.3), Value(-1.2)])
    assert gradcheck(lambda t: call(t).sum(), [Tensor(np.linspace(-3, 3, 7), requires_grad=True)])
    # A random projection after the op is what a real graph does to the rule.
    failure = failure_of(forgets_g)
    assert failure.stage == "first order"
    assert failure.kind == "Value"
    assert failure.report is not None
    assert not failure.report
    assert failure.upstream != 1.0
    row = failure.report.rows[0]
    assert row.name == "a"
    assert row.numeric == pytest.approx(failure.upstream * row.analytic, rel=1e-6)
    assert "forgets to multiply by the upstream gradient g" in failure.hint
    assert "backward starts with g = 1" in failure.hint


def test_wrong_sign() -> None:
    failure = failure_of(softplus_with(lambda g, out, a: -g * sigmoid(a)))
    assert failure.stage == "first order"
    assert failure.report is not None
    assert failure.report.rows[0].analytic == pytest.approx(-failure.report.rows[0].numeric)
    assert failure.hint == "the rule gives minus the derivative: check its sign."


def test_off_by_a_factor() -> None:
    failure = failure_of(softplus_with(lambda g, out, a: 0.5 * g * sigmoid(a)))
    assert "off by a constant factor: it gives 0.5 times the derivative" in failure.hint


def test_wrong_at_negative_inputs() -> None:
    """sigmoid(|a|) is right for a >= 0 only: the failing point is negative; the hint says so."""
    failure = failure_of(softplus_with(lambda g, out, a: g * sigmoid(abs(a))))
    assert failure.inputs[0] < 0
    assert "wrong where one is negative" in failure.hint
    assert "a = -" in str(failure)


def test_returns_none() -> None:
    failure = failure_of(softplus_with(lambda g, out, a: None))
    text = str(failure)
    assert "softplus: the derivative rule for input 0 (a) returned None" in text
    assert "forget its `return`" in text


@pytest.mark.parametrize(
    ("rule", "got"),
    [
        (lambda g, out, a: np.transpose(g * sigmoid(a)), "(3, 2)"),
        (lambda g, out, a: np.sum(g * sigmoid(a)), "()"),
    ],
    ids=["transposed", "summed"],
)
def test_wrong_shape_names_the_input_and_both_shapes(rule: Callable[..., Any], got: str) -> None:
    failure = failure_of(softplus_with(rule))
    assert failure.kind == "Tensor"  # on floats the shape cannot be wrong
    text = str(failure)
    assert f"input 0 (a) returned a gradient of shape {got}" in text
    assert "the input has shape (2, 3)" in text
    assert "g have shape (2, 3)" in text


def test_math_exp_on_an_array() -> None:
    failure = failure_of(softplus_with(lambda g, out, a: g * math.exp(a) / (1 + math.exp(a))))
    assert failure.kind == "Tensor"
    text = str(failure)
    assert "softplus: the derivative rule for input 0 (a)" in text
    assert "called a function of Python's math module on an array" in text
    assert "math.exp(a)" in text  # the line of the rule that did it
    assert "tinygrad_lite.ops (exp, log" in text


def test_python_if_on_an_array() -> None:
    failure = failure_of(
        softplus_with(lambda g, out, a: g * sigmoid(a) if a > 0 else g * exp(a) / (1 + exp(a)))
    )
    assert failure.kind == "Tensor"
    text = str(failure)
    assert "input 0 (a) used an array as a truth value (a Python `if`" in text
    assert "step(a)" in text


def test_math_exp_on_values_breaks_only_the_second_order() -> None:
    """On floats math.exp works; with create_graph the gradient falls out of the graph."""
    rule = softplus_with(lambda g, out, a: g * math.exp(a) / (1 + math.exp(a)))
    failure = failure_of(rule, tensor_shape=None)
    assert failure.stage == "second order"
    assert failure.kind == "Value"
    assert "gradient for a is a constant" in failure.hint
    assert "outside the graph (with math or numpy)" in failure.hint


def test_numpy_functions_on_tensor_nodes_break_the_second_order() -> None:
    """numpy functions a Tensor has (np.exp) record into the graph; others are refused."""
    assert check_op(softplus_with(lambda g, out, a: g * np.exp(a) / (1 + np.exp(a))))
    rule = lambda g, out, a: g * np.exp(a) / np.square(np.sqrt(1 + np.exp(a)))  # noqa: E731
    failure = failure_of(softplus_with(rule))  # np.square works on Values, not on Tensors
    assert failure.stage == "second order"
    assert failure.kind == "Tensor"
    assert "called a numpy function on a Tensor node" in failure.message
    assert "use t ** 2" in failure.message


def test_a_branch_written_with_step_passes() -> None:
    """The advice in the messages works: leaky relu with step(a) on every kind of input."""
    leaky = Op(
        "leaky_relu",
        "lrelu",
        "d/da = 1 if a > 0 else 0.1",
        lambda a: np.where(a > 0, a, 0.1 * a) if isinstance(a, np.ndarray) else max(a, 0.1 * a),
        (lambda g, out, a: g * (step(a) + 0.1 * (1 - step(a))),),
        domain=((-math.inf, -1e-3, 1e-3, math.inf),),
    )
    assert check_op(leaky)


def test_wrong_rule_for_the_second_input_names_it() -> None:
    times = Op(
        "times",
        "*",
        "d(ab)/da = b; d(ab)/db = a",
        lambda a, b: a * b,
        (lambda g, out, a, b: g * b, lambda g, out, a, b: g * b),
    )
    failure = failure_of(times)
    assert failure.report is not None
    assert [row.name for row in failure.report.failures] == ["b"]
    assert "a = " in str(failure)
    assert "b = " in str(failure)


# --------------------------------------------------------------------------------------
# Domains and the forward
# --------------------------------------------------------------------------------------


def my_log_forward(a: Any) -> Any:
    return np.log(a) if isinstance(a, np.ndarray) else math.log(a)


def test_an_undeclared_domain_is_named_with_how_to_declare_it() -> None:
    my_log = Op("my_log", "log", "d log(a)/da = 1/a", my_log_forward, (lambda g, out, a: g / a,))
    failure = failure_of(my_log)
    assert "the forward is not defined here" in failure.message
    assert "declared domain, none (every real number)" in failure.message
    assert "domain=((0.05, math.inf),)" in failure.message
    declared = dataclasses.replace(my_log, domain=((0.05, math.inf),))
    assert check_op(declared)


def test_a_forward_with_math_on_arrays_is_explained() -> None:
    op = Op("sp", "sp", "", lambda a: math.log1p(math.exp(a)), (lambda g, out, a: g * sigmoid(a),))
    failure = failure_of(op)
    assert failure.kind == "Tensor"
    assert failure.message.startswith("the forward failed: it called a function of Python's math")


def test_a_forward_that_returns_nothing() -> None:
    op = Op("nothing", "?", "", lambda a: None, (lambda g, out, a: g,))
    assert failure_of(op).message == "the forward returned NoneType, not a number or an array"


# --------------------------------------------------------------------------------------
# The report and the options
# --------------------------------------------------------------------------------------


def test_report_text_and_assert_passed() -> None:
    report = check_op(softplus_with(lambda g, out, a: -g * sigmoid(a)))
    assert isinstance(report, OpCheckReport)
    text = str(report)
    assert text.startswith("check_op 'softplus': FAILED")
    assert "first order, on Values, at a = " in text
    assert "upstream gradient g = " in text
    assert "hint: the rule gives minus the derivative" in text
    assert repr(report) == f"OpCheckReport: {text}"
    with pytest.raises(AssertionError) as info:
        report.assert_passed()
    assert str(info.value) == text


def test_the_same_seed_gives_the_same_report() -> None:
    wrong = softplus_with(lambda g, out, a: g * sigmoid(abs(a)))
    assert str(check_op(wrong, seed=3)) == str(check_op(wrong, seed=3))


def test_values_only_and_first_order_only() -> None:
    report = check_op(SOFTPLUS, tensor_shape=None, second_order=False, max_examples=7)
    assert report.cases == 7
    assert "first order, on Values, random upstream gradients" in str(report)


def test_points_from_your_own_strategy() -> None:
    points = st.tuples(st.floats(10.0, 20.0))
    # Right up to a = 5, zero beyond (where the derivative is nearly 1).
    wrong_far_out = softplus_with(lambda g, out, a: g * sigmoid(a) * step(5 - a))
    assert check_op(wrong_far_out, max_examples=5)  # the default domain [-5, 5] misses it
    failure = failure_of(wrong_far_out, points=points)
    assert float(np.min(failure.inputs[0])) >= 10.0


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="check_op needs an Op, got function"):
        check_op(lambda a: a)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="drew 2 number\\(s\\) but op 'softplus' takes 1"):
        check_op(SOFTPLUS, points=st.tuples(st.just(1.0), st.just(2.0)))


def test_import_without_hypothesis_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "tinygrad_lite.checkrule")
    monkeypatch.delitem(sys.modules, "tinygrad_lite.testing")
    with pytest.raises(ImportError) as info:
        importlib.import_module("tinygrad_lite.checkrule")
    assert re.search(r'pip install -e "\.\[test\]"', str(info.value))
