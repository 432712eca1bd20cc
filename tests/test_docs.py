"""Keep the documentation true: every public name documented, every example runnable.

* Every name in `tinygrad_lite.__all__` and in the `__all__` of every public submodule
  appears in docs/api.md, in the section of its module.
* Every ```python block in README.md and docs/*.md runs: each file's blocks in order, in
  one fresh namespace, in a temporary working directory. A block preceded by the line
  ``<!-- no-run -->`` is skipped.
* Every relative link and picture in README.md and docs/*.md points to a file that
  exists, and every picture under docs/images/ is one that docs/make_images.py draws
  (or, for the live view's PNG screenshots, one that docs/make_screenshots.py takes).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import tinygrad_lite

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
API = DOCS / "api.md"
MARKDOWN = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
NO_RUN = "<!-- no-run -->"


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


def api_sections() -> dict[str, str]:
    """docs/api.md split at its '## `module`' headings: module name -> section text."""
    text = API.read_text(encoding="utf-8")
    parts = re.split(r"^## `([\w.]+)`.*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_public_names_are_found() -> None:
    names = public_names()
    modules = {m for m, _ in names}
    # The scan itself must work, or the test below would pass vacuously.
    assert "tinygrad_lite" in modules
    assert ("tinygrad_lite", "Value") in names
    assert ("tinygrad_lite.optim", "Adam") in names


@pytest.mark.parametrize("module", sorted({m for m, _ in public_names()}))
def test_every_public_name_is_in_api_md(module: str) -> None:
    sections = api_sections()
    assert module in sections, f"docs/api.md has no section '## `{module}`'"
    section = sections[module]
    missing = [
        name
        for m, name in public_names()
        if m == module and not re.search(rf"`{re.escape(name)}[`(\[]", section)
    ]
    assert not missing, f"docs/api.md, section {module}: not documented: {missing}"


def test_api_md_has_no_stale_sections() -> None:
    modules = {m for m, _ in public_names()}
    stale = sorted(set(api_sections()) - modules)
    assert not stale, f"docs/api.md documents modules that do not exist: {stale}"


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


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_exist(path: Path) -> None:
    missing = [t for t in relative_links(path) if not (path.parent / t).exists()]
    assert not missing, f"{path.relative_to(ROOT)} links to missing files: {missing}"


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
    if not make_images.dot_available():
        if os.environ.get("CI"):
            pytest.fail("the Graphviz dot program is required under CI")
        pytest.skip("the Graphviz dot program is not installed")
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
