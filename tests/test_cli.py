"""The tinygrad-lite command, run as a user would (a subprocess) and in-process for speed."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_lite.cli import main
from tinygrad_lite.expr import ExpressionError, evaluate, parse, parse_assignments
from tinygrad_lite.value import Value
from tinygrad_lite.viz import COLOURS

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
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("the Graphviz 'dot' program must be installed in CI")
        pytest.skip("Graphviz 'dot' is not installed")


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
    pytest.importorskip("matplotlib")
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
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["draw", "x*2", "--set", "x=1", "-o", str(tmp_path / "g.png")]) == 1
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err
    assert "Traceback" not in err
    target = tmp_path / "g.svg"
    assert main(["draw", "x*2", "--set", "x=1", "-o", str(target)]) == 0
    assert "<svg" in target.read_text(encoding="utf-8")


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
