"""to_torch / from_torch: the same function and the same parameters on both sides."""

from __future__ import annotations

import numpy as np
import pytest

from tests.optional import require
from tinygrad_lite.interop import from_torch, to_torch
from tinygrad_lite.nn import Flatten, Identity, Linear, Module, ReLU, Sequential, Sigmoid, Tanh
from tinygrad_lite.tensor import Tensor

torch = require("torch")


def model() -> Sequential:
    return Sequential(
        Linear(4, 6, seed=0),
        ReLU(),
        Linear(6, 5, seed=1, init="xavier"),
        Tanh(),
        Linear(5, 3, seed=2, bias=False),
        Sigmoid(),
        Identity(),
    )


X = np.random.default_rng(0).standard_normal((7, 4))


def test_to_torch_copies_exactly_and_computes_the_same() -> None:
    ours = model()
    first = ours[0]
    assert isinstance(first, Linear)
    assert first.bias is not None
    first.bias.data[...] = np.arange(6.0)
    theirs = to_torch(ours)
    assert isinstance(theirs, torch.nn.Sequential)
    assert [type(m).__name__ for m in theirs] == [
        "Linear",
        "ReLU",
        "Linear",
        "Tanh",
        "Linear",
        "Sigmoid",
        "Identity",
    ]
    assert theirs[0].weight.dtype == torch.float64
    np.testing.assert_array_equal(theirs[0].weight.detach().numpy(), first.weight.data.T)
    np.testing.assert_array_equal(theirs[0].bias.detach().numpy(), np.arange(6.0))
    assert theirs[4].bias is None
    np.testing.assert_allclose(
        theirs(torch.from_numpy(X)).detach().numpy(), ours(Tensor(X)).data, rtol=1e-14
    )
    # The copies share no memory: training one leaves the other alone.
    with torch.no_grad():
        theirs[0].weight.add_(1.0)
    assert not np.array_equal(theirs[0].weight.detach().numpy(), first.weight.data.T)


def test_from_torch_copies_exactly_and_computes_the_same() -> None:
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(6, 8, dtype=torch.float64),
        torch.nn.Sigmoid(),
        torch.nn.Sequential(torch.nn.Linear(8, 2, dtype=torch.float64), torch.nn.Tanh()),
    )
    ours = from_torch(theirs)
    assert isinstance(ours, Sequential)
    names = [name for name, _ in ours.named_parameters()]
    assert names == ["1.weight", "1.bias", "3.0.weight", "3.0.bias"]
    state = ours.state_dict()
    for name, p in theirs.state_dict().items():
        expected = p.numpy().T if name.endswith("weight") else p.numpy()
        np.testing.assert_array_equal(state[name], expected)
        assert state[name].dtype == np.float64
    x = np.random.default_rng(1).standard_normal((5, 2, 3))
    np.testing.assert_allclose(
        ours(Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-14
    )


def test_round_trip_keeps_float32() -> None:
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2))  # float32 by default
    ours = from_torch(theirs)
    first = ours[0]
    assert isinstance(first, Linear)
    assert first.weight.data.dtype == np.float32
    back = to_torch(ours)
    assert back[0].weight.dtype == torch.float32
    assert torch.equal(back[0].weight, theirs[0].weight)
    assert torch.equal(back[0].bias, theirs[0].bias)


def test_gradients_agree_after_conversion() -> None:
    ours = model()
    theirs = to_torch(ours)
    xt = Tensor(X)
    ours(xt).sum().backward()
    theirs(torch.from_numpy(X)).sum().backward()
    first = ours[0]
    assert isinstance(first, Linear)
    np.testing.assert_allclose(first.weight.grad, theirs[0].weight.grad.numpy().T, rtol=1e-12)


def test_unsupported_layers_are_named() -> None:
    class Custom(Module):
        def forward(self, x: Tensor) -> Tensor:
            return x

    with pytest.raises(TypeError, match="cannot convert Custom at 1: supported layers are"):
        to_torch(Sequential(Linear(2, 2), Custom()))
    with pytest.raises(TypeError, match=r"cannot convert torch\.nn\.Conv1d at 0"):
        from_torch(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 3)))
    with pytest.raises(TypeError, match=r"torch\.nn\.GELU at 1\.0"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.GELU())))
    with pytest.raises(TypeError, match="Flatten with the default"):
        from_torch(torch.nn.Flatten(start_dim=0))
    with pytest.raises(TypeError, match=r"needs a torch\.nn\.Module"):
        from_torch(Linear(2, 2))
    flat = to_torch(Sequential(Flatten(), Linear(4, 1)))
    assert isinstance(flat[0], torch.nn.Flatten)
