"""numpy on Tensors: the functions a Tensor has record into the graph, the rest refuse.

``np.exp(t)``, ``ndarray + t``, ``np.sum(t, axis=0)``, ``np.concatenate([a, b])`` and the
other numpy ufuncs and functions that a Tensor method or `tinygrad_lite.tensor` function
does exactly are handed to it (numpy's ``__array_ufunc__`` and ``__array_function__``
protocols), so the result is a Tensor in the graph. Anything else (``np.floor(t)``,
``np.add.reduce(t)``, ``np.exp(t, out=a)``) raises a TypeError that says which Tensor
method to use, or to apply the function to ``t.data`` for a constant: a silent array
would drop out of the graph, and with it the gradient.

This module only knows method names; `tinygrad_lite.tensor` passes in the Tensor class
and its module-level functions (``cat``, ``stack``, ``where``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["FUNCTIONS", "UFUNCS", "array_function", "array_ufunc"]

#: numpy ufunc -> (method when the Tensor is the first operand, when it is the second).
UFUNCS: dict[np.ufunc, tuple[str, str]] = {
    np.add: ("__add__", "__radd__"),
    np.subtract: ("__sub__", "__rsub__"),
    np.multiply: ("__mul__", "__rmul__"),
    np.true_divide: ("__truediv__", "__rtruediv__"),
    np.power: ("__pow__", "__rpow__"),
    np.matmul: ("__matmul__", "__rmatmul__"),
    np.less: ("__lt__", "__gt__"),
    np.less_equal: ("__le__", "__ge__"),
    np.greater: ("__gt__", "__lt__"),
    np.greater_equal: ("__ge__", "__le__"),
    np.equal: ("__eq__", "__eq__"),
    np.not_equal: ("__ne__", "__ne__"),
    np.negative: ("__neg__", ""),
    np.positive: ("__pos__", ""),
    np.exp: ("exp", ""),
    np.log: ("log", ""),
    np.tanh: ("tanh", ""),
    np.sin: ("sin", ""),
    np.cos: ("cos", ""),
    np.sqrt: ("sqrt", ""),
    np.absolute: ("abs", ""),
}

#: What to write instead of a numpy function that has no exact Tensor counterpart.
_HINTS = {
    "maximum": "use tl.where(a > b, a, b), or t.clamp(min=c) against a number",
    "minimum": "use tl.where(a < b, a, b), or t.clamp(max=c) against a number",
    "square": "use t ** 2 or t * t",
    "log1p": "use (1 + t).log()",
    "expm1": "use t.exp() - 1",
    "reciprocal": "use 1 / t",
}


def _refuse(name: str) -> TypeError:
    hint = _HINTS.get(
        name,
        "write it with Tensor methods (t.exp(), t.sum(dim), t.clamp(...), ...), or apply it "
        "to t.data (t.detach().numpy()) for a constant outside the graph",
    )
    return TypeError(
        f"numpy.{name} is not a Tensor operation, so its result would not be in the graph "
        f"and would get no gradient; {hint}"
    )


def array_ufunc(
    tensor: type, ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> Any:
    """numpy's ``__array_ufunc__`` for `tensor` (the Tensor class)."""
    name = ufunc.__name__
    if method != "__call__":
        raise TypeError(
            f"numpy.{name}.{method} on a Tensor is not recorded in the graph; use the Tensor "
            "methods (t.sum(dim), t.max(dim), ...) or apply it to t.data for a constant"
        )
    if kwargs:
        raise TypeError(
            f"numpy.{name} with {', '.join(sorted(kwargs))}= cannot write into or configure "
            f"a Tensor result; write it as an expression (a = a + t), or use t.data for a "
            "constant"
        )
    names = UFUNCS.get(ufunc)
    if names is None:
        raise _refuse(name)
    if ufunc.nin == 1:
        return getattr(inputs[0], names[0])()
    a, b = inputs
    if isinstance(a, tensor):
        return getattr(a, names[0])(b)
    return getattr(b, names[1])(a)


