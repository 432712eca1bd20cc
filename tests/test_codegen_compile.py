"""`tl.compile`: traced once, then generated code; checked against the eager engine.

Training runs the same loop twice, once eager and once compiled, from the same start:
the curves must agree to 1e-12 (in practice to the last bit).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Tensor, Value, ops
from tinygrad_lite.autograd import apply
from tinygrad_lite.codegen import Compiled, TraceError
from tinygrad_lite.data import make_nine_weight_table
from tinygrad_lite.errors import DomainError
from tinygrad_lite.examples import nine_weight_graph
from tinygrad_lite.nn import Linear, ReLU, Sequential, Sigmoid
from tinygrad_lite.nn import functional as F
from tinygrad_lite.optim import SGD, Adam


def assert_same(got: Any, want: Any) -> None:
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12, atol=0)


# ----------------------------------------------------------------------------------
# Training: workflow 1 and a Tensor network
# ----------------------------------------------------------------------------------


OPTIMIZERS = {
    "sgd": lambda ws: SGD(ws, lr=0.1),
    "momentum": lambda ws: SGD(ws, lr=0.01, momentum=0.9),
    "adam": lambda ws: Adam(ws, lr=0.01),
}


def _train_nine_weight(make_optimizer: Any, compiled: bool, epochs: int) -> list[float]:
    X, Y, _ = make_nine_weight_table(n=506, noise=0.1, seed=0)
    xs, ys = X.tolist(), Y.tolist()
    start = np.random.default_rng(1).normal(0.0, 0.5, size=9)
    weights = [Value(float(v), label=f"w{k + 1}") for k, v in enumerate(start)]
    opt = make_optimizer(weights)
    step = tl.compile(lambda x, y: nine_weight_graph(x, y, weights).loss)
    order_rng = np.random.default_rng(2)
    curve = []
    for _ in range(epochs):
        total = 0.0
        for i in order_rng.permutation(len(xs)):
            opt.zero_grad()
            if compiled:
                loss = step(xs[i], ys[i])
            else:
                node = nine_weight_graph(xs[i], ys[i], weights).loss
                node.backward()
                loss = node.data
            opt.step()
            total += loss
        curve.append(total / len(xs))
    if compiled:
        assert step.traces == 2  # the first sample, and the check on the second
    return curve


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_nine_weight_training_curves_match_the_engine(name: str) -> None:
    eager = _train_nine_weight(OPTIMIZERS[name], compiled=False, epochs=4)
    compiled = _train_nine_weight(OPTIMIZERS[name], compiled=True, epochs=4)
    assert_same(compiled, eager)
    assert eager[-1] < eager[0]  # it did train


def _tensor_net(seed: int) -> Sequential:
    return Sequential(
        Linear(2, 10, seed=seed), Sigmoid(), Linear(10, 10, seed=seed + 1), ReLU(),
        Linear(10, 3, seed=seed + 2),
    )  # fmt: skip


def test_tensor_training_sees_the_optimizers_updates() -> None:
    rng = np.random.default_rng(0)
    batches = [(rng.normal(size=(16, 2)), rng.integers(0, 3, size=16)) for _ in range(5)]
    runs = []
    for compiled in (False, True):
        net = _tensor_net(3)
        opt = Adam(net.parameters(), lr=0.05)
        step = tl.compile(lambda X, y, net=net: F.cross_entropy(net(Tensor(X)), y))
        losses = []
        for _epoch in range(8):
            for X, y in batches:
                opt.zero_grad()
                if compiled:
                    losses.append(float(step(X, y)))
                else:
                    loss = F.cross_entropy(net(Tensor(X)), y)
                    loss.backward()
                    losses.append(loss.item())
                opt.step()
        runs.append((losses, [p.data.copy() for p in net.parameters()]))
        if compiled:
            assert step.traces == 2
    (eager, eager_w), (fast, fast_w) = runs
    assert_same(fast, eager)
    for a, b in zip(fast_w, eager_w, strict=True):
        assert_same(a, b)


# ----------------------------------------------------------------------------------
# What a call does
# ----------------------------------------------------------------------------------


def test_gradients_accumulate_into_grad_as_backward_does() -> None:
    w = Value(0.5, label="w")
    f = tl.compile(lambda x: (w * x - 1.0) ** 2)
    assert f(2.0) == 0.0
    assert f(3.0) == 0.25
    assert w.grad == 0.0 + 2 * 0.5 * 3.0  # the first call's gradient was 0
    f(3.0)
    assert w.grad == 6.0


def test_argument_leaves_get_gradients_too() -> None:
    f = tl.compile(lambda a, b: (a * b).tanh())
    a, b = Value(0.3), Value(-1.2, requires_grad=False)
    out = f(a, b)
    ref_a, ref_b = Value(0.3), Value(-1.2, requires_grad=False)
    ref = (ref_a * ref_b).tanh()
    ref.backward()
    assert out == ref.data
    assert a.grad == ref_a.grad
    assert b.grad == 0.0  # needs no gradient, gets none


def test_gradients_returns_them_without_touching_grad() -> None:
    w = Value(0.5, label="w")
    f = tl.compile(lambda x, v: (w * x * v).sin())
    v = Value(2.0)
    out, grads = f.gradients(0.7, v)
    assert w.grad == 0.0
    assert v.grad == 0.0
    assert out == math.sin(0.7)
    assert grads == {v: math.cos(0.7) * 0.5 * 0.7, w: math.cos(0.7) * 0.7 * 2.0}


def test_a_scalar_graph_runs_on_arrays_of_samples() -> None:
    X, Y, w_true = make_nine_weight_table(n=50, noise=0.1, seed=3)
    weights = [Value(float(v), label=f"w{k + 1}") for k, v in enumerate(w_true * 0.9)]
    f = tl.compile(lambda x, y: nine_weight_graph(x, y, weights).loss)
    per_sample = [f(list(X[i].tolist()), float(Y[i])) for i in range(len(X))]
    grads_before = [w.grad for w in weights]
    losses = f(list(X.T), Y)  # one array per input
    assert isinstance(losses, np.ndarray)
    assert losses.shape == (50,)
    np.testing.assert_allclose(losses, per_sample, rtol=1e-12, atol=0)
    assert [w.grad for w in weights] == grads_before  # arrays do not touch .grad
    _, grads = f.gradients(list(X.T), Y)
    for i in (0, 17, 49):
        eager = nine_weight_graph(X[i].tolist(), float(Y[i]), [w.data for w in weights])
        eager.loss.backward()
        for w, node in zip(weights, eager.weights, strict=True):
            np.testing.assert_allclose(grads[w][i], node.grad, rtol=1e-12, atol=0)
    assert f.traces == 2


def test_another_structure_traces_again() -> None:
    W = Tensor(np.full((3, 2), 0.1), requires_grad=True)

    def loss(X: Any) -> Tensor:
        return (Tensor(X).double() @ W).tanh().sum()  # float32 data cast, as PyTorch wants

    f = tl.compile(loss)
    calls = [np.ones((4, 3)), np.ones((4, 3)) * 2, np.ones((5, 3)), np.ones((5, 3), np.float32)]
    calls.append(np.ones((4, 3)) * 3)  # the first structure again: no trace
    for X in calls:
        f(X)
    assert f.traces == 4  # two shapes and a dtype, and the check with new data
    compiled = W.grad
    W.grad = None
    for X in calls:
        loss(X).backward()
    assert_same(compiled, W.grad)


def test_the_fast_path_takes_only_calls_like_the_traced_one() -> None:
    """After the check, calls go through generated glue that tests each argument; any
    other call (length, type, shape, dtype) goes the general way and traces anew."""
    w = Tensor(np.array([0.5, -0.25]), requires_grad=True)

    def loss(xs: list[float], v: np.ndarray) -> Tensor:
        return (Tensor(v) * w).sum() * xs[0] - xs[-1]

    f = tl.compile(loss)
    calls: list[tuple[Any, ...]] = [
        ([1.0, 2.0], np.array([1.0, 3.0])),
        ([3.0, 2.0], np.array([2.0, 3.0])),  # new data: the check; glue written after it
        ([5.0, 1.0], np.array([0.5, 0.5])),  # the glue
        ([5.0, 1.0, 2.0], np.array([0.5, 0.5])),  # a longer list
        ((5.0, 1.0), np.array([0.5, 0.5])),  # a tuple
        ([5.0, 1.0], np.array([0.5, 0.5], dtype=np.float32)),  # a dtype
        ([5.0, 1.0], np.array([[0.5, 0.5]])),  # a shape
        ([5.0, 1.0], np.array([7.0, 8.0])),  # the first structure again: the glue
    ]
    for xs, v in calls:
        w.grad = None
        got = f(xs, v)
        mine = w.grad
        w.grad = None
        ref = loss(xs, v)
        ref.backward()
        assert_same(got, ref.data)
        assert_same(mine, w.grad)
    assert f.traces == 6


def test_ints_are_part_of_the_structure() -> None:
    w = Value(2.0, label="w")
    f = tl.compile(lambda x, n: w * x**n)
    assert f(3.0, n=2) == 18.0
    assert f(3.0, n=3) == 54.0
    assert f.traces == 2


def test_values_made_from_arguments_inside_the_function_follow_the_arguments() -> None:
    """Unrecorded ops on inputs (X / 4 here), leaves made from arguments, detach."""
    W = Tensor(np.arange(6.0).reshape(3, 2) / 10, requires_grad=True)

    def loss(X: np.ndarray) -> Tensor:
        h = (Tensor(X) / 4.0 + 1.0) @ W
        return (h.tanh() * h.detach()).sum()

    f = tl.compile(loss)
    rng = np.random.default_rng(0)
    for _ in range(3):
        X = rng.normal(size=(4, 3))
        W.grad = None
        got = f(X)
        want_grad = W.grad
        W.grad = None
        ref = loss(X)
        ref.backward()
        assert_same(got, ref.data)
        assert_same(want_grad, W.grad)


def test_the_source_is_what_runs() -> None:
    f = tl.compile(lambda x, y, w: nine_weight_graph(x, y, w).loss)
    with pytest.raises(RuntimeError, match="not been traced"):
        f.source  # noqa: B018
    w = [Value(0.1 * k, label=f"w{k + 1}") for k in range(9)]
    f([0.5, -1.2, 0.8, 1.5, -0.3], 1.0, w)
    namespace: dict[str, Any] = {}
    exec(f.source, namespace)
    assert namespace["backprop"].__code__.co_code == f.generated.function.__code__.co_code
    assert "def backprop(x1, x2, x3, x4, x5, y, w1, w2, w3, w4, w5, w6, w7, w8, w9):" in f.source


def test_a_decorator_too() -> None:
    w = Value(1.5, label="w")

    @tl.compile
    def f(x: float) -> Value:
        return (w * x).exp()

    @tl.compile(check=False)
    def g(x: float) -> Value:
        return (w * x).exp()

    assert isinstance(f, Compiled)
    assert f.__name__ == "f"
    assert f(0.0) == 1.0
    assert g(0.0) == 1.0
    assert repr(f) == "compile(f, traces=1)"


# ----------------------------------------------------------------------------------
# The limit: Python deciding on data
# ----------------------------------------------------------------------------------


def test_python_control_flow_on_data_is_caught() -> None:
    w = Value(0.5, label="w")

    def f(x: Value) -> Value:
        y = w * x
        return y.tanh() if y.data > 0 else y.sin()  # a Python branch on a value

    compiled = tl.compile(f)
    compiled(Value(1.0, requires_grad=False))
    with pytest.raises(TraceError, match=r"traced differently.*Python control flow"):
        compiled(Value(-1.0, requires_grad=False))  # new data: traced again, and compared


def test_the_check_runs_once() -> None:
    """After one successful check the code is trusted: a branch taken later is the
    documented limit (check=False skips even the first check)."""
    w = Value(0.5, label="w")
    branchy = tl.compile(lambda x: (w * x).tanh() if x > 0 else (w * x).sin())
    branchy(1.0)
    branchy(2.0)
    assert branchy.traces == 2
    assert branchy(-1.0) == math.tanh(-0.5)  # the frozen branch: what the docs warn about
    assert branchy.traces == 2


def test_values_computed_outside_the_graph_are_caught() -> None:
    w = Tensor(np.array([1.0, -1.0, 2.0]), requires_grad=True)
    f = tl.compile(lambda x: F.l1_loss(w * Tensor(x), np.zeros(3)))  # sign(d) is a constant
    f(np.array([1.0, 1.0, 1.0]))
    with pytest.raises(TraceError, match="constant"):
        f(np.array([1.0, -1.0, 1.0]))


def test_numbers_converted_inside_are_caught() -> None:
    w = Value(0.5, label="w")
    f = tl.compile(lambda x: w * float(x))  # float(np.float64) makes a new object
    f(np.float64(1.0))
    with pytest.raises(TraceError, match="pass floats as Python floats"):
        f(np.float64(2.0))


def test_parameters_made_inside_are_caught() -> None:
    f = tl.compile(lambda x: Value(2.0) * x)
    f(1.0)
    with pytest.raises(TraceError, match="created inside the function"):
        f(2.0)


# ----------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------


def test_bad_functions_and_arguments() -> None:
    with pytest.raises(TypeError, match="needs a function"):
        tl.compile(3)
    with pytest.raises(ValueError, match="single number"):
        tl.compile(lambda x: Tensor(x, requires_grad=True) * 2.0)(np.ones(3))
    with pytest.raises(RuntimeError, match="does not depend on anything that requires grad"):
        tl.compile(lambda x: Value(x, requires_grad=False) * 2.0)(1.0)
    w = Value(1.0)
    with pytest.raises(TypeError, match=r"takes leaves as arguments.*'mul'"):
        tl.compile(lambda v: v * 2.0)(w * 3.0)


def test_an_op_without_code_is_named() -> None:
    bare = ops.Op("softplus", "softplus", "d softplus(a)/da = sigmoid(a)", math.log1p, ())
    f = tl.compile(lambda x: apply(Value, bare, (x,), math.log1p(x.data)))
    with pytest.raises(NotImplementedError, match="'softplus'"):
        f(Value(0.5))


def test_domain_errors_name_the_op() -> None:
    w = Value(1.0, label="w")
    f = tl.compile(lambda x: (w * x).log())
    assert f(2.0) == math.log(2.0)
    assert f(3.0) == math.log(3.0)  # checked: from now on only the generated code runs
    with pytest.raises(DomainError, match=r"^log: math domain error \(generated code, line"):
        f(-2.0)


def test_a_tensor_domain_error_is_named_by_the_engine() -> None:
    """numpy only warns about log(-1): a non-finite loss runs the function itself once."""
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    f = tl.compile(lambda x: (w * Tensor(x)).log().sum())
    f(np.array([1.0, 1.0]))
    f(np.array([2.0, 1.0]))  # checked: the generated code runs from now on
    with (
        np.errstate(invalid="ignore"),
        pytest.raises(DomainError, match="log needs a positive input"),
    ):
        f(np.array([-1.0, 1.0]))
