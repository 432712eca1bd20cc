"""Writing a graph out as Python: the forward line by line, then backward edge by edge.

The forward part has one line per op, in the order of `Graph.ops`, with a comment where
the named part (scope) changes. The backward part has one line per edge, in the order the
engine's own walk visits them (`autograd.reverse_topological`, then each node's inputs in
order), each commented with the rule it applies. Contributions to the leaves are written
last, grouped leaf by leaf in the order of the function's arguments (each leaf's own in
walk order, so the sums are the engine's to the last bit): for the nine-weight graph the
nine ``d_w`` lines close the function. Each op's text comes from its `ops.Code`.
"""

from __future__ import annotations

import keyword
import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node, reverse_topological
from tinygrad_lite.codegen._graph import Graph
from tinygrad_lite.codegen._runtime import FUNCTIONS, prelude
from tinygrad_lite.ops import Op, pass_gradient, unbroadcast_code
from tinygrad_lite.value import Value

__all__ = ["LITERAL_LIMIT", "Argument", "Source", "Term", "write"]

#: Arrays with more entries than this are not written into the code: they become
#: arguments of the generated function (see `Argument`).
LITERAL_LIMIT = 64

_RESERVED = {"np", "math", "ARRAYS", "sum", "len", "any", "isinstance", "type", "tuple", "float"}
_RESERVED |= {"abs", "slice"}
_RESERVED |= set(FUNCTIONS)

#: Lines of the function body, each with the name of the op it writes (None: no op).
Lines = list[tuple[str, str | None]]


