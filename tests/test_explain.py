"""The chain-rule explainer: paths, local derivatives, products, sums equal to backward."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

import tinygrad_lite as tl
from tinygrad_lite import Value, testing
from tinygrad_lite.examples import (
    default_nine_weight_point,
    nine_weight_gradients_by_hand,
    nine_weight_graph,
)
from tinygrad_lite.viz.explain import explain


def test_square_plus_identity_has_three_paths() -> None:
    a = Value(3.0, label="a")
    out = a * a + a
    e = explain(out, a)
    assert e.n_paths == 3
    assert len(e.paths) == 3
    # d(a*a + a)/da = 2a + 1, worked by hand.
    assert e.total == pytest.approx(7.0)
    assert e.grad == pytest.approx(7.0)
    assert e.agrees
    assert sorted(p.product for p in e.paths) == pytest.approx([1.0, 3.0, 3.0])
    # Each use of `a` in a*a is its own edge with its own argument index.
    mul_steps = [s for p in e.paths for s in p.steps if s.op == "mul"]
    assert sorted(s.index for s in mul_steps) == [0, 1]
    # the rule is written with the graph's names; the two uses are told apart
    assert {s.formula for s in mul_steps} == {"∂(a*a)/∂a = a"}
    assert sorted(s.role for s in mul_steps) == ["first factor", "second factor"]
    text = e.text()
    assert "mul1 (as its first factor)" in text
    assert "mul1 (as its second factor)" in text


def test_local_derivatives_come_from_the_op_rules() -> None:
    x = Value(0.7, label="x")
    y = x.sin().exp()
    y.label = "y"
    e = explain(y, x)
    (path,) = e.paths
    assert [s.op for s in path.steps] == ["exp", "sin"]
    assert path.steps[0].local == pytest.approx(math.exp(math.sin(0.7)))
    assert path.steps[1].local == pytest.approx(math.cos(0.7))
    assert path.nodes() == ["x", "sin1", "y"]  # the picture's name for sin(x)
    assert path.steps[1].formula == "∂ sin(x)/∂x = cos(x)"


def test_nine_weight_dl_dw1_reads_like_the_hand_derivation() -> None:
    x, y, w = default_nine_weight_point()
    g = nine_weight_graph(x, y, w)
    by_hand = nine_weight_gradients_by_hand(x, y, w)
    for k, weight in enumerate(g.weights):
        e = explain(g.loss, weight)
        assert e.total == pytest.approx(by_hand[k], rel=1e-9), f"w{k + 1}"
    e = explain(g.loss, g.weights[0])
    # t*t uses t twice: two paths, each through part1 and part2 only.
    assert e.n_paths == 2
    for path in e.paths:
        assert {"t", "part1", "part2", "y_hat"} <= set(path.nodes())
        assert "part3" not in path.nodes()
    text = str(e)
    # local derivatives (one edge) with ∂, the totals over paths with d
    assert "∂loss/∂(y-y_hat) * ∂(y-y_hat)/∂y_hat" in text
    assert "∂part2/∂(part1+w7)" in text
    assert "∂(w1*x1)/∂w1 = x1" in text  # the rule in the user's own names
    assert "t*t (as its first factor)" in text
    assert "t*t (as its second factor)" in text
    assert "dloss/dw1 = path 1 + path 2" in text
    assert "via this path" not in text
    assert "agrees" in text


def test_explain_leaves_gradients_alone() -> None:
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    out = a * b
    a.grad, b.grad = 123.0, -1.0
    e = explain(out, a)
    assert e.grad == pytest.approx(5.0)
    assert (a.grad, b.grad) == (123.0, -1.0)


def test_many_paths_are_capped_but_summed_exactly() -> None:
    x = Value(1.0001, label="x")
    y = x
    for _ in range(20):
        y = y * y  # 2**20 paths from x to y
    e = explain(y, x, max_paths=10)
    assert e.n_paths == 2**20
    assert len(e.paths) == 10
    assert e.truncated
    # d(x**(2**20))/dx by hand.
    expected = 2**20 * 1.0001 ** (2**20 - 1)
    assert e.total == pytest.approx(expected, rel=1e-9)
    assert e.agrees
    assert "showing the first 10 paths" in e.text()


def test_bad_arguments() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    out = a * 3
    with pytest.raises(ValueError, match="no path"):
        explain(out, b)
    x = Value(1.0, label="x", requires_grad=False)
    with pytest.raises(ValueError, match="does not require grad"):
        explain(a * x, x)
    with pytest.raises(TypeError, match="float"):
        explain(out, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_paths"):
        explain(out, a, max_paths=0)


def test_top_level_name() -> None:
    assert tl.explain is explain


@settings(max_examples=40)
@given(testing.expressions(depth=3, n_inputs=3))
def test_sum_over_paths_equals_backward_and_finite_differences(expr: object) -> None:
    leaves = expr.leaves()  # type: ignore[attr-defined]
    out = expr.build(leaves)  # type: ignore[attr-defined]
    if not isinstance(out, Value) or not out.requires_grad:
        return
    out.backward()
    backward_grads = [leaf.grad for leaf in leaves]
    for k, leaf in enumerate(leaves):
        if leaf not in set(tl.autograd.toposort(out)):
            continue
        e = explain(out, leaf)
        assert e.total == pytest.approx(backward_grads[k], rel=1e-7, abs=1e-9)
        assert leaf.grad == backward_grads[k]  # unchanged by explain
        # An independent check: central differences on the float evaluation.
        h = 1e-6
        xs = list(expr.inputs)  # type: ignore[attr-defined]
        up, down = xs.copy(), xs.copy()
        up[k] += h
        down[k] -= h
        numeric = (expr.evaluate(up) - expr.evaluate(down)) / (2 * h)  # type: ignore[attr-defined]
        if not expr.near_kink():  # type: ignore[attr-defined]
            assert e.total == pytest.approx(numeric, rel=1e-4, abs=1e-4)


def test_rule_letters_never_clash_with_the_users_names() -> None:
    b, a = Value(2.0, label="b"), Value(5.0, label="a")
    out = b + a * a  # the user's b is the first term, their a a factor
    e = explain(out, a)
    rules = {s.formula for p in e.paths for s in p.steps}
    assert "∂(b+mul1)/∂mul1 = 1" in rules
    assert "∂(a*a)/∂a = a" in rules
    assert "d(a+b)/db" not in e.text()  # the op table's generic letters never show


def test_explaining_the_output_by_itself_is_one() -> None:
    a = Value(2.0, label="a")
    c = a * 3
    c.label = "c"
    e = explain(c, c)
    assert e.total == 1.0
    assert e.grad == 1.0
    assert e.text() == "dc/dc = 1: c is the output itself (no edge to follow)"


def test_unlabelled_nodes_have_the_pictures_names() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    e = explain(c, a)
    boxes = {n.name for n in tl.viz.build_scene(c).nodes if n.kind == "value" and n.name}
    named = {name for p in e.paths for name in p.nodes()}
    assert named <= boxes
    assert named == {"a", "mul1", "exp1", "add1", "tanh1"}
    assert "where\n  mul1 = a * b" in e.text()
