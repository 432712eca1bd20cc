"""The built-in SVG as a browser shows it: a headless Chromium screenshot of the nine-weight graph.

Skipped when Chromium is not installed, except when the CI environment variable is set:
then a missing browser is a failure (the CI script installs it).
"""

from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.svg import render_svg
from tinygrad_lite.viz import COLOURS, build_scene

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI is set but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("headless Chromium is not installed")
    return CHROMIUM


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which always follows the 8-byte signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert head[12:16] == b"IHDR"
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def screenshot(browser: Path, page: Path, out: Path, size: tuple[int, int], tmp: Path) -> None:
    cmd = [
        str(browser),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={tmp / 'profile'}",
        f"--screenshot={out}",
        f"--window-size={size[0]},{size[1]}",
        page.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    assert out.exists(), f"no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"


def hex_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def test_nine_weight_svg_renders_in_chromium(chromium: Path, tmp_path: Path) -> None:
    image = pytest.importorskip("matplotlib.image")
    graph = nine_weight_graph(*default_nine_weight_point())
    graph.loss.backward()
    drawing = render_svg(build_scene(graph.loss))
    page = Path(drawing.save(tmp_path / "nine_weight.svg"))
    size = (round(drawing.layout.width), round(drawing.layout.height))
    shot = tmp_path / "nine_weight.png"
    screenshot(chromium, page, shot, size, tmp_path)

    assert png_size(shot) == size
    pixels = np.asarray(image.imread(str(shot)))[..., :3] * 255.0
    assert pixels.shape[:2] == (size[1], size[0])
    flat = pixels.reshape(-1, 3)
    non_white = np.mean(np.any(flat < 245, axis=1))
    assert non_white > 0.05, f"only {non_white:.1%} of the picture is not white"
    distinct = len(np.unique(np.round(flat / 8.0), axis=0))
    assert distinct > 20, f"only {distinct} distinct colours"
    # the role colours are really painted: parameters, inputs and the output
    for role, minimum in [("parameter", 2000), ("input", 1000), ("output", 200)]:
        near = np.all(np.abs(flat - hex_rgb(COLOURS[role])) < 6, axis=1).sum()
        assert near > minimum, f"{role} colour {COLOURS[role]} covers only {near} pixels"
    # and dark text and lines are drawn on them
    assert np.all(flat < 80, axis=1).sum() > 2000
