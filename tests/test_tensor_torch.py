"""Every Tensor op against PyTorch in float64: forward values and gradients.

The inputs are the hypothesis draws of `test_tensor_ops.CASES`; PyTorch is the independent
implementation. Ties in max share the gradient as `torch.amax` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_tensor_ops import CASES, Case

import tinygrad_lite as tl
from tests.optional import require
from tinygrad_lite import Tensor

torch = require("torch")


def _dims(x: Any, axis: Any) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(x.ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _torch_index(index: Any, shape: tuple[int, ...]) -> Any:
    """The same index for torch: arrays as tensors, negative-step slices as index arrays."""
    items = index if isinstance(index, tuple) else (index,)
    out: list[Any] = []
    axis = 0
    for item in items:
        if isinstance(item, np.ndarray):
            out.append(torch.as_tensor(item))
            axis += item.ndim if item.dtype == np.bool_ else 1
        elif isinstance(item, slice) and item.step is not None and item.step < 0:
            out.append(torch.as_tensor(np.arange(shape[axis])[item].copy()))
            axis += 1
        else:
            out.append(item)
            axis += item is not None and item is not Ellipsis
    return tuple(out)


def _scatter(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    """Scatter-add as torch's gradient of indexing (differentiable in g)."""
    z = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    picked = z[_torch_index(index, shape)]
    (grad,) = torch.autograd.grad((picked * g).sum(), z, create_graph=True)
    return grad


TORCH: dict[str, Callable[..., Any]] = {
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "pow": torch.pow,
    "neg": torch.neg,
    "exp": torch.exp,
    "log": torch.log,
    "tanh": torch.tanh,
    "sin": torch.sin,
    "cos": torch.cos,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "add_n": lambda a, b, c: a + b + c,
    "matmul": torch.matmul,
    "linear": lambda x, w, b: torch.nn.functional.linear(x, w.T, b),
    "sum": lambda a, axis, keepdims: torch.sum(a, dim=_dims(a, axis), keepdim=keepdims),
    "mean": lambda a, axis, keepdims: torch.mean(a, dim=_dims(a, axis), keepdim=keepdims),
    "max": lambda a, axis, keepdims: torch.amax(a, dim=_dims(a, axis), keepdim=keepdims),
    "reshape": lambda a, shape: a.reshape(shape),
    "transpose": lambda a, axes: a.permute(
        axes if axes is not None else tuple(range(a.ndim))[::-1]
    ),
    "T": lambda a, axes: a.permute(tuple(range(a.ndim))[::-1]),
    "broadcast_to": lambda a, shape: torch.broadcast_to(a, shape),
    "getitem": lambda a, index: a[_torch_index(index, tuple(a.shape))],
    "scatter_add": _scatter,
    "softmax": lambda a, axis: torch.softmax(a, dim=axis),
    "log_softmax": lambda a, axis: torch.log_softmax(a, dim=axis),
    "mse": lambda p, t, reduction: torch.nn.functional.mse_loss(p, t, reduction=reduction),
    "cross_entropy": lambda z, labels, reduction: torch.nn.functional.cross_entropy(
        z, torch.as_tensor(labels), reduction=reduction
    ),
    "abs": torch.abs,
    "sqrt": torch.sqrt,
    "leaky_relu": lambda a, s: torch.where(a > 0, a, a * s),  # F.leaky_relu takes a number
    # torch.clamp's backward cannot broadcast bounds wider than the input; the same function:
    "clamp": lambda a, lo, hi: torch.minimum(torch.maximum(a, lo), hi),
    "where": lambda a, b, condition: torch.where(torch.as_tensor(condition), a, b),
    "min": lambda a, axis, keepdims: torch.amin(a, dim=_dims(a, axis), keepdim=keepdims),
    "max_dim": lambda a, dim, keepdim: a.max(dim=dim, keepdim=keepdim).values,
    "min_dim": lambda a, dim, keepdim: a.min(dim, keepdim).values,
    "var": lambda a, axis, keepdims: a.var(dim=_dims(a, axis), keepdim=keepdims),
    "std": lambda a, axis, keepdims: a.std(dim=_dims(a, axis), keepdim=keepdims, unbiased=False),
    "cat": lambda *ts, dim: torch.cat(ts, dim),
    "stack": lambda *ts, dim: torch.stack(ts, dim=dim),
    "cast": lambda a: a.to(torch.float64),
    "shapes": lambda a, how: getattr(a, how[0])(*how[1]),
}


