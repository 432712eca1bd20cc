"""Checkpoints: a module's parameters as named numpy arrays, saved to and loaded from `.npz`.

The file format is numpy's plain `.npz` (one array per parameter, keyed by its dotted name
from `Module.named_parameters`), written without pickle and read with `allow_pickle=False`,
so a checkpoint can be opened by any numpy program and loading one never runs code.

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
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from tinygrad_lite.nn.module import Module

__all__ = ["CheckpointError", "LoadResult", "load", "load_state_dict", "save", "state_dict"]

Array = np.ndarray[Any, Any]


class CheckpointError(ValueError):
    """A checkpoint does not fit the module, or the file is not a readable checkpoint."""


class LoadResult(NamedTuple):
    """What a non-strict load skipped: module names absent from the state, and extra names."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def state_dict(module: Module) -> dict[str, Array]:
    """name -> a copy of that parameter's data (a Value becomes a 0-d float64 array)."""
    out: dict[str, Array] = {}
    for name, p in module.named_parameters():
        data = p.data
        out[name] = data.copy() if isinstance(data, np.ndarray) else np.array(data, np.float64)
    return out


def load_state_dict(module: Module, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
    """Copy `state` into `module`'s parameters, in place, after checking all of it.

    Tensor parameters are overwritten element by element (their arrays keep their identity
    and dtype); Value parameters take the number from a 0-d array. With `strict` (the
    default), names missing from `state` and names the module does not have are errors;
    otherwise they are skipped and reported in the returned `LoadResult`. Shape and dtype
    mismatches are always errors.
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a mapping of name -> array, got {type(state).__name__}")
    params = dict(module.named_parameters())
    missing = [name for name in params if name not in state]
    unexpected = [str(name) for name in state if name not in params]
    problems: list[str] = []
    if strict and missing:
        problems.append(f"missing: {', '.join(missing)}")
    if strict and unexpected:
        problems.append(f"unexpected: {', '.join(unexpected)}")
    staged: list[tuple[Any, Array]] = []
    for name, p in params.items():
        if name not in state:
            continue
        target = p.data
        want_shape = target.shape if isinstance(target, np.ndarray) else ()
        want_dtype = target.dtype if isinstance(target, np.ndarray) else np.dtype(np.float64)
        try:
            src = np.asarray(state[name])
        except (TypeError, ValueError) as exc:
            problems.append(f"{name}: not an array ({exc})")
            continue
        if src.dtype.kind not in "biuf" or not np.can_cast(src.dtype, want_dtype, "same_kind"):
            problems.append(f"{name}: dtype {src.dtype} cannot be stored in {want_dtype}")
        elif src.shape != want_shape:
            problems.append(
                f"{name}: shape {src.shape} in the checkpoint, {want_shape} in the model"
            )
        else:
            staged.append((p, src))
    if problems:
        raise CheckpointError(
            f"checkpoint does not fit {type(module).__name__} ({len(problems)} problem"
            f"{'s' if len(problems) > 1 else ''}): " + "; ".join(problems)
        )
    for p, src in staged:
        if isinstance(p.data, np.ndarray):
            p.data[...] = src
        else:
            p.data = float(src)
    return LoadResult(missing, unexpected)


def _npz_path(path: str | os.PathLike[str]) -> Path:
    p = Path(os.fspath(path))
    return p if p.suffix == ".npz" else p.with_name(p.name + ".npz")


def save(module: Module, path: str | os.PathLike[str]) -> Path:
    """Write `module`'s parameters to `path` (``.npz`` appended if missing), atomically.

    Returns the path written.
    """
    target = _npz_path(path)
    arrays = state_dict(module)
    fd, tmp = _temporary_beside(target)
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
