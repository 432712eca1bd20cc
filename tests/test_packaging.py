"""The package's metadata agrees with itself: versions, Python support, extras, license,
citation and changelog.

Parsing pyproject.toml uses tomllib, or on Python 3.10 tomli (which pytest brings there).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import tinygrad_lite

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the Python 3.10 run
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = "https://github.com/tinygrad-lite/tinygrad_lite"
#: Packages a notebook imports under another name than the one pip installs.
DISTRIBUTION = {"sklearn": "scikit-learn"}
#: What every Jupyter kernel has, whatever the extras.
KERNEL = {"IPython", "ipykernel"}


def pyproject() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data


def names(requirements: list[str]) -> set[str]:
    """The distribution names of requirement strings ("numpy>=1.24" -> "numpy")."""
    return {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_one_version_everywhere() -> None:
    version = pyproject()["project"]["version"]
    assert tinygrad_lite.__version__ == version
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'version: "{version}"' in citation
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{version}] - " in changelog


def test_python_310_is_supported_everywhere() -> None:
    project = pyproject()
    assert project["project"]["requires-python"] == ">=3.10"
    assert "Programming Language :: Python :: 3.10" in project["project"]["classifiers"]
    assert project["tool"]["ruff"]["target-version"] == "py310"
    assert project["tool"]["mypy"]["python_version"] == "3.10"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "v >= (3, 10)" in makefile
    assert "needs Python 3.10 or newer" in makefile


def test_project_urls_point_to_the_repository() -> None:
    urls = pyproject()["project"]["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert all(url.startswith(REPOSITORY) for url in urls.values())
    assert urls["Changelog"].endswith("/CHANGELOG.md")


def test_license_file_and_metadata() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert re.search(r"Copyright \(c\) \d{4} The tinygrad_lite authors", text)
    project = pyproject()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]


def test_citation_has_the_keys_cff_requires() -> None:
    """CFF 1.2.0 requires cff-version, message, title and authors (each author a name)."""
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    keys = set(re.findall(r"^([a-z-]+):", text, flags=re.MULTILINE))
    assert {"cff-version", "message", "title", "authors"} <= keys
    assert re.search(r"^cff-version: 1\.2\.0$", text, flags=re.MULTILINE)
    assert re.search(r'^authors:\n  - name: "The tinygrad_lite authors"$', text, flags=re.MULTILINE)
    assert f'repository-code: "{REPOSITORY}"' in text
    assert re.search(r"^license: MIT$", text, flags=re.MULTILINE)


def test_changelog_keeps_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## \[([^\]]+)\]", text, flags=re.MULTILINE)
    assert sections[0] == "Unreleased"
    for section in sections:
        assert re.search(rf"^\[{re.escape(section)}\]: {REPOSITORY}/", text, flags=re.MULTILINE)


def notebook_imports() -> dict[str, set[str]]:
    """Top-level third-party modules imported by the notebooks and exercises -> where."""
    found: dict[str, set[str]] = {}
    paths = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
        (ROOT / "exercises").rglob("*.ipynb")
    )
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            lines = "".join(cell["source"]).splitlines()
            code = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(code)):
                modules = []
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules = [node.module]
                for module in modules:
                    top = module.split(".")[0]
                    if top not in sys.stdlib_module_names | KERNEL | {"tinygrad_lite"}:
                        found.setdefault(top, set()).add(path.name)
    return found


@pytest.mark.parametrize("extra", ["notebooks", "class"])
def test_the_notebook_extras_have_what_the_notebooks_import(extra: str) -> None:
    project = pyproject()["project"]
    available = names(project["optional-dependencies"][extra]) | names(project["dependencies"])
    imports = notebook_imports()
    assert "hypothesis" in imports  # the scan works: notebook 07 imports it
    missing = {m: where for m, where in imports.items() if DISTRIBUTION.get(m, m) not in available}
    assert not missing, f"the {extra} extra lacks what these notebooks import: {missing}"


def test_the_class_extra_is_a_whole_set_up() -> None:
    extras = pyproject()["project"]["optional-dependencies"]
    wanted = {
        "jupyterlab",
        "hypothesis",
        "matplotlib",
        "ipywidgets",
        "anywidget",
        "scikit-learn",
        "tqdm",
    }
    assert names(extras["class"]) == wanted
    assert names(extras["notebooks"]) - {"ipykernel"} <= names(extras["class"])