def _ids(case: Case) -> str:
    return case.id or case.op


def test_every_case_has_a_torch_reference() -> None:
    assert {_ids(c) for c in CASES} <= set(TORCH)


@pytest.mark.parametrize("case", CASES, ids=_ids)
@settings(max_examples=100)
@given(data=st.data())
def test_forward_and_gradient_match_torch(case: Case, data: st.DataObject) -> None:
    xs, params = data.draw(case.draw)
    ours = [Tensor(x.copy(), requires_grad=True) for x in xs]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = case.tensor(*ours, **params)
    expected = TORCH[_ids(case)](*theirs, **params)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)

    weights = np.random.default_rng(out.ndim).standard_normal(out.shape)
    (out * Tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for mine, reference in zip(ours, theirs, strict=True):
        want = reference.grad.numpy() if reference.grad is not None else np.zeros(mine.shape)
        got = mine.grad if mine.grad is not None else np.zeros(mine.shape)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def _weighted_grads(out: Any, leaves: list[Any], weights: np.ndarray, ours: bool) -> list[Any]:
    """The first gradients of sum(out * weights), recorded so they can be differentiated."""
    if ours:
        (out * Tensor(weights)).sum().backward(create_graph=True)
        return [leaf.grad for leaf in leaves]
    total = (out * torch.tensor(weights)).sum()
    return list(torch.autograd.grad(total, leaves, create_graph=True, allow_unused=True))


@pytest.mark.parametrize("case", CASES, ids=_ids)
@settings(max_examples=25)
@given(data=st.data())
def test_second_derivatives_match_torch(case: Case, data: st.DataObject) -> None:
    """Hessian-vector products through create_graph=True, against torch.autograd.grad."""
    xs, params = data.draw(case.draw)
    # PyTorch's pow rule masks the base's gradient where the exponent is exactly 0, which
    # also zeroes its derivative with respect to the exponent (mathematically 1/a there).
    assume(case.op != "pow" or not np.any(xs[1] == 0))
    ours = [Tensor(x.copy(), requires_grad=True) for x in xs]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = case.tensor(*ours, **params)
    rng = np.random.default_rng(out.ndim)
    weights = rng.standard_normal(out.shape)
    directions = [rng.standard_normal(x.shape) for x in xs]
    first = _weighted_grads(out, ours, weights, ours=True)
    first_torch = _weighted_grads(TORCH[_ids(case)](*theirs, **params), theirs, weights, ours=False)
    for g, reference in zip(first, first_torch, strict=True):
        want = np.zeros(np.shape(g.data)) if reference is None else reference.detach().numpy()
        np.testing.assert_allclose(g.data, want, rtol=1e-10, atol=1e-12)

    for leaf in ours:
        leaf.zero_grad()
    terms = [(g * Tensor(v)).sum() for g, v in zip(first, directions, strict=True)]
    live = [t for t in terms if t.requires_grad]
    torch_terms = [
        (g * torch.tensor(v)).sum()
        for g, v in zip(first_torch, directions, strict=True)
        if g is not None and g.requires_grad
    ]
    if live:
        tl.functions.sum(tl.stack(live)).backward()
    second_torch = (
        torch.autograd.grad(sum(torch_terms), theirs, allow_unused=True)
        if torch_terms
        else [None] * len(theirs)
    )
    for mine, reference in zip(ours, second_torch, strict=True):
        want = np.zeros(mine.shape) if reference is None else reference.numpy(force=True)
        got = np.zeros(mine.shape) if mine.grad is None else mine.grad
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)
