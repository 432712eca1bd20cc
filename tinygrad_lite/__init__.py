"""tinygrad_lite: a small, fast, honest reverse-mode automatic-differentiation engine."""

from tinygrad_lite import dtypes as _dtypes
from tinygrad_lite import nn, optim, viz
from tinygrad_lite.anomaly import AnomalyError, detect_anomaly
from tinygrad_lite.autograd import enable_grad, is_grad_enabled, no_grad, scope
from tinygrad_lite.checkpoint import load, save
from tinygrad_lite.codegen import compile
from tinygrad_lite.dtypes import (
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from tinygrad_lite.errors import DomainError, RuleError
from tinygrad_lite.explain import explain
from tinygrad_lite.factories import (
    arange,
    eye,
    full,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from tinygrad_lite.functions import (
    abs,
    argmax,
    argmin,
    clamp,
    cos,
    exp,
    flatten,
    log,
    log_softmax,
    matmul,
    max,
    mean,
    min,
    permute,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    sqrt,
    squeeze,
    std,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
)
from tinygrad_lite.gradcheck import directional_check, gradcheck
from tinygrad_lite.seed import manual_seed
from tinygrad_lite.tensor import Tensor, cat, stack, where
from tinygrad_lite.value import Value

# PyTorch's short dtype names. bool, float and int are attributes only, not in __all__,
# so that `from tinygrad_lite import *` does not hide Python's own.
bool = _dtypes.bool_
"""Booleans, PyTorch's ``torch.bool`` (the dtype of a comparison's result)."""
float = _dtypes.float32
"""float32, PyTorch's ``torch.float``."""
int = _dtypes.int32
"""int32, PyTorch's ``torch.int``."""
half = _dtypes.float16
"""float16, PyTorch's ``torch.half``."""
double = _dtypes.float64
"""float64, PyTorch's ``torch.double`` (the default floating dtype here)."""
long = _dtypes.int64
"""int64, PyTorch's ``torch.long`` (class labels and indices)."""

__version__ = "0.1.0"
"""The version of the package (also in pyproject.toml, CITATION.cff and the changelog)."""

__all__ = [
    "AnomalyError",
    "DomainError",
    "RuleError",
    "Tensor",
    "Value",
    "__version__",
    "abs",
    "arange",
    "argmax",
    "argmin",
    "cat",
    "clamp",
    "compile",
    "cos",
    "detect_anomaly",
    "directional_check",
    "double",
    "enable_grad",
    "exp",
    "explain",
    "eye",
    "flatten",
    "float16",
    "float32",
    "float64",
    "full",
    "get_default_dtype",
    "gradcheck",
    "half",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_grad_enabled",
    "load",
    "log",
    "log_softmax",
    "long",
    "manual_seed",
    "matmul",
    "max",
    "mean",
    "min",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "permute",
    "rand",
    "randn",
    "relu",
    "reshape",
    "save",
    "scope",
    "set_default_dtype",
    "sigmoid",
    "sin",
    "softmax",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sum",
    "tanh",
    "tensor",
    "transpose",
    "uint8",
    "unsqueeze",
    "var",
    "viz",
    "where",
    "zeros",
    "zeros_like",
]
