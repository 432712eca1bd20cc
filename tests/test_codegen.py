"""Generated backprop code for scalar graphs, and the op table's code entries.

Expected values come from the engine itself (forward and backward on the same graph,
rebuilt at the same inputs) and, for the nine-weight graph, from the gradients derived
by hand in `tinygrad_lite.examples`. Random graphs come from `tinygrad_lite.testing`.
"""

from __future__ import annotations

import ast
import math
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ops_scalar import CALL

import tinygrad_lite as tl
from tinygrad_lite import Tensor, Value, ops
from tinygrad_lite.autograd import STATE
from tinygrad_lite.codegen import generate
from tinygrad_lite.codegen._runtime import prelude
from tinygrad_lite.errors import DomainError
from tinygrad_lite.examples import (
    default_nine_weight_point,
    nine_weight_gradients_by_hand,
    nine_weight_graph,
)
from tinygrad_lite.testing import Expression, expressions, op_inputs


def close(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b, rel_tol=1e-12)


def nine_weight() -> tuple[Any, list[float], float, list[float]]:
    x, y, w = default_nine_weight_point()
    return nine_weight_graph(x, y, w), x, y, w


# ----------------------------------------------------------------------------------
# The op tables: every op has code
# ----------------------------------------------------------------------------------


#: One instance of each tensor op made by a factory, with typical parameters.
FACTORY_EXAMPLES: dict[str, tuple[Any, ...]] = {
    "sum": (1, False),
    "mean": (None, True),
    "max": (0, False),
    "reshape": ((2, 3),),
    "transpose": ((1, 0),),
    "broadcast_to": ((2, 3),),
    "getitem": ((slice(0, 2), np.array([0, 1])),),
    "scatter_add": ((slice(0, 2),), (3,)),
    "softmax": (1,),
    "log_softmax": (1,),
    "mse": ("mean",),
    "cross_entropy": ("sum",),
    "min": (0, False),
    "cat": (0, (2, 3)),
    "cast": (np.dtype(np.float32),),
}


def table_ops() -> list[ops.Op]:
    found = list(ops.OPS.values())
    for name, entry in ops.TENSOR_OPS.items():
        if isinstance(entry, ops.Op):
            found.append(entry)
        else:
            assert name in FACTORY_EXAMPLES, f"no example parameters for the factory {name!r}"
            found.append(entry(*FACTORY_EXAMPLES[name]))
    return found


def test_every_op_in_the_tables_has_code() -> None:
    missing = [op.name for op in table_ops() if op.code is None]
    assert not missing, f"ops without code for the generator (Op.code): {missing}"


def test_every_op_has_one_code_entry_per_rule() -> None:
    for op in table_ops():
        assert op.code is not None
        assert len(op.code.vjps) == len(op.vjps), op.name


@pytest.mark.parametrize("name", sorted(ops.OPS))
@settings(max_examples=25)
@given(data=st.data())
def test_each_scalar_op_agrees_with_the_engine(name: str, data: st.DataObject) -> None:
    """The op applied to leaves, times a third leaf (so `g` is not 1), at two points."""
    call = CALL[name]  # how tests/test_ops_scalar.py writes each op with Values
    first = data.draw(op_inputs(name))
    second = data.draw(op_inputs(name).filter(lambda xs: len(xs) == len(first)))
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(first)]
    scale = Value(1.5, label="k")
    gen = generate(call(*leaves) * scale)
    for point in (first, second):
        fresh = {f"x{i}": Value(x, label=f"x{i}") for i, x in enumerate(point)}
        fresh["k"] = Value(1.5, label="k")
        out = call(*list(fresh.values())[:-1]) * fresh["k"]
        out.backward()
        got, grads = gen(*(fresh[name].data for name in gen.arguments))
        assert close(got, out.data)
        expected = [fresh[name].grad for name in gen.gradients]
        assert all(close(a, b) for a, b in zip(grads, expected, strict=True)), (grads, expected)


def test_an_op_without_code_is_an_error_naming_it() -> None:
    bare = ops.Op("softplus", "softplus", "d softplus(a)/da = sigmoid(a)", math.log1p, ())
    x = Value(0.5, label="x")
    y = tl.autograd.apply(Value, bare, (x,), 0.9)
    with pytest.raises(NotImplementedError, match="'softplus' has no code"):
        generate(y)


