"""The `tinygrad-lite` command: draw, check and explain a formula; run the demo; train.

Formulas come from the command line, so they are parsed into a small whitelist
(`tinygrad_lite.expr`) and never executed as Python. Any bad input (a formula that is not
allowed, a missing or unknown variable, a bad number, an output path that cannot be
written) ends with one line on stderr and exit code 2; a failed gradient check exits 1.
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

from tinygrad_lite.autograd import toposort
from tinygrad_lite.errors import DomainError
from tinygrad_lite.expr import ExpressionError, evaluate, names, parse, parse_assignments
from tinygrad_lite.value import Value

__all__ = ["main"]

PROG = "tinygrad-lite"
FORMATS = ("svg", "png", "pdf", "dot", "gv")


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
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(
            f"cannot tell the format of {path!r}: the file name must end in "
            + ", ".join("." + f for f in FORMATS)
        )
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {path!r}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UsageError(f"cannot write {path!r}: permission denied")
    if p.is_dir():
        raise UsageError(f"cannot write {path!r}: it is a folder")
    return p, fmt


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


# ----------------------------------------------------------------------------------
# Subcommands
# ----------------------------------------------------------------------------------


def cmd_draw(args: argparse.Namespace) -> int:
    from tinygrad_lite import viz

    target = _output_path(args.output) if args.output is not None else None
    tree, values = _variables(args.expr, args.set)
    out, leaves = _build(tree, values, inputs=args.inputs)
    if args.backward:
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
    path, fmt = target
    dot = viz.draw_dot(out, **options)
    if fmt in ("dot", "gv"):
        _write(path, dot.source.encode("utf-8"))
    elif viz.dot_available():
        _write(path, dot.pipe(format=fmt))
    elif fmt == "svg" and _builtin_svg() is not None:
        drawing = _builtin_svg()(viz.build_scene(out, **options))  # type: ignore[misc]
        _write(path, _svg_text(drawing).encode("utf-8"))
    else:
        raise Failure(str(viz.GraphvizNotFound(f"needed to write {fmt}")))
    print(f"wrote {path}")
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


def _builtin_svg() -> Any:
    try:
        return importlib.import_module("tinygrad_lite.viz.svg").render_svg
    except ImportError:
        return None


def _svg_text(drawing: Any) -> str:
    for attr in ("svg", "source", "text"):
        value = getattr(drawing, attr, None)
        if isinstance(value, str):
            return value
    if hasattr(drawing, "_repr_svg_"):
        return str(drawing._repr_svg_())
    return str(drawing)


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from tinygrad_lite.gradcheck import gradcheck

    tree, values = _variables(args.expr, args.set)
    order = list(values)

    def f(*nodes: Value) -> Value:
        return evaluate(tree, dict(zip(order, nodes, strict=True)))

    inputs = [Value(values[n], label=n) for n in order]
    report = gradcheck(f, inputs, eps=args.eps, atol=args.atol, rtol=args.rtol)
    print(report)
    return 0 if report.passed else 1


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
    try:
        demo = importlib.import_module("tinygrad_lite.demo")
    except ImportError as exc:
        raise Failure(f"the demo is not available: {exc}") from None
    result = demo.main(list(args.rest))
    return int(result or 0)


def cmd_train(args: argparse.Namespace) -> int:
    """A scalar MLP (2 -> 8 -> 8 -> 1, tanh) on a generated 2-D set, per-sample SGD.

    Saves the weights to OUT/mlp.npz and, when matplotlib is installed, the mean loss
    per epoch to OUT/loss.png.
    """
    from tinygrad_lite import data
    from tinygrad_lite.nn import MLP
    from tinygrad_lite.optim import SGD

    if args.epochs < 1 or args.epochs > 10_000:
        raise UsageError(f"--epochs must be between 1 and 10000, got {args.epochs}")
    if not (0.0 < args.lr <= 10.0):
        raise UsageError(f"--lr must be in (0, 10], got {args.lr}")
    if not 2 <= args.samples <= 100_000:
        raise UsageError(f"--samples must be between 2 and 100000, got {args.samples}")
    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {args.out!r}: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK):
        raise UsageError(f"cannot write into {args.out!r}: permission denied")

    make = data.make_moons if args.dataset == "moons" else data.make_spirals
    features, labels = make(args.samples, seed=args.seed)
    targets = [1.0 if int(c) == 1 else -1.0 for c in labels]
    model = MLP(2, [8, 8, 1], nonlin="tanh", seed=args.seed)
    opt = SGD(model.parameters(), lr=args.lr)
    epochs: Any = range(args.epochs)
    if not args.quiet:
        try:
            tqdm = importlib.import_module("tqdm").tqdm
            epochs = tqdm(epochs, desc="train", unit="epoch", file=sys.stderr)
        except ImportError:
            pass
    history: list[float] = []
    accuracy = 0.0
    for _ in epochs:
        total, correct = 0.0, 0
        for row, target in zip(features.tolist(), targets, strict=True):
            prediction = model(row)
            loss = (prediction - target) ** 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.data
            correct += (prediction.data > 0) == (target > 0)
        history.append(total / len(targets))
        accuracy = correct / len(targets)
        if hasattr(epochs, "set_postfix"):
            epochs.set_postfix(loss=f"{history[-1]:.4f}", acc=f"{accuracy:.2f}")
    print(f"final mean loss {history[-1]:.4f}, training accuracy {accuracy:.2%}")
    try:
        from tinygrad_lite import save

        print(f"wrote {save(model, out_dir / 'mlp.npz')}")
    except ImportError:
        pass
    plot = _plot_loss(history, out_dir / "loss.png")
    if plot is not None:
        print(f"wrote {plot}")
    return 0


def _plot_loss(history: list[float], path: Path) -> Path | None:
    """Mean loss per epoch as a PNG, or None when matplotlib is not installed."""
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        return None
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(range(1, len(history) + 1), history, marker="o", markersize=3)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_title("training loss")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# ----------------------------------------------------------------------------------
# The parser
# ----------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Draw, check and explain the derivatives of a formula."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def formula(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "expr",
            metavar="EXPR",
            help='a formula such as "tanh(w1*x1 + b)"; it may start with a minus ("-x*y")',
        )
        p.add_argument(
            "--set",
            nargs="+",
            default=[],
            metavar="NAME=NUMBER",
            help="the value of every variable, e.g. --set x1=2 w1=-3",
        )

    d = sub.add_parser(
        "draw",
        help="draw the graph of a formula",
        description="Draw the graph of a formula. Every variable is drawn as a parameter "
        "(light blue, with a gradient) unless it is named in --inputs: inputs are data, "
        "drawn in the input colour (yellow) and given no gradient.",
        epilog='example: tinygrad-lite draw "tanh(w1*x1 + w2*x2 + b)" '
        "--set x1=2 x2=0 w1=-3 w2=1 b=6.88 --inputs x1 x2 --backward -o neuron.svg",
    )
    formula(d)
    d.add_argument(
        "-o", "--output", help="file to write: .svg .png .pdf or .dot (default: DOT on stdout)"
    )
    d.add_argument(
        "--inputs",
        nargs="+",
        default=[],
        metavar="NAME",
        help="variables that are inputs (data), not parameters: drawn in the input colour, "
        "no gradient; e.g. --inputs x1 x2",
    )
    d.add_argument("--backward", action="store_true", help="run backward and show gradients")
    d.add_argument("--edge-labels", action="store_true", help="write local derivatives on edges")
    d.add_argument("--legend", action="store_true", help="explain the colours")
    d.add_argument(
        "--check", action="store_true", help="colour leaves by a finite-difference check"
    )
    d.add_argument("--highlight", metavar="NAME", help="mark the paths from this variable")
    d.add_argument("--rankdir", choices=["LR", "TB"], default="LR")
    d.add_argument("--title", help="a caption above the picture (and its SVG title)")
    d.add_argument(
        "--depth", type=int, metavar="N", help="collapse parts nested deeper than N levels"
    )
    d.add_argument("--digits", type=int, default=4, metavar="N", help="decimals shown (4)")
    d.add_argument(
        "--size",
        metavar="SIZE",
        help="the page: an aspect such as 16:9, inches such as 13.33x7.5, or pixels such "
        "as 1920x1080px (at --dpi)",
    )
    d.add_argument("--dpi", type=float, metavar="N", help="pixels per inch of a PNG (96)")
    d.set_defaults(run=cmd_draw)

    g = sub.add_parser("gradcheck", help="compare analytic and numeric derivatives")
    formula(g)
    g.add_argument("--eps", type=float, default=1e-6)
    g.add_argument("--atol", type=float, default=1e-5)
    g.add_argument("--rtol", type=float, default=1e-4)
    g.set_defaults(run=cmd_gradcheck)

    e = sub.add_parser("explain", help="spell out the chain rule for one derivative")
    formula(e)
    e.add_argument("--wrt", required=True, metavar="NAME", help="the variable to differentiate by")
    e.add_argument("--max-paths", type=int, default=64)
    e.set_defaults(run=cmd_explain)

    m = sub.add_parser(
        "demo",
        help="draw the nine-weight graph and show what the library does",
        add_help=False,  # --help goes to the demo's own parser
    )
    m.set_defaults(rest=[])
    m.set_defaults(run=cmd_demo)

    t = sub.add_parser("train", help="train a small MLP on a built-in data set")
    t.add_argument("--dataset", choices=["moons", "spirals"], default="moons")
    t.add_argument("--epochs", type=int, default=20)
    t.add_argument("--samples", type=int, default=100, help="size of the data set")
    t.add_argument("--lr", type=float, default=0.05)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", default="out", help="folder for the checkpoint and the loss plot")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(run=cmd_train)
    return parser


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


def _formula_first(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Let the formula of draw/gradcheck/explain begin with '-' ("-x*y", "-2*x").

    argparse takes any word starting with '-' for an option, so a formula such as
    "-x*y" would be refused as an unknown option. Walking the words as argparse will,
    the first one that is neither an option, nor an option's value, nor after "--" is
    the formula; one starting with '-' is moved to the front with a space before it
    (argparse then reads it as the positional EXPR; the space is stripped again). A
    formula that reads as an option of its own (``-o*x`` for draw is ``-o`` with the value
    ``*x``) still needs "--" before it, or parentheses: "(-o*x)".
    """
    if not argv or argv[0] not in FORMULA_COMMANDS:
        return argv
    actions = _subparsers(parser)[argv[0]]._option_string_actions
    rest = argv[1:]
    k = 0
    while k < len(rest):
        token = rest[k]
        if token == "--" or not token.startswith("-"):
            return argv  # the formula is a plain word (or comes after "--"): nothing to do
        action = _option(token, actions) if token != "-" else None
        if action is None:
            break
        attached = "=" in token or (not token.startswith("--") and len(token) > 2)
        k += 1
        if action.nargs is None and not attached:
            k += 1  # the option's value, whatever it looks like
        elif action.nargs == "+" and not attached:
            while k < len(rest) and not rest[k].startswith("-"):
                k += 1
    else:
        return argv
    return [argv[0], " " + rest[k], *rest[:k], *rest[k + 1 :]]


def quiet_broken_pipe() -> None:
    """The reader of our output went away (``| head``): stop without a traceback.

    Python would try to flush stdout again at exit and report the broken pipe there, so
    stdout is pointed at the null device first, as the Python documentation advises.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a real file (a test's capture): nothing will be flushed


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
    except (UsageError, ExpressionError, DomainError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except Failure as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, ArithmeticError, RecursionError, MemoryError) as exc:
        print(f"{PROG}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
