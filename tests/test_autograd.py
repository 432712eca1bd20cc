"""The graph machinery on Values: the cases where small autodiff engines go wrong."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings

from tinygrad_lite import Value, enable_grad, no_grad, scope
from tinygrad_lite.autograd import current_scope, toposort
from tinygrad_lite.gradcheck import gradcheck
from tinygrad_lite.testing import Expression, expressions


def test_deep_chain_backpropagates_without_recursion() -> None:
    # A recursive topological sort dies at about 1,000 nodes. The 1,000,000-deep chain
    # (time and memory) is measured in the benchmarks, not here.
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0
    assert y.data == 0.5


def test_backward_twice_accumulates_in_leaves() -> None:
    a = Value(3.0)
    b = a * a * a
    b.backward()
    assert a.grad == 27.0  # 3 * a**2
    b.backward()
    assert a.grad == 54.0  # leaves accumulate, as in PyTorch


def test_intermediate_gradients_are_recomputed_fresh() -> None:
    a = Value(2.0)
    m = a * a
    y = m * 3.0
    y.backward()
    assert m.grad == 3.0
    y.backward()
    assert m.grad == 3.0  # not 6: only leaves accumulate
    assert a.grad == 24.0  # 2 * (3 * 2a)


def test_reused_node_receives_the_sum_of_its_uses() -> None:
    x = Value(1.5)
    h = x.tanh()
    y = h * 2.0 + h.exp() - h
    y.backward()
    t = math.tanh(1.5)
    assert x.grad == pytest.approx((2.0 + math.exp(t) - 1.0) * (1 - t * t), rel=1e-12)


def test_a_times_a_keeps_two_edges() -> None:
    a = Value(3.0)
    b = a * a
    assert len(b.parents) == 2
    assert b.parents[0] is a
    assert b.parents[1] is a
    b.backward()
    assert a.grad == 6.0  # 2a, not a


def test_parents_in_argument_order_for_every_arity() -> None:
    # A node stores one or two inputs in slots and more in a tuple; `parents` hides that.
    a, b = Value(2.0), Value(5.0, requires_grad=False)
    assert a.parents == ()
    assert a.relu().parents == (a,)
    assert (3.0 - a).parents == (3.0, a)
    assert (a * b).parents == (a, b)
    s = Value.sum([a, 4.0, b, a])
    assert s.parents == (a, 4.0, b, a)
    assert [type(n) for n in toposort(s)] == [Value, Value, Value]  # a, b and s
    s.backward()
    assert a.grad == 2.0  # two edges into a
    assert b.grad == 0.0  # does not require grad


def test_sum_of_many_with_retain_graph_false_releases_it() -> None:
    a = Value(1.5)
    s = Value.sum([a * a, a, 2.0])
    s.backward(retain_graph=False)
    assert a.grad == 4.0  # 2a + 1
    assert s.parents == ()
    with pytest.raises(RuntimeError, match="already released"):
        s.backward()


def test_a_plus_a_is_two() -> None:
    a = Value(-1.25)
    (a + a).backward()
    assert a.grad == 2.0


def test_zero_grad_resets_to_empty() -> None:
    a = Value(2.0)
    (a * a).backward()
    assert a.grad == 4.0
    a.zero_grad()
    assert a.grad == 0.0
    assert type(a.grad) is float
    (a * 5.0).backward()
    assert a.grad == 5.0


def test_no_grad_records_nothing() -> None:
    a = Value(2.0)
    with no_grad():
        b = a * a + 1.0
    assert b.parents == ()
    assert b.op is None
    assert not b.requires_grad
    assert b.data == 5.0
    with pytest.raises(RuntimeError, match="does not require grad"):
        b.backward()


def test_enable_grad_inside_no_grad() -> None:
    a = Value(2.0)
    with no_grad():
        with enable_grad():
            b = a * a
        c = a * a
    assert b.requires_grad
    assert len(b.parents) == 2
    assert not c.requires_grad
    b.backward()
    assert a.grad == 4.0


def test_no_grad_restores_mode_after_an_exception() -> None:
    a = Value(2.0)
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert (a * a).requires_grad


def test_detach_cuts_the_graph() -> None:
    a = Value(2.0, label="a")
    b = a * a
    d = b.detach()
    assert d.data == 4.0
    assert d.is_leaf
    assert not d.requires_grad
    y = d * a  # d acts as the constant 4
    y.backward()
    assert a.grad == 4.0


def test_constant_leaves_get_no_gradient() -> None:
    a = Value(2.0)
    c = Value(5.0, requires_grad=False)
    (a * c).backward()
    assert a.grad == 5.0
    assert c.grad == 0.0


def test_retain_graph_false_then_second_backward_raises() -> None:
    a = Value(2.0)
    y = (a * a).tanh()
    y.backward(retain_graph=False)
    assert a.grad == pytest.approx(4 * (1 - math.tanh(4.0) ** 2))
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_scopes_tag_nodes_and_nest() -> None:
    a = Value(1.0)
    assert current_scope() is None
    with scope("layer1"):
        b = a * 2.0
        with scope("neuron0"):
            c = b.tanh()
            assert current_scope() == "layer1/neuron0"
    d = c + 1.0
    assert b.scope == "layer1"
    assert c.scope == "layer1/neuron0"
    assert d.scope is None
    assert current_scope() is None


@pytest.mark.parametrize("bad", ["", "a/b", 3])
def test_scope_rejects_bad_names(bad: object) -> None:
    with pytest.raises(ValueError, match="scope name"), scope(bad):  # type: ignore[arg-type]
        pass


def test_backward_on_a_constant_raises() -> None:
    c = Value(3.0, requires_grad=False)
    with pytest.raises(RuntimeError, match="does not require grad"):
        (c * c).backward()


def test_backward_with_explicit_gradient_scales() -> None:
    a = Value(2.0)
    (a * a).backward(3.0)
    assert a.grad == 12.0  # 3 * 2a
    b = Value(2.0)
    (b * b).backward(Value(-0.5))
    assert b.grad == -2.0


def test_toposort_puts_parents_first() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = toposort(e)
    position = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is e
    assert len(order) == 5
    for node in order:
        for p in node.parents:
            assert position[id(p)] < position[id(node)]


def test_create_graph_gives_value_gradients() -> None:
    x = Value(0.8)
    y = x * x * x
    y.backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Value)
    assert g.data == pytest.approx(3 * 0.8**2)
    assert g.requires_grad
    x.zero_grad()
    g.backward()
    assert x.grad == pytest.approx(6 * 0.8)  # d2/dx2 x^3 = 6x


def test_create_graph_gradient_of_a_linear_function_is_a_value() -> None:
    """With create_graph=True the gradient is a Value even when it is a constant."""
    x = Value(0.8)
    (x * 3.0).backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert x.grad.data == 3.0


def test_create_graph_off_gives_floats() -> None:
    x = Value(0.8)
    (x * x).backward()
    assert type(x.grad) is float


# --------------------------------------------------------------------------------------
# Random graphs
# --------------------------------------------------------------------------------------


@settings(max_examples=500)
@given(expressions(depth=3, n_inputs=3))
def test_random_expressions_match_finite_differences(expr: Expression) -> None:
    assert gradcheck(expr.build, expr.leaves())


@settings(max_examples=100)
@given(expressions(depth=4, n_inputs=2))
def test_random_expressions_second_derivatives(expr: Expression) -> None:
    """The gradient built with create_graph, differentiated again, against differences."""
    assume(not expr.near_kink(tol=1e-2))
    h = 1e-5

    def gradient(x: list[float]) -> list[float]:
        leaves = expr.leaves(x)
        expr.build(leaves).backward()
        return [leaf.grad for leaf in leaves]

    leaves = expr.leaves()
    expr.build(leaves).backward(create_graph=True)
    first = leaves[0].grad
    assert gradient(list(expr.inputs))[0] == pytest.approx(getattr(first, "data", first))
    if not isinstance(first, Value) or not first.requires_grad:
        analytic = [0.0] * expr.n_inputs  # the gradient does not depend on the inputs
    else:
        for leaf in leaves:
            leaf.zero_grad()
        first.backward()
        analytic = [leaf.grad for leaf in leaves]
    for j in range(expr.n_inputs):
        plus, minus = list(expr.inputs), list(expr.inputs)
        plus[j] += h
        minus[j] -= h
        numeric = (gradient(plus)[0] - gradient(minus)[0]) / (2 * h)
        assert analytic[j] == pytest.approx(numeric, rel=1e-4, abs=1e-4), (j, expr)
