"""Check an op's derivative rule the way a real graph exercises it.

`gradcheck` on a scalar output starts backward with ``g = 1``. A rule that forgets to
multiply by the upstream gradient ``g`` then gives the right numbers whenever the op is
the last one (``softplus(a * b)``) or is followed by a sum (``softplus(t).sum()``): the
check passes and the graph it will be used in gets wrong gradients. `check_op` puts a
random projection after the op, ``<R, op(x)>``, so the gradient reaching the rule is
never 1 and, for arrays, differs entry by entry. It draws the inputs with Hypothesis
from the op's domain (`Op.domain`, see `tinygrad_lite.testing.safe_floats`) and checks,
in this order, each stage on Values (floats) and then on Tensors (arrays):

1. first order: the forward; every rule's result (not None, a number for a float input,
   an array of its input's shape for an array input); the gradient of ``<R, op(x)>``
   against central differences;
2. second order: the gradient recorded by ``backward(create_graph=True)``, projected on
   a random ``S``, differentiated again and compared with central differences of that
   gradient. This passes only if the rule is written with operators and the
   dispatching functions of `tinygrad_lite.ops` (``exp``, ``sigmoid``, ...).

The first failure is shrunk by Hypothesis to a simple point and reported with the
message the engine would give, or with a table and a hint (a forgotten ``g``, a flipped
sign, a constant factor, a rule that is wrong only for negative inputs).

Needs Hypothesis (the ``test``, ``notebooks`` and ``class`` extras).

Examples:
    >>> import numpy as np
    >>> from tinygrad_lite.ops import Op, sigmoid
    >>> SOFTPLUS = Op("softplus", "softplus", "d/da = sigmoid(a)",
    ...               lambda a: np.logaddexp(0.0, a), (lambda g, out, a: g * sigmoid(a),))
    >>> check_op(SOFTPLUS).passed
    True
    >>> FORGETS_G = Op("softplus", "softplus", "d/da = sigmoid(a)",
    ...                lambda a: np.logaddexp(0.0, a), (lambda g, out, a: sigmoid(a),))
    >>> print(check_op(FORGETS_G).failure.hint)  # doctest: +ELLIPSIS
    the rule for a gives the same result when g doubles: it forgets to multiply by ...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised by simulating a missing package
    raise ImportError(
        "tinygrad_lite.checkrule needs hypothesis. In a clone of the repository, install the "
        'test extra: pip install -e ".[test]"; anywhere else: pip install hypothesis'
    ) from exc

from tinygrad_lite.autograd import Node, apply, enable_grad
from tinygrad_lite.errors import DomainError, RuleError
from tinygrad_lite.gradcheck import GradcheckReport, gradcheck
from tinygrad_lite.ops import Op
from tinygrad_lite.rule_errors import bad_result, explain_exception, is_domain_trouble, rule_raised
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.testing import op_inputs
from tinygrad_lite.value import Value

__all__ = ["OpCheckFailure", "OpCheckReport", "check_op"]

#: Names of the inputs in reports, as in the formulas of the op table.
_LETTERS = "abcdefgh"


def _name(k: int) -> str:
    """The name of input `k` in reports: a, b, c, ... then x8, x9, ..."""
    return _LETTERS[k] if k < len(_LETTERS) else f"x{k}"


@dataclass(frozen=True)
class OpCheckFailure:
    """Where and how a rule failed: the first failing case, shrunk to a simple one."""

    stage: str  #: "first order" or "second order"
    kind: str  #: "Value" or "Tensor"
    inputs: tuple[Any, ...]  #: the op's inputs (floats or arrays)
    upstream: Any  #: the gradient that reached the op's output (R)
    message: str  #: what went wrong, as the engine or the comparison tells it
    report: GradcheckReport | None = None  #: the comparison, when it got that far
    hint: str = ""  #: the likely mistake, when the numbers point to one

    def __str__(self) -> str:
        point = ", ".join(f"{_name(k)} = {_show(x)}" for k, x in enumerate(self.inputs))
        lines = [
            f"{self.stage}, on {self.kind}s, at {point}, upstream gradient g = "
            f"{_show(self.upstream)}:"
        ]
        lines += ["  " + line for line in self.message.splitlines()]
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


@dataclass(frozen=True)
class OpCheckReport:
    """The outcome of `check_op`: truthy when every case passed.

    ``assert check_op(op)`` reads naturally; `assert_passed` raises with the whole
    report as its message, which is what a notebook's check cell wants.
    """

    op: str
    cases: int  #: how many random cases ran
    checked: str  #: what was checked, in words
    failure: OpCheckFailure | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None

    def __bool__(self) -> bool:
        return self.passed

    def assert_passed(self) -> None:
        """Raise AssertionError with the report if the rule failed."""
        if self.failure is not None:
            raise AssertionError(str(self))

    def __str__(self) -> str:
        if self.failure is None:
            return f"check_op {self.op!r}: passed {self.cases} random cases ({self.checked})"
        return f"check_op {self.op!r}: FAILED\n{self.failure}"

    def __repr__(self) -> str:
        return f"OpCheckReport: {self}"


def check_op(
    op: Op,
    *,
    points: st.SearchStrategy[tuple[float, ...]] | None = None,
    tensor_shape: tuple[int, ...] | None = (2, 3),
    second_order: bool = True,
    n_inputs: int = 2,
    max_examples: int = 25,
    seed: int = 0,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> OpCheckReport:
    """Check `op`'s forward and derivative rules at random points of its domain.

    Args:
        op: the op; its rules are called as ``vjp(g, out, *inputs)``.
        points: a Hypothesis strategy for one tuple of input numbers (default:
            `tinygrad_lite.testing.op_inputs(op)`, which respects ``op.domain``). A
            Tensor case stacks as many points as its arrays have entries.
        tensor_shape: the shape of the arrays of the Tensor cases; None checks Values only.
        second_order: also check gradients of gradients (``create_graph=True``).
        n_inputs: how many inputs a variadic op gets.
        max_examples: random cases per stage and kind.
        seed: seeds the draws, so a failing check can be repeated.
        eps: as for `gradcheck`.
        atol: as for `gradcheck`.
        rtol: as for `gradcheck`.

    Returns:
        An `OpCheckReport`: truthy if every case passed; otherwise it holds the first
        failure, shrunk to a simple point, with a hint when the numbers suggest one.

    Examples:
        >>> from tinygrad_lite.ops import OPS
        >>> bool(check_op(OPS["tanh"], max_examples=5))
        True
    """
    if not isinstance(op, Op):
        raise TypeError(f"check_op needs an Op, got {type(op).__name__}")
    arity = n_inputs if op.variadic else len(op.vjps)
    drawn = points if points is not None else op_inputs(op, n_terms=n_inputs)
    kinds = ["Value"] if tensor_shape is None else ["Value", "Tensor"]
    stages = ["first order", "second order"] if second_order else ["first order"]
    checked = _describe(tensor_shape, stages)
    tolerances = (eps, atol, rtol)
    cases = 0
    for stage in stages:
        for kind in kinds:
            shape = None if kind == "Value" else tensor_shape
            cases_of_kind = _case(drawn, arity, shape, op)
            ran, failure = _run(op, stage, cases_of_kind, tolerances, max_examples, seed)
            cases += ran
            if failure is not None:
                return OpCheckReport(op.name, cases, checked, failure)
    return OpCheckReport(op.name, cases, checked)


# ----------------------------------------------------------------------------------
# Cases: inputs and projections drawn by Hypothesis
# ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Case:
    kind: str
    inputs: tuple[Any, ...]  #: floats, or arrays of the Tensor shape
    upstream: Any  #: R: a float, or an array of the output's shape
    second: tuple[Any, ...]  #: S: one projection per input, of that input's shape


def _weights() -> st.SearchStrategy[float]:
    """Projection entries: away from 0 and from 1, so that a forgotten g always shows."""
    return st.one_of(_floats(0.25, 0.75), _floats(1.5, 3.0), _floats(-3.0, -0.25))


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def _case(
    draw: st.DrawFn,
    points: st.SearchStrategy[tuple[float, ...]],
    arity: int,
    shape: tuple[int, ...] | None,
    op: Op,
) -> _Case:
    if shape is None:
        inputs: tuple[Any, ...] = tuple(float(x) for x in draw(points))
        _check_arity(op, inputs, arity)
        return _Case("Value", inputs, draw(_weights()), tuple(draw(_weights()) for _ in inputs))
    size = math.prod(shape)
    rows = draw(st.lists(points, min_size=size, max_size=size))
    for row in rows:
        _check_arity(op, tuple(row), arity)
    inputs = tuple(
        np.array([float(row[k]) for row in rows], dtype=np.float64).reshape(shape)
        for k in range(arity)
    )
    try:
        out_shape = np.shape(op.forward(*inputs))
    except Exception:
        out_shape = shape  # the forward's failure is reported when the case runs
    upstream = _array(draw, out_shape)
    return _Case("Tensor", inputs, upstream, tuple(_array(draw, shape) for _ in inputs))


def _array(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    size = math.prod(shape)
    return np.array(draw(st.lists(_weights(), min_size=size, max_size=size))).reshape(shape)


def _check_arity(op: Op, point: tuple[Any, ...], arity: int) -> None:
    if len(point) != arity:
        raise ValueError(
            f"check_op: the points strategy drew {len(point)} number(s) but op {op.name!r} "
            f"takes {arity} input(s)"
        )


# ----------------------------------------------------------------------------------
# Running the cases
# ----------------------------------------------------------------------------------


class _CaseFailed(Exception):
    def __init__(self, failure: OpCheckFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _run(
    op: Op,
    stage: str,
    cases: st.SearchStrategy[_Case],
    tolerances: tuple[float, float, float],
    max_examples: int,
    seed: int,
) -> tuple[int, OpCheckFailure | None]:
    """Run one stage on one kind of input through Hypothesis; the shrunk failure, if any."""
    check = _first_order if stage == "first order" else _second_order
    ran = 0

    @hypothesis_seed(seed)
    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(case=cases)
    def one_case(case: _Case) -> None:
        nonlocal ran
        ran += 1
        failure = check(op, case, tolerances)
        if failure is not None:
            raise _CaseFailed(failure)

    try:
        one_case()
    except _CaseFailed as failed:
        return ran, failed.failure
    return ran, None


def _first_order(
    op: Op, case: _Case, tolerances: tuple[float, float, float]
) -> OpCheckFailure | None:
    """The forward, the rules' results, and the gradient of <R, op(x)>."""

    def fail(message: str, report: GradcheckReport | None = None, hint: str = "") -> OpCheckFailure:
        return OpCheckFailure(
            "first order", case.kind, case.inputs, case.upstream, message, report, hint
        )

    out, problem = _forward(op, case)
    if problem:
        return fail(problem)
    for i, x in enumerate(case.inputs):
        rule = _rule(op, i)
        try:
            result = rule(case.upstream, out, *case.inputs)
        except Exception as exc:
            return fail(str(rule_raised(op, i, exc, case.inputs, name=_name(i))))
        wrong = bad_result(op, i, result, x, out, strict=True, name=_name(i))
        if wrong is not None:
            return fail(str(wrong))
    report, problem = _compare(
        lambda *xs: _project(_call(op, *xs), case.upstream), case, tolerances
    )
    if problem:
        return fail(problem)
    if report is not None and not report:
        return fail(
            "the rule's gradient and central differences disagree:\n" + str(report),
            report,
            _hint(op, case, out, tolerances),
        )
    return None


