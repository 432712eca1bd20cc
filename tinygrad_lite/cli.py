"""The `tinygrad-lite` command: draw, check and explain a formula; run the demo; train.

Formulas come from the command line, so they are parsed into a small whitelist
(`tinygrad_lite.expr`) and never executed as Python. Any bad input (a formula that is not
allowed, a missing or unknown variable, a bad number, an output path that cannot be
written) ends with one line on stderr and exit code 2; a failed gradient check, or a
picture format no installed engine can draw, exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tinygrad_lite import __version__
from tinygrad_lite.autograd import no_grad, toposort
from tinygrad_lite.console import CANNOT_DRAW, quiet_broken_pipe, save_picture
from tinygrad_lite.errors import DomainError
from tinygrad_lite.expr import (
    FUNCTIONS,
    evaluate,
    names,
    parse,
    parse_assignments,
)
from tinygrad_lite.value import Value
from tinygrad_lite.viz.output import picture_format

__all__ = ["main"]

PROG = "tinygrad-lite"


class UsageError(Exception):
    """Bad input from the command line: reported on stderr with exit code 2."""


class Failure(Exception):
    """The command could not do its job for another reason: exit code 1."""


# ----------------------------------------------------------------------------------
# Shared pieces
# ----------------------------------------------------------------------------------


def _variables(text: str, assignments: Sequence[str]) -> tuple[Any, dict[str, float]]:
    """The checked formula and its variable values; every used name must be set, and only those."""
    tree = parse(text)
    values = parse_assignments(list(assignments))
    used = names(tree)
    missing = [n for n in used if n not in values]
    if missing:
        raise UsageError(f"no value given for {', '.join(missing)} (use --set NAME=NUMBER)")
    unknown = [n for n in values if n not in used]
    if unknown:
        raise UsageError(f"{', '.join(unknown)} not used in the formula {text!r:.80}")
    if not used:
        raise UsageError("the formula has no variables: nothing to differentiate")
    return tree, values


def _build(
    tree: Any, values: dict[str, float], inputs: Sequence[str] = ()
) -> tuple[Value, dict[str, Value]]:
    """The graph of the formula; variables named in `inputs` are data (no gradient)."""
    unknown = [n for n in inputs if n not in values]
    if unknown:
        raise UsageError(
            f"--inputs {', '.join(unknown)}: not a variable of the formula ({', '.join(values)})"
        )
    if values and all(n in inputs for n in values):
        raise UsageError(
            "every variable is in --inputs, so there is nothing to differentiate; "
            "leave the weights out of --inputs"
        )
    leaves = {
        name: Value(x, label=name, requires_grad=name not in inputs) for name, x in values.items()
    }
    out = evaluate(tree, leaves)
    if not out.requires_grad:
        raise UsageError("the formula does not depend on any variable")
    if out in leaves.values():
        raise UsageError("the formula is a single variable: there is no operation to show")
    out.label = out.label or "out"
    return out, leaves


def _check_gradients(out: Value) -> None:
    """Refuse (exit 2) a backward pass that overflowed: name the first node with an inf grad."""
    for node in reversed(toposort(out)):  # from the output down: the first overflow
        g = node.grad
        if node.requires_grad and not math.isfinite(float(g.data if isinstance(g, Value) else g)):
            name = node.label or (f"the result of {node.op.name}" if node.op else "a leaf")
            raise UsageError(f"the gradient of {name} is {g}: it overflows float64 at these values")


def _output_path(path: str) -> tuple[Path, str]:
    """Check an output path before any work is done: known suffix, writable folder."""
    if not path.strip():
        raise UsageError(
            "-o/--output is empty: give a file name such as graph.svg, "
            "or leave out -o to print the DOT source"
        )
    p = Path(path)
    try:
        fmt = picture_format(p)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {path!r}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UsageError(f"cannot write {path!r}: permission denied")
    if p.is_dir():
        raise UsageError(f"cannot write {path!r}: it is a folder")
    return p, fmt


# ----------------------------------------------------------------------------------
# Subcommands
# ----------------------------------------------------------------------------------


def cmd_draw(args: argparse.Namespace) -> int:
    from tinygrad_lite import viz

    target = _output_path(args.output) if args.output is not None else None
    tree, values = _variables(args.expr, args.set)
    out, leaves = _build(tree, values, inputs=args.inputs)
    if args.backward or args.check:  # a check compares against the gradients: compute them
        out.backward()
        _check_gradients(out)
    options: dict[str, Any] = {
        "rankdir": args.rankdir,
        "show_grad": args.backward or args.check,
        "edge_labels": args.edge_labels,
        "legend": args.legend,
        "check": args.check,
        "title": args.title or "",
        "depth": args.depth,
        # every variable not in --inputs is a parameter, whatever its name
        "roles": {leaf: "parameter" for leaf in leaves.values() if leaf.requires_grad},
        "style": _style(args),
    }
    if args.highlight is not None:
        if args.highlight not in leaves:
            raise UsageError(
                f"--highlight {args.highlight!r} is not a variable of the formula "
                f"({', '.join(leaves)})"
            )
        options["highlight"] = leaves[args.highlight]
    if target is None:
        sys.stdout.write(viz.draw_dot(out, **options).source)
        return 0
    path, _ = target
    try:
        engine = save_picture(out, path, **options)
    except CANNOT_DRAW as exc:
        raise Failure(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
    print(f"wrote {path} (drawn by {engine})")
    return 0


def _style(args: argparse.Namespace) -> Any:
    """The picture's `Style` from --digits, --size and --dpi."""
    from tinygrad_lite.viz.style import Style, parse_size

    dpi = 96.0 if args.dpi is None else args.dpi
    try:
        size, aspect = (None, None) if args.size is None else parse_size(args.size, dpi)
        return Style(digits=args.digits, size=size, aspect=aspect, dpi=dpi)
    except ValueError as exc:
        raise UsageError(f"--size/--digits/--dpi: {exc}") from None


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from tinygrad_lite.gradcheck import gradcheck

    tree, values = _variables(args.expr, args.set)
    order = list(values)

    def f(*nodes: Value) -> Value:
        return evaluate(tree, dict(zip(order, nodes, strict=True)))

    inputs = [Value(values[n], label=n) for n in order]
    report = gradcheck(f, inputs, eps=args.eps, atol=args.atol, rtol=args.rtol)
    print(report)
    for name, row in zip(order, report.rows, strict=True):
        if not row.ok:
            note = _kink_note(tree, values, name, row.analytic, row.numeric, args.eps)
            if note is not None:
                print(note)
    return 0 if report.passed else 1


