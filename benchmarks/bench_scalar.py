"""Scalar engine speed: a 2-16-16-1 MLP step against micrograd, and a 10**6-link chain.

Run with `make bench` or `python benchmarks/bench_scalar.py [--repeats N] [--micrograd-chain]`.
Prints Markdown tables (medians over repeats; ratios against peers measured in the same run).

The MLP step is what a micrograd user runs: forward over a batch of 64 points, squared
error summed over the batch, backward, and an SGD update, with relu hidden layers (micrograd
has no tanh). Every implementation starts from the same weights:

* tinygrad_lite eager, and compiled (`tl.compile`: the step's graph traced once, then
  generated straight-line code; its first call, which traces and compiles, is timed apart);
* micrograd as installed;
* the floor for pure Python: the same step written by hand on floats and lists, with
  C-level inner loops (`floor_step_fn`).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from operator import mul
from pathlib import Path
from typing import Any

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
    model = MLP(2, SIZES, nonlin="relu", seed=1)  # micrograd's MLP is relu
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


def compiled_step_fn(xs: list[list[float]], ys: list[float]) -> Callable[[], float]:
    """The tinygrad_lite step with the forward and backward compiled by `tl.compile`."""
    model = MLP(2, SIZES, seed=1)
    params = model.parameters()

    def batch_loss(xs: list[list[float]], ys: list[float]) -> tl.Value:
        return tl.Value.sum([(model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)])

    loss_of = tl.compile(batch_loss)

    def step() -> float:
        for p in params:
            p.grad = 0.0
        loss = loss_of(xs, ys)
        for p in params:
            p.data -= LR * p.grad
        return float(loss)

    return step


def floor_step_fn(
    xs: list[list[float]], ys: list[float], weights: list[float]
) -> Callable[[], float]:
    """The same step by hand on Python floats: the floor for a pure-Python implementation.

    Per layer, a list of weight rows (one per neuron) and a list of biases. The forward
    and the backward of the deltas run sample by sample; the weight gradients are then
    sums over the batch, one `sum(map(mul, ...))` (a C loop) per weight. Every inner loop
    is a `map`, `sum` or comprehension; the backward's columns are transposed once a step.
    """
    layers: list[tuple[list[list[float]], list[float]]] = []
    at = 0
    for n_in, n_out in zip([2, *SIZES], SIZES, strict=False):
        rows, biases = [], []
        for _ in range(n_out):
            rows.append(weights[at : at + n_in])
            biases.append(weights[at + n_in])
            at += n_in + 1
        layers.append((rows, biases))
    last = len(layers) - 1

    def step() -> float:
        columns = [[list(col) for col in zip(*W, strict=True)] for W, _ in layers]
        inputs: list[list[list[float]]] = [[] for _ in layers]  # per layer, per sample
        deltas: list[list[list[float]]] = [[] for _ in layers]
        total = 0.0
        for x, y in zip(xs, ys, strict=True):
            a = x
            for k, (W, B) in enumerate(layers):
                inputs[k].append(a)
                z = [b + sum(map(mul, w, a)) for w, b in zip(W, B, strict=True)]
                a = z if k == last else [v if v > 0.0 else 0.0 for v in z]
            diff = a[0] - y
            total += diff * diff
            d = [2.0 * diff]
            for k in range(last, -1, -1):
                deltas[k].append(d)
                if k:
                    back = [sum(map(mul, col, d)) for col in columns[k]]
                    d = [s if p > 0.0 else 0.0 for s, p in zip(back, inputs[k][-1], strict=True)]
        for (W, B), ins, ds in zip(layers, inputs, deltas, strict=True):
            by_input = list(zip(*ins, strict=True))  # one tuple over the batch per input
            for j, d_j in enumerate(zip(*ds, strict=True)):  # neuron j's deltas over the batch
                W[j] = [w - LR * sum(map(mul, d_j, p)) for w, p in zip(W[j], by_input, strict=True)]
                B[j] -= LR * sum(d_j)
        return total

    return step


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


MLP_CONFIGS = [
    ("tinygrad_lite", "tinygrad_lite", True),
    ("micrograd (as installed)", "micrograd", True),
    ("micrograd, gc disabled", "micrograd", False),
    ("tinygrad_lite, gc disabled", "tinygrad_lite", False),
    ("tinygrad_lite compiled", "compiled", True),
    ("hand-written floats (the floor)", "floor", True),
]


def mlp_run(engine: str, gc_on: bool, repeats: int) -> dict[str, Any]:
    """Median seconds per step of one engine, in this process (see `bench_mlp`); for the
    compiled step also the seconds of its first call (trace, write, compile, run)."""
    xs, ys = make_batch()
    step, weights = tl_step_fn(xs, ys)
    first_call = None
    theirs: Callable[[], float] | None = None
    if engine == "micrograd":
        theirs = micrograd_step_fn(xs, ys, weights)
    elif engine == "floor":
        theirs = floor_step_fn(xs, ys, weights)
    elif engine == "compiled":
        theirs = compiled_step_fn(xs, ys)
        start = time.perf_counter()
        theirs()
        first_call = time.perf_counter() - start
        step()  # compiled_step_fn starts from the same weights: keep the two in step
    warm_up = 1
    if engine in ("compiled", "floor"):
        # CPython specialises a function's bytecode after its first few calls: time the
        # steady state, as for every engine (the others' steps take long enough).
        warm_up = 10
    if theirs is not None:
        # Every implementation must compute the same thing: compare two steps' losses.
        for _ in range(2):
            a, b = step(), theirs()
            assert abs(a - b) <= 1e-9 * max(1.0, abs(a)), f"losses differ: {a} vs {b}"
        step = theirs
    if not gc_on:
        gc.disable()
    for _ in range(warm_up - 1):
        step()
    return {"step": median_time(step, repeats), "first_call": first_call}


def bench_mlp(repeats: int, rounds: int) -> None:
    """Each engine and collector setting runs in its own fresh interpreter, in turns.

    A fresh process per measurement keeps one engine's garbage (micrograd leaves reference
    cycles behind) out of the other's collector, and turns spread machine drift evenly.
    """
    have_micrograd = importlib.util.find_spec("micrograd") is not None
    configs = [c for c in MLP_CONFIGS if have_micrograd or c[1] != "micrograd"]
    times: dict[str, list[float]] = {name: [] for name, _, _ in configs}
    first_calls: list[float] = []
    for _ in range(rounds):
        for name, engine, gc_on in configs:
            code = (
                f"import sys, json; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                f"import bench_scalar as b; "
                f"print(json.dumps(b.mlp_run({engine!r}, {gc_on}, {repeats})))"
            )
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            times[name].append(result["step"])
            if result["first_call"] is not None:
                first_calls.append(result["first_call"])
    med = {name: statistics.median(ts) for name, ts in times.items()}
    ours = med["tinygrad_lite"]
    micro = med.get("micrograd (as installed)")
    print(
        f"\n### Scalar MLP 2-16-16-1, batch {BATCH}, one SGD step "
        f"(median of {rounds} processes x {repeats} steps; spread: the processes' range)\n"
    )
    print("| engine | seconds per step | spread | ratio to tinygrad_lite | micrograd / it |")
    print("|---|---:|---:|---:|---:|")
    for name, ts in times.items():
        speedup = f"{micro / med[name]:.1f}x" if micro else ""
        print(
            f"| {name} | {med[name]:.4f} | {min(ts):.4f}-{max(ts):.4f} | "
            f"{med[name] / ours:.3f}x | {speedup} |"
        )
    compiled, floor = med["tinygrad_lite compiled"], med["hand-written floats (the floor)"]
    first = statistics.median(first_calls)
    print(
        f"\nCompiled against the floor: {compiled / floor:.2f}x its time. First call of the "
        f"compiled step (trace, write, compile, run): {first:.2f} s (spread "
        f"{min(first_calls):.2f}-{max(first_calls):.2f}); it pays for itself after "
        f"{first / (ours - compiled):.0f} steps of the eager engine's time."
    )
    if not have_micrograd:
        print("\n(micrograd is not installed: `pip install micrograd` to compare.)")


CHAIN_CODE = """
import gc, json, resource, sys, time
sys.setrecursionlimit(10**7)
n = int(sys.argv[1]); engine = sys.argv[2]
if sys.argv[3] == "no-gc":
    gc.disable()
