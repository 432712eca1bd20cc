"""tinygrad_lite: a small, fast, honest reverse-mode automatic-differentiation engine."""

from tinygrad_lite.autograd import enable_grad, is_grad_enabled, no_grad, scope
from tinygrad_lite.errors import DomainError
from tinygrad_lite.value import Value

__version__ = "0.1.0"

__all__ = [
    "DomainError",
    "Value",
    "__version__",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "scope",
]
