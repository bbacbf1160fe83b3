"""The exercise engine: one deterministic pass line, or a failure naming the case and the hint."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_impl.exercises import Case, ExerciseFailed, run_cases
from reference_impl.exercises.framework import compare_values


def _double(x):
    return 2 * x


CASES = [Case("zero", (0,), hint="zero"), Case("negative", (-2,), hint="sign"), Case("big", (10**6,), hint="big")]


def test_pass_prints_exactly_one_deterministic_line(capsys):
    assert run_cases("9.1", _double, CASES, reference=_double) == 3
    assert capsys.readouterr().out == "Exercise 9.1 passed (3/3 cases)\n"


def test_quiet_prints_nothing(capsys):
    run_cases("9.1", _double, CASES, reference=_double, quiet=True)
    assert capsys.readouterr().out == ""


def test_failure_names_case_expected_got_and_hint(capsys):
    with pytest.raises(ExerciseFailed) as exc:
        run_cases("9.1", abs, CASES, reference=_double)
    err = exc.value
    assert (err.exercise, err.case, err.hint) == ("9.1", "negative", "sign")  # abs(0) == 0 passes "zero"
    assert "Exercise 9.1 failed on case" in str(err)
    assert "\nHint: " in str(err)
    assert capsys.readouterr().out == ""  # no pass line on failure


def test_first_failing_case_is_reported():
    with pytest.raises(ExerciseFailed, match="case 'negative': expected -4, got 4\nHint: sign"):
        run_cases("9.1", lambda x: abs(2 * x), CASES, reference=_double)


def test_learner_exception_becomes_a_failed_case():
    def boom(x):
        raise KeyError("desk")

    with pytest.raises(ExerciseFailed, match=r"your function raised KeyError: 'desk'"):
        run_cases("9.1", boom, CASES, reference=_double)


def test_not_a_function_fails_in_setup():
    with pytest.raises(ExerciseFailed, match="case 'setup': expected a function, got int"):
        run_cases("9.1", 3, CASES)


def test_expected_raises_case():
    case = [Case("bad input", ("x",), raises=ValueError, hint="reject it")]
    run_cases("9.2", lambda v: int(v), case)  # int("x") raises ValueError: passes
    with pytest.raises(ExerciseFailed, match="expected ValueError to be raised"):
        run_cases("9.2", lambda v: 0, case)
    with pytest.raises(ExerciseFailed, match="expected ValueError or TypeError, got KeyError"):
        run_cases("9.2", lambda v: {}[v], [Case("c", ("x",), raises=(ValueError, TypeError))])


def test_mutating_learner_cannot_poison_the_expected_value():
    frame = pd.DataFrame({"x": [1.0, 2.0]})

    def mutating_sum(df):
        total = float(df["x"].sum())
        df["x"] = 0.0
        return total

    run_cases("9.3", mutating_sum, [Case("sum", (frame,))], reference=lambda df: float(df["x"].sum()), quiet=True)
    assert frame["x"].tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("got", "expected", "fragment"),
    [
        (1.0, 2.0, "expected 2.0, got 1.0"),
        (float("nan"), 0.0, "expected 0.0, got nan"),
        (0.0, float("nan"), "expected nan, got 0.0"),
        ([1, 2], [1, 2, 3], "expected 3 items"),
        ({"a": 1}, {"b": 1}, "keys differ"),
        (np.array([1.0, np.nan]), np.array([1.0, 2.0]), "NaN mismatch at position 1"),
        (np.array([1, 2]), np.array([[1, 2]]), "expected shape"),
        (pd.Series([1, 2], index=[1, 0]), pd.Series([1, 2]), "index differs"),
        ([1, 2], pd.Series([1, 2]), "expected a pandas Series"),
        (pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [1]}), "columns differ"),
        (pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1, 2]}), "expected 2 rows"),
        (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [1.5]}), "row 0, column 'a': expected 1.5, got 1.0"),
        ("EUR", "USD", "expected 'USD', got 'EUR'"),
    ],
)
def test_compare_values_explains_differences(got, expected, fragment):
    reason = compare_values(got, expected)
    assert reason is not None and fragment in reason


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (float("nan"), float("nan")),
        (np.float64(0.1 + 0.2), 0.3),
        (np.array([np.nan, 1.0]), np.array([np.nan, 1.0])),
        (pd.Series([1, 2], dtype="int32"), pd.Series([1.0, 2.0])),  # dtypes compared loosely
        ({"a": [1, (2, 3)]}, {"a": [1, (2, 3)]}),
        (pd.DataFrame({"a": [1]}, index=[7]), pd.DataFrame({"a": [1]})),  # frames: index ignored
    ],
)
def test_compare_values_accepts_equal_values(got, expected):
    assert compare_values(got, expected) is None


@given(st.floats(allow_nan=True, allow_infinity=False, width=64))
def test_compare_values_is_reflexive_for_floats(x):
    assert compare_values(x, x) is None


@given(st.floats(min_value=-1e6, max_value=1e6), st.floats(min_value=1e-3, max_value=1e3))
def test_compare_values_rejects_real_differences(x, delta):
    assert compare_values(x + delta, x) is not None or math.isclose(x + delta, x, rel_tol=1e-9, abs_tol=1e-9)
