"""Tensor layers: Linear, Sequential, the activation modules and Dropout.

`Linear` stores its weight as (n_in, n_out) so that a batch of row vectors goes through as
``x @ weight + bias``, the way the course writes it (PyTorch stores the transpose;
`tinygrad_lite.interop` converts). Parameter names follow PyTorch (``weight``, ``bias``,
``0.weight`` inside a `Sequential`), so checkpoints read naturally on both sides.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_lite import dtypes
from tinygrad_lite.nn import functional as F
from tinygrad_lite.nn import init as _init
from tinygrad_lite.nn.module import Module
from tinygrad_lite.tensor import Tensor

__all__ = [
    "Dropout",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
]


def _as_tensor(x: Any, who: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray | list | tuple | float | int) and not isinstance(x, bool):
        return Tensor(x)
    raise TypeError(f"{who} needs a Tensor (or an array), got {type(x).__name__}")


def _size(name: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
    return int(n)


class Linear(Module):
    """y = x @ weight + bias, for inputs of shape (..., n_in).

    Args:
        n_in: input size; the weight has shape (n_in, n_out).
        n_out: output size.
        bias: whether to add a bias (shape (n_out,), starts at zero).
        init: "normal" (N(0, 1/max(n_in, n_out)), the default), "xavier" (Glorot uniform),
            "xavier_normal", "he" (Kaiming normal, fan-in), or a function
            (n_in, n_out, rng) -> array; see `tinygrad_lite.nn.init`.
        seed: an int or a numpy Generator; the same seed gives the same weights.
        dtype: the parameters' floating dtype (default: `tl.get_default_dtype()`, float64
            unless changed); inputs must have the same dtype, as in PyTorch.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        bias: bool = True,
        init: str | _init.Init = "normal",
        seed: int | np.random.Generator | None = None,
        dtype: Any = None,
    ) -> None:
        self.n_in, self.n_out = _size("n_in", n_in), _size("n_out", n_out)
        kind = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype, "Linear")
        if kind.kind != "f":
            raise TypeError(f"Linear: parameters need a floating dtype, got {kind}")
        weights = np.asarray(_init.get(init)(self.n_in, self.n_out, _init.make_rng(seed)))
        weights = weights.astype(kind, copy=False)
        if weights.shape != (self.n_in, self.n_out):
            raise ValueError(
                f"init returned shape {weights.shape}, expected {(self.n_in, self.n_out)}"
            )
        self.weight = Tensor(weights, requires_grad=True)
        self.weight.label = "weight"
        self.bias: Tensor | None = None
        if bias:
            self.bias = Tensor(np.zeros(self.n_out, dtype=weights.dtype), requires_grad=True)
            self.bias.label = "bias"

    def forward(self, x: Any) -> Tensor:
        t = x if type(x) is Tensor else _as_tensor(x, "Linear")
        shape = t.data.shape
        if not shape or shape[-1] != self.n_in:
            raise ValueError(
                f"Linear({self.n_in} -> {self.n_out}) needs inputs whose last dimension is "
                f"{self.n_in}, got shape {t.shape}"
            )
        if self.bias is None:
            return F.linear(t, self.weight)
        return F.linear_node(t, self.weight, self.bias)

    @property
    def in_features(self) -> int:
        """The input size, by PyTorch's name (`n_in`)."""
        return self.n_in

    @property
    def out_features(self) -> int:
        """The output size, by PyTorch's name (`n_out`)."""
        return self.n_out

    def extra_repr(self) -> str:
        return f"in_features={self.n_in}, out_features={self.n_out}, bias={self.bias is not None}"


class Sequential(Module):
    """Modules applied one after another; indexable, iterable, and sized like a list.

    Parameters are named by position (``0.weight``, ``2.bias``), and each child is drawn
    in a cluster named after its position and kind (``0_linear``, ``1_relu``).
    """

    def __init__(self, *modules: Module) -> None:
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential item {i} is a {type(m).__name__}, not a Module")
        self._modules = list(modules)
        for i, m in enumerate(self._modules):
            if m.scope_name is None:
                m.scope_name = f"{i}_{type(m).__name__.lower()}"

    def _members(self) -> Iterator[tuple[str, Any]]:
        for i, m in enumerate(self._modules):
            yield str(i), m

    def forward(self, x: Any) -> Any:
        for m in self._modules:
            x = m(x)
        return x

    def __getitem__(self, index: int) -> Module:
        return self._modules[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules)


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return _as_tensor(x, "ReLU").relu()


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return _as_tensor(x, "Tanh").tanh()


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise and stable for any sign of x."""

    def forward(self, x: Tensor) -> Tensor:
        return _as_tensor(x, "Sigmoid").sigmoid()


class Identity(Module):
    """Returns its input: a placeholder where a layer is optional."""

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...), e.g. 28x28 images to 784-vectors."""

    def forward(self, x: Tensor) -> Tensor:
        x = _as_tensor(x, "Flatten")
        if x.ndim < 1:
            raise ValueError(f"Flatten needs a batch dimension, got shape {x.shape}")
        return x.reshape(x.shape[0], -1)

    def extra_repr(self) -> str:
        return "start_dim=1, end_dim=-1"


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x; the slope at 0 is `negative_slope`, as PyTorch.

    Args:
        negative_slope: the slope for negative inputs (PyTorch's default, 0.01).
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = _finite("LeakyReLU: negative_slope", negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return _as_tensor(x, "LeakyReLU").leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class _AlongDim(Module):
    """A normalisation along one axis, `dim`, which must be given (see `Softmax`)."""

    def __init__(self, dim: int | None = None) -> None:
        self.dim = _dim(type(self).__name__, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """exp(x) / sum(exp(x)) along `dim`: each slice along `dim` sums to 1.

    Args:
        dim: the axis to normalise over, e.g. ``Softmax(dim=1)`` for a (batch, classes)
            input. Unlike PyTorch, there is no implicit choice: `dim` is required.
    """

    def forward(self, x: Tensor) -> Tensor:
        return _as_tensor(x, "Softmax").softmax(self.dim)


class LogSoftmax(_AlongDim):
    """x - logsumexp(x) along `dim` (the log of `Softmax`, computed stably); `dim` is required."""

    def forward(self, x: Tensor) -> Tensor:
        return _as_tensor(x, "LogSoftmax").log_softmax(self.dim)


class Dropout(Module):
    """In training mode, zero each entry with probability `p` and scale the rest by 1/(1-p).

    In evaluation mode (after ``model.eval()``) it returns its input unchanged. The mask is
    drawn from the library's generator, so `tinygrad_lite.manual_seed` repeats it.

    Args:
        p: the probability of zeroing an entry, in [0, 1] (PyTorch's default, 0.5).
    """

    def __init__(self, p: float = 0.5) -> None:
        self.p = F.check_dropout_p(p, "Dropout")

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(_as_tensor(x, "Dropout"), self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _finite(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r:.40}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def _dim(who: str, dim: Any) -> int:
    if dim is None:
        raise TypeError(
            f"{who} needs the axis to normalise over, e.g. {who}(dim=1) for (batch, classes) "
            "inputs (PyTorch's implicit choice of dim is deprecated there and not offered here)"
        )
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise TypeError(f"{who}: dim must be an int, got {type(dim).__name__}: {dim!r:.40}")
    return int(dim)