def _kink_note(
    tree: Any, values: dict[str, float], name: str, analytic: float, numeric: float, eps: float
) -> str | None:
    """Why a check failed, when the formula has a kink (a corner) at the point: else None.

    At a kink the slopes on the two sides differ. The derivative there is whatever the
    rule picks (relu and abs pick 0, as PyTorch does), while a central difference steps
    across the corner and averages the two slopes: the two cannot agree, and neither is
    wrong. A jump between the one-sided slopes at least as big as the disagreement tells
    a kink from a wrong rule (whose one-sided slopes agree to about eps times the
    curvature).
    """
    x = values[name]

    def at(shift: float) -> float:
        point = {n: Value(v, requires_grad=False) for n, v in values.items()}
        point[name] = Value(x + shift, requires_grad=False)
        with no_grad():
            return float(evaluate(tree, point).data)

    try:
        middle = at(0.0)
        left, right = (middle - at(-eps)) / eps, (at(eps) - middle) / eps
    except (DomainError, ArithmeticError):
        return None
    if not abs(right - left) >= max(abs(analytic - numeric), 1e-9):
        return None
    return (
        f"note: {name} = {x:g} is a kink of the formula: its slope is {left:.6g} just below "
        f"and {right:.6g} just above.\n"
        f"  At a kink the derivative is a convention (the rule used here gives {analytic:.6g}); "
        f"a central difference\n"
        f"  steps across the kink and averages the two slopes ({numeric:.6g}), so it cannot "
        f"check the rule there.\n"
        f"  Check at a point off the kink instead, e.g. --set {name}={x + 1e-3:g}"
    )


def cmd_explain(args: argparse.Namespace) -> int:
    from tinygrad_lite.viz.explain import explain

    tree, values = _variables(args.expr, args.set)
    if args.wrt not in values:
        raise UsageError(
            f"--wrt {args.wrt!r} is not a variable of the formula ({', '.join(values)})"
        )
    out, leaves = _build(tree, values)
    print(explain(out, leaves[args.wrt], max_paths=args.max_paths))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from tinygrad_lite import demo

    return demo.main(list(args.rest))


# ----------------------------------------------------------------------------------
# train
# ----------------------------------------------------------------------------------

#: The data sets `train` offers, with what each one is.
DATASETS = {
    "moons": "two interleaving half circles, 2 classes",
    "spirals": "three spiral arms, 3 classes (--samples split evenly over the arms)",
}
HIDDEN = 16  #: units in each of the two hidden layers


