"""The scalar Value as micrograd's lecture and PyTorch users handle it.

Comparisons, abs, sqrt, leaky_relu, clamp, formatting and conversions, ``p.grad = None``,
and every elementwise op of the table against PyTorch in float64 on 0-d tensors: forward,
gradient and second derivative, with the kinks where PyTorch puts them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_ops_scalar import CALL

from tests.optional import require
from tinygrad_lite import DomainError, Tensor, Value
from tinygrad_lite.nn import MLP
from tinygrad_lite.ops import OPS
from tinygrad_lite.optim import SGD
from tinygrad_lite.testing import op_inputs

# --------------------------------------------------------------------------------------
# Comparisons: plain bools from the numbers; == stays identity
# --------------------------------------------------------------------------------------


def test_comparisons_with_values_and_numbers_are_plain_bools() -> None:
    a, b = Value(2.0), Value(-3.0)
    results = [a > b, a >= b, b < a, b <= a, a > 0, 0 < a, a < 2.5, a >= 2, b <= -3]  # noqa: SIM300
    assert results == [True] * len(results)
    assert all(type(r) is bool for r in results)
    assert not (a < b)
    assert not (a > 2.0)


def test_max_sorted_and_if_work_on_values() -> None:
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(0.5, label="c")
    assert max(a, b) is a
    assert min(a, b, c) is b
    assert [v.label for v in sorted([a, b, c])] == ["b", "c", "a"]
    picked = a if a > 0 else b
    assert picked is a
    m = max(a, b) * 2.0  # the gradient reaches the Value that max returned
    m.backward()
    assert (a.grad, b.grad) == (2.0, 0.0)


def test_equality_stays_identity_so_values_live_in_sets() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert a != b
    assert len({a, b, a}) == 2
    assert {a: "x"}[a] == "x"


@pytest.mark.parametrize("other", ["1", None, [1.0], True])
def test_comparing_with_a_non_number_raises(other: Any) -> None:
    with pytest.raises(TypeError):
        _ = Value(1.0) < other


def test_comparing_with_a_tensor_raises() -> None:
    with pytest.raises(TypeError, match="Value"):
        _ = Value(1.0) < Tensor([1.0, 2.0])


# --------------------------------------------------------------------------------------
# New functions
# --------------------------------------------------------------------------------------


def test_abs_sqrt_leaky_relu_clamp_values_and_gradients() -> None:
    x = Value(-2.0)
    y = abs(x) + x.abs() + (x * x).sqrt() + x.leaky_relu() + x.clamp(-1.0, 1.0)
    assert y.data == pytest.approx(2 + 2 + 2 - 0.02 - 1)
    y.backward()
    assert x.grad == pytest.approx(-1 - 1 - 1 + 0.01 + 0)


def test_leaky_relu_slope_and_a_learnable_slope() -> None:
    x, s = Value(-2.0), Value(0.2)
    y = x.leaky_relu(s)
    assert y.data == pytest.approx(-0.4)
    y.backward()
    assert (x.grad, s.grad) == (pytest.approx(0.2), pytest.approx(-2.0))
    assert Value(3.0).leaky_relu(slope=0.5).data == 3.0


def test_clamp_with_one_bound() -> None:
    assert Value(-2.0).clamp(min=0.0).data == 0.0
    assert Value(5.0).clamp(max=1.0).data == 1.0
    assert Value(0.5).clamp(max=1.0).data == 0.5
    with pytest.raises(ValueError, match="min, max or both"):
        Value(1.0).clamp()
    with pytest.raises(DomainError, match="greater than max") as info:
        Value(1.0).clamp(2.0, 1.0)
    assert info.value.op == "clamp"


def test_sqrt_of_a_negative_value_names_the_value() -> None:
    with pytest.raises(DomainError, match=r"sqrt needs a non-negative input, got -4\.0") as info:
        Value(-4.0).sqrt()
    assert info.value.op == "sqrt"


def test_sqrt_at_zero_has_an_infinite_derivative_a_domain_error() -> None:
    x = Value(0.0)
    y = x.sqrt()
    assert y.data == 0.0
    with pytest.raises(DomainError, match="derivative of sqrt at 0 is infinite") as info:
        y.backward()
    assert info.value.op == "sqrt"


def test_the_formulas_say_what_happens_at_the_kinks() -> None:
    assert "0 at a = 0 (as PyTorch)" in OPS["abs"].formula
    assert "s at a = 0, as PyTorch" in OPS["leaky_relu"].formula
    assert "1 at the bounds, as PyTorch" in OPS["clamp"].formula
    assert "DomainError at a = 0" in OPS["sqrt"].formula


# --------------------------------------------------------------------------------------
# Formatting and conversions
# --------------------------------------------------------------------------------------


def test_format_and_fstrings_format_the_number() -> None:
    v = Value(3.14159, label="pi")
    assert format(v, ".2f") == "3.14"
    assert f"{v:.4f}" == "3.1416"
    assert f"{v:>8.1f}" == "     3.1"
    assert f"{v:.1e}" == "3.1e+00"
    assert f"{v}" == repr(v)  # no spec: the repr, as str()


def test_round_and_int_behave_as_for_the_float() -> None:
    assert round(Value(2.567), 2) == 2.57
    assert round(Value(2.5)) == 2  # Python's rounding (half to even) of the float
    assert type(round(Value(2.6))) is int
    assert int(Value(2.7)) == 2
    assert int(Value(-2.7)) == -2
    assert float(Value(1.5)) == 1.5


def test_int_and_format_match_pytorch_on_a_0d_tensor() -> None:
    torch = require("torch")
    for x in (2.7, -2.7, 0.5):
        assert int(Value(x)) == int(torch.tensor(x, dtype=torch.float64))
        assert f"{Value(x):.3f}" == f"{torch.tensor(x, dtype=torch.float64):.3f}"
    with pytest.raises(TypeError):  # PyTorch has no round() for tensors; Value rounds its float
        round(torch.tensor(2.5))


# --------------------------------------------------------------------------------------
# p.grad = None: "no gradient yet"
# --------------------------------------------------------------------------------------


def test_grad_none_is_a_valid_empty_gradient() -> None:
    a, b = Value(2.0), Value(3.0)
    a.grad = None
    b.grad = None
    (a * b + a).backward()
    assert (a.grad, b.grad) == (4.0, 2.0)
    (a * b).backward()
    assert a.grad == 7.0  # accumulates from there on, as ever


def test_grad_none_on_the_root_and_with_create_graph() -> None:
    x = Value(1.5)
    x.grad = None
    x.backward()
    assert x.grad == 1.0
    x.grad = None
    (x * x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert x.grad.data == pytest.approx(3 * 1.5**2)


def test_repr_of_a_value_whose_grad_is_none() -> None:
    v = Value(1.0, label="w")
    v.grad = None
    assert "grad=None" in repr(v)


def test_the_lecture_loop_with_grad_none() -> None:
    """The PyTorch habit `p.grad = None` in micrograd's training loop."""
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = MLP(3, [4, 4, 1], seed=1)
    losses = []
    for _ in range(20):
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True))
        for p in model.parameters():
            p.grad = None
        loss.backward()
        assert all(type(p.grad) is float for p in model.parameters())
        for p in model.parameters():
            p.data += -0.05 * p.grad
        losses.append(loss.data)
    assert losses[-1] < losses[0]


