"""Optional packages and programs: skipped locally, required under CI; and the switch that
lets one CI run go without PyTorch, and only that run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.optional import NO_TORCH, require, require_program

MISSING = "tinygrad_lite_no_such_package"


def test_ci_fails_on_a_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv(NO_TORCH, raising=False)
    with pytest.raises(ImportError):
        require(MISSING)


def test_locally_a_missing_package_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require(MISSING)


def test_the_switch_skips_torch_even_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv(NO_TORCH, "1")
    with pytest.raises(pytest.skip.Exception, match="TINYGRAD_LITE_NO_TORCH=1"):
        require("torch")


def test_the_switch_is_only_for_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv(NO_TORCH, "1")
    with pytest.raises(ImportError):
        require(MISSING)


@pytest.mark.parametrize("value", ["", "0", "yes"])
def test_the_switch_needs_the_value_1(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv(NO_TORCH, value)
    monkeypatch.setattr("importlib.import_module", lambda name: pytest.fail("imported"))
    with pytest.raises(pytest.fail.Exception, match="imported"):
        require("torch")


def test_a_missing_program_fails_under_ci_and_skips_locally(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="tinygrad_lite_no_such_program"):
        require_program("tinygrad_lite_no_such_program")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_program("tinygrad_lite_no_such_program")


def test_a_program_that_is_there_gives_its_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert require_program("python3").endswith("python3")
