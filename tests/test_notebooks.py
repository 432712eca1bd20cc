"""The notebooks as files: committed clean, linked from the README, offline.

Executing them is nbmake's job (pytest --nbmake runs every notebook in notebooks/); these
checks catch what execution does not: stored outputs, a notebook nobody can find, a
kernel other than python3, and code that reaches for the network.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = {
    "01_values_and_graphs",
    "02_nine_weight_graph",
    "03_autoencoder",
    "04_mlp_from_scratch",
    "05_autodiff_vs_handwritten",
    "06_checking_derivatives",
    "07_property_testing",
    "08_micrograd_lecture",
}
NETWORK = re.compile(r"https?://|urllib|requests\.|urlopen|socket\.|load_mnist\(|fetch_openml")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def code_cells(nb: dict[str, Any]) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_every_workflow_has_its_notebook() -> None:
    assert {p.stem for p in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path: Path) -> None:
    nb = load(path)
    stored = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not stored, f"{path.name}: cells {stored} have outputs; run nbstripout"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_python3_kernel(path: Path) -> None:
    assert load(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_linked_from_readme(path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"(notebooks/{path.name})" in readme, f"README.md does not link {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_offline_and_seeded(path: Path) -> None:
    code = "\n".join(code_cells(load(path)))
    hit = NETWORK.search(code)
    assert hit is None, f"{path.name} reaches for the network: {hit.group(0)!r}"
    # Randomness must be seeded: no bare default_rng() / Random() without a seed.
    unseeded = re.findall(r"default_rng\(\)|random\.Random\(\)|np\.random\.seed\(\)", code)
    assert not unseeded, f"{path.name} draws random numbers without a seed: {unseeded}"


def test_network_pattern_can_fail() -> None:
    assert NETWORK.search("urllib.request.urlopen('https://example.org')")
    assert NETWORK.search("X = np.zeros(3)") is None
