"""Hypothesis strategies for testing gradients: inputs in each op's domain, random graphs.

Property tests of an autodiff engine need inputs where the function is defined and smooth
enough for finite differences, and graphs that look like real ones (shared
sub-expressions, a node used twice by one op). This module provides both:

* `safe_floats(op)` and `op_inputs(op)`: numbers in the domain of one op, kept away from
  poles, kinks and overflow: an op of `tinygrad_lite.ops.OPS` by name, or any `Op`
  (your own included) whose `domain` field says where it is defined;
* `expressions(depth, n_inputs)`: random expression DAGs built only from forms that are
  defined for every input (log of ``x*x + 1``, division by ``y*y + 1``, ...), so a drawn
  graph never needs data-dependent branching; ``extra_ops=`` mixes your own ops in;
* `values()`: leaf `Value`s.

The three-line gradient test:

    @given(expressions(depth=3))
    def test_grads(expr):
        assert gradcheck(expr.build, expr.leaves())

Drawn inputs keep every relu input at least 1e-3 away from its kink, so finite
differences apply; with other inputs, `Expression.near_kink` tells when they do not.

Hypothesis is a test dependency: in a clone, ``pip install -e ".[test]"`` (the ``class``
and ``notebooks`` extras have it too); anywhere else, ``pip install hypothesis``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised by simulating a missing package
    raise ImportError(
        "tinygrad_lite.testing needs hypothesis. In a clone of the repository, install the "
        'test extra: pip install -e ".[test]"; anywhere else: pip install hypothesis'
    ) from exc

import numpy as np

from tinygrad_lite.autograd import apply
from tinygrad_lite.ops import OPS, Op
from tinygrad_lite.value import Value

__all__ = ["Expression", "declared_domain", "expressions", "op_inputs", "safe_floats", "values"]

#: Keep exp inputs here or below: exp(5) ~ 148 keeps finite differences accurate.
EXP_LIMIT = 5.0
#: log inputs stay above this (the derivative 1/x stays <= 20).
LOG_MIN = 0.05
#: Denominators and negative-power bases stay at least this far from zero.
POLE_GAP = 0.1
#: relu inputs stay at least this far from the kink at 0.
KINK_GAP = 1e-3


# ----------------------------------------------------------------------------------
# Numbers in an op's domain
# ----------------------------------------------------------------------------------


#: Ops that are defined and smooth on the whole real line (in every argument).
_DEFINED_EVERYWHERE = frozenset(
    {"add", "sub", "mul", "neg", "tanh", "sin", "cos", "sigmoid", "add_n"}
)
#: Ops whose domain `safe_floats` narrows.
_RESTRICTED = frozenset({"log", "exp", "pow", "relu", "div"})


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(
        min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False, allow_subnormal=False
    )


def _away_from_zero(lo: float, hi: float, gap: float) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] with |x| >= gap."""
    parts = []
    if hi >= gap:
        parts.append(_floats(max(lo, gap), hi))
    if lo <= -gap:
        parts.append(_floats(lo, min(hi, -gap)))
    if not parts:
        raise ValueError(f"[{lo}, {hi}] has no numbers with |x| >= {gap}")
    return st.one_of(*parts)


def _resolve(op: str | Op) -> Op:
    """The op itself, or the op of that name in `OPS`."""
    if isinstance(op, Op):
        return op
    if op not in OPS:
        raise KeyError(f"unknown op {op!r}; known: {', '.join(sorted(OPS))}")
    return OPS[op]


def _arity(op: Op) -> int | None:
    return None if op.variadic else len(op.vjps)


