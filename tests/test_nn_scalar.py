"""Scalar Neuron / Layer / MLP: structure, seeding, activations, errors, and learning."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from tinygrad_lite import Value, no_grad
from tinygrad_lite.data import make_moons
from tinygrad_lite.nn import MLP, Layer, Neuron


def expected_count(nin: int, nouts: list[int]) -> int:
    """Each layer has (inputs + 1 bias) weights per neuron."""
    sizes = [nin, *nouts]
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))


def weights_as_arrays(model: MLP) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer, W[j, i] the weight from input i to neuron j."""
    out = []
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        out.append((W, b))
    return out


def numpy_forward(layers: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, act: Any) -> float:
    h = x
    for k, (W, b) in enumerate(layers):
        h = W @ h + b
        if k < len(layers) - 1:
            h = act(h)
    return float(h[0])


@pytest.mark.parametrize(
    ("nin", "nouts"), [(2, [16, 16, 1]), (3, [4, 4, 1]), (1, [1]), (5, [7, 2])]
)
def test_parameter_count_follows_the_formula(nin: int, nouts: list[int]) -> None:
    model = MLP(nin, nouts, seed=0)
    assert len(model.parameters()) == expected_count(nin, nouts)
    assert model.num_parameters() == expected_count(nin, nouts)


def test_the_demo_network_has_337_parameters() -> None:
    # 2 -> 16: 16*(2+1) = 48; 16 -> 16: 16*(16+1) = 272; 16 -> 1: 1*(16+1) = 17.
    assert len(MLP(2, [16, 16, 1]).parameters()) == 48 + 272 + 17


def test_named_parameters_paths() -> None:
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == len(set(names)) == expected_count(2, [3, 1])
    params = dict(model.named_parameters())
    assert params["layers.1.neurons.0.w.2"] is model.layers[1].neurons[0].w[2]


def test_zero_grad_clears_every_parameter() -> None:
    model = MLP(2, [4, 1], nonlin="tanh", seed=1)
    out = model([0.3, -0.7])
    out.backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_same_seed_same_weights_different_seed_different_weights() -> None:
    def data(seed: int) -> list[float]:
        return [p.data for p in MLP(2, [5, 1], seed=seed).parameters()]

    assert data(3) == data(3)
    assert data(3) != data(4)
    shared = random.Random(3)
    assert [p.data for p in MLP(2, [5, 1], rng=shared).parameters()] == data(3)
    with pytest.raises(ValueError, match="either seed or rng"):
        MLP(2, [1], seed=1, rng=random.Random(1))


def test_weights_in_unit_interval_and_zero_bias() -> None:
    model = MLP(4, [8, 1], seed=2)
    for layer in model.layers:
        for neuron in layer.neurons:
            assert all(-1.0 <= w.data <= 1.0 for w in neuron.w)
            assert neuron.b.data == 0.0


@pytest.mark.parametrize(
    ("nonlin", "f"),
    [
        ("relu", lambda z: max(z, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("linear", lambda z: z),
        (None, lambda z: z),
        (True, lambda z: max(z, 0.0)),
        (False, lambda z: z),
        (lambda v: v * v, lambda z: z * z),
    ],
)
def test_neuron_activation(nonlin: Any, f: Any) -> None:
    neuron = Neuron(3, nonlin, seed=7)
    neuron.b.data = -0.1
    x = [0.5, -1.5, 2.0]
    z = sum(w.data * xi for w, xi in zip(neuron.w, x, strict=True)) - 0.1
    assert neuron(x).data == pytest.approx(f(z), rel=1e-14, abs=1e-15)


def test_bad_nonlin() -> None:
    with pytest.raises(ValueError, match="unknown nonlin 'swish'"):
        MLP(2, [3, 1], nonlin="swish")
    with pytest.raises(TypeError, match="nonlin must be"):
        Neuron(2, nonlin=3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: MLP(0, [1]), ValueError, "nin must be a positive int"),
        (lambda: MLP(2, []), ValueError, "nouts must be a non-empty list"),
        (lambda: MLP(2, 3), ValueError, "nouts must be a non-empty list"),
        (lambda: Layer(2, 0), ValueError, "nout must be a positive int"),
        (lambda: Neuron(2.5), ValueError, "nin must be a positive int"),  # type: ignore[arg-type]
    ],
)
def test_bad_sizes(make: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make()


def test_wrong_input_length() -> None:
    with pytest.raises(ValueError, match="MLP expects 2 inputs, got 3"):
        MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Neuron expects 2 inputs, got 1"):
        Neuron(2, seed=0)([1.0])


def test_layer_returns_a_list_or_a_single_value() -> None:
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    out = Layer(2, 3, seed=0)([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 3


@pytest.mark.parametrize("nonlin", ["relu", "tanh", "sigmoid"])
def test_forward_and_gradient_match_numpy(nonlin: str) -> None:
    acts = {
        "relu": lambda h: np.maximum(h, 0.0),
        "tanh": np.tanh,
        "sigmoid": lambda h: 1 / (1 + np.exp(-h)),
    }
    model = MLP(3, [4, 3, 1], nonlin=nonlin, seed=11)
    for layer in model.layers:  # non-zero biases so their gradients are tested too
        for j, neuron in enumerate(layer.neurons):
            neuron.b.data = 0.1 * (j + 1)
    x = np.array([0.4, -0.8, 1.1])
    out = model(list(x))
    layers = weights_as_arrays(model)
    assert out.data == pytest.approx(numpy_forward(layers, x, acts[nonlin]), rel=1e-12)
    out.backward()
    # Central differences on the numpy forward, one parameter at a time.
    h = 1e-6
    for k, (W, b) in enumerate(layers):
        layer = model.layers[k]
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate([*neuron.w, neuron.b]):
                target = W if i < W.shape[1] else b
                index = (j, i) if i < W.shape[1] else (j,)
                saved = target[index]
                target[index] = saved + h
                up = numpy_forward(layers, x, acts[nonlin])
                target[index] = saved - h
                down = numpy_forward(layers, x, acts[nonlin])
                target[index] = saved
                assert w.grad == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8)


def test_mlp_learns_two_moons() -> None:
    X, y = make_moons(100, noise=0.1, seed=5)
    rows = X.tolist()
    signs = [1.0 if label == 1 else -1.0 for label in y]
    model = MLP(2, [16, 16, 1], seed=3)
    params = model.parameters()
    steps = 50
    losses = []
    for k in range(steps):
        margins = [(1.0 - s * model(r)).relu() for r, s in zip(rows, signs, strict=True)]
        loss = Value.sum(margins) * (1.0 / len(rows))
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= (1.0 - 0.9 * k / steps) * p.grad
        losses.append(loss.data)
    with no_grad():
        hits = sum((model(r).data > 0) == (s > 0) for r, s in zip(rows, signs, strict=True))
    assert losses[-1] < 0.5 * losses[0]
    assert hits / len(rows) >= 0.95
