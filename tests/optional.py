"""Optional test dependencies: skipped where they are missing, required in CI.

`.ci/run` installs PyTorch, scikit-learn and the notebook tools, so a test that needs one
of them must run there; a missing package in CI is a failure, not a silent skip.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(name: str) -> ModuleType:
    """Import `name`; without it, skip the test locally and fail it when `CI` is set."""
    if os.environ.get("CI"):
        return importlib.import_module(name)
    return pytest.importorskip(name)
