"""Tensor engine speed: one training step of an MLP against hand-written numpy and peers.

Run with `make bench` or `python benchmarks/bench_tensor.py [--repeats N] [--threads N]`;
`--phases STEPS` times tinygrad_lite's forward, backward and update apart instead.

A step is: forward, softmax cross-entropy (or squared error for the 1-output net),
backward, and a plain SGD update. The same weights and batch go to every implementation:

* **numpy floor**: a careful hand-written forward/backward in numpy, the fastest any
  numpy-based engine can hope to be (it runs the same matrix products);
* **tinygrad_lite**: `Sequential` of `Linear` + `ReLU`, `F.cross_entropy`, `optim.SGD`;
* **tinygrad_lite compiled**: the same, with the loss function compiled by `tl.compile`
  (the graph traced once, then generated numpy code; `optim.SGD` as before);
* **PyTorch CPU** (if installed), with `torch.set_num_threads` set to numpy's BLAS threads;
* **mygrad** and **HIPS autograd** (if installed).

Implementations are timed in turns (a block of steps each, ten rounds) so that drift in
machine speed hits them alike, in several fresh interpreters (`--processes`); the table
reports medians, ratios to the floor, and the range of the ratio over the processes.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_lite as tl
import tinygrad_lite.nn.functional as F
from tinygrad_lite.nn import Linear, ReLU, Sequential
from tinygrad_lite.optim import SGD
from tinygrad_lite.tensor import Tensor

LR = 0.01
Step = Callable[[], float]
Weights = list[tuple[np.ndarray, np.ndarray]]


def blas_threads() -> int:
    """How many threads numpy's BLAS uses (threadpoolctl if present, else the CPU count)."""
    try:
        from threadpoolctl import threadpool_info

        counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
        if counts:
            return int(max(counts))
    except ImportError:
        pass
    return os.cpu_count() or 1


def make_problem(sizes: list[int], batch: int, seed: int = 0) -> tuple[Weights, Any, Any]:
    rng = np.random.default_rng(seed)
    weights = [
        (rng.normal(0, (2.0 / a) ** 0.5, size=(a, b)), np.zeros(b))
        for a, b in itertools.pairwise(sizes)
    ]
    X = rng.standard_normal((batch, sizes[0]))
    y = rng.integers(0, sizes[-1], size=batch) if sizes[-1] > 1 else rng.standard_normal(batch)
    return weights, X, y


# --- the numpy floor --------------------------------------------------------------------


def numpy_step(weights: Weights, X: np.ndarray, y: np.ndarray) -> Step:
    params = [(W.copy(), b.copy()) for W, b in weights]
    n = X.shape[0]
    classify = params[-1][0].shape[1] > 1
    rows = np.arange(n)

    def step() -> float:
        acts, zs = [X], []
        a = X
        for i, (W, b) in enumerate(params):
            z = a @ W
            z += b
            zs.append(z)
            a = np.maximum(z, 0.0) if i < len(params) - 1 else z
            acts.append(a)
        if classify:
            shifted = a - a.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            s = e.sum(axis=1, keepdims=True)
            loss = float(np.log(s[:, 0]).mean() - shifted[rows, y].mean())
            d = e / s
            d[rows, y] -= 1.0
            d /= n
        else:
            diff = a[:, 0] - y
            loss = float(diff @ diff)
            d = 2.0 * diff[:, None]
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            dW = acts[i].T @ d
            db = d.sum(axis=0)
            if i > 0:
                d = d @ W.T
                d *= zs[i - 1] > 0
            W -= LR * dW
            b -= LR * db
        return loss

    return step


# --- tinygrad_lite ----------------------------------------------------------------------


def tl_model(weights: Weights) -> Sequential:
    """The network as `Sequential` of `Linear` and `ReLU`, holding `weights`."""
    layers: list[Any] = []
    for i, (W, b) in enumerate(weights):
        lin = Linear(*W.shape)
        lin.weight.data[...] = W
        assert lin.bias is not None
        lin.bias.data[...] = b
        layers.append(lin)
        if i < len(weights) - 1:
            layers.append(ReLU())
    return Sequential(*layers)