def test_an_optimizer_skips_a_value_whose_grad_is_none() -> None:
    a, b = Value(1.0), Value(2.0)
    opt = SGD([a, b], lr=0.1)
    (a * 3.0).backward()
    b.grad = None
    opt.step()
    assert (a.data, b.data) == (pytest.approx(0.7), 2.0)


# --------------------------------------------------------------------------------------
# Every elementwise op against PyTorch: forward, gradient, second derivative, kinks
# --------------------------------------------------------------------------------------


try:
    from test_tensor_torch import TORCH
except pytest.skip.Exception:  # no PyTorch installed; `require` below skips (or fails in CI)
    TORCH = {}


def _torch_call(name: str) -> Callable[..., Any]:
    """PyTorch's form of op `name` (the Tensor tests' table; add_n takes any number)."""
    require("torch")
    if name == "add_n":
        return lambda *xs: sum(xs[1:], xs[0])
    return TORCH[name]


def test_every_op_has_a_torch_reference() -> None:
    require("torch")
    for name in OPS:
        _torch_call(name)


def _ours(name: str, xs: tuple[float, ...]) -> tuple[float, list[float], list[float]]:
    """Forward, gradient, and the Hessian times a vector of ones, with Values."""
    leaves = [Value(x) for x in xs]
    out = CALL[name](*leaves)
    out.backward(create_graph=True)
    grads = [leaf.grad for leaf in leaves]
    first = [g.data if isinstance(g, Value) else g for g in grads]
    for leaf in leaves:
        leaf.zero_grad()
    live = [g for g in grads if isinstance(g, Value) and g.requires_grad]
    if live:
        Value.sum(live).backward()
    return out.data, first, [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=60)
