"""Week 2 checks: the reference passes, independent correct answers pass, plausible wrong answers fail helpfully."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import train_test_split

from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises import week02 as w
from reference_impl.exercises.mutants.week02 import (  # the planted wrong answers, one definition
    baseline_with_dummy,
    baseline_zero_on_empty,
    pr_swapped,
    precision_recall_sklearn_style,
    split_resets_index,
)

# ---------------------------------------------------------------- independent correct solutions (a learner's)


def split_by_quantile_time(df, time_col="exec_ts", test_fraction=0.2):
    if not 0 < test_fraction < 1 or df[time_col].isna().any():
        raise ValueError("bad input")
    times = sorted(df[time_col])
    k = int(len(times) * (1 - test_fraction) + 0.5)
    if k >= len(times):
        return df.sort_values(time_col), df.iloc[:0]
    cut = times[k]
    train = df[df[time_col] < cut].sort_values(time_col)
    return train, df[df[time_col] >= cut].sort_values(time_col)


# ---------------------------------------------------------------- plausible wrong solutions


def split_by_position_unsorted(df, time_col="exec_ts", test_fraction=0.2):  # forgets to sort
    k = round(len(df) * (1 - test_fraction))
    return df.iloc[:k], df.iloc[k:]


def split_by_position_sorted(df, time_col="exec_ts", test_fraction=0.2):  # ties straddle the cut
    if df[time_col].isna().any():
        raise ValueError("NaT")
    d = df.sort_values(time_col, kind="stable")
    k = round(len(d) * (1 - test_fraction))
    return d.iloc[:k], d.iloc[k:]


def split_shuffled(df, time_col="exec_ts", test_fraction=0.2):  # random split: the future leaks into train
    train, test = train_test_split(df, test_size=test_fraction, random_state=0)
    return train.sort_values(time_col), test.sort_values(time_col)


def baseline_from_test(y_train, y_test):  # leakage: majority of the test labels
    y_test = list(y_test)
    majority = Counter(y_test).most_common(1)[0][0] if y_test else None
    return float(np.mean([y == majority for y in y_test])) if y_test else float("nan")


def baseline_first_seen_tie(y_train, y_test):  # Counter keeps first-seen order on ties
    majority = Counter(list(y_train)).most_common(1)[0][0]
    y_test = list(y_test)
    return sum(y == majority for y in y_test) / len(y_test) if y_test else float("nan")


def pr_divides_by_zero(tp, fp, fn):
    return tp / (tp + fp), tp / (tp + fn)


def pr_zero_when_undefined(tp, fp, fn):
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)



def as_learner(func):
    """A learner's copy of ``func``: ``check`` treats the reference itself as the not-started stand-in."""
    return lambda *args, **kwargs: func(*args, **kwargs)


CHECKS = {
    "split": (w.check.time_based_split, "2.1"),
    "baseline": (w.check.majority_baseline_accuracy, "2.2"),
    "pr": (w.check.precision_recall, "2.3"),
}


@pytest.mark.parametrize(
    ("name", "solution"),
    [
        ("split", w.reference.time_based_split), ("split", split_by_quantile_time),
        ("baseline", w.reference.majority_baseline_accuracy), ("baseline", baseline_with_dummy),
        ("pr", w.reference.precision_recall), ("pr", precision_recall_sklearn_style),
    ],
)
def test_correct_solutions_pass_with_one_line(capsys, name, solution):
    check, ex_id = CHECKS[name]
    check(as_learner(solution))
    out = capsys.readouterr().out
    assert out.startswith(f"Exercise {ex_id} passed (") and out.count("\n") == 1
    assert w.EXERCISES[ex_id].evaluate(solution) > 0