# ----------------------------------------------------------------------------------
# Random graphs
# ----------------------------------------------------------------------------------


def _check_expression(expr: Expression, new_inputs: list[float]) -> None:
    leaves = expr.leaves()
    gen = generate(expr.build(leaves))
    index = [int(name[1:]) for name in gen.arguments]  # arguments are the leaves x0, x1, ...
    for point in (list(expr.inputs), new_inputs):
        fresh = expr.leaves(point)
        root = expr.build(fresh)
        root.backward()
        got, grads = gen(*(point[i] for i in index))
        assert close(got, root.data), (expr, got, root.data)
        for name, g in zip(gen.gradients, grads, strict=True):
            expected = fresh[int(name[1:])].grad
            assert close(g, expected), (expr, name, g, expected)


#: At least 4 x 500 = 2,000 distinct random graphs. One graph per example: drawing lists
#: of graphs costs Hypothesis twice as much per graph. Four depths, so that `-n 2` shares
#: them out.
@pytest.mark.parametrize("depth", [3, 4, 5, 6])
def test_random_graphs_agree_with_the_engine(depth: int) -> None:
    @settings(max_examples=800)
    @given(
        expressions(depth=depth, n_inputs=3),
        st.lists(st.floats(-2, 2, allow_subnormal=False), min_size=3, max_size=3),
    )
    def check(expr: Expression, new_inputs: list[float]) -> None:
        _check_expression(expr, new_inputs)
        seen.add(repr(expr))

    seen: set[str] = set()
    check()
    assert len(seen) >= 500  # distinct graphs (Hypothesis repeats some draws)


@settings(max_examples=20)
@given(expressions(depth=3, n_inputs=3), st.integers(0, 2**32 - 1))
def test_scalar_code_runs_on_arrays_of_samples(expr: Expression, seed: int) -> None:
    leaves = expr.leaves()
    gen = generate(expr.build(leaves))
    assert gen.on_arrays is not None
    samples = np.random.default_rng(seed).uniform(-2, 2, size=(len(gen.arguments), 7))
    out, grads = gen.on_arrays(*samples)
    for k in range(7):
        want, want_grads = gen(*(float(v) for v in samples[:, k]))
        np.testing.assert_allclose(np.broadcast_to(out, 7)[k], want, rtol=1e-10, atol=1e-12)
        for g, w in zip(grads, want_grads, strict=True):
            np.testing.assert_allclose(np.broadcast_to(g, 7)[k], w, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------------
# The code itself
# ----------------------------------------------------------------------------------


def test_nine_weight_code_reproduces_the_hand_derivation() -> None:
    graph, x, y, w = nine_weight()
    gen = generate(graph.loss, wrt=graph.weights)
    assert gen.arguments == (*(f"x{i}" for i in range(1, 6)), "y", *(f"w{i}" for i in range(1, 10)))
    assert gen.gradients == tuple(f"w{i}" for i in range(1, 10))
    loss, grads = gen(*x, y, *w)
    graph.loss.backward()
    assert loss == graph.loss.data
    assert list(grads) == [v.grad for v in graph.weights]
    by_hand = nine_weight_gradients_by_hand(x, y, w)
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(grads, by_hand, strict=True))


def _function_body(source: str) -> list[str]:
    body = source[source.index("def backprop") :].splitlines()
    return [line.strip() for line in body]


def test_nine_weight_code_shows_the_three_parts_and_ends_with_the_nine_weights() -> None:
    graph, *_ = nine_weight()
    lines = _function_body(generate(graph.loss, wrt=graph.weights).source)
    for part in ("part1", "part2", "part3"):
        assert f"# {part}" in lines
    assign = [line.split(" = ")[0] for line in lines if re.match(r"d_\w+ = ", line)]
    assert assign[-9:] == [f"d_w{i}" for i in range(1, 10)]
    assert lines[-1] == "return loss, (d_w1, d_w2, d_w3, d_w4, d_w5, d_w6, d_w7, d_w8, d_w9)"


