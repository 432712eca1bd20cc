"""Optimizers: trajectories against a hand-written numpy reference and against torch.optim.

The reference implementations below are written independently of `tinygrad_lite.optim`,
in plain functional numpy (no in-place updates), straight from the published formulas.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from tests.optional import require
from tinygrad_lite import Value
from tinygrad_lite.autograd import STATE, Node
from tinygrad_lite.optim import SGD, Adam, AdamW, Optimizer, RMSprop

CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.9}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}),
    ("adam", {"lr": 0.05}),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("adamw", {"lr": 0.05}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.3, "eps": 1e-6}),
    ("rmsprop", {}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.9, "weight_decay": 0.1}),
]
IDS = [
    f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in CONFIGS
]
CLASSES: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop}


class Reference:
    """The update rules, one parameter array at a time, written as plain formulas."""

    def __init__(self, name: str, **kw: Any) -> None:
        self.name, self.kw, self.t = name, kw, 0
        self.buf: Any = None
        self.m: Any = 0.0
        self.v: Any = 0.0

    def step(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        kw, self.t = self.kw, self.t + 1
        if self.name == "sgd":
            lr, mu, wd = kw["lr"], kw.get("momentum", 0.0), kw.get("weight_decay", 0.0)
            d = g + wd * x
            if mu:
                self.buf = d if self.buf is None else mu * self.buf + d
                d = d + mu * self.buf if kw.get("nesterov") else self.buf
            return x - lr * d
        if self.name in ("adam", "adamw"):
            lr = kw.get("lr", 1e-3)
            b1, b2 = kw.get("betas", (0.9, 0.999))
            eps = kw.get("eps", 1e-8)
            if self.name == "adamw":
                x = x * (1 - lr * kw.get("weight_decay", 1e-2))
            else:
                g = g + kw.get("weight_decay", 0.0) * x
            self.m = b1 * self.m + (1 - b1) * g
            self.v = b2 * self.v + (1 - b2) * g**2
            m_hat = self.m / (1 - b1**self.t)
            v_hat = self.v / (1 - b2**self.t)
            return x - lr * m_hat / (np.sqrt(v_hat) + eps)
        lr, alpha = kw.get("lr", 1e-2), kw.get("alpha", 0.99)
        eps, mu = kw.get("eps", 1e-8), kw.get("momentum", 0.0)
        g = g + kw.get("weight_decay", 0.0) * x
        self.v = alpha * self.v + (1 - alpha) * g**2
        d = g / (np.sqrt(self.v) + eps)
        if mu:
            self.buf = d if self.buf is None else mu * self.buf + d
            d = self.buf
        return x - lr * d


# A small non-quadratic bowl: f(x) = 0.5 x'Ax - b'x + 0.1 * sum(x**4) / 4.
A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, -0.3], [0.0, -0.3, 2.0]])
B = np.array([1.0, -2.0, 0.5])
X0 = np.array([0.7, -1.3, 2.1])


def bowl_grad(x: np.ndarray) -> np.ndarray:
    return A @ x - B + 0.1 * x**3


def bowl_values(xs: list[Value]) -> Value:
    terms: list[Any] = []
    for i in range(3):
        for j in range(3):
            if A[i, j]:
                terms.append(0.5 * A[i, j] * xs[i] * xs[j])
        terms.append(-B[i] * xs[i])
        terms.append(0.025 * xs[i] ** 4)
    return Value.sum(terms)


@pytest.mark.parametrize(("name", "kw"), CONFIGS, ids=IDS)
def test_value_parameters_follow_the_reference(name: str, kw: dict[str, Any]) -> None:
    xs = [Value(float(v)) for v in X0]
    opt = CLASSES[name](xs, **kw)
    ref, x = Reference(name, **kw), X0.copy()
    for _ in range(20):
        opt.zero_grad()
        bowl_values(xs).backward()
        np.testing.assert_allclose([v.grad for v in xs], bowl_grad(x), rtol=1e-12, atol=1e-13)
        opt.step()
        x = ref.step(x, bowl_grad(x))
        assert all(type(v.data) is float for v in xs)
        np.testing.assert_allclose([v.data for v in xs], x, rtol=1e-12, atol=1e-13)
    assert not np.allclose(x, X0)  # the trajectory actually moved


def test_sgd_one_step_by_hand() -> None:
    w = Value(2.0)
    opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5)
    w.grad = 3.0
    opt.step()  # d = 3 + 0.5*2 = 4; buffer = 4 (first step); w = 2 - 0.1*4
    assert w.data == pytest.approx(1.6, abs=1e-15)
    w.grad = 1.0
    opt.step()  # d = 1 + 0.8 = 1.8; buffer = 0.9*4 + 1.8 = 5.4; w = 1.6 - 0.54
    assert w.data == pytest.approx(1.06, abs=1e-15)


def test_adam_first_step_is_lr_times_sign() -> None:
    # With bias correction the first Adam step is lr * g / (|g| + eps) for every g.
    ws = [Value(1.0), Value(-2.0), Value(0.5)]
    for w, g in zip(ws, [3.0, -0.001, 250.0], strict=True):
        w.grad = g
    Adam(ws, lr=0.01, eps=0.0).step()
    assert [w.data for w in ws] == pytest.approx([0.99, -1.99, 0.49], abs=1e-15)


def test_step_records_no_graph() -> None:
    created: list[Node] = []
    xs = [Value(float(v)) for v in X0]
    bowl_values(xs).backward()
    opt = SGD(xs, lr=0.1, momentum=0.9)
    STATE.creation_hooks.append(created.append)
    try:
        opt.step()
    finally:
        STATE.creation_hooks.remove(created.append)
    assert created == []
    assert all(x.is_leaf and x.requires_grad for x in xs)


def test_zero_grad_empties_value_grads() -> None:
    xs = [Value(1.0), Value(2.0)]
    (xs[0] * xs[1]).backward()
    opt = SGD(xs, lr=0.1)
    assert xs[0].grad == 2.0
    opt.zero_grad()
    assert [x.grad for x in xs] == [0.0, 0.0]


# --- argument checks ------------------------------------------------------------------


def test_params_are_validated() -> None:
    a = Value(1.0)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 is a float"):
        SGD([a, 2.0], lr=0.1)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="does not require grad"):
        SGD([Value(1.0, requires_grad=False)], lr=0.1)
    with pytest.raises(ValueError, match="computed by 'mul'"):
        SGD([a * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        SGD([a, a], lr=0.1)
    with pytest.raises(TypeError, match="single node"):
        SGD(a, lr=0.1)  # type: ignore[arg-type]


def test_module_instead_of_parameters_is_refused() -> None:
    from tinygrad_lite.nn import MLP

    with pytest.raises(TypeError, match=r"model\.parameters\(\)"):
        SGD(MLP(2, [1]), lr=0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cls", "kw", "match"),
    [
        (SGD, {"lr": 0.0}, "lr must be > 0"),
        (SGD, {"lr": -1.0}, "lr must be > 0"),
        (SGD, {"lr": math.nan}, "lr must be > 0"),
        (SGD, {"lr": 0.1, "momentum": -0.5}, "momentum must be >= 0"),
        (SGD, {"lr": 0.1, "nesterov": True}, "nesterov=True needs a momentum"),
        (SGD, {"lr": 0.1, "weight_decay": -1e-3}, "weight_decay must be >= 0"),
        (Adam, {"betas": (0.9, 1.0)}, r"betas\[1\] must be >= 0 and < 1"),
        (Adam, {"betas": (-0.1, 0.9)}, r"betas\[0\]"),
        (Adam, {"betas": (0.9,)}, "betas must be a pair"),
        (Adam, {"eps": -1.0}, "eps must be >= 0"),
        (AdamW, {"weight_decay": -0.1}, "weight_decay"),
        (RMSprop, {"alpha": 1.5}, "alpha must be >= 0 and < 1"),
        (RMSprop, {"lr": "fast"}, "lr must be a number"),
    ],
)
def test_hyperparameters_are_validated(cls: Any, kw: dict[str, Any], match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        cls([Value(1.0)], **kw)


# --- Tensor parameters ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kw"), CONFIGS, ids=IDS)
def test_tensor_parameters_follow_the_reference(name: str, kw: dict[str, Any]) -> None:
    from tinygrad_lite.tensor import Tensor

    x_t = Tensor(X0, requires_grad=True)
    a_t, b_t = Tensor(A), Tensor(B)
    opt = CLASSES[name]([x_t], **kw)
    ref, x = Reference(name, **kw), X0.copy()
    for _ in range(20):
        opt.zero_grad()
        loss = 0.5 * (x_t @ (a_t @ x_t)) - b_t @ x_t + 0.025 * (x_t**4).sum()
        loss.backward()
        opt.step()
        x = ref.step(x, bowl_grad(x))
        np.testing.assert_allclose(x_t.data, x, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(("name", "kw"), CONFIGS, ids=IDS)
def test_tensor_mlp_trajectory_matches_torch(name: str, kw: dict[str, Any]) -> None:
    """20 steps of a 3-5-2 tanh MLP in float64: every parameter equals torch.optim's."""
    torch = require("torch")
    from tinygrad_lite.nn import Linear, Sequential, Tanh
    from tinygrad_lite.tensor import Tensor

    first, second = Linear(3, 5, seed=0), Linear(5, 2, seed=1)
    assert first.bias is not None
    assert second.bias is not None
    first.bias.data[...] = np.linspace(-0.5, 0.5, 5)  # nonzero, so weight decay acts on it
    net = Sequential(first, Tanh(), second)
    layers = []
    for lin in (first, second):
        t_lin = torch.nn.Linear(lin.n_in, lin.n_out, dtype=torch.float64)
        with torch.no_grad():
            t_lin.weight.copy_(torch.from_numpy(lin.weight.data.T.copy()))
            t_lin.bias.copy_(torch.from_numpy(lin.bias.data.copy()))  # type: ignore[union-attr]
        layers.append(t_lin)
    t_net = torch.nn.Sequential(layers[0], torch.nn.Tanh(), layers[1])
    torch_cls = {
        "sgd": torch.optim.SGD,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
        "rmsprop": torch.optim.RMSprop,
    }[name]
    t_kw = dict(kw)
    if name == "adamw" and "weight_decay" not in kw:
        t_kw["weight_decay"] = 1e-2  # the default we document; torch's is the same
    opt = CLASSES[name](net.parameters(), **kw)
    t_opt = torch_cls(t_net.parameters(), **t_kw)
    rng = np.random.default_rng(3)
    xs, ys = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    for _ in range(20):
        opt.zero_grad()
        d = net(Tensor(xs)) - Tensor(ys)
        ((d * d).sum() / 8.0).backward()
        opt.step()
        t_opt.zero_grad()
        (((t_net(torch.from_numpy(xs)) - torch.from_numpy(ys)) ** 2).sum() / 8.0).backward()
        t_opt.step()
    ours = [p.data for p in net.parameters()]
    theirs = [p.detach().numpy() for p in t_net.parameters()]
    theirs = [theirs[0].T, theirs[1], theirs[2].T, theirs[3]]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert not np.allclose(ours[0], np.asarray(Linear(3, 5, seed=0).weight.data))


