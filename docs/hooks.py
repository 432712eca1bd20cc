"""MkDocs hooks: the parts of the docs site that are made, not written (see mkdocs.yml).

* The API reference: a page per public module, planned by `reference.py` and rendered
  from the docstrings by mkdocstrings.
* The notebooks: executed once (cached until they or the package change) by
  `notebook_pages.py`, rendered with their outputs by mkdocs-jupyter, their LaTeX as
  MathML.
* The exercise notebooks and their solutions, as files to download and open in Jupyter
  (a student's copy is for working in, not for reading on a page).
* Links from the guides to ../notebooks/ and ../exercises/, which work in the repository,
  are pointed at the same files inside the site.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Any

import notebook_pages
import reference
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
#: Executed notebooks, kept between builds.
CACHE = ROOT / ".cache" / "docs"
#: The nav entries in mkdocs.yml that the hooks fill in with generated pages.
NOTEBOOKS_NAV = "Notebooks"
REFERENCE_NAV = "API reference"
#: A Markdown link or image target that leaves the docs folder: ](../...)
_OUTSIDE = re.compile(r"(\]\()(\.\./[^)\s#]+)")


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Put every notebook and every API page into the navigation."""
    sections = {
        NOTEBOOKS_NAV: lambda first: [
            {"All notebooks": first},
            *(f"notebooks/{p.name}" for p in notebook_pages.notebooks()),
        ],
        REFERENCE_NAV: lambda first: reference.nav(),
    }
    found = set()
    for i, item in enumerate(config.nav or []):
        if isinstance(item, dict) and len(item) == 1:
            ((title, first),) = item.items()
            if title in sections:
                config.nav[i] = {title: sections[title](first)}
                found.add(title)
    missing = set(sections) - found
    if missing:
        raise PluginError(f"mkdocs.yml's nav needs the entries {sorted(missing)}")
    return config


@event_priority(100)  # before mkdocs-jupyter, so that it renders the notebooks added here
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the API pages, the executed notebooks and the exercise files."""
    files.append(File.generated(config, reference.INDEX, content=reference.index()))
    for module in reference.public_modules():
        files.append(
            File.generated(config, reference.page_path(module), content=reference.page(module))
        )
    workers = int(os.environ.get("DOCS_NOTEBOOK_WORKERS", "2"))
    try:
        executed = notebook_pages.execute_all(notebook_pages.notebooks(), CACHE, workers)
    except notebook_pages.NotebookFailed as exc:
        raise PluginError(str(exc)) from None
    for source, copy in executed.items():
        # A File with a real source folder: mkdocs-jupyter reads abs_src_path, which
        # MkDocs leaves unset on a generated File.
        folder = str(copy.parent.parent)
        uri = f"notebooks/{source.name}"
        files.append(File(uri, folder, config.site_dir, config.use_directory_urls))
    for path in sorted(EXERCISES.rglob("*.ipynb")):
        if ".ipynb_checkpoints" not in path.parts:
            uri = path.relative_to(ROOT).as_posix()
            files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Point links that leave docs/ (../notebooks/x.ipynb) at the same file in the site."""
    here = posixpath.dirname(page.file.src_uri)

    def inside(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join("docs", here, match.group(2)))
        if files.get_file_from_path(target) is None:
            return match.group(0)  # left for MkDocs to report
        return match.group(1) + posixpath.relpath(target, here or ".")

    return _OUTSIDE.sub(inside, markdown)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Notebook pages: LaTeX as MathML, no script from the network, links to other
    notebooks pointing at their pages, and a table of contents that finds its headings."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    html = notebook_pages.offline_html(html)
    here = posixpath.dirname(page.file.src_uri)

    def to_page(match: re.Match[str]) -> str:
        target = files.get_file_from_path(posixpath.normpath(posixpath.join(here, match[2])))
        if target is None or not target.is_documentation_page():
            return match[0]  # left for the site's link check to report
        return f"{match[1]}{target.url_relative_to(page.file)}{match[3]}"

    html = _NOTEBOOK_LINK.sub(to_page, html)
    _match_toc_to_headings(page, html)
    return html


#: A relative link to a notebook: href="x.ipynb" or href="x.ipynb#part".
_NOTEBOOK_LINK = re.compile(r'(<a\b[^>]*\shref=")(?![a-z]+:|/|#)([^"#]+\.ipynb)((?:#[^"]*)?")')
_HEADING_ID = re.compile(r'<h[1-6]\b[^>]*\sid="([^"]+)"')


def _match_toc_to_headings(page: Page, html: str) -> None:
    """mkdocs-jupyter slugs the table of contents apart from the headings, and the two
    differ for a heading with code in it; give each entry its heading's real id."""
    entries: list[Any] = []

    def walk(items: Any) -> None:
        for item in items:
            entries.append(item)
            walk(item.children)

    walk(page.toc)
    ids = _HEADING_ID.findall(html)
    if len(ids) != len(entries):
        raise PluginError(
            f"{page.file.src_uri}: {len(entries)} entries in the table of contents, "
            f"{len(ids)} headings on the page"
        )
    for entry, heading in zip(entries, ids, strict=True):
        entry.id = heading
