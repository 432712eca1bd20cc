"""The chain rule for one gradient, spelled out path by path.

`explain(output, wrt)` lists every path from `wrt` to `output`, the local derivative on
each edge (from `Op.local_derivative`, the same rule backward uses), the product along
each path and the sum over paths, and checks that sum against the gradient backward
computes. It reads like the derivation written by hand, with ∂ for the local derivative
on one edge and d for a total over every path:

    path 1: w1 -> w1*x1 -> t -> t*t (as its first factor) -> ... -> loss
      ∂loss/∂(y-y_hat) * ∂(y-y_hat)/∂y_hat * ... = (-0.790106)(-1)... = 0.112788
    dloss/dw1 = path 1 + path 2 = 0.225576

Nodes are named as the picture names them (`tinygrad_lite.naming`): an unlabelled node
is ``mul1``, ``tanh2``; the rule of each edge is written with the inputs' own names
(``∂(w1*x1)/∂w1 = x1``), so its letters never clash with the user's variables. Where a
node uses one input twice (``t*t``), the two paths through it are told apart by the use
they take: "as its first factor", "as its second factor".

For handouts the same derivation is written as Markdown (`Explanation.to_markdown`) and
as LaTeX (`Explanation.to_latex`), long products wrapped a few factors to a line;
`tinygrad_lite.viz.handout` puts it in one HTML file with the picture.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from tinygrad_lite.autograd import Node, toposort
from tinygrad_lite.naming import node_names
from tinygrad_lite.viz import latex
from tinygrad_lite.viz.rules import input_role, local_rule

__all__ = ["Explanation", "Path", "Step", "explain"]

#: How many factors of a product go on one line of a handout.
FACTORS_PER_LINE = 4


@dataclass(frozen=True)
class Step:
    """One edge of a path: `child` was computed from `parent` (argument `index` of its op)."""

    child: str  #: name of the consuming node
    parent: str  #: name of the input node
    op: str  #: the op name
    index: int  #: which argument (0-based)
    local: float  #: d child / d parent at the current values
    formula: str  #: the op's derivative rule for this argument, in the graph's names
    role: str = ""  #: what the argument is to the op: "first factor", "base", ...


@dataclass(frozen=True)
class Path:
    """One route from `wrt` up to the output; its contribution is the product of its edges."""

    steps: tuple[Step, ...]  #: from the output down to wrt
    product: float

    def nodes(self) -> list[str]:
        """Names along the path, from wrt up to the output."""
        if not self.steps:
            return []
        return [self.steps[-1].parent] + [s.child for s in reversed(self.steps)]

    def route(self, twice: frozenset[tuple[str, str]] = frozenset()) -> str:
        """The path in words, wrt first; where a node uses its input twice (`t*t`), which
        use this path takes is said: "t*t (as its first factor)"."""
        if not self.steps:
            return ""
        words = [self.steps[-1].parent]
        for s in reversed(self.steps):
            words.append(s.child + (f" (as its {s.role})" if (s.child, s.parent) in twice else ""))
        return " -> ".join(words)


@dataclass
class Explanation:
    """Every chain-rule path from `wrt` to `output`, with their sum and backward's gradient."""

    output: str
    wrt: str
    paths: list[Path] = field(default_factory=list)
    total: float = 0.0  #: sum of the path products
    grad: float = 0.0  #: what backward computes for d output / d wrt
    n_paths: int = 0  #: how many paths exist (more than len(paths) when truncated)
    truncated: bool = False
    names: dict[str, str] = field(default_factory=dict)  #: name -> how the node was made

    @property
    def agrees(self) -> bool:
        """Whether the sum of the paths equals backward's gradient (to rounding)."""
        return math.isclose(self.total, self.grad, rel_tol=1e-9, abs_tol=1e-12)

    def text(self) -> str:
        """The derivation as readable text."""
        total = f"d{_p(self.output)}/d{_p(self.wrt)}"
        if self.output == self.wrt:
            return f"{total} = 1: {self.output} is the output itself (no edge to follow)"
        n = self.n_paths
        lines = [
            f"{total} is the sum over {n} path{'s' if n != 1 else ''} from {self.wrt} to "
            f"{self.output} of the product of the local derivatives (∂) along each"
        ]
        if self.truncated:
            lines.append(
                f"  (showing the first {len(self.paths)} paths; the sum below is still over all "
                f"{n}, computed by dynamic programming)"
            )
        uses: dict[tuple[str, str], set[int]] = {}
        for path in self.paths:
            for s in path.steps:
                uses.setdefault((s.child, s.parent), set()).add(s.index)
        twice = frozenset(k for k, v in uses.items() if len(v) > 1)
        for k, path in enumerate(self.paths, 1):
            lines.append("")
            lines.append(f"path {k}: {path.route(twice)}")
            factors = [f"∂{_p(s.child)}/∂{_p(s.parent)}" for s in path.steps]
            numbers = [f"({_fmt(s.local)})" for s in path.steps]
            lines += ["  " + row for row in _wrapped(factors, FACTORS_PER_LINE, " * ")]
            rows = _wrapped(numbers, FACTORS_PER_LINE * 2, "")
            lines += ["    = " + rows[0]] + ["      " + row for row in rows[1:]]
            lines.append(f"    = {_fmt(path.product)}")
            for s in path.steps:
                lines.append(
                    f"    ∂{_p(s.child)}/∂{_p(s.parent)} = {_fmt(s.local)}"
                    f"   [{s.op}, {s.role}: {s.formula}]"
                )
        lines.append("")
        if n > 1:
            names = " + ".join(f"path {k}" for k in range(1, len(self.paths) + 1))
            terms = " + ".join(f"({_fmt(p.product)})" for p in self.paths)
            if self.truncated:
                names += " + ..."
                terms += " + ..."
            lines.append(f"{total} = {names}")
            lines.append(f"    = {terms}")
        lines.append(f"{total} = {_fmt(self.total)}")
        verdict = "agrees" if self.agrees else "DISAGREES"
        lines.append(f"backward gives {_fmt(self.grad)}: {verdict}")
        if self.names:
            lines.append("")
            lines.append("where")
            for name, how in self.names.items():
                lines.append(f"  {name} = {how}")
        return "\n".join(lines)

    def _twice(self) -> frozenset[tuple[str, str]]:
        """(node, input) pairs where the node uses that input more than once (t*t)."""
        uses: dict[tuple[str, str], set[int]] = {}
        for path in self.paths:
            for s in path.steps:
                uses.setdefault((s.child, s.parent), set()).add(s.index)
        return frozenset(k for k, v in uses.items() if len(v) > 1)

    def to_markdown(self, per_line: int = FACTORS_PER_LINE) -> str:
        """The derivation as Markdown for a handout: one section per path with a table of
        its local derivatives (value, op, which input, rule), the product wrapped
        `per_line` factors to a line, then the sum and backward's verdict."""
        total = f"d{_p(self.output)}/d{_p(self.wrt)}"
        if self.output == self.wrt:
            return f"**{total} = 1**: `{self.output}` is the output itself."
        twice = self._twice()
        n = self.n_paths
        lines = [
            f"**{total}** is the sum over {n} path{'s' if n != 1 else ''} from "
            f"`{self.wrt}` to `{self.output}` of the product of the local derivatives "
            "(∂, one edge each) along each path."
        ]
        if self.truncated:
            lines.append(f"The first {len(self.paths)} paths are shown; the sum is over all {n}.")
        for k, path in enumerate(self.paths, 1):
            route = " → ".join(_md_word(w) for w in path.route(twice).split(" -> "))
            lines += ["", f"#### Path {k}", "", route, ""]
            lines += ["| local derivative | value | op, input: rule |", "|---|---:|---|"]
            for s in path.steps:
                which = f" ({s.role})" if (s.child, s.parent) in twice else ""
                rule = s.formula.replace("|", "\\|")
                lines.append(
                    f"| ∂{_p(s.child)}/∂{_p(s.parent)}{which} | {_fmt(s.local)} | "
                    f"{s.op}, {s.role}: `{rule}` |"
                )
            numbers = [f"({_fmt(s.local)})" for s in path.steps]
            wrapped = _wrapped(numbers, per_line, "")
            lines += ["", "```text", f"path {k} = " + wrapped[0]]
            lines += [" " * len(f"path {k} = ") + w for w in wrapped[1:]]
            lines += [f"       = {_fmt(path.product)}", "```"]
        lines.append("")
        if n > 1:
            terms = [f"({_fmt(p.product)})" for p in self.paths] + (
                ["..."] if self.truncated else []
            )
            lines += [
                "```text",
                f"{total} = " + " + ".join(f"path {k}" for k in range(1, len(self.paths) + 1)),
            ]
            lines += ["    = " + w for w in _wrapped(terms, per_line, " + ")]
            lines += [f"    = {_fmt(self.total)}", "```", ""]
        else:
            lines += [f"{total} = {_fmt(self.total)}", ""]
        verdict = "agrees" if self.agrees else "**DISAGREES**"
        lines.append(f"Backward gives {_fmt(self.grad)}: {verdict}.")
        if self.names:
            lines += ["", "where " + "; ".join(f"`{a} = {b}`" for a, b in self.names.items()) + "."]
        return "\n".join(lines) + "\n"

    def to_latex(self, standalone: bool = False, per_line: int = FACTORS_PER_LINE) -> str:
        """The derivation as LaTeX (amsmath): the route of every path in words, its product
        of partial derivatives and their values in an ``aligned`` block broken every
        `per_line` factors, then the sum. Names are set in typewriter type with every
        special character escaped (``y_hat`` is ``\\texttt{y\\_hat}``).

        Args:
            standalone: a whole document (``\\documentclass{article}`` ... ``\\end{document}``)
                rather than a fragment to ``\\input``.
            per_line: factors on one line of a product.
        """
        name = latex.name
        d_total = latex.total(self.output, self.wrt)
        out: list[str] = []
        if self.output == self.wrt:
            out.append(f"\\[ {d_total} = 1 \\]")
            return latex.document(out) if standalone else "\n".join(out) + "\n"
        twice = self._twice()
        n = self.n_paths
        out.append(
            f"${d_total}$ is the sum over {n} path{'s' if n != 1 else ''} from "
            f"{name(self.wrt)} to {name(self.output)} of the product of the local "
            "derivatives along each path."
        )
        for k, path in enumerate(self.paths, 1):
            words = []
            for w in path.route(twice).split(" -> "):
                base, _, use = w.partition(" (as its ")
                words.append(name(base) + (f" (as its {use[:-1]})" if use else ""))
            out += ["", f"\\paragraph{{Path {k}}} " + " $\\to$ ".join(words)]
            factors = [
                latex.partial(s.child, s.parent, s.role if (s.child, s.parent) in twice else "")
                for s in path.steps
            ]
            factors = [f + r" \cdot" for f in factors[:-1]] + factors[-1:]
            numbers = [f"({latex.number(s.local)})" for s in path.steps]
            rows = _chunks(factors, per_line)
            vals = _chunks(numbers, per_line)
            body = [f"&{' '.join(rows[0])}"] + [f"&\\quad {' '.join(r)}" for r in rows[1:]]
            body += [f"&= {' '.join(vals[0])}"] + [f"&\\quad {' '.join(v)}" for v in vals[1:]]
            body.append(f"&= {latex.number(path.product)}")
            out += ["\\[", "\\begin{aligned}", " \\\\\n".join(body), "\\end{aligned}", "\\]"]
        sums = [f"({latex.number(p.product)})" for p in self.paths]
        if self.truncated:
            sums.append("\\dots")
        lines = _chunks(sums, per_line)
        body = [f"{d_total} &= {' + '.join(lines[0])}"] + [
            f"&\\quad + {' + '.join(r)}" for r in lines[1:]
        ]
        body.append(f"&= {latex.number(self.total)}")
        out += ["", "\\[", "\\begin{aligned}", " \\\\\n".join(body), "\\end{aligned}", "\\]"]
        verdict = "agrees" if self.agrees else "\\textbf{disagrees}"
        out.append(f"Backward gives ${latex.number(self.grad)}$: {verdict}.")
        if self.names:
            where = "; ".join(f"{name(a)} $=$ {latex.code(b)}" for a, b in self.names.items())
            out += ["", f"where {where}."]
        return latex.document(out) if standalone else "\n".join(out) + "\n"

    def __str__(self) -> str:
        return self.text()

    def _repr_markdown_(self) -> str:
        return "```\n" + self.text() + "\n```"


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _md_word(word: str) -> str:
    """A node of a route in Markdown: its name as code, how it is used as plain words."""
    base, _, use = word.partition(" (as its ")
    return f"`{base}`" + (f" (as its {use}" if use else "")


