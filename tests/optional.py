"""Optional test dependencies: skipped where they are missing, required in CI.

`.ci/run` installs PyTorch, scikit-learn and the notebook tools, and the programs some
tests drive (Graphviz's `dot`, Chromium and ChromeDriver, `rsvg-convert`, `pdflatex`), so
a test that needs one of them must run there; a missing package or program in CI is a
failure, not a silent skip.

One exception is explicit: `.ci/run` also runs the suite on Python 3.10, where the
pinned PyTorch wheel does not exist. That run sets ``TINYGRAD_LITE_NO_TORCH=1``, and
only then do the tests that need torch skip under CI.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType

import pytest

#: The environment variable that leaves PyTorch out of a run (its value must be "1").
NO_TORCH = "TINYGRAD_LITE_NO_TORCH"


def require(name: str) -> ModuleType:
    """Import `name`; without it, skip the test locally and fail it when `CI` is set.

    With ``TINYGRAD_LITE_NO_TORCH=1``, `require("torch")` skips, CI or not.
    """
    if name == "torch" and os.environ.get(NO_TORCH) == "1":
        pytest.skip(f"PyTorch is left out of this run ({NO_TORCH}=1)", allow_module_level=True)
    if os.environ.get("CI"):
        return importlib.import_module(name)
    return pytest.importorskip(name)


def require_program(name: str) -> str:
    """The path of the program `name`; without it, skip locally and fail when `CI` is set."""
    found = shutil.which(name)
    if found is not None:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the program {name!r} is missing (.ci/run installs it)")
    pytest.skip(f"the program {name!r} is not installed")
