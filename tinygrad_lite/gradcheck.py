"""Check analytic gradients against central finite differences, with a readable report.

`gradcheck` compares every entry of every input's gradient with
``(f(x + eps) - f(x - eps)) / (2 eps)``, perturbing one entry at a time. That costs two
evaluations of `f` per entry, so for big inputs `directional_check` is the cheap
alternative: it compares ``<grad, u>`` with the central difference of `f` along a few
random unit directions ``u``, two evaluations per direction whatever the input size.

Both work on any node whose data is a Python float (`Value`) or a float64 numpy array:
each input's data is viewed as a flat float64 vector, perturbed in place and restored.
The inputs are left as they were found: data and gradients are put back afterwards.

Examples:
    >>> from tinygrad_lite import Value
    >>> report = gradcheck(lambda a, b: (a * b).tanh(), [Value(0.5, label="a"), 2.0])
    >>> report.passed
    True
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Node, enable_grad, no_grad
from tinygrad_lite.value import Value

__all__ = ["GradcheckReport", "GradcheckRow", "directional_check", "gradcheck"]


@dataclass(frozen=True)
class GradcheckRow:
    """One compared number: a gradient entry (or a directional derivative)."""

    name: str
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool


@dataclass(frozen=True)
class GradcheckReport:
    """The outcome of a check: one row per compared number.

    True in a boolean context exactly when every row is within tolerance, so
    ``assert gradcheck(f, xs)`` reads naturally; printing it shows the table.
    """

    rows: tuple[GradcheckRow, ...]
    eps: float
    atol: float
    rtol: float
    method: str = "central differences"

    @property
    def passed(self) -> bool:
        """Whether every row satisfies |analytic - numeric| <= atol + rtol * |numeric|."""
        return all(row.ok for row in self.rows)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def failures(self) -> tuple[GradcheckRow, ...]:
        """The rows outside tolerance."""
        return tuple(row for row in self.rows if not row.ok)

    @property
    def worst(self) -> GradcheckRow:
        """The row furthest outside (or least inside) its tolerance; NaN counts as worst."""
        return max(self.rows, key=self._badness)

    def _badness(self, row: GradcheckRow) -> float:
        if math.isnan(row.abs_error):
            return math.inf
        return row.abs_error / (self.atol + self.rtol * abs(row.numeric))

    def _summary(self) -> str:
        bad = len(self.failures)
        head = "passed" if not bad else f"FAILED ({bad} of {len(self.rows)} off)"
        worst = self.worst
        return (
            f"gradcheck {head}: {self.method}, eps={self.eps:g}, atol={self.atol:g}, "
            f"rtol={self.rtol:g}; worst {worst.name} (abs error {worst.abs_error:.3g})"
        )

    def table(self, max_rows: int = 40) -> str:
        """The rows as an aligned text table (failing rows first when there are many)."""
        rows = list(self.rows)
        hidden = 0
        if len(rows) > max_rows:
            rows = sorted(rows, key=self._badness, reverse=True)[:max_rows]
            hidden = len(self.rows) - max_rows
        header = ("input", "analytic", "numeric", "abs err", "rel err", "")
        cells = [header] + [
            (
                r.name,
                f"{r.analytic:.8g}",
                f"{r.numeric:.8g}",
                f"{r.abs_error:.2e}",
                f"{r.rel_error:.2e}",
                "ok" if r.ok else "FAIL",
            )
            for r in rows
        ]
        widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
        lines = []
        for line in cells:
            first = line[0].ljust(widths[0])
            rest = [cell.rjust(width) for cell, width in zip(line[1:5], widths[1:5], strict=True)]
            lines.append("  ".join([first, *rest, line[5]]).rstrip())
        if hidden:
            lines.append(f"... {hidden} more rows within tolerance not shown")
        return "\n".join(lines)

    def __str__(self) -> str:
        return f"{self._summary()}\n{self.table()}"

    def __repr__(self) -> str:
        return f"GradcheckReport: {self}"

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(
            f"<th>{h}</th>" for h in ("input", "analytic", "numeric", "abs err", "rel err", "")
        )
        body = []
        for r in self.rows:
            style = "" if r.ok else ' style="color:#b00020;font-weight:bold"'
            body.append(
                f"<tr{style}><td>{esc(r.name)}</td><td>{r.analytic:.8g}</td>"
                f"<td>{r.numeric:.8g}</td><td>{r.abs_error:.2e}</td>"
                f"<td>{r.rel_error:.2e}</td><td>{'ok' if r.ok else 'FAIL'}</td></tr>"
            )
        return (
            f"<p>{esc(self._summary())}</p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )


# ----------------------------------------------------------------------------------
# Inputs: every node's data seen as a flat float64 vector
# ----------------------------------------------------------------------------------


def _prepare_inputs(inputs: Sequence[Any]) -> list[Node]:
    """Check the inputs and wrap plain numbers as Values."""
    if isinstance(inputs, Node) or not isinstance(inputs, Sequence) or isinstance(inputs, str):
        raise TypeError(
            f"inputs must be a list or tuple of nodes or numbers, got {type(inputs).__name__}"
        )
    if not inputs:
        raise ValueError("gradcheck needs at least one input")
    nodes: list[Node] = []
    for k, x in enumerate(inputs):
        if isinstance(x, Node):
            node = x
        elif isinstance(x, Real | np.integer | np.floating) and not isinstance(x, bool | np.bool_):
            node = Value(float(x), label=f"x{k}")
        else:
            raise TypeError(
                f"input {k} must be a node (Value or Tensor) or a real number, "
                f"got {type(x).__name__}"
            )
        if not node.requires_grad:
            raise ValueError(
                f"input {k} ({_name(node, k)}) does not require grad, so it has no gradient "
                "to check; create it with requires_grad=True"
            )
        if not node.is_leaf:
            raise ValueError(
                f"input {k} ({_name(node, k)}) was computed by '{node.op.name if node.op else '?'}'"
                "; gradcheck perturbs inputs in place, so pass leaves "
                "(x.detach().requires_grad_())"
            )
        if isinstance(node.data, np.ndarray) and node.data.dtype != np.float64:
            raise TypeError(
                f"input {k} ({_name(node, k)}) holds {node.data.dtype} data; finite differences "
                "need float64 (convert the data with .astype(np.float64))"
            )
        for j, earlier in enumerate(nodes):
            if earlier is node:
                raise ValueError(f"input {k} is the same node as input {j}; pass each node once")
        nodes.append(node)
    return nodes


def _name(node: Node, k: int) -> str:
    return node.label or f"x{k}"


def _entry_names(node: Node, k: int) -> list[str]:
    """`a` for a scalar, `a[i, j]` for the entries of an array."""
    base = _name(node, k)
    data = node.data
    if not isinstance(data, np.ndarray) or data.ndim == 0:
        return [base]
    return [
        f"{base}[{', '.join(str(int(i)) for i in np.unravel_index(flat, data.shape))}]"
        for flat in range(data.size)
    ]


def _flat(data: Any) -> np.ndarray:
    """A float64 copy of a node's data as a vector."""
    return np.array(data, dtype=np.float64).reshape(-1)


