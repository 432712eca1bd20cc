"""Neuron, Layer and MLP on scalar Values: the micrograd-style networks, drawable node by node.

The hidden layers default to tanh, as in the micrograd lecture, rather than the ReLU of
micrograd's repository. With weights drawn from [-1, 1], a small ReLU network trained on
a few points often ends up with every unit of a layer dead on all of them, from the
start or after the first large step; its output is then a constant, no gradient reaches
any weight, and gradient descent stops for good. The lecture's exercise
(``MLP(3, [4, 4, 1])``, four samples, 100 steps of 0.05) stays at a loss of exactly 4.0
for four of the seeds 0..9 with ReLU, and goes below 0.05 for all ten with tanh, whose
units always pass some gradient. ``nonlin="relu"`` (or micrograd's ``nonlin=True``) still
gives the ReLU network.

Weights without a `seed` or `rng` are drawn from `tinygrad_lite.seed.python_random()`, so
`tinygrad_lite.manual_seed` makes them repeatable.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_lite.nn.module import Module
from tinygrad_lite.seed import python_random
from tinygrad_lite.value import Value

__all__ = ["MLP", "Layer", "Neuron"]

Activation = Callable[[Value], Value]

_ACTIVATIONS: dict[str, Activation | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}


def _activation(nonlin: str | bool | Activation | None) -> Activation | None:
    """Accept a name, True/False (micrograd's relu / linear), None, or any Value -> Value."""
    if nonlin is None or nonlin is False:
        return None
    if nonlin is True:
        return Value.relu
    if isinstance(nonlin, str):
        if nonlin not in _ACTIVATIONS:
            raise ValueError(
                f"unknown nonlin {nonlin!r}; choose one of {sorted(_ACTIVATIONS)} "
                "or pass a function"
            )
        return _ACTIVATIONS[nonlin]
    if callable(nonlin):
        return nonlin
    raise TypeError(
        f"nonlin must be a name, a bool, None or a function, got {type(nonlin).__name__}"
    )


def _activation_name(nonlin: str | bool | Activation | None) -> str:
    """What `print` shows for an activation: its name ("linear" for none)."""
    if nonlin is None or nonlin is False:
        return "linear"
    if nonlin is True:
        return "relu"
    if isinstance(nonlin, str):
        return nonlin
    return getattr(nonlin, "__name__", "custom")


def _rng(seed: int | None, rng: random.Random | None) -> random.Random:
    if rng is not None and seed is not None:
        raise ValueError("pass either seed or rng, not both")
    if rng is not None:
        return rng
    return python_random() if seed is None else random.Random(seed)


def _check_size(name: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
    return n


class Neuron(Module):
    """act(w . x + b), with weights drawn uniformly from [-1, 1] and a zero bias.

    Args:
        nin: number of inputs.
        nonlin: "tanh" (default), "relu", "sigmoid", "linear"/None, True (relu, as
            micrograd), False (linear), or a Value -> Value function.
        seed: seeds this neuron's own random generator; without `seed` or `rng` the
            weights come from the library's generator (see `tinygrad_lite.manual_seed`).
        rng: a shared `random.Random`, as Layer and MLP pass down.
    """

    def __init__(
        self,
        nin: int,
        nonlin: str | bool | Activation | None = "tanh",
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        _check_size("nin", nin)
        r = _rng(seed, rng)
        self.w = [Value(r.uniform(-1.0, 1.0), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self.nonlin = nonlin
        self._act = _activation(nonlin)

    def forward(self, x: Sequence[Value | float]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron expects {len(self.w)} inputs, got {len(x)}")
        z = Value.sum([wi * xi for wi, xi in zip(self.w, x, strict=True)] + [self.b])
        return z if self._act is None else self._act(z)

    def extra_repr(self) -> str:
        return f"nin={len(self.w)}, nonlin={_activation_name(self.nonlin)!r}"


class Layer(Module):
    """`nout` independent neurons that all see the same inputs."""

    def __init__(
        self,
        nin: int,
        nout: int,
        nonlin: str | bool | Activation | None = "tanh",
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        _check_size("nout", nout)
        r = _rng(seed, rng)
        self.neurons = [Neuron(nin, nonlin, rng=r) for _ in range(nout)]
        for i, n in enumerate(self.neurons):
            n.scope_name = f"neuron{i}"

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        # Plain numbers become input Values once, so that every neuron uses the same
        # node: a picture draws each input once, feeding every neuron.
        x = [
            xi if isinstance(xi, Value) else Value(xi, label=f"x{i}", requires_grad=False)
            for i, xi in enumerate(x)
        ]
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        """One line for the whole layer (its neurons all alike), not one per neuron."""
        first = self.neurons[0]
        nonlin = _activation_name(first.nonlin)
        return f"Layer(nin={len(first.w)}, nout={len(self.neurons)}, nonlin={nonlin!r})"


class MLP(Module):
    """A multi-layer perceptron on Values: hidden layers use `nonlin`, the last is linear.

    Examples:
        >>> model = MLP(2, [16, 16, 1], seed=0)
        >>> out = model([0.5, -1.0])       # a Value
        >>> len(model.parameters())
        337
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        nonlin: str | bool | Activation | None = "tanh",
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        _check_size("nin", nin)
        if isinstance(nouts, int) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        r = _rng(seed, rng)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin if i < len(nouts) - 1 else None, rng=r)
            for i in range(len(nouts))
        ]
        for i, layer in enumerate(self.layers):
            layer.scope_name = f"layer{i}"

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        n_in = len(self.layers[0].neurons[0].w)
        if len(x) != n_in:
            raise ValueError(f"MLP expects {n_in} inputs, got {len(x)}")
        out: Sequence[Value | float] = x
        for layer in self.layers:
            result = layer(out)
            out = [result] if isinstance(result, Value) else result
        values = list(out)
        return values[0] if len(values) == 1 else values  # type: ignore[return-value]
