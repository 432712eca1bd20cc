"""Data for the course workflows: generators, the IDX (MNIST) reader, splitting, scaling,
batches, and PyTorch's `TensorDataset` / `DataLoader`.

Everything here is numpy only and works offline: the library never downloads anything.
Generated features are float64 and class labels int64; every generator takes a seed so a
run can be repeated exactly, and without one draws from the library's generator
(`tinygrad_lite.manual_seed`).

The parts live in `synthetic` (generators), `files` (IDX, MNIST, the 8x8 digits),
`preprocessing` (splits, batches, scalers) and `loader` (TensorDataset, DataLoader).
"""

from tinygrad_lite.data.files import load_digits, load_mnist, read_idx
from tinygrad_lite.data.loader import DataLoader, TensorDataset
from tinygrad_lite.data.preprocessing import (
    MinMaxScaler,
    StandardScaler,
    batches,
    train_test_split,
)
from tinygrad_lite.data.synthetic import (
    make_correlated_gaussian,
    make_moons,
    make_nine_weight_table,
    make_paraboloid,
    make_spirals,
)

__all__ = [
    "DataLoader",
    "MinMaxScaler",
    "StandardScaler",
    "TensorDataset",
    "batches",
    "load_digits",
    "load_mnist",
    "make_correlated_gaussian",
    "make_moons",
    "make_nine_weight_table",
    "make_paraboloid",
    "make_spirals",
    "read_idx",
    "train_test_split",
]