def declared_domain(op: Op, arg: int = 0) -> tuple[tuple[float, float], ...] | None:
    """The intervals `op.domain` declares for argument `arg`, or None if it declares none.

    Raises:
        ValueError: the declaration is malformed (the message says how to write it).
    """
    if not op.domain:
        return None
    arity = _arity(op)
    entries = 1 if arity is None else arity
    how = (
        "write one entry per input (one for a variadic op), each interval bounds in "
        "pairs: domain=((0.05, math.inf),) for a log-like op, "
        "domain=((-math.inf, -1e-3, 1e-3, math.inf),) to keep away from a kink at 0"
    )
    if len(op.domain) != entries:
        raise ValueError(
            f"op {op.name!r} declares a domain for {len(op.domain)} input(s) but takes "
            f"{entries}: {how}"
        )
    bounds = op.domain[0 if arity is None else arg]
    numbers = [float(b) for b in bounds]
    if (
        not numbers
        or len(numbers) % 2
        or numbers != sorted(numbers)
        or any(map(math.isnan, numbers))
    ):
        raise ValueError(
            f"op {op.name!r}: the domain of input {arg}, {tuple(bounds)!r}, is not a list of "
            f"increasing interval bounds in pairs; {how}"
        )
    return tuple((numbers[i], numbers[i + 1]) for i in range(0, len(numbers), 2))


def _union(
    intervals: Iterable[tuple[float, float]], lo: float, hi: float
) -> st.SearchStrategy[float]:
    """Floats in the union of `intervals` clipped to [lo, hi]; ValueError if that is empty."""
    parts = [_floats(max(a, lo), min(b, hi)) for a, b in intervals if max(a, lo) <= min(b, hi)]
    if not parts:
        raise ValueError(f"[{lo}, {hi}] misses the domain")
    return st.one_of(*parts)


def safe_floats(
    op: str | Op, *, arg: int = 0, min_value: float = -5, max_value: float = 5
) -> st.SearchStrategy[float]:
    """Floats for argument `arg` of `op` where it is defined and smooth.

    Args:
        op: an `Op` (your own, say) or the name of one in `OPS`.
        arg: which argument.
        min_value: the low end of the range to draw from, narrowed to the op's domain.
        max_value: the high end of that range.

    The domain is the op's own `domain` field when it declares one. Otherwise, for the
    ops of `OPS`: log > 0.05; a div denominator |b| >= 0.1; a pow base in [0.1, 5] with
    an exponent in [-3, 3]; relu |x| >= 1e-3 (away from the kink); exp <= 5; the others
    take the whole range. An `Op` of your own without a `domain` takes the whole range.

    Raises:
        KeyError: `op` is a name that is not in `OPS`.
        ValueError: `arg` is not an argument of the op, the range misses the domain, or
            the op's `domain` is malformed.
    """
    the_op = _resolve(op)
    name = op if isinstance(op, str) else the_op.name
    arity = _arity(the_op)
    if arg < 0 or (arity is not None and arg >= arity):
        raise ValueError(f"op {name!r} takes {arity} argument(s); there is no argument {arg}")
    lo, hi = float(min_value), float(max_value)
    declared = declared_domain(the_op, arg)
    if declared is not None:
        try:
            return _union(declared, lo, hi)
        except ValueError:
            raise ValueError(
                f"[{min_value}, {max_value}] misses the domain of {name!r}, {declared}"
            ) from None
    if OPS.get(name) is not the_op:  # an op of your own that declares no domain
        return _floats(lo, hi)
    if name not in _DEFINED_EVERYWHERE | _RESTRICTED:
        raise ValueError(f"no domain is recorded for op {name!r}; add it to tinygrad_lite.testing")
    if name == "log":
        lo = max(lo, LOG_MIN)
    elif name == "exp":
        hi = min(hi, EXP_LIMIT)
    elif name == "pow":
        lo, hi = (max(lo, POLE_GAP), min(hi, 5.0)) if arg == 0 else (max(lo, -3.0), min(hi, 3.0))
    elif name == "relu":
        return _away_from_zero(lo, hi, KINK_GAP)
    elif name == "div" and arg == 1:
        return _away_from_zero(lo, hi, POLE_GAP)
    if lo > hi:
        raise ValueError(f"[{min_value}, {max_value}] misses the domain of {name!r}")
    return _floats(lo, hi)


