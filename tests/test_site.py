"""The built documentation site: complete, offline, and working from the file system.

`make docs` builds the site into site/ and then runs these tests with the environment
variable TINYGRAD_LITE_SITE naming it; the suite's ordinary run skips them (a site built
earlier may be stale). On the built site:

* every notebook has a page that shows at least one picture among its outputs, and its
  LaTeX became MathML (no ``$...$`` left);
* every public module has an API page, with an anchor for each name it documents in
  full and a link for each name documented elsewhere;
* every relative link and resource of every page resolves to a file in the site, and
  every ``#anchor`` to an id on its page;
* nothing is loaded from the network: no script, stylesheet, image, frame or font from
  an ``http(s)://`` or ``//`` address, in the pages or their CSS;
* in headless Chromium, opened from the file system, the search finds the reference.

The checks themselves are tested on small hand-written pages, so that they can fail.
"""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_docs import MODULES, load_docs_module

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SITE_VARIABLE = "TINYGRAD_LITE_SITE"
reference = load_docs_module("reference")
notebook_pages = load_docs_module("notebook_pages")


@pytest.fixture(scope="module")
def site() -> Path:
    where = os.environ.get(SITE_VARIABLE)
    if not where:
        pytest.skip(f"checks a built site: run `make docs` (it sets {SITE_VARIABLE})")
    path = Path(where).resolve()
    assert (path / "index.html").is_file(), f"{path} is not a built site"
    return path


# ----------------------------------------------------------------------------------
# The checks, as functions of a page's HTML
# ----------------------------------------------------------------------------------

#: An output cell that shows a picture: inline SVG, or an image as a data URI.
PICTURE = re.compile(
    r'<div class="jp-Rendered(?:SVG|Image) jp-OutputArea-output[^"]*"[^>]*>\s*'
    r'(?:<svg\b|<img [^>]*src="data:image/(?:png|jpeg|svg\+xml))'
)
#: What would load something from the network (a plain <a href> only links).
NETWORK = re.compile(
    r"<(?:script|img|iframe|source|audio|video|embed|input)\b[^>]*\s(?:src|srcset|poster)"
    r"=[\"']?(?:https?:)?//"
    r"|<link\b[^>]*\shref=[\"']?(?:https?:)?//"
    r"|url\(\s*[\"']?(?:https?:)?//"
    r"|@import\s+[\"']?(?:url\()?[\"']?(?:https?:)?//"
    r"|\bimport(?:Scripts)?\(\s*[\"'](?:https?:)?//",
    re.IGNORECASE,
)
LINK = re.compile(  # in a tag, not in text that shows one
    r"""<(?:a|link|script|img|iframe|source)\b[^>]*?\s(?:href|src)=["']([^"']+)["']"""
)
ANCHOR_ID = re.compile(r"""\sid=["']([^"']+)["']""")


def pictures(page: str) -> int:
    return len(PICTURE.findall(page))


def network_loads(text: str) -> list[str]:
    return [m.group(0) for m in NETWORK.finditer(text)]


def leftover_math(page: str) -> list[str]:
    """``$...$`` in a rendered Markdown cell: LaTeX that did not become MathML."""
    found = []
    for cell in re.findall(
        r'class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>(.*?)</div>', page, re.DOTALL
    ):
        text = re.sub(r"<(pre|code)\b.*?</\1>", "", cell, flags=re.DOTALL)
        found += re.findall(r"\$[^$<]+\$", text)
    return found


def broken_links(page: Path, site: Path, ids: dict[Path, set[str]]) -> list[str]:
    """Relative links and resources of `page` that do not resolve inside `site`."""
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        target = html.unescape(target)
        if re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", target, re.IGNORECASE):
            continue  # http(s)://, mailto:, data: ... (network loads are checked apart)
        path, _, anchor = target.partition("#")
        path = path.split("?")[0]
        file = (page.parent / path).resolve() if path else page
        if not file.is_relative_to(site) or not file.is_file():
            broken.append(target)
        elif anchor and file.suffix == ".html":
            if file not in ids:
                ids[file] = set(ANCHOR_ID.findall(file.read_text(encoding="utf-8")))
            if anchor not in ids[file]:
                broken.append(target)
    return broken


