"""Shared test settings: a derandomised hypothesis profile for CI, a fast one locally."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


# --- which Graphviz a picture test may use ------------------------------------------------
# Pictures are drawn by the `dot` program, else pygraphviz, else the built-in engine. Each
# fixture takes one away, so that every path is tested on a machine that has them all.

import shutil  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH without the `dot` program (other programs the test needs are linked in)."""
    bin_dir = tmp_path / "bin-without-dot"
    bin_dir.mkdir()
    for program in ("rsvg-convert",):
        found = shutil.which(program)
        if found:
            (bin_dir / program).symlink_to(found)
    monkeypatch.setenv("PATH", str(bin_dir))


@pytest.fixture
def no_pygraphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    """pygraphviz cannot be imported."""
    monkeypatch.setitem(sys.modules, "pygraphviz", None)


@pytest.fixture
def no_graphviz(no_dot: None, no_pygraphviz: None) -> None:
    """Neither the `dot` program nor pygraphviz: only the built-in engine draws."""