def _second_order(
    op: Op, case: _Case, tolerances: tuple[float, float, float]
) -> OpCheckFailure | None:
    """The gradient from create_graph=True, projected on S, against its central differences."""
    constant: list[str] = []

    def projected_gradient(*xs: Node) -> Node:
        with enable_grad():
            loss = _project(_call(op, *xs), case.upstream)
            saved = [x.grad for x in xs]
            for x in xs:
                x.zero_grad()
            loss.backward(create_graph=True)
            grads = [x.grad for x in xs]
            for x, grad in zip(xs, saved, strict=True):
                x.grad = grad
        total: Any = 0.0
        for k, (x, grad, s) in enumerate(zip(xs, grads, case.second, strict=True)):
            if not (isinstance(grad, Node) and grad.requires_grad):
                constant.append(_name(k))
                grad = type(x)._const(getattr(grad, "data", grad))
            total = total + _project(grad, s) + _project(x, 0.0 * s)  # x keeps h in the graph
        result: Node = total
        return result

    report, problem = _compare(projected_gradient, case, tolerances)
    if problem:
        return OpCheckFailure("second order", case.kind, case.inputs, case.upstream, problem)
    if report is not None and not report:
        hint = ""
        if constant:
            hint = (
                f"with create_graph=True the gradient for {', '.join(sorted(set(constant)))} "
                "is a constant, not a node that depends on the inputs: the rule computes "
                "outside the graph (with math or numpy). Write it with operators and the "
                "functions of tinygrad_lite.ops (exp, log, tanh, sigmoid, ...), which "
                "record on nodes."
            )
        return OpCheckFailure(
            "second order",
            case.kind,
            case.inputs,
            case.upstream,
            "the gradient of <S, gradient> and central differences disagree (S is a random "
            f"projection, {_show(case.second[0])} for a):\n{report}",
            report,
            hint,
        )
    return None


