"""A compiled function's fast path: generated glue that checks and passes the arguments.

For a call whose arguments are floats, lists or tuples of floats, and numpy arrays (what
a training loop passes), `write_binder` writes a small function with the traced
function's arity: it checks each argument's type, length, shape and dtype against the
trace, calls the generated code with the arguments and the current data of the captured
leaves, and adds the gradients into their ``.grad``. It returns `MISS` when an argument
does not match, and the caller takes the general path (`arguments.flatten`).

It does what the general path does, in a few lines instead of a walk over the arguments:
that walk cost more than the nine-weight graph's own code (benchmarks/bench_codegen.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node

__all__ = ["MISS", "write_binder"]

#: What a binder returns when the arguments do not match its trace.
MISS: Any = object()


def _check(name: str, arg: Any, namespace: dict[str, Any]) -> tuple[str, str] | None:
    """The test that `name` is like `arg`, and how to pass its data; None if unsupported."""
    kind = type(arg)
    if kind is float:
        return f"type({name}) is float", name
    if kind is np.ndarray:
        namespace[f"{name}_dtype"] = arg.dtype
        test = f"type({name}) is ndarray and {name}.shape == {arg.shape!r}"
        return f"{test} and {name}.dtype == {name}_dtype", name
    if (kind is list or kind is tuple) and set(map(type, arg)) == {float}:
        test = f"type({name}) is {kind.__name__} and len({name}) == {len(arg)}"
        return f"{test} and set(map(type, {name})) == FLOATS", f"*{name}"
    return None


def write_binder(
    args: Sequence[Any],
    function: Callable[..., Any],
    captured: Sequence[Node],
    constants: Sequence[Any],
    params: Sequence[Node],
    add_array_grads: Callable[[Sequence[Node], Any], None] | None,
) -> tuple[str, Callable[..., Any]] | None:
    """The glue for calls like ``f(*args)``: its source and the function (None if the
    arguments are not all floats, lists of floats or arrays).

    Args:
        args: the arguments of the traced call.
        function: the generated function.
        captured: leaves read on every call, in the function's argument order.
        constants: arrays passed after them.
        params: the leaves that get the gradients, in the order the function returns them.
        add_array_grads: how Tensor gradients are added (None for a scalar graph).
    """
    namespace: dict[str, Any] = {
        "backprop": function,
        "MISS": MISS,
        "FLOATS": {float},
        "ndarray": np.ndarray,
        "PARAMS": list(params),
        "add_array_grads": add_array_grads,
    }
    names = [f"a{i}" for i in range(len(args))]
    tests, passed = [], []
    for name, arg in zip(names, args, strict=True):
        found = _check(name, arg, namespace)
        if found is None:
            return None
        tests.append(found[0])
        passed.append(found[1])
    for i, node in enumerate(captured):
        namespace[f"c{i}"] = node
        passed.append(f"c{i}.data")
    for i, value in enumerate(constants):
        namespace[f"k{i}"] = value
        passed.append(f"k{i}")
    lines = [f"def call({', '.join(names)}):"]
    if tests:
        lines += [f"    if not ({' and '.join(tests)}):", "        return MISS"]
    lines.append(f"    out, grads = backprop({', '.join(passed)})")
    if add_array_grads is not None:
        lines.append("    add_array_grads(PARAMS, grads)")
    else:
        for j, node in enumerate(params):
            namespace[f"p{j}"] = node
            lines.append(f"    p{j}.grad += grads[{j}]")
    lines.append("    return out")
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<tinygrad_lite binder>", "exec"), namespace)
    return source, namespace["call"]
