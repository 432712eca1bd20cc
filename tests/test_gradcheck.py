"""gradcheck and directional_check: they pass on right gradients and catch wrong ones."""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import numpy as np
import pytest

from tinygrad_lite import DomainError, Value, no_grad
from tinygrad_lite.autograd import Node, apply
from tinygrad_lite.gradcheck import GradcheckReport, directional_check, gradcheck
from tinygrad_lite.ops import OPS, Op

# --------------------------------------------------------------------------------------
# Helpers: ops with a deliberately wrong rule, and a minimal array node
# --------------------------------------------------------------------------------------

#: tanh whose rule forgot the square: d/dx tanh = 1 - tanh (wrong).
WRONG_TANH = dataclasses.replace(OPS["tanh"], vjps=(lambda g, out, a: g * (1 - out),))


def wrong_tanh(a: Value) -> Value:
    return apply(Value, WRONG_TANH, (a,), math.tanh(a.data))


def scale_with_error(delta: float) -> Op:
    """3 * a whose rule is off by `delta`."""
    return Op(
        "scale", "*3", "wrong on purpose", lambda a: 3 * a, (lambda g, out, a: g * (3 + delta),)
    )


class ArrayNode(Node):
    """The smallest node with numpy data: enough to check the array code paths."""

    __slots__ = ()
    _empty_grad = None

    def __init__(self, data: Any, label: str = "") -> None:
        self._init_leaf(np.asarray(data), None, label, None, True)

    def _accumulate(self, g: Any) -> None:
        self.grad = g if self.grad is None else self.grad + g

    @classmethod
    def _seed(cls, node: Node) -> Any:
        return np.ones_like(node.data)


#: sum(w * w * c) with c = [[1, 2, 3], [4, 5, 6]]: gradient 2 * c * w.
C = np.arange(1.0, 7.0).reshape(2, 3)
WEIGHTED_SQUARES = Op(
    "weighted_squares",
    "sum",
    "d/dw sum(c w^2) = 2 c w",
    lambda w: np.asarray(np.sum(C * w * w)),
    (lambda g, out, w: g * 2 * C * w,),
)


def weighted_squares(w: ArrayNode) -> ArrayNode:
    return apply(ArrayNode, WEIGHTED_SQUARES, (w,), WEIGHTED_SQUARES.forward(w.data))


# --------------------------------------------------------------------------------------
# Right gradients pass
# --------------------------------------------------------------------------------------


def test_passes_on_a_correct_function() -> None:
    a, b = Value(0.5, label="a"), Value(-1.5, label="b")
    report = gradcheck(lambda a, b: (a * b).tanh() + a.exp() / (b * b + 1), [a, b])
    assert isinstance(report, GradcheckReport)
    assert report.passed
    assert bool(report)
    assert [row.name for row in report.rows] == ["a", "b"]
    for row in report.rows:
        assert row.ok
        assert row.abs_error == abs(row.analytic - row.numeric)


def test_analytic_column_is_the_true_gradient() -> None:
    report = gradcheck(lambda x: x.sin() * x, [1.2])
    expected = math.cos(1.2) * 1.2 + math.sin(1.2)
    assert report.rows[0].analytic == pytest.approx(expected, rel=1e-12)
    assert report.rows[0].numeric == pytest.approx(expected, rel=1e-8)


def test_plain_numbers_are_wrapped_and_named_by_position() -> None:
    report = gradcheck(lambda x, y, z: x * y + z, [2.0, 3, Value(1.0, label="z")])
    assert [row.name for row in report.rows] == ["x0", "x1", "z"]
    assert [row.analytic for row in report.rows] == [3.0, 2.0, 1.0]
    assert report


def test_unused_input_has_zero_gradient() -> None:
    report = gradcheck(lambda a, b: a * a, [Value(1.0), Value(2.0)])
    assert report.rows[1].analytic == 0.0
    assert report.rows[1].numeric == 0.0
    assert report


def test_inputs_are_left_as_they_were() -> None:
    a = Value(0.3)
    a.grad = 7.0
    gradcheck(lambda a: a.tanh(), [a])
    assert a.data == 0.3
    assert a.grad == 7.0


def test_array_inputs_are_checked_entry_by_entry() -> None:
    w = ArrayNode(np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]]), label="W")
    before = w.data.copy()
    report = gradcheck(weighted_squares, [w])
    assert report
    names = [row.name for row in report.rows]
    assert names == ["W[0, 0]", "W[0, 1]", "W[0, 2]", "W[1, 0]", "W[1, 1]", "W[1, 2]"]
    analytic = np.array([row.analytic for row in report.rows])
    np.testing.assert_allclose(analytic, (2 * C * before).ravel(), rtol=1e-12)
    np.testing.assert_array_equal(w.data, before)
    assert w.grad is None


