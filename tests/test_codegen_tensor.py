"""Generated backprop code for Tensor graphs against the engine.

Every op of both tables (driven by `test_tensor_ops.CASES`, which fails for an op
without a case), and 500 random graphs mixing broadcasting, matmul, dense layers,
reductions, shape changes, indexing, softmax, squared error and cross-entropy, in
float64 and float32. Each graph is checked at the point it was made and at a new one,
through `generate` (the recorded graph) and through `compile` (a traced function).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_tensor_ops import CASES, Case

from tinygrad_lite import Tensor
from tinygrad_lite.autograd import toposort
from tinygrad_lite.codegen import compile, generate
from tinygrad_lite.nn import functional as F


def assert_same(got: Any, want: Any) -> None:
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12, atol=0)


# ----------------------------------------------------------------------------------
# Every op of the tables
# ----------------------------------------------------------------------------------


def _weighted(out: Tensor, seed: int) -> Tensor:
    """A scalar whose gradient with respect to `out` is not all ones."""
    weights = np.random.default_rng(seed).uniform(0.5, 1.5, size=out.shape)
    return (out * weights).sum()


def _nudged(x: np.ndarray, seed: int) -> np.ndarray:
    """`x` moved a little, staying inside each case's domain (its entries keep gaps >= 0.1)."""
    step = np.random.default_rng(seed).uniform(-0.01, 0.01, size=x.shape)
    return (x + step).astype(x.dtype)


def _check_at(
    gen: Any, leaves: list[Tensor], data: list[np.ndarray], root: Tensor, fresh: list[Tensor]
) -> None:
    """The generated code at `data` (put into `leaves`) against the engine's `root`, whose
    leaves `fresh` hold the gradients, matched by label."""
    for leaf, x in zip(leaves, data, strict=True):
        leaf.data = x
    out, grads = gen(*gen.values())
    assert_same(out, root.data)
    want = {t.label: t for t in fresh}
    for name, g in zip(gen.gradients, grads, strict=True):
        assert_same(g, want[name].grad)
        assert np.shape(g) == want[name].shape


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id or c.op)
@settings(max_examples=30)
@given(data=st.data())
def test_each_tensor_op_agrees_with_the_engine(case: Case, data: st.DataObject) -> None:
    xs, params = data.draw(case.draw)
    leaves = [Tensor(x.copy(), requires_grad=True, label=f"x{i}") for i, x in enumerate(xs)]
    gen = generate(_weighted(case.tensor(*leaves, **params), 0))
    for point in (list(xs), [_nudged(x, i) for i, x in enumerate(xs)]):
        fresh = [Tensor(x.copy(), requires_grad=True, label=f"x{i}") for i, x in enumerate(point)]
        root = _weighted(case.tensor(*fresh, **params), 0)
        root.backward()
        _check_at(gen, leaves, point, root, fresh)


# ----------------------------------------------------------------------------------
# Random graphs
# ----------------------------------------------------------------------------------


Ref = tuple[str, int]  #: ("leaf", k) or ("step", k)


@dataclass
class Recipe:
    """A random computation on Tensors, replayable on new leaves."""

    leaves: list[np.ndarray]
    grads: list[bool]
    steps: list[tuple[Callable[..., Tensor], tuple[Ref, ...]]] = field(default_factory=list)
    sinks: list[tuple[Ref, np.ndarray]] = field(default_factory=list)

    def tensors(self, data: list[np.ndarray] | None = None) -> list[Tensor]:
        data = self.leaves if data is None else data
        return [
            Tensor(x.copy(), requires_grad=g, label=f"a{i}")
            for i, (x, g) in enumerate(zip(data, self.grads, strict=True))
        ]

    def build(self, *leaves: Tensor) -> Tensor:
        results: list[Tensor] = []

        def get(ref: Ref) -> Tensor:
            return leaves[ref[1]] if ref[0] == "leaf" else results[ref[1]]

        for fn, refs in self.steps:
            results.append(fn(*map(get, refs)))
        terms = [(get(ref) * weights).sum() for ref, weights in self.sinks]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total


_SHAPES = [(3, 4), (4,), (1, 4), (3, 1), (), (2, 3, 4), (4, 3)]
_UNARY: list[Callable[[Tensor], Tensor]] = [
    lambda a: a.tanh(),
    lambda a: a.sin(),
    lambda a: a.cos(),
    lambda a: a.sigmoid(),
    lambda a: a.relu(),
    lambda a: -a,
    lambda a: a.tanh().exp(),
    lambda a: (a * a + 1.0).log(),
]
_BINARY: list[Callable[[Tensor, Tensor], Tensor]] = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: (a * a + 1.0) ** b.tanh(),
]


