"""Workflow 1 in full, eager against compiled: the nine-weight graph trained sample by sample.

Run with `make bench` or `python benchmarks/bench_codegen.py [--epochs N] [--rounds N]`.

The notebook's training (notebooks/02_nine_weight_graph.ipynb): a 506-row table, 100
epochs, one update per sample, three optimizers one after the other (SGD lr 0.1, momentum
0.9 with lr 0.01, Adam lr 0.001), mean loss per epoch. Three ways to run the same loop:

* eager, rows passed as the notebook passes them (``X[i]``, a numpy row, and ``Y[i]``);
* eager, rows as Python lists of floats (``X.tolist()`` once, before training);
* compiled: ``tl.compile`` of the same loss, rows as lists of floats (a compiled
  function finds its float arguments in the graph by identity; see docs/codegen.md);
* the loop with only ``opt.zero_grad(); opt.step()``: the part every variant shares.

Each variant runs in a fresh interpreter, in turns, `--rounds` times; the table gives the
median and the range of the processes' times. The loss curves of the three training
variants must be equal to the last bit, or the script stops.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_lite as tl
from tinygrad_lite import Value
from tinygrad_lite.data import make_nine_weight_table
from tinygrad_lite.examples import nine_weight_graph
from tinygrad_lite.optim import SGD, Adam, Optimizer

OPTIMIZERS = {
    "SGD": lambda ws: SGD(ws, lr=0.1),
    "momentum": lambda ws: SGD(ws, lr=0.01, momentum=0.9),
    "Adam": lambda ws: Adam(ws, lr=0.001),
}
VARIANTS = {
    "eager, numpy rows (as the notebook)": "eager-rows",
    "eager, rows as lists": "eager-lists",
    "compiled, rows as lists": "compiled",
    "the loop with the optimizer alone": "optimizer",
}


def train(variant: str, epochs: int) -> dict[str, Any]:
    """Seconds for the three optimizers' training, and their curves (one process)."""
    X, Y, _ = make_nine_weight_table(n=506, noise=0.1, seed=0)
    xs, ys = X.tolist(), Y.tolist()
    w_start = np.random.default_rng(1).normal(0.0, 0.5, size=9)
    curves: dict[str, list[float]] = {}
    seconds = 0.0
    for name, make in OPTIMIZERS.items():
        weights = [Value(float(v), label=f"w{k + 1}") for k, v in enumerate(w_start)]
        opt: Optimizer = make(weights)
        order_rng = np.random.default_rng(2)
        orders = [order_rng.permutation(len(X)).tolist() for _ in range(epochs)]
        start = time.perf_counter()
        if variant == "compiled":
            curves[name] = _compiled(weights, opt, orders, xs, ys)
        elif variant == "optimizer":
            curves[name] = _optimizer_only(opt, orders)
        elif variant == "eager-lists":
            curves[name] = _eager(weights, opt, orders, xs, ys)
        else:
            curves[name] = _eager(weights, opt, orders, X, Y)
        seconds += time.perf_counter() - start
    return {"seconds": seconds, "curves": curves}


def _eager(
    weights: list[Value], opt: Optimizer, orders: list[list[int]], X: Any, Y: Any
) -> list[float]:
    curve = []
    for order in orders:
        total = 0.0
        for i in order:
            loss = nine_weight_graph(X[i], Y[i], weights).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.data
        curve.append(total / len(order))
    return curve


def _optimizer_only(opt: Optimizer, orders: list[list[int]]) -> list[float]:
    """The same loop with no loss at all: what every variant spends on the updates."""
    curve = []
    for order in orders:
        total = 0.0
        for _ in order:
            opt.zero_grad()
            opt.step()
        curve.append(total)
    return curve


def _compiled(
    weights: list[Value], opt: Optimizer, orders: list[list[int]], xs: Any, ys: Any
) -> list[float]:
    loss_of = tl.compile(lambda x, y: nine_weight_graph(x, y, weights).loss)
    curve = []
    for order in orders:
        total = 0.0
        for i in order:
            opt.zero_grad()
            total += loss_of(xs[i], ys[i])
            opt.step()
        curve.append(total / len(order))
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=100, help="epochs per optimizer")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per variant")
    args = parser.parse_args()
    here = str(Path(__file__).parent)
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    curves: dict[str, Any] = {}
    for _ in range(args.rounds):
        for name, variant in VARIANTS.items():
            code = (
                f"import sys, json; sys.path.insert(0, {here!r}); import bench_codegen as b; "
                f"print(json.dumps(b.train({variant!r}, {args.epochs})))"
            )
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            times[name].append(result["seconds"])
            curves.setdefault(name, result["curves"])
    first = next(iter(curves.values()))
    for name, c in curves.items():
        if c != first and VARIANTS[name] != "optimizer":
            raise SystemExit(f"the loss curves of '{name}' differ from the others")
    samples = 506 * args.epochs * len(OPTIMIZERS)
    compiled = statistics.median(times["compiled, rows as lists"])
    print(f"Python {sys.version.split()[0]}, tinygrad_lite {tl.__version__}")
    print(
        f"\n### Workflow 1: 506 rows x {args.epochs} epochs x 3 optimizers, one update per "
        f"sample (median of {args.rounds} processes; spread: their range)\n"
    )
    print("| variant | seconds | spread | microseconds per sample | compiled is faster by |")
    print("|---|---:|---:|---:|---:|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(
            f"| {name} | {med:.2f} | {min(ts):.2f}-{max(ts):.2f} | {med / samples * 1e6:.1f} | "
            f"{med / compiled:.1f}x |"
        )
    final = {name: round(c[-1], 5) for name, c in first.items()}
    print(f"\nThe three variants' loss curves are identical; final mean losses: {final}")
    update = statistics.median(times["the loop with the optimizer alone"])
    for name in list(VARIANTS)[:2]:
        eager = statistics.median(times[name])
        print(
            f"Without the updates (the same code in every variant), the gradients take "
            f"{(eager - update) / (compiled - update):.1f}x less time compiled than {name}."
        )


if __name__ == "__main__":
    main()
