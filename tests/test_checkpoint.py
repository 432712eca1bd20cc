"""state_dict / load_state_dict and tl.save / tl.load: round trips, atomic writes, bad files."""

from __future__ import annotations

import os
import stat
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite.checkpoint import CheckpointError
from tinygrad_lite.nn import MLP, Module


def values_of(model: Module) -> list[Any]:
    return [np.array(p.data, copy=True) for p in model.parameters()]


def assert_same(a: list[Any], b: list[Any]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_scalar_state_dict_has_named_0d_copies() -> None:
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    names = [name for name, _ in model.named_parameters()]
    assert list(state) == names
    assert len(state) == 2 * 3 + 3 + 3 + 1
    first = model.parameters()[0]
    arr = state[names[0]]
    assert arr.shape == ()
    assert arr.dtype == np.float64
    assert float(arr) == first.data
    arr[...] = 99.0  # a copy: the model does not change
    assert first.data != 99.0


def test_scalar_load_state_dict_copies_values() -> None:
    src, dst = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    x = [0.3, -1.2]
    assert src(x).data != dst(x).data
    dst.load_state_dict(src.state_dict())
    assert dst(x).data == src(x).data
    assert all(type(p.data) is float for p in dst.parameters())


def test_save_load_round_trip_scalar(tmp_path: Path) -> None:
    src, dst = MLP(3, [4, 2], seed=0), MLP(3, [4, 2], seed=5)
    written = tl.save(src, tmp_path / "model.npz")
    assert written == tmp_path / "model.npz"
    with np.load(written, allow_pickle=False) as f:  # a plain npz any numpy can read
        assert sorted(f.files) == sorted(src.state_dict())
    tl.load(dst, tmp_path / "model.npz")
    assert_same(values_of(dst), values_of(src))


def test_suffix_is_added_by_save_and_load_alike(tmp_path: Path) -> None:
    src, dst = MLP(2, [2], seed=0), MLP(2, [2], seed=1)
    written = tl.save(src, str(tmp_path / "ckpt"))
    assert written.name == "ckpt.npz"
    assert written.exists()
    assert not (tmp_path / "ckpt").exists()
    tl.load(dst, str(tmp_path / "ckpt"))
    assert_same(values_of(dst), values_of(src))


def test_save_overwrites_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    a, b = MLP(2, [2], seed=0), MLP(2, [2], seed=1)
    tl.save(a, tmp_path / "m.npz")
    tl.save(b, tmp_path / "m.npz")
    assert os.listdir(tmp_path) == ["m.npz"]
    c = MLP(2, [2], seed=2)
    tl.load(c, tmp_path / "m.npz")
    assert_same(values_of(c), values_of(b))


def test_crash_while_writing_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = MLP(2, [2], seed=0), MLP(2, [2], seed=1)
    path = tmp_path / "m.npz"
    tl.save(old, path)
    before = path.read_bytes()

    def crash(file: Any, *args: Any, **kwargs: Any) -> None:
        file.write(b"PK\x03\x04 half a zip")  # some bytes reach the disk, then the crash
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        tl.save(new, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


def test_crash_on_first_write_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(file: Any, *args: Any, **kwargs: Any) -> None:
        file.write(b"PK\x03\x04")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        tl.save(MLP(2, [2], seed=0), tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_mismatched_state_names_every_problem_and_changes_nothing() -> None:
    model = MLP(2, [2, 1], seed=0)
    before = values_of(model)
    state = model.state_dict()
    names = list(state)
    del state[names[0]]
    state["layers.9.neurons.0.b"] = np.array(1.0)
    state[names[3]] = np.zeros(2)
    state[names[4]] = np.array("text")
    with pytest.raises(CheckpointError) as info:
        model.load_state_dict(state)
    msg = str(info.value)
    assert "4 problems" in msg
    assert f"missing: {names[0]}" in msg
    assert "unexpected: layers.9.neurons.0.b" in msg
    assert f"{names[3]}: shape (2,) in the checkpoint, () in the model" in msg
    assert f"{names[4]}: dtype <U4" in msg
    assert_same(values_of(model), before)


def test_non_strict_skips_missing_and_unexpected_names() -> None:
    src, dst = MLP(2, [2], seed=0), MLP(2, [2], seed=1)
    state = src.state_dict()
    names = list(state)
    del state[names[0]]
    state["extra"] = np.array(3.0)
    missing, unexpected = dst.load_state_dict(state, strict=False)
    assert missing == [names[0]]
    assert unexpected == ["extra"]
    assert dst.parameters()[0].data != src.parameters()[0].data
    assert dst.parameters()[1].data == src.parameters()[1].data
    state[names[1]] = np.zeros(3)  # shapes are still checked
    with pytest.raises(CheckpointError, match="shape"):
        dst.load_state_dict(state, strict=False)


def test_loading_a_file_that_does_not_fit_names_the_path(tmp_path: Path) -> None:
    tl.save(MLP(2, [3], seed=0), tmp_path / "small.npz")
    model = MLP(2, [2], seed=1)
    before = values_of(model)
    with pytest.raises(CheckpointError, match=r"small\.npz.*unexpected: layers\.0\.neurons\.2"):
        tl.load(model, tmp_path / "small.npz")
    assert_same(values_of(model), before)


@pytest.mark.parametrize(
    "kind", ["garbage", "truncated", "npy", "empty", "pickled", "bad-deflate-stream"]
)
def test_corrupt_files_raise_a_clear_error(tmp_path: Path, kind: str) -> None:
    good = tl.save(MLP(2, [2], seed=0), tmp_path / "good.npz")
    bad = tmp_path / "bad.npz"
    if kind == "garbage":
        bad.write_bytes(b"this is not a zip file at all")
    elif kind == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "npy":
        with bad.open("wb") as f:
            np.save(f, np.zeros(3))
    elif kind == "empty":
        bad.write_bytes(b"")
    elif kind == "bad-deflate-stream":  # a compressed file whose data zlib cannot inflate
        np.savez_compressed(bad, w=np.arange(2000.0))
        raw = bytearray(bad.read_bytes())
        name_len, extra_len = struct.unpack("<HH", raw[26:30])  # the zip local header
        raw[30 + name_len + extra_len] ^= 0xFF  # the first byte of the deflate stream
        bad.write_bytes(bytes(raw))
    else:
        with zipfile.ZipFile(bad, "w") as z, z.open("w.npy", "w") as member:
            np.save(member, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    model = MLP(2, [2], seed=1)
    before = values_of(model)
    with pytest.raises(CheckpointError, match=r"bad\.npz"):
        tl.load(model, bad)
    assert_same(values_of(model), before)


def test_saved_file_has_the_usual_permissions(tmp_path: Path) -> None:
    """The temporary file behind the atomic write is private; the checkpoint is not."""
    mask = os.umask(0o022)
    try:
        path = tl.save(MLP(2, [2], seed=0), tmp_path / "m.npz")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.npz"):
        tl.load(MLP(2, [2], seed=0), tmp_path / "nope")


def test_state_must_be_a_mapping() -> None:
    with pytest.raises(TypeError, match="mapping"):
        MLP(2, [2]).load_state_dict([1.0, 2.0])


def test_saving_into_a_missing_directory_names_the_users_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        tl.save(MLP(2, [2], seed=0), "missing/dir/x")
    message = str(info.value)
    assert "'missing/dir/x'" in message
    assert "'missing/dir' does not exist" in message
    assert ".tmp" not in message  # not the temporary file behind the atomic write
    assert list(tmp_path.iterdir()) == []  # nothing was created


def test_saving_where_a_file_blocks_the_directory_is_named(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("not a directory")
    with pytest.raises(FileNotFoundError, match=r"plain' is not a directory"):
        tl.save(MLP(2, [2], seed=0), tmp_path / "plain" / "model")
