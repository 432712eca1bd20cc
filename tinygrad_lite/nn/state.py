"""A model's parameters as named numpy arrays: `state_dict` and `load_state_dict`.

This is the in-memory half of a checkpoint; `tinygrad_lite.checkpoint` adds the files.
It needs nothing from `Module` but `named_parameters()`, so `Module` can call it
without this module importing `Module` back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

import numpy as np

from tinygrad_lite.autograd import Node

__all__ = ["CheckpointError", "HasParameters", "LoadResult", "load_state_dict", "state_dict"]

Array = np.ndarray[Any, Any]


class CheckpointError(ValueError):
    """A checkpoint does not fit the module, or the file is not a readable checkpoint."""


class LoadResult(NamedTuple):
    """What a non-strict load skipped: module names absent from the state, and extra names."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class HasParameters(Protocol):
    """Anything with named parameters, such as a `Module`."""

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Node]]: ...


def state_dict(module: HasParameters) -> dict[str, Array]:
    """name -> a copy of that parameter's data (a Value becomes a 0-d float64 array)."""
    out: dict[str, Array] = {}
    for name, p in module.named_parameters():
        data = p.data
        out[name] = data.copy() if isinstance(data, np.ndarray) else np.array(data, np.float64)
    return out


def _check_entry(name: str, target: Any, value: Any) -> tuple[Array | None, str | None]:
    """(the array to copy in, None) if `value` fits the parameter data `target`, else a problem."""
    want_shape = target.shape if isinstance(target, np.ndarray) else ()
    want_dtype = target.dtype if isinstance(target, np.ndarray) else np.dtype(np.float64)
    try:
        src = np.asarray(value)
    except (TypeError, ValueError) as exc:
        return None, f"{name}: not an array ({exc})"
    if src.dtype.kind not in "biuf" or not np.can_cast(src.dtype, want_dtype, "same_kind"):
        return None, f"{name}: dtype {src.dtype} cannot be stored in {want_dtype}"
    if src.shape != want_shape:
        return None, f"{name}: shape {src.shape} in the checkpoint, {want_shape} in the model"
    return src, None


def load_state_dict(
    module: HasParameters, state: Mapping[str, Any], strict: bool = True
) -> LoadResult:
    """Copy `state` into `module`'s parameters, in place, after checking all of it.

    Tensor parameters are overwritten element by element (their arrays keep their identity
    and dtype); Value parameters take the number from a 0-d array. With `strict` (the
    default), names missing from `state` and names the module does not have are errors;
    otherwise they are skipped and reported in the returned `LoadResult`. Shape and dtype
    mismatches are always errors.

    Raises:
        CheckpointError: naming every problem at once; the module is left unchanged.
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
    staged: list[tuple[Node, Array]] = []
    for name, p in params.items():
        if name in state:
            src, problem = _check_entry(name, p.data, state[name])
            if problem is not None:
                problems.append(problem)
            elif src is not None:
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
