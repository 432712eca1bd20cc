"""The exercise notebooks: the solutions pass every check, the student copies fail each one
with a message that says what to do, and the two copies differ only in the answers.

The notebooks run in a fresh kernel each, through `exercises/grade.py`, the same tool an
instructor grades with; so a broken check, a broken solution or a student copy that
crashes instead of failing cleanly fails the suite.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.test_notebooks import NETWORK, code_cells, load

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
SOLUTIONS = EXERCISES / "solutions"
STUDENT = sorted(EXERCISES.glob("*.ipynb"))
EXPECTED = {"01_nine_weight_gradients", "02_custom_op_rule", "03_mlp_backprop"}
#: What a check says when the answer before it is still empty.
NOT_DONE = re.compile(r"not filled in yet|returned None|is empty")


def load_grade() -> Any:
    """exercises/grade.py, the grading script, as a module."""
    name = "exercises_grade"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, EXERCISES / "grade.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look their module up by name
        spec.loader.exec_module(module)
    return sys.modules[name]


def tags(cell: dict[str, Any]) -> list[str]:
    found: list[str] = cell.get("metadata", {}).get("tags", [])
    return found


def test_every_exercise_has_its_solution() -> None:
    assert {p.stem for p in STUDENT} == EXPECTED
    assert {p.stem for p in SOLUTIONS.glob("*.ipynb")} == EXPECTED


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.stem)
def test_the_copies_differ_only_in_the_answers(path: Path) -> None:
    student, solution = load(path)["cells"], load(SOLUTIONS / path.name)["cells"]
    assert len(student) == len(solution)
    exercises = 0
    for mine, theirs in zip(student, solution, strict=True):
        assert (mine["id"], mine["cell_type"], tags(mine)) == (
            theirs["id"],
            theirs["cell_type"],
            tags(theirs),
        )
        if "exercise" in tags(mine):
            exercises += 1
            assert mine["source"] != theirs["source"], f"cell {mine['id']}: no answer to write"
        else:
            assert mine["source"] == theirs["source"], f"cell {mine['id']} differs"
    assert exercises >= 2


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.stem)
def test_every_exercise_is_followed_by_its_check(path: Path) -> None:
    kinds = [
        "exercise" if "exercise" in tags(c) else "check" if "check" in tags(c) else "other"
        for c in load(path)["cells"]
    ]
    opened = False
    for kind in kinds:
        if kind == "exercise":
            assert not opened, "two exercises without a check between them"
            opened = True
        elif kind == "check":
            opened = False
    assert not opened, "the last exercise has no check"
    assert kinds.count("check") >= kinds.count("exercise")


@pytest.mark.parametrize("path", [*STUDENT, *sorted(SOLUTIONS.glob("*.ipynb"))], ids=str)
def test_committed_clean_offline_and_seeded(path: Path) -> None:
    nb = load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    stored = [c["id"] for c in nb["cells"] if c.get("outputs") or c.get("execution_count")]
    assert not stored, f"{path.name}: cells {stored} have outputs; run nbstripout"
    code = "\n".join(code_cells(nb))
    assert NETWORK.search(code) is None
    assert not re.findall(r"default_rng\(\)|random\.Random\(\)", code)


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.stem)
def test_the_solutions_pass_every_check(path: Path) -> None:
    results = load_grade().grade(SOLUTIONS / path.name)
    assert results, "no checks found"
    failed = [f"cell {r.cell}: {r.error}" for r in results if not r.passed]
    assert not failed, "\n".join(failed)
    assert all(r.check is not None for r in results)


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.stem)
def test_a_student_copy_fails_each_check_cleanly(path: Path) -> None:
    """Unfilled, every check fails with an AssertionError saying what is missing, and no
    other cell raises: a student sees what to do, not a traceback from the library."""
    results = load_grade().grade(path)
    crashes = [f"cell {r.cell}: {r.error}" for r in results if r.check is None]
    assert not crashes, "\n".join(crashes)
    assert results
    for r in results:
        assert not r.passed
        assert r.error.split(":")[0] in {"AssertionError", "AnswerError"}, r.error
        assert NOT_DONE.search(r.error), r.error


def test_grade_cli_reports_and_exits(tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    student = EXERCISES / "03_mlp_backprop.ipynb"
    solution = SOLUTIONS / "03_mlp_backprop.ipynb"
    run = subprocess.run(
        [sys.executable, str(EXERCISES / "grade.py"), "--csv", str(out), str(student)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "03_mlp_backprop.ipynb: 0 of 2 checks pass" in run.stdout
    assert "check 1   FAILED   AnswerError: not filled in yet: dW1, db1, dW2, db2" in run.stdout
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "notebook,check,passed,error"
    assert len(rows) == 3
    run = subprocess.run(
        [sys.executable, str(EXERCISES / "grade.py"), str(solution)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_solutions_stay_out_of_the_package() -> None:
    """A student with the package installed is not one import away from the answers."""
    package = ROOT / "tinygrad_lite"
    assert not list(package.rglob("*.ipynb"))
    assert not any("solutions" in p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'packages = ["tinygrad_lite"]' in pyproject  # the wheel holds the package only


def test_linked_from_readme_and_the_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "instructors.md").read_text(encoding="utf-8")
    for path in STUDENT:
        assert f"(exercises/{path.name})" in readme
        assert f"(../exercises/{path.name})" in guide
        assert f"(../exercises/solutions/{path.name})" in guide
