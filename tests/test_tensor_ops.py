"""Every Tensor op: forward against plain numpy, gradient against central differences.

Driven from the op tables: `CASES` holds one or more cases per op name, and
`test_every_tensor_op_has_a_gradient_case` fails when `ops.OPS` or `ops.TENSOR_OPS` gains an
op that no case exercises. Inputs are drawn with hypothesis (shapes that broadcast, axes,
indices) in float64, kept in each op's smooth domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import (
    array_shapes,
    arrays,
    broadcastable_shapes,
    mutually_broadcastable_shapes,
)

import tinygrad_lite as tl
from tinygrad_lite import ops
from tinygrad_lite.gradcheck import directional_check, gradcheck
from tinygrad_lite.nn import functional as F
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.testing import safe_floats

Arrays = tuple[np.ndarray, ...]
Params = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One way to call an op: inputs to draw, the Tensor call, and the numpy reference."""

    op: str  #: the name in ops.OPS / ops.TENSOR_OPS
    draw: st.SearchStrategy[tuple[Arrays, Params]]
    tensor: Callable[..., Tensor]
    numpy: Callable[..., np.ndarray]
    id: str = ""


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    # the textbook formula: fine for the moderate inputs drawn here
    return x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))


def _elementwise(op: str, n: int) -> st.SearchStrategy[tuple[Arrays, Params]]:
    """`n` arrays whose shapes broadcast together, entries in the op's smooth domain."""

    @st.composite
    def draw(data: st.DrawFn) -> tuple[Arrays, Params]:
        shapes = data(mutually_broadcastable_shapes(num_shapes=n, max_dims=3, max_side=3))
        out = []
        for i, shape in enumerate(shapes.input_shapes):
            arg = i if op != "add_n" else 0
            elements = safe_floats(op, arg=arg, min_value=-2.0, max_value=2.0)
            out.append(data(arrays(np.float64, shape, elements=elements)))
        return tuple(out), {}

    return draw()


