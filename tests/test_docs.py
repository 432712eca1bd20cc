"""Keep the documentation true: every public name documented, every example runnable.

* Every name in `tinygrad_lite.__all__` and in the `__all__` of every public submodule
  has a docstring, and a place in the API reference that the docs site generates from
  the docstrings (docs/reference.py plans it: one page per public module, each name
  documented in full on its home module's page and linked from the others).
* Docstrings say nothing the reference would garble: no bare ``<tag>`` outside code.
* Every ```python block in README.md and docs/*.md runs: each file's blocks in order, in
  one fresh namespace, in a temporary working directory. A block preceded by the line
  ``<!-- no-run -->`` is skipped.
* Every relative link and picture in README.md and docs/*.md points to a file that
  exists (or to a page the site generates: the reference's, or site/ once built), and
  every picture under docs/images/ is one that docs/make_images.py draws (or, for the
  live view's PNG screenshots, one that docs/make_screenshots.py takes).

The docstring examples run in tests/test_doctests.py; the built site is checked by
tests/test_site.py.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import pkgutil
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import tinygrad_lite
from tests.optional import require_program

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MARKDOWN = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
NO_RUN = "<!-- no-run -->"


def load_docs_module(name: str) -> Any:
    """A module of docs/ (the site's own code), imported by path."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


reference = load_docs_module("reference")


# ----------------------------------------------------------------------------------
# Public names
# ----------------------------------------------------------------------------------


def public_modules() -> list[ModuleType]:
    """The package and every submodule whose dotted name has no part starting with '_'."""
    found = [tinygrad_lite]
    for info in pkgutil.walk_packages(tinygrad_lite.__path__, "tinygrad_lite."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        found.append(importlib.import_module(info.name))
    return found


def public_names() -> list[tuple[str, str]]:
    """(module name, public name) for every entry of every public module's __all__."""
    return [
        (module.__name__, name)
        for module in public_modules()
        for name in getattr(module, "__all__", [])
    ]


MODULES = sorted({m.__name__ for m in public_modules()})


def test_public_names_are_found() -> None:
    names = public_names()
    modules = {m for m, _ in names}
    # The scan itself must work, or the tests below would pass vacuously.
    assert "tinygrad_lite" in modules
    assert ("tinygrad_lite", "Value") in names
    assert ("tinygrad_lite.optim", "Adam") in names


def test_the_reference_plans_every_public_name() -> None:
    planned = {(e.module, e.name) for e in reference.entries()}
    assert planned == set(public_names())
    assert reference.public_modules() == [m.__name__ for m in public_modules()]


def members(page: str) -> list[str]:
    """The names a generated page renders in full (its mkdocstrings `members` option)."""
    found = re.search(r"^ +members: (.*)$", page, flags=re.MULTILINE)
    assert found, "the page has no members option"
    listed = found.group(1)
    return [] if listed == "false" else re.findall(r"'([^']+)'", listed)


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_has_a_docstring(module: str) -> None:
    missing = [
        e.name
        for e in reference.entries()
        if e.module == module and not (e.docstring or "").strip()
    ]
    assert not missing, (
        f"{module}: public names without a docstring (the reference would show them bare; "
        f"a constant's docstring is a string right after it): {missing}"
    )


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_in_the_reference(module: str) -> None:
    page = reference.page(module)
    assert page.startswith(f"::: {module}\n")
    rendered = members(page)
    problems = []
    for e in reference.entries():
        if e.module != module:
            continue
        if e.is_home and e.kind != "module":
            if e.name not in rendered:
                problems.append(f"{e.name} is not rendered on its home page")
        elif f"[`{e.name}`][{e.identifier}]" not in page:
            problems.append(f"{e.name} is not linked to {e.identifier}")
        elif e.kind == "module":
            if e.identifier not in MODULES:
                problems.append(f"{e.name}: {e.identifier} has no page")
        else:
            home, _, there = e.identifier.rpartition(".")
            if there not in members(reference.page(home)):
                problems.append(f"{e.name}: {e.identifier} is not rendered on {home}'s page")
    assert not problems, f"the reference page of {module}: {problems}"


def test_the_reference_has_a_page_per_public_module() -> None:
    def pages(nav: list[Any]) -> list[str]:
        found = []
        for item in nav:
            values = item.values() if isinstance(item, dict) else [item]
            for value in values:
                found += pages(value) if isinstance(value, list) else [value]
        return found

    assert sorted(pages(reference.nav())) == sorted(
        [reference.INDEX, *(reference.page_path(m) for m in MODULES)]
    )
    index = reference.index()
    missing = [m for m in MODULES if f"[`{m}`]({m}.md)" not in index]
    assert not missing, f"the reference's index page does not list {missing}"


def make_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checks_catch_a_missing_docstring_and_follow_re_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_package(
        tmp_path,
        {
            "refpkg/__init__.py": (
                '"""A package."""\n'
                "from refpkg.core import Thing, helper\n"
                "from refpkg._hidden import secret\n"
                "from refpkg import core\n"
                "LIMIT = 3\n"
                '__all__ = ["LIMIT", "Thing", "core", "helper", "secret"]\n'
            ),
            "refpkg/core.py": (
                '"""Core."""\n'
                "class Thing:\n"
                '    """A thing."""\n'
                "def helper():\n"
                "    pass\n"
                '__all__ = ["Thing", "helper"]\n'
            ),
            "refpkg/_hidden.py": 'def secret():\n    """Kept here."""\n',
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = {e.name: e for e in reference.entries("refpkg") if e.module == "refpkg"}
    assert found["Thing"].identifier == "refpkg.core.Thing"  # linked to its home
    assert found["core"].kind == "module"
    assert found["core"].identifier == "refpkg.core"
    assert found["secret"].is_home  # defined in a private module: documented here
    assert not found["LIMIT"].docstring  # a constant without a docstring is caught
    helper = [e for e in reference.entries("refpkg") if e.name == "helper"]
    assert all(not e.docstring for e in helper)  # ... and a function without one
    page = reference.page("refpkg")
    assert members(page) == ["LIMIT", "secret"]
    assert "[`Thing`][refpkg.core.Thing]" in page


def test_comments_document_attributes() -> None:
    lines = ["#: the first line", "#: and the second", "A = 1", "B = 2  #: beside", "C = 3"]
    assert reference.comment_docstring(lines, 3) == "the first line\nand the second"
    assert reference.comment_docstring(lines, 4) == "beside"
    assert reference.comment_docstring(lines, 5) is None


def stray_tags(docstring: str) -> list[str]:
    """``<word ...>`` outside code spans and examples: Markdown would take it for HTML."""
    lines = [
        line for line in docstring.splitlines() if not line.lstrip().startswith((">>>", "..."))
    ]
    text = re.sub(r"``.*?``|`[^`]*`", "", "\n".join(lines), flags=re.DOTALL)
    return re.findall(r"<[A-Za-z!/][^>\n]*>", text)


def test_stray_tags_are_found() -> None:
    assert stray_tags("Compare <grad f, u> with ...") == ["<grad f, u>"]
    assert stray_tags("Compare `<grad f, u>` with ...\n>>> a < b > c") == []


def test_docstrings_have_no_stray_html() -> None:
    found = []
    for path in sorted((ROOT / "tinygrad_lite").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
                name = getattr(node, "name", "")
                docstring = ast.get_docstring(node)
                if docstring and not name.startswith("_"):
                    found += [(path.name, name, tag) for tag in stray_tags(docstring)]
    assert not found, f"write these in backticks, or the reference drops them: {found}"


# ----------------------------------------------------------------------------------
# Code blocks
# ----------------------------------------------------------------------------------


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(line number, code) of every ```python block not marked with <!-- no-run -->."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i
            i += 1
            body = []
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            marked = start > 0 and lines[start - 1].strip() == NO_RUN
            if not marked:
                blocks.append((start + 1, "\n".join(body) + "\n"))
        i += 1
    return blocks


def test_block_parser() -> None:
    sample = "text\n```python\nx = 1\n```\n<!-- no-run -->\n```python\nboom()\n```\n"
    path = Path(__file__).with_name("_sample.md")
    try:
        path.write_text(sample, encoding="utf-8")
        assert python_blocks(path) == [(2, "x = 1\n")]
    finally:
        path.unlink()


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for line, code in python_blocks(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        try:
            exec(compile(code, where, "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"the code block at {where} raised {type(exc).__name__}: {exc}")


# ----------------------------------------------------------------------------------
# Links and pictures
# ----------------------------------------------------------------------------------

LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)|<img [^>]*src=\"([^\"]+)\"")


def relative_links(path: Path) -> list[str]:
    targets = []
    for match in LINK.finditer(path.read_text(encoding="utf-8")):
        target = match.group(1) or match.group(2)
        if not re.match(r"^[a-z]+:", target):
            targets.append(target)
    return targets


def generated_page(target: Path) -> bool:
    """Whether the site makes `target`: a page of the API reference (docs/api/...), or a
    page of the built site (site/x.html from docs/x.md, a notebook or a reference page)."""
    target = target.resolve()
    api = {reference.INDEX, *(reference.page_path(m) for m in MODULES)}
    if target.is_relative_to(DOCS):
        return target.relative_to(DOCS).as_posix() in api
    if target.is_relative_to(ROOT / "site") and target.suffix == ".html":
        page = target.relative_to(ROOT / "site").with_suffix("")
        return (
            (DOCS / page).with_suffix(".md").exists()
            or f"{page.as_posix()}.md" in api
            or (ROOT / page).with_suffix(".ipynb").exists()
        )
    return False


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_exist(path: Path) -> None:
    missing = [
        t
        for t in relative_links(path)
        if not (path.parent / t).exists() and not generated_page(path.parent / t)
    ]
    assert not missing, f"{path.relative_to(ROOT)} links to missing files: {missing}"


def test_generated_pages_are_known() -> None:
    assert generated_page(DOCS / "api" / "tinygrad_lite.optim.md")
    assert generated_page(ROOT / "site" / "index.html")
    assert generated_page(ROOT / "site" / "notebooks" / "01_values_and_graphs.html")
    assert not generated_page(DOCS / "api" / "tinygrad_lite.nothing.md")
    assert not generated_page(ROOT / "site" / "nothing.html")


def load_make_images() -> Any:
    spec = importlib.util.spec_from_file_location("make_images", DOCS / "make_images.py")
    assert spec is not None
    assert spec.loader is not None
    make_images = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_images)
    return make_images


def screenshot_names() -> set[str]:
    """The PNG screenshots docs/make_screenshots.py takes (read without running it)."""
    text = (DOCS / "make_screenshots.py").read_text(encoding="utf-8")
    found = re.search(r"^SCREENSHOTS = \((.*?)\)", text, flags=re.MULTILINE | re.DOTALL)
    assert found, "docs/make_screenshots.py has no SCREENSHOTS tuple"
    return set(re.findall(r'"([\w-]+)"', found.group(1)))


def test_every_screenshot_is_taken_by_make_screenshots() -> None:
    shots = screenshot_names()
    used = {Path(t).stem for path in MARKDOWN for t in relative_links(path) if t.endswith(".png")}
    on_disk = {p.stem for p in (DOCS / "images").glob("*.png")}
    assert used <= shots, f"screenshots used but not taken by make_screenshots.py: {used - shots}"
    assert on_disk <= shots, (
        f"PNGs in docs/images not taken by make_screenshots.py: {on_disk - shots}"
    )
    assert shots <= on_disk, f"run `make screenshots`: missing {shots - on_disk}"


def test_every_picture_is_drawn_by_make_images() -> None:
    drawn = set(load_make_images().pictures())
    used = {
        Path(t).stem
        for path in MARKDOWN
        for t in relative_links(path)
        if "images/" in t and not t.endswith(".png")
    }
    on_disk = {p.stem for p in (DOCS / "images").glob("*.svg")}
    assert used <= drawn, f"pictures used but not drawn by make_images.py: {used - drawn}"
    assert on_disk <= drawn, (
        f"pictures in docs/images not made by make_images.py: {on_disk - drawn}"
    )
    assert used <= on_disk, f"run `make images`: missing {used - on_disk}"


def _graphviz_version(svg: str) -> str | None:
    found = re.search(r"Generated by graphviz version ([^\s]+)", svg)
    return found.group(1) if found else None


def test_committed_pictures_match_the_code(tmp_path: Path) -> None:
    """Every picture in docs/images is what `make images` draws now: rerun it after a change.

    Pictures from the built-in engine are compared always; Graphviz pictures when the
    installed `dot` is the version that drew the committed files (its output differs
    between versions), and under CI, where that version is installed, they must be.
    """
    make_images = load_make_images()
    require_program("dot")
    make_images.IMAGES = tmp_path
    stale, unchecked = [], []
    for name, make in make_images.pictures().items():
        make_images.save(name, make())
        new = (tmp_path / f"{name}.svg").read_text(encoding="utf-8")
        old = (DOCS / "images" / f"{name}.svg").read_text(encoding="utf-8")
        version = _graphviz_version(old)
        if version is not None and version != _graphviz_version(new):
            unchecked.append(name)
        elif new != old:
            stale.append(name)
    assert not stale, f"docs/images is out of date, run `make images`: {stale}"
    if unchecked and os.environ.get("CI"):
        pytest.fail(f"Graphviz differs from the one that drew {unchecked}")
