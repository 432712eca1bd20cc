"""The hypothesis strategies: in-domain numbers and well-formed random expression graphs."""

from __future__ import annotations

import dataclasses
import importlib
import math
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_lite import Value
from tinygrad_lite.gradcheck import gradcheck
from tinygrad_lite.ops import OPS, Op, step
from tinygrad_lite.testing import Expression, expressions, op_inputs, safe_floats, values

# --------------------------------------------------------------------------------------
# Numbers in each op's domain
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=100)
@given(data=st.data())
def test_op_inputs_are_in_the_domain(name: str, data: st.DataObject) -> None:
    xs = data.draw(op_inputs(name))
    op = OPS[name]
    if op.variadic:
        assert 2 <= len(xs) <= 6
    else:
        assert len(xs) == len(op.vjps)
    out = op.forward(*xs)  # raises DomainError outside the domain
    assert math.isfinite(out)
    assert all(-5 <= x <= 5 for x in xs)


@settings(max_examples=200)
@given(
    log_x=safe_floats("log"),
    exp_x=safe_floats("exp"),
    relu_x=safe_floats("relu"),
    denominator=safe_floats("div", arg=1),
    base=safe_floats("pow", arg=0),
    exponent=safe_floats("pow", arg=1),
)
def test_safe_floats_keep_away_from_trouble(
    log_x: float, exp_x: float, relu_x: float, denominator: float, base: float, exponent: float
) -> None:
    assert log_x >= 0.05
    assert exp_x <= 5
    assert abs(relu_x) >= 1e-3
    assert abs(denominator) >= 0.1
    assert 0.1 <= base <= 5
    assert -3 <= exponent <= 3


@settings(max_examples=50)
@given(x=safe_floats("tanh", min_value=-0.5, max_value=0.25))
def test_safe_floats_respect_the_range(x: float) -> None:
    assert -0.5 <= x <= 0.25


def test_safe_floats_errors() -> None:
    with pytest.raises(KeyError, match="unknown op 'nope'"):
        safe_floats("nope")
    with pytest.raises(ValueError, match="no argument 1"):
        safe_floats("exp", arg=1)
    with pytest.raises(ValueError, match="misses the domain"):
        safe_floats("log", min_value=-5, max_value=-1)
    with pytest.raises(ValueError, match="no numbers"):
        safe_floats("relu", min_value=-1e-4, max_value=1e-4)