def _dataset(name: str, samples: int, seed: int) -> tuple[Any, Any]:
    """`samples` rows (features, integer class labels) of the data set called `name`."""
    from tinygrad_lite import data

    if name == "moons":
        return data.make_moons(samples, seed=seed)
    if samples % 3:
        raise UsageError(
            f"--samples {samples}: spirals has 3 arms of equal size, so --samples must be a "
            f"multiple of 3, e.g. {samples - samples % 3} or {samples - samples % 3 + 3}"
        )
    return data.make_spirals(samples // 3, seed=seed)


def _classifier(n_classes: int, seed: int) -> Any:
    """The MLP 2 -> 16 -> 16 -> n_classes (tanh) that `train` fits: one output per class."""
    from tinygrad_lite.nn import Linear, Sequential, Tanh
    from tinygrad_lite.seed import rng_from

    rng = rng_from(seed)
    return Sequential(
        Linear(2, HIDDEN, seed=rng),
        Tanh(),
        Linear(HIDDEN, HIDDEN, seed=rng),
        Tanh(),
        Linear(HIDDEN, n_classes, seed=rng),
    )


def _check_train_options(args: argparse.Namespace) -> Path:
    """Refuse bad numbers and an unusable output folder before any work; returns the folder."""
    if not 1 <= args.epochs <= 10_000:
        raise UsageError(f"--epochs must be between 1 and 10000, got {args.epochs}")
    if not (0.0 < args.lr <= 10.0):
        raise UsageError(f"--lr must be in (0, 10], got {args.lr}")
    if not (0.0 <= args.momentum < 1.0):
        raise UsageError(f"--momentum must be in [0, 1), got {args.momentum}")
    if not 3 <= args.samples <= 100_000:
        raise UsageError(f"--samples must be between 3 and 100000, got {args.samples}")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {args.batch_size}")
    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {args.out!r}: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK):
        raise UsageError(f"cannot write into {args.out!r}: permission denied")
    return out_dir


class _Progress:
    """Reports each epoch: a tqdm bar when tqdm is installed, else a plain line now and then.

    Either way it goes to stderr, so stdout keeps only the results; `--quiet` silences it.
    """

    def __init__(self, epochs: int, quiet: bool) -> None:
        self.epochs, self.quiet = epochs, quiet
        self.every = max(1, epochs // 10)  # about ten plain lines, whatever the length
        self.bar: Any = None
        if not quiet:
            try:
                tqdm = importlib.import_module("tqdm").tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=epochs, desc="train", unit="epoch", file=sys.stderr)

    def update(self, epoch: int, loss: float, accuracy: float) -> None:
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{loss:.4f}", acc=f"{accuracy:.2f}")
            self.bar.update(1)
            if epoch == self.epochs:
                self.bar.close()
        elif not self.quiet and (epoch % self.every == 0 or epoch in (1, self.epochs)):
            width = len(str(self.epochs))
            print(
                f"epoch {epoch:>{width}}/{self.epochs}  loss {loss:.4f}  accuracy {accuracy:.2%}",
                file=sys.stderr,
            )


