"""Reading data from files: IDX (the MNIST format), MNIST's four files, and the 8x8 digits
that ship with scikit-learn. Nothing is ever downloaded.
"""

from __future__ import annotations

import gzip
import importlib
import math
import os
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_lite.data._checks import Array, FloatArray, IntArray

__all__ = ["load_digits", "load_mnist", "read_idx"]

#: IDX type code -> (big-endian numpy dtype, name).
IDX_TYPES: dict[int, tuple[str, str]] = {
    0x08: (">u1", "unsigned byte"),
    0x09: (">i1", "signed byte"),
    0x0B: (">i2", "short"),
    0x0C: (">i4", "int"),
    0x0D: (">f4", "float"),
    0x0E: (">f8", "double"),
}

_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | os.PathLike[str]) -> Array:
    """Read one IDX file (plain or gzip-compressed, told apart by its first bytes).

    The header is two zero bytes, a type code, the number of dimensions, then each
    dimension as a big-endian 32-bit integer; the data follow, big-endian. Returns an
    array of that shape in native byte order (uint8 for MNIST).

    Raises:
        ValueError: naming the file and the problem (bad magic, unknown type code,
            truncated header or data, trailing bytes, corrupt gzip).
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: not a readable gzip file ({exc})") from None
    if len(raw) < 4:
        raise ValueError(
            f"{path}: truncated: the IDX header needs 4 bytes, the file has {len(raw)}"
        )
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"{path}: bad magic: an IDX file starts with two zero bytes, got {raw[:4].hex(' ')}"
        )
    code, ndim = raw[2], raw[3]
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X} ({name})" for c, (_, name) in IDX_TYPES.items())
        raise ValueError(f"{path}: unknown type code 0x{code:02X}; IDX knows {known}")
    if ndim == 0:
        raise ValueError(f"{path}: the header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{path}: truncated header: {ndim} dimensions need {header} bytes, "
            f"the file has {len(raw)}"
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(IDX_TYPES[code][0])
    expected = math.prod(shape) * dtype.itemsize
    got = len(raw) - header
    if got < expected:
        raise ValueError(
            f"{path}: truncated: shape {shape} of {IDX_TYPES[code][1]} needs {expected} bytes "
            f"of data, got {got}"
        )
    if got > expected:
        raise ValueError(
            f"{path}: {got - expected} trailing bytes: shape {shape} needs {expected} bytes "
            f"of data, got {got}"
        )
    data = np.frombuffer(raw, dtype=dtype, count=math.prod(shape), offset=header)
    return data.reshape(shape).astype(dtype.newbyteorder("="))


_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def _find_idx(directory: Path, stem: str) -> Path | None:
    dotted = stem.replace("-idx", ".idx")  # some copies are named train-images.idx3-ubyte
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def load_mnist(
    directory: str | os.PathLike[str], *, flatten: bool = True
) -> tuple[FloatArray, IntArray, FloatArray, IntArray]:
    """Read MNIST (or any data set in its four-file IDX layout) from `directory`.

    Looks for train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
    t10k-labels-idx1-ubyte, each plain or with .gz. Nothing is downloaded.

    Returns:
        X_train, y_train, X_test, y_test: images as float64 in [0, 1] (flattened to rows
        of 784 unless `flatten` is False), labels as int64.
    """
    directory = Path(directory)
    found = {key: _find_idx(directory, stem) for key, stem in _MNIST_FILES.items()}
    missing = [_MNIST_FILES[key] for key, path in found.items() if path is None]
    if missing:
        raise FileNotFoundError(
            f"MNIST files missing in {directory}: {', '.join(missing)} (plain or .gz). "
            "tinygrad_lite downloads nothing: put the four IDX files there yourself, or use "
            "tinygrad_lite.data.load_digits() for a small digits set that needs no download."
        )
    arrays = {key: read_idx(path) for key, path in found.items() if path is not None}
    out: list[Any] = []
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"{directory}: {part} images have shape {images.shape} but labels have shape "
                f"{labels.shape}; they need one label per image"
            )
        X = images.astype(np.float64) / 255.0
        if flatten:
            X = X.reshape(len(X), -1)
        out += [X, labels.astype(np.int64)]
    return out[0], out[1], out[2], out[3]


def load_digits() -> tuple[FloatArray, IntArray]:
    """scikit-learn's bundled 8x8 handwritten digits: 1797 rows of 64 pixels in [0, 1].

    Needs scikit-learn (``pip install scikit-learn`` or ``pip install tinygrad_lite[data]``);
    the data ship inside that package, so nothing is downloaded.
    """
    try:
        datasets = importlib.import_module("sklearn.datasets")
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn, which bundles the 8x8 digits: "
            "pip install scikit-learn  (or: pip install tinygrad_lite[data])"
        ) from None
    bunch = datasets.load_digits()
    X = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    return X, y
