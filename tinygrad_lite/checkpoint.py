"""Checkpoints: a module's parameters as named numpy arrays, saved to and loaded from `.npz`.

The file format is numpy's plain `.npz` (one array per parameter, keyed by its dotted name
from `Module.named_parameters`), written without pickle and read with `allow_pickle=False`,
so a checkpoint can be opened by any numpy program and loading one never runs code.

The in-memory half (`state_dict`, `load_state_dict`, `CheckpointError`, `LoadResult`)
lives in `tinygrad_lite.nn.state` and is re-exported here; this module adds the files.

Guarantees:

* `save` writes to a temporary file in the target directory and renames it over the
  target (`os.replace`, atomic on POSIX and Windows): a crash mid-write leaves the old file
  (or no file), never half of one.
* `load_state_dict` and `load` check everything first (missing names, unexpected names,
  shapes, dtypes, a corrupt file) and raise one `CheckpointError` naming every problem;
  the module is changed only when all checks pass.
* File names: a path that does not end in ``.npz`` gets ``.npz`` appended, by `save` and
  `load` alike (as `numpy.savez` does), so ``save(m, "model")`` and ``load(m, "model")``
  both use ``model.npz``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_lite.nn.module import Module
from tinygrad_lite.nn.state import CheckpointError, LoadResult, load_state_dict, state_dict

__all__ = ["CheckpointError", "LoadResult", "load", "load_state_dict", "save", "state_dict"]

Array = np.ndarray[Any, Any]


def _npz_path(path: str | os.PathLike[str]) -> Path:
    p = Path(os.fspath(path))
    return p if p.suffix == ".npz" else p.with_name(p.name + ".npz")


def save(module: Module, path: str | os.PathLike[str]) -> Path:
    """Write `module`'s parameters to `path` (``.npz`` appended if missing), atomically.

    Returns the path written.

    Raises:
        FileNotFoundError: the directory does not exist (it is not created for you).
        OSError: the file cannot be written there; the message names `path`.
    """
    target = _npz_path(path)
    _check_directory(path, target)
    arrays = state_dict(module)
    try:
        fd, tmp = _temporary_beside(target)
    except OSError as exc:
        raise type(exc)(
            exc.errno, f"cannot save a checkpoint to {os.fspath(path)!r}: {exc.strerror}"
        ) from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]  # numeric arrays: no pickle
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


def _check_directory(path: str | os.PathLike[str], target: Path) -> None:
    """Refuse a target whose directory is missing, naming the path the user gave."""
    parent = target.parent
    if parent.is_dir():
        return
    what = "is not a directory" if parent.exists() else "does not exist"
    raise FileNotFoundError(
        f"cannot save a checkpoint to {os.fspath(path)!r}: the directory {str(parent)!r} "
        f"{what} (create it first, e.g. Path({str(parent)!r}).mkdir(parents=True))"
    )


#: create, fail if it exists, write only, and no newline translation (Windows)
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _temporary_beside(target: Path) -> tuple[int, str]:
    """A new, uniquely named file next to `target`, open for writing.

    Unlike `tempfile.mkstemp` (always mode 0600), it is created with the mode any new file
    gets (0666 less the umask), so the checkpoint it becomes is as readable as other files.
    """
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, _NEW_FILE, 0o666), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {str(target)!r}")


def read(path: str | os.PathLike[str]) -> dict[str, Array]:
    """Every array in the checkpoint file at `path`, or a `CheckpointError` naming the file."""
    source = _npz_path(path)
    if not source.exists():
        raise FileNotFoundError(f"no checkpoint at {str(source)!r}")
    try:
        # Open the file here, not in np.load: a bad zip must not leak the file handle.
        with source.open("rb") as fh:
            data = np.load(fh, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise CheckpointError(f"{str(source)!r} holds a single array, not a checkpoint")
            with data:
                return {name: data[name] for name in data.files}
    except CheckpointError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise CheckpointError(
            f"{str(source)!r} is not a readable .npz checkpoint (corrupt, truncated or "
            f"another format): {type(exc).__name__}: {exc}"
        ) from None


def load(module: Module, path: str | os.PathLike[str], strict: bool = True) -> LoadResult:
    """Load the checkpoint at `path` (``.npz`` appended if missing) into `module`.

    The whole file is read and checked before any parameter changes.
    """
    arrays = read(path)
    try:
        return load_state_dict(module, arrays, strict=strict)
    except CheckpointError as exc:
        raise CheckpointError(f"{str(_npz_path(path))!r}: {exc}") from None
