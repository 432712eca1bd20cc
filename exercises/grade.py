"""Run exercise notebooks and say, check by check, which pass: a tool for grading.

    python exercises/grade.py submissions/*.ipynb
    python exercises/grade.py --csv grades.csv submissions/*.ipynb

Each notebook runs from top to bottom in a fresh Python kernel with errors allowed, so
one failing check does not hide the others. A check is a code cell tagged ``check`` (the
notebooks in this folder tag theirs); it passes when it raises nothing. An error in a
cell that is not a check is reported too: it usually explains the checks after it.

Exit code 0 when every check of every notebook passed, 1 otherwise. Needs nbclient and
ipykernel, which come with the ``test`` extra and with JupyterLab (the ``class`` extra).
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECK = "check"


@dataclass(frozen=True)
class CellResult:
    """What one cell did: a check that passed or failed, or another cell that raised."""

    notebook: str
    cell: int  #: position among the notebook's cells, from 1
    check: int | None  #: position among the checks, from 1 (None: not a check)
    passed: bool
    error: str = ""  #: "AnswerError: not filled in yet: ..." (its first lines)


def execute(path: Path, timeout: int = 600) -> Any:
    """The notebook at `path`, executed in a fresh kernel in its own folder."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return notebook


def grade(path: Path, timeout: int = 600) -> list[CellResult]:
    """Every check of the notebook, and every other cell that raised, in order."""
    results = []
    checks = 0
    for k, cell in enumerate(execute(path, timeout).cells, start=1):
        if cell.cell_type != "code":
            continue
        is_check = CHECK in cell.metadata.get("tags", [])
        checks += is_check
        error = _error(cell)
        if is_check or error:
            number = checks if is_check else None
            results.append(CellResult(str(path), k, number, not error, error))
    return results


def _error(cell: Any) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            lines = str(output.get("evalue", "")).strip().splitlines()
            head = "\n".join(lines[:3]) + (" ..." if len(lines) > 3 else "")
            return f"{output.get('ename', 'Error')}: {head}"
    return ""


def report(results: list[CellResult]) -> str:
    """The results as text, one block per notebook."""
    lines = []
    by_notebook: dict[str, list[CellResult]] = {}
    for result in results:
        by_notebook.setdefault(result.notebook, []).append(result)
    for notebook, rows in by_notebook.items():
        checks = [r for r in rows if r.check is not None]
        passed = sum(r.passed for r in checks)
        lines.append(f"{notebook}: {passed} of {len(checks)} checks pass")
        for r in rows:
            what = f"check {r.check}" if r.check is not None else f"cell {r.cell}"
            status = "ok" if r.passed else "FAILED" if r.check is not None else "raised"
            detail = ("  " + r.error.replace("\n", "\n" + " " * 20)) if r.error else ""
            lines.append(f"  {what:<9} {status:<7}{detail}".rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="the notebooks to grade")
    parser.add_argument("--csv", type=Path, help="also write one row per check to this file")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = parser.parse_args(argv)
    results = [r for path in args.notebooks for r in grade(path, args.timeout)]
    print(report(results))
    if args.csv:
        with args.csv.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["notebook", "check", "passed", "error"])
            for r in results:
                if r.check is not None:
                    writer.writerow([r.notebook, r.check, int(r.passed), r.error])
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
