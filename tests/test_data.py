"""Data: generators, splitting, batching, scalers, the IDX reader and the MNIST / digits loaders."""

from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.optional import require
from tinygrad_lite.data import (
    MinMaxScaler,
    StandardScaler,
    batches,
    load_digits,
    load_mnist,
    make_correlated_gaussian,
    make_moons,
    make_nine_weight_table,
    make_paraboloid,
    make_spirals,
    read_idx,
    train_test_split,
)
from tinygrad_lite.examples import nine_weight_graph

# ----------------------------------------------------------------------------------
# Generators
# ----------------------------------------------------------------------------------


def test_moons_shapes_dtypes_and_balance() -> None:
    X, y = make_moons(101, noise=0.1, seed=0)
    assert X.shape == (101, 2)
    assert X.dtype == np.float64
    assert y.shape == (101,)
    assert y.dtype == np.int64
    assert sorted(set(y.tolist())) == [0, 1]
    assert abs(int((y == 0).sum()) - int((y == 1).sum())) <= 1


def test_moons_without_noise_lie_on_their_half_circles() -> None:
    X, y = make_moons(60, noise=0.0, seed=1)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    assert (upper[:, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()


def test_seeds_repeat_and_differ() -> None:
    a, b, c = make_moons(seed=3), make_moons(seed=3), make_moons(seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    np.testing.assert_array_equal(make_spirals(seed=2)[0], make_spirals(seed=2)[0])
    assert not np.array_equal(make_paraboloid(seed=1)[0], make_paraboloid(seed=2)[0])


def test_spirals() -> None:
    X, y = make_spirals(n_per_class=50, n_classes=4, noise=0.3, seed=0)
    assert X.shape == (200, 2)
    assert X.dtype == np.float64
    assert y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50, 50]
    # Noise moves the angle only: each arm's radii are evenly spaced from 0 to 1.
    for k in range(4):
        np.testing.assert_allclose(np.hypot(*X[y == k].T), np.linspace(0, 1, 50), atol=1e-12)


def test_correlated_gaussian_default_shape_and_covariance() -> None:
    X = make_correlated_gaussian()
    assert X.shape == (1000, 3)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, make_correlated_gaussian(seed=43))
    big = make_correlated_gaussian(n=40000, dim=4, cov=0.8, seed=1)
    expected = np.full((4, 4), 0.8) + 0.2 * np.eye(4)
    np.testing.assert_allclose(np.cov(big, rowvar=False), expected, atol=0.04)
    np.testing.assert_allclose(big.mean(axis=0), 0.0, atol=0.03)


@pytest.mark.parametrize(("dim", "cov"), [(3, 1.0), (3, -0.5), (2, 1.5), (4, -0.4)])
def test_correlated_gaussian_rejects_a_matrix_that_is_not_positive_definite(
    dim: int, cov: float
) -> None:
    with pytest.raises(ValueError, match="not positive definite"):
        make_correlated_gaussian(n=10, dim=dim, cov=cov)


def test_paraboloid() -> None:
    X, y = make_paraboloid(100, seed=0)
    assert X.shape == (100, 2)
    assert y.shape == (100,)
    assert X.dtype == y.dtype == np.float64
    assert (X >= 0).all()
    assert (X <= 1).all()
    np.testing.assert_allclose(y, [(a * a + b * b) / 2 for a, b in X.tolist()], rtol=1e-15)


def test_nine_weight_table_comes_from_the_graph() -> None:
    X, y, w = make_nine_weight_table(n=506, noise=0.0, seed=0)
    assert X.shape == (506, 5)
    assert y.shape == (506,)
    assert w.shape == (9,)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0, rtol=1e-12)
    for i in (0, 17, 505):
        graph = nine_weight_graph(X[i].tolist(), 0.0, w.tolist())
        assert y[i] == pytest.approx(graph.y_hat.data, rel=1e-12)


def test_nine_weight_table_noise() -> None:
    X0, y0, _ = make_nine_weight_table(n=2000, noise=0.0, seed=4)
    X1, y1, _ = make_nine_weight_table(n=2000, noise=0.1, seed=4)
    np.testing.assert_array_equal(X0, X1)
    assert np.std(y1 - y0) == pytest.approx(0.1, rel=0.1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(n=1), "n must be an int >= 2"),
        (lambda: make_moons(n=10.0), "n must be an int"),
        (lambda: make_moons(noise=-0.1), "noise must be a finite number >= 0"),
        (lambda: make_spirals(n_classes=0), "n_classes must be an int >= 1"),
        (lambda: make_paraboloid(n=0), "n must be an int >= 1"),
        (lambda: make_nine_weight_table(noise=float("nan")), "noise must be a finite"),
    ],
)
def test_generator_arguments_are_checked(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_seed_type_is_checked() -> None:
    with pytest.raises(TypeError, match="seed must be"):
        make_moons(seed="zero")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------
# Splitting and batching
# ----------------------------------------------------------------------------------


def test_split_sizes_and_rows_stay_together() -> None:
    X = np.arange(2000, dtype=np.float64).reshape(1000, 2)
    y = np.arange(1000)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0)
    assert X_tr.shape == (800, 2)
    assert X_te.shape == (200, 2)
    assert len(y_tr) == 800
    assert len(y_te) == 200
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)
    np.testing.assert_array_equal(X_te[:, 0], 2 * y_te)
    assert sorted([*y_tr.tolist(), *y_te.tolist()]) == list(range(1000))
    assert y_tr.tolist() != sorted(y_tr.tolist())  # shuffled