def _spaced(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Distinct entries at least 0.1 apart (max has no near-ties for finite differences)."""
    return arrays(
        np.float64, shape, elements=st.integers(-40, 40).map(lambda k: k / 10.0), unique=True
    )


_small = array_shapes(min_dims=0, max_dims=3, max_side=4)
_some_dims = array_shapes(min_dims=1, max_dims=3, max_side=4)
_values = st.floats(-2.0, 2.0, allow_subnormal=False)


@st.composite
def _reduction(data: st.DrawFn, spaced: bool = False) -> tuple[Arrays, Params]:
    shape = data(_small)
    x = data(_spaced(shape) if spaced else arrays(np.float64, shape, elements=_values))
    ndim = len(shape)
    axis_choices: list[st.SearchStrategy[Any]] = [st.none()]
    if ndim:
        axis_choices.append(st.integers(-ndim, ndim - 1))
        axis_choices.append(
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
        )
    axis = data(st.one_of(*axis_choices))
    return (x,), {"axis": axis, "keepdims": data(st.booleans())}


@st.composite
def _matmul(data: st.DrawFn) -> tuple[Arrays, Params]:
    shapes = data(
        mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=3)
    )
    return tuple(data(arrays(np.float64, s, elements=_values)) for s in shapes.input_shapes), {}


@st.composite
def _linear(data: st.DrawFn) -> tuple[Arrays, Params]:
    n, k, m = (data(st.integers(1, 4)) for _ in range(3))
    shapes = [(n, k), (k, m), (m,)]
    return tuple(data(arrays(np.float64, s, elements=_values)) for s in shapes), {}


@st.composite
def _reshape(data: st.DrawFn) -> tuple[Arrays, Params]:
    shape = data(_small)
    size = int(np.prod(shape))
    target = data(
        st.sampled_from(
            [(size,), (-1,), (1, size), (size, 1), tuple(reversed(shape)), (*shape, 1), (1, -1)]
        )
    )
    return (data(arrays(np.float64, shape, elements=_values)),), {"shape": target}


@st.composite
def _transpose(data: st.DrawFn) -> tuple[Arrays, Params]:
    shape = data(_small)
    axes = data(st.none() | st.permutations(range(len(shape))).map(tuple))
    return (data(arrays(np.float64, shape, elements=_values)),), {"axes": axes}


@st.composite
def _broadcast(data: st.DrawFn) -> tuple[Arrays, Params]:
    target = data(_small)
    shape = data(
        broadcastable_shapes(target, max_dims=len(target), max_side=4).filter(
            lambda s: np.broadcast_shapes(s, target) == target
        )
    )
    return (data(arrays(np.float64, shape, elements=_values)),), {"shape": target}


@st.composite
def _index(data: st.DrawFn) -> tuple[Any, tuple[int, ...]]:
    """An index (ints, slices, arrays with repeats, masks, ..., None) and the indexed shape."""
    shape = data(_some_dims)
    n = shape[0]
    kind = data(st.sampled_from(["int", "slice", "array", "mixed", "mask", "ellipsis", "newaxis"]))
    rows = st.lists(st.integers(-n, n - 1), min_size=1, max_size=6).map(np.array)
    index: Any
    if kind == "int":
        index = data(st.integers(-n, n - 1))
    elif kind == "slice":
        index = data(st.slices(n))
    elif kind == "array":
        index = data(rows)
    elif kind == "mixed" and len(shape) >= 2:
        index = (data(st.slices(n)), data(st.integers(0, shape[1] - 1)), Ellipsis)
        if len(shape) >= 3:
            index = (data(rows), slice(None), data(st.integers(0, shape[2] - 1)))
    elif kind == "mask":
        index = data(arrays(np.bool_, shape))
    elif kind == "ellipsis":
        index = (Ellipsis, data(st.integers(0, shape[-1] - 1)))
    else:
        index = (None, data(st.slices(n)))
    return index, shape


@st.composite
def _getitem(data: st.DrawFn) -> tuple[Arrays, Params]:
    index, shape = data(_index())
    return (data(arrays(np.float64, shape, elements=_values)),), {"index": index}


@st.composite
def _scatter(data: st.DrawFn) -> tuple[Arrays, Params]:
    index, shape = data(_index())
    picked = np.zeros(shape)[index].shape
    g = data(arrays(np.float64, picked, elements=_values))
    return (g,), {"index": index, "shape": shape}


def _scatter_numpy(g: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Scatter-add as the adjoint of indexing: entry j is <g, e_j[index]>."""
    out = np.zeros(shape)
    for j in range(out.size):
        e = np.zeros(shape)
        e.flat[j] = 1.0
        out.flat[j] = np.sum(e[index] * g)
    return out


@st.composite
def _softmax(data: st.DrawFn) -> tuple[Arrays, Params]:
    shape = data(_some_dims)
    x = data(arrays(np.float64, shape, elements=st.floats(-5.0, 5.0, allow_subnormal=False)))
    return (x,), {"axis": data(st.integers(-len(shape), len(shape) - 1))}


@st.composite
def _mse(data: st.DrawFn) -> tuple[Arrays, Params]:
    shape = data(_small)
    pred, target = (data(arrays(np.float64, shape, elements=_values)) for _ in range(2))
    return (pred, target), {"reduction": data(st.sampled_from(["mean", "sum", "none"]))}


def _mse_numpy(pred: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray:
    sq = (pred - target) ** 2
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](sq)


@st.composite
def _cross_entropy(data: st.DrawFn) -> tuple[Arrays, Params]:
    n, classes = data(st.integers(1, 4)), data(st.integers(1, 4))
    logits = data(arrays(np.float64, (n, classes), elements=_values))
    labels = data(arrays(np.int64, (n,), elements=st.integers(0, classes - 1)))
    reduction = data(st.sampled_from(["mean", "sum", "none"]))
    return (logits,), {"labels": labels, "reduction": reduction}


def _cross_entropy_numpy(z: np.ndarray, labels: np.ndarray, reduction: str) -> np.ndarray:
    losses = -_log_softmax(z, 1)[np.arange(len(labels)), labels]
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](losses)


