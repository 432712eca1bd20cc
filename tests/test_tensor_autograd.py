"""Tensor on the shared graph machinery: accumulation, un-broadcasting, errors, dtypes,
scatter-add for indexing, and second derivatives through create_graph."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinygrad_lite import DomainError, Tensor, Value, no_grad
from tinygrad_lite.ops import unbroadcast

F32 = np.float32


def leaf(data: object, **kw: object) -> Tensor:
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=True, **kw)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------
# accumulation
# ----------------------------------------------------------------------------------


def test_a_tensor_used_twice_gets_both_gradients() -> None:
    x = leaf([1.0, -2.0, 3.0])
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 1)


def test_leaf_gradients_accumulate_until_zeroed() -> None:
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_backward_with_an_explicit_gradient() -> None:
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * x
    y.backward(np.array([[1.0, 0.0], [0.5, 2.0]]))
    np.testing.assert_array_equal(x.grad, [[2.0, 0.0], [3.0, 16.0]])


def test_the_inputs_of_an_add_may_share_one_gradient_but_it_is_never_modified() -> None:
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).backward(np.array([1.0, 1.0]))
    (a + b).backward(np.array([2.0, 2.0]))
    np.testing.assert_array_equal(a.grad, [3.0, 3.0])
    np.testing.assert_array_equal(b.grad, [3.0, 3.0])


def test_gradient_of_a_sum_is_a_writeable_array_of_ones() -> None:
    x = leaf(np.zeros((2, 3)))
    x.sum().backward()
    assert x.grad.flags.writeable
    x.grad[0, 0] = 5.0  # the leaf owns its gradient
    np.testing.assert_array_equal(x.grad, [[5.0, 1, 1], [1, 1, 1]])


def test_no_grad_records_nothing() -> None:
    x = leaf([1.0, 2.0])
    with no_grad():
        y = (x * 2.0).exp()
    assert not y.requires_grad
    assert y.is_leaf


def test_retain_graph_false_releases_the_graph() -> None:
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=False)
    with pytest.raises(RuntimeError, match="released"):
        y.backward()


def test_detach_cuts_the_graph() -> None:
    x = leaf([1.0, 2.0])
    d = (x * 2.0).detach()
    assert not d.requires_grad
    assert d.is_leaf
    np.testing.assert_array_equal(d.data, [2.0, 4.0])


# ----------------------------------------------------------------------------------
# un-broadcasting
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("small", "big"),
    [
        ((3,), (4, 3)),  # a leading axis added
        ((1, 3), (4, 3)),  # a size-1 axis stretched
        ((4, 1, 3), (4, 5, 3)),  # a size-1 axis in the middle
        ((5, 1), (2, 3, 5, 7)),  # leading axes and a size-1 axis
        ((), (2, 3)),  # a 0-d tensor
        ((1,), ()),  # broadcast against a 0-d tensor
    ],
)
def test_a_broadcast_gradient_is_summed_back_to_the_input_shape(
    small: tuple[int, ...], big: tuple[int, ...]
) -> None:
    s = leaf(np.ones(small))
    b = leaf(np.ones(big))
    (s * b * 2.0).sum().backward()
    out_size = int(np.prod(np.broadcast_shapes(small, big)))
    assert s.grad.shape == small
    assert b.grad.shape == big
    # every entry of s was used out_size / s.size times, each with derivative 2
    np.testing.assert_array_equal(s.grad, np.full(small, 2.0 * out_size / max(s.numel(), 1)))
    np.testing.assert_array_equal(b.grad, np.full(big, 2.0 * out_size / max(b.numel(), 1)))


@settings(max_examples=100)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
        elements=st.floats(-1e6, 1e6),  # sums of huge entries overflow, which is not the point
    ),
    st.lists(st.booleans(), min_size=3, max_size=3),
    st.integers(0, 2),
)
def test_unbroadcast_matches_a_loop(g: np.ndarray, squeeze: list[bool], drop: int) -> None:
    shape = tuple(1 if sq else n for n, sq in zip(g.shape, squeeze, strict=True))[drop:]
    got = unbroadcast(g, shape)
    expected = np.zeros(shape)
    padded = expected.reshape((1,) * drop + shape)
    for idx in np.ndindex(g.shape):
        target = tuple(0 if padded.shape[k] == 1 else i for k, i in enumerate(idx))
        padded[target] += g[idx]
    assert got.shape == shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_unbroadcast_refuses_shapes_it_cannot_sum_to() -> None:
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        unbroadcast(np.ones((2, 3)), (4,))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        unbroadcast(np.ones(3), (2, 3))


# ----------------------------------------------------------------------------------
# backward errors
# ----------------------------------------------------------------------------------


def test_backward_of_a_non_scalar_without_grad_names_the_shape() -> None:
    y = leaf(np.ones((2, 3))) * 2.0
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\)"):
        y.backward()


def test_backward_of_a_one_element_tensor_needs_no_grad() -> None:
    x = leaf([[3.0]])
    (x * x).backward()
    np.testing.assert_array_equal(x.grad, [[6.0]])


def test_backward_with_a_grad_of_the_wrong_shape_names_both() -> None:
    y = leaf(np.ones(3)) * 2.0
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3,\)"):
        y.backward(np.ones((2, 3)))


def test_backward_without_anything_requiring_grad() -> None:
    y = Tensor([1.0, 2.0]).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


# ----------------------------------------------------------------------------------
# dtypes
# ----------------------------------------------------------------------------------

F32_OPS: list[Callable[[Tensor], Tensor]] = [
    lambda t: t + 1.0,
    lambda t: 2.0 - t,
    lambda t: t * t,
    lambda t: t / 3.0,
    lambda t: t**2,
    lambda t: 2.0**t,
    lambda t: -t,
    lambda t: t.exp(),
    lambda t: (t * t + 1.0).log(),
    lambda t: t.tanh(),
    lambda t: t.sin(),
    lambda t: t.cos(),
    lambda t: t.sigmoid(),
    lambda t: t.relu(),
    lambda t: t @ t.T,
    lambda t: t.sum(axis=0),
    lambda t: t.mean(axis=1, keepdims=True),
    lambda t: t.max(axis=-1),
    lambda t: t.reshape(-1),
    lambda t: t.T,
    lambda t: t[[0, 0, 1]],
    lambda t: t.broadcast_to((3, 2, 3)),
    lambda t: t.softmax(),
    lambda t: t.log_softmax(axis=0),
]


@pytest.mark.parametrize("dtype", [F32, np.float16])
@pytest.mark.parametrize("fn", F32_OPS)
def test_narrow_floats_keep_their_dtype_forward_and_backward(
    fn: Callable[[Tensor], Tensor], dtype: type
) -> None:
    data = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=dtype)
    x = Tensor(data, requires_grad=True)
    y = fn(x)
    assert y.dtype == dtype
    y.backward(np.ones(y.shape, dtype=dtype))
    assert x.grad.dtype == dtype


def test_a_gradient_has_the_dtype_of_its_leaf() -> None:
    x = Tensor(np.ones(3, dtype=F32), requires_grad=True)
    y = x * Tensor(np.ones(3))  # float64 result
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == F32


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (3, np.float64),
        (2.5, np.float64),
        ([1, 2, 3], np.float64),
        ([[1.0, 2.0]], np.float64),
        (np.arange(3), np.float64),  # integers become float64
        (np.array([True, False]), np.float64),
        (np.ones(2, dtype=F32), F32),
        (np.ones(2, dtype=np.float16), np.float16),
        (np.float32(1.5), F32),
    ],
)
def test_construction_dtypes(data: object, dtype: type) -> None:
    t = Tensor(data)
    assert isinstance(t.data, np.ndarray)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=dtype))


def test_integer_data_can_require_grad_once_it_is_float() -> None:
    x = Tensor([1, 2, 3], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([1 + 2j], "complex128"),
        (np.array(["a", "b"]), "<U1"),
        (np.array([object()]), "object"),
        ("abc", "str"),
    ],
)
def test_non_real_data_is_refused_by_name(data: object, dtype: str) -> None:
    with pytest.raises(TypeError, match=dtype):
        Tensor(data)


def test_an_input_array_is_shared_but_a_parameter_gets_a_copy() -> None:
    a = np.ones(3)
    assert Tensor(a).data is a
    p = Tensor(a, requires_grad=True)
    assert p.data is not a
    p.data -= 1.0
    np.testing.assert_array_equal(a, np.ones(3))


def test_constants_stay_raw_in_the_graph() -> None:
    x = leaf([1.0, 2.0])
    assert (x * 2).parents[1] == 2.0
    assert type((x * 2).parents[1]) is float
    c = np.array([3.0, 4.0])
    assert (x + c).parents[1] is c
    assert (c - x).parents[0] is c


def test_gradients_flow_past_array_constants() -> None:
    x = leaf([1.0, 2.0])
    c = np.array([3.0, 4.0])
    ((x * c + c) / c).sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 1.0])


# ----------------------------------------------------------------------------------
# reductions, ties and indexing
# ----------------------------------------------------------------------------------


def test_max_ties_share_the_gradient_equally() -> None:
    x = leaf([1.0, 3.0, 3.0, 2.0])
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, 0.0])


def test_max_along_an_axis_with_ties() -> None:
    x = leaf([[1.0, 1.0, 1.0], [0.0, 5.0, 2.0]])
    x.max(axis=1).backward(np.array([3.0, 1.0]))
    np.testing.assert_array_equal(x.grad, [[1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])


def test_repeated_indices_add_up() -> None:
    x = leaf([10.0, 20.0, 30.0, 40.0])
    x[[0, 0, 2, 0, -1]].backward(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    np.testing.assert_array_equal(x.grad, [7.0, 0.0, 3.0, 5.0])


def test_repeated_pairs_in_two_index_arrays_add_up() -> None:
    x = leaf(np.zeros((2, 3)))
    x[np.array([1, 1, 0]), np.array([2, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])


def test_slices_masks_and_ints() -> None:
    x = leaf(np.arange(6.0).reshape(2, 3))
    (x[:, 1:].sum() + x[1, 0] * 2.0 + x[x.data > 3.5].sum()).backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0, 1.0], [2.0, 2.0, 2.0]])


def test_each_index_op_remembers_its_parameters() -> None:
    x = leaf(np.ones((3, 4)))
    assert x.sum(axis=1).op.describe() == "sum(axis=1, keepdims=False)"  # type: ignore[union-attr]
    assert x[1:, [0, 2]].op.params == (("index", "1:, [0,2]"),)  # type: ignore[union-attr]
    assert x.reshape(4, 3).op.params == (("shape", (4, 3)),)  # type: ignore[union-attr]
    assert x.T.op.describe() == "transpose(axes=None)"  # type: ignore[union-attr]


def test_the_same_parameters_give_the_same_op() -> None:
    x = leaf(np.ones((3, 4)))
    assert x.sum(axis=0).op is x.sum(axis=0).op


# ----------------------------------------------------------------------------------
# second derivatives
# ----------------------------------------------------------------------------------


def _grad(f: Callable[[Tensor], Tensor], x: np.ndarray) -> np.ndarray:
    t = leaf(x)
    f(t).backward()
    assert t.grad is not None
    return np.array(t.grad)


def _hvp(f: Callable[[Tensor], Tensor], x: np.ndarray, v: np.ndarray) -> np.ndarray:
    t = leaf(x)
    f(t).backward(create_graph=True)
    g = t.grad
    assert isinstance(g, Tensor)
    assert g.requires_grad
    t.grad = None
    (g * Tensor(v)).sum().backward()
    assert t.grad is not None
    return np.array(t.grad)


def test_hessian_vector_product_against_the_analytic_hessian() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 4))
    x, v = rng.standard_normal(4), rng.standard_normal(4)

    def f(t: Tensor) -> Tensor:
        return ((Tensor(a) @ t).tanh() ** 2).sum()

    t = np.tanh(a @ x)
    s = 1 - t * t
    hessian = a.T @ np.diag(2 * s * s - 4 * t * t * s) @ a
    np.testing.assert_allclose(_hvp(f, x, v), hessian @ v, rtol=1e-10, atol=1e-12)
    h = 1e-5
    fd = (_grad(f, x + h * v) - _grad(f, x - h * v)) / (2 * h)
    np.testing.assert_allclose(_hvp(f, x, v), fd, rtol=1e-6, atol=1e-8)


SECOND_ORDER: list[tuple[str, Callable[[Tensor], Tensor], tuple[int, ...]]] = [
    ("matmul", lambda t: ((t @ t.T).sin() * t.sum(axis=1)).sum(), (3, 4)),
    ("matvec", lambda t: (t.reshape(12)[:4] @ t.T).exp().sum(), (3, 4)),
    ("softmax", lambda t: (t.softmax(axis=0) * t).sum(), (3, 4)),
    ("log_softmax", lambda t: (t.log_softmax() ** 2).mean(), (3, 4)),
    ("max", lambda t: (t * t).max(axis=1).sum() * t.mean(), (3, 4)),
    ("index", lambda t: (t[[0, 0, 2]] ** 3).sum() + t[1, 1:].sigmoid().sum(), (3, 4)),
    ("broadcast", lambda t: (t.broadcast_to((2, 3, 4)) * t.sum(0)).cos().sum(), (3, 4)),
    ("divide", lambda t: (1.0 / (t * t + 1.0)).log().sum() + (t.relu() ** 2).sum(), (3, 4)),
]


@pytest.mark.parametrize(("name", "f", "shape"), SECOND_ORDER, ids=[s[0] for s in SECOND_ORDER])
def test_hessian_vector_products_against_finite_differences(
    name: str, f: Callable[[Tensor], Tensor], shape: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    x += np.sign(x) * 0.1  # relu stays away from its kink
    v = rng.standard_normal(shape)
    h = 1e-5
    fd = (_grad(f, x + h * v) - _grad(f, x - h * v)) / (2 * h)
    np.testing.assert_allclose(_hvp(f, x, v), fd, rtol=1e-5, atol=1e-7)


# ----------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------


def test_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(4,\)"):
        _ = Tensor(np.ones((2, 3))) + Tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"mul.*\(2, 3\).*\(4,\)"):
        _ = Tensor(np.ones((2, 3))) * np.ones(4)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(2, 3\)"):
        _ = Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"matmul.*\(3,\).*\(\)"):
        _ = Tensor(np.ones(3)) @ 2.0


def test_shape_op_errors_name_the_shapes() -> None:
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        t.reshape(4)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 3\)"):
        t.broadcast_to((3, 3))
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        t[5]
    with pytest.raises(ValueError, match="axis 2"):
        t.sum(axis=2)
    with pytest.raises(ValueError, match="permutation"):
        t.permute(0, 0)
    with pytest.raises(ValueError, match=r"\(0, 3\)"):
        Tensor(np.ones((0, 3))).max()
    with pytest.raises(ValueError, match=r"\(0, 3\)"):
        Tensor(np.ones((0, 3))).mean(axis=0)


def test_mixing_value_and_tensor_names_both() -> None:
    t, v = Tensor([1.0, 2.0]), Value(3.0)
    with pytest.raises(TypeError, match=r"Tensor.*Value"):
        _ = t + v
    with pytest.raises(TypeError, match=r"Tensor.*Value"):
        _ = v * t
    with pytest.raises(TypeError, match="Tensor"):
        Tensor(t)


@pytest.mark.parametrize(
    "bad",
    [lambda: Tensor([1.0]) + True, lambda: Tensor([1.0]) + "a", lambda: Tensor([1.0])[1.5]],
)
def test_bad_operands_are_type_errors(bad: Callable[[], object]) -> None:
    with pytest.raises(TypeError):
        bad()


def test_an_index_must_be_integral() -> None:
    with pytest.raises(TypeError, match="float64"):
        Tensor([1.0, 2.0])[np.array([0.0])]
    with pytest.raises(TypeError, match="Tensor"):
        Tensor([1.0, 2.0])[Tensor([0.0])]


@pytest.mark.parametrize(
    ("build", "op"),
    [
        (lambda: Tensor([1.0, -1.0]).log(), "log"),
        (lambda: Tensor([1.0, 2.0]) / Tensor([1.0, 0.0]), "div"),
        (lambda: Tensor([1.0, 800.0]).exp(), "exp"),
        (lambda: Tensor([-2.0]) ** 0.5, "pow"),
        (lambda: Tensor([[-np.inf, -np.inf]]).softmax(), "softmax"),
        (lambda: Tensor([np.nan, 1.0]).log_softmax(), "log_softmax"),
    ],
)
def test_domain_errors_name_the_op(build: Callable[[], Tensor], op: str) -> None:
    with pytest.raises(DomainError) as info:
        build()
    assert info.value.op == op


def test_an_undefined_gradient_is_a_domain_error_not_a_warning() -> None:
    x = leaf([0.0, 1.0])
    y = (x**0.5).sum()  # defined at 0, but its derivative is not
    with pytest.raises(DomainError, match="pow"):
        y.backward()


# ----------------------------------------------------------------------------------
# small conveniences
# ----------------------------------------------------------------------------------


def test_array_facts_and_conversions() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3), label="t")
    assert (t.shape, t.ndim, t.numel(), len(t), t.dtype) == ((2, 3), 2, 6, 2, np.float64)
    assert t.numpy() is t.data
    assert Tensor([[4.5]]).item() == 4.5
    assert float(Tensor(2.0)) == 2.0
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        t.item()
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))
    text = repr(t)
    assert "shape=(2, 3)" in text
    assert "float64" in text
    assert "'t'" in text


def test_constructors() -> None:
    assert Tensor.zeros(2, 3).data.tolist() == [[0.0] * 3] * 2
    assert Tensor.ones((2,), requires_grad=True).requires_grad
    assert Tensor.ones(2, dtype=F32).dtype == F32
    a, b = Tensor.randn(3, 4, seed=5), Tensor.randn((3, 4), seed=5)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.data, np.random.default_rng(5).standard_normal((3, 4)))
    assert Tensor.zeros(2, dtype=np.int32).dtype == np.int32  # as torch.zeros(dtype=int32)
    with pytest.raises(TypeError, match="complex128"):
        Tensor.zeros(2, dtype=np.complex128)
    with pytest.raises(RuntimeError, match="floating point"):
        Tensor.zeros(2, dtype=np.int32, requires_grad=True)


def test_iteration_and_detach() -> None:
    x = leaf([[1.0, 2.0], [3.0, 4.0]], label="x")
    rows = list(x)
    assert [r.shape for r in rows] == [(2,), (2,)]
    (rows[0] * 2.0 + rows[1]).sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 2.0], [1.0, 1.0]])
    d = x.detach()
    assert isinstance(d, Tensor)
    assert d.data is x.data
    assert (d.label, d.requires_grad) == ("x", False)
    assert d.requires_grad_() is d
    assert d.requires_grad


def test_numpy_on_the_left_gives_a_tensor() -> None:
    x = leaf([1.0, 2.0])
    for y in (np.ones(2) * x, np.ones(2) + x, np.ones(2) - x, np.ones(2) / x, np.float64(2.0) ** x):
        assert isinstance(y, Tensor)
    assert isinstance(np.ones((3, 2)) @ x, Tensor)
    np.testing.assert_array_equal((np.array([3.0, 4.0]) - x).data, [2.0, 2.0])


# ----------------------------------------------------------------------------------
# nan and inf: the same policy as Value
# ----------------------------------------------------------------------------------

UNARY: dict[str, Callable[[Tensor], Tensor]] = {
    "exp": lambda t: t.exp(),
    "log": lambda t: t.log(),
    "tanh": lambda t: t.tanh(),
    "sin": lambda t: t.sin(),
    "cos": lambda t: t.cos(),
    "sigmoid": lambda t: t.sigmoid(),
    "relu": lambda t: t.relu(),
    "neg": lambda t: -t,
    "square": lambda t: t * t,
    "reciprocal": lambda t: 1.0 / t,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_nan_is_data_and_propagates_without_warnings(name: str) -> None:
    x = leaf([np.nan, 0.5])
    y = UNARY[name](x)
    assert np.isnan(y.data[0])
    assert not np.isnan(y.data[1])
    y.sum().backward()
    assert not np.isnan(x.grad[1])


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [
        ("exp", -np.inf, 0.0),
        ("log", np.inf, np.inf),
        ("tanh", np.inf, 1.0),
        ("tanh", -np.inf, -1.0),
        ("sigmoid", np.inf, 1.0),
        ("sigmoid", -np.inf, 0.0),
        ("relu", np.inf, np.inf),
        ("relu", -np.inf, 0.0),
        ("neg", np.inf, -np.inf),
        ("square", -np.inf, np.inf),
        ("reciprocal", np.inf, 0.0),
    ],
)
def test_infinite_input_gives_the_limit(name: str, x: float, expected: float) -> None:
    assert UNARY[name](Tensor([x])).data[0] == expected


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_periodic_functions_at_infinity_raise(name: str) -> None:
    with pytest.raises(DomainError, match="inf") as info:
        UNARY[name](Tensor([0.0, np.inf]))
    assert info.value.op == name


def test_truth_value_only_for_one_entry() -> None:
    assert Tensor([[2.0]])
    assert not Tensor(0.0)
    with pytest.raises(ValueError, match=r"shape \(2,\) is ambiguous"):
        bool(Tensor([1.0, 2.0]))
