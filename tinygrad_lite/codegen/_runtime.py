"""What a generated module defines before its function: the elementwise math functions.

The derivative rules in `ops.py` call ``exp log tanh sin cos sqrt sigmoid relu step sign``, which
pick `math` or numpy by argument type. Generated code calls the same names, bound once at
the top of the module instead of dispatching on every call:

* a scalar graph's module binds them to `math` for floats, or, when the module is run
  with ``ARRAYS = True``, to numpy, so that the same lines compute one value per sample;
* a Tensor graph's module binds them to numpy.

`prelude` writes only the functions a body uses. The definitions below repeat the float
and array branches of the dispatching functions in `ops.py` (the generated code may not
import tinygrad_lite); `tests/test_codegen.py` checks that they agree with them.
"""

from __future__ import annotations

__all__ = ["FUNCTIONS", "prelude"]

#: The functions generated code may call without defining them itself.
FUNCTIONS = ("exp", "log", "tanh", "sin", "cos", "sqrt", "sigmoid", "relu", "step", "sign")

_ALIASED = ("exp", "log", "tanh", "sin", "cos", "sqrt")

_FLOAT_DEFINITIONS = {
    "sigmoid": '''
def sigmoid(a):
    """1 / (1 + exp(-a)), without overflow for either sign."""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)
''',
    "relu": """
def relu(a):
    return 0.0 if a <= 0.0 else a
""",
    "step": '''
def step(a):
    """1 where a > 0, else 0: the derivative of relu (taken as 0 at the kink)."""
    return 1.0 if a > 0.0 else 0.0
''',
    "sign": '''
def sign(a):
    """-1, 0 or 1 by the sign of a: the derivative of abs (0 at the kink)."""
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else a * 0.0
''',
}

_ARRAY_DEFINITIONS = {
    "sigmoid": '''
def sigmoid(a):
    """1 / (1 + exp(-a)), without overflow for either sign."""
    e = np.exp(-np.abs(a))
    out = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    dtype = np.result_type(a)
    return out.astype(dtype, copy=False) if dtype.kind == "f" else out
''',
    "relu": """
def relu(a):
    return np.maximum(a, 0.0)
""",
    "step": '''
def step(a):
    """True where a > 0: the derivative of relu (taken as 0 at the kink)."""
    return a > 0
''',
    "sign": '''
def sign(a):
    """-1, 0 or 1 by the sign of a: the derivative of abs (0 at the kink)."""
    return np.sign(a)
''',
}

_SCALAR_HEADER = """import math

import numpy as np

# The function below runs on floats, with math. Run this module with ARRAYS = True
# (set it here, or pass it in the module's globals) and the same lines run on numpy
# arrays of samples: every variable then holds one value per sample.
ARRAYS = globals().get("ARRAYS", False)
"""

_ARRAY_HEADER = """import numpy as np
"""


def used(body: str) -> list[str]:
    """The names of `FUNCTIONS` that `body` calls, in the order of `FUNCTIONS`."""
    return [name for name in FUNCTIONS if _calls(body, name)]


def _calls(body: str, name: str) -> bool:
    """Whether `body` calls `name` itself (not ``np.name`` or ``other_name``)."""
    call = name + "("
    at = body.find(call)
    while at >= 0:
        if at == 0 or not (body[at - 1].isalnum() or body[at - 1] in "_."):
            return True
        at = body.find(call, at + 1)
    return False


def prelude(body: str, scalar: bool) -> str:
    """Imports and the definitions of the math functions `body` calls.

    Args:
        body: the rest of the module (helpers and the generated function).
        scalar: a scalar graph (math for floats, numpy with ARRAYS) or a Tensor graph.
    """
    names = used(body)
    if not scalar:
        return _ARRAY_HEADER + "\n\n" + _bindings(names, "np", _ARRAY_DEFINITIONS, "", "\n\n")
    if not names:
        return _SCALAR_HEADER
    arrays = _bindings(names, "np", _ARRAY_DEFINITIONS, "    ")
    floats = _bindings(names, "math", _FLOAT_DEFINITIONS, "    ")
    gap = "\n" if "def " in arrays else ""
    return f"{_SCALAR_HEADER}\nif ARRAYS:\n{arrays}{gap}else:\n{floats}"


def _bindings(
    names: list[str], module: str, definitions: dict[str, str], indent: str, gap: str = "\n"
) -> str:
    """``exp, tanh = np.exp, np.tanh`` and the definitions of the others, indented."""
    aliased = [n for n in names if n in _ALIASED]
    parts = []
    if aliased:
        targets = ", ".join(aliased)
        sources = ", ".join(f"{module}.{n}" for n in aliased)
        parts.append(f"{targets} = {sources}\n")
    for name in names:
        if name in definitions:
            parts.append(definitions[name])
    text = gap.join(part.strip("\n") + "\n" for part in parts)
    if not text:
        return indent + "pass\n"
    return "".join(indent + line if line.strip() else line for line in text.splitlines(True))