def tl_parts(weights: Weights, X: np.ndarray, y: np.ndarray) -> tuple[Step, Step, Step]:
    """tinygrad_lite's step in three phases: forward with the loss, backward, update."""
    model = tl_model(weights)
    opt = SGD(model.parameters(), lr=LR)
    xt = Tensor(X)
    classify = weights[-1][0].shape[1] > 1
    target = y if classify else Tensor(y[:, None])
    losses: list[Tensor] = []

    def forward() -> float:
        out = model(xt)
        loss = F.cross_entropy(out, target) if classify else F.mse_loss(out, target, "sum")
        losses[:] = [loss]
        return 0.0

    def backward() -> float:
        opt.zero_grad()
        losses[0].backward()
        return 0.0

    def update() -> float:
        opt.step()
        return float(losses.pop().item())

    return forward, backward, update


def tl_step(weights: Weights, X: np.ndarray, y: np.ndarray) -> Step:
    forward, backward, update = tl_parts(weights, X, y)

    def step() -> float:
        forward()
        backward()
        return update()

    return step


def tl_compiled_step(weights: Weights, X: np.ndarray, y: np.ndarray) -> Step:
    """tinygrad_lite's step with the loss function compiled (traced on the first call)."""
    model = tl_model(weights)
    opt = SGD(model.parameters(), lr=LR)
    classify = weights[-1][0].shape[1] > 1
    target = y if classify else y[:, None]

    def loss_fn(X: np.ndarray, target: np.ndarray) -> Tensor:
        out = model(Tensor(X))
        return F.cross_entropy(out, target) if classify else F.mse_loss(out, target, "sum")

    loss_of = tl.compile(loss_fn)

    def step() -> float:
        opt.zero_grad()
        loss = loss_of(X, target)
        opt.step()
        return float(loss)

    return step