# ----------------------------------------------------------------------------------
# Pieces
# ----------------------------------------------------------------------------------


def _rule(op: Op, i: int) -> Callable[..., Any]:
    return op.vjps[0] if op.variadic else op.vjps[i]


def _forward(op: Op, case: _Case) -> tuple[Any, str]:
    """The op's output on the case's data, or a message saying why there is none."""
    try:
        out = op.forward(*case.inputs)
    except Exception as exc:
        if not is_domain_trouble(exc):
            return None, "the forward failed: it " + explain_exception(exc)
        declared = op.domain or "none (every real number)"
        return None, (
            f"the forward is not defined here ({type(exc).__name__}: {exc}).\nThe inputs "
            f"were drawn from the op's declared domain, {declared}. Declare where the op "
            "is defined and smooth, for example Op(..., domain=((0.05, math.inf),)) for a "
            "log-like op."
        )
    values = np.asarray(out, dtype=object if out is None else None)
    if out is None or values.dtype.kind not in "fiu":
        return None, f"the forward returned {type(out).__name__}, not a number or an array"
    if not np.all(np.isfinite(values)):
        return None, f"the forward gave a non-finite result, {_show(out)}"
    if case.kind == "Tensor" and not isinstance(out, np.ndarray):
        return None, (
            f"the forward turned arrays into a {type(out).__name__}; on a Tensor it must "
            "return an array (np.exp, np.log, ... work entry by entry)"
        )
    return out, ""