@pytest.mark.parametrize(
    ("name", "wrong", "case", "message_words"),
    [
        ("split", split_by_position_unsorted, "unsorted input", "leakage"),
        ("split", split_by_position_sorted, "a tie at the cut goes to test", "leakage"),
        ("split", split_shuffled, "sorted input, no ties", "leakage"),
        ("split", split_resets_index, "sorted input, no ties", "do not reset it"),
        ("baseline", baseline_from_test, "majority from the training labels only", "y_test is leakage"),
        ("baseline", baseline_first_seen_tie, "a tie is broken by the smallest label", "smallest label"),
        ("baseline", baseline_zero_on_empty, "empty test set", "float('nan')"),
        ("pr", pr_divides_by_zero, "no alerts raised", "ZeroDivisionError"),
        ("pr", pr_zero_when_undefined, "no alerts raised", "expected nan, got 0.0"),
        ("pr", pr_swapped, "typical counts", "swap fp and fn"),
    ],
)
def test_wrong_solutions_fail_on_the_right_case_with_a_hint(capsys, name, wrong, case, message_words):
    check, ex_id = CHECKS[name]
    with pytest.raises(ExerciseFailed) as exc:
        check(wrong)
    message = str(exc.value)
    assert exc.value.case == case, message
    assert message.startswith(f"Exercise {ex_id} failed on case '{case}': ")
    assert "\nHint: " in message and message_words in message
    assert "passed" not in capsys.readouterr().out


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.integers(min_value=1, max_value=28), min_size=0, max_size=40),
    fraction=st.floats(min_value=0.05, max_value=0.95),
)
def test_reference_split_never_leaks_and_loses_nothing(days, fraction):
    df = w._events(days)
    train, test = w.time_based_split(df, test_fraction=fraction)
    assert sorted(train.index.tolist() + test.index.tolist()) == list(range(len(df)))
    if len(train) and len(test):
        assert train["exec_ts"].max() < test["exec_ts"].min()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_reference_precision_recall_matches_sklearn(tp, fp, fn):
    y_true = [1] * tp + [0] * fp + [1] * fn
    y_pred = [1] * tp + [1] * fp + [0] * fn
    p, r = w.precision_recall(tp, fp, fn)
    if y_true:
        assert p == pytest.approx(precision_score(y_true, y_pred, zero_division=np.nan), nan_ok=True)
        assert r == pytest.approx(recall_score(y_true, y_pred, zero_division=np.nan), nan_ok=True)
    assert math.isnan(p) == (tp + fp == 0) and math.isnan(r) == (tp + fn == 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=20),
       st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=20))
def test_reference_baseline_matches_dummy_classifier(y_train, y_test):
    assert w.majority_baseline_accuracy(y_train, y_test) == pytest.approx(baseline_with_dummy(y_train, y_test))


def test_split_rejects_unknown_column():
    with pytest.raises(ValueError, match="'when' not in the frame"):
        w.time_based_split(pd.DataFrame({"t": [1]}), "when")


# ---------------------------------------------------------------- end to end: a learner edits the notebook

LEARNER_2_3 = '''
def precision_recall(tp: int, fp: int, fn: int) -> tuple[float, float]:
    if tp < 0 or fp < 0 or fn < 0:
        raise ValueError("counts must be non-negative")
    precision = float(tp) / (tp + fp) if (tp + fp) > 0 else float("nan")
    recall = float(tp) / (tp + fn) if (tp + fn) > 0 else float("nan")
    return precision, recall
'''

WRONG_2_1 = '''
def time_based_split(df: pd.DataFrame, time_col: str = "exec_ts",
                     test_fraction: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    k = round(len(df) * (1 - test_fraction))
    return df.iloc[:k], df.iloc[k:]
'''


@pytest.mark.slow
def test_a_correct_learner_solution_passes_nbval(tmp_path):
    from notebook_helpers import NOTEBOOKS, notebook_with_solutions, run_as_learner, run_nbval

    nb = notebook_with_solutions(NOTEBOOKS / "week02_ml_vocabulary.ipynb", {"2.3": LEARNER_2_3})
    nb = run_as_learner(nb, tmp_path / "fork", "week02_ml_vocabulary.ipynb")  # run all, save
    result = run_nbval(nb, tmp_path, "week02_ml_vocabulary.ipynb")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_progress_reports_a_learners_mixed_notebook(tmp_path):
    import nbformat
    from notebook_helpers import NOTEBOOKS, notebook_with_solutions

    from reference_impl.progress import notebook_progress

    nb = notebook_with_solutions(NOTEBOOKS / "week02_ml_vocabulary.ipynb", {"2.1": WRONG_2_1, "2.3": LEARNER_2_3})
    path = tmp_path / "week02_ml_vocabulary.ipynb"
    nbformat.write(nb, path)
    progress = notebook_progress(path, execute=True, timeout=120)
    status = {e.id: (e.status, e.message) for e in progress.exercises}
    assert status["2.1"][0] == "failing" and "leakage" in status["2.1"][1]
    assert status["2.2"] == ("not_started", "")
    assert status["2.3"] == ("passed", "")