def op_inputs(
    op: str | Op, *, min_value: float = -5, max_value: float = 5, n_terms: int | None = None
) -> st.SearchStrategy[tuple[float, ...]]:
    """The whole input tuple for one op, each in its domain (see `safe_floats`).

    A variadic op (add_n) gets `n_terms` inputs, or 2 to 6 when `n_terms` is None;
    clamp's input stays at least 1e-3 away from both of its bounds.
    """
    the_op = _resolve(op)
    arity = _arity(the_op)
    if arity is None:
        terms = safe_floats(the_op, min_value=min_value, max_value=max_value)
        low, high = (2, 6) if n_terms is None else (n_terms, n_terms)
        return st.lists(terms, min_size=low, max_size=high).map(tuple)
    inputs = st.tuples(
        *(
            safe_floats(the_op, arg=i, min_value=min_value, max_value=max_value)
            for i in range(arity)
        )
    )
    if the_op is OPS.get("clamp"):  # the input away from both bounds, whatever they are
        return inputs.filter(lambda t: min(abs(t[0] - t[1]), abs(t[0] - t[2])) >= KINK_GAP)
    return inputs


def values(
    elements: st.SearchStrategy[float] | None = None,
    *,
    min_value: float = -5,
    max_value: float = 5,
    requires_grad: bool = True,
    label: str = "",
) -> st.SearchStrategy[Value]:
    """Leaf Values with data from `elements` (by default floats in [min_value, max_value])."""
    numbers = elements if elements is not None else _floats(min_value, max_value)
    return numbers.map(lambda x: Value(x, label=label, requires_grad=requires_grad))


