"""The examples in the docstrings run, and print what they say they print.

Every docstring of every module of the package (public or not) is searched for ``>>>``
examples; each docstring's examples run as one test, in a namespace holding its module's
globals, with ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``. The API reference shows these
examples, so they cannot drift from the code. An example that needs an optional package
names it in `NEEDS` and is skipped without it (a failure under CI, as everywhere).
"""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
import re

import pytest

import tinygrad_lite
from tests.optional import require

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
#: Doctests (by name prefix) that need an optional package, and which.
NEEDS = {"tinygrad_lite.viz.interactive.live": "anywidget"}


def modules() -> list[str]:
    """Every module of the package, private ones included (not `__main__`, which runs)."""
    found = [tinygrad_lite.__name__]
    for info in pkgutil.walk_packages(tinygrad_lite.__path__, "tinygrad_lite."):
        if not info.name.endswith(".__main__"):
            found.append(info.name)
    return found


def collect() -> tuple[dict[str, doctest.DocTest], dict[str, str]]:
    """Every docstring with examples, by its dotted name; and the modules that cannot be
    imported here, with the optional package each lacks."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    found: dict[str, doctest.DocTest] = {}
    unimportable: dict[str, str] = {}
    for name in modules():
        try:
            module = importlib.import_module(name)
        except ImportError as exc:  # a module of an optional extra (the live widget)
            if exc.name is None or exc.name.startswith("tinygrad_lite"):
                raise
            unimportable[name] = exc.name
            continue
        for test in finder.find(module):
            if test.examples:
                found[test.name] = test
    return found, unimportable


DOCTESTS, UNIMPORTABLE = collect()


def test_the_collection_finds_the_examples() -> None:
    # the collection works: without it every test below would pass vacuously
    assert "tinygrad_lite.value.Value" in DOCTESTS
    assert "tinygrad_lite.gradcheck" in DOCTESTS  # a module docstring
    assert len(DOCTESTS) >= 15


@pytest.mark.parametrize("name", sorted(DOCTESTS))
def test_docstring_examples(name: str) -> None:
    for prefix, package in NEEDS.items():
        if name.startswith(prefix):
            require(package)
    test = DOCTESTS[name]
    test.globs = dict(test.globs)  # each run starts from the module's own globals
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    result = runner.run(test, out=out.write)
    assert result.failed == 0, f"the examples of {name} do not run as written:\n{out.getvalue()}"


def test_every_module_is_searched() -> None:
    """A module that imports an optional package is searched where the package is
    installed; where it is not, this skips (under CI, where everything is, it fails)."""
    for module, package in sorted(UNIMPORTABLE.items()):
        require(package)
        importlib.import_module(module)


def test_a_wrong_example_fails() -> None:
    parser = doctest.DocTestParser()
    wrong = parser.get_doctest(">>> 1 + 1\n3\n", {}, "wrong", None, 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    assert runner.run(wrong, out=lambda _: None).failed == 1


def test_no_example_is_skipped() -> None:
    skipped = [
        name
        for name, test in DOCTESTS.items()
        if any(ex.options.get(doctest.SKIP) for ex in test.examples)
    ]
    assert not skipped, f"examples marked +SKIP do not run: {skipped}; see NEEDS"


def test_examples_sections_are_named_so_the_reference_reads_them() -> None:
    """Google style's ``Examples:`` is a section the generator shows as code; an
    ``Example:`` header would be shown as prose, with the ``>>>`` lines as quotes."""
    singular = [
        name
        for name, test in DOCTESTS.items()
        if test.docstring and re.search(r"^\s*Example:\s*$", test.docstring, re.MULTILINE)
    ]
    assert not singular, f"write 'Examples:' (not 'Example:') in {singular}"