def _axis(rng: np.random.Generator, ndim: int) -> Any:
    choice = rng.integers(3) if ndim else 0
    if choice == 0:
        return None
    if choice == 1:
        return int(rng.integers(-ndim, ndim))
    k = int(rng.integers(1, ndim + 1))
    return tuple(int(i) for i in sorted(rng.choice(ndim, size=k, replace=False)))


def _index(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    n = shape[0]
    kind = rng.integers(6)
    if kind == 0:
        return int(rng.integers(-n, n))
    if kind == 1:
        return slice(int(rng.integers(0, n)), None, int(rng.integers(1, 3)))
    if kind == 2:
        return rng.integers(-n, n, size=int(rng.integers(1, 6)))  # repeats add up
    if kind == 3:
        return rng.random(shape) > 0.5
    if kind == 4:
        return (Ellipsis, int(rng.integers(0, shape[-1])))
    return (None, slice(None), *([0] if len(shape) > 1 else []))


class _Maker:
    """Grows a `Recipe` one random op at a time, running each on Tensors to know shapes."""

    def __init__(self, rng: np.random.Generator, recipe: Recipe) -> None:
        self.rng = rng
        self.recipe = recipe
        self.pool: list[tuple[Ref, Tensor]] = [
            (("leaf", k), t) for k, t in enumerate(recipe.tensors())
        ]

    def leaf(self, shape: tuple[int, ...], dtype: Any, grad: bool) -> tuple[Ref, Tensor]:
        data = self.rng.normal(size=shape).astype(dtype)
        self.recipe.leaves.append(data)
        self.recipe.grads.append(grad)
        ref = ("leaf", len(self.recipe.leaves) - 1)
        return ref, Tensor(data.copy(), requires_grad=grad, label=f"a{ref[1]}")

    def step(self) -> None:
        rng = self.rng
        ref, a = self.pool[int(rng.integers(len(self.pool)))]
        made = self._choose(ref, a)
        if made is None:
            return
        fn, args = made
        try:
            result = fn(*(t for _, t in args))
        except (ValueError, IndexError):
            return
        if not np.isfinite(result.data).all() or np.abs(result.data).max(initial=0) > 1e3:
            return
        self.recipe.steps.append((fn, tuple(r for r, _ in args)))
        self.pool.append((("step", len(self.recipe.steps) - 1), result))

    def _choose(self, ref: Ref, a: Tensor) -> Any:
        rng = self.rng
        if a.data.size == 0:
            return None
        kinds = ["unary", "binary", "constant", "matmul", "linear", "reduce", "shape"]
        kind = rng.choice([*kinds, "index", "softmax", "mse", "cross_entropy"])
        if kind == "unary":
            return _UNARY[rng.integers(len(_UNARY))], [(ref, a)]
        if kind == "binary":
            other = self.pool[int(rng.integers(len(self.pool)))]
            try:
                np.broadcast_shapes(a.shape, other[1].shape)
            except ValueError:
                return None
            return _BINARY[rng.integers(len(_BINARY))], [(ref, a), other]
        if kind == "constant":
            c: Any = float(rng.uniform(-2, 2))
            if a.ndim and rng.random() < 0.5:
                c = rng.uniform(-2, 2, size=a.shape[-1:]).astype(a.dtype)
            return (lambda t: t * c + c), [(ref, a)]
        if kind == "reduce":
            axis, keep = _axis(rng, a.ndim), bool(rng.random() < 0.5)
            name = str(rng.choice(["sum", "mean", "max"]))
            return (lambda t: getattr(t, name)(axis=axis, keepdims=keep)), [(ref, a)]
        if kind == "shape":
            return self._shape(ref, a)
        if a.ndim == 0:
            return None
        if kind in ("matmul", "linear"):
            return self._product(kind, ref, a)
        if kind == "index":
            index = _index(rng, a.shape)
            return (lambda t: t[index]), [(ref, a)]
        if kind == "softmax":
            axis = int(rng.integers(-a.ndim, a.ndim))
            method = "softmax" if rng.random() < 0.5 else "log_softmax"
            return (lambda t: getattr(t, method)(axis=axis)), [(ref, a)]
        reduction = str(rng.choice(["mean", "sum", "none"]))
        if kind == "mse":
            target = rng.normal(size=a.shape).astype(a.dtype)
            return (lambda t: F.mse_loss(t, target, reduction)), [(ref, a)]
        if a.ndim != 2:
            return None
        labels = rng.integers(0, a.shape[1], size=a.shape[0])
        return (lambda t: F.cross_entropy(t, labels, reduction)), [(ref, a)]

    def _shape(self, ref: Ref, a: Tensor) -> Any:
        choice = self.rng.integers(4)
        if choice == 0:
            return (lambda t: t.reshape(-1)), [(ref, a)]
        if choice == 1:
            return (lambda t: t.T), [(ref, a)]
        if choice == 2:
            axes = tuple(int(x) for x in self.rng.permutation(a.ndim))
            return (lambda t: t.transpose(axes)), [(ref, a)]
        shape = (2, *a.shape)
        return (lambda t: t.broadcast_to(shape)), [(ref, a)]

    def _product(self, kind: str, ref: Ref, a: Tensor) -> Any:
        rng = self.rng
        k, m = a.shape[-1], int(rng.integers(1, 4))
        if kind == "linear":
            w = self.leaf((k, m), a.dtype, True)
            b = self.leaf((m,), a.dtype, bool(rng.random() < 0.8))
            return (lambda x, w, b: F.linear(x, w, b)), [(ref, a), w, b]
        w = self.leaf((k, m) if rng.random() < 0.8 else (k,), a.dtype, True)
        if rng.random() < 0.5 or a.ndim > 2:
            return (lambda x, w: x @ w), [(ref, a), w]
        left = self.leaf((m, a.shape[0]), a.dtype, True)  # a on the right
        return (lambda x, w: w @ x), [(ref, a), left]


def random_recipe(seed: int) -> Recipe:
    rng = np.random.default_rng(seed)
    dtype = np.float32 if rng.random() < 0.2 else np.float64
    n = int(rng.integers(2, 4))
    shapes = [_SHAPES[k] for k in rng.choice(len(_SHAPES), size=n)]
    recipe = Recipe(
        [rng.uniform(-2, 2, size=s).astype(dtype) for s in shapes],
        [True] + [bool(g) for g in rng.random(n - 1) < 0.7],
    )
    maker = _Maker(rng, recipe)
    for _ in range(int(rng.integers(3, 10))):
        maker.step()
    for ref, t in [maker.pool[0], *maker.pool[-3:]]:
        recipe.sinks.append((ref, rng.uniform(0.5, 1.5, size=t.shape).astype(dtype)))
    return recipe


def _engine(recipe: Recipe, data: list[np.ndarray]) -> tuple[Tensor, list[Tensor]]:
    leaves = recipe.tensors(data)
    root = recipe.build(*leaves)
    root.backward()
    return root, leaves


def _new_point(recipe: Recipe, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, size=x.shape).astype(x.dtype) for x in recipe.leaves]


