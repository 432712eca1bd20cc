"""A five-minute tour: one graph checked three ways, one small network trained, one picture.

Run it with ``python -m tinygrad_lite.demo`` (or ``tinygrad-lite demo``). It prints

1. the nine-weight graph's values and its nine gradients from the engine, next to the
   hand-derived chain rule and central finite differences;
2. a scalar MLP(2, [16, 16, 1]) trained on two moons by plain gradient descent on a hinge
   loss, with the loss falling and the final training accuracy;
3. the picture of the nine-weight graph as SVG and PNG, saying which engine drew it: the
   Graphviz `dot` program, pygraphviz (the ``layout`` extra), or, with neither, the
   built-in layout (its PNG through an SVG rasteriser, skipped with the reason when there
   is none).

Exit codes: 0 when the three gradients agree and the network learns (training accuracy
at least 95%); 1 when either falls short, with the reason on stderr (too few ``--steps``
is the usual one); 2 for bad options or a picture folder that cannot be written.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from tinygrad_lite.autograd import no_grad
from tinygrad_lite.console import CANNOT_DRAW, quiet_broken_pipe, save_picture
from tinygrad_lite.data import make_moons
from tinygrad_lite.examples import (
    NineWeightGraph,
    default_nine_weight_point,
    nine_weight_gradients_by_hand,
    nine_weight_graph,
)
from tinygrad_lite.nn.scalar import MLP
from tinygrad_lite.value import Value

__all__ = ["central_differences", "main", "relative_difference", "train_moons"]

Printer = Callable[[str], None]

#: What the demo expects of itself: the engine within this of central differences, and
#: this training accuracy after the default number of steps.
AGREEMENT = 1e-6
TARGET_ACCURACY = 0.95


def _heading(text: str, out: Printer) -> None:
    out("")
    out(text)
    out("=" * len(text))


def _fmt_vector(values: Sequence[float]) -> str:
    return "(" + ", ".join(f"{v:g}" for v in values) + ")"


def relative_difference(a: float, b: float) -> float:
    """|a - b| relative to the larger magnitude (0 when both are 0)."""
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0.0 else abs(a - b) / scale


def central_differences(
    f: Callable[[list[float]], float], point: Sequence[float], step: float = 1e-6
) -> list[float]:
    """(f(p + h e_i) - f(p - h e_i)) / 2h for every coordinate i: the numerical gradient."""
    grads = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += step
        down[i] -= step
        grads.append((f(up) - f(down)) / (2.0 * step))
    return grads


def _loss_at(x: Sequence[float], y: float) -> Callable[[list[float]], float]:
    def loss(w: list[float]) -> float:
        with no_grad():
            return float(nine_weight_graph(x, y, w).loss.data)

    return loss


def show_nine_weight_graph(out: Printer, step: float = 1e-6) -> tuple[NineWeightGraph, float]:
    """Print part 1 of the demo; return the graph (with gradients filled in) and the
    largest relative difference between the engine and central differences."""
    x, y, w = default_nine_weight_point()
    _heading("1. The nine-weight graph: three ways to the same gradient", out)
    out(f"inputs  x = {_fmt_vector(x)}")
    out(f"target  y = {y:g}")
    out(f"weights w = {_fmt_vector(w)}")
    out("")
    out("t = w1*x1 + w2*x2;  part1 = exp(t*t + w6);  part2 = tanh(part1 + w7)")
    out("part3 = sigmoid(w8 + sin(w3*x3)*(w4*x4 + w5*x5));  y_hat = part3*w9 + part2")
    out("L = (y - y_hat)**2")

    graph = nine_weight_graph(x, y, w)
    graph.loss.backward()
    out("")
    out("Forward pass")
    for name, value in graph.named_values().items():
        out(f"  {name:<6} = {value:>14.10f}")

    engine = [float(p.grad) for p in graph.weights]
    by_hand = nine_weight_gradients_by_hand(x, y, w)
    numeric = central_differences(_loss_at(x, y), w, step)
    out("")
    out(f"Gradients dL/dw (central differences with step {step:g})")
    header = (
        f"  {'weight':<6}  {'engine':>15}  {'by hand':>15}  {'central diff':>15}  {'rel. diff':>9}"
    )
    out(header)
    out("  " + "-" * (len(header) - 2))
    worst = 0.0
    for i, (e, h, n) in enumerate(zip(engine, by_hand, numeric, strict=True)):
        rel = relative_difference(e, n)
        worst = max(worst, rel)
        out(f"  {'w' + str(i + 1):<6}  {e:>15.10f}  {h:>15.10f}  {n:>15.10f}  {rel:>9.1e}")
    hand_gap = max(relative_difference(e, h) for e, h in zip(engine, by_hand, strict=True))
    out("")
    out(f"largest relative difference, engine vs central differences: {worst:.1e}")
    out(f"largest relative difference, engine vs by hand:              {hand_gap:.1e}")
    return graph, max(worst, hand_gap)


def _hinge_loss(model: MLP, X: list[list[float]], signs: list[float], alpha: float) -> Value:
    """Mean hinge loss max(0, 1 - y*score) for labels y in {-1, +1}, plus alpha * |w|^2."""
    scores = [model(row) for row in X]
    margins = [(1.0 - s * score).relu() for s, score in zip(signs, scores, strict=True)]
    params = cast(list[Value], model.parameters())
    penalty = Value.sum([p * p for p in params])
    loss: Value = Value.sum(margins) * (1.0 / len(margins)) + alpha * penalty
    return loss


def accuracy(model: MLP, X: list[list[float]], labels: Sequence[int]) -> float:
    """Fraction of rows where the sign of the score matches the 0/1 label."""
    with no_grad():
        hits = sum(
            (model(row).data > 0.0) == (label == 1) for row, label in zip(X, labels, strict=True)
        )
    return float(hits) / len(labels)


def train_moons(
    steps: int = 100,
    n: int = 100,
    seed: int = 0,
    report_every: int = 10,
    out: Printer | None = None,
) -> tuple[MLP, list[float], float]:
    """Train MLP(2, [16, 16, 1]) on two moons by full-batch gradient descent on a hinge loss.

    The learning rate decays linearly from 1.0 to 0.1. Returns the model, the loss at
    every step, and the final training accuracy.
    """
    X_arr, y_arr = make_moons(n, noise=0.1, seed=seed)
    X = X_arr.tolist()
    labels = [int(v) for v in y_arr]
    signs = [1.0 if v == 1 else -1.0 for v in labels]
    model = MLP(2, [16, 16, 1], nonlin="relu", seed=seed + 1)
    params = model.parameters()
    history: list[float] = []
    for k in range(steps):
        loss = _hinge_loss(model, X, signs, alpha=1e-4)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / steps
        for p in params:
            p.data -= lr * p.grad
        history.append(float(loss.data))
        if out is not None and (k % report_every == 0 or k == steps - 1):
            out(f"  step {k:>4}   loss {loss.data:>9.5f}   learning rate {lr:.3f}")
    return model, history, accuracy(model, X, labels)


def show_training(out: Printer, steps: int, seed: int) -> float:
    """Print part 2 of the demo and return the final training accuracy."""
    _heading("2. A small network learns two moons", out)
    out(f"MLP(2, [16, 16, 1]) on Values, 100 points (seed {seed}), hinge loss + 1e-4 * |w|^2,")
    out(f"full-batch gradient descent for {steps} steps")
    out("")
    start = time.perf_counter()
    model, _, acc = train_moons(steps=steps, seed=seed, out=out)
    out("")
    out(f"parameters: {model.num_parameters()}   time: {time.perf_counter() - start:.1f} s")
    out(f"final training accuracy: {100.0 * acc:.1f}%")
    return acc


def _write_pictures(graph: NineWeightGraph, outdir: Path, out: Printer = print) -> list[Path]:
    """Draw the nine-weight graph into outdir/nine_weight.svg and .png; returns what was written.

    Each file says which engine drew it. Without Graphviz (neither `dot` nor pygraphviz)
    both come from the built-in layout, whose PNG needs an SVG rasteriser (see
    `tinygrad_lite.viz.output`); without one the PNG is skipped, with the reason.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for suffix in (".svg", ".png"):
        path = outdir / f"nine_weight{suffix}"
        try:
            engine = save_picture(graph.loss, path)
        except CANNOT_DRAW as exc:
            out(f"{path} skipped: {_first_line(exc)}; the .svg has the picture")
            continue
        except OSError as exc:  # the folder went away or filled up since it was checked
            out(f"{path} not written: {exc.strerror or exc}")
            return written
        written.append(path)
        out(f"wrote {path} (drawn by {engine})")
    return written