def cmd_train(args: argparse.Namespace) -> int:
    """Fit `_classifier` to a built-in 2-D data set, every class at once.

    Softmax cross-entropy over one output per class, minibatch SGD with momentum. Saves
    the weights to OUT/mlp.npz and, when matplotlib is installed, the loss per epoch to
    OUT/loss.png (or says why not).
    """
    import numpy as np

    from tinygrad_lite import data, save
    from tinygrad_lite.nn import functional as F
    from tinygrad_lite.optim import SGD
    from tinygrad_lite.seed import rng_from
    from tinygrad_lite.tensor import Tensor

    out_dir = _check_train_options(args)
    features, labels = _dataset(args.dataset, args.samples, args.seed)
    n_classes = int(labels.max()) + 1
    model = _classifier(n_classes, args.seed)
    print(
        f"{args.dataset}: {len(labels)} points, {n_classes} classes; "
        f"MLP 2 -> {HIDDEN} -> {HIDDEN} -> {n_classes} (tanh), softmax cross-entropy, "
        f"SGD (lr {args.lr:g}, momentum {args.momentum:g}, batches of {args.batch_size}), "
        f"{args.epochs} epochs"
    )
    opt = SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    order = rng_from(args.seed)
    everything = Tensor(features)
    progress = _Progress(args.epochs, args.quiet)
    history: list[float] = []
    predicted = labels
    for epoch in range(1, args.epochs + 1):
        for x, y in data.batches(features, labels, batch_size=args.batch_size, seed=order):
            loss = F.cross_entropy(model(Tensor(x)), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with no_grad():  # loss and accuracy on the whole training set after the epoch
            logits = model(everything)
            history.append(F.cross_entropy(logits, labels).item())
        predicted = logits.data.argmax(axis=1)
        progress.update(epoch, history[-1], float(np.mean(predicted == labels)))
    per_class = [float(np.mean(predicted[labels == k] == k)) for k in range(n_classes)]
    print(
        f"final mean loss {history[-1]:.4f}, training accuracy "
        f"{float(np.mean(predicted == labels)):.2%} over {n_classes} classes "
        f"(per class: {', '.join(f'{a:.1%}' for a in per_class)})"
    )
    print(f"wrote {save(model, out_dir / 'mlp.npz')}")
    plot = _plot_loss(history, out_dir / "loss.png")
    print(f"wrote {plot}" if isinstance(plot, Path) else f"loss plot skipped: {plot}")
    return 0


def _plot_loss(history: list[float], path: Path) -> Path | str:
    """The loss per epoch as a PNG at `path`; or, when it cannot be drawn, why not."""
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        return (
            "matplotlib is not installed "
            '(pip install matplotlib, or the extra: pip install -e ".[notebooks]")'
        )
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(range(1, len(history) + 1), history, marker="o", markersize=3)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (training set)")
    ax.set_title("training loss")
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=100)
    except OSError as exc:
        return f"cannot write {str(path)!r}: {exc.strerror or exc}"
    finally:
        plt.close(fig)
    return path


# ----------------------------------------------------------------------------------
# The parser
# ----------------------------------------------------------------------------------


def _number(kind: type, low: float, low_open: bool, what: str) -> Any:
    """An argparse type: a number of `kind` above `low`, refused with a one-line reason."""

    def read(text: str) -> Any:
        try:
            x = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(x) or x < low or (low_open and x == low):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text}")
        return x

    read.__name__ = what  # argparse names the type in some messages
    return read


positive = _number(float, 0.0, True, "a positive number")
non_negative = _number(float, 0.0, False, "a number >= 0")
positive_int = _number(int, 1, False, "a whole number >= 1")
seed_int = _number(int, 0, False, "a whole number >= 0")


def _rankdir(text: str) -> str:
    return text.upper()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Draw, check and explain the derivatives of a formula."
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_draw, _add_gradcheck, _add_explain, _add_demo, _add_train):
        add(sub)
    return parser


def _formula_arguments(p: argparse.ArgumentParser) -> None:
    """EXPR and --set, which draw, gradcheck and explain share."""
    p.add_argument(
        "expr",
        metavar="EXPR",
        help='a formula such as "tanh(w1*x1 + b)"; it may start with a minus ("-x*y"). '
        "Operators + - * / ** and the functions " + ", ".join(FUNCTIONS),
    )
    p.add_argument(
        "--set",
        nargs="+",
        default=[],
        metavar="NAME=NUMBER",
        help="the value of every variable, e.g. --set x1=2 w1=-3; the formula may come "
        "before or after (no default: every variable of the formula needs one)",
    )


