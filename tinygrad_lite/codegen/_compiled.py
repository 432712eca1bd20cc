"""`compile(fn)`: trace a function once, then run its generated code instead of the graph.

The first call with arguments of a given structure (see `arguments`) runs `fn` as usual,
noting every op (`graph.recording`), and writes the graph out (`writer`). Later calls
with the same structure only run the generated function:

* leaves read from elsewhere (a model's parameters) are read again on every call, so
  an optimizer's in-place updates are seen without tracing again;
* gradients are added into ``.grad`` of the leaves that require grad, as backward does;
* a scalar graph traced with floats also runs on numpy arrays of samples in their place
  (one result per sample; ``.grad`` is left alone, see `Compiled.gradients`).

What the trace cannot see is Python deciding on data (``if loss.data > 1``) or values
computed from data outside the graph (``np.sign(x.data)``): they are frozen into the code.
The first call with different data therefore traces once more and compares; if the code
differs, it raises `TraceError` instead of computing something else.
"""

from __future__ import annotations

import difflib
import functools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node, enable_grad
from tinygrad_lite.codegen._arguments import Flat, flatten, fresh, map_data, paths
from tinygrad_lite.codegen._binder import MISS, write_binder
from tinygrad_lite.codegen._generated import Generated, check_root
from tinygrad_lite.codegen._graph import Graph, graph_of, recording
from tinygrad_lite.codegen._writer import Argument, Source, write
from tinygrad_lite.naming import names_for
from tinygrad_lite.value import Value

__all__ = ["Compiled", "TraceError", "compile"]

_DATA = operator.attrgetter("data")


class TraceError(RuntimeError):
    """The traced graph depends on the data: Python control flow on values, or a value
    computed outside the graph, gave different code for different arguments."""


@dataclass
class _Plan:
    """One trace, written out: the source and what each argument of it is bound to."""

    source: Source
    scalar: bool  #: a graph of Values (else of Tensors)
    captured: list[Node]  #: leaves not among the arguments, read on every call
    slots_with_grad: list[int]  #: data positions of argument leaves that get gradients
    params: list[Node]  #: the captured leaves that get gradients


class _Entry:
    """The code for one argument structure and how to call it."""

    def __init__(self, plan: _Plan, first: list[Any], check: bool) -> None:
        self.plan = plan
        self.generated = Generated(plan.source, plan.scalar)
        self.function = self.generated.function
        self.captured = plan.captured
        self.constants = [a.value for a in plan.source.inputs if a.role == "constant"]
        self.slots_with_grad = plan.slots_with_grad
        self.params = plan.params
        self.tensor = not plan.scalar
        self.first: list[Any] | None = first if check else None
        self.glue: str | None = None  #: source of `call`, once written (see `bind`)
        self.call: Callable[..., Any] = _no_glue
        self.arity = -1

    def bind(self, args: tuple[Any, ...]) -> None:
        """Write the fast path for calls like ``f(*args)`` (`glue` stays "" if unsupported)."""
        written = write_binder(
            args,
            self.function,
            self.captured,
            self.constants,
            self.params,
            _add_array_grads if self.tensor else None,
        )
        if written is None or self.slots_with_grad:
            self.glue = ""
            return
        self.glue, self.call = written
        self.arity = len(args)

    def targets(self, nodes: dict[int, Node]) -> list[Node]:
        """The leaves the gradients belong to, in the order the function returns them."""
        if not self.slots_with_grad:
            return self.params
        return [nodes[i] for i in self.slots_with_grad] + self.params

    def evaluate(self, data: list[Any], arrays: bool = False) -> tuple[Any, tuple[Any, ...]]:
        function = self.generated.on_arrays if arrays else self.function
        assert function is not None
        try:
            return function(*data, *map(_DATA, self.captured), *self.constants)  # type: ignore[no-any-return]
        except (ArithmeticError, ValueError) as exc:
            raise self.generated.located(exc) from exc

    def run(self, data: list[Any], nodes: dict[int, Node]) -> Any:
        """Output and gradients for `data`; gradients added into ``.grad``."""
        try:
            out, grads = self.function(*data, *map(_DATA, self.captured), *self.constants)
        except (ArithmeticError, ValueError) as exc:
            raise self.generated.located(exc) from exc
        targets = self.targets(nodes) if self.slots_with_grad else self.params
        if self.tensor:
            _add_array_grads(targets, grads)
        else:
            for node, g in zip(targets, grads, strict=True):
                node.grad += g
        return out