def test_tensor_inputs() -> None:
    from tinygrad_lite.tensor import Tensor

    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((3, 2)), requires_grad=True, label="x")
    b = Tensor(rng.standard_normal(2), requires_grad=True, label="b")
    report = gradcheck(lambda x, b: (x * b).tanh().sum(), [x, b])
    assert report, report
    assert [row.name for row in report.rows][:2] == ["x[0, 0]", "x[0, 1]"]
    assert report.rows[-1].name == "b[1]"
    assert directional_check(lambda x, b: (x * b).tanh().sum(), [x, b], n_directions=4)


# --------------------------------------------------------------------------------------
# Wrong gradients fail
# --------------------------------------------------------------------------------------


def test_fails_on_a_wrong_gradient_and_names_the_input() -> None:
    a, b = Value(0.7, label="alpha"), Value(0.2, label="beta")
    report = gradcheck(lambda a, b: wrong_tanh(a) + b * b, [a, b])
    assert not report.passed
    assert not report
    assert [row.ok for row in report.rows] == [False, True]
    assert report.worst.name == "alpha"
    assert report.failures == (report.rows[0],)
    t = math.tanh(0.7)
    assert report.rows[0].analytic == pytest.approx(1 - t, rel=1e-12)
    assert report.rows[0].numeric == pytest.approx(1 - t * t, rel=1e-8)
    text = str(report)
    assert "FAILED" in text
    failing = [line for line in text.splitlines() if line.startswith("alpha")]
    assert len(failing) == 1
    assert failing[0].endswith("FAIL")


def test_directional_check_catches_a_wrong_gradient() -> None:
    report = directional_check(lambda a, b: wrong_tanh(a) * b, [Value(0.7), Value(1.3)])
    assert not report.passed
    assert len(report.rows) == 3


@pytest.mark.parametrize(("delta", "passes"), [(5e-6, True), (2e-5, False)])
def test_tolerance_is_absolute_plus_relative(delta: float, passes: bool) -> None:
    op = scale_with_error(delta)
    report = gradcheck(lambda a: apply(Value, op, (a,), 3 * a.data), [1.0], atol=1e-5, rtol=0.0)
    assert report.passed is passes
    assert report.rows[0].abs_error == pytest.approx(delta, rel=1e-3)
    assert report.rows[0].rel_error == pytest.approx(delta / (3 + delta), rel=1e-3)
    # with a relative tolerance the same error passes: 2e-5 <= 1e-5 + 1e-5 * 3
    assert gradcheck(lambda a: apply(Value, op, (a,), 3 * a.data), [1.0], atol=1e-5, rtol=1e-5)


def test_nan_gradient_fails() -> None:
    """A rule that gives nan fails the check. (With Values, backward itself refuses a
    gradient that is not finite at finite inputs: see tests/test_value_surface.py.)"""
    op = Op("bad", "bad", "nan rule", lambda a: a, (lambda g, out, a: g * math.nan,))
    report = gradcheck(lambda a: apply(ArrayNode, op, (a,), a.data), [ArrayNode(np.array(1.0))])
    assert not report
    assert math.isnan(report.worst.abs_error)
    with pytest.raises(DomainError, match="is nan although every value in the graph is finite"):
        gradcheck(lambda a: apply(Value, op, (a,), a.data), [1.0])


# --------------------------------------------------------------------------------------
# Directional check
# --------------------------------------------------------------------------------------


def test_directional_check_agrees_with_the_full_gradient() -> None:
    w = ArrayNode(np.array([[0.5, -1.0, 2.0], [0.1, 1.5, -0.25]]))
    report = directional_check(weighted_squares, [w], n_directions=5, seed=3)
    assert report
    assert [row.name for row in report.rows] == [f"direction {d}" for d in range(5)]
    # Rebuild the directions with the same seed: <2 c w, u> is the analytic column.
    rng = np.random.default_rng(3)
    for row in report.rows:
        u = rng.standard_normal(6)
        u /= np.linalg.norm(u)
        assert row.analytic == pytest.approx(float((2 * C * w.data).ravel() @ u), rel=1e-12)