def _check_generate(recipe: Recipe, seed: int) -> None:
    """The recorded graph at its own point and with new values in the leaves that require
    grad. (What the engine computed from leaves that need no gradient is not recorded: it
    is data to the graph. `compile` traces those ops too; see `_check_compile`.)"""
    leaves = recipe.tensors()
    gen = generate(recipe.build(*leaves))
    by_label = {t.label: t for t in leaves}
    new = [
        x if grad else old
        for x, old, grad in zip(_new_point(recipe, seed), recipe.leaves, recipe.grads, strict=True)
    ]
    for data in (recipe.leaves, new):
        root, fresh = _engine(recipe, data)
        _check_at(gen, leaves, data, root, fresh)
        assert all(by_label[name].requires_grad for name in gen.gradients)


def _check_compile(recipe: Recipe, seed: int) -> None:
    f = compile(recipe.build)
    for data in (recipe.leaves, _new_point(recipe, seed), _new_point(recipe, seed + 1)):
        root, fresh = _engine(recipe, data)
        args = recipe.tensors(data)
        assert_same(f(*args), root.data)
        for mine, theirs in zip(args, fresh, strict=True):
            if theirs.grad is None:
                assert mine.grad is None
            else:
                assert_same(mine.grad, theirs.grad)
                assert mine.grad.dtype == theirs.grad.dtype
    assert f.traces == 2  # the first call, and the check on the first new data


@pytest.mark.parametrize("chunk", range(10))
def test_random_tensor_graphs_agree_with_the_engine(chunk: int) -> None:
    """500 random graphs (50 per chunk): each through generate and through compile."""
    for seed in range(chunk * 50, chunk * 50 + 50):
        recipe = random_recipe(seed)
        try:
            _check_generate(recipe, seed)
            _check_compile(recipe, seed)
        except AssertionError as exc:
            raise AssertionError(f"random graph {seed}: {exc}") from exc


def test_random_graphs_use_every_kind_of_op() -> None:
    """The generator really makes what the test above claims to cover."""
    names: set[str] = set()
    for seed in range(500):
        recipe = random_recipe(seed)
        root = recipe.build(*recipe.tensors())
        names |= {n.op.name for n in toposort(root) if n.op is not None}
    expected = {"add", "mul", "matmul", "linear", "sum", "mean", "max", "reshape", "transpose"}
    expected |= {"broadcast_to", "getitem", "softmax", "log_softmax", "mse", "cross_entropy"}
    assert expected <= names, expected - names