def _add_draw(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The draw command: a formula's graph as DOT text or a picture file."""
    d = sub.add_parser(
        "draw",
        help="draw the graph of a formula",
        description="Draw the graph of a formula. Every variable is drawn as a parameter "
        "(light blue, with a gradient) unless it is named in --inputs: inputs are data, "
        "drawn in the input colour (yellow) and given no gradient.",
        epilog='example: tinygrad-lite draw "tanh(w1*x1 + w2*x2 + b)" '
        "--set x1=2 x2=0 w1=-3 w2=1 b=6.88 --inputs x1 x2 --backward -o neuron.svg",
    )
    _formula_arguments(d)
    d.add_argument(
        "-o",
        "--output",
        help="file to write: .svg .png .pdf or .dot, drawn by Graphviz when installed, "
        "else by the built-in layout (default: the DOT source on stdout)",
    )
    d.add_argument(
        "--inputs",
        nargs="+",
        default=[],
        metavar="NAME",
        help="variables that are inputs (data), not parameters: drawn in the input colour, "
        "no gradient; e.g. --inputs x1 x2 (default: none, every variable is a parameter)",
    )
    d.add_argument(
        "--backward", action="store_true", help="run backward and show gradients (default: off)"
    )
    d.add_argument(
        "--edge-labels",
        action="store_true",
        help="write the local derivative on each edge (default: off)",
    )
    d.add_argument("--legend", action="store_true", help="explain the colours (default: off)")
    d.add_argument(
        "--check",
        action="store_true",
        help="run backward and colour each variable by a finite-difference check of its "
        "gradient (default: off)",
    )
    d.add_argument(
        "--highlight",
        metavar="NAME",
        help="mark the paths from this variable to the output (default: none)",
    )
    d.add_argument(
        "--rankdir",
        type=_rankdir,
        choices=["LR", "RL", "TB", "BT"],
        default="LR",
        help="direction of the graph: LR left to right, RL right to left, TB top to bottom, "
        "BT bottom to top (default: %(default)s)",
    )
    d.add_argument(
        "--title", help="a caption above the picture, also its SVG title (default: none)"
    )
    d.add_argument(
        "--depth",
        type=int,
        metavar="N",
        help="collapse parts nested deeper than N levels (default: show every level)",
    )
    d.add_argument(
        "--digits", type=int, default=4, metavar="N", help="decimals shown (default: %(default)s)"
    )
    d.add_argument(
        "--size",
        metavar="SIZE",
        help="the page: an aspect such as 16:9, inches such as 13.33x7.5, or pixels such "
        "as 1920x1080px (at --dpi) (default: as big as the graph needs)",
    )
    d.add_argument("--dpi", type=float, metavar="N", help="pixels per inch of a PNG (default: 96)")
    d.set_defaults(run=cmd_draw)


def _add_gradcheck(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The gradcheck command: backward against central differences."""
    g = sub.add_parser(
        "gradcheck",
        help="compare analytic and numeric derivatives",
        description="Compare each derivative from backward with a central finite difference "
        "(f(x+eps) - f(x-eps)) / (2 eps). Exit code 0 when all agree within "
        "atol + rtol * |numeric|, 1 when one does not; a failure at a kink (relu(x) at 0) "
        "is explained.",
    )
    _formula_arguments(g)
    g.add_argument(
        "--eps", type=positive, default=1e-6, help="finite-difference step (default: %(default)g)"
    )
    g.add_argument(
        "--atol", type=non_negative, default=1e-5, help="absolute tolerance (default: %(default)g)"
    )
    g.add_argument(
        "--rtol", type=non_negative, default=1e-4, help="relative tolerance (default: %(default)g)"
    )
    g.set_defaults(run=cmd_gradcheck)


def _add_explain(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The explain command: the chain rule path by path."""
    e = sub.add_parser(
        "explain",
        help="spell out the chain rule for one derivative",
        description="Spell out d(output)/d(variable) by the chain rule: every path from the "
        "variable to the output, the local derivative on each edge, and their sum, checked "
        "against a finite difference.",
    )
    _formula_arguments(e)
    e.add_argument("--wrt", required=True, metavar="NAME", help="the variable to differentiate by")
    e.add_argument(
        "--max-paths",
        type=positive_int,
        default=64,
        help="print at most this many paths (default: %(default)s)",
    )
    e.set_defaults(run=cmd_explain)


def _add_demo(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The demo command, whose options the demo's own parser reads."""
    m = sub.add_parser(
        "demo",
        help="check the nine-weight graph three ways, train a small MLP, draw the graph",
        add_help=False,  # --help goes to the demo's own parser
    )
    m.set_defaults(rest=[])
    m.set_defaults(run=cmd_demo)


def _add_train(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The train command: an MLP on a built-in data set, every class at once."""
    t = sub.add_parser(
        "train",
        help="train a small MLP on a built-in data set",
        description=f"Train an MLP 2 -> {HIDDEN} -> {HIDDEN} -> C (tanh; C = the number of "
        "classes, every class at once) on a built-in 2-D data set by softmax cross-entropy "
        "and minibatch SGD with momentum. Writes OUT/mlp.npz (tinygrad_lite.load reads it) "
        "and the loss per epoch as OUT/loss.png.",
        epilog="data sets: " + "; ".join(f"{k}: {v}" for k, v in DATASETS.items()),
    )
    t.add_argument(
        "--dataset", choices=list(DATASETS), default="moons", help="the data (default: %(default)s)"
    )
    t.add_argument(
        "--epochs",
        type=int,
        default=50,
        help="passes over the data, 1 to 10000 (default: %(default)s)",
    )
    t.add_argument(
        "--samples",
        type=int,
        default=300,
        help="number of points in the data set, all classes together (default: %(default)s)",
    )
    t.add_argument(
        "--batch-size", type=int, default=10, help="points per SGD step (default: %(default)s)"
    )
    t.add_argument("--lr", type=float, default=0.05, help="learning rate (default: %(default)s)")
    t.add_argument(
        "--momentum", type=float, default=0.9, help="SGD momentum (default: %(default)s)"
    )
    t.add_argument(
        "--seed",
        type=seed_int,
        default=0,
        help="seed of the data, the weights and the batch order (default: %(default)s)",
    )
    t.add_argument(
        "--out",
        default="out",
        help="folder for the checkpoint and the loss plot (default: %(default)s)",
    )
    t.add_argument(
        "--quiet", action="store_true", help="no progress on stderr (default: show progress)"
    )
    t.set_defaults(run=cmd_train)


#: The commands whose first positional argument is a formula.
FORMULA_COMMANDS = ("draw", "gradcheck", "explain")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _option(token: str, actions: dict[str, argparse.Action]) -> argparse.Action | None:
    """The option `token` names as argparse reads it (exact, --long=value, a unique prefix of
    a long option, or -oVALUE), or None when it names none of them."""
    if token in actions:
        return actions[token]
    if token.startswith("--"):
        name = token.split("=", 1)[0]
        if name in actions:
            return actions[name]
        matches = {a for o, a in actions.items() if o.startswith("--") and o.startswith(name)}
        return matches.pop() if len(matches) == 1 else None
    short = actions.get(token[:2])
    if short is not None and short.nargs != 0:  # -oVALUE: the value written on
        return short
    return None


def _takes(action: argparse.Action, word: str) -> bool:
    """Whether `word` reads as one more value of the option `action` (nargs "+")."""
    if word.startswith("-"):
        return False
    if action.dest == "set":
        return "=" in word  # NAME=NUMBER; a formula never has a single "="
    if action.dest == "inputs":
        return word.isidentifier()
    return True


def _formula_first(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Put the formula of draw/gradcheck/explain first, wherever it was typed.

    argparse takes any word starting with '-' for an option, and an option with several
    values (``--set a=2 b=-3``) swallows every following word, the formula too. Walking
    the words as argparse will, the first one that is neither an option nor an option's
    value (``--set`` takes only NAME=NUMBER words, ``--inputs`` only names) is the formula;
    it is moved to the front, with a space before it when it starts with '-' (argparse
    then reads it as the positional EXPR; the space is stripped again). A formula that
    reads as an option of its own (``-o*x`` for draw is ``-o`` with the value ``*x``)
    still needs "--" before it, or parentheses: "(-o*x)".
    """
    if not argv or argv[0] not in FORMULA_COMMANDS:
        return argv
    actions = _subparsers(parser)[argv[0]]._option_string_actions
    rest = argv[1:]
    k = 0
    while k < len(rest):
        token = rest[k]
        if token == "--":
            return argv  # everything after "--" is positional already
        if not token.startswith("-"):
            break  # a plain word where an option could stand: the formula
        action = _option(token, actions) if token != "-" else None
        if action is None:
            break  # a word starting with '-' that is no option: a formula such as "-x*y"
        attached = "=" in token or (not token.startswith("--") and len(token) > 2)
        k += 1
        if action.nargs is None and not attached:
            k += 1  # the option's value, whatever it looks like
        elif action.nargs == "+" and not attached:
            while k < len(rest) and _takes(action, rest[k]):
                k += 1
    else:
        return argv
    if k == 0 and not rest[0].startswith("-"):
        return argv  # the formula is first already
    word = rest[k]
    return [argv[0], " " + word if word.startswith("-") else word, *rest[:k], *rest[k + 1 :]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code (0 ok, 1 failed check, 2 bad input).

    A closed output pipe (``tinygrad-lite explain ... | head``) ends quietly with the
    exit code 141 a shell reports for SIGPIPE.
    """
    parser = _parser()
    words = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(_formula_first(words, parser))
    if extra:
        if args.command != "demo":
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.rest = extra  # the demo parses its own options
    if hasattr(args, "expr"):
        args.expr = args.expr.strip()
    try:
        code = int(args.run(args))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        quiet_broken_pipe()
        return 141
    except Failure as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except (UsageError, ValueError, TypeError, ArithmeticError) as exc:
        # ExpressionError and DomainError are ValueErrors: each message names the problem.
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except (RecursionError, MemoryError):
        print(f"{PROG}: error: the formula is too big to work with", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