def _var(a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    return a.var(axis=axis, correction=ddof, keepdims=keepdims)


def _std(a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    return a.std(axis=axis, correction=ddof, keepdims=keepdims)


def _size(a: Any, axis: int | None = None) -> int:
    return int(a.numel() if axis is None else a.shape[axis])


def _clip(a: Any, a_min: Any = None, a_max: Any = None) -> Any:
    return a.clamp(a_min, a_max)


def _dot(a: Any, b: Any) -> Any:
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        raise TypeError("numpy.dot of arrays with more than 2 axes differs from a @ b; use a @ b")
    return a @ b


#: numpy function -> a function with numpy's parameters (the supported ones) that calls
#: the Tensor method. Its first argument must be a Tensor.
FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    np.sum: lambda a, axis=None, keepdims=False: a.sum(axis=axis, keepdims=keepdims),
    np.mean: lambda a, axis=None, keepdims=False: a.mean(axis=axis, keepdims=keepdims),
    np.max: lambda a, axis=None, keepdims=False: a.max(axis=axis, keepdims=keepdims),
    np.amax: lambda a, axis=None, keepdims=False: a.max(axis=axis, keepdims=keepdims),
    np.min: lambda a, axis=None, keepdims=False: a.min(axis=axis, keepdims=keepdims),
    np.amin: lambda a, axis=None, keepdims=False: a.min(axis=axis, keepdims=keepdims),
    np.argmax: lambda a, axis=None, keepdims=False: a.argmax(axis=axis, keepdims=keepdims),
    np.argmin: lambda a, axis=None, keepdims=False: a.argmin(axis=axis, keepdims=keepdims),
    np.var: _var,
    np.std: _std,
    np.reshape: lambda a, shape: a.reshape(shape),
    np.transpose: lambda a, axes=None: a.transpose() if axes is None else a.permute(axes),
    np.squeeze: lambda a, axis=None: a.squeeze(axis),
    np.expand_dims: lambda a, axis: a.unsqueeze(axis),
    np.broadcast_to: lambda array, shape: array.broadcast_to(shape),
    np.clip: _clip,
    np.dot: _dot,
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
    np.size: _size,
}

#: numpy functions of several tensors -> the name of the `tinygrad_lite.tensor` function.
_MODULE_FUNCTIONS: dict[Callable[..., Any], str] = {
    np.concatenate: "cat",
    np.stack: "stack",
    np.where: "where",
}


def _module_call(name: str, function: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """np.concatenate(seq, axis) -> cat(seq, axis); np.where(c, x, y) -> where(c, x, y)."""
    if name == "where":
        if len(args) != 3 or kwargs:
            raise TypeError("numpy.where on Tensors needs (condition, x, y); use tl.where")
        return function(*args)
    unknown = set(kwargs) - {"axis"}
    if unknown or len(args) > 2:
        raise TypeError(f"numpy's form of {name} takes (tensors, axis) here; use tl.{name}")
    axis = kwargs.get("axis", args[1] if len(args) == 2 else 0)
    return function(args[0], axis)


def array_function(
    tensor: type,
    module_functions: Mapping[str, Callable[..., Any]],
    func: Callable[..., Any],
    types: Iterable[type],
    args: Any,
    kwargs: Any,
) -> Any:
    """numpy's ``__array_function__`` for `tensor`, with its module-level functions."""
    if not all(issubclass(t, np.ndarray | tensor) for t in types):
        return NotImplemented
    name = getattr(func, "__name__", repr(func))
    if func in _MODULE_FUNCTIONS:
        wanted = _MODULE_FUNCTIONS[func]
        return _module_call(wanted, module_functions[wanted], args, kwargs)
    handler = FUNCTIONS.get(func)
    if handler is None:
        raise _refuse(name)
    try:
        inspect.signature(handler).bind(*args, **kwargs)
    except TypeError:
        extra = [k for k in kwargs if k not in inspect.signature(handler).parameters]
        raise TypeError(
            f"numpy.{name} on a Tensor supports {_parameters(handler)}"
            + (f", not {', '.join(extra)}=" if extra else "")
            + f"; or use the Tensor method t.{_method_hint(name)}"
        ) from None
    if not args or not isinstance(args[0], tensor):
        raise TypeError(f"numpy.{name}: only its first argument may be a Tensor here")
    return handler(*args, **kwargs)


def _parameters(handler: Callable[..., Any]) -> str:
    return "(" + ", ".join(inspect.signature(handler).parameters) + ")"


def _method_hint(name: str) -> str:
    return {"amax": "max", "amin": "min", "expand_dims": "unsqueeze", "clip": "clamp"}.get(
        name, name
    )