def _no_glue(*args: Any) -> Any:
    return MISS


def _add_array_grads(targets: Sequence[Node], grads: tuple[Any, ...]) -> None:
    """What `Tensor._accumulate` does with a gradient of the right shape and dtype."""
    for node, g in zip(targets, grads, strict=True):
        if type(g) is not np.ndarray:
            g = np.asarray(g, dtype=node.data.dtype)
        cur = node.grad
        if cur is not None:
            node.grad = cur + g
        elif g.base is not None and not g.flags.writeable:  # a leaf keeps a real array
            node.grad = g.copy()
        else:
            node.grad = g


class Compiled:
    """A function of Values or Tensors, run as generated code (see `compile`).

    Attributes:
        fn: the function.
        check: whether the first call with new data traces again to compare.
        traces: how many times `fn` has been traced (checks included).
    """

    def __init__(self, fn: Callable[..., Any], *, check: bool = True) -> None:
        if not callable(fn):
            raise TypeError(f"compile needs a function, got {type(fn).__name__}")
        self.fn = fn
        self.check = check
        self.traces = 0
        self._entries: dict[tuple[Any, ...], _Entry] = {}
        self._latest: _Entry | None = None
        self._fast: _Entry | None = None  #: the entry whose glue is tried first
        self.__name__: str = getattr(fn, "__name__", type(fn).__name__)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    # --- calling ------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The function's output for these arguments; gradients go into ``.grad``.

        The output is the data: a float for a Value, an array for a Tensor (an array of
        outputs for a scalar graph called with arrays of samples).
        """
        fast = self._fast
        if fast is not None and len(args) == fast.arity and not kwargs:
            try:
                out = fast.call(*args)
            except (ArithmeticError, ValueError) as exc:
                raise fast.generated.located(exc) from exc
            if out is not MISS:
                if fast.tensor and not math.isfinite(out):
                    self._explain_non_finite(args, kwargs)
                return out
        flat = flatten(args, kwargs)
        entry = self._entries.get(flat[0])
        if entry is None:
            vectorised = self._scalar_entry(args, kwargs)
            if vectorised is not None:
                return vectorised.evaluate(flat[1], arrays=True)[0]
            entry = self._add(args, kwargs, flat)
        elif entry.first is not None:
            self._check(entry, args, kwargs, flat[1])
        if entry.first is None and not kwargs:  # checked: its glue may take the next call
            if entry.glue is None:
                entry.bind(args)
            if entry.glue:
                self._fast = entry
        out = entry.run(flat[1], flat[2])
        if entry.tensor and not math.isfinite(out):
            self._explain_non_finite(args, kwargs)
        return out

    def gradients(self, *args: Any, **kwargs: Any) -> tuple[Any, dict[Node, Any]]:
        """Output and gradients for these arguments, without touching ``.grad``.

        Returns:
            ``(output, {leaf: gradient})`` for every leaf that requires grad. With arrays of
            samples in place of floats, both hold one value per sample.
        """
        flat = flatten(args, kwargs)
        entry = self._entries.get(flat[0])
        arrays = False
        if entry is None:
            entry = self._scalar_entry(args, kwargs)
            arrays = entry is not None
            if entry is None:
                entry = self._add(args, kwargs, flat)
        elif entry.first is not None:
            self._check(entry, args, kwargs, flat[1])
        out, grads = entry.evaluate(flat[1], arrays=arrays)
        return out, dict(zip(entry.targets(flat[2]), grads, strict=True))

    def trace(self, *args: Any, **kwargs: Any) -> Generated:
        """The generated code for arguments like these (tracing `fn` if not yet done)."""
        flat = flatten(args, kwargs)
        entry = self._entries.get(flat[0]) or self._add(args, kwargs, flat)
        return entry.generated

    @property
    def generated(self) -> Generated:
        """The code of the latest trace."""
        if self._latest is None:
            raise RuntimeError(
                f"{self.__name__} has not been traced yet: call it once, or .trace(...) "
                "with example arguments"
            )
        return self._latest.generated

    @property
    def source(self) -> str:
        """The source of the latest trace: what runs."""
        return self.generated.source

    # --- tracing ------------------------------------------------------------------
    def _add(self, args: tuple[Any, ...], kwargs: dict[str, Any], flat: Flat) -> _Entry:
        entry = _Entry(self._plan(args, kwargs), flat[1], self.check)
        self._entries[flat[0]] = self._latest = entry
        return entry

    def _plan(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Plan:
        self.traces += 1
        args, kwargs = fresh(args), fresh(kwargs)
        _, data, nodes = flatten(args, kwargs)
        with enable_grad(), recording() as created:
            root = self.fn(*args, **kwargs)
        check_root(root)
        if not root.requires_grad:
            raise RuntimeError(
                f"{self.__name__} returned a result that does not depend on anything that "
                "requires grad, so there are no gradients to compute"
            )
        graph = graph_of(root, created)
        return _bind(graph, data, nodes, paths(self.fn, args, kwargs))

    def _explain_non_finite(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """A Tensor graph's code gave nan or inf, where numpy only warns: run the function
        itself once, so that the engine's `DomainError` names the op if there is one."""
        with enable_grad():
            self.fn(*args, **kwargs)

    def _scalar_entry(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Entry | None:
        """The entry of a scalar graph traced with floats where these arguments have arrays."""
        key = flatten(_arrays_as_floats(args), _arrays_as_floats(kwargs))[0]
        entry = self._entries.get(key)
        return entry if entry is not None and not entry.tensor else None

    def _check(
        self, entry: _Entry, args: tuple[Any, ...], kwargs: dict[str, Any], data: list[Any]
    ) -> None:
        """Trace again with the first call whose data differ, and compare the code."""
        first = entry.first
        assert first is not None
        if all(map(operator.is_, data, first)) or all(
            a is b or (type(a) is float and a == b) for a, b in zip(data, first, strict=True)
        ):
            return
        problem = _difference(entry.plan, self._plan(args, kwargs))
        if problem:
            raise TraceError(
                f"{self.__name__} traced differently with new arguments: {problem}. The code "
                "would compute something else than the function. Python control flow on "
                "data (if/while on a value), values computed outside the graph (float(x), "
                "np.sign(x.data), random numbers) and numbers converted inside the function "
                "(pass floats as Python floats, arrays as numpy arrays) freeze into the "
                "code; write them with the library's ops, or call the function uncompiled"
            )
        entry.first = None

    def __repr__(self) -> str:
        return f"compile({self.__name__}, traces={self.traces})"


def compile(fn: Callable[..., Any] | None = None, *, check: bool = True) -> Any:
    """Run `fn` as generated straight-line code: its graph traced once, then no graph.

    `fn` takes Values, Tensors, floats and numpy arrays (also in lists, tuples and dicts)
    and returns a loss (a Value, or a one-entry Tensor). The compiled function returns the
    loss's data and adds the gradients into ``.grad`` of every leaf that requires grad,
    whether it is an argument or read from elsewhere (a model's parameters), as
    ``loss.backward()`` would. Use it as ``f = compile(fn)`` or as a decorator.

    Args:
        fn: the function to compile.
        check: trace again on the first call with new data and raise `TraceError` if the
            code differs (Python control flow on data). Costs one extra trace.

    Returns:
        A `Compiled`; ``.source`` shows the code it runs.

    Examples:
        >>> from tinygrad_lite import Value
        >>> w = Value(0.5, label="w")
        >>> f = compile(lambda x: (w * x - 1.0) ** 2)
        >>> f(2.0), w.grad
        (0.0, 0.0)
        >>> f(3.0), w.grad
        (0.25, 3.0)
    """
    if fn is None:
        return functools.partial(Compiled, check=check)
    return Compiled(fn, check=check)


# ----------------------------------------------------------------------------------
# Binding a trace to its arguments
# ----------------------------------------------------------------------------------


def _bind(graph: Graph, data: list[Any], nodes: dict[int, Node], slot_names: list[str]) -> _Plan:
    """Find each leaf and constant of `graph` among the arguments, by identity, and write.

    A leaf is an argument node itself, or a node made from an argument's value (``Value(x)``
    or ``Tensor(X)`` inside the function); a constant may be an argument's value (``w * x``
    with a float ``x``). A leaf or constant holding the value of an op node of the graph
    (``h.detach()``) is that node. Other leaves are read from their node on every call.
    """
    names = dict(names_for(graph.root))
    for node, (op, _) in graph.ops.items():  # ops the recorded graph does not show
        names.setdefault(node, node.label or op.name)
    for leaf in graph.leaves:
        names.setdefault(leaf, leaf.label or ("param" if leaf.requires_grad else "input"))
    slot_of_value = {id(v): i for i, v in enumerate(data) if i not in nodes}
    slot_of_node = {n: i for i, n in nodes.items()}
    owners: dict[int, Node | None] = {}
    for node in graph.ops:
        owners[id(node.data)] = None if id(node.data) in owners else node
    preferred = list(slot_names)
    aliases: dict[int, Any] = {}
    captured: list[Node] = []
    for leaf in graph.leaves:
        i = slot_of_node.get(leaf)
        if i is None:
            i = slot_of_value.get(id(leaf.data))
            if i is not None:
                aliases[id(leaf)] = data[i]
        if i is not None:
            if leaf.label and preferred[i] == slot_names[i]:
                preferred[i] = names[leaf]
            continue
        owner = owners.get(id(leaf.data))
        if owner is not None and not leaf.requires_grad:
            aliases[id(leaf)] = owner
        else:
            captured.append(leaf)
    for c in graph.constants:
        owner = owners.get(id(c))
        if id(c) not in slot_of_value and owner is not None:
            aliases[id(c)] = owner
    in_graph = set(graph.leaves)
    inputs = [Argument(preferred[i], nodes.get(i), data[i], "input") for i in range(len(data))]
    inputs += [Argument(names[leaf], leaf, leaf.data, "leaf") for leaf in captured]
    slots_with_grad = [i for i, n in sorted(nodes.items()) if n.requires_grad and n in in_graph]
    params = [leaf for leaf in captured if leaf.requires_grad]
    wrt = [nodes[i] for i in slots_with_grad] + params
    source = write(graph, names, inputs, wrt, aliases)  # type: ignore[arg-type]
    return _Plan(source, isinstance(graph.root, Value), captured, slots_with_grad, params)


def _arrays_as_floats(obj: Any) -> Any:
    """`obj` with every numpy array replaced by a float: the structure of one sample."""
    return map_data(obj, lambda x: 0.0 if type(x) is np.ndarray else x)


def _difference(before: _Plan, after: _Plan) -> str:
    """What differs between two traces of one function, in words ("" if nothing)."""
    if before.source.text != after.source.text:
        old = before.source.text.splitlines()
        new = after.source.text.splitlines()
        for line in difflib.unified_diff(old, new, lineterm="", n=0):
            if line.startswith("-") and not line.startswith("---"):
                changed = line[1:].strip()
                return f"the line `{changed}` changed"
        return "the generated code changed"
    if [id(n) for n in before.params] != [id(n) for n in after.params]:
        return (
            "a leaf that requires grad was created inside the function (each trace made a "
            "new one); create parameters outside and pass them in or read them from a model"
        )
    for a, b in zip(before.source.inputs, after.source.inputs, strict=True):
        if a.role == "input" or (a.node is not None and a.node.requires_grad):
            continue
        x = a.node.data if a.node is not None else a.value
        y = b.node.data if b.node is not None else b.value
        if not np.array_equal(x, y, equal_nan=True):
            return f"the value of {a.name} (a constant of the graph) changed"
    return ""