def _get(node: Node, i: int) -> float:
    data = node.data
    return float(data.flat[i]) if isinstance(data, np.ndarray) else float(data)


def _set(node: Node, i: int, x: float) -> None:
    if isinstance(node.data, np.ndarray):
        node.data.flat[i] = x
    else:
        node.data = float(x)


def _set_all(node: Node, vector: np.ndarray) -> None:
    if isinstance(node.data, np.ndarray):
        node.data.flat[:] = vector
    else:
        node.data = float(vector[0])


def _size(node: Node) -> int:
    data = node.data
    return int(data.size) if isinstance(data, np.ndarray) else 1


def _scalar_output(out: Any) -> float:
    """The number inside f's output, after checking that it is a scalar node."""
    if not isinstance(out, Node):
        raise TypeError(
            f"f must return a node (a Value or a one-element Tensor), got {type(out).__name__}"
        )
    data = out.data
    if isinstance(data, np.ndarray):
        if data.size != 1:
            raise ValueError(
                f"f must return a scalar, got an output of shape {data.shape}; "
                "reduce it first (for example with .sum())"
            )
        return float(data.reshape(-1)[0])
    return float(data)


def _grad_vector(node: Node, k: int) -> np.ndarray:
    """The node's gradient as a float64 vector (an empty gradient counts as zeros)."""
    grad = node.grad
    if grad is None:
        return np.zeros(_size(node))
    grad = getattr(grad, "data", grad)
    vector = _flat(grad)
    if vector.size != _size(node):
        raise ValueError(
            f"the gradient of input {k} ({_name(node, k)}) has {vector.size} entries but its "
            f"data has {_size(node)}"
        )
    return vector


@contextmanager
def _preserved(nodes: list[Node]) -> Iterator[None]:
    """Put every input's data and gradient back afterwards, whatever happens."""
    saved = [(n.data.copy() if isinstance(n.data, np.ndarray) else n.data, n.grad) for n in nodes]
    try:
        yield
    finally:
        for node, (data, grad) in zip(nodes, saved, strict=True):
            if isinstance(node.data, np.ndarray):
                node.data[...] = data
            else:
                node.data = data
            node.grad = grad


def _analytic(f: Callable[..., Any], nodes: list[Node]) -> list[np.ndarray]:
    """One backward pass from f(*nodes), the gradients read off the inputs."""
    for node in nodes:
        node.zero_grad()
    with enable_grad():
        out = f(*nodes)
    _scalar_output(out)
    if not out.requires_grad:
        raise ValueError(
            "f's output does not depend on any input through recorded operations "
            "(was it computed under no_grad, or from detached copies?)"
        )
    out.backward()
    return [_grad_vector(node, k) for k, node in enumerate(nodes)]


