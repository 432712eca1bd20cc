"""The tinygrad-lite command, run as a user would (a subprocess) and in-process for speed."""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.optional import require, require_program
from tinygrad_lite.cli import main
from tinygrad_lite.expr import ExpressionError, evaluate, parse, parse_assignments
from tinygrad_lite.value import Value
from tinygrad_lite.viz import COLOURS, output

NEURON = "tanh(w1*x1 + w2*x2 + b)"
NEURON_SET = ["x1=2", "x2=0", "w1=-3", "w2=1", "b=6.88"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_lite", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )


def needs_dot() -> None:
    require_program("dot")


# --- through a subprocess ----------------------------------------------------------------


def test_draw_svg_with_gradients(tmp_path: Path) -> None:
    needs_dot()
    target = tmp_path / "graph.svg"
    r = run("draw", NEURON, "--set", *NEURON_SET, "-o", str(target), "--backward")
    assert r.returncode == 0, r.stderr
    svg = target.read_text(encoding="utf-8")
    assert "<svg" in svg
    assert "grad" in svg
    # d tanh(n)/d w1 = x1 * (1 - tanh(n)**2) with n = 0.88: the value appears on w1's box.
    n = 2 * -3 + 0 * 1 + 6.88
    assert f"grad {2 * (1 - math.tanh(n) ** 2):.4f}" in svg


def test_draw_png_pdf_and_dot(tmp_path: Path) -> None:
    needs_dot()
    for suffix, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF"), ("dot", b"digraph")):
        target = tmp_path / f"g.{suffix}"
        r = run("draw", "x*x + 1", "--set", "x=3", "-o", str(target))
        assert r.returncode == 0, r.stderr
        assert target.read_bytes().startswith(magic)


def test_gradcheck_passes_and_fails() -> None:
    ok = run("gradcheck", NEURON, "--set", *NEURON_SET)
    assert ok.returncode == 0, ok.stderr
    assert "analytic" in ok.stdout
    assert "numeric" in ok.stdout
    assert "w1" in ok.stdout
    # relu at its kink: analytic 0, central difference 0.5.
    bad = run("gradcheck", "relu(x) + x", "--set", "x=0")
    assert bad.returncode == 1
    assert "FAIL" in bad.stdout


def test_explain_prints_the_paths() -> None:
    r = run("explain", "x*x + log(x)", "--wrt", "x", "--set", "x=2")
    assert r.returncode == 0, r.stderr
    assert "3 paths" in r.stdout
    assert "dout/dx = 4.5" in r.stdout  # 2x + 1/x at x = 2, by hand
    assert "agrees" in r.stdout


HOSTILE = [
    "__import__('os').system('touch PWNED')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "(lambda: 1)() + x",
    "[c for c in 'ab'] + x",
    "open('PWNED', 'w') + x",
    "exp(x, y=1)",
    "'a' * x",
    "x if x else x",
    "x ** 10**100",
    "x ** 99999",
    "x" + "+x" * 5000,
    "(" * 500 + "x" + ")" * 500,
    "exec('import os')",
    "x[0]",
    "globals()",
    "x @ x",
    "x and x",
]


@pytest.mark.parametrize("expr", HOSTILE)
def test_hostile_formulas_are_refused_in_process(
    expr: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["draw", expr, "--set", "x=1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tinygrad-lite: error:")
    assert "Traceback" not in err
    assert not (tmp_path / "PWNED").exists()


def test_hostile_formula_through_the_real_command(tmp_path: Path) -> None:
    for args in (
        ["draw", "__import__('os').system('touch PWNED')"],
        ["gradcheck", "x + __import__('os').system('touch PWNED')", "--set", "x=1"],
        ["explain", "(lambda: __import__('os'))()", "--wrt", "x", "--set", "x=1"],
    ):
        r = run(*args, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        assert "error" in r.stderr
    assert not (tmp_path / "PWNED").exists()


# --- in-process: bad input of every kind -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["draw", "x + y", "--set", "x=1"], "no value given for y"),
        (["draw", "x + 1", "--set", "x=1", "z=2"], "z not used"),
        (["draw", "x + 1", "--set", "x=abc"], "not a number"),
        (["draw", "x + 1", "--set", "x=nan"], "not a finite number"),
        (["draw", "x + 1", "--set", "x"], "NAME=NUMBER"),
        (["draw", "x + 1", "--set", "x=1", "x=2"], "set twice"),
        (["draw", "x + 1", "--set", "__x=1"], "not a usable variable name"),
        (["draw", "log(x)", "--set", "x=-1"], "log needs a positive input"),
        (["draw", "1/0 + x", "--set", "x=1"], "division by zero"),
        (["draw", "2 + 3"], "no variables"),
        (["draw", "x", "--set", "x=1"], "single variable"),
        (["draw", "x +", "--set", "x=1"], "not a valid formula"),
        (["draw", "", "--set", "x=1"], "empty"),
        (["explain", "x*y", "--wrt", "z", "--set", "x=1", "y=2"], "not a variable"),
        (["draw", "x*2", "--set", "x=1", "-o", "/nonexistent/dir/g.svg"], "does not exist"),
        (["draw", "x*2", "--set", "x=1", "-o", "graph.bmp"], "format"),
        (["train", "--epochs", "0"], "--epochs"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err


def test_unwritable_output_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        target = tmp_path / "folder.svg"
        target.mkdir()  # root can write anywhere, but not onto a folder
        assert main(["draw", "x*2", "--set", "x=1", "-o", str(target)]) == 2
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert main(["draw", "x*2", "--set", "x=1", "-o", str(locked / "g.svg")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_draw_without_output_prints_dot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "x*x", "--set", "x=3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph")
    assert out.count("n0 -> n1_op") == 2


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["explain", "x*x", "--set", "x=1"])  # --wrt missing
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_train_writes_checkpoint_and_plot(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code = main(["train", "--epochs", "2", "--samples", "20", "--out", str(out), "--quiet"])
    assert code == 0
    assert (out / "mlp.npz").exists()
    require("matplotlib")
    assert (out / "loss.png").read_bytes()[:4] == b"\x89PNG"


def test_demo_is_reachable() -> None:
    r = run("demo", "--help")
    assert r.returncode == 0, r.stderr
    assert "demo" in r.stdout


# --- the expression language directly ---------------------------------------------------


def test_expressions_build_the_same_numbers_as_python() -> None:
    tree = parse("-x ** 2 + 3 * sigmoid(y) / 2 - relu(-y) + cos(x) * sin(y)")
    x, y = Value(1.5, label="x"), Value(-0.5, label="y")
    out = evaluate(tree, {"x": x, "y": y})
    sig = 1 / (1 + math.exp(0.5))
    expected = -(1.5**2) + 3 * sig / 2 - 0.5 + math.cos(1.5) * math.sin(-0.5)
    assert out.data == pytest.approx(expected)


def test_assignments_parse() -> None:
    assert parse_assignments(["a=1", "b = -2.5e-1"]) == {"a": 1.0, "b": -0.25}
    with pytest.raises(ExpressionError, match="usable variable name"):
        parse_assignments(["exp=1"])


def test_draw_without_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot program, no rsvg-convert
    monkeypatch.setitem(sys.modules, "pygraphviz", None)  # no pygraphviz
    monkeypatch.setattr(output, "RASTERISERS", [])  # and no SVG rasteriser of any kind
    assert main(["draw", "x*2", "--set", "x=1", "-o", str(tmp_path / "g.png")]) == 1
    err = capsys.readouterr().err
    assert "rasteriser" in err
    assert 'pip install "tinygrad_lite[layout]"' in err
    assert "Traceback" not in err
    assert not (tmp_path / "g.png").exists()
    target = tmp_path / "g.svg"
    assert main(["draw", "x*2", "--set", "x=1", "-o", str(target)]) == 0
    assert f"wrote {target} (drawn by the built-in layout)" in capsys.readouterr().out
    assert "<svg" in target.read_text(encoding="utf-8")


def test_draw_png_with_the_builtin_layout_and_a_rasteriser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rsvg = require_program("rsvg-convert")
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "rsvg-convert").symlink_to(rsvg)
    monkeypatch.setenv("PATH", str(tools))  # rsvg-convert, but no dot
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    target = tmp_path / "g.png"
    assert main(["draw", "x*2", "--set", "x=1", "-o", str(target)]) == 0
    assert f"wrote {target} (drawn by the built-in layout)" in capsys.readouterr().out
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("suffix", "magic"), [("png", b"\x89PNG"), ("pdf", b"%PDF"), ("svg", b"<")]
)
def test_draw_with_pygraphviz_when_dot_is_missing(
    suffix: str,
    magic: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    require("pygraphviz")
    folder = tmp_path / "pictures"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(tmp_path))
    target = folder / f"g.{suffix}"
    assert main(["draw", "a*b", "--set", "a=2", "b=-3", "--backward", "-o", str(target)]) == 0
    assert "(drawn by Graphviz (pygraphviz))" in capsys.readouterr().out
    assert target.read_bytes().startswith(magic)
    assert [p.name for p in folder.iterdir()] == [target.name]  # exactly the file named


def test_draw_check_and_highlight(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "relu(x) + y*y", "--set", "x=0", "y=2", "--check"]) == 0
    src = capsys.readouterr().out
    assert "check FAILED" in src  # relu's kink at x = 0
    assert "check ok" in src
    assert main(["draw", "x*y + y", "--set", "x=1", "y=2", "--highlight", "x"]) == 0
    assert "penwidth" in capsys.readouterr().out
    assert main(["draw", "x*y", "--set", "x=1", "y=2", "--highlight", "z"]) == 2


# --- formulas starting with a minus, inputs, refusals ------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["draw", "-x*y", "--set", "x=1", "y=2"],
        ["draw", "--set", "x=1", "y=2", "-x*y"],
        ["draw", "-o", "OUT", "-x*y", "--set", "x=1", "y=2"],
        ["draw", "--se", "x=1", "y=2", "--output=OUT", "-x*y"],
        ["draw", "-2*x*y", "--set", "x=1", "y=2"],
        ["draw", "--x*y", "--set", "x=1", "y=2"],  # double negation
        ["gradcheck", "-x*y", "--set", "x=1", "y=2"],
        ["gradcheck", "--eps", "1e-7", "-x*y", "--set", "x=1", "y=2"],
        ["explain", "-x*y", "--wrt", "x", "--set", "x=1", "y=2"],
        ["explain", "--wrt", "x", "--set", "x=1", "y=2", "-x*y"],
    ],
)
def test_a_formula_may_start_with_a_minus(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.replace("OUT", str(tmp_path / "g.dot")) for a in args]
    assert main(args) == 0, capsys.readouterr().err


