"""The notebooks as pages of the docs site: executed once, with their outputs, offline.

`execute_all` runs each notebook in notebooks/ in a fresh kernel (in the notebook's own
folder, as `pytest --nbmake` does) and keeps the executed copy in a cache, keyed by the
notebook, the package's source and this file: a second build with nothing changed runs
nothing. A cell that raises fails the build, naming the notebook and the cell.

Before a notebook becomes a page, `prepare` leaves only what a static page can show:
a widget (a progress bar, the live view) is replaced by the still picture it offers,
or dropped when it has none, and no widget state is kept (it would load the widget
manager from the network). After nbconvert has made the page, `offline_html` writes the
LaTeX of the Markdown cells as MathML, which browsers draw without any script, and
removes the script tags that would load MathJax and Mermaid from a CDN.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PACKAGE = ROOT / "tinygrad_lite"
WIDGET = "application/vnd.jupyter.widget-view+json"
#: Output types a static page can show in place of a widget.
STILL = ("image/svg+xml", "image/png", "image/jpeg", "text/html")
#: Seconds one cell may run.
CELL_TIMEOUT = 600


class NotebookFailed(RuntimeError):
    """A notebook raised while it was executed for the site."""


def notebooks() -> list[Path]:
    """The notebooks the site shows, in order."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def cache_key(notebook: Path) -> str:
    """What an executed notebook depends on: itself, the package's source and this file."""
    digest = hashlib.sha256()
    sources = [notebook, Path(__file__)]
    sources += sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def execute_all(paths: Iterable[Path], cache: Path, workers: int = 2) -> dict[Path, Path]:
    """Execute every notebook not already in `cache`; return source -> executed copy.

    A copy is `cache/<name>.<key>/notebooks/<name>.ipynb`: the folder names what it was
    made from, and the path ends as the source's does, so the page renderer recognises
    it. Copies made from older versions of the same notebook are removed.

    Raises:
        NotebookFailed: a cell raised (the message names the notebook and shows the error).
    """
    wanted = {
        path: cache / f"{path.stem}.{cache_key(path)}" / "notebooks" / path.name for path in paths
    }
    for path, copy in wanted.items():
        for stale in cache.glob(f"{path.stem}.*"):
            if stale != copy.parent.parent:
                shutil.rmtree(stale)
    missing = [path for path, copy in wanted.items() if not copy.exists()]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for path, nb in zip(missing, pool.map(execute, missing), strict=True):
            copy = wanted[path]
            copy.parent.mkdir(parents=True, exist_ok=True)
            partial = copy.with_suffix(".partial")
            nbformat.write(prepare(nb), partial)
            os.replace(partial, copy)
    return wanted


def execute(path: Path) -> Any:
    """Run a notebook in a fresh python3 kernel in its own folder; return it with outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        raise NotebookFailed(f"{path.relative_to(ROOT)} failed:\n{exc}") from None
    return nb


def prepare(nb: Any) -> Any:
    """Keep what a static page can show: widgets become their still picture, or go."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            data = output.get("data", {})
            if WIDGET in data:
                del data[WIDGET]
                if not any(kind in data for kind in STILL):
                    continue
            kept.append(output)
        cell.outputs = kept
    return nb


# ----------------------------------------------------------------------------------
# The page's HTML
# ----------------------------------------------------------------------------------

#: Blocks whose text is never mathematics: code, outputs, scripts, styles, pictures.
_PROTECTED = re.compile(r"(<(pre|code|script|style|svg|textarea)\b.*?</\2\s*>)", re.DOTALL)
#: $$display$$ or $inline$; nbconvert leaves them as text, with < > & escaped.
_MATH = re.compile(r"\$\$([^$<]+?)\$\$|\$([^$<]+?)\$")
#: Script tags of the nbconvert template that would load from the network.
_NETWORK_SCRIPTS = re.compile(
    r"<script src=\"(?:https?://[^\"]*)?\">\s*</script>"  # MathJax (or an empty src)
    r"|<script type=\"text/x-mathjax-config\">.*?</script>"
    r"|<script type=\"module\">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>",
    re.DOTALL,
)


def offline_html(page: str) -> str:
    """A notebook page's HTML with MathML for its LaTeX and no script from the network."""
    page = _NETWORK_SCRIPTS.sub("", page)
    parts = _PROTECTED.split(page)
    # split() with two groups yields: text, block, tag name, text, block, tag name, ...
    out = []
    for i in range(0, len(parts), 3):
        out.append(_MATH.sub(_mathml, parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out)


def _mathml(match: re.Match[str]) -> str:
    from latex2mathml.converter import convert as latex_to_mathml  # the docs extra

    display, inline = match.group(1), match.group(2)
    tex = html.unescape(display if display is not None else inline)
    return str(latex_to_mathml(tex.strip(), display="block" if display is not None else "inline"))