def test_directional_check_is_reproducible() -> None:
    def f(a: Value, b: Value) -> Value:
        return (a * b).sin()

    first = directional_check(f, [0.3, 0.9], seed=1)
    again = directional_check(f, [0.3, 0.9], seed=1)
    other = directional_check(f, [0.3, 0.9], seed=2)
    assert first.rows == again.rows
    assert first.rows != other.rows


# --------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------


def test_report_table_is_aligned() -> None:
    report = gradcheck(
        lambda a, bb, c: a * bb * c, [Value(1.0, label="a"), Value(-200.0, label="bb"), 0.001]
    )
    lines = str(report).splitlines()
    assert lines[0].startswith("gradcheck passed")
    table = lines[1:]
    assert table[0].split() == ["input", "analytic", "numeric", "abs", "err", "rel", "err"]
    assert [line.split()[0] for line in table[1:]] == ["a", "bb", "x2"]
    # Every numeric column ends at the same position on every line.
    ends = [[m.end() for m in re.finditer(r"\S+", line)] for line in table[1:]]
    assert all(e[1:5] == ends[0][1:5] for e in ends)
    assert all(line.endswith("ok") for line in table[1:])


def test_long_reports_show_failures_first() -> None:
    values = [Value(0.1 * k, label=f"v{k}") for k in range(50)]
    values[37] = Value(0.5, label="culprit")

    def f(*xs: Value) -> Value:
        return Value.sum([wrong_tanh(x) if x.label == "culprit" else x * x for x in xs])

    report = gradcheck(f, values)
    text = report.table(max_rows=5)
    assert text.splitlines()[1].startswith("culprit")
    assert "45 more rows" in text
    assert "culprit" in repr(report)


def test_html_report() -> None:
    report = gradcheck(lambda a: wrong_tanh(a), [Value(0.5, label="<x>")])
    page = report._repr_html_()
    assert "<table>" in page
    assert "&lt;x&gt;" in page
    assert "FAIL" in page


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_f_must_return_a_node() -> None:
    with pytest.raises(TypeError, match=r"f must return a node.*float"):
        gradcheck(lambda a: a.data * 2, [1.0])


def test_f_must_return_a_scalar() -> None:
    w = ArrayNode(np.ones(3))
    with pytest.raises(ValueError, match=r"scalar.*\(3,\)"):
        gradcheck(lambda w: w, [w])


def test_f_must_not_be_a_constant() -> None:
    def f(a: Value) -> Value:
        with no_grad():
            return a * 2

    with pytest.raises(ValueError, match="does not depend"):
        gradcheck(f, [1.0])


def test_inputs_must_require_grad() -> None:
    with pytest.raises(ValueError, match=r"input 1 \(c\) does not require grad"):
        gradcheck(lambda a, c: a * c, [Value(1.0), Value(2.0, label="c", requires_grad=False)])


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (["x"], "input 0 .* got str"),
        ([1.0, None], "input 1 .* got NoneType"),
        ([True], "got bool"),
        (Value(1.0), "list or tuple .* got Value"),
        (3.0, "got float"),
    ],
)
def test_inputs_must_be_nodes_or_numbers(inputs: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        gradcheck(lambda *xs: xs[0] * 1, inputs)


def test_inputs_must_be_distinct_leaves() -> None:
    a = Value(1.0)
    with pytest.raises(ValueError, match="same node"):
        gradcheck(lambda x, y: x * y, [a, a])
    with pytest.raises(ValueError, match="leaves"):
        gradcheck(lambda x: x * 1, [a * 2])
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: a, [])


def test_float32_arrays_are_refused() -> None:
    with pytest.raises(TypeError, match="float32"):
        gradcheck(weighted_squares, [ArrayNode(np.ones((2, 3), dtype=np.float32))])


@pytest.mark.parametrize(
    "settings", [{"eps": 0.0}, {"eps": -1e-6}, {"atol": math.nan}, {"rtol": "1e-4"}]
)
def test_bad_tolerances(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"eps|atol|rtol"):
        gradcheck(lambda a: a * 1, [1.0], **settings)


def test_f_must_be_callable_and_directions_positive() -> None:
    with pytest.raises(TypeError, match="callable"):
        gradcheck(3, [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_directions"):
        directional_check(lambda a: a * 1, [1.0], n_directions=0)


def test_domain_error_at_a_perturbed_point_restores_the_input() -> None:
    a = Value(1e-7, label="a")
    with pytest.raises(DomainError) as info:
        gradcheck(lambda a: a.log(), [a])
    assert a.data == 1e-7
    assert any("a - 1e-06" in note for note in info.value.__notes__)