class Term(str):
    """A Python expression that also knows the shape and dtype of its value.

    Code functions in `ops.Code` read ``.shape``, ``.ndim``, ``.size`` and ``.dtype``;
    for scalar graphs they are None.
    """

    shape: tuple[int, ...] | None
    dtype: np.dtype[Any] | None

    def __new__(cls, text: str, value: Any = None, tensor: bool = False) -> Term:
        term = super().__new__(cls, text)
        term.shape = np.shape(value) if tensor else None
        term.dtype = np.result_type(value) if tensor else None
        return term

    @property
    def ndim(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    @property
    def size(self) -> int | None:
        return None if self.shape is None else math.prod(self.shape)


@dataclass
class Argument:
    """One parameter of the generated function.

    Attributes:
        name: the name the parameter would like (made a unique identifier by `write`).
        node: the leaf node whose data it takes, or None for a plain number or array.
        value: its value when the code was generated (the node's data, or the object).
        role: "input" (an argument of the traced function), "leaf" (another leaf of the
            graph: a parameter, or a constant node) or "constant" (an array too big to
            write into the code).
    """

    name: str
    node: Node | None
    value: Any
    role: str


@dataclass
class Source:
    """The generated module and what a caller needs to run it."""

    text: str
    function: str  #: the name of the function in it
    arguments: list[str]  #: its parameters, in order
    inputs: list[Argument]  #: what each parameter holds (constants found while writing too)
    gradients: list[str]  #: the names of the leaves whose gradients it returns, in order
    line_ops: dict[int, str]  #: line number (from 1) -> name of the op written there


def write(
    graph: Graph,
    names: Mapping[Node, str],
    arguments: Sequence[Argument],
    wrt: Sequence[Node],
    aliases: Mapping[int, Any] | None = None,
    function: str = "backprop",
) -> Source:
    """Write `graph` as a module whose `function` returns the root and its gradients.

    Args:
        graph: what to write (see `graph_of`).
        names: a name for every node (see `naming.names_for`), made into identifiers here.
        arguments: the function's parameters; every leaf of the graph must be one of them
            (by node or, for plain values, by identity) or be in `aliases`.
        wrt: the leaves whose gradients the function returns, in that order.
        aliases: ``id(x) -> y`` for leaves and plain values written as `y`, an op node
            or the value of an argument: a detached copy of a node, or a leaf made
            inside a traced function from one of its arguments.
        function: the name of the generated function.

    Raises:
        NotImplementedError: an op of the graph has no `ops.Code`.
    """
    return _Writer(graph, names, arguments, wrt, aliases or {}, function).module()


# ----------------------------------------------------------------------------------
# Identifiers and constants
# ----------------------------------------------------------------------------------


def _identifier(name: str, taken: set[str]) -> str:
    """`name` as a fresh Python identifier: ``w1*x1`` -> ``w1_x1``, ``0_linear/w`` ->
    ``_0_linear_w``; never starting with ``d_`` (gradients are ``d_<name>``)."""
    text = re.sub(r"\W+", "_", name).strip("_")
    if not text or not ("_" + text).isidentifier():
        text = "node"
    if text[0].isdigit() or text.startswith("d_"):
        text = "_" + text
    if keyword.iskeyword(text) or text in _RESERVED:
        text += "_"
    ident, k = text, 1
    while ident in taken:
        k += 1
        ident = f"{text}_{k}"
    taken.add(ident)
    return ident


def _number(x: Any) -> str:
    """A float or int as Python source that reads back to the same value."""
    if isinstance(x, bool | np.bool_):
        return repr(bool(x))
    if isinstance(x, int | np.integer):
        return repr(int(x))
    f = float(x)
    if math.isnan(f):
        return 'float("nan")'
    if math.isinf(f):
        return f'float("{"-" if f < 0 else ""}inf")'
    return repr(f)


def _nested(x: Any) -> str:
    """A nested list from `ndarray.tolist()` as source."""
    if isinstance(x, list):
        return "[" + ", ".join(_nested(v) for v in x) + "]"
    return _number(x)


def literal(value: Any) -> str | None:
    """`value` as source, or None if it is not a plain value that fits in the code."""
    if value is None:
        return "None"
    if isinstance(value, bool | int | float):
        text = _number(value)
        return f"({text})" if text.startswith("-") else text
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return f"{dtype_code(value.dtype)}({_number(value)})"
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        if value.size > LITERAL_LIMIT:
            return None
        if value.size == 0:
            return f"np.empty({value.shape}, dtype={dtype_code(value.dtype)})"
        return f"np.array({_nested(value.tolist())}, dtype={dtype_code(value.dtype)})"
    return None


def dtype_code(dtype: np.dtype[Any]) -> str:
    """The numpy scalar type of `dtype` as source: ``np.float32``, ``np.bool_``."""
    return "np.bool_" if dtype.kind == "b" else f"np.{dtype.name}"


def _atomic(expr: str) -> bool:
    """Whether `expr` can take a method call without parentheses."""
    if expr.isidentifier():
        return True
    depth = 0
    for i, ch in enumerate(expr):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0 and i != len(expr) - 1:
                return False
        elif depth == 0 and not (ch.isalnum() or ch in "_."):
            return False
    return expr.endswith((")", "]"))


def _is_sum(expr: str) -> bool:
    """Whether `expr` adds or subtracts outside any brackets (``a - b * c``)."""
    depth = 0
    for i, ch in enumerate(expr):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0 and ch in "+-" and expr[i - 1 : i + 2] in (" + ", " - "):
            return True
    return False


def _paren(expr: str) -> str:
    return expr if _atomic(expr) else f"({expr})"


def _rule_text(op: Op, index: int, n_inputs: int) -> str:
    """The part of the op's formula that concerns input `index`."""
    parts = op.formula.split("; ")
    if not op.variadic and len(parts) == n_inputs:
        return parts[index]
    return op.formula


# ----------------------------------------------------------------------------------
# The writer
# ----------------------------------------------------------------------------------


class _Writer:
    def __init__(
        self,
        graph: Graph,
        names: Mapping[Node, str],
        arguments: Sequence[Argument],
        wrt: Sequence[Node],
        aliases: Mapping[int, Any],
        function: str,
    ) -> None:
        self.graph = graph
        self.tensor = not _is_scalar(graph.root)
        self.aliases = aliases
        self.function = function
        self.helpers: list[str] = []
        for _, (op, _) in graph.ops.items():
            if op.code is None:
                raise NotImplementedError(
                    f"op '{op.name}' has no code for the code generator (its Op.code is "
                    "None); give it a Code next to its rule in tinygrad_lite/ops.py"
                )
            for helper in op.code.helpers:
                if helper not in self.helpers:
                    self.helpers.append(helper)
        taken = {function} | {n for h in self.helpers for n in re.findall(r"def (\w+)", h)}
        self.taken = taken
        self.arguments = list(arguments)
        self.ident: dict[int, str] = {}  # id(node or plain value) -> identifier
        self.arg_names = [
            self._name(a.node if a.node is not None else a.value, a.name) for a in arguments
        ]
        for node in graph.ops:
            self._name(node, names.get(node) or (node.label or "node"))
        self.wrt = list(wrt)
        self.extra: list[Argument] = []  # arrays too big to write in, found while writing

    # --- names ------------------------------------------------------------------
    def _name(self, key: Any, preferred: str) -> str:
        ident = _identifier(preferred, self.taken)
        self.ident[id(key)] = ident
        return ident

    def const(self, value: Any) -> str:
        """A plain value: its argument, the node it is a copy of, or a literal."""
        known = self.ident.get(id(value))
        if known is not None:
            return known
        alias = self.aliases.get(id(value))
        if alias is not None:
            return self.ident[id(alias)]
        text = literal(value)
        if text is not None:
            return text
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"cannot write a {type(value).__name__} into generated code: {value!r:.60}"
            )
        argument = Argument(f"const{len(self.extra) + 1}", None, value, "constant")
        self.extra.append(argument)
        return self._name(value, argument.name)

    def term(self, x: Any) -> Term:
        """The expression for an input of an op: a variable or a constant."""
        if isinstance(x, Node):
            text = self.ident.get(id(x))
            if text is None:
                alias = self.aliases.get(id(x))
                if alias is None:
                    raise ValueError(
                        f"leaf {x.label or type(x).__name__} of the graph is not an argument"
                    )
                text = self.ident[id(alias)]
            return Term(text, x.data, True) if self.tensor else text  # type: ignore[return-value]
        text = self.const(x)
        return Term(text, x, True) if self.tensor else text  # type: ignore[return-value]

    def grad(self, node: Node) -> str:
        return "d_" + self.ident[id(node)]

    # --- the two parts ----------------------------------------------------------
    def forward(self) -> Lines:
        lines: Lines = []
        scope: str | None = None
        for node, (op, inputs) in self.graph.ops.items():
            if node.scope != scope:
                scope = node.scope
                lines.append(("", None))
                if scope is not None:
                    lines.append((f"# {scope}", None))
            assert op.code is not None
            snippet = op.code.forward
            if isinstance(snippet, str):  # names a, b, c for the first three inputs
                expr = snippet.format(**dict(zip("abc", map(self.term, inputs), strict=False)))
            else:
                expr = snippet(self.const, *map(self.term, inputs))
            lines.append((f"{self.ident[id(node)]} = {expr}", op.name))
        return lines

    def backward(self) -> tuple[Lines, dict[Node, Lines]]:
        """The lines for intermediate nodes, and each leaf's contributions, in walk order."""
        root = self.graph.root
        lines: Lines = [(f"{self.grad(root)} = {self._seed()}", None)]
        started = {root}
        leaves: dict[Node, Lines] = {leaf: [] for leaf in self.wrt}
        for node in reverse_topological(root):
            made = self.graph.ops.get(node)
            if made is None:
                continue
            op, inputs = made
            out = Term(self.ident[id(node)], node.data, self.tensor)
            g = Term(self.grad(node), node.data, self.tensor)
            if not self.tensor:
                out, g = str(out), str(g)  # type: ignore[assignment]
            terms = [self.term(x) for x in inputs]
            for i, p in enumerate(inputs):
                if not isinstance(p, Node) or not p.requires_grad:
                    continue
                if p not in self.graph.ops and p not in leaves:
                    continue  # a leaf whose gradient is not asked for
                expr, summed = self._contribution(op, i, g, out, terms, node, inputs)
                rule = _rule_text(op, i, len(inputs))
                comment = f"{op.name}: {rule}"
                if summed and "summed" not in rule:
                    comment += " (summed over the broadcast axes)"
                into = leaves.get(p, lines)
                d = self.grad(p)
                if p in started:
                    term = f"({expr})" if _is_sum(expr) else expr  # d + (a - b), as the engine adds
                    into.append((f"{d} = {d} + {term}  # {comment}", op.name))
                else:
                    started.add(p)
                    into.append((f"{d} = {expr}  # {comment}", op.name))
        return lines, leaves

    def _seed(self) -> str:
        root = self.graph.root
        if not self.tensor:
            return "1.0"
        data = np.asarray(root.data)
        if data.shape == ():
            return f"{dtype_code(data.dtype)}(1.0)"
        return f"np.ones({data.shape}, dtype={dtype_code(data.dtype)})"

    def _contribution(
        self,
        op: Op,
        i: int,
        g: Term,
        out: Term,
        terms: list[Term],
        node: Node,
        inputs: tuple[Any, ...],
    ) -> tuple[str, bool]:
        """The expression for one edge, and whether it sums over broadcast axes."""
        assert op.code is not None
        snippet = op.code.vjps[0 if op.variadic else i]
        if snippet is None:
            raise ValueError(f"input {i} of op '{op.name}' has no derivative")
        named = dict(zip(("g", "out", "a", "b", "c"), [g, out, *terms], strict=False))
        if isinstance(snippet, str):
            expr = snippet.format(**named)
        else:
            expr = snippet(self.const, g, out, *terms)
        if not self.tensor:
            return expr, False
        # Sum a broadcast contribution back to the input's shape, in its dtype, as
        # Tensor._accumulate does; the rule run once on this data says what comes out.
        target = inputs[i].data
        shape, dtype = _contribution_meta(op, i, node.data, inputs)
        summed = shape != target.shape
        if summed:
            expr = unbroadcast_code(_paren(expr), shape, target.shape)
        if dtype != target.dtype:
            expr = f"{_paren(expr)}.astype({dtype_code(target.dtype)})"
        return expr, summed

    # --- the module -------------------------------------------------------------
    def module(self) -> Source:
        forward = self.forward()
        backward, leaves = self.backward()
        tail: Lines = []
        if leaves:
            tail.append(("", None))
            tail.append(("# the leaves: one term for each use of the leaf", None))
        for leaf, contributions in leaves.items():
            if not contributions and leaf is not self.graph.root:
                tail.append((f"{self.grad(leaf)} = {self._zeros(leaf)}", None))
            tail += contributions
        root_name = self.ident.get(id(self.graph.root)) or self.term(self.graph.root)
        grads = [self.grad(leaf) for leaf in self.wrt]
        if len(grads) == 1:
            grads[0] += ","
        body: Lines = [("# forward", None)]
        body += forward[1:] if forward and forward[0][0] == "" else forward
        body += [("", None), (f"# backward: d_<name> = d {root_name} / d <name>", None)]
        body += backward + tail
        body.append(("", None))
        body.append((_wrap(f"return {root_name}, (", grads, ")", "    "), None))
        arguments = self.arg_names + [self.ident[id(a.value)] for a in self.extra]
        header = self._signature(arguments)
        doc = self._docstring(root_name)
        lines = [*header.split("\n"), *doc]
        line_ops: dict[int, str] = {}
        function_lines: list[str] = []
        for text, op_name in body:
            code, _, comment = text.partition("  # ")
            if comment and len(text) > 96:  # the comment goes on its own line above
                function_lines.append(f"    # {comment}")
                text = code
            function_lines.append(("    " + text) if text else "")
            if op_name is not None:
                line_ops[len(lines) + len(function_lines)] = op_name
        function_text = "\n".join(lines + function_lines) + "\n"
        helpers = "\n\n".join(h.strip("\n") + "\n" for h in self.helpers)
        rest = (helpers + "\n\n" if helpers else "") + function_text
        top = f'"""{self._module_doc(root_name)}"""\n\n' + prelude(rest, not self.tensor)
        text = top.rstrip("\n") + "\n\n\n" + rest
        offset = text[: text.index(function_text)].count("\n")
        return Source(
            text=text,
            function=self.function,
            arguments=arguments,
            inputs=self.arguments + self.extra,
            gradients=[self.ident[id(leaf)] for leaf in self.wrt],
            line_ops={offset + n: op for n, op in line_ops.items()},
        )

    def _zeros(self, leaf: Node) -> str:
        if not self.tensor:
            return "0.0"
        data = np.asarray(leaf.data)
        return f"np.zeros({data.shape}, dtype={dtype_code(data.dtype)})"

    def _signature(self, arguments: list[str]) -> str:
        return _wrap(f"def {self.function}(", arguments, "):", "")

    def _docstring(self, root_name: str) -> list[str]:
        grads = [self.grad(leaf) for leaf in self.wrt]
        if len(grads) > 12:
            grads = [*grads[:6], f"... ({len(grads)} in all)"]
        text = f"{root_name} and its derivatives with respect to the leaves: {', '.join(grads)}."
        lines = textwrap.wrap(text, 88)
        return [f'    """{lines[0]}', *(f"    {line}" for line in lines[1:]), '    """']

    def _module_doc(self, root_name: str) -> str:
        return (
            f"Backpropagation through the graph of {root_name}, written out by tinygrad_lite.\n\n"
            f"`{self.function}` computes {root_name} from the leaves, then goes back through\n"
            "the graph one edge at a time: each backward line applies the rule in its comment.\n"
        )


