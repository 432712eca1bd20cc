"""`TensorDataset` and `DataLoader`: the minibatch loop of every PyTorch course, on Tensors.

::

    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True)
    for images, labels in loader:
        ...

A batch is collated as PyTorch's default does: items that are tuples give a list with one
stacked Tensor per position (so ``images, labels = batch`` unpacks it), Tensors and
arrays are stacked along a new first axis, numbers become a 1-D Tensor. Every dtype is
kept (int64 labels stay int64, as `CrossEntropyLoss` wants them). Shuffling draws a
new order every epoch from `generator`, or from the library's generator, so
`tinygrad_lite.manual_seed` before the loop repeats a run.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from numbers import Real
from typing import Any

import numpy as np

from tinygrad_lite.data._checks import Array
from tinygrad_lite.factories import tensor
from tinygrad_lite.seed import default_generator
from tinygrad_lite.tensor import Tensor

__all__ = ["DataLoader", "TensorDataset"]


def _array(x: Any, i: int) -> Array:
    """The data behind a dataset's tensor `i`: a Tensor's array, or an array-like as numpy."""
    if isinstance(x, Tensor):
        if x.requires_grad:
            raise ValueError(
                f"TensorDataset: tensor {i} requires grad; a data set holds data, not "
                "parameters (pass t.detach())"
            )
        return np.asarray(x.data)
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"TensorDataset: tensor {i} holds {arr.dtype} data, not numbers")
    return arr


class TensorDataset:
    """Rows of several same-length Tensors (or arrays), taken together: ``ds[i]`` is a tuple.

    Args:
        tensors: one or more Tensors or arrays with the same first dimension, e.g. the
            features and the labels. Each keeps its dtype (an int array stays int64,
            as ``tl.tensor`` would make it).

    Examples:
        >>> import numpy as np
        >>> ds = TensorDataset(np.zeros((5, 3)), np.arange(5))
        >>> len(ds), [t.shape for t in ds[2]]
        (5, [(3,), ()])
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        arrays = [_array(t, i) for i, t in enumerate(tensors)]
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; it needs a first dimension")
        lengths = [len(a) for a in arrays]
        if len(set(lengths)) != 1:
            raise ValueError(
                f"TensorDataset: the tensors need the same first dimension, got sizes {lengths}"
            )
        self.tensors = tuple(t if isinstance(t, Tensor) else tensor(t) for t in tensors)
        self._arrays = arrays

    def __len__(self) -> int:
        return len(self._arrays[0])

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(tensor(a[index]) for a in self._arrays)

    def rows(self, indices: Array) -> list[Tensor]:
        """The rows at `indices` of every tensor, each as one batch Tensor (DataLoader's path)."""
        return [tensor(a[indices]) for a in self._arrays]


def _collate(items: Sequence[Any]) -> Any:
    """PyTorch's default collation for the types a data set here yields."""
    first = items[0]
    if isinstance(first, tuple | list):
        if any(len(item) != len(first) for item in items):
            raise ValueError("DataLoader: the items of one batch have different lengths")
        return [_collate([item[k] for item in items]) for k in range(len(first))]
    if isinstance(first, Tensor):
        return tensor(np.stack([np.asarray(item.data) for item in items]))
    if isinstance(first, np.ndarray | Real) and not isinstance(first, bool):
        return tensor(np.stack([np.asarray(item) for item in items]))
    raise TypeError(
        f"DataLoader cannot batch items of type {type(first).__name__}; a data set should "
        "yield Tensors, arrays, numbers, or tuples of them"
    )


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"DataLoader: {name} must be True or False, got {value!r:.40}")
    return bool(value)


class DataLoader:
    """Minibatches of a data set, one epoch per ``for`` loop.

    Args:
        dataset: a `TensorDataset`, or any object with ``__len__`` and ``__getitem__``
            (a map-style data set, as in PyTorch).
        batch_size: rows per batch (default 1).
        shuffle: draw a new order of the rows for every epoch (default False).
        drop_last: drop a last batch smaller than `batch_size` (default False).
        generator: the numpy Generator to shuffle with; by default the library's, which
            `tinygrad_lite.manual_seed` resets.

    ``len(loader)`` is the number of batches in an epoch.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        *,
        generator: np.random.Generator | None = None,
    ) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader needs a data set with __len__ and __getitem__ (such as "
                f"TensorDataset(X, y)), got {type(dataset).__name__}"
            )
        whole = isinstance(batch_size, int | np.integer) and not isinstance(batch_size, bool)
        if not whole or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"DataLoader: generator must be a numpy Generator, got {type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = _flag("shuffle", shuffle)
        self.drop_last = _flag("drop_last", drop_last)
        self.generator = generator

    def __len__(self) -> int:
        n: int = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> Array:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self.generator if self.generator is not None else default_generator()
        return rng.permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            if self.drop_last and len(rows) < self.batch_size:
                return
            if isinstance(self.dataset, TensorDataset):
                yield self.dataset.rows(rows)
            else:
                yield _collate([self.dataset[int(i)] for i in rows])

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} rows, "
            f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})"
        )