def _call(op: Op, *xs: Node) -> Node:
    """Record `op` on the nodes `xs` (all Values or all Tensors)."""
    data = op.forward(*(x.data for x in xs))
    if isinstance(xs[0], Value):
        return apply(Value, op, xs, float(data))
    return apply(Tensor, op, xs, np.asarray(data, dtype=np.float64))


def _project(node: Any, weights: Any) -> Any:
    """<weights, node> as a scalar node: the downstream that makes g random."""
    if isinstance(node, Tensor):
        return (node * Tensor(np.asarray(weights, dtype=np.float64))).sum()
    return node * float(weights)


def _leaves(case: _Case) -> list[Node]:
    if case.kind == "Value":
        return [Value(x, label=_name(k)) for k, x in enumerate(case.inputs)]
    return [Tensor(x.copy(), requires_grad=True, label=_name(k)) for k, x in enumerate(case.inputs)]


def _compare(
    f: Callable[..., Node], case: _Case, tolerances: tuple[float, float, float]
) -> tuple[GradcheckReport | None, str]:
    """gradcheck of `f` at the case's inputs, or the message of what stopped it."""
    eps, atol, rtol = tolerances
    try:
        return gradcheck(f, _leaves(case), eps=eps, atol=atol, rtol=rtol), ""
    except (RuleError, DomainError) as exc:
        return None, str(exc)
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _hint(op: Op, case: _Case, out: Any, tolerances: tuple[float, float, float]) -> str:
    """The likely mistake behind a first-order mismatch, or ''.

    A forgotten g shows when g doubles and the result does not. The other mistakes show
    on plain numbers with g = 1: the rule against a central difference of the forward at
    a few probe points near the failing one.
    """
    for i in range(len(case.inputs)):
        if _ignores_g(_rule(op, i), case, out):
            return (
                f"the rule for {_name(i)} gives the same result when g doubles: it "
                "forgets to multiply by the upstream gradient g. (gradcheck on a scalar "
                "output cannot see this: backward starts with g = 1.)"
            )
    eps, atol, rtol = tolerances
    points, analytic, numeric = _probe(op, case, eps)
    if not points:
        return ""
    ok = np.abs(analytic - numeric) <= atol + rtol * np.abs(numeric)
    if ok.all():
        return ""
    if np.allclose(analytic, -numeric, rtol=1e-3, atol=1e-6):
        return "the rule gives minus the derivative: check its sign."
    significant = np.abs(numeric) > 1e-3
    if significant.sum() >= 2:
        ratios = analytic[significant] / numeric[significant]
        if np.allclose(ratios, ratios[0], rtol=1e-3):
            return (
                f"the rule is off by a constant factor: it gives {ratios[0]:.4g} times the "
                "derivative."
            )
    negative = np.array([min(point) < 0 for point in points])
    if ok[~negative].all() and not ok[negative].any() and (~negative).any():
        return (
            "the rule is right where every input is >= 0 and wrong where one is negative: "
            "check it for negative inputs."
        )
    return ""