def test_a_formula_starting_with_a_minus_through_the_real_command() -> None:
    r = run("draw", "-x*y", "--set", "x=1", "y=2")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("digraph")
    assert "neg" in r.stdout
    r = run("explain", "-x*y", "--wrt", "y", "--set", "x=3", "y=2")
    assert r.returncode == 0, r.stderr
    assert "dout/dy = -3" in r.stdout


def test_options_still_win_over_a_formula(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["draw", "-x*y", "--set", "x=1", "y=2", "--frobnicate"])
    assert info.value.code == 2
    assert "--frobnicate" in capsys.readouterr().err
    assert main(["draw", "-", "--set", "x=1"]) == 2  # a lone minus is a bad formula
    assert "not a valid formula" in capsys.readouterr().err


def test_an_empty_output_path_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "x*2", "--set", "x=1", "-o", ""]) == 2
    captured = capsys.readouterr()
    assert "--output is empty" in captured.err
    assert captured.out == ""  # no DOT printed instead


def test_numbers_are_read_as_python_reads_them(capsys: pytest.CaptureFixture[str]) -> None:
    # Underscores are allowed in --set values as in the formula's own numbers.
    assert parse_assignments(["x=1_000", "y=-2.5e-1"]) == {"x": 1000.0, "y": -0.25}
    assert main(["draw", "x*1_000", "--set", "x=1_000"]) == 0
    assert "data 1.000e+06" in capsys.readouterr().out
    assert main(["draw", "x*2", "--set", "x=1__0"]) == 2
    err = capsys.readouterr().err
    assert "'1__0' is not a number (for x)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["draw", "x*1e308*10", "--set", "x=1"], "mul: x * 1e+308 * 10 is inf"),
        (["draw", "x*(1e308*10)", "--set", "x=1"], "mul: 1e+308 * 10 is inf"),
        (["draw", "x/1e-300/1e-300", "--set", "x=1"], "div: x / 1e-300 / 1e-300 is inf"),
        (["draw", "x*y", "--set", "x=1e200", "y=1e200"], "mul: x * y is inf"),
        (["gradcheck", "x*1e308*10", "--set", "x=1"], "overflows float64"),
        (["explain", "x*1e308*10", "--wrt", "x", "--set", "x=1"], "overflows float64"),
        (["draw", "log(x)", "--set", "x=1e-320", "--backward"], "the gradient of 'x' is inf"),
    ],
)
def test_overflow_is_an_error_naming_the_part(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert message in captured.err, captured.err
    assert "data inf" not in captured.out


def test_inputs_are_drawn_in_the_input_colour(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["draw", NEURON, "--set", *NEURON_SET, "--backward"]
    assert main([*args, "--inputs", "x1", "x2"]) == 0
    src = capsys.readouterr().out
    for name, role in (("x1", "input"), ("x2", "input"), ("w1", "parameter"), ("b", "parameter")):
        box = next(line for line in src.splitlines() if f"<B>{name}</B>" in line)
        assert f'BGCOLOR="{COLOURS[role]}"' in box, name
        assert ("grad " in box) == (role == "parameter"), name
    # Without --inputs every variable is a parameter with a gradient.
    assert main(args) == 0
    src = capsys.readouterr().out
    assert src.count(f'BGCOLOR="{COLOURS["parameter"]}"') == 5
    assert main([*args, "--inputs", "z"]) == 2
    assert "--inputs z: not a variable" in capsys.readouterr().err
    assert main(["draw", "x*y", "--set", "x=1", "y=2", "--inputs", "x", "y"]) == 2
    assert "nothing to differentiate" in capsys.readouterr().err


def test_help_explains_inputs() -> None:
    r = run("draw", "--help")
    assert r.returncode == 0
    assert "--inputs" in r.stdout
    assert "input colour" in r.stdout


def test_a_closed_pipe_ends_quietly() -> None:
    command = ["explain", "x*x + log(x)", "--wrt", "x", "--set", "x=2"]
    with subprocess.Popen(
        [sys.executable, "-m", "tinygrad_lite", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    ) as reader:
        assert reader.stdout is not None
        assert reader.stderr is not None
        reader.stdout.close()  # like `| head` that has already gone away
        err = reader.stderr.read().decode()
        assert reader.wait(timeout=60) == 141
    assert err == ""


def test_a_broken_pipe_in_process_is_quiet(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Closed:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["explain", "x*x", "--wrt", "x", "--set", "x=2"]) == 141
    assert capsys.readouterr().err == ""


def test_demo_refuses_an_unwritable_folder_before_working(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("")
    assert main(["demo", "--steps", "1", "--out", str(a_file)]) == 2
    captured = capsys.readouterr()
    assert "cannot write pictures into" in captured.err
    assert "not a folder" in captured.err
    assert captured.out == ""  # nothing computed first
    if Path("/proc/self").is_dir():  # a folder nobody, not even root, can create
        assert main(["demo", "--steps", "1", "--out", "/proc/nope"]) == 2
        assert "cannot write pictures into '/proc/nope'" in capsys.readouterr().err


# --- help, descriptions, defaults, --version ----------------------------------------------


def every_parser() -> dict[str, argparse.ArgumentParser]:
    """The parser of each command (the demo's own parser included)."""
    from tinygrad_lite import demo
    from tinygrad_lite.cli import _parser, _subparsers

    parsers = _subparsers(_parser())
    parsers["demo"] = demo._parser()
    return parsers


def test_every_command_has_a_description() -> None:
    parsers = every_parser()
    assert sorted(parsers) == ["demo", "draw", "explain", "gradcheck", "train"]
    for name, parser in parsers.items():
        assert parser.description, name
        assert len(parser.description) > 40, name


def test_every_option_has_help_that_shows_its_default() -> None:
    for name, parser in every_parser().items():
        for action in parser._actions:
            if not action.option_strings or action.dest in ("help", "version"):
                continue
            where = f"{name} {action.option_strings[-1]}"
            assert action.help, where
            if action.required:
                continue
            assert "default" in action.help, where
            if action.default not in (None, False, []):
                assert "%(default)" in action.help, where  # the real value, never a copy
    text = every_parser()["gradcheck"].format_help()
    assert "(default: 1e-06)" in text
    assert "(default: 1e-05)" in text


def test_version_prints_the_package_version() -> None:
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    match = re.search(r'^version = "([^"]+)"', pyproject, flags=re.MULTILINE)
    assert match is not None
    r = run("--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"tinygrad-lite {match.group(1)}"


# --- the formula anywhere, operators from other notations, numbers of the checks ---------


@pytest.mark.parametrize(
    "args",
    [
        ["draw", "--set", "a=2", "b=-3", "a*b"],
        ["draw", "--set", "a=2", "b=-3", "a*b", "--backward"],
        ["draw", "--inputs", "a", "--set", "a=2", "b=-3", "a*b"],
        ["draw", "--set", "a=2", "b=-3", "--inputs", "a", "a*b"],
        ["draw", "--backward", "--set", "b=-3", "a=2", "a * b"],
    ],
)
def test_the_formula_may_follow_set(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 0, capsys.readouterr().err
    dot = capsys.readouterr().out
    assert "data -6.0000" in dot  # 2 * -3
    assert "<B>a</B>" in dot
    assert "<B>b</B>" in dot


def test_gradcheck_and_explain_take_the_formula_after_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["gradcheck", "--set", "a=2", "b=-3", "a*b"]) == 0
    assert "passed" in capsys.readouterr().out
    assert main(["explain", "--wrt", "a", "--set", "a=2", "b=-3", "a*b"]) == 0
    assert "dout/da = -3" in capsys.readouterr().out


def test_a_bad_set_value_is_still_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "a*b", "--set", "a=2", "b"]) == 2
    assert "expected NAME=NUMBER, got 'b'" in capsys.readouterr().err
    assert main(["draw", "a*b", "--set", "a=2,b=3"]) == 2
    assert "separate the assignments with spaces: --set a=2 b=3" in capsys.readouterr().err
    assert main(["draw", "Tanh(a)", "--set", "a=2"]) == 2
    assert "calling Tanh is not allowed (did you mean tanh?)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("formula", "hint"),
    [
        ("a^b", "for a power write a**b"),
        ("a//b", "write a/b"),
        ("a % b", "the operator % is not allowed"),
        ("a @ b", "the operator @ is not allowed"),
        ("~a + b", "the operator ~ is not allowed"),
        ("|a| + b", "for |x| write abs(x)"),
        ("2a + b", "write a product with *, as in 2*x"),
    ],
)
def test_operators_from_other_notations_get_a_hint(
    formula: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draw", formula, "--set", "a=2", "b=3"]) == 2
    err = capsys.readouterr().err
    assert hint in err
    assert "BitXor" not in err
    assert "FloorDiv" not in err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--eps", "0", "argument --eps: must be a positive number, got 0"),
        ("--eps", "-0.5", "argument --eps: must be a positive number, got -0.5"),
        ("--eps", "tiny", "argument --eps: 'tiny' is not a positive number"),
        ("--atol", "-1", "argument --atol: must be a number >= 0, got -1"),
        ("--rtol", "nan", "argument --rtol: must be a number >= 0, got nan"),
    ],
)
def test_bad_check_numbers_get_a_plain_message(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["gradcheck", "a*b", "--set", "a=2", "b=3", option, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert re.search(r"[A-Z]\w*(Error|Exception)", err) is None, err


@pytest.mark.parametrize("rankdir", ["LR", "RL", "TB", "BT", "rl", "bt"])
def test_every_rankdir(rankdir: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "a*b", "--set", "a=2", "b=3", "--rankdir", rankdir]) == 0
    assert f"rankdir={rankdir.upper()}" in capsys.readouterr().out


def test_an_unknown_rankdir_lists_the_four(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["draw", "a*b", "--set", "a=2", "b=3", "--rankdir", "up"])
    err = capsys.readouterr().err
    for choice in ("LR", "RL", "TB", "BT"):
        assert choice in err


def test_check_runs_the_backward_it_compares(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "a*b", "--set", "a=2", "b=-3", "--check"]) == 0
    dot = capsys.readouterr().out
    a_box = next(line for line in dot.splitlines() if "<B>a</B>" in line)
    assert "grad -3.0000" in a_box  # d(a*b)/da = b, not an empty 0.0000 beside "check ok"
    assert "check ok" in dot


# --- kinks, roots, abs and sqrt ------------------------------------------------------------


def test_a_kink_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradcheck", "relu(a)", "--set", "a=0"]) == 1
    out = capsys.readouterr().out
    assert "a = 0 is a kink of the formula: its slope is 0 just below and 1 just above" in out
    assert "the derivative is a convention (the rule used here gives 0)" in out
    assert "averages the two slopes (0.5)" in out
    assert "--set a=0.001" in out
    assert main(["gradcheck", "relu(a)", "--set", "a=0.001"]) == 0  # the advice works


def test_a_kink_note_is_only_for_kinks() -> None:
    from tinygrad_lite.cli import _kink_note

    smooth = parse("a*a + 3*a")
    assert _kink_note(smooth, {"a": 1.0}, "a", analytic=9.0, numeric=5.0, eps=1e-6) is None
    kinked = parse("relu(a) * 2")
    note = _kink_note(kinked, {"a": 0.0}, "a", analytic=0.0, numeric=1.0, eps=1e-6)
    assert note is not None
    assert "slope is 0 just below and 2 just above" in note


@pytest.mark.parametrize("formula", ["a**0.5", "sqrt(a)", "a**0.25 + 1"])
def test_a_root_at_zero_speaks_of_an_infinite_slope(
    formula: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gradcheck", formula, "--set", "a=0"]) == 2
    err = capsys.readouterr().err
    assert "infinite" in err
    assert "at 0" in err or "at x = 0" in err
    assert "negative" not in err


def test_a_root_at_zero_in_the_library_speaks_of_an_infinite_slope() -> None:
    from tinygrad_lite import DomainError, Tensor

    x = Value(0.0)
    y = x**0.5
    message = re.escape("slope of x ** 0.5 is infinite at x = 0")
    with pytest.raises(DomainError, match=message) as info:
        y.backward()
    assert "negative" not in str(info.value)
    t = Tensor([0.0, 4.0], requires_grad=True)
    with pytest.raises(DomainError, match="infinite at x = 0"):
        (t**0.5).sum().backward()


@pytest.mark.parametrize(
    ("formula", "x", "value", "slope"),
    [
        ("abs(x)", -3.0, 3.0, -1.0),
        ("abs(x)", 2.5, 2.5, 1.0),
        ("abs(x)", 0.0, 0.0, 0.0),  # PyTorch's choice at the kink
        ("sqrt(x)", 4.0, 2.0, 0.25),  # 1 / (2 sqrt(x))
        ("sqrt(abs(x))", -9.0, 3.0, -1.0 / 6.0),
    ],
)
def test_abs_and_sqrt(formula: str, x: float, value: float, slope: float) -> None:
    leaf = Value(x, label="x")
    out = evaluate(parse(formula), {"x": leaf})
    out.backward()
    assert out.data == pytest.approx(value, abs=1e-12)
    assert leaf.grad == pytest.approx(slope, abs=1e-12)


def test_sqrt_of_a_negative_number_names_the_problem(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "sqrt(x)", "--set", "x=-4"]) == 2
    err = capsys.readouterr().err
    assert "-4" in err
    assert "Traceback" not in err


# --- train ---------------------------------------------------------------------------------


def predict(checkpoint: Path, features: np.ndarray) -> np.ndarray:
    """Class predictions of the saved MLP, computed here with numpy alone."""
    with np.load(checkpoint) as saved:
        params = {k: saved[k] for k in saved.files}
    h = features
    for i in (0, 2):
        h = np.tanh(h @ params[f"{i}.weight"] + params[f"{i}.bias"])
    logits = h @ params["4.weight"] + params["4.bias"]
    return np.asarray(logits.argmax(axis=1))


@pytest.mark.parametrize(("dataset", "n_classes"), [("moons", 2), ("spirals", 3)])
def test_train_fits_every_class(
    dataset: str, n_classes: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinygrad_lite import data

    args = ["train", "--dataset", dataset, "--samples", "90", "--epochs", "30", "--seed", "1"]
    assert main([*args, "--out", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"{dataset}: 90 points, {n_classes} classes" in out
    features, labels = (
        data.make_moons(90, seed=1) if dataset == "moons" else data.make_spirals(30, seed=1)
    )
    assert int(labels.max()) + 1 == n_classes
    predicted = predict(tmp_path / "mlp.npz", features)
    assert set(np.unique(predicted)) == set(range(n_classes))  # every class is predicted
    accuracy = float(np.mean(predicted == labels))
    assert f"training accuracy {accuracy:.2%} over {n_classes} classes" in out
    per_class = ", ".join(f"{np.mean(predicted[labels == k] == k):.1%}" for k in range(n_classes))
    assert f"(per class: {per_class})" in out
    assert accuracy > 1.5 / n_classes  # well above guessing


def test_samples_is_the_size_of_the_data_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--dataset", "spirals", "--samples", "100", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--samples 100: spirals has 3 arms of equal size" in err
    assert "e.g. 99 or 102" in err


def test_progress_prints_without_tqdm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm fails
    assert main(["train", "--epochs", "3", "--samples", "30", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("epoch")]
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert all("loss" in line and "accuracy" in line for line in lines)
    assert (
        main(["train", "--epochs", "3", "--samples", "30", "--out", str(tmp_path), "--quiet"]) == 0
    )
    assert capsys.readouterr().err == ""


def test_a_skipped_loss_plot_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert (
        main(["train", "--epochs", "1", "--samples", "30", "--out", str(tmp_path), "--quiet"]) == 0
    )
    out = capsys.readouterr().out
    assert "loss plot skipped: matplotlib is not installed" in out
    assert '".[notebooks]"' in out
    assert not (tmp_path / "loss.png").exists()
    assert (tmp_path / "mlp.npz").exists()