def test_the_checks_can_fail(tmp_path: Path) -> None:
    svg = '<div class="jp-RenderedSVG jp-OutputArea-output" data-mime-type="image/svg+xml">\n<svg>'
    png = (
        '<div class="jp-RenderedImage jp-OutputArea-output" tabindex="0">\n'
        '<img alt="" src="data:image/png;base64,AA">'
    )
    text = '<div class="jp-RenderedText jp-OutputArea-output"><pre>svg</pre>'
    assert pictures(svg) == 1
    assert pictures(png) == 1
    assert pictures(text) == 0
    assert network_loads('<script src="https://cdn.example/x.js"></script>')
    assert network_loads('<link rel="stylesheet" href="//fonts.example/css">')
    assert network_loads("@font-face { src: url(https://fonts.example/a.woff2) }")
    assert network_loads('const m = await import("https://cdn.example/m.mjs")')
    assert not network_loads('<a href="https://example.org">a link</a>')
    assert not network_loads('<svg xmlns="http://www.w3.org/2000/svg"><script src="x.js">')
    markdown = (
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown" data-mime-type="text/markdown">'
    )
    assert leftover_math(markdown + "<p>at $a = 2$</p></div>") == ["$a = 2$"]
    assert (
        leftover_math(markdown + "<p>at <math><mi>a</mi></math>, <code>$HOME</code></p></div>")
        == []
    )
    (tmp_path / "a.html").write_text(
        '<a href="b.html#x">b</a> <a href="c.html">c</a> <a href="#top">', encoding="utf-8"
    )
    (tmp_path / "b.html").write_text('<h1 id="y">b</h1>', encoding="utf-8")
    broken = broken_links(tmp_path / "a.html", tmp_path, {})
    assert broken == ["b.html#x", "c.html", "#top"]


