"""tinygrad_lite: a small, fast, honest reverse-mode automatic-differentiation engine."""

from tinygrad_lite import viz
from tinygrad_lite.anomaly import AnomalyError, detect_anomaly
from tinygrad_lite.autograd import enable_grad, is_grad_enabled, no_grad, scope
from tinygrad_lite.checkpoint import load, save
from tinygrad_lite.errors import DomainError, RuleError
from tinygrad_lite.explain import explain
from tinygrad_lite.gradcheck import directional_check, gradcheck
from tinygrad_lite.seed import manual_seed
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.value import Value

__version__ = "0.1.0"
"""The version of the package (also in pyproject.toml, CITATION.cff and the changelog)."""

__all__ = [
    "AnomalyError",
    "DomainError",
    "RuleError",
    "Tensor",
    "Value",
    "__version__",
    "detect_anomaly",
    "directional_check",
    "enable_grad",
    "explain",
    "gradcheck",
    "is_grad_enabled",
    "load",
    "manual_seed",
    "no_grad",
    "save",
    "scope",
    "viz",
]
