"""The API reference, planned from the package's source: one page per public module.

A public module is the package or a submodule whose dotted name has no part starting
with ``_``; its public names are its ``__all__``. Each name is documented in full on one
page only, its *home*: the page of the public module that defines it (a name defined in a
private module is documented on the page of the public module that lists it). Every
other page that lists the name links to its home.

The docs site's hooks (docs/hooks.py) write the pages from this plan; the test suite
reads the same plan to check that every public name has a docstring and a page. Only the
standard library is used: the source is read with `ast`, as the reference generator
(griffe) reads it, so a docstring the code does not show statically counts as missing.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

PACKAGE = "tinygrad_lite"
#: Where the pages go, inside the site.
API_DIR = "api"
#: The reference's first page: every public module with its summary.
INDEX = f"{API_DIR}/index.md"


@dataclass(frozen=True)
class Entry:
    """One public name of one public module, and where it is documented in full.

    Attributes:
        module: the public module whose ``__all__`` lists the name.
        name: the name in that module.
        home: the public module whose page documents the object in full.
        identifier: the object's full name on that page (``home.name_there``).
        kind: "module", "class", "function" or "attribute".
        docstring: the object's docstring as the source has it, or None.
    """

    module: str
    name: str
    home: str
    identifier: str
    kind: str
    docstring: str | None

    @property
    def is_home(self) -> bool:
        """Whether this module's page documents the object in full."""
        return self.home == self.module


def public_modules(package: str = PACKAGE) -> list[str]:
    """The package and every submodule whose dotted name has no part starting with '_'."""
    imported = importlib.import_module(package)
    found = [package]
    for info in pkgutil.walk_packages(imported.__path__, package + "."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return found


def public_names(module: str) -> list[str]:
    """The module's ``__all__`` (empty when it has none)."""
    imported: ModuleType = importlib.import_module(module)
    return list(getattr(imported, "__all__", []))


def page_path(module: str) -> str:
    """The Markdown file of a module's page, relative to the docs directory."""
    return f"{API_DIR}/{module}.md"


# ----------------------------------------------------------------------------------
# Reading the source
# ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    path: Path
    tree: ast.Module
    is_package: bool
    lines: list[str]


@cache
def _source(module: str) -> _Source | None:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    path = Path(spec.origin)
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(path))
    return _Source(path, tree, spec.submodule_search_locations is not None, text.splitlines())


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _top_level(body: list[ast.stmt]) -> list[list[ast.stmt]]:
    """The statement lists run at import time: the body, and those of if/try blocks."""
    bodies = [body]
    for stmt in body:
        if isinstance(stmt, ast.If):
            bodies += _top_level(stmt.body) + _top_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            for part in (stmt.body, stmt.orelse, stmt.finalbody):
                bodies += _top_level(part)
            for handler in stmt.handlers:
                bodies += _top_level(handler.body)
    return bodies