def test_every_backward_line_is_commented_with_its_rule() -> None:
    graph, *_ = nine_weight()
    lines = _function_body(generate(graph.loss).source)
    backward = [line for line in lines if re.match(r"d_\w+ = ", line)][1:]  # after the seed
    edges = [
        p
        for node in tl.autograd.toposort(graph.loss)
        for p in node.parents
        if isinstance(p, Value) and p.requires_grad
    ]
    assert len(backward) == len(edges) == 29  # one line per edge
    formulas = {op.formula.split("; ")[0] for op in ops.OPS.values()}
    for line in backward:
        _, _, comment = line.partition("  # ")
        name, _, rule = comment.partition(": ")
        assert name in ops.OPS, line
        assert rule in ops.OPS[name].formula, line
    assert any("tanh: d tanh(a)/da = 1 - tanh(a)**2" in line for line in lines)
    assert formulas


def test_backward_lines_follow_the_engines_walk() -> None:
    """Intermediate gradients in the order backward visits the edges, leaves at the end."""
    graph, *_ = nine_weight()
    names = tl.naming.names_for(graph.loss)
    visited: list[str] = []

    def observe(node: Any, index: int, parent: Any, upstream: Any, contribution: Any) -> None:
        visited.append(names[parent])

    STATE.observers.append(observe)
    try:
        graph.loss.backward()
    finally:
        STATE.observers.remove(observe)
    walk = [re.sub(r"\W+", "_", name).strip("_") for name in visited]
    leaves = {f"w{i}" for i in range(1, 10)} | {"y", *(f"x{i}" for i in range(1, 6))}
    lines = _function_body(generate(graph.loss).source)
    written = [line.split(" = ")[0][2:] for line in lines if re.match(r"d_\w+ = ", line)][1:]
    inner = [n for n in written if n not in leaves]
    assert inner == [n for n in walk if n not in leaves]
    assert sorted(n for n in written if n in leaves) == sorted(n for n in walk if n in leaves)


