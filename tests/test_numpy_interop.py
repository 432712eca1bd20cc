"""numpy functions on Tensors: recorded in the graph when the Tensor has them, else refused.

Driven from `tinygrad_lite.numpy_protocol`'s tables: every ufunc and function listed there
is checked to give the same Tensor (data and gradient) as the method it stands for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import Tensor, Value
from tinygrad_lite.numpy_protocol import FUNCTIONS, UFUNCS

A = np.array([[0.5, 1.5, 2.0], [1.0, 0.25, 3.0]])
B = np.array([[2.0, 0.5, 1.0], [0.75, 1.0, 0.5]])


def _grad_of(build: Callable[[Tensor], Any]) -> np.ndarray | None:
    x = Tensor(A.copy(), requires_grad=True)
    out = build(x)
    assert isinstance(out, Tensor)
    if not out.requires_grad:
        return None
    (out * Tensor(np.ones(out.shape))).sum().backward()
    return x.grad


@pytest.mark.parametrize("ufunc", list(UFUNCS), ids=lambda u: u.__name__)
def test_every_listed_ufunc_records_what_the_method_does(ufunc: np.ufunc) -> None:
    first, _ = UFUNCS[ufunc]
    other = B if ufunc is not np.matmul else B.T.copy()
    if ufunc.nin == 1:
        by_numpy: Callable[[Tensor], Any] = ufunc
        by_method: Callable[[Tensor], Any] = lambda x: getattr(x, first)()  # noqa: E731
    else:
        by_numpy = lambda x: ufunc(x, other)  # noqa: E731
        by_method = lambda x: getattr(x, first)(other)  # noqa: E731
    np.testing.assert_array_equal(by_numpy(Tensor(A)).data, by_method(Tensor(A)).data)
    np.testing.assert_array_equal(by_numpy(Tensor(A)).data, ufunc(A, *([other] * (ufunc.nin - 1))))
    mine, reference = _grad_of(by_numpy), _grad_of(by_method)
    if reference is None:
        assert mine is None
    else:
        np.testing.assert_array_equal(mine, reference)


@pytest.mark.parametrize("ufunc", [u for u in UFUNCS if u.nin == 2], ids=lambda u: u.__name__)
def test_an_array_on_the_left_gives_a_tensor(ufunc: np.ufunc) -> None:
    left = B if ufunc is not np.matmul else B.T.copy()
    x = Tensor(A, requires_grad=True)
    out = ufunc(left, x)
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.data, ufunc(left, A))
    assert out.requires_grad == (out.dtype.kind == "f")
    if ufunc is np.add:
        assert isinstance(left + x, Tensor)
        assert (left + x).requires_grad


#: A call of each listed numpy function, and the Tensor method call it must equal.
CALLS: dict[Any, tuple[Callable[[Any], Any], Callable[[Tensor], Any]]] = {
    np.sum: (lambda x: np.sum(x, axis=0), lambda t: t.sum(0)),
    np.mean: (lambda x: np.mean(x, axis=1, keepdims=True), lambda t: t.mean(1, True)),
    np.max: (lambda x: np.max(x, axis=1), lambda t: t.max(axis=1)),
    np.amax: (lambda x: np.amax(x), lambda t: t.max()),
    np.min: (lambda x: np.min(x, 0), lambda t: t.min(axis=0)),
    np.amin: (lambda x: np.amin(x, axis=1), lambda t: t.min(axis=1)),
    np.argmax: (lambda x: np.argmax(x, axis=1), lambda t: t.argmax(1)),
    np.argmin: (lambda x: np.argmin(x), lambda t: t.argmin()),
    np.var: (lambda x: np.var(x, axis=0), lambda t: t.var(0, correction=0)),
    np.std: (lambda x: np.std(x, ddof=1), lambda t: t.std()),
    np.reshape: (lambda x: np.reshape(x, (3, 2)), lambda t: t.view(3, 2)),
    np.transpose: (lambda x: np.transpose(x), lambda t: t.T),
    np.squeeze: (lambda x: np.squeeze(x[None]), lambda t: t.unsqueeze(0).squeeze()),
    np.expand_dims: (lambda x: np.expand_dims(x, 1), lambda t: t.unsqueeze(1)),
    np.broadcast_to: (lambda x: np.broadcast_to(x, (4, 2, 3)), lambda t: t.expand(4, 2, 3)),
    np.clip: (lambda x: np.clip(x, 0.6, 2.5), lambda t: t.clamp(0.6, 2.5)),
    np.dot: (lambda x: np.dot(x, B.T), lambda t: t @ B.T),
    np.shape: (np.shape, lambda t: t.shape),
    np.ndim: (np.ndim, lambda t: t.ndim),
    np.size: (np.size, lambda t: t.numel()),
}


def test_every_listed_function_has_a_check() -> None:
    assert set(CALLS) == set(FUNCTIONS)


@pytest.mark.parametrize("func", list(CALLS), ids=lambda f: f.__name__)
def test_every_listed_function_records_what_the_method_does(func: Any) -> None:
    by_numpy, by_method = CALLS[func]
    ours, expected = by_numpy(Tensor(A)), by_method(Tensor(A))
    if not isinstance(expected, Tensor):
        assert ours == expected
        return
    np.testing.assert_array_equal(ours.data, expected.data)
    np.testing.assert_array_equal(ours.data, by_numpy(A))  # and what numpy gives on arrays
    mine, reference = _grad_of(by_numpy), _grad_of(by_method)
    if reference is None:
        assert mine is None
    else:
        np.testing.assert_array_equal(mine, reference)


def test_concatenate_stack_and_where_go_to_the_library_functions() -> None:
    a, b = Tensor(A, requires_grad=True), Tensor(B, requires_grad=True)
    c = np.concatenate([a, b], axis=1)
    assert isinstance(c, Tensor)
    assert c.op is not None
    assert c.op.name == "cat"
    np.testing.assert_array_equal(c.data, np.concatenate([A, B], axis=1))
    s = np.stack([a, b])
    np.testing.assert_array_equal(s.data, np.stack([A, B]))
    w = np.where(a > b, a, b)
    assert isinstance(w, Tensor)
    assert w.op is not None
    assert w.op.name == "where"
    np.testing.assert_array_equal(w.data, np.where(A > B, A, B))
    (c.sum() + s.sum() + w.sum()).backward()
    np.testing.assert_array_equal(a.grad, 2.0 + (A > B))


@pytest.mark.parametrize(
    ("call", "hint"),
    [
        (lambda t: np.floor(t), r"t\.data"),
        (lambda t: np.maximum(t, 0.0), r"tl\.where"),
        (lambda t: np.square(t), r"t \*\* 2"),
        (lambda t: np.add.reduce(t), r"t\.sum"),
        (lambda t: np.exp(t, out=np.empty((2, 3))), "a = a \\+ t"),
        (lambda t: np.cumsum(t), "numpy.cumsum"),
        (lambda t: np.sum(t, dtype=np.float32), r"supports \(a, axis, keepdims\), not dtype="),
        (lambda t: np.where(t > 0), "condition, x, y"),
        (lambda t: np.concatenate([t, t], axis=0, dtype=float), "tl.cat"),
    ],
)
def test_anything_else_is_refused_naming_what_to_use(
    call: Callable[[Tensor], Any], hint: str
) -> None:
    t = Tensor(A, requires_grad=True)
    with pytest.raises(TypeError, match=hint):
        call(t)


def test_in_place_numpy_arithmetic_with_a_tensor_is_refused() -> None:
    arr = np.ones((2, 3))
    with pytest.raises(TypeError, match=r"in place|write"):
        arr += Tensor(A)
    np.testing.assert_array_equal(arr, np.ones((2, 3)))


def test_asarray_gives_the_data_unless_the_tensor_requires_grad() -> None:
    t = Tensor(A)
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    with pytest.raises(RuntimeError, match=r"t\.detach\(\)\.numpy\(\)"):
        np.asarray(Tensor(A, requires_grad=True))


def test_numpy_scalars_and_comparisons_on_the_left() -> None:
    x = Tensor(A, requires_grad=True)
    assert isinstance(np.float64(2.0) * x, Tensor)
    mask = B < x  # noqa: SIM300 (numpy on the left)
    assert isinstance(mask, Tensor)
    assert mask.dtype == tl.bool
    np.testing.assert_array_equal(mask.numpy(), B < A)


def test_numpy_functions_on_values_are_not_intercepted() -> None:
    """Values are scalars: numpy treats them as objects, as before."""
    v = Value(2.0)
    assert np.asarray([v]).dtype == object