def test_an_op_without_a_recorded_domain_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new op must get its domain written down before it can be property-tested."""
    monkeypatch.setitem(OPS, "cbrt", OPS["log"])
    with pytest.raises(ValueError, match="no domain is recorded for op 'cbrt'"):
        safe_floats("cbrt")


@settings(max_examples=50)
@given(v=values(min_value=-1, max_value=2, label="w"))
def test_values_are_leaves(v: Value) -> None:
    assert isinstance(v, Value)
    assert v.is_leaf
    assert v.requires_grad
    assert v.label == "w"
    assert -1 <= v.data <= 2


@settings(max_examples=20)
@given(v=values(safe_floats("log"), requires_grad=False))
def test_values_from_a_strategy(v: Value) -> None:
    assert v.data >= 0.05
    assert not v.requires_grad


def test_import_without_hypothesis_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "tinygrad_lite.testing")
    with pytest.raises(ImportError) as info:
        importlib.import_module("tinygrad_lite.testing")
    # Works from a clone (the package may not be on an index) and anywhere else.
    assert 'pip install -e ".[test]"' in str(info.value)
    assert "pip install hypothesis" in str(info.value)


# --------------------------------------------------------------------------------------
# Random expressions
# --------------------------------------------------------------------------------------

MATH = {
    "tanh": math.tanh,
    "exp": math.exp,
    "log": math.log,
    "sin": math.sin,
    "cos": math.cos,
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
    "relu": lambda x: max(x, 0.0),
}


def run_formula(expr: Expression) -> float:
    """Evaluate the printed formula as Python: independent of both build and evaluate."""
    namespace: dict[str, object] = dict(MATH)
    namespace.update({f"x{k}": x for k, x in enumerate(expr.inputs)})
    exec(expr.formula, namespace)
    out = namespace["out"]
    assert isinstance(out, float)
    return out


@settings(max_examples=200)
@given(expressions(depth=3, n_inputs=3))
def test_built_graph_matches_plain_float_evaluation(expr: Expression) -> None:
    out = expr.build(expr.leaves())
    assert isinstance(out, Value)
    assert out.data == pytest.approx(run_formula(expr), rel=1e-9, abs=1e-12)
    assert expr.evaluate() == pytest.approx(out.data, rel=1e-9, abs=1e-12)


@settings(max_examples=200)
@given(expressions(depth=3))
def test_intermediate_values_stay_moderate(expr: Expression) -> None:
    """Every node of the built graph stays below 100 in magnitude (finite differences
    stay accurate)."""
    from tinygrad_lite.autograd import toposort

    for node in toposort(expr.build(expr.leaves())):
        assert abs(node.data) <= 100 + 1e-9


@settings(max_examples=100)
@given(
    expressions(depth=4, n_inputs=2, smooth=False),
    st.lists(st.floats(-2, 2), min_size=2, max_size=2),
)
def test_expressions_are_defined_for_every_input(expr: Expression, xs: list[float]) -> None:
    """The forms are total: any input in range builds and differentiates without error."""
    leaves = expr.leaves(xs)
    out = expr.build(leaves)
    assert math.isfinite(out.data)
    if out.requires_grad:
        out.backward()
    assert all(math.isfinite(leaf.grad) for leaf in leaves)


def test_three_line_use_case() -> None:
    @settings(max_examples=100, database=None)
    @given(expressions(depth=3))
    def test_grads(expr: Expression) -> None:
        assert gradcheck(expr.build, expr.leaves())

    test_grads()


def _draw_reprs(n: int) -> list[str]:
    drawn: list[str] = []

    @settings(max_examples=n, derandomize=True, database=None)
    @given(expressions(depth=3))
    def collect(expr: Expression) -> None:
        drawn.append(repr(expr))

    collect()
    return drawn


def test_expressions_are_reproducible() -> None:
    first, again = _draw_reprs(25), _draw_reprs(25)
    assert first == again
    assert len(set(first)) > 5


@settings(max_examples=50)
@given(expressions(depth=3))
def test_building_twice_gives_the_same_graph(expr: Expression) -> None:
    first, second = expr.build(expr.leaves()), expr.build(*expr.leaves())
    assert first.data == second.data
    assert [n.op for n in _nodes(first)] == [n.op for n in _nodes(second)]


def _nodes(root: Value) -> list[Value]:
    from tinygrad_lite.autograd import toposort

    return toposort(root)  # type: ignore[return-value]


def test_expressions_share_sub_expressions() -> None:
    """Over many draws, some graphs use a node in more than one place (incl. `x * x`)."""
    shared: list[int] = []
    total = 0

    @settings(max_examples=200, database=None, suppress_health_check=list(HealthCheck))
    @given(expressions(depth=3, n_inputs=3))
    def count(expr: Expression) -> None:
        nonlocal total
        total += 1
        # Count independently of the strategy: nodes with more than one consumer edge.
        uses: dict[int, int] = {}
        for node in _nodes(expr.build(expr.leaves())):
            for p in node.parents:
                if isinstance(p, Value):
                    uses[id(p)] = uses.get(id(p), 0) + 1
        shared.append(sum(1 for n in uses.values() if n > 1))

    count()
    with_sharing = sum(1 for n in shared if n > 0)
    assert with_sharing >= total // 4, (with_sharing, total)
    assert with_sharing < total  # and not every graph


@settings(max_examples=100)
@given(expressions(depth=3, ops=["tanh", "mul", "add"]))
def test_ops_selects_forms(expr: Expression) -> None:
    ops = {node.op.name for node in _nodes(expr.build(expr.leaves())) if node.op is not None}
    assert ops <= {"tanh", "mul", "add", "add_n"}  # add_n only joins several outputs


@settings(max_examples=200)
@given(expressions(depth=3, ops=["relu", "sub", "add"]))
def test_smooth_draws_keep_relu_inputs_away_from_the_kink(expr: Expression) -> None:
    for node in _nodes(expr.build(expr.leaves())):
        if node.op is OPS["relu"]:
            assert abs(node.parents[0].data) >= 1e-3


def test_expressions_argument_errors() -> None:
    with pytest.raises(ValueError, match="unknown op"):
        expressions(ops=["softmax"])
    with pytest.raises(ValueError, match=">= 1"):
        expressions(depth=0)


def test_near_kink_finds_relu_inputs_close_to_zero() -> None:
    from tinygrad_lite.testing import _Step

    expr = Expression((0.5, -0.2), (_Step("sub", (0, 1)), _Step("relu", (2,))))
    assert expr.formula == "out = relu(x0 - x1)"
    assert not expr.near_kink()
    assert expr.near_kink([0.3, 0.3])
    assert expr.near_kink([0.3, 0.2995], tol=1e-3)
    assert not expr.near_kink([0.3, 0.2995], tol=1e-4)
    assert expr.build(Value(1.0), Value(2.0)).data == 0.0
    with pytest.raises(ValueError, match="takes 2 inputs"):
        expr.build(Value(1.0))


def test_formula_names_shared_results_and_respects_precedence() -> None:
    from tinygrad_lite.testing import _Step

    steps = (_Step("add", (0, 1)), _Step("cube", (2,)), _Step("mul", (2, 3)), _Step("neg", (4,)))
    expr = Expression((0.5, -1.5), steps)
    assert expr.formula == "t2 = x0 + x1; out = -(t2 * (t2 ** 3))"
    assert run_formula(expr) == pytest.approx(-((0.5 - 1.5) ** 4))
    assert expr.build(expr.leaves()).data == pytest.approx(-((0.5 - 1.5) ** 4))


# --------------------------------------------------------------------------------------
# Ops of your own: a declared domain, in strategies and in random expressions
# --------------------------------------------------------------------------------------


def _my_log(a: Any) -> Any:
    return np.log(a) if isinstance(a, np.ndarray) else math.log(a)


MY_LOG = Op(
    "my_log",
    "log",
    "d log(a)/da = 1/a",
    _my_log,
    (lambda g, out, a: g / a,),
    domain=((0.5, math.inf),),
)
#: |a| with its kink kept out of the domain.
MY_ABS = Op(
    "my_abs",
    "abs",
    "d|a|/da = sign(a)",
    abs,
    (lambda g, out, a: g * (2 * step(a) - 1),),
    domain=((-math.inf, -0.25, 0.25, math.inf),),
)
#: a / b, the denominator kept away from 0.
MY_DIV = Op(
    "my_div",
    "/",
    "d(a/b)/da = 1/b; d(a/b)/db = -a/b^2",
    lambda a, b: a / b,
    (lambda g, out, a, b: g / b, lambda g, out, a, b: -g * a / (b * b)),
    domain=((-math.inf, math.inf), (-4.0, -1.0, 1.0, 4.0)),
)


@settings(max_examples=100)
@given(log_x=safe_floats(MY_LOG), abs_x=safe_floats(MY_ABS), args=op_inputs(MY_DIV))
def test_a_declared_domain_is_respected(
    log_x: float, abs_x: float, args: tuple[float, float]
) -> None:
    assert 0.5 <= log_x <= 5
    assert 0.25 <= abs(abs_x) <= 5
    assert -5 <= args[0] <= 5
    assert 1.0 <= abs(args[1]) <= 4.0


def test_a_declared_domain_reaches_both_intervals() -> None:
    seen: set[bool] = set()

    @settings(max_examples=100, derandomize=True)
    @given(safe_floats(MY_ABS))
    def draw(x: float) -> None:
        seen.add(x > 0)

    draw()
    assert seen == {True, False}


@settings(max_examples=30)
@given(safe_floats(Op("mine", "m", "", lambda a: a, (lambda g, out, a: g,))))
def test_an_op_of_your_own_without_a_domain_takes_the_whole_range(x: float) -> None:
    assert -5 <= x <= 5


def test_a_library_op_can_be_passed_as_an_op() -> None:
    @settings(max_examples=30)
    @given(safe_floats(OPS["log"]))
    def draw(x: float) -> None:
        assert x >= 0.05

    draw()


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        (((0.0, 1.0), (0.0, 1.0)), "declares a domain for 2 input\\(s\\) but takes 1"),
        (((1.0,),), "is not a list of increasing interval bounds in pairs"),
        (((2.0, 1.0),), "is not a list of increasing interval bounds in pairs"),
        (((math.nan, 1.0),), "is not a list of increasing interval bounds in pairs"),
    ],
)
def test_a_malformed_domain_says_how_to_write_one(domain: Any, message: str) -> None:
    op = dataclasses.replace(MY_LOG, domain=domain)
    with pytest.raises(ValueError, match=message) as info:
        safe_floats(op)
    assert "domain=((0.05, math.inf),)" in str(info.value)


def test_a_range_outside_the_declared_domain() -> None:
    with pytest.raises(ValueError, match="misses the domain of 'my_log'"):
        safe_floats(MY_LOG, min_value=-3, max_value=0.4)


@settings(max_examples=60)
@given(expressions(depth=3, extra_ops=[MY_LOG, MY_ABS, MY_DIV]))
def test_expressions_with_ops_of_your_own(expr: Expression) -> None:
    """Every drawn graph is defined, matches float evaluation and passes gradcheck."""
    assert expr.build(*expr.leaves()).data == pytest.approx(expr.evaluate(), rel=1e-12, abs=1e-12)
    assert gradcheck(expr.build, expr.leaves())


def test_expressions_use_ops_of_your_own() -> None:
    used: set[str] = set()

    @settings(max_examples=60, derandomize=True)
    @given(expressions(depth=2, ops=["add"], extra_ops=[MY_LOG, MY_DIV]))
    def draw(expr: Expression) -> None:
        used.update(step.form for step in expr.steps)
        if any(step.form == "op:my_log" for step in expr.steps):
            assert "my_log(0.5 + 4.5 * sigmoid(" in expr.formula

    draw()
    assert {"op:my_log", "op:my_div"} <= used


def test_extra_ops_errors() -> None:
    with pytest.raises(TypeError, match="extra_ops takes Op objects, got str"):
        expressions(extra_ops=["log"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="two ops with the same name"):
        expressions(extra_ops=[MY_LOG, MY_LOG])
    far = dataclasses.replace(MY_LOG, domain=((10.0, 20.0),))
    with pytest.raises(ValueError, match="no part of its domain"):
        expressions(extra_ops=[far])
    broken = dataclasses.replace(MY_LOG, domain=((-1.0, 1.0),))
    with pytest.raises(ValueError, match=r"the forward fails at .* inside its declared domain"):
        expressions(extra_ops=[broken])