def phases(title: str, weights: Weights, X: np.ndarray, y: np.ndarray, steps: int) -> None:
    """tinygrad_lite's forward, backward and update timed apart, the floor's whole step in
    turns with them; 10th percentiles (steady on a shared machine) and medians."""
    parts = dict(zip(("forward", "backward", "update"), tl_parts(weights, X, y), strict=True))
    floor = numpy_step(weights, X, y)
    times: dict[str, list[float]] = {name: [] for name in [*parts, "numpy floor"]}
    clock = time.perf_counter
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(20):
            for _ in range(steps // 20):
                for name, part in parts.items():
                    t0 = clock()
                    part()
                    times[name].append(clock() - t0)
            for _ in range(steps // 20):
                t0 = clock()
                floor()
                times["numpy floor"].append(clock() - t0)
    finally:
        if gc_was_enabled:
            gc.enable()

    def p10(ts: list[float]) -> float:
        return sorted(ts)[len(ts) // 10]

    for label, stat in (("10th percentile", p10), ("median", statistics.median)):
        ours = {name: stat(times[name]) * 1e6 for name in parts}
        whole = stat(times["numpy floor"]) * 1e6
        total = sum(ours.values())
        split = ", ".join(f"{name} {t:.1f}" for name, t in ours.items())
        print(f"| {title} | {label} | {split} | {total:.1f} | {whole:.1f} | {total / whole:.2f}x |")


# --- peers ------------------------------------------------------------------------------


def torch_step(weights: Weights, X: np.ndarray, y: np.ndarray, threads: int) -> Step | None:
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        return None
    torch.set_num_threads(threads)
    layers: list[Any] = []
    for i, (W, b) in enumerate(weights):
        lin = torch.nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt = torch.from_numpy(X)
    classify = weights[-1][0].shape[1] > 1
    yt = torch.from_numpy(y if classify else y[:, None])

    def step() -> float:
        out = model(xt)
        loss = torch.nn.functional.cross_entropy(out, yt) if classify else ((out - yt) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.item())

    return step


def mygrad_step(weights: Weights, X: np.ndarray, y: np.ndarray) -> Step | None:
    try:
        mg = importlib.import_module("mygrad")
        losses = importlib.import_module("mygrad.nnet.losses")
    except ImportError:
        return None
    params = [(mg.tensor(W.copy()), mg.tensor(b.copy())) for W, b in weights]
    classify = weights[-1][0].shape[1] > 1

    def step() -> float:
        a = X
        for i, (W, b) in enumerate(params):
            a = mg.matmul(a, W) + b
            if i < len(params) - 1:
                a = mg.maximum(a, 0.0)
        loss = losses.softmax_crossentropy(a, y) if classify else mg.sum((a[:, 0] - y) ** 2)
        loss.backward()
        for W, b in params:
            W.data -= LR * W.grad
            b.data -= LR * b.grad
        return float(loss.item())

    return step


def autograd_step(weights: Weights, X: np.ndarray, y: np.ndarray) -> Step | None:
    try:
        agnp = importlib.import_module("autograd.numpy")
        grad = importlib.import_module("autograd").grad
    except ImportError:
        return None
    params = [(W.copy(), b.copy()) for W, b in weights]
    classify = weights[-1][0].shape[1] > 1
    rows = np.arange(X.shape[0])

    def loss_fn(ps: Any) -> Any:
        a = X
        for i, (W, b) in enumerate(ps):
            a = agnp.dot(a, W) + b
            if i < len(ps) - 1:
                a = agnp.maximum(a, 0.0)
        if classify:
            shifted = a - agnp.max(a, axis=1, keepdims=True)
            logp = shifted - agnp.log(agnp.sum(agnp.exp(shifted), axis=1, keepdims=True))
            return -agnp.mean(logp[rows, y])
        return agnp.sum((a[:, 0] - y) ** 2)

    loss_grad = grad(loss_fn)

    def step() -> float:
        grads = loss_grad(params)
        for (W, b), (dW, db) in zip(params, grads, strict=True):
            W -= LR * dW
            b -= LR * db
        return 0.0

    return step


# --- timing -----------------------------------------------------------------------------


def measure(
    steps: dict[str, Step], repeats: int, blocks: int = 10
) -> dict[str, tuple[float, float]]:
    """Median and 10th-percentile step time of each implementation.

    Implementations run in turns of `repeats / blocks` consecutive steps (the first two
    of each turn are not counted): numpy's BLAS and PyTorch keep separate thread pools,
    and alternating single steps makes each pay for waking the other's threads.
    """
    per_block = max(3, repeats // blocks) + 2
    times: dict[str, list[float]] = {name: [] for name in steps}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(blocks):
            for name, step in steps.items():
                for i in range(per_block):
                    t0 = time.perf_counter()
                    step()
                    if i >= 2:
                        times[name].append(time.perf_counter() - t0)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: (statistics.median(ts), sorted(ts)[len(ts) // 10]) for name, ts in times.items()}


def check_agreement(weights: Weights, X: np.ndarray, y: np.ndarray) -> None:
    """The floor and tinygrad_lite must compute the same losses, or the race is meaningless."""
    a, b, c = numpy_step(weights, X, y), tl_step(weights, X, y), tl_compiled_step(weights, X, y)
    for _ in range(3):
        la, lb, lc = a(), b(), c()
        if not np.isclose(la, lb, rtol=1e-9, atol=1e-12):
            raise SystemExit(f"tinygrad_lite loss {lb} differs from the numpy floor {la}")
        if lc != lb:
            raise SystemExit(f"the compiled loss {lc} differs from the eager one {lb}")


#: (title, layer sizes, batch, default steps, target for tinygrad_lite, for compiled)
CASES = [
    ("784-256-128-64-10, batch 64", [784, 256, 128, 64, 10], 64, 300, 1.10, 1.03),
    ("784-256-128-64-10, batch 512", [784, 256, 128, 64, 10], 512, 60, 1.05, None),
    ("2-16-16-1, batch 32", [2, 16, 16, 1], 32, 3000, 2.5, 1.3),
]


def run_cases(threads: int, repeats: int) -> dict[str, dict[str, tuple[float, float]]]:
    """(median, 10th percentile) step time of every implementation in every case."""
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for title, sizes, batch, default_repeats, _, _ in CASES:
        weights, X, y = make_problem(sizes, batch)
        check_agreement(weights, X, y)
        candidates: dict[str, Step | None] = {
            "numpy floor": numpy_step(weights, X, y),
            "tinygrad_lite": tl_step(weights, X, y),
            "tinygrad_lite compiled": tl_compiled_step(weights, X, y),
            "PyTorch CPU": torch_step(weights, X, y, threads),
            "mygrad": mygrad_step(weights, X, y),
            "HIPS autograd": autograd_step(weights, X, y),
        }
        steps = {name: s for name, s in candidates.items() if s is not None}
        results[title] = measure(steps, repeats or default_repeats)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=0, help="steps per case (0: automatic)")
    parser.add_argument(
        "--threads", type=int, default=0, help="limit BLAS and torch to N threads (0: as is)"
    )
    parser.add_argument(
        "--processes", type=int, default=3, help="fresh interpreters, each timing every case"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--phases",
        type=int,
        default=0,
        metavar="STEPS",
        help="instead: time tinygrad_lite's forward, backward and update apart, STEPS steps",
    )
    args = parser.parse_args()
    if args.threads:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            raise SystemExit("--threads needs threadpoolctl (pip install threadpoolctl)") from None
        threadpool_limits(args.threads)
    threads = args.threads or blas_threads()
    if args.child:
        print(json.dumps(run_cases(threads, args.repeats)))
        return
    print(f"numpy {np.__version__}, BLAS threads {threads} (torch.set_num_threads({threads}))")
    print()
    if args.phases:
        print("| case | statistic | tinygrad_lite phases (us) | sum | numpy floor step | ratio |")
        print("|---|---|---|---:|---:|---:|")
        for title, sizes, batch, _, _, _ in CASES:
            weights, X, y = make_problem(sizes, batch)
            check_agreement(weights, X, y)
            phases(title, weights, X, y, args.phases)
        return
    runs = []
    for _ in range(args.processes):
        command = [sys.executable, __file__, "--child", "--repeats", str(args.repeats)]
        if args.threads:
            command += ["--threads", str(args.threads)]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        f"Median of {args.processes} processes. In each, the steps of every implementation "
        "run in blocks taken in turns; a process gives each one's median step and its 10th "
        "percentile (steadier on a shared machine). Ratios are to the floor of the same "
        "process; spread: the processes' range of the median ratio.\n"
    )
    print(
        "| case | implementation | median step | ratio to numpy floor | spread "
        "| ratio by 10th percentiles | target |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for title, _, _, _, target, compiled_target in CASES:
        ratios: dict[str, list[float]] = {}
        low: dict[str, list[float]] = {}
        times: dict[str, list[float]] = {}
        for run in runs:
            floor_median, floor_p10 = run[title]["numpy floor"]
            for name, (median, p10) in run[title].items():
                times.setdefault(name, []).append(median)
                ratios.setdefault(name, []).append(median / floor_median)
                low.setdefault(name, []).append(p10 / floor_p10)
        for name, ts in times.items():
            goal = {"tinygrad_lite": target, "tinygrad_lite compiled": compiled_target}.get(name)
            r = ratios[name]
            print(
                f"| {title} | {name} | {statistics.median(ts) * 1e3:.3f} ms | "
                f"{statistics.median(r):.2f}x | {min(r):.2f}-{max(r):.2f}x | "
                f"{statistics.median(low[name]):.2f}x | {f'<= {goal:.2f}x' if goal else ''} |"
            )
        missing = [n for n in ("PyTorch CPU", "mygrad", "HIPS autograd") if n not in times]
        if missing:
            print(f"| {title} | not installed: {', '.join(missing)} | | | | | |")


if __name__ == "__main__":
    main()