def _evaluate(f: Callable[..., Any], nodes: list[Node], where: str) -> float:
    """f at the current (perturbed) data, without recording a graph."""
    try:
        with no_grad():
            return _scalar_output(f(*nodes))
    except Exception as exc:
        _add_note(exc, f"raised by f while gradcheck evaluated it at {where}")
        raise


def _add_note(exc: BaseException, note: str) -> None:
    """`exc.add_note(note)`; before Python 3.11 the note is kept in `__notes__` unprinted."""
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:  # Python 3.10
        setattr(exc, "__notes__", [*getattr(exc, "__notes__", []), note])  # noqa: B010


def _row(name: str, analytic: float, numeric: float, atol: float, rtol: float) -> GradcheckRow:
    abs_error = abs(analytic - numeric)
    scale = max(abs(analytic), abs(numeric))
    rel_error = abs_error / scale if scale > 0 else (0.0 if abs_error == 0 else math.inf)
    ok = bool(abs_error <= atol + rtol * abs(numeric))
    return GradcheckRow(name, float(analytic), float(numeric), abs_error, rel_error, ok)


def _check_tolerances(eps: float, atol: float, rtol: float) -> None:
    for what, x in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(x) or x < 0:
            raise ValueError(f"{what} must be a finite number >= 0, got {x!r}")
    if eps == 0:
        raise ValueError("eps must be > 0")


# ----------------------------------------------------------------------------------
# The checks
# ----------------------------------------------------------------------------------


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> GradcheckReport:
    """Compare the gradient of `f` at `inputs` with central finite differences.

    Args:
        f: takes the inputs as positional arguments and returns a scalar node.
        inputs: leaf nodes that require grad, or plain numbers (wrapped as Values).
        eps: the finite-difference step.
        atol: absolute tolerance: an entry passes when
            |analytic - numeric| <= atol + rtol * |numeric|.
        rtol: relative tolerance (see `atol`).

    Returns:
        A `GradcheckReport` with one row per entry of every input; truthy if all pass.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    _check_tolerances(eps, atol, rtol)
    nodes = _prepare_inputs(inputs)
    rows: list[GradcheckRow] = []
    with _preserved(nodes):
        grads = _analytic(f, nodes)
        for k, node in enumerate(nodes):
            names = _entry_names(node, k)
            for i in range(_size(node)):
                x = _get(node, i)
                try:
                    _set(node, i, x + eps)
                    plus = _evaluate(f, nodes, f"{names[i]} + {eps:g}")
                    _set(node, i, x - eps)
                    minus = _evaluate(f, nodes, f"{names[i]} - {eps:g}")
                finally:
                    _set(node, i, x)
                numeric = (plus - minus) / (2 * eps)
                rows.append(_row(names[i], float(grads[k][i]), numeric, atol, rtol))
    return GradcheckReport(tuple(rows), eps, atol, rtol)


def directional_check(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    n_directions: int = 3,
    eps: float = 1e-6,
    seed: int = 0,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> GradcheckReport:
    """Compare `<grad f, u>` with the central difference of `f` along random unit directions.

    Two evaluations of `f` per direction, whatever the number of inputs: the check that
    scales to big tensors. A wrong gradient entry shows up in almost every direction.

    Args:
        f: takes the inputs as positional arguments and returns a scalar node.
        inputs: leaf nodes that require grad, or plain numbers (wrapped as Values).
        eps: the finite-difference step.
        atol: absolute tolerance, as for `gradcheck`.
        rtol: relative tolerance, as for `gradcheck`.
        n_directions: how many random directions (rows of the report).
        seed: seeds the directions, so a failing check can be repeated.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if isinstance(n_directions, bool) or not isinstance(n_directions, int) or n_directions < 1:
        raise ValueError(f"n_directions must be a positive int, got {n_directions!r}")
    _check_tolerances(eps, atol, rtol)
    nodes = _prepare_inputs(inputs)
    rng = np.random.default_rng(seed)
    rows: list[GradcheckRow] = []
    with _preserved(nodes):
        gradient = np.concatenate(_analytic(f, nodes))
        start = [_flat(node.data) for node in nodes]
        sizes = np.cumsum([0] + [_size(node) for node in nodes])
        for d in range(n_directions):
            u = rng.standard_normal(gradient.size)
            u /= np.linalg.norm(u)
            values = []
            for sign in (1.0, -1.0):
                for k, node in enumerate(nodes):
                    _set_all(node, start[k] + sign * eps * u[sizes[k] : sizes[k + 1]])
                values.append(_evaluate(f, nodes, f"a step of {sign * eps:g} along direction {d}"))
            numeric = (values[0] - values[1]) / (2 * eps)
            rows.append(_row(f"direction {d}", float(gradient @ u), numeric, atol, rtol))
    return GradcheckReport(tuple(rows), eps, atol, rtol, method="random directions")