def _ignores_g(rule: Callable[..., Any], case: _Case, out: Any) -> bool:
    """Whether the rule gives the same nonzero result for g and for 2 g."""
    try:
        once = np.asarray(rule(case.upstream, out, *case.inputs), dtype=np.float64)
        twice = np.asarray(rule(2 * case.upstream, out, *case.inputs), dtype=np.float64)
    except Exception:
        return False
    return bool(np.any(once != 0) and np.allclose(once, twice))


def _probe(op: Op, case: _Case, eps: float) -> tuple[list[tuple[float, ...]], Any, Any]:
    """Points near the case's where the forward is defined, with the rule's derivative
    (g = 1) and the central difference for each input at each point, as flat arrays."""
    bases = [
        tuple(float(np.asarray(x).flat[j]) for x in case.inputs)
        for j in range(min(np.size(case.inputs[0]), 6))
    ]
    candidates = [p for base in bases for p in _near(base)]
    candidates += [(c,) * len(bases[0]) for c in (0.5, 1.0, 1.5, 2.0, -0.5, -1.0, -1.5, -2.0)]
    points: list[tuple[float, ...]] = []
    analytic: list[float] = []
    numeric: list[float] = []
    for point in dict.fromkeys(candidates):
        try:
            derivatives = [_derivatives(op, point, i, eps) for i in range(len(point))]
        except Exception:
            continue  # outside the domain, or a rule that fails on numbers: no probe here
        points += [point] * len(point)
        analytic += [a for a, _ in derivatives]
        numeric += [n for _, n in derivatives]
    return points, np.array(analytic), np.array(numeric)


def _near(base: tuple[float, ...]) -> list[tuple[float, ...]]:
    moves: list[Callable[[float], float]] = [
        lambda x: x,
        lambda x: -x,
        lambda x: 2 * x,
        lambda x: x / 2,
        lambda x: x + 1,
        lambda x: x - 1,
    ]
    return [tuple(move(x) for x in base) for move in moves]


def _derivatives(op: Op, point: tuple[float, ...], i: int, eps: float) -> tuple[float, float]:
    """The rule's d out / d input i at `point` (g = 1), and the central difference."""
    out = float(op.forward(*point))
    analytic = float(_rule(op, i)(1.0, out, *point))
    plus = list(point)
    minus = list(point)
    plus[i] += eps
    minus[i] -= eps
    numeric = (float(op.forward(*plus)) - float(op.forward(*minus))) / (2 * eps)
    if not (math.isfinite(out) and math.isfinite(analytic) and math.isfinite(numeric)):
        raise ArithmeticError("not finite here")
    return analytic, numeric


def _describe(shape: tuple[int, ...] | None, stages: Sequence[str]) -> str:
    on = "Values" if shape is None else f"Values and Tensors of shape {shape}"
    order = "first and second order" if len(stages) == 2 else stages[0]
    return f"{order}, on {on}, random upstream gradients"


def _show(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=4, separator=", ", max_line_width=200).replace("\n", "")
    return f"{x:.6g}" if isinstance(x, float) else repr(x)
