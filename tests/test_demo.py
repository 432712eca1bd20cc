"""The demo: its table and training, its pictures with whatever draws, its exit codes, and
the Makefile's way of getting Graphviz (`make graphviz`, run with stand-in programs)."""

from __future__ import annotations

import ast
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

import tinygrad_lite.demo as demo
from tests.optional import require, require_program
from tinygrad_lite.examples import (
    default_nine_weight_point,
    nine_weight_gradients_by_hand,
    nine_weight_graph,
)
from tinygrad_lite.viz import output

ROOT = Path(__file__).resolve().parents[1]
X = [0.7, -0.4, 1.3, -0.9, 0.25]
Y = -0.5
W = [0.2, 0.5, -1.1, 0.6, 0.3, -0.2, 0.4, -0.3, 0.8]


def needs_dot() -> None:
    """Skip without the Graphviz `dot` program; in CI (env CI set) its absence is a failure."""
    require_program("dot")


def run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


# --- the whole demo, as a user runs it -----------------------------------------------------


@pytest.mark.slow
def test_demo_prints_the_table_learns_and_draws(tmp_path: Path) -> None:
    needs_dot()
    result = run_module("tinygrad_lite.demo", "--out", str(tmp_path / "pictures"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    x, y, w = default_nine_weight_point()
    expected = nine_weight_gradients_by_hand(x, y, w)
    rows = [line.split() for line in text.splitlines() if re.match(r"\s+w[1-9]\s", line)]
    assert [row[0] for row in rows] == [f"w{i}" for i in range(1, 10)]
    for row, grad in zip(rows, expected, strict=True):
        engine, by_hand, numeric, rel = (float(v) for v in row[1:])
        assert engine == pytest.approx(grad, abs=1e-9)
        assert by_hand == pytest.approx(grad, abs=1e-9)
        assert numeric == pytest.approx(grad, rel=1e-6)
        assert rel < 1e-6
    losses = [float(v) for v in re.findall(r"step\s+\d+\s+loss\s+([\d.]+)", text)]
    assert len(losses) >= 5
    assert losses[-1] < losses[0] / 2
    match = re.search(r"final training accuracy:\s+([\d.]+)%", text)
    assert match is not None
    assert float(match.group(1)) >= 95.0
    pictures = tmp_path / "pictures"
    assert sorted(p.name for p in pictures.iterdir()) == ["nine_weight.png", "nine_weight.svg"]
    assert "<svg" in (pictures / "nine_weight.svg").read_text(encoding="utf-8")
    assert (pictures / "nine_weight.png").read_bytes()[:4] == b"\x89PNG"
    assert text.count("(drawn by Graphviz (the dot program))") == 2


# --- pictures without the dot program -----------------------------------------------------


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH on which no `dot` program can be found; returns the picture folder to use."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None
    return tmp_path / "pictures"


def test_pictures_are_drawn_by_pygraphviz_without_dot(no_dot: Path) -> None:
    require("pygraphviz")
    lines: list[str] = []
    written = demo._write_pictures(nine_weight_graph(X, Y, W), no_dot, lines.append)
    assert sorted(p.name for p in written) == ["nine_weight.png", "nine_weight.svg"]
    assert sorted(p.name for p in no_dot.iterdir()) == ["nine_weight.png", "nine_weight.svg"]
    svg = (no_dot / "nine_weight.svg").read_text(encoding="utf-8")
    assert "part1" in svg
    assert "part3" in svg
    assert (no_dot / "nine_weight.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert lines == [f"wrote {p} (drawn by Graphviz (pygraphviz))" for p in written]


def test_pictures_fall_back_to_the_builtin_layout(
    no_dot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pygraphviz", None)  # import pygraphviz fails
    monkeypatch.setattr(output, "RASTERISERS", [])  # and no SVG rasteriser of any kind
    lines: list[str] = []
    written = demo._write_pictures(nine_weight_graph(X, Y, W), no_dot, lines.append)
    svg_path = no_dot / "nine_weight.svg"
    assert written == [svg_path]
    assert sorted(p.name for p in no_dot.iterdir()) == ["nine_weight.svg"]  # no stray files
    root = ElementTree.parse(svg_path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    for name in ("w1", "w9", "part2", "loss"):
        assert name in texts, name
    assert lines[0] == f"wrote {svg_path} (drawn by the built-in layout)"
    assert "nine_weight.png skipped: the built-in engine writes .svg and .dot itself" in lines[1]
    assert "needs an SVG rasteriser and none is installed" in lines[1]
    assert lines[1].endswith("; the .svg has the picture")
    assert "pictures skipped" not in "\n".join(lines)


def test_the_demo_draws_without_dot_through_the_command(
    no_dot: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinygrad_lite.cli import main

    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    monkeypatch.setattr(demo, "TARGET_ACCURACY", 0.0)  # a short run: pictures are the point
    assert main(["demo", "--steps", "2", "--out", str(no_dot)]) == 0
    out = capsys.readouterr().out
    assert "(drawn by the built-in layout)" in out
    assert (no_dot / "nine_weight.svg").exists()


# --- exit codes ---------------------------------------------------------------------------


def test_too_few_steps_exit_1_and_say_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["--steps", "5", "--no-pictures"]) == 1
    captured = capsys.readouterr()
    match = re.search(r"final training accuracy:\s+([\d.]+)%", captured.out)
    assert match is not None
    accuracy = float(match.group(1))
    assert accuracy < 95.0
    assert f"the training accuracy {accuracy:.1f}% is below the 95%" in captured.err
    assert "after 5 steps; try more --steps" in captured.err
    assert "(exit code 1)" in captured.err


def test_the_exit_codes_are_the_documented_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = demo.main.__doc__ or ""
    assert "0 when the gradients agree" in doc
    assert "1 when either falls short" in doc
    assert "2 for bad options or an unwritable picture folder" in doc
    with pytest.raises(SystemExit) as info:
        demo.main(["--steps", "0"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        demo.main(["--steps", "many"])
    assert info.value.code == 2
    a_file = tmp_path / "taken"
    a_file.write_text("")
    assert demo.main(["--steps", "1", "--out", str(a_file)]) == 2
    assert "cannot write pictures into" in capsys.readouterr().err


def test_disagreeing_gradients_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    reasons = demo._shortfalls(gap=1e-3, accuracy=1.0, steps=100)
    assert len(reasons) == 1
    assert "differ from the others by 1.0e-03" in reasons[0]
    assert demo._shortfalls(gap=1e-12, accuracy=1.0, steps=100) == []


def test_the_command_passes_the_demo_exit_code_on(tmp_path: Path) -> None:
    result = run_module("tinygrad_lite", "demo", "--steps", "5", "--no-pictures", cwd=tmp_path)
    assert result.returncode == 1
    assert "is below the 95%" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_help_shows_every_default() -> None:
    result = run_module("tinygrad_lite", "demo", "--help", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    for option in ("--steps", "--seed", "--out", "--no-pictures"):
        assert option in result.stdout
    assert "(default: 100)" in result.stdout
    assert "(default: out)" in result.stdout
    assert "Exit code 0" in result.stdout


# --- one import direction between the command and the demo --------------------------------


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, anywhere in it (also under `if __name__ ...`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_demo_does_not_import_the_command() -> None:
    package = ROOT / "tinygrad_lite"
    assert "tinygrad_lite.demo" in imported_modules(package / "cli.py")  # the one direction
    assert not any(m.startswith("tinygrad_lite.cli") for m in imported_modules(package / "demo.py"))
    for shared in ("console.py",):
        imports = imported_modules(package / shared)
        assert not any(m.startswith(("tinygrad_lite.cli", "tinygrad_lite.demo")) for m in imports)


def test_python_m_demo_still_runs(tmp_path: Path) -> None:
    result = run_module("tinygrad_lite.demo", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "nine-weight" in result.stdout


# --- the Makefile's `graphviz` target, with stand-in programs -----------------------------


def stand_in(path: Path, body: str) -> None:
    """An executable Python script at `path` (run by this interpreter)."""
    path.write_text(f"#!{sys.executable}\nimport os, sys\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def fake_machine(tmp_path: Path) -> Path:
    """A folder with `bin/` stand-ins for id, apt-get and the venv's python.

    Each records its arguments in calls.txt. `id -u` prints $FAKE_UID; apt-get prints forty
    lines of dpkg chatter and fails when $FAKE_APT_FAILS is set; python's `-c 'import
    pygraphviz'` succeeds when $FAKE_PYGRAPHVIZ is set, and its pip prints chatter and
    fails when $FAKE_PIP_FAILS is set.
    """
    require_program("make")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "venv").mkdir()
    record = f"open({str(tmp_path / 'calls.txt')!r}, 'a').write(' '.join(sys.argv) + '\\n')"
    stand_in(bin_dir / "id", f"{record}\nprint(os.environ.get('FAKE_UID', '1000'))")
    stand_in(
        bin_dir / "apt-get",
        f"{record}\n"
        "for i in range(40): print(f'Selecting previously unselected package lib{i}.')\n"
        "sys.exit(1 if os.environ.get('FAKE_APT_FAILS') else 0)",
    )
    stand_in(
        bin_dir / "python",
        f"{record}\n"
        "if sys.argv[1] == '-c':\n"
        "    sys.exit(0 if os.environ.get('FAKE_PYGRAPHVIZ') else 1)\n"
        "for i in range(30): print(f'Collecting package{i}')\n"
        "sys.exit(1 if os.environ.get('FAKE_PIP_FAILS') else 0)",
    )
    return tmp_path


def make_graphviz(machine: Path, **env: str) -> tuple[list[str], list[str]]:
    """Run `make graphviz` on the fake machine; returns (output lines, recorded calls)."""
    result = subprocess.run(
        [
            shutil.which("make") or "make",
            "--no-print-directory",
            "-s",
            "-f",
            str(ROOT / "Makefile"),
            "graphviz",
            f"PY={machine / 'bin' / 'python'}",
            f"VENV={machine / 'venv'}",
        ],
        cwd=machine,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": str(machine / "bin"), **env},
    )
    assert result.returncode == 0, result.stderr
    calls = machine / "calls.txt"
    recorded = calls.read_text().splitlines() if calls.exists() else []
    return result.stdout.splitlines() + result.stderr.splitlines(), recorded


def test_make_graphviz_does_nothing_when_dot_is_there(fake_machine: Path) -> None:
    stand_in(fake_machine / "bin" / "dot", "")
    lines, calls = make_graphviz(fake_machine, FAKE_UID="0")
    assert lines == []
    assert calls == []


def test_make_graphviz_as_root_uses_apt_get_in_one_line(fake_machine: Path) -> None:
    lines, calls = make_graphviz(fake_machine, FAKE_UID="0")
    assert len(lines) == 1, lines
    assert lines[0].startswith("Installing Graphviz with apt-get")
    apt = [c for c in calls if c.split()[0].endswith("apt-get")]
    assert any(" install -y -qq graphviz" in c for c in apt)
    assert not any(c.split()[0].endswith("python") and "pip" in c for c in calls)
    log = (fake_machine / "venv" / "graphviz-install.log").read_text()
    assert log.count("Selecting previously unselected package") == 80  # update + install


def test_make_graphviz_as_a_user_installs_the_pygraphviz_wheel(fake_machine: Path) -> None:
    lines, calls = make_graphviz(fake_machine, FAKE_UID="1000")
    assert len(lines) == 1, lines
    assert "pygraphviz" in lines[0]
    assert not any(c.split()[0].endswith("apt-get") for c in calls)
    (pip,) = [c for c in calls if " -m pip install" in c]
    assert "--only-binary=pygraphviz" in pip  # never a source build needing system headers
    assert pip.endswith("-e .[layout]")


def test_make_graphviz_as_root_falls_back_to_the_wheel(fake_machine: Path) -> None:
    lines, calls = make_graphviz(fake_machine, FAKE_UID="0", FAKE_APT_FAILS="1")
    assert len(lines) == 2, lines
    assert any(" -m pip install" in c for c in calls)


def test_make_graphviz_without_any_says_the_builtin_layout_draws(fake_machine: Path) -> None:
    lines, _ = make_graphviz(fake_machine, FAKE_UID="1000", FAKE_PIP_FAILS="1")
    assert "pictures use the built-in layout" in "\n".join(lines)
    assert "apt-get install graphviz" in "\n".join(lines)


def test_make_graphviz_keeps_an_installed_pygraphviz(fake_machine: Path) -> None:
    lines, calls = make_graphviz(fake_machine, FAKE_UID="1000", FAKE_PYGRAPHVIZ="1")
    assert lines == []
    assert not any(" -m pip install" in c for c in calls)