@st.composite
def _clamp(data: st.DrawFn) -> tuple[Arrays, Params]:
    """Inputs on a grid of tenths, bounds half a step off it: never at a kink."""
    shapes = data(mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    x_shape, lo_shape, hi_shape = shapes.input_shapes
    grid = st.integers(-20, 20).map(lambda k: k / 10.0)
    x = data(arrays(np.float64, x_shape, elements=grid))
    lo = data(
        arrays(np.float64, lo_shape, elements=st.integers(-20, -1).map(lambda k: k / 10 + 0.05))
    )
    hi = data(
        arrays(np.float64, hi_shape, elements=st.integers(0, 19).map(lambda k: k / 10 + 0.05))
    )
    return (x, lo, hi), {}


@st.composite
def _where(data: st.DrawFn) -> tuple[Arrays, Params]:
    shapes = data(mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    a_shape, b_shape, c_shape = shapes.input_shapes
    a, b = (data(arrays(np.float64, s, elements=_values)) for s in (a_shape, b_shape))
    return (a, b), {"condition": data(arrays(np.bool_, c_shape))}


@st.composite
def _dim_reduction(data: st.DrawFn) -> tuple[Arrays, Params]:
    """PyTorch's max(dim=...) / min(dim=...): one int dim, distinct entries (ties are
    checked against PyTorch in test_tensor_surface.py)."""
    shape = data(_some_dims)
    x = data(_spaced(shape))
    dim = data(st.integers(-len(shape), len(shape) - 1))
    return (x,), {"dim": dim, "keepdim": data(st.booleans())}


@st.composite
def _variance(data: st.DrawFn) -> tuple[Arrays, Params]:
    """Distinct entries (a variance above 0, for std's square root), at least 2 per slice."""
    shape = data(array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
    x = data(_spaced(shape))
    ndim = len(shape)
    axis = data(
        st.none()
        | st.integers(-ndim, ndim - 1)
        | st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
    )
    return (x,), {"axis": axis, "keepdims": data(st.booleans())}


@st.composite
def _joined(data: st.DrawFn, new_axis: bool) -> tuple[Arrays, Params]:
    """1 to 3 arrays that fit together along `dim` (cat) or are all alike (stack)."""
    shape = data(array_shapes(min_dims=1, max_dims=3, max_side=3))
    n = data(st.integers(1, 3))
    ndim = len(shape)
    dim = data(st.integers(-ndim - 1, ndim) if new_axis else st.integers(-ndim, ndim - 1))
    shapes = []
    for _ in range(n):
        s = list(shape)
        if not new_axis:
            s[dim] = data(st.integers(1, 3))
        shapes.append(tuple(s))
    return tuple(data(arrays(np.float64, s, elements=_values)) for s in shapes), {"dim": dim}


SHAPE_OPS = ["view", "flatten", "squeeze", "unsqueeze", "permute", "transpose", "expand"]


@st.composite
def _shapes(data: st.DrawFn) -> tuple[Arrays, Params]:
    """One of PyTorch's shape methods with arguments that fit: params {"how": (name, args)}."""
    shape = data(array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
    x = data(arrays(np.float64, shape, elements=_values))
    ndim = len(shape)
    name = data(st.sampled_from(SHAPE_OPS))
    dim = st.integers(-ndim, ndim - 1)
    args: tuple[Any, ...]
    if name == "view":
        args = (data(st.sampled_from([(-1,), (1, -1), (*shape, 1), tuple(reversed(shape))])),)
    elif name == "flatten":
        start = data(dim)
        args = (start, data(st.integers(start % ndim, ndim - 1)))
    elif name == "squeeze":
        args = data(st.sampled_from([(), (data(dim),)]))
    elif name == "unsqueeze":
        args = (data(st.integers(-ndim - 1, ndim)),)
    elif name == "permute":
        args = (tuple(data(st.permutations(range(ndim)))),)
    elif name == "transpose":
        args = (data(dim), data(dim))
    else:
        new = data(st.lists(st.integers(1, 2), max_size=2))
        kept = [data(st.sampled_from([-1, 2] if n == 1 else [-1, n])) for n in shape]
        args = (*new, *kept)
    return (x,), {"how": (name, args)}


def _shapes_numpy(a: np.ndarray, how: tuple[str, tuple[Any, ...]]) -> np.ndarray:
    """The same shape change written with numpy."""
    name, args = how
    if name == "view":
        return a.reshape(args[0])
    if name == "flatten":
        start, end = (i % a.ndim for i in args)
        return a.reshape((*a.shape[:start], -1, *a.shape[end + 1 :]))
    if name == "squeeze":
        if not args:
            return np.squeeze(a)
        return np.squeeze(a, axis=args[0]) if a.shape[args[0]] == 1 else a
    if name == "unsqueeze":
        return np.expand_dims(a, args[0] % (a.ndim + 1))
    if name == "permute":
        return np.transpose(a, args[0])
    if name == "transpose":
        return np.swapaxes(a, *args)
    offset = len(args) - a.ndim
    target = [a.shape[i - offset] if n == -1 else n for i, n in enumerate(args)]
    return np.broadcast_to(a, target)


def ops_index(index: Any) -> tuple[Any, ...]:
    """The index as the Tensor normalizes it (what getitem_op receives)."""
    items = index if isinstance(index, tuple) else (index,)
    return tuple(np.asarray(i) if isinstance(i, list) else i for i in items)


CASES: list[Case] = [
    Case("add", _elementwise("add", 2), lambda a, b: a + b, np.add),
    Case("sub", _elementwise("sub", 2), lambda a, b: a - b, np.subtract),
    Case("mul", _elementwise("mul", 2), lambda a, b: a * b, np.multiply),
    Case("div", _elementwise("div", 2), lambda a, b: a / b, np.divide),
    Case("pow", _elementwise("pow", 2), lambda a, b: a**b, np.power),
    Case("neg", _elementwise("neg", 1), lambda a: -a, np.negative),
    Case("exp", _elementwise("exp", 1), lambda a: a.exp(), np.exp),
    Case("log", _elementwise("log", 1), lambda a: a.log(), np.log),
    Case("tanh", _elementwise("tanh", 1), lambda a: a.tanh(), np.tanh),
    Case("sin", _elementwise("sin", 1), lambda a: a.sin(), np.sin),
    Case("cos", _elementwise("cos", 1), lambda a: a.cos(), np.cos),
    Case("sigmoid", _elementwise("sigmoid", 1), lambda a: a.sigmoid(), _sigmoid),
    Case("relu", _elementwise("relu", 1), lambda a: a.relu(), lambda a: np.maximum(a, 0.0)),
    Case(
        "add_n",
        _elementwise("add_n", 3),
        lambda a, b, c: Tensor._call(ops.OPS["add_n"], a, b, c),
        lambda a, b, c: a + b + c,
    ),
    Case("matmul", _matmul(), lambda a, b: a @ b, np.matmul),
    Case("linear", _linear(), lambda x, w, b: F.linear(x, w, b), lambda x, w, b: x @ w + b),
    Case("sum", _reduction(), lambda a, **k: a.sum(**k), lambda a, **k: np.sum(a, **k)),
    Case("mean", _reduction(), lambda a, **k: a.mean(**k), lambda a, **k: np.mean(a, **k)),
    Case("max", _reduction(spaced=True), lambda a, **k: a.max(**k), lambda a, **k: np.max(a, **k)),
    Case(
        "reshape", _reshape(), lambda a, shape: a.reshape(shape), lambda a, shape: a.reshape(shape)
    ),
    Case(
        "transpose",
        _transpose(),
        lambda a, axes: a.transpose(axes),
        lambda a, axes: np.transpose(a, axes),
    ),
    Case("transpose", _transpose(), lambda a, axes: a.T, lambda a, axes: a.T, id="T"),
    Case(
        "broadcast_to",
        _broadcast(),
        lambda a, shape: a.broadcast_to(shape),
        lambda a, shape: np.broadcast_to(a, shape),
    ),
    Case("getitem", _getitem(), lambda a, index: a[index], lambda a, index: a[index]),
    Case(
        "scatter_add",
        _scatter(),
        lambda g, index, shape: ops.scatter_add(g, ops_index(index), shape),
        _scatter_numpy,
    ),
    Case(
        "softmax",
        _softmax(),
        lambda a, axis: a.softmax(axis),
        lambda a, axis: np.exp(_log_softmax(a, axis)),
    ),
    Case("log_softmax", _softmax(), lambda a, axis: a.log_softmax(axis), _log_softmax),
    Case("mse", _mse(), lambda p, t, reduction: F.mse_loss(p, t, reduction), _mse_numpy),
    Case(
        "cross_entropy",
        _cross_entropy(),
        lambda z, labels, reduction: F.cross_entropy(z, labels, reduction),
        _cross_entropy_numpy,
    ),
    Case("abs", _elementwise("abs", 1), lambda a: a.abs(), np.abs),
    Case("sqrt", _elementwise("sqrt", 1), lambda a: a.sqrt(), np.sqrt),
    Case(
        "leaky_relu",
        _elementwise("leaky_relu", 2),
        lambda a, s: a.leaky_relu(s),
        lambda a, s: np.where(a > 0, a, a * s),
    ),
    Case("clamp", _clamp(), lambda a, lo, hi: a.clamp(lo, hi), np.clip),
    Case(
        "where",
        _where(),
        lambda a, b, condition: tl.where(condition, a, b),
        lambda a, b, condition: np.where(condition, a, b),
    ),
    Case("min", _reduction(spaced=True), lambda a, **k: a.min(**k), lambda a, **k: np.min(a, **k)),
    Case(
        "getitem",
        _dim_reduction(),
        lambda a, dim, keepdim: a.max(dim=dim, keepdim=keepdim).values,
        lambda a, dim, keepdim: np.max(a, axis=dim, keepdims=keepdim),
        id="max_dim",
    ),
    Case(
        "getitem",
        _dim_reduction(),
        lambda a, dim, keepdim: a.min(dim, keepdim).values,
        lambda a, dim, keepdim: np.min(a, axis=dim, keepdims=keepdim),
        id="min_dim",
    ),
    Case(
        "mean",
        _variance(),
        lambda a, axis, keepdims: a.var(axis=axis, keepdims=keepdims),
        lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=1),
        id="var",
    ),
    Case(
        "sqrt",
        _variance(),
        lambda a, axis, keepdims: a.std(axis, keepdim=keepdims, unbiased=False),
        lambda a, axis, keepdims: np.std(a, axis=axis, keepdims=keepdims),
        id="std",
    ),
    Case(
        "cat",
        _joined(new_axis=False),
        lambda *ts, dim: tl.cat(list(ts), dim),
        lambda *xs, dim: np.concatenate(xs, axis=dim),
    ),
    Case(
        "cat",
        _joined(new_axis=True),
        lambda *ts, dim: tl.stack(ts, dim=dim),
        lambda *xs, dim: np.stack(xs, axis=dim),
        id="stack",
    ),
    Case(
        "cast",
        _elementwise("neg", 1),
        lambda a: a.to(np.longdouble).double(),
        lambda a: a,
    ),
    Case(
        "reshape",
        _shapes(),
        lambda a, how: getattr(a, how[0])(*how[1]),
        _shapes_numpy,
        id="shapes",
    ),
]


def _ids(case: Case) -> str:
    return case.id or case.op


def _leaves(xs: Arrays) -> list[Tensor]:
    return [Tensor(x.copy(), requires_grad=True, label=f"x{i}") for i, x in enumerate(xs)]


def test_every_tensor_op_has_a_gradient_case() -> None:
    covered = {case.op for case in CASES}
    missing = (set(ops.OPS) | set(ops.TENSOR_OPS)) - covered
    assert not missing, f"ops without a gradient case: {sorted(missing)}"


@pytest.mark.parametrize("case", CASES, ids=_ids)
@settings(max_examples=100)
@given(data=st.data())
def test_forward_matches_numpy(case: Case, data: st.DataObject) -> None:
    xs, params = data.draw(case.draw)
    out = case.tensor(*[Tensor(x) for x in xs], **params)
    expected = case.numpy(*xs, **params)
    assert isinstance(out, Tensor)
    assert isinstance(out.data, np.ndarray)
    assert out.shape == np.shape(expected)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=_ids)
@settings(max_examples=100)
@given(data=st.data())
def test_gradient_matches_central_differences(case: Case, data: st.DataObject) -> None:
    xs, params = data.draw(case.draw)
    out_shape = np.shape(case.numpy(*xs, **params))
    # A fixed random weighting makes the output a scalar that depends on every entry.
    weights = Tensor(np.random.default_rng(len(out_shape)).standard_normal(out_shape))

    def f(*ts: Tensor) -> Tensor:
        return (case.tensor(*ts, **params) * weights).sum()

    report = gradcheck(f, _leaves(xs), eps=1e-6, atol=1e-6, rtol=1e-5)
    assert report.passed, str(report)


#: Bigger inputs, checked along random directions (two evaluations per direction).
BIG: list[tuple[str, Callable[..., Tensor], list[tuple[int, ...]]]] = [
    ("matmul", lambda a, b: (a @ b).tanh(), [(3, 20, 30), (30, 10)]),
    ("matmul-1d", lambda a, b: a @ b, [(30,), (4, 30, 7)]),
    ("mlp", lambda x, w, b: (x @ w + b).relu().log_softmax(), [(16, 40), (40, 10), (10,)]),
    ("softmax", lambda a: a.softmax(axis=0) * a, [(50, 16)]),
    (
        "reductions",
        lambda a: a.max(axis=1, keepdims=True) * a.mean(axis=(0, 2), keepdims=True),
        [(6, 7, 8)],
    ),
    ("shapes", lambda a: a.reshape(8, -1).T[[0, 3, 3, 5]].sum(axis=0), [(4, 6, 8)]),
    ("broadcast", lambda a, b: (a * b).sin() / (b * b + 1.0), [(5, 1, 9), (7, 1)]),
]


@pytest.mark.parametrize(("name", "fn", "shapes"), BIG, ids=[b[0] for b in BIG])
def test_random_direction_check_on_bigger_shapes(
    name: str, fn: Callable[..., Tensor], shapes: list[tuple[int, ...]]
) -> None:
    rng = np.random.default_rng(7)
    xs = tuple(rng.standard_normal(s) for s in shapes)
    out_shape = fn(*[Tensor(x) for x in xs]).shape
    weights = Tensor(rng.standard_normal(out_shape))

    def f(*ts: Tensor) -> Tensor:
        return (fn(*ts) * weights).sum()

    report = directional_check(f, _leaves(xs), n_directions=4, seed=3, atol=1e-6, rtol=1e-5)
    assert report.passed, str(report)


def test_the_checks_catch_a_wrong_rule() -> None:
    """The same check fails for an op whose rule is off by one percent."""
    bad = ops.Op(
        "bad_tanh",
        "tanh",
        "wrong on purpose",
        np.tanh,
        (lambda g, out, a: g * 1.01 * (1 - out * out),),
    )
    x = Tensor(np.linspace(-1, 1, 5), requires_grad=True)
    assert gradcheck(lambda t: Tensor._call(ops.TANH, t).sum(), [x]).passed
    assert not gradcheck(lambda t: Tensor._call(bad, t).sum(), [x]).passed