if engine == "tinygrad_lite":
    from tinygrad_lite import Value
else:
    from micrograd.engine import Value

def rss():  # resident set size now, in bytes (Linux)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

x = y = Value(1.0)
base = rss()
start = time.perf_counter()
for _ in range(n):
    y = y * 1.0001 + 0.0001
built = time.perf_counter()
graph = rss() - base
y.backward()
done = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
print(json.dumps({"build": built - start, "backward": done - built, "grad": x.grad,
                  "graph_bytes_per_link": graph / n, "peak_bytes_per_link": peak / n}))
"""


def run_chain(n: int, engine: str, gc_on: bool = True) -> dict[str, float] | None:
    """Build and differentiate the chain in a fresh interpreter, so runs do not share a heap.

    Memory is the growth of the process's resident set: what the graph really costs,
    allocator overhead included, without slowing the run down the way tracing would.
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
        [sys.executable, "-c", code, str(n), engine, "gc" if gc_on else "no-gc"],
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
    print("Median of the runs, each in a fresh interpreter. Memory: growth of the resident")
    print("set while the graph is built, and at the peak of backward, per link.\n")
    print("| engine | runs | build s | backward s | total s | graph bytes/link | peak bytes/link |")
    print("|---|---:|---:|---:|---:|---:|---:|")

    def row(name: str, engine: str, times: int, gc_on: bool = True) -> None:
        runs = [r for r in (run_chain(n, engine, gc_on) for _ in range(times)) if r]
        if not runs:
            return

        def med(key: str) -> float:
            return statistics.median(r[key] for r in runs)

        build, back = med("build"), med("backward")
        print(
            f"| {name} | {len(runs)} | {build:.2f} | {back:.2f} | {build + back:.2f} | "
            f"{med('graph_bytes_per_link'):.0f} | {med('peak_bytes_per_link'):.0f} |"
        )

    row("tinygrad_lite", "tinygrad_lite", repeats)
    row("tinygrad_lite, gc disabled while building", "tinygrad_lite", repeats, gc_on=False)
    if with_micrograd:
        row("micrograd (recursion limit raised)", "micrograd", 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="steps timed per process")
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per engine")
    parser.add_argument("--chain", type=int, default=1_000_000, help="links in the deep chain")
    parser.add_argument(
        "--micrograd-chain", action="store_true", help="also run the chain on micrograd (slow)"
    )
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, tinygrad_lite {tl.__version__}")
    bench_mlp(args.repeats, args.rounds)
    bench_chain(args.chain, 3, args.micrograd_chain)


if __name__ == "__main__":
    main()