def _chunks(items: list[str], size: int) -> list[list[str]]:
    """`items` in runs of `size` (at least one run, possibly empty)."""
    size = max(1, size)
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _wrapped(items: list[str], size: int, sep: str) -> list[str]:
    """`items` joined by `sep`, `size` to a line; a line after the first starts with the
    separator's sign so that it reads as a continuation."""
    rows = [sep.join(r) for r in _chunks(items, size)]
    lead = sep.strip()
    return [rows[0]] + [f"{lead} {r}" if lead else r for r in rows[1:]]


def _p(name: str) -> str:
    """A name as it reads after a 'd': compound names get parentheses, d(t*t)."""
    return name if name.isidentifier() else f"({name})"


def explain(output: Node, wrt: Node, *, max_paths: int = 64) -> Explanation:
    """Spell out d output / d wrt as a sum over paths of products of local derivatives.

    `output` must be a scalar node (a Value). The gradient it is compared with comes
    from a fresh backward pass on the graph; every `.grad` in the graph is put back as it
    was afterwards, so calling explain does not change any gradient.

    Args:
        output: the node differentiated (e.g. the loss).
        wrt: the node differentiated with respect to (usually a leaf such as a weight).
        max_paths: list at most this many paths; the total still covers all of them.

    Raises:
        TypeError: for non-nodes or non-scalar data.
        ValueError: when `wrt` is not part of the graph of `output`.
    """
    for name, node in (("output", output), ("wrt", wrt)):
        if not isinstance(node, Node):
            raise TypeError(f"explain needs graph nodes; {name} is a {type(node).__name__}")
        if not isinstance(node.data, float):
            raise TypeError(
                f"explain works on scalar Values; {name} holds {type(node.data).__name__}"
            )
    if max_paths < 1:
        raise ValueError(f"max_paths must be at least 1, got {max_paths}")
    if not wrt.requires_grad:
        raise ValueError(
            f"{wrt.label or 'wrt'} does not require grad, so no gradient flows to it; "
            "make it with requires_grad=True"
        )
    order = toposort(output)
    if wrt not in set(order):
        raise ValueError(
            f"{wrt.label or 'wrt'} is not an input of {output.label or 'output'}: "
            "no path connects them"
        )
    names = node_names(order)
    # Number of paths and sum of products from wrt to each node, in one forward sweep.
    count: dict[Node, int] = {wrt: 1}
    total: dict[Node, float] = {wrt: 1.0}
    local: dict[tuple[Node, int], float] = {}
    for node in order:
        if node is wrt or node.op is None:
            continue
        inputs = tuple(p.data if isinstance(p, Node) else p for p in node.parents)
        c, t = 0, 0.0
        for i, p in enumerate(node.parents):
            if isinstance(p, Node) and p in count:
                d = float(node.op.local_derivative(i, node.data, inputs))
                local[(node, i)] = d
                c += count[p]
                t += total[p] * d
        if c:
            count[node], total[node] = c, t
    paths = _paths(output, wrt, count, local, names, max_paths)
    grad = _fresh_grad(output, wrt, order)
    made = {}
    for node in order:
        if node in count and node.op is not None and not node.label:
            made[names[node]] = _formula(node, names)
    return Explanation(
        output=names[output],
        wrt=names[wrt],
        paths=paths,
        total=total.get(output, 0.0),
        grad=grad,
        n_paths=count.get(output, 0),
        truncated=count.get(output, 0) > len(paths),
        names=made,
    )


