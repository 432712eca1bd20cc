"""Generated code made runnable: `generate` writes a recorded graph out and compiles it.

The source is kept (`Generated.source`) and registered with `linecache`, so a traceback
through generated code shows its lines; an arithmetic error inside it is raised again as
a `DomainError` that names the op and quotes the line.
"""

from __future__ import annotations

import builtins
import itertools
import linecache
import re
import traceback
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_lite.autograd import Node
from tinygrad_lite.codegen._graph import Graph, graph_of
from tinygrad_lite.codegen._writer import Argument, Source, write
from tinygrad_lite.errors import DomainError
from tinygrad_lite.naming import Names, names_for
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.value import Value

__all__ = ["Generated", "generate"]

_serial = itertools.count(1)


class Generated:
    """Backprop for one graph as Python source, compiled and ready to call.

    Calling it runs the generated function: ``out, grads = generated(*values)`` with one
    value per name in `arguments`; `grads` follows `gradients`. Floats run with `math`,
    numpy arrays with numpy.

    Attributes:
        source: the module's text: what runs is exactly what you read.
        function: the generated function itself (errors come out as Python raised them).
        on_arrays: for a scalar graph, the same source run with ``ARRAYS = True``: every
            argument may be a numpy array of samples, and results are one per sample.
            None for a Tensor graph (its code is numpy already).
        arguments: the function's parameters, in order.
        gradients: the names of the leaves whose gradients it returns, in order.
    """

    def __init__(self, source: Source, scalar: bool) -> None:
        self.source = source.text
        self.arguments = tuple(source.arguments)
        self.gradients = tuple(source.gradients)
        self._inputs = source.inputs
        self._line_ops = source.line_ops
        self._filename = f"<tinygrad_lite generated {next(_serial)}>"
        code = builtins.compile(source.text, self._filename, "exec")
        linecache.cache[self._filename] = (
            len(source.text),
            None,
            source.text.splitlines(True),
            self._filename,
        )
        weakref.finalize(self, linecache.cache.pop, self._filename, None)
        self.function: Callable[..., Any] = _load(code, source.function, arrays=False)
        self.on_arrays: Callable[..., Any] | None = (
            _load(code, source.function, arrays=True) if scalar else None
        )

    def __call__(self, *values: Any) -> tuple[Any, tuple[Any, ...]]:
        """Run the function on `values` (one per argument); errors name the op."""
        try:
            return self.function(*values)  # type: ignore[no-any-return]
        except (ArithmeticError, ValueError) as exc:
            raise self.located(exc) from exc

    def values(self) -> list[Any]:
        """The arguments' values now: each leaf's current data (constants as they were)."""
        return [a.node.data if a.node is not None else a.value for a in self._inputs]

    def located(self, exc: BaseException) -> BaseException:
        """`exc` raised inside the generated code, with the op and the line it came from.

        Arithmetic errors and math's domain errors become a `DomainError` naming the op, as
        the engine raises; other errors keep their type.
        """
        if isinstance(exc, DomainError):
            return exc
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename == self._filename and frame.lineno is not None:
                op = self._line_ops.get(frame.lineno, "generated code")
                where = f"generated code, line {frame.lineno}: {(frame.line or '').strip()}"
                if isinstance(exc, ArithmeticError) or "math domain error" in str(exc):
                    return DomainError(op, f"{exc} ({where})")
                return type(exc)(f"{op}: {exc} ({where})")
        return exc

    def __repr__(self) -> str:
        return f"Generated({', '.join(self.arguments)} -> {', '.join(self.gradients)})"


def _load(code: Any, name: str, arrays: bool) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"__name__": "tinygrad_lite_generated"}
    if arrays:
        namespace["ARRAYS"] = True
    exec(code, namespace)
    return namespace[name]  # type: ignore[no-any-return]


def check_root(root: Any) -> Node:
    """`root` if it is a Value or a single-entry Tensor, else an error saying why."""
    if not isinstance(root, Value | Tensor):
        raise TypeError(
            f"generated code starts from a Value or a Tensor (a loss), got {type(root).__name__}"
        )
    if isinstance(root, Tensor) and root.data.size != 1:
        raise ValueError(
            f"generated code differentiates a single number, but this tensor has shape "
            f"{root.shape}; reduce it first (e.g. .sum() or .mean())"
        )
    return root


def generate(root: Node, *, wrt: Sequence[Node] | None = None, name: str = "backprop") -> Generated:
    """Write the graph behind `root` as a Python function returning root and its gradients.

    Every leaf of the graph becomes an argument: first the leaves that need no gradient,
    then the others, each group in the order of their names (x2 before x10; `wrt` sets
    the order of those it names). Plain numbers and small arrays in the graph are written
    in. The forward lines follow the graph depth-first from `root`; `compile` traces a
    function and writes them in the order the function ran them.

    Args:
        root: a Value, or a Tensor with one entry (a loss).
        wrt: the leaves to return gradients for (default: every leaf that requires grad).
        name: the generated function's name.

    Returns:
        A `Generated`: ``.source`` to read, and callable on new values.

    Raises:
        NotImplementedError: an op of the graph has no code (`ops.Code`).
        ValueError: a `wrt` entry is not a leaf of this graph that requires grad.

    Examples:
        >>> from tinygrad_lite import Value
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b + a
        >>> gen = generate(c)
        >>> gen(2.0, -3.0)
        (-4.0, (-2.0, 2.0))
    """
    check_root(root)
    graph = graph_of(root)
    names = names_for(root)

    def by_name(leaves: list[Node]) -> list[Node]:  # x2 before x10
        return sorted(leaves, key=lambda n: _natural(names[n]))

    grad_leaves = by_name([leaf for leaf in graph.leaves if leaf.requires_grad])
    chosen = grad_leaves if wrt is None else _checked_wrt(wrt, grad_leaves)
    rest = [leaf for leaf in grad_leaves if leaf not in set(chosen)]
    order = by_name([leaf for leaf in graph.leaves if not leaf.requires_grad]) + chosen + rest
    inputs = [Argument(names[leaf], leaf, leaf.data, "leaf") for leaf in order]
    return build(graph, names, inputs, chosen, {}, name)


def build(
    graph: Graph,
    names: Names,
    inputs: list[Argument],
    wrt: Sequence[Node],
    aliases: dict[int, Any],
    name: str,
) -> Generated:
    """Write and compile: the step `generate` and `compile` share."""
    source = write(graph, names, inputs, wrt, aliases, name)
    return Generated(source, isinstance(graph.root, Value))


def _natural(name: str) -> list[Any]:
    """A sort key that orders the numbers inside names by value: x2 before x10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _checked_wrt(wrt: Sequence[Node], grad_leaves: list[Node]) -> list[Node]:
    known = set(grad_leaves)
    chosen: list[Node] = []
    for i, leaf in enumerate(wrt):
        if leaf not in known:
            what = getattr(leaf, "label", "") or type(leaf).__name__
            raise ValueError(
                f"wrt[{i}] ({what}) is not a leaf of this graph that requires grad, so it "
                "has no gradient to return"
            )
        if leaf not in chosen:
            chosen.append(leaf)
    return chosen
