"""Scalar engine speed: a 2-16-16-1 MLP step against micrograd, and a 10**6-link chain.

Run with `make bench` or `python benchmarks/bench_scalar.py [--repeats N] [--micrograd-chain]`.
Prints Markdown tables (medians over repeats; ratios against peers measured in the same run).

The MLP step is what a micrograd user runs: forward over a batch of 64 points, squared
error summed over the batch, backward, and an SGD update, with relu hidden layers (micrograd
has no tanh). Both libraries start from the same weights.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import tinygrad_lite as tl
from tinygrad_lite.nn import MLP

BATCH = 64
SIZES = [16, 16, 1]
LR = 0.01


def make_batch(seed: int = 0) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(BATCH)]
    ys = [1.0 if x[0] * x[1] > 0 else -1.0 for x in xs]
    return xs, ys


def tl_step_fn(xs: list[list[float]], ys: list[float]) -> tuple[Callable[[], float], list[float]]:
    model = MLP(2, SIZES, seed=1)
    params = model.parameters()

    def step() -> float:
        losses = [(model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)]
        loss = tl.Value.sum(losses)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return float(loss.data)

    return step, [p.data for p in params]


def micrograd_step_fn(
    xs: list[list[float]], ys: list[float], weights: list[float]
) -> Callable[[], float] | None:
    try:
        from micrograd.nn import MLP as MicroMLP
    except ImportError:
        return None
    model = MicroMLP(2, SIZES)
    params = model.parameters()
    for p, w in zip(params, weights, strict=True):  # same start as tinygrad_lite
        p.data = w

    def step() -> float:
        losses = [(model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)]
        loss = sum(losses)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return float(loss.data)

    return step


def median_time(fn: Callable[[], float], repeats: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_mlp(repeats: int) -> None:
    xs, ys = make_batch()
    tl_step, weights = tl_step_fn(xs, ys)
    mg_step = micrograd_step_fn(xs, ys, weights)
    # The two libraries must compute the same thing: compare the first losses.
    if mg_step is not None:
        a, b = tl_step_fn(xs, ys)[0](), mg_step()
        assert abs(a - b) <= 1e-9 * max(1.0, abs(a)), f"losses differ: {a} vs {b}"
        mg_step = micrograd_step_fn(xs, ys, weights)

    rows: list[tuple[str, float]] = [("tinygrad_lite", median_time(tl_step, repeats))]
    if mg_step is not None:
        rows.append(("micrograd (as installed)", median_time(mg_step, repeats)))
        gc.disable()
        try:
            rows.append(("micrograd, gc disabled", median_time(mg_step, repeats)))
            rows.append(("tinygrad_lite, gc disabled", median_time(tl_step, repeats)))
        finally:
            gc.enable()
    ours = rows[0][1]
    print(f"\n### Scalar MLP 2-16-16-1, batch {BATCH}, one SGD step (median of {repeats})\n")
    print("| engine | seconds per step | ratio to tinygrad_lite |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.4f} | {seconds / ours:.2f}x |")
    if mg_step is None:
        print("\n(micrograd is not installed: `pip install micrograd` to compare.)")


CHAIN_CODE = """
import json, sys, time, tracemalloc
sys.setrecursionlimit(10**7)
n = int(sys.argv[1]); engine = sys.argv[2]; measure_memory = sys.argv[3] == "memory"
if engine == "tinygrad_lite":
    from tinygrad_lite import Value
else:
    from micrograd.engine import Value
if measure_memory:
    tracemalloc.start()
start = time.perf_counter()
y = Value(1.0)
for _ in range(n):
    y = y * 1.0001 + 0.0001
built = time.perf_counter()
graph_bytes = tracemalloc.get_traced_memory()[0] if measure_memory else 0
y.backward()
done = time.perf_counter()
peak = tracemalloc.get_traced_memory()[1] if measure_memory else 0
print(json.dumps({"build": built - start, "backward": done - built,
                  "graph_bytes_per_link": graph_bytes / n, "peak_bytes_per_link": peak / n}))
"""


def run_chain(n: int, engine: str, memory: bool = False) -> dict[str, float] | None:
    """Build and differentiate the chain in a fresh interpreter; with `memory`, trace the heap.

    Timing and memory are separate runs because tracing every allocation slows the build.
    """
    code = CHAIN_CODE
    if engine == "micrograd":
        # micrograd's recursive topological sort needs a deep C stack as well.
        code = (
            "import threading; threading.stack_size(1 << 29)\n"
            "def _main():\n"
            + "".join(f"    {line}\n" for line in CHAIN_CODE.splitlines())
            + "t = threading.Thread(target=_main); t.start(); t.join()\n"
        )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(n), engine, "memory" if memory else "time"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(f"({engine} chain failed: {proc.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def bench_chain(n: int, repeats: int, with_micrograd: bool) -> None:
    print(f"\n### Deep chain `y = y*1.0001 + 0.0001`, {n:,} links\n")
    print("Times: median of the timing runs. Memory: Python heap traced by tracemalloc in a")
    print("separate run (the graph alone, and the peak during backward).\n")
    print("| engine | build s | backward s | total s | graph bytes/link | peak bytes/link |")
    print("|---|---:|---:|---:|---:|---:|")

    def row(name: str, engine: str, times: int) -> None:
        runs = [r for r in (run_chain(n, engine) for _ in range(times)) if r]
        mem = run_chain(n, engine, memory=True)
        if not runs or mem is None:
            return
        build = statistics.median(r["build"] for r in runs)
        back = statistics.median(r["backward"] for r in runs)
        print(
            f"| {name} | {build:.2f} | {back:.2f} | {build + back:.2f} | "
            f"{mem['graph_bytes_per_link']:.0f} | {mem['peak_bytes_per_link']:.0f} |"
        )

    row("tinygrad_lite", "tinygrad_lite", repeats)
    if with_micrograd:
        row("micrograd (recursion limit raised)", "micrograd", 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--chain", type=int, default=1_000_000, help="links in the deep chain")
    parser.add_argument(
        "--micrograd-chain", action="store_true", help="also run the chain on micrograd (slow)"
    )
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, tinygrad_lite {tl.__version__}")
    bench_mlp(args.repeats)
    bench_chain(args.chain, 3, args.micrograd_chain)


if __name__ == "__main__":
    main()