def test_split_with_a_row_count_fraction_rounding_and_no_shuffle() -> None:
    y = np.arange(10)
    tr, te = train_test_split(y, test_size=3, seed=0)
    assert (len(tr), len(te)) == (7, 3)
    tr, te = train_test_split(y, test_size=0.25, seed=0)  # 2.5 rows round up to 3
    assert (len(tr), len(te)) == (7, 3)
    tr, te = train_test_split(y, test_size=0.2, shuffle=False)
    assert tr.tolist() == list(range(8))
    assert te.tolist() == [8, 9]
    a = train_test_split(y, seed=5)
    b = train_test_split(y, seed=5)
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize(
    ("arrays", "kwargs", "message"),
    [
        ((np.zeros(5), np.zeros(4)), {}, "same number of rows"),
        ((), {}, "at least one array"),
        ((np.zeros(5),), {"test_size": 1.5}, "strictly between 0 and 1"),
        ((np.zeros(5),), {"test_size": 5}, "both the train and the test part"),
        ((np.zeros(5),), {"test_size": 0}, "both the train and the test part"),
    ],
)
def test_split_errors(
    arrays: tuple[np.ndarray, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        train_test_split(*arrays, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "size", "drop_last"), [(10, 3, False), (10, 3, True), (12, 4, False)]
)
def test_batches_cover_every_row_once(n: int, size: int, drop_last: bool) -> None:
    X = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n)
    seen: list[int] = []
    sizes = []
    for xb, yb in batches(X, y, batch_size=size, seed=0, drop_last=drop_last):
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)
        seen += yb.tolist()
        sizes.append(len(yb))
    full, rest = divmod(n, size)
    if drop_last:
        assert sizes == [size] * full
        assert len(set(seen)) == len(seen) == full * size
    else:
        assert sorted(seen) == list(range(n))
        assert sizes == [size] * full + ([rest] if rest else [])


def test_batches_order() -> None:
    y = np.arange(7)
    assert [b.tolist() for (b,) in batches(y, batch_size=3, shuffle=False)] == [
        [0, 1, 2],
        [3, 4, 5],
        [6],
    ]
    first = [b.tolist() for (b,) in batches(y, batch_size=7, seed=1)]
    again = [b.tolist() for (b,) in batches(y, batch_size=7, seed=1)]
    assert first == again
    rng = np.random.default_rng(0)
    epochs = [[b.tolist() for (b,) in batches(y, batch_size=7, seed=rng)] for _ in range(3)]
    assert epochs[0] != epochs[1] or epochs[1] != epochs[2]


def test_batches_errors() -> None:
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        list(batches(np.zeros(3), batch_size=0))
    with pytest.raises(ValueError, match="same number of rows"):
        list(batches(np.zeros(3), np.zeros(4), batch_size=2))


# ----------------------------------------------------------------------------------
# Scalers
# ----------------------------------------------------------------------------------


def test_minmax_maps_the_training_range_and_round_trips() -> None:
    rng = np.random.default_rng(0)
    train = rng.normal(3.0, 2.0, size=(50, 3))
    test = rng.normal(3.0, 2.0, size=(20, 3))
    scaler = MinMaxScaler()
    scaled = scaler.fit_transform(train)
    np.testing.assert_allclose(scaled.min(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(scaled.max(axis=0), 1.0, rtol=1e-15)
    lo, hi = train.min(axis=0), train.max(axis=0)
    np.testing.assert_allclose(scaler.transform(test), (test - lo) / (hi - lo), rtol=1e-13)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(test)), test, rtol=1e-13)


def test_minmax_feature_range() -> None:
    X = np.array([[0.0], [5.0], [10.0]])
    np.testing.assert_allclose(MinMaxScaler((-1.0, 1.0)).fit_transform(X).ravel(), [-1, 0, 1])
    with pytest.raises(ValueError, match="low < high"):
        MinMaxScaler((1.0, 1.0))


def test_standard_scaler_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    train = rng.normal([1.0, -5.0], [0.5, 3.0], size=(100, 2))
    test = rng.normal(size=(7, 2))
    scaler = StandardScaler().fit(train)
    expected = (test - train.mean(axis=0)) / train.std(axis=0)
    np.testing.assert_allclose(scaler.transform(test), expected, rtol=1e-13)
    z = scaler.transform(train)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-13)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-13)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(test)), test, rtol=1e-13)