def _wrap(start: str, items: list[str], end: str, indent: str) -> str:
    """``start + items + end`` on one line if it fits, else items wrapped below `start`."""
    one_line = f"{indent}{start}{', '.join(items)}{end}"
    if len(one_line) <= 100:
        return one_line[len(indent) :]
    inner = indent + "    "
    wrapped = textwrap.fill(
        ", ".join(items) + ",", 100, initial_indent=inner, subsequent_indent=inner
    )
    return f"{start}\n{wrapped}\n{indent}{end}"


def _is_scalar(node: Node) -> bool:
    return isinstance(node, Value)


def _contribution_meta(
    op: Op, i: int, out: Any, inputs: tuple[Any, ...]
) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """Shape and dtype of what the rule for input `i` gives, from one run on this data."""
    out = np.asarray(out)
    rule = op.vjps[0 if op.variadic else i]
    if rule is pass_gradient:
        return out.shape, out.dtype
    data = [x.data if isinstance(x, Node) else x for x in inputs]
    try:
        with np.errstate(all="ignore"):
            c = rule(np.ones(out.shape, out.dtype), out, *data)
    except (ArithmeticError, ValueError):
        return out.shape, out.dtype  # undefined here; the engine would raise as well
    return np.shape(c), np.result_type(c)