def _assigned(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.Assign):
        return [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return [stmt.target.id]
    return []


def _absolute(module: str, source: _Source, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if source.is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@dataclass(frozen=True)
class _Definition:
    module: str
    name: str
    kind: str
    docstring: str | None


@dataclass(frozen=True)
class _Import:
    origin: str
    name: str


def _binding(module: str, name: str) -> _Definition | _Import | None:
    """What binds `name` at the top of `module`'s source: a definition, an import, or
    nothing (a submodule that is only imported elsewhere, or a missing name)."""
    source = _source(module)
    if source is None:
        return None
    for body in _top_level(source.tree.body):
        for i, stmt in enumerate(body):
            if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                if stmt.name == name:
                    kind = "class" if isinstance(stmt, ast.ClassDef) else "function"
                    return _Definition(module, name, kind, ast.get_docstring(stmt))
            elif name in _assigned(stmt):
                docstring = _attribute_docstring(body, i, source.lines)
                return _Definition(module, name, "attribute", docstring)
            elif isinstance(stmt, ast.ImportFrom):
                for alias in stmt.names:
                    if (alias.asname or alias.name) == name:
                        return _Import(_absolute(module, source, stmt), alias.name)
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname == name:
                        return _Import(*alias.name.rpartition(".")[::2])
    return None


def _is_submodule(package: str, name: str) -> bool:
    """Whether `package.name` is the submodule, not something the package's source binds
    to that name (`from .gradcheck import gradcheck` rebinds the name to the function)."""
    if not _is_module(f"{package}.{name}"):
        return False
    binding = _binding(package, name)
    return binding is None or (isinstance(binding, _Import) and binding.origin == package)


def _definition(module: str, name: str, seen: frozenset[tuple[str, str]]) -> _Definition:
    """Follow `module.name` through imports to the statement that defines it."""
    if (module, name) in seen:
        raise LookupError(f"{module}.{name}: the imports go round in a circle")
    if _is_submodule(module, name):
        return _module_definition(f"{module}.{name}")
    binding = _binding(module, name)
    if binding is None:
        raise LookupError(f"{module}.{name} is in __all__ but the module never defines it")
    if isinstance(binding, _Import):
        return _definition(binding.origin, binding.name, seen | {(module, name)})
    return binding


def _module_definition(module: str) -> _Definition:
    source = _source(module)
    docstring = ast.get_docstring(source.tree) if source is not None else None
    parent, _, name = module.rpartition(".")
    return _Definition(parent, name, "module", docstring)


def _attribute_docstring(body: list[ast.stmt], index: int, lines: list[str]) -> str | None:
    """An attribute's docstring: the string literal right after its assignment, else its
    ``#:`` comment (which docs/attribute_comments.py makes griffe read too)."""
    if index + 1 < len(body):
        after = body[index + 1]
        if (
            isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            return after.value.value
    return comment_docstring(lines, body[index].lineno)


def comment_docstring(lines: list[str], lineno: int) -> str | None:
    """The ``#:`` comment of the statement at 1-based `lineno` of `lines`: the lines right
    above it, else the end of its own line; None without one."""
    above: list[str] = []
    i = lineno - 2
    while i >= 0 and lines[i].lstrip().startswith("#:"):
        above.insert(0, lines[i].lstrip()[2:].strip())
        i -= 1
    if above:
        return "\n".join(above)
    own = lines[lineno - 1]
    if "#:" in own:
        return own.split("#:", 1)[1].strip() or None
    return None


# ----------------------------------------------------------------------------------
# The plan
# ----------------------------------------------------------------------------------


@cache
def entries(package: str = PACKAGE) -> tuple[Entry, ...]:
    """Every public name of every public module, each with its home page."""
    modules = public_modules(package)
    listed = {module: set(public_names(module)) for module in modules}
    found = []
    for module in modules:
        for name in public_names(module):
            definition = _definition(module, name, frozenset())
            if definition.kind == "module":
                target = f"{definition.module}.{definition.name}"
                home = target if target in listed else module
                identifier = target if home == target else f"{module}.{name}"
            elif definition.name in listed.get(definition.module, set()):
                home = definition.module
                identifier = f"{home}.{definition.name}"
            else:
                home = module
                identifier = f"{module}.{name}"
            found.append(
                Entry(module, name, home, identifier, definition.kind, definition.docstring)
            )
    return tuple(found)


def module_docstring(module: str) -> str | None:
    """The module's docstring as its source has it."""
    return _module_definition(module).docstring


def summary(docstring: str | None) -> str:
    """The first line of a docstring (its summary), or '' without one."""
    return docstring.strip().splitlines()[0] if docstring and docstring.strip() else ""


def page(module: str) -> str:
    """The Markdown of a module's page: its docstring and the names it is home to, rendered
    by mkdocstrings, then a table of the names it re-exports, linked to their homes."""
    mine = [e for e in entries(module.split(".")[0]) if e.module == module]
    here = [e.name for e in mine if e.is_home and e.kind != "module"]
    lines = [
        f"::: {module}",
        "    options:",
        f"      members: {here if here else 'false'}",
        "",
    ]
    elsewhere = [e for e in mine if not e.is_home or e.kind == "module"]
    if elsewhere:
        lines += [
            "## Documented on other pages",
            "",
            f"`{module}` also makes these names public; each is documented in full on the "
            "page of its own module.",
            "",
            "| name | what it is |",
            "|---|---|",
        ]
        for e in elsewhere:
            lines.append(f"| [`{e.name}`][{e.identifier}] | {_cell(summary(e.docstring))} |")
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def index() -> str:
    """The Markdown of the reference's first page: every public module, with its summary."""
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings: one page per public module, each with the names in "
        "its `__all__`. A name that several modules make public (such as "
        "`tinygrad_lite.Value`, defined in `tinygrad_lite.value`) is documented in full "
        "on its own module's page, and linked from the others. Start with "
        "[concepts](../concepts.md) for how the pieces fit together.",
        "",
        "| module | what it is for |",
        "|---|---|",
    ]
    for module in public_modules():
        lines.append(f"| [`{module}`]({module}.md) | {_cell(summary(module_docstring(module)))} |")
    lines.append("")
    return "\n".join(lines)


def nav() -> list[object]:
    """The reference's part of the site's navigation: a section per package."""
    modules = public_modules()

    def section(package: str) -> list[object]:
        items: list[object] = [{f"{package}": page_path(package)}]
        for module in modules:
            parent, _, short = module.rpartition(".")
            if parent != package:
                continue
            if any(m.startswith(module + ".") for m in modules):
                items.append({f"{short}": section(module)})
            else:
                items.append({short: page_path(module)})
        return items

    return [{"All modules": INDEX}, *section(PACKAGE)]