def test_generated_code_imports_only_math_and_numpy() -> None:
    graph, *_ = nine_weight()
    tree = ast.parse(generate(graph.loss).source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported == {"math", "numpy"}


def test_nine_weight_code_runs_where_tinygrad_lite_is_not_importable(tmp_path: Path) -> None:
    """The module is written to a file and run by a Python that has numpy but not the
    library: isolated mode, no site processing (so no editable install), numpy's folder
    on the path by hand."""
    graph, x, y, w = nine_weight()
    gen = generate(graph.loss, wrt=graph.weights)
    path = tmp_path / "nine_weight_backprop.py"
    path.write_text(gen.source)
    runner = (
        "import importlib.util, json, sys\n"
        f"sys.path.append({sysconfig.get_paths()['purelib']!r})\n"
        f"sys.path.append({os.path.dirname(np.__path__[0])!r})\n"
        "assert importlib.util.find_spec('tinygrad_lite') is None, 'tinygrad_lite importable'\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from nine_weight_backprop import backprop\n"
        f"loss, grads = backprop(*{x!r}, {y!r}, *{w!r})\n"
        "print(json.dumps([loss, list(grads)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", runner],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loss, grads = eval(done.stdout)  # a JSON list of floats
    graph.loss.backward()
    assert loss == graph.loss.data
    assert grads == [v.grad for v in graph.weights]


def test_constants_are_written_in() -> None:
    x = Value(0.3, label="x")
    y = (x * -2.5 + 1e-300) ** 3 / 7.0
    source = generate(y).source
    for text in ("(-2.5)", "1e-300", "3.0", "7.0"):
        assert text in source
    z = x * math.inf
    assert 'float("inf")' in generate(z).source


def test_names_become_unique_identifiers() -> None:
    a = Value(1.0, label="w*x")
    b = Value(2.0, label="w x")
    c = Value(3.0, label="lambda")
    d = Value(4.0, label="d_a")
    out = a * b + c * d
    gen = generate(out, wrt=[a, b, c, d])
    assert gen.arguments == ("w_x", "w_x_2", "lambda_", "_d_a")
    assert "d__d_a = " in gen.source
    value, grads = gen(1.0, 2.0, 3.0, 4.0)
    assert (value, grads) == (14.0, (2.0, 1.0, 4.0, 3.0))


def test_errors_inside_generated_code_name_the_op() -> None:
    x = Value(2.0, label="x")
    gen = generate((x - 1.0).log())
    with pytest.raises(DomainError, match=r"log: .*line \d+: log1 = log\(sub1\)"):
        gen(0.5)


def test_root_checks() -> None:
    with pytest.raises(TypeError, match="Value or a Tensor"):
        generate(1.0)  # type: ignore[arg-type]
    t = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        generate(t * 2.0)
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    with pytest.raises(ValueError, match=r"wrt\[0\] \(b\)"):
        generate(a * 3.0, wrt=[b])


# ----------------------------------------------------------------------------------
# The runtime: the functions generated code defines agree with ops' dispatching ones
# ----------------------------------------------------------------------------------


POINTS = [-800.0, -3.0, -1e-3, 0.0, 1e-3, 2.5, 800.0]


@pytest.mark.parametrize("arrays", [False, True], ids=["floats", "arrays"])
def test_runtime_functions_agree_with_ops(arrays: bool) -> None:
    body = "sigmoid(a) relu(a) step(a) sign(a) exp(a) log(a) tanh(a) sin(a) cos(a) sqrt(a)"
    namespace: dict[str, Any] = {"ARRAYS": True} if arrays else {}
    exec(prelude(body, scalar=True), namespace)
    tensor_namespace: dict[str, Any] = {}
    exec(prelude(body, scalar=False), tensor_namespace)
    for name in ("sigmoid", "relu", "step", "sign"):
        for x in POINTS:
            value = np.array([x]) if arrays else x
            got = namespace[name](value)
            want = getattr(ops, name)(value)
            np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(tensor_namespace[name](np.array([x])), want)
    assert namespace["exp"] is (np.exp if arrays else math.exp)
    assert namespace["sqrt"] is (np.sqrt if arrays else math.sqrt)
    assert namespace["relu"](math.nan) != namespace["relu"](math.nan)  # nan stays nan


# ----------------------------------------------------------------------------------
# docs/codegen.md shows what the library writes
# ----------------------------------------------------------------------------------


DOC = Path(__file__).resolve().parent.parent / "docs" / "codegen.md"


def documented_code() -> dict[str, str]:
    """What docs/codegen.md shows after each ``<!-- generated: name -->``, made afresh."""
    from tinygrad_lite.data import make_paraboloid
    from tinygrad_lite.nn import Linear, Sequential, Sigmoid

    x, y, w = default_nine_weight_point()
    weights = [Value(v, label=f"w{k + 1}") for k, v in enumerate(w)]
    loss_of = tl.compile(lambda x, y, w: nine_weight_graph(x, y, w).loss)
    loss_of(x, y, weights)

    X5, Y5 = make_paraboloid(n=100, seed=0)
    net = Sequential(
        Linear(2, 10, seed=0), Sigmoid(), Linear(10, 10, seed=1), Sigmoid(), Linear(10, 1, seed=2)
    )
    for k, layer in enumerate([net[0], net[2], net[4]], start=1):
        layer.weight.label, layer.bias.label = f"W{k}", f"b{k}"
    loss_of_net = tl.compile(lambda x, y: ((net(Tensor(x)) - Tensor(y)) ** 2).sum())
    loss_of_net(X5[:1], Y5[:1].reshape(1, 1))
    source = loss_of_net.source
    backward = source[source.index("    # backward") :]
    dedented = "".join(line[4:] if line.strip() else line for line in backward.splitlines(True))
    return {"nine-weight": loss_of.source, "workflow-5-backward": dedented}


def shown_code() -> dict[str, str]:
    """The code blocks of docs/codegen.md that follow a ``<!-- generated: name -->``."""
    found = re.findall(
        r"<!-- generated: ([\w-]+) -->\n(?:<!-- no-run -->\n)?```python\n(.*?)```",
        DOC.read_text(encoding="utf-8"),
        flags=re.DOTALL,
    )
    return dict(found)


def test_the_docs_show_the_code_the_library_writes() -> None:
    shown, made = shown_code(), documented_code()
    assert set(shown) == set(made)
    for name, text in made.items():
        assert shown[name] == text, f"docs/codegen.md, block {name!r}, is out of date"


if __name__ == "__main__":  # python tests/test_codegen.py: rewrite the blocks in the docs
    text = DOC.read_text(encoding="utf-8")
    for name, code in documented_code().items():
        pattern = rf"(<!-- generated: {name} -->\n(?:<!-- no-run -->\n)?```python\n).*?(```)"
        text = re.sub(pattern, lambda m, c=code: m.group(1) + c + m.group(2), text, flags=re.DOTALL)
    DOC.write_text(text, encoding="utf-8")