@pytest.mark.parametrize("scaler", [MinMaxScaler(), StandardScaler()])
def test_constant_columns_do_not_divide_by_zero(scaler: MinMaxScaler | StandardScaler) -> None:
    X = np.array([[1.0, 4.0], [2.0, 4.0], [3.0, 4.0]])
    out = scaler.fit_transform(X)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[:, 1], 0.0)
    np.testing.assert_allclose(scaler.inverse_transform(out), X)


@pytest.mark.parametrize("cls", [MinMaxScaler, StandardScaler])
def test_scaler_errors(cls: type[MinMaxScaler] | type[StandardScaler]) -> None:
    scaler = cls()
    with pytest.raises(RuntimeError, match="not fitted yet"):
        scaler.transform(np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="not fitted yet"):
        scaler.inverse_transform(np.zeros((2, 2)))
    scaler.fit(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match="fitted on 2 features, got data with 3"):
        scaler.transform(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="needs a 2-D array"):
        scaler.transform(np.zeros(2))
    with pytest.raises(ValueError, match="NaN or infinite"):
        scaler.fit(np.array([[1.0, np.nan]]))


# ----------------------------------------------------------------------------------
# IDX files
# ----------------------------------------------------------------------------------

TYPE_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D}
TYPE_CODES[np.float64] = 0x0E


def idx_bytes(array: np.ndarray, code: int) -> bytes:
    """An IDX file written by hand from the format description."""
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", list(TYPE_CODES))
def test_idx_round_trip(tmp_path: Path, dtype: type, compress: bool) -> None:
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(3, 4, 5)) * 50).astype(dtype)
    raw = idx_bytes(array, TYPE_CODES[dtype])
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    path.write_bytes(gzip.compress(raw) if compress else raw)
    out = read_idx(path)
    assert out.shape == (3, 4, 5)
    assert out.dtype == np.dtype(dtype)
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_idx_gzip_is_detected_by_content_not_name(tmp_path: Path) -> None:
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    path = tmp_path / "labels"  # no .gz suffix
    path.write_bytes(gzip.compress(idx_bytes(labels, 0x08)))
    np.testing.assert_array_equal(read_idx(path), labels)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x01\x00\x08\x01" + struct.pack(">I", 2) + b"ab", "bad magic"),
        (b"\x00\x00\x07\x01" + struct.pack(">I", 2) + b"ab", "unknown type code 0x07"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"abc", "truncated.*needs 5 bytes.*got 3"),
        (
            b"\x00\x00\x0c\x02" + struct.pack(">II", 2, 2) + bytes(12),
            "truncated.*needs 16 bytes.*got 12",
        ),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 2) + b"abcd", "2 trailing bytes"),
        (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "truncated header: 3 dimensions need 16"),
        (b"\x00\x00", "truncated: the IDX header needs 4 bytes"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (b"\x1f\x8b\x08\x00garbage", "not a readable gzip file"),
    ],
)
def test_bad_idx_files_name_file_and_problem(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_gzip_idx(tmp_path: Path) -> None:
    path = tmp_path / "cut.gz"
    data = gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8), 0x08))
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz"):
        read_idx(path)


def write_mnist(
    directory: Path, n_train: int, n_test: int, gz: bool = False
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for name, array in arrays.items():
        raw = idx_bytes(array, 0x08)
        if gz:
            (directory / (name + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (directory / name).write_bytes(raw)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist(tmp_path: Path, gz: bool) -> None:
    arrays = write_mnist(tmp_path, 6, 4, gz=gz)
    X_train, y_train, X_test, y_test = load_mnist(tmp_path)
    assert X_train.shape == (6, 784)
    assert X_test.shape == (4, 784)
    assert X_train.dtype == X_test.dtype == np.float64
    assert y_train.dtype == y_test.dtype == np.int64
    np.testing.assert_allclose(X_train * 255, arrays["train-images-idx3-ubyte"].reshape(6, 784))
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    images, *_ = load_mnist(tmp_path, flatten=False)
    assert images.shape == (6, 28, 28)


def test_load_mnist_names_missing_files(tmp_path: Path) -> None:
    write_mnist(tmp_path, 3, 2)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    (tmp_path / "train-images-idx3-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="downloads nothing") as info:
        load_mnist(tmp_path)
    text = str(info.value)
    assert "t10k-labels-idx1-ubyte" in text
    assert "train-images-idx3-ubyte" in text
    assert "train-labels-idx1-ubyte" not in text


def test_load_mnist_checks_label_count(tmp_path: Path) -> None:
    write_mnist(tmp_path, 3, 2)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(5, np.uint8), 0x08))
    with pytest.raises(ValueError, match="one label per image"):
        load_mnist(tmp_path)


def test_load_digits() -> None:
    require("sklearn")
    X, y = load_digits()
    assert X.shape == (1797, 64)
    assert X.dtype == np.float64
    assert y.dtype == np.int64
    assert X.min() == 0.0
    assert X.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))


def test_load_digits_without_sklearn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        load_digits()
