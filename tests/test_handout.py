"""Handouts: the chain rule as Markdown and LaTeX, and the picture with it in one file."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.optional import require_program
from tinygrad_lite import Value
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.viz import explain, handout
from tinygrad_lite.viz.latex import escape, number


def nine_weight_w1() -> tuple[Value, Value]:
    graph = nine_weight_graph(*default_nine_weight_point())
    return graph.loss, graph.weights[0]


def balanced(tex: str) -> bool:
    depth = 0
    for m in re.finditer(r"(?<!\\)[{}]", tex):
        depth += 1 if m.group(0) == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def test_markdown_names_both_uses_of_t_times_t_and_wraps_products() -> None:
    loss, w1 = nine_weight_w1()
    md = explain(loss, w1).to_markdown()
    assert md.count("#### Path") == 2
    assert "`t*t` (as its first factor)" in md
    assert "`t*t` (as its second factor)" in md
    assert "| ∂(t*t)/∂t (first factor) | 0.39 |" in md
    assert "| ∂(t*t)/∂t (second factor) | 0.39 |" in md
    # ten factors, four to a line: three lines, and the product at the end
    block = md.split("```text\npath 1 = ", 1)[1].split("```", 1)[0]
    assert len(block.strip().splitlines()) == 4
    assert block.strip().endswith("= 0.112787")
    assert "Backward gives 0.225574: agrees." in md
    tables = [line for line in md.splitlines() if line.startswith("|")]
    assert all(line.count("|") == 4 for line in tables)  # no stray pipe splits a row


def test_text_wraps_long_products_too() -> None:
    loss, w1 = nine_weight_w1()
    text = explain(loss, w1).text()
    assert (
        max(len(line) for line in text.splitlines() if "* ∂" in line or line.startswith("  ∂"))
        < 100
    )


def test_latex_is_valid_and_escapes_names() -> None:
    loss, w1 = nine_weight_w1()
    tex = explain(loss, w1).to_latex()
    assert balanced(tex)
    assert "y\\_hat" in tex
    assert not re.search(r"(?<!\\)_hat", tex)  # every _ in a name escaped
    assert tex.count("\\begin{aligned}") == tex.count("\\end{aligned}") == 3
    assert "\\Big|_{\\text{first factor}}" in tex
    assert "\\Big|_{\\text{second factor}}" in tex
    assert "&= 0.225574" in tex
    whole = explain(loss, w1).to_latex(standalone=True)
    assert whole.startswith("\\documentclass{article}")
    assert whole.rstrip().endswith("\\end{document}")
    assert balanced(whole)


def test_latex_escapes_every_special_character() -> None:
    weird = Value(2.0, label="a_b#c%d&e$f^g~h{i}j\\k")
    out = weird * weird
    out.label = "out"
    tex = explain(out, weird).to_latex()
    assert balanced(tex)
    assert escape("a_b#c%d&e$f") == "a\\_b\\#c\\%d\\&e\\$f"
    for raw in ("_b", "#c", "%d", "&e", "$f"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), tex.replace("$\\partial$", "")), raw
    assert number(1.5e-9) == "1.5 \\times 10^{-9}"


def test_latex_compiles(tmp_path: Path) -> None:
    require_program("pdflatex")
    loss, w1 = nine_weight_w1()
    weird = Value(2.0, label="a_b#c%d&e")
    out = (weird * weird).tanh()
    for k, e in enumerate((explain(loss, w1), explain(out, weird))):
        source = tmp_path / f"h{k}.tex"
        source.write_text(e.to_latex(standalone=True), encoding="utf-8")
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-3000:]
        assert (tmp_path / f"h{k}.pdf").read_bytes()[:5] == b"%PDF-"


def test_the_handout_is_one_file_with_the_picture_and_the_derivation(tmp_path: Path) -> None:
    loss, w1 = nine_weight_w1()
    loss.backward()
    page = handout(loss, w1, tmp_path / "w1.html", title="dL/dw1, the homework")
    assert (tmp_path / "w1.html").read_text(encoding="utf-8") == page
    assert page.count("<svg") == 1
    assert "<h1>dL/dw1, the homework</h1>" in page
    assert "t*t (as its first factor)" in page
    assert "t*t (as its second factor)" in page
    assert "backward gives 0.225574: agrees" in page
    assert "<script" not in page
    assert "<img" not in page
    assert "<link" not in page
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert all("w3.org" in u for u in urls), urls  # only XML namespaces
    assert 'class="edge highlight"' in page  # the paths from w1 are marked
