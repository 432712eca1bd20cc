"""TensorDataset and DataLoader: batches, order, seeding, collation, and bad arguments."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tl
from tests.optional import require
from tinygrad_lite import Tensor
from tinygrad_lite.data import DataLoader, TensorDataset, batches, train_test_split

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10) % 3


def test_dataset_rows_are_tuples_of_tensors() -> None:
    ds = TensorDataset(Tensor(X), Y)
    assert len(ds) == 10
    row = ds[3]
    assert isinstance(row, tuple)
    assert all(isinstance(t, Tensor) for t in row)
    np.testing.assert_array_equal(row[0].data, X[3])
    assert row[1].item() == Y[3]


@pytest.mark.parametrize(
    ("batch_size", "drop_last", "sizes"),
    [(1, False, [1] * 10), (3, False, [3, 3, 3, 1]), (3, True, [3, 3, 3]), (10, True, [10])],
)
def test_batches_in_order_cover_every_row(
    batch_size: int, drop_last: bool, sizes: list[int]
) -> None:
    loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(sizes)
    seen = []
    for batch in loader:
        assert isinstance(batch, list)  # as PyTorch's default collation
        images, labels = batch
        assert isinstance(images, Tensor)
        assert images.shape == (len(labels), 2)
        seen.append(len(labels))
        rows = (images.data[:, 0] / 2).astype(int)
        np.testing.assert_array_equal(labels.data, Y[rows])
    assert seen == sizes
    first = next(iter(loader))[0]
    np.testing.assert_array_equal(first.data, X[:batch_size])


def test_shuffle_is_a_new_permutation_each_epoch_and_repeats_after_manual_seed() -> None:
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True)

    def epoch() -> list[int]:
        return [int(r) for images, _ in loader for r in images.data[:, 0] / 2]

    tl.manual_seed(7)
    first, second = epoch(), epoch()
    assert sorted(first) == sorted(second) == list(range(10))
    assert first != second
    tl.manual_seed(7)
    assert epoch() == first
    mine = DataLoader(
        TensorDataset(X), batch_size=10, shuffle=True, generator=np.random.default_rng(1)
    )
    again = DataLoader(
        TensorDataset(X), batch_size=10, shuffle=True, generator=np.random.default_rng(1)
    )
    np.testing.assert_array_equal(next(iter(mine))[0].data, next(iter(again))[0].data)


def test_batch_matches_torch_default_collation() -> None:
    torch = require("torch")
    t_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y)), batch_size=4
    )
    ours = DataLoader(TensorDataset(X, Y), batch_size=4)
    assert len(ours) == len(t_loader)
    for mine, theirs in zip(ours, t_loader, strict=True):
        assert type(mine) is type(theirs)
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            assert a.shape == tuple(b.shape)
            assert a.dtype == b.numpy().dtype  # int64 labels stay int64
            np.testing.assert_array_equal(a.data, b.numpy())


class Squares:
    """A map-style data set of (x, x**2) pairs: any object with __len__ and __getitem__."""

    def __len__(self) -> int:
        return 5

    def __getitem__(self, i: int) -> tuple[float, np.ndarray]:
        return float(i), np.array([i, i * i], dtype=float)


def test_any_map_style_dataset_is_collated() -> None:
    x, pair = next(iter(DataLoader(Squares(), batch_size=3)))
    np.testing.assert_array_equal(x.data, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(pair.data, [[0, 0], [1, 1], [2, 4]])
    single = next(iter(DataLoader([np.ones(2), np.zeros(2)], batch_size=2)))
    assert isinstance(single, Tensor)
    assert single.shape == (2, 2)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: DataLoader(42), TypeError, "needs a data set with __len__ and __getitem__"),
        (
            lambda: DataLoader([1.0], batch_size=0),
            ValueError,
            "batch_size must be a positive int, got 0",
        ),
        (
            lambda: DataLoader([1.0], batch_size=2.0),
            ValueError,
            "batch_size must be a positive int",
        ),
        (lambda: DataLoader([1.0], shuffle="yes"), TypeError, "shuffle must be True or False"),
        (lambda: DataLoader([1.0], drop_last=1), TypeError, "drop_last must be True or False"),
        (lambda: DataLoader([1.0], generator=3), TypeError, "generator must be a numpy Generator"),
        (lambda: TensorDataset(), ValueError, "at least one tensor"),
        (lambda: TensorDataset(X, Y[:4]), ValueError, r"same first dimension, got sizes \[10, 4\]"),
        (lambda: TensorDataset(np.float64(3.0)), ValueError, "tensor 0 is 0-d"),
        (lambda: TensorDataset(np.array(["a", "b"])), TypeError, "tensor 0 holds <U1 data"),
        (
            lambda: TensorDataset(Tensor(X, requires_grad=True)),
            ValueError,
            r"requires grad.*t\.detach\(\)",
        ),
    ],
)
def test_bad_arguments_are_named(make: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make()


def test_items_that_cannot_be_batched_are_named() -> None:
    with pytest.raises(TypeError, match="cannot batch items of type str"):
        next(iter(DataLoader(["a", "b"], batch_size=2)))


def test_unseeded_helpers_follow_manual_seed() -> None:
    tl.manual_seed(3)
    a = train_test_split(X, test_size=0.3)
    b = [r for (r,) in batches(X, batch_size=4)]
    tl.manual_seed(3)
    c = train_test_split(X, test_size=0.3)
    d = [r for (r,) in batches(X, batch_size=4)]
    for u, v in zip(a + b, c + d, strict=True):
        np.testing.assert_array_equal(u, v)
    with pytest.raises(TypeError, match="seed must be"):
        train_test_split(X, seed="x")
