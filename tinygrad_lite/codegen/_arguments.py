"""The arguments of a compiled function: their structure, their data, their names.

A call's arguments are walked through lists, tuples and dicts down to their leaves:

* data: floats, numpy arrays and numpy scalars (their values change from call to call),
  and Values and Tensors (their `.data` is the value);
* everything else (ints, strings, None, objects such as a model) is part of the
  structure: a different int is a different structure, as is a different shape or dtype.

`flatten` gives the structure as a hashable key and the data as a flat list; it runs on
every call, so it keeps to C-level loops for the common lists of floats and of Values.
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.value import Value

__all__ = ["Flat", "flatten", "fresh", "map_data", "paths"]

#: (structure key, data values, position in data -> the node whose .data it is)
Flat = tuple[tuple[Any, ...], list[Any], dict[int, Node]]

_FLOAT = "float"
_FLOATS = {float}
_VALUES = {Value}
_STATIC = (int, bool, str, bytes, type(None))
_DATA = operator.attrgetter("data")
_NEEDS_GRAD = operator.attrgetter("requires_grad")
_OP = operator.attrgetter("_op")


def flatten(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Flat:
    """The structure of a call (hashable) and its data, leaf by leaf."""
    key: list[Any] = []
    data: list[Any] = []
    nodes: dict[int, Node] = {}
    for a in args:
        _walk(a, key, data, nodes)
    if kwargs:
        for k in sorted(kwargs):
            key.append(k)
            _walk(kwargs[k], key, data, nodes)
    return tuple(key), data, nodes


def _walk(obj: Any, key: list[Any], data: list[Any], nodes: dict[int, Node]) -> None:
    kind = type(obj)
    if kind is float:
        key.append(_FLOAT)
        data.append(obj)
    elif kind is list or kind is tuple:
        kinds = set(map(type, obj))
        if kinds == _FLOATS:
            key.append((kind, _FLOAT, len(obj)))
            data.extend(obj)
        elif kinds == _VALUES and not any(map(_OP, obj)):  # leaves only
            key.append((kind, Value, tuple(map(_NEEDS_GRAD, obj))))
            nodes.update(enumerate(obj, len(data)))
            data.extend(map(_DATA, obj))
        else:
            key.append((kind, len(obj)))
            for item in obj:
                _walk(item, key, data, nodes)
    elif isinstance(obj, Node):
        if not obj.is_leaf:
            raise TypeError(
                f"a compiled function takes leaves as arguments, but this {kind.__name__} "
                f"was made by '{obj.op.name if obj.op else '?'}'; build it inside the "
                "function, or pass .detach()"
            )
        shape = (obj.data.shape, obj.data.dtype) if isinstance(obj, Tensor) else ()
        key.append((kind, obj.requires_grad, shape))
        nodes[len(data)] = obj
        data.append(obj.data)
    elif kind is np.ndarray:
        key.append((np.ndarray, obj.shape, obj.dtype))
        data.append(obj)
    elif isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
        key.append((np.generic, obj.dtype))
        data.append(obj)
    elif kind is dict:
        key.append((dict, tuple(obj)))
        for item in obj.values():
            _walk(item, key, data, nodes)
    elif isinstance(obj, _STATIC):
        key.append((kind, obj))
    else:  # any other object (a model, a function): by identity
        key.append((object, obj if _hashable(obj) else id(obj)))


def _hashable(obj: Any) -> bool:
    try:
        hash(obj)
    except TypeError:
        return False
    return True


def fresh(obj: Any) -> Any:
    """`obj` with every data value replaced by a new object of equal value.

    A trace finds where each argument ends up in the graph by identity, so no two of them
    may be the same object (two equal floats often are).
    """
    return map_data(obj, _fresh_copy)


def _fresh_copy(x: Any) -> Any:
    if type(x) is float:
        return x * 1.0  # a new float object with the same value (nan and -0.0 too)
    if type(x) is np.ndarray or (isinstance(x, np.generic) and x.dtype.kind in "biuf"):
        return x.copy()
    return x


def map_data(obj: Any, fn: Callable[[Any], Any]) -> Any:
    """`obj` rebuilt through its lists, tuples and dicts, with `fn` applied to the rest."""
    kind = type(obj)
    if kind is list:
        return [map_data(x, fn) for x in obj]
    if kind is tuple:
        return tuple(map_data(x, fn) for x in obj)
    if kind is dict:
        return {k: map_data(v, fn) for k, v in obj.items()}
    return fn(obj)


def paths(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[str]:
    """A name for each data value of `flatten(args, kwargs)`, from `fn`'s parameter names:
    ``x_0``, ``x_1`` for the items of a list argument ``x``; ``y`` for a float ``y``."""
    try:
        params = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    found: list[str] = []
    for i, a in enumerate(args):
        _name(a, params[i] if i < len(params) else f"arg{i}", found)
    for k in sorted(kwargs):
        _name(kwargs[k], k, found)
    return found


def _name(obj: Any, path: str, found: list[str]) -> None:
    kind = type(obj)
    if kind is list or kind is tuple:
        for i, item in enumerate(obj):
            _name(item, f"{path}_{i}", found)
    elif kind is dict:
        for k, item in obj.items():
            _name(item, f"{path}_{k}", found)
    elif (
        kind is float
        or kind is np.ndarray
        or isinstance(obj, Node)
        or (isinstance(obj, np.generic) and obj.dtype.kind in "biuf")
    ):
        found.append(path)