# ----------------------------------------------------------------------------------
# Random expression graphs
# ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    """A way to combine operands that is defined and smooth for every real input.

    `build` works on Values, `evaluate` on plain floats (math only, no library code), and
    `template` writes the formula (``{0}``, ``{1}`` are the operands) as Python.
    """

    name: str
    op: str  #: the main op, used by `expressions(ops=...)` to select forms
    arity: int
    template: str
    build: Callable[..., Value]
    evaluate: Callable[..., float]
    #: Given bounds on the operands' magnitudes, a bound on the magnitude of every value
    #: the form computes, its result included.
    bound: Callable[..., float]


def _sum_values(*xs: Value) -> Value:
    return Value.sum(xs)


def _sum_floats(*xs: float) -> float:
    return math.fsum(xs)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


_FORMS = (
    _Form("add", "add", 2, "{0} + {1}", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b),
    _Form("sub", "sub", 2, "{0} - {1}", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: a + b),
    _Form("mul", "mul", 2, "{0} * {1}", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b),
    _Form(
        "div",
        "div",
        2,
        "{0} / ({1} * {1} + 1)",
        lambda a, b: a / (b * b + 1),
        lambda a, b: a / (b * b + 1),
        lambda a, b: max(a, b * b + 1),
    ),
    _Form(
        "pow",
        "pow",
        2,
        "({0} * {0} + 1) ** tanh({1})",
        lambda a, b: (a * a + 1) ** b.tanh(),
        lambda a, b: (a * a + 1) ** math.tanh(b),
        lambda a, b: a * a + 1,
    ),
    _Form("square", "pow", 1, "{0} ** 2", lambda a: a**2, lambda a: a**2, lambda a: a * a),
    _Form("cube", "pow", 1, "{0} ** 3", lambda a: a**3, lambda a: a**3, lambda a: a**3),
    _Form("add_n", "add_n", 3, "{0} + {1} + {2}", _sum_values, _sum_floats, _sum_floats),
    _Form("neg", "neg", 1, "-{0}", lambda a: -a, lambda a: -a, lambda a: a),
    _Form(
        "exp",
        "exp",
        1,
        "exp(tanh({0}))",
        lambda a: a.tanh().exp(),
        lambda a: math.exp(math.tanh(a)),
        lambda a: math.e,
    ),
    _Form(
        "log",
        "log",
        1,
        "log({0} * {0} + 1)",
        lambda a: (a * a + 1).log(),
        lambda a: math.log(a * a + 1),
        lambda a: a * a + 1,
    ),
    _Form(
        "log_sigmoid",
        "log",
        1,
        "log(sigmoid({0}))",
        lambda a: a.sigmoid().log(),
        lambda a: math.log(_sigmoid(a)),
        lambda a: a + math.log(2),
    ),
    _Form("tanh", "tanh", 1, "tanh({0})", lambda a: a.tanh(), math.tanh, lambda a: 1.0),
    _Form("sin", "sin", 1, "sin({0})", lambda a: a.sin(), math.sin, lambda a: 1.0),
    _Form("cos", "cos", 1, "cos({0})", lambda a: a.cos(), math.cos, lambda a: 1.0),
    _Form("sigmoid", "sigmoid", 1, "sigmoid({0})", lambda a: a.sigmoid(), _sigmoid, lambda a: 1.0),
    _Form("relu", "relu", 1, "relu({0})", lambda a: a.relu(), lambda a: max(a, 0.0), lambda a: a),
)
_FORM_BY_NAME = {f.name: f for f in _FORMS}

#: Intermediate values stay below this in magnitude (for any input in range), so the
#: rounding error of a finite difference stays far below the default tolerances.
MAGNITUDE_LIMIT = 100.0
#: Inputs of random expressions are drawn from [-INPUT_RANGE, INPUT_RANGE].
INPUT_RANGE = 2.0


@dataclass(frozen=True)
class _Step:
    form: str
    operands: tuple[int, ...]  #: indices into the node list: inputs first, then steps


@dataclass(frozen=True)
class Expression:
    """A random expression DAG over `n_inputs` inputs, with the inputs it was drawn with.

    Node k < n_inputs is input ``x{k}``; node n_inputs + j is the result of ``steps[j]``.
    The output is the sum of every step result that no other step uses.
    """

    inputs: tuple[float, ...]
    steps: tuple[_Step, ...]
    #: forms for ops of your own (`expressions(extra_ops=...)`), which steps may name
    extra_forms: tuple[_Form, ...] = field(default=(), repr=False)

    @property
    def n_inputs(self) -> int:
        return len(self.inputs)

    def leaves(self, values: Sequence[float] | None = None) -> list[Value]:
        """Fresh leaf Values x0, x1, ... holding `values` (by default the drawn inputs)."""
        data = self.inputs if values is None else tuple(values)
        self._check_count(data)
        return [Value(x, label=f"x{k}") for k, x in enumerate(data)]

    def build(self, *values: Any) -> Value:
        """Build the graph from leaf Values (or numbers), one per input; return the output.

        Accepts the leaves as separate arguments (the form `gradcheck` calls) or as one list.
        """
        if len(values) == 1 and isinstance(values[0], list | tuple):
            values = tuple(values[0])
        self._check_count(values)
        nodes: list[Any] = list(values)
        for step in self.steps:
            form = self._form(step.form)
            nodes.append(form.build(*(nodes[i] for i in step.operands)))
        out: Value = self._output(nodes, Value.sum)
        return out

    def evaluate(self, values: Sequence[float] | None = None) -> float:
        """The output computed with plain floats and the math module (no graph)."""
        nodes = self._float_nodes(values)
        out: float = self._output(nodes, math.fsum)
        return out

    def near_kink(self, values: Sequence[float] | None = None, tol: float = 1e-3) -> bool:
        """Whether some relu input lies within `tol` of 0, where relu is not smooth."""
        nodes = self._float_nodes(values)
        return any(
            step.form == "relu" and abs(nodes[step.operands[0]]) < tol for step in self.steps
        )

    @property
    def formula(self) -> str:
        """The expression as Python statements (``t3 = tanh(x0); out = t3 * x1``).

        Results used more than once get a name; the others are written inline.
        """
        uses = self._uses()
        text: list[str] = [f"x{k}" for k in range(self.n_inputs)]
        statements = []
        for j, step in enumerate(self.steps):
            k = self.n_inputs + j
            template = self._form(step.form).template
            expr = template.format(
                *(
                    text[i] if _bare_slot(template, slot) else _paren(text[i])
                    for slot, i in enumerate(step.operands)
                )
            )
            if uses[k] > 1:
                statements.append(f"t{k} = {expr}")
                text.append(f"t{k}")
            else:
                text.append(expr)
        sinks = [text[k] for k in self._sinks(uses)]
        statements.append("out = " + (sinks[0] if len(sinks) == 1 else " + ".join(sinks)))
        return "; ".join(statements)

    def shared_nodes(self) -> int:
        """How many nodes (inputs or results) feed more than one operand slot."""
        return sum(1 for n in self._uses() if n > 1)

    def __repr__(self) -> str:
        inputs = ", ".join(f"x{k}={x!r}" for k, x in enumerate(self.inputs))
        return f"Expression({inputs}: {self.formula})"

    # --- helpers ---------------------------------------------------------------------
    def _form(self, name: str) -> _Form:
        for form in self.extra_forms:
            if form.name == name:
                return form
        return _FORM_BY_NAME[name]

    def _check_count(self, values: Sequence[Any]) -> None:
        if len(values) != self.n_inputs:
            raise ValueError(f"this expression takes {self.n_inputs} inputs, got {len(values)}")

    def _float_nodes(self, values: Sequence[float] | None) -> list[float]:
        data = self.inputs if values is None else tuple(float(v) for v in values)
        self._check_count(data)
        nodes = list(data)
        for step in self.steps:
            form = self._form(step.form)
            nodes.append(form.evaluate(*(nodes[i] for i in step.operands)))
        return nodes

    def _uses(self) -> list[int]:
        uses = [0] * (self.n_inputs + len(self.steps))
        for step in self.steps:
            for i in step.operands:
                uses[i] += 1
        return uses

    def _sinks(self, uses: list[int]) -> list[int]:
        return [self.n_inputs + j for j in range(len(self.steps)) if uses[self.n_inputs + j] == 0]

    def _output(self, nodes: list[Any], add: Callable[[list[Any]], Any]) -> Any:
        sinks = [nodes[k] for k in self._sinks(self._uses())]
        return sinks[0] if len(sinks) == 1 else add(sinks)


def _bare_slot(template: str, slot: int) -> bool:
    """Whether operand `slot` only appears as a whole function argument, as in ``tanh({0})``."""
    return template.count(f"{{{slot}}}") == template.count(f"({{{slot}}})")


def _paren(text: str) -> str:
    """Wrap `text` in parentheses unless it is a name or one function call."""
    if text.isidentifier():
        return text
    call = re.match(r"[A-Za-z_]\w*\(", text)
    if call and text.endswith(")"):
        depth = 0
        for position in range(call.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[position], 0)
            if depth == 0:
                return text if position == len(text) - 1 else f"({text})"
    return f"({text})"


def _forms_for(ops: Iterable[str] | None) -> tuple[_Form, ...]:
    if ops is None:
        return _FORMS
    chosen = set(ops)
    unknown = chosen - set(OPS)
    if unknown:
        raise ValueError(f"unknown op(s) {sorted(unknown)}; known: {', '.join(sorted(OPS))}")
    forms = tuple(f for f in _FORMS if f.op in chosen)
    if not forms:
        raise ValueError(f"no expression form uses the ops {sorted(chosen)}")
    return forms


def _choices(form: _Form, previous_level: list[int], bounds: list[float]) -> list[tuple[int, ...]]:
    """Operand tuples for `form`: the first from the level below, the rest from anywhere,
    in either order, keeping the result within `MAGNITUDE_LIMIT`."""
    everything = range(len(bounds))
    found = []
    for first in previous_level:
        for rest in itertools.product(everything, repeat=form.arity - 1):
            for operands in {(first, *rest), (*rest, first)}:
                if form.bound(*(bounds[i] for i in operands)) <= MAGNITUDE_LIMIT:
                    found.append(operands)
    return sorted(set(found))


@st.composite
def _expression(
    draw: st.DrawFn, depth: int, n_inputs: int, forms: tuple[_Form, ...], width: int, smooth: bool
) -> Expression:
    inputs = tuple(draw(_floats(-INPUT_RANGE, INPUT_RANGE)) for _ in range(n_inputs))
    bounds = [INPUT_RANGE] * n_inputs
    steps: list[_Step] = []
    previous_level = list(range(n_inputs))
    for _ in range(depth):
        level: list[int] = []
        for _ in range(draw(st.integers(1, width))):
            # One operand from the level below keeps the graph `depth` deep; the others
            # come from every earlier node, which is where sharing happens.
            options = {f.name: _choices(f, previous_level, bounds) for f in forms}
            usable = [f for f in forms if options[f.name]]
            if not usable:
                break
            form = draw(st.sampled_from(usable))
            operands = draw(st.sampled_from(options[form.name]))
            steps.append(_Step(form.name, operands))
            bounds.append(form.bound(*(bounds[i] for i in operands)))
            level.append(len(bounds) - 1)
        if not level:
            break
        previous_level = level
    if not steps:
        raise ValueError("no expression form fits the magnitude limit with these ops")
    extra = tuple(f for f in forms if f.name not in _FORM_BY_NAME)
    expression = Expression(inputs, tuple(steps), extra)
    if smooth:
        assume(not expression.near_kink(tol=KINK_GAP))
    return expression


def expressions(
    depth: int = 3,
    n_inputs: int = 3,
    ops: Iterable[str] | None = None,
    width: int = 2,
    smooth: bool = True,
    extra_ops: Iterable[Op] = (),
) -> st.SearchStrategy[Expression]:
    """Random expression DAGs with shared sub-expressions, defined for every input.

    Args:
        depth: the number of levels; every level uses at least one result of the level below.
        n_inputs: how many inputs (``x0`` ...), drawn from [-2, 2].
        ops: only use forms whose main op is one of these names from `OPS` (default: all).
        width: at most this many new results per level.
        smooth: reject draws whose inputs put a relu input within 1e-3 of its kink.
        extra_ops: ops of your own to mix in. Each operand is first squeezed into the
            op's declared `domain` (its widest interval within [-5, 5]) by
            ``lo + (hi - lo) * sigmoid(x)``, so every drawn graph stays defined.

    Every intermediate value stays below 100 in magnitude for any input in range, so
    finite differences stay accurate; only relu can be non-smooth (see `near_kink`). For
    an op of your own, the bound is the largest output on a grid over its domain.

    Examples:
        >>> import numpy as np
        >>> from tinygrad_lite.ops import Op, sigmoid
        >>> SOFTPLUS = Op("softplus", "softplus", "d/da = sigmoid(a)",
        ...               lambda a: np.logaddexp(0.0, a), (lambda g, out, a: g * sigmoid(a),))
        >>> strategy = expressions(depth=2, extra_ops=[SOFTPLUS])

        An op whose forward fails inside its declared domain is refused at once:

        >>> from tinygrad_lite.ops import OPS
        >>> expressions(extra_ops=[OPS["log"]])  # OPS["log"] declares no domain
        Traceback (most recent call last):
        ...
        ValueError: op 'log': the forward fails at (-2.0,), inside its declared domain ...
    """
    if depth < 1 or n_inputs < 1 or width < 1:
        raise ValueError(
            f"depth, n_inputs and width must be >= 1, got {depth}, {n_inputs}, {width}"
        )
    extra = _forms_for_ops(extra_ops)
    forms = _forms_for(ops) + extra
    return _expression(depth, n_inputs, forms, width, smooth)


# ----------------------------------------------------------------------------------
# Ops of your own in random expressions
# ----------------------------------------------------------------------------------

#: Operands of an op of your own are squeezed into its domain within this range.
_SQUEEZE_RANGE = 5.0


def _forms_for_ops(ops: Iterable[Op]) -> tuple[_Form, ...]:
    forms = tuple(_form_of_op(op) for op in ops)
    names = [f.name for f in forms]
    if len(set(names)) != len(names):
        raise ValueError(f"extra_ops has two ops with the same name: {sorted(names)}")
    return forms


def _squeeze_interval(op: Op, arg: int) -> tuple[float, float]:
    """The widest interval of argument `arg`'s domain within the squeeze range."""
    declared = declared_domain(op, arg) or ((-INPUT_RANGE, INPUT_RANGE),)
    clipped = [
        (max(lo, -_SQUEEZE_RANGE), min(hi, _SQUEEZE_RANGE))
        for lo, hi in declared
        if max(lo, -_SQUEEZE_RANGE) < min(hi, _SQUEEZE_RANGE)
    ]
    if not clipped:
        raise ValueError(
            f"op {op.name!r}: no part of its domain {declared} lies within "
            f"[-{_SQUEEZE_RANGE:g}, {_SQUEEZE_RANGE:g}]"
        )
    return max(clipped, key=lambda iv: iv[1] - iv[0])