def test_prepare_keeps_still_pictures_and_drops_widgets() -> None:
    import nbformat

    widget = {"model_id": "m", "version_major": 2, "version_minor": 0}
    cell = nbformat.v4.new_code_cell("view")
    cell.outputs = [
        nbformat.v4.new_output(  # a progress bar: only text besides the widget
            "display_data", {"text/plain": "0%|", notebook_pages.WIDGET: widget}
        ),
        nbformat.v4.new_output(  # the live view: a still picture besides the widget
            "display_data",
            {"text/plain": "LiveView()", "image/svg+xml": "<svg/>", notebook_pages.WIDGET: widget},
        ),
        nbformat.v4.new_output("stream", name="stdout", text="printed\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    notebook_pages.prepare(nb)
    kept = nb.cells[0].outputs
    assert [o.output_type for o in kept] == ["display_data", "stream"]
    assert set(kept[0].data) == {"text/plain", "image/svg+xml"}
    assert "widgets" not in nb.metadata  # its state would load the widget manager online


def test_offline_html_removes_the_scripts_that_load_from_a_cdn() -> None:
    page = (
        '<script src="https://cdnjs.example/mathjax/latest.js"> </script>'
        '<script type="text/x-mathjax-config">init_mathjax()</script>'
        '<script type="module">const m = (await import("https://cdn.example/mermaid.mjs"));'
        "mermaid.initialize()</script>"
        '<script src=""> </script><script>copy()</script><p>no formula here</p>'
    )
    out = notebook_pages.offline_html(page)
    assert out == "<script>copy()</script><p>no formula here</p>"
    assert not network_loads(out)


# ----------------------------------------------------------------------------------
# The built site
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_has_a_page_with_pictures(site: Path, notebook: Path) -> None:
    page = site / "notebooks" / f"{notebook.stem}.html"
    assert page.is_file(), f"no page for {notebook.name}"
    text = page.read_text(encoding="utf-8")
    assert pictures(text) >= 1, f"{page.name} shows no picture among its outputs"
    assert "jp-OutputArea-output" in text  # it was executed: it has outputs
    source = notebook.read_text(encoding="utf-8")
    if re.search(r"\$[^$\s][^$]*\$", source):
        assert "<math" in text, f"{page.name}: the notebook's LaTeX did not become MathML"
    assert not leftover_math(text), f"{page.name}: LaTeX left as text: {leftover_math(text)[:3]}"


@pytest.mark.parametrize("module", MODULES)
def test_every_public_module_has_an_api_page(site: Path, module: str) -> None:
    page = site / "api" / f"{module}.html"
    assert page.is_file(), f"no API page for {module}"
    text = page.read_text(encoding="utf-8")
    ids = set(ANCHOR_ID.findall(text))
    problems = []
    for e in reference.entries():
        if e.module != module:
            continue
        if e.is_home and e.kind != "module":
            if e.identifier not in ids:
                problems.append(f"{e.name} is not rendered (no id {e.identifier})")
        else:
            home = e.identifier if e.kind == "module" else e.identifier.rpartition(".")[0]
            if f'href="{home}.html#{e.identifier}"' not in text:
                problems.append(f"{e.name} is not linked to {home}.html#{e.identifier}")
    assert not problems, f"{page.name}: {problems}"


def site_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_link_in_the_site_resolves(site: Path) -> None:
    """404.html is left out: a web server shows it, with links from the server's root;
    opened from the file system it is never shown."""
    ids: dict[Path, set[str]] = {}
    broken = {
        str(page.relative_to(site)): found
        for page in site_pages(site)
        if page.name != "404.html" and (found := broken_links(page, site, ids))
    }
    assert not broken, f"broken links: {broken}"


def test_nothing_loads_from_the_network(site: Path) -> None:
    files = site_pages(site) + sorted(site.rglob("*.css"))
    assert len(files) > 70
    found = {
        str(path.relative_to(site)): loads
        for path in files
        if (loads := network_loads(path.read_text(encoding="utf-8")))
    }
    assert not found, f"the site loads these from the network: {found}"


def test_the_reference_index_and_exercises_are_there(site: Path) -> None:
    index = (site / "api" / "index.html").read_text(encoding="utf-8")
    missing = [m for m in MODULES if f'href="{m}.html"' not in index]
    assert not missing, f"the reference's index does not link {missing}"
    for notebook in sorted((ROOT / "exercises").rglob("*.ipynb")):
        copy = site / notebook.relative_to(ROOT)
        assert copy.read_bytes() == notebook.read_bytes(), f"{copy} is not a download"


# ----------------------------------------------------------------------------------
# In a browser, from the file system
# ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def driver(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.live_page import browser_or_skip

    browser = browser_or_skip(tmp_path_factory.mktemp("profile"))
    yield browser
    browser.quit()


def test_search_works_from_the_file_system(site: Path, driver: Any) -> None:
    """Material runs its search in a Worker, which browsers refuse to start for file://
    pages; the site's own shim (docs/javascripts/iframe-worker.js) stands in."""
    from selenium.webdriver.common.by import By

    driver.get((site / "index.html").as_uri())
    box = driver.find_element(By.CSS_SELECTOR, "input.md-search__input")
    deadline = time.monotonic() + 30
    while not (box.is_displayed() and box.is_enabled()) and time.monotonic() < deadline:
        time.sleep(0.2)  # the box is shown once the search worker has started
    assert box.is_displayed(), "the search box never became usable: its worker did not start"
    driver.execute_script("arguments[0].focus();", box)
    box.send_keys("gradcheck")
    links: list[str] = []
    while time.monotonic() < deadline and not links:
        links = driver.execute_script(
            "return Array.from(document.querySelectorAll('.md-search-result__link'))"
            ".map(a => a.getAttribute('href'));"
        )
        time.sleep(0.2)
    assert any("tinygrad_lite.gradcheck" in link for link in links), (
        f"searching for 'gradcheck' found {links}"
    )


def test_a_notebook_page_shows_its_pictures_and_math(site: Path, driver: Any) -> None:
    driver.get((site / "notebooks" / "01_values_and_graphs.html").as_uri())
    sizes = driver.execute_script(
        "const out = [];"
        "for (const el of document.querySelectorAll('.jp-OutputArea-output svg, "
        ".jp-OutputArea-output img, math')) {"
        "  const r = el.getBoundingClientRect(); out.push([el.tagName, r.width, r.height]); }"
        "return out;"
    )
    drawn = [s for s in sizes if s[0].lower() in ("svg", "img") and s[1] > 50 and s[2] > 50]
    maths = [s for s in sizes if s[0].lower() == "math" and s[1] > 0 and s[2] > 0]
    assert drawn, f"no picture is drawn with a size: {sizes[:5]}"
    assert maths, "no formula is laid out (MathML)"
