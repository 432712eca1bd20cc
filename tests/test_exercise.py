"""check_answers: what a student's check cell says about empty, misshapen and wrong answers."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_lite import Tensor, Value
from tinygrad_lite.exercise import AnswerError, check_answers


def test_matching_answers_pass_with_a_summary() -> None:
    summary = check_answers(
        {"a": 0.1 + 0.2, "b": np.array([1.0, 2.0])}, {"a": 0.3, "b": Tensor([1.0, 2.0])}
    )
    assert summary == "all 2 answers match (rtol 1e-06, atol 1e-09)"


def test_nodes_are_compared_by_their_data() -> None:
    assert check_answers({"L": Value(2.0)}, {"L": Value(2.0)})


def test_empty_answers_are_named() -> None:
    with pytest.raises(AnswerError) as info:
        check_answers({"x": ..., "y": None, "z": 1.0}, {"x": 1.0, "y": 2.0, "z": 1.0})
    assert str(info.value) == "not filled in yet: x, y (still None or ...)"
    assert info.value.missing == ["x", "y"]
    assert isinstance(info.value, AssertionError)


def test_a_wrong_number_shows_both_values() -> None:
    expected = {f"dL/dw{k}": float(k) for k in range(1, 10)}
    answers = dict(expected, **{"dL/dw3": -0.0015224861})
    expected["dL/dw3"] = 0.018979592
    with pytest.raises(AnswerError) as info:
        check_answers(answers, expected)
    assert str(info.value) == (
        "1 of 9 answers are off:\n  dL/dw3: yours -0.0015224861, expected 0.018979592"
    )
    assert info.value.wrong == ["dL/dw3"]


def test_a_wrong_shape_shows_both_shapes() -> None:
    expected = {"dW1": np.ones((2, 10)), "db1": np.ones(10), "dW2": np.ones((10, 1)), "db2": 1.0}
    answers = dict(expected, dW1=np.ones((10, 2)))
    with pytest.raises(AnswerError) as info:
        check_answers(answers, expected)
    assert str(info.value) == (
        "1 of 4 answers are off:\n  dW1: has shape (10, 2), expected shape (2, 10) (transposed?)"
    )
    assert info.value.misshapen == ["dW1"]


def test_wrong_entries_of_an_array_are_counted_and_the_first_shown() -> None:
    got = np.zeros((2, 3))
    got[1, 2] = 5.0
    got[0, 1] = 4.0
    with pytest.raises(
        AnswerError, match=r"2 of 6 entries are off; at \(0, 1\): yours 4, expected 0"
    ):
        check_answers({"G": got}, {"G": np.zeros((2, 3))})


def test_not_a_number_and_not_finite() -> None:
    with pytest.raises(AnswerError, match="x: is a str, not a number"):
        check_answers({"x": "0.5"}, {"x": 0.5})
    with pytest.raises(AnswerError, match="x: is not finite: nan"):
        check_answers({"x": float("nan")}, {"x": 0.5})


def test_tolerances() -> None:
    assert check_answers({"x": 1.0 + 1e-7}, {"x": 1.0})
    with pytest.raises(AnswerError):
        check_answers({"x": 1.0 + 1e-5}, {"x": 1.0})
    assert check_answers({"x": 1.0 + 1e-5}, {"x": 1.0}, rtol=1e-4)


def test_names_must_agree() -> None:
    with pytest.raises(KeyError, match="answers and expected name different things"):
        check_answers({"a": 1.0}, {"b": 1.0})
