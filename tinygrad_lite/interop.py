"""Move models to and from PyTorch: `to_torch(module)` and `from_torch(torch_module)`.

Supported layers: `Linear`, `Sequential`, `ReLU`, `Tanh`, `Sigmoid`, `Identity`, `Flatten`
and their `torch.nn` counterparts. Parameters are copied exactly, in their own dtype
(float64 stays float64). Our `Linear` stores its weight as (n_in, n_out) and PyTorch's as
(n_out, n_in), so weights are transposed on the way. The copies share no memory with the
source model. PyTorch is an optional dependency (``pip install tinygrad_lite[torch]``).
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from tinygrad_lite.nn.layers import Flatten, Identity, Linear, ReLU, Sequential, Sigmoid, Tanh
from tinygrad_lite.nn.module import Module
from tinygrad_lite.tensor import Tensor

__all__ = ["from_torch", "to_torch"]

_ACTIVATIONS: dict[type[Module], str] = {
    ReLU: "ReLU",
    Tanh: "Tanh",
    Sigmoid: "Sigmoid",
    Identity: "Identity",
}


def _torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError(
            "to_torch/from_torch need PyTorch: pip install torch  "
            "(or: pip install tinygrad_lite[torch])"
        ) from None


def _unsupported(kind: str, where: str, supported: str) -> TypeError:
    place = f" at {where}" if where else ""
    return TypeError(f"cannot convert {kind}{place}: supported layers are {supported}")


_OURS = "Linear, Sequential, ReLU, Tanh, Sigmoid, Identity, Flatten"


def to_torch(module: Module) -> Any:
    """A `torch.nn.Module` computing the same function with the same parameters."""
    torch = _torch()
    return _to_torch(torch, module, "")


def _to_torch(torch: Any, module: Module, where: str) -> Any:
    nn = torch.nn
    if isinstance(module, Sequential):
        return nn.Sequential(
            *[
                _to_torch(torch, m, f"{where}{i}" if not where else f"{where}.{i}")
                for i, m in enumerate(module)
            ]
        )
    if isinstance(module, Linear):
        weight = module.weight.data
        layer = nn.Linear(
            module.n_in,
            module.n_out,
            bias=module.bias is not None,
            dtype=_torch_dtype(torch, weight),
        )
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight.T)))
            if module.bias is not None:
                layer.bias.copy_(torch.from_numpy(module.bias.data.copy()))
        return layer
    if isinstance(module, Flatten):
        return nn.Flatten()
    if type(module) in _ACTIVATIONS:
        return getattr(nn, _ACTIVATIONS[type(module)])()
    raise _unsupported(type(module).__name__, where, _OURS)


def _torch_dtype(torch: Any, arr: np.ndarray[Any, Any]) -> Any:
    return torch.from_numpy(np.zeros(0, dtype=arr.dtype)).dtype


def from_torch(torch_module: Any) -> Module:
    """A tinygrad_lite model computing the same function with the same parameters."""
    torch = _torch()
    if not isinstance(torch_module, torch.nn.Module):
        raise TypeError(f"from_torch needs a torch.nn.Module, got {type(torch_module).__name__}")
    return _from_torch(torch, torch_module, "")


def _from_torch(torch: Any, m: Any, where: str) -> Module:
    nn = torch.nn
    if type(m) is nn.Sequential:
        return Sequential(
            *[
                _from_torch(torch, child, f"{where}.{name}" if where else name)
                for name, child in m.named_children()
            ]
        )
    if type(m) is nn.Linear:
        layer = Linear(m.in_features, m.out_features, bias=m.bias is not None)
        weight = m.weight.detach().cpu().numpy()
        layer.weight = Tensor(np.ascontiguousarray(weight.T), requires_grad=True)  # a copy
        layer.weight.label = "weight"
        if m.bias is not None:
            layer.bias = Tensor(m.bias.detach().cpu().numpy(), requires_grad=True)
            layer.bias.label = "bias"
        return layer
    if type(m) is nn.Flatten:
        if m.start_dim != 1 or m.end_dim != -1:
            raise _unsupported(
                f"Flatten(start_dim={m.start_dim}, end_dim={m.end_dim})",
                where,
                "Flatten with the default start_dim=1, end_dim=-1",
            )
        return Flatten()
    for ours, name in _ACTIVATIONS.items():
        if type(m) is getattr(nn, name):
            return ours()
    raise _unsupported(
        f"torch.nn.{type(m).__name__}",
        where,
        "torch.nn.Linear, Sequential, ReLU, Tanh, Sigmoid, Identity, Flatten",
    )