def _first_line(exc: Exception) -> str:
    """The first line of an error's message, for a one-line report."""
    return str(exc).strip().splitlines()[0].rstrip(".,:;")


def _unwritable(folder: Path) -> str | None:
    """Why pictures cannot be written into `folder` (made if missing), or None if they can.

    Tried for real (make the folder, create and remove a file in it) rather than asked of
    `os.access`, which says yes to root even where nothing can be written (/proc).
    """
    if folder.exists() and not folder.is_dir():
        return "it is a file, not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-lite demo",
        description="Check the nine-weight graph's gradients three ways, train a small MLP on "
        "two moons, draw the graph. Exit code 0 when all is as expected, 1 when the "
        f"gradients disagree or the training accuracy is below {TARGET_ACCURACY:.0%} "
        "(the reason is printed), 2 for bad options.",
    )
    parser.add_argument(
        "--steps", type=int, default=100, help="training steps (default: %(default)s)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="data and weight seed (default: %(default)s)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("out"), help="picture folder (default: %(default)s)"
    )
    parser.add_argument(
        "--no-pictures", action="store_true", help="do not draw the graph (default: draw it)"
    )
    return parser


def _shortfalls(gap: float, accuracy: float, steps: int) -> list[str]:
    """Why the demo did not show what it promises, one sentence each (empty when it did)."""
    why = []
    if gap > AGREEMENT:
        why.append(
            f"the engine's gradients differ from the others by {gap:.1e} "
            f"(more than the {AGREEMENT:g} expected)"
        )
    if accuracy < TARGET_ACCURACY:
        hint = "; try more --steps (the default is 100)" if steps < 100 else ""
        why.append(
            f"the training accuracy {accuracy:.1%} is below the {TARGET_ACCURACY:.0%} "
            f"the demo expects after {steps} steps{hint}"
        )
    return why


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit code.

    0 when the gradients agree and the network learns, 1 when either falls short (the
    reason goes to stderr), 2 for bad options or an unwritable picture folder. The folder
    is checked before the training starts, so a bad ``--out`` fails in a moment with a
    one-line message instead of after the work.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    if not args.no_pictures:
        why = _unwritable(args.out)
        if why is not None:
            print(
                f"{parser.prog}: error: cannot write pictures into {str(args.out)!r}: {why}",
                file=sys.stderr,
            )
            return 2

    start = time.perf_counter()
    graph, gap = show_nine_weight_graph(print)
    acc = show_training(print, args.steps, args.seed)
    _heading("3. The picture", print)
    if args.no_pictures:
        print("pictures skipped: --no-pictures")
    else:
        _write_pictures(graph, args.out)
    print("")
    print(f"demo finished in {time.perf_counter() - start:.1f} s")
    sys.stdout.flush()
    shortfalls = _shortfalls(gap, acc, args.steps)
    for why in shortfalls:
        print(f"{parser.prog}: {why} (exit code 1)", file=sys.stderr)
    return 1 if shortfalls else 0


if __name__ == "__main__":
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # python -m tinygrad_lite.demo | head
        quiet_broken_pipe()
        code = 141
    raise SystemExit(code)
