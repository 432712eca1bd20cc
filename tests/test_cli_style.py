"""`tinygrad-lite draw` for slides: --title, --depth, --digits, --size and --dpi."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.optional import require_program
from tinygrad_lite.cli import main

NEURON = "tanh(w1*x1 + w2*x2 + b)"
NEURON_SET = ["x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]


def draw(*extra: str) -> list[str]:
    return ["draw", NEURON, "--set", *NEURON_SET, "--backward", *extra]


def test_title_and_digits(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(draw("--title", "A neuron", "--digits", "2")) == 0
    src = capsys.readouterr().out
    assert src.startswith('digraph "A neuron" {')
    assert "label=<A neuron>" in src
    assert "data -3.00" in src  # w1 with two decimals
    assert "data -3.0000" not in src


def test_size_and_dpi_make_a_slide_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_program("dot")
    out = tmp_path / "neuron.png"
    assert main(draw("--size", "1920x1080px", "--dpi", "144", "-o", str(out))) == 0
    data = out.read_bytes()
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert abs(width - 1920) <= 2
    assert abs(height - 1080) <= 2
    assert main(draw("--size", "16:9")) == 0
    assert re.search(r'ratio="?0\.5625', capsys.readouterr().out)


def test_depth_collapses_parts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(draw("--depth", "0")) == 0  # a formula has no parts: nothing to collapse
    assert "summary" not in capsys.readouterr().out


def test_bad_style_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(draw("--size", "huge")) == 2
    assert "cannot read the size 'huge'" in capsys.readouterr().err
    assert main(draw("--digits", "40")) == 2
    assert "digits must be an int from 0 to 12" in capsys.readouterr().err
    assert main(draw("--dpi", "0")) == 2
    assert "dpi must be a positive number" in capsys.readouterr().err