@given(data=st.data())
def test_op_matches_torch_forward_gradient_and_second_derivative(
    name: str, data: st.DataObject
) -> None:
    torch = require("torch")
    xs = data.draw(op_inputs(name, min_value=-3, max_value=3), label="inputs")
    # PyTorch's pow rule masks the base's gradient where the exponent is exactly 0, which
    # also zeroes its derivative with respect to the exponent (mathematically 1/a there).
    assume(name != "pow" or xs[1] != 0.0)
    value, first, second = _ours(name, xs)
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = _torch_call(name)(*leaves)
    grads = torch.autograd.grad(out, leaves, create_graph=True, allow_unused=True)
    live = [g for g in grads if g is not None and g.requires_grad]
    hessian = (
        torch.autograd.grad(sum(live), leaves, allow_unused=True) if live else [None] * len(xs)
    )
    assert value == pytest.approx(out.item(), rel=1e-12, abs=1e-12)
    assert first == pytest.approx(
        [0.0 if g is None else g.item() for g in grads], rel=1e-10, abs=1e-12
    )
    assert second == pytest.approx(
        [0.0 if h is None else h.item() for h in hessian], rel=1e-9, abs=1e-10
    )


KINKS: list[tuple[str, Callable[[Value], Value], Callable[[Any, Any], Any], float]] = [
    ("abs at 0", lambda v: v.abs(), lambda t, torch: torch.abs(t), 0.0),
    ("relu at 0", lambda v: v.relu(), lambda t, torch: torch.relu(t), 0.0),
    (
        "leaky_relu at 0",
        lambda v: v.leaky_relu(0.1),
        lambda t, torch: torch.nn.functional.leaky_relu(t, 0.1),
        0.0,
    ),
    ("clamp at its min", lambda v: v.clamp(-1.0, 1.0), lambda t, torch: t.clamp(-1.0, 1.0), -1.0),
    ("clamp at its max", lambda v: v.clamp(-1.0, 1.0), lambda t, torch: t.clamp(-1.0, 1.0), 1.0),
    ("clamp(min=0) at 0", lambda v: v.clamp(min=0.0), lambda t, torch: t.clamp(min=0.0), 0.0),
]


@pytest.mark.parametrize(("text", "ours", "theirs", "x"), KINKS, ids=[k[0] for k in KINKS])
def test_kinks_follow_pytorch(
    text: str, ours: Callable[[Value], Value], theirs: Callable[[Any, Any], Any], x: float
) -> None:
    torch = require("torch")
    v = Value(x)
    ours(v).backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    theirs(t, torch).backward()
    assert v.grad == t.grad.item()


def test_sqrt_at_zero_is_where_pytorch_returns_inf() -> None:
    """The one deliberate difference: PyTorch's derivative of sqrt at 0 is inf; here it is
    a DomainError, as for x ** 0.5, because an inf gradient spoils every later step."""
    torch = require("torch")
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.sqrt(t).backward()
    assert math.isinf(t.grad.item())
    with pytest.raises(DomainError):
        Value(0.0).sqrt().backward()


def test_comparison_results_agree_with_pytorch() -> None:
    torch = require("torch")
    for a, b in [(1.0, 2.0), (2.0, 2.0), (-1.0, -3.0)]:
        va, ta = Value(a), torch.tensor(a, dtype=torch.float64)
        for op in ("__lt__", "__le__", "__gt__", "__ge__"):
            assert getattr(va, op)(b) == bool(getattr(ta, op)(b))


def test_value_and_tensor_agree_on_the_new_ops() -> None:
    xs = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    for build in (
        lambda n: n.abs(),
        lambda n: n.leaky_relu(0.2),
        lambda n: n.clamp(-1.0, 1.0),
        lambda n: (n * n + 1.0).sqrt(),
    ):
        t = Tensor(xs, requires_grad=True)
        build(t).sum().backward()
        for i, x in enumerate(xs):
            v = Value(x)
            y = build(v)
            y.backward()
            assert y.data == build(Tensor(xs)).data[i]
            assert v.grad == t.grad[i]