@pytest.mark.parametrize(("name", "kw"), CONFIGS, ids=IDS)
def test_optimizer_state_resumes_exactly(name: str, kw: dict[str, Any]) -> None:
    """Stop after 5 steps, restore parameters and optimizer state, continue: same as 10 steps."""
    xs = [Value(float(v)) for v in X0]
    opt = CLASSES[name](xs, **kw)

    def run(params: list[Value], optimizer: Optimizer, steps: int) -> None:
        for _ in range(steps):
            optimizer.zero_grad()
            bowl_values(params).backward()
            optimizer.step()

    run(xs, opt, 5)
    saved_x, saved_opt = [x.data for x in xs], opt.state_dict()
    run(xs, opt, 5)
    ys = [Value(v) for v in saved_x]
    resumed = CLASSES[name](ys, **kw)
    resumed.load_state_dict(saved_opt)
    run(ys, resumed, 5)
    assert [y.data for y in ys] == [x.data for x in xs]
    fresh = CLASSES[name]([Value(v) for v in saved_x], **kw)  # without the state: different
    run(fresh.params, fresh, 5)  # type: ignore[arg-type]
    if name != "sgd" or kw.get("momentum"):
        assert [p.data for p in fresh.params] != [x.data for x in xs]


def test_optimizer_state_must_fit() -> None:
    opt = Adam([Value(1.0), Value(2.0)], lr=0.1)
    with pytest.raises(ValueError, match="holds 1 parameter entries, this optimizer has 2"):
        opt.load_state_dict({"lr": 0.1, "state": [{}]})
    with pytest.raises(ValueError, match="parameter 1: 'm' has shape"):
        opt.load_state_dict({"lr": 0.1, "state": [{}, {"m": np.zeros(3)}]})
