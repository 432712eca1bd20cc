"""PyTorch's module-level functions: ``tl.exp(x)``, ``tl.softmax(x, dim)``, ``tl.cat``, ...

Each one calls the method of the same name on its first argument, so it records the same
graph node, with PyTorch's argument names. The elementwise ones accept a `Value` as well
(``tl.exp(v)`` is ``v.exp()``); arrays, lists and numbers become a `Tensor` first.
``tl.where``, ``tl.cat`` and ``tl.stack`` live in `tinygrad_lite.tensor`.
"""

from __future__ import annotations

import builtins
from typing import Any

from tinygrad_lite._tensor_args import Axis
from tinygrad_lite.autograd import Node
from tinygrad_lite.tensor import Tensor

__all__ = [
    "abs",
    "argmax",
    "argmin",
    "clamp",
    "cos",
    "exp",
    "flatten",
    "log",
    "log_softmax",
    "matmul",
    "max",
    "mean",
    "min",
    "permute",
    "relu",
    "reshape",
    "sigmoid",
    "sin",
    "softmax",
    "sqrt",
    "squeeze",
    "std",
    "sum",
    "tanh",
    "transpose",
    "unsqueeze",
    "var",
]


def _node(x: Any) -> Any:
    """A Value or Tensor as it is; anything else as a Tensor (which checks it)."""
    return x if isinstance(x, Node) else Tensor(x)


def _tensor(x: Any, who: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Node):
        raise TypeError(f"{who} works on Tensors, got a {type(x).__name__}")
    return Tensor(x)


# --- elementwise (Value or Tensor) ---------------------------------------------------


def exp(input: Any) -> Any:
    """e ** x, elementwise."""
    return _node(input).exp()


def log(input: Any) -> Any:
    """The natural logarithm (DomainError at or below 0)."""
    return _node(input).log()


def tanh(input: Any) -> Any:
    """The hyperbolic tangent."""
    return _node(input).tanh()


def sigmoid(input: Any) -> Any:
    """1 / (1 + exp(-x)), stable for either sign."""
    return _node(input).sigmoid()


def relu(input: Any) -> Any:
    """max(x, 0); the derivative at 0 is 0."""
    return _node(input).relu()


def sin(input: Any) -> Any:
    """The sine."""
    return _node(input).sin()


def cos(input: Any) -> Any:
    """The cosine."""
    return _node(input).cos()


def abs(input: Any) -> Any:
    """|x|; the derivative at 0 is 0."""
    return _node(input).abs()


def sqrt(input: Any) -> Any:
    """The square root (DomainError below 0, and for the derivative at 0)."""
    return _node(input).sqrt()


def clamp(input: Any, min: Any = None, max: Any = None) -> Any:
    """x limited to [min, max]; the derivative is 1 inside and at the bounds."""
    return _node(input).clamp(min, max)


# --- Tensor only ---------------------------------------------------------------------


def softmax(input: Any, dim: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`."""
    return _tensor(input, "softmax").softmax(dim)


def log_softmax(input: Any, dim: int = -1) -> Tensor:
    """x - logsumexp(x) along `dim`."""
    return _tensor(input, "log_softmax").log_softmax(dim)


def sum(input: Any, dim: Axis = None, keepdim: bool = False) -> Tensor:
    """The sum over `dim` (all entries without it)."""
    return _tensor(input, "sum").sum(dim, keepdim)


def mean(input: Any, dim: Axis = None, keepdim: bool = False) -> Tensor:
    """The mean over `dim` (all entries without it)."""
    return _tensor(input, "mean").mean(dim, keepdim)


def _extreme(name: str, input: Any, dim: Any, keepdim: bool) -> Any:
    if isinstance(dim, Node):
        raise TypeError(
            f"tl.{name}(a, b) of two tensors (torch.{name}imum) is not provided; use "
            f"tl.where(a {'>' if name == 'max' else '<'} b, a, b)"
        )
    return getattr(_tensor(input, name), name)(dim, keepdim)


def max(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """The maximum; with `dim` the pair (values, indices), as ``Tensor.max``."""
    return _extreme("max", input, dim, keepdim)


def min(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """The minimum; with `dim` the pair (values, indices), as ``Tensor.min``."""
    return _extreme("min", input, dim, keepdim)


def argmax(input: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Indices of the maxima (int64, not in the graph)."""
    return _tensor(input, "argmax").argmax(dim, keepdim)


def argmin(input: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Indices of the minima (int64, not in the graph)."""
    return _tensor(input, "argmin").argmin(dim, keepdim)


def var(
    input: Any,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | None = None,
) -> Tensor:
    """The variance, unbiased by default (``correction=1``), as ``Tensor.var``."""
    return _tensor(input, "var").var(dim, unbiased, keepdim, correction=correction)


def std(
    input: Any,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | None = None,
) -> Tensor:
    """The standard deviation, unbiased by default, as ``Tensor.std``."""
    return _tensor(input, "std").std(dim, unbiased, keepdim, correction=correction)


def matmul(input: Any, other: Any) -> Tensor:
    """The matrix product ``input @ other``."""
    product: Tensor = _tensor(input, "matmul") @ other
    return product


def reshape(input: Any, shape: tuple[int, ...]) -> Tensor:
    """The same entries in a new shape."""
    return _tensor(input, "reshape").reshape(shape)


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes start_dim..end_dim into one."""
    return _tensor(input, "flatten").flatten(start_dim, end_dim)


def squeeze(input: Any, dim: Axis = None) -> Tensor:
    """Drop axes of length 1."""
    return _tensor(input, "squeeze").squeeze(dim)


def unsqueeze(input: Any, dim: int) -> Tensor:
    """Insert an axis of length 1 at `dim`."""
    return _tensor(input, "unsqueeze").unsqueeze(dim)


def permute(input: Any, dims: tuple[int, ...]) -> Tensor:
    """Reorder the axes."""
    return _tensor(input, "permute").permute(dims)


def transpose(input: Any, dim0: int, dim1: int) -> Tensor:
    """Swap two axes."""
    return _tensor(input, "transpose").transpose(builtins.int(dim0), builtins.int(dim1))