def _paths(
    output: Node,
    wrt: Node,
    count: dict[Node, int],
    local: dict[tuple[Node, int], float],
    names: Mapping[Node, str],
    limit: int,
) -> list[Path]:
    """The first `limit` paths, depth first from the output (an explicit stack)."""
    found: list[Path] = []
    if output not in count:
        return found
    stack: list[tuple[Node, tuple[Step, ...], float]] = [(output, (), 1.0)]
    while stack and len(found) < limit:
        node, steps, prod = stack.pop()
        if node is wrt:
            found.append(Path(steps, prod))
            continue
        assert node.op is not None
        nxt = []
        for i, p in enumerate(node.parents):
            if isinstance(p, Node) and p in count:
                d = local[(node, i)]
                rule = local_rule(node, i, names)
                role = input_role(node.op.name, i, node.op.variadic, len(node.parents))
                step = Step(names[node], names[p], node.op.name, i, d, rule, role)
                nxt.append((p, (*steps, step), prod * d))
        stack.extend(reversed(nxt))
    return found


def _fresh_grad(output: Node, wrt: Node, order: list[Node]) -> float:
    """d output / d wrt from one backward pass, restoring every `.grad` afterwards."""
    saved = [(n, n.grad) for n in order]
    try:
        for n in order:
            n.grad = type(n)._empty_grad
        output.backward()
        g = wrt.grad
        return float(g.data if isinstance(g, Node) else g)
    finally:
        for n, g in saved:
            n.grad = g


def _formula(node: Node, names: Mapping[Node, str]) -> str:
    assert node.op is not None
    args = [names[p] if isinstance(p, Node) else _fmt(float(p)) for p in node.parents]
    sym = node.op.symbol
    if node.op.name in ("add", "sub", "mul", "div", "pow", "add_n"):
        return f" {sym} ".join(args)
    if node.op.name == "neg":
        return f"-{args[0]}"
    return f"{sym}({', '.join(args)})"