def _form_of_op(op: Op) -> _Form:
    """A form that applies `op` to operands squeezed into its domain."""
    if not isinstance(op, Op):
        raise TypeError(f"extra_ops takes Op objects, got {type(op).__name__}")
    arity = _arity(op) or 2
    intervals = [_squeeze_interval(op, i) for i in range(arity)]

    def squeeze_value(x: Value, lo: float, hi: float) -> Value:
        return lo + (hi - lo) * x.sigmoid()

    def build(*xs: Value) -> Value:
        args = [squeeze_value(x, lo, hi) for x, (lo, hi) in zip(xs, intervals, strict=True)]
        data = float(op.forward(*(a.data for a in args)))
        return apply(Value, op, tuple(args), data)

    def evaluate(*xs: float) -> float:
        args = [lo + (hi - lo) * _sigmoid(x) for x, (lo, hi) in zip(xs, intervals, strict=True)]
        return float(op.forward(*args))

    largest = _largest_output(op, intervals)
    operands = ", ".join(
        f"{lo:g} + {hi - lo:g} * sigmoid({{{k}}})" for k, (lo, hi) in enumerate(intervals)
    )
    return _Form(
        name=f"op:{op.name}",
        op=op.name,
        arity=arity,
        template=f"{op.name}({operands})",
        build=build,
        evaluate=evaluate,
        bound=lambda *_: largest,
    )


def _largest_output(op: Op, intervals: list[tuple[float, float]]) -> float:
    """A bound on every value the form computes: the largest |output| on a grid, with a
    margin, or the largest squeezed operand if that is bigger."""
    points = 41 if len(intervals) <= 2 else 9
    grids = [np.linspace(lo, hi, points) for lo, hi in intervals]
    largest = max(max(abs(lo), abs(hi)) for lo, hi in intervals)
    for args in itertools.product(*grids):
        try:
            out = float(op.forward(*(float(a) for a in args)))
        except Exception as exc:
            raise ValueError(
                f"op {op.name!r}: the forward fails at {tuple(float(a) for a in args)}, inside "
                f"its declared domain ({exc}); narrow the domain"
            ) from exc
        largest = max(largest, 1.25 * abs(out))
    return largest
