"""Week 2 exercises: the vocabulary of evaluation, each with the trap that makes results look too good.

* 2.1 :func:`time_based_split` — the test set must be strictly later than the training set (sort first; a tie at
  the cut must not straddle it).
* 2.2 :func:`majority_baseline_accuracy` — the baseline is learnt from training labels only; ties are broken
  deterministically; an empty test set has no accuracy.
* 2.3 :func:`precision_recall` — from confusion counts, with zero division reported as undefined (NaN), not 0.

Examples
--------
>>> check.precision_recall(reference.precision_recall)
Exercise 2.3 passed (7/7 cases)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np
import pandas as pd

from reference_impl.errors import DataValidationError
from reference_impl.exercises.framework import Case, run_cases

# --------------------------------------------------------------------------------------------------------------
# Reference solutions
# --------------------------------------------------------------------------------------------------------------


def time_based_split(
    df: pd.DataFrame, time_col: str = "exec_ts", test_fraction: float = 0.2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into (train, test) so that every test row is strictly later than every training row.

    Rows are sorted by ``time_col``; the cut is the timestamp of the row at position
    ``round(n * (1 - test_fraction))``. Rows *at* that timestamp go to test, so a tie never straddles the cut.
    Both parts keep the original index and are sorted by time.

    Parameters
    ----------
    df : DataFrame
    time_col : str
        Column of timestamps (no NaT).
    test_fraction : float
        Target share of rows in the test set, strictly between 0 and 1.

    Returns
    -------
    (DataFrame, DataFrame)
        ``train``, ``test``.

    Examples
    --------
    >>> df = pd.DataFrame({"t": pd.to_datetime(["2026-01-03", "2026-01-01", "2026-01-02", "2026-01-02"])})
    >>> train, test = time_based_split(df, "t", test_fraction=0.5)
    >>> train.index.tolist(), test.index.tolist()   # the two rows of 2 January stay together
    ([1], [2, 3, 0])
    """
    if not (isinstance(test_fraction, (int, float)) and 0 < test_fraction < 1):
        raise DataValidationError(f"test_fraction must be strictly between 0 and 1, got {test_fraction!r}")
    if time_col not in df.columns:
        raise DataValidationError(f"column {time_col!r} not in the frame")
    if df[time_col].isna().any():
        raise DataValidationError(f"column {time_col!r} has missing timestamps: a row without a time cannot be placed")
    ordered = df.sort_values(time_col, kind="stable")
    n_train = round(len(df) * (1 - test_fraction))
    if n_train >= len(ordered):
        return ordered, ordered.iloc[:0]
    cut = ordered[time_col].iloc[n_train]
    before = (ordered[time_col] < cut).to_numpy()
    return ordered[before], ordered[~before]


def majority_baseline_accuracy(y_train: Sequence[Any], y_test: Sequence[Any]) -> float:
    """Accuracy on ``y_test`` of always predicting the most frequent label of ``y_train``.

    Ties are broken by the smallest label (sorted order), as scikit-learn's
    ``DummyClassifier(strategy="most_frequent")`` does. An empty test set has no accuracy (NaN); an empty
    training set has no majority (error).

    Examples
    --------
    >>> majority_baseline_accuracy(["ok", "ok", "anomaly"], ["ok", "anomaly"])
    0.5
    """
    train = np.asarray(list(y_train), dtype=object)
    test = np.asarray(list(y_test), dtype=object)
    if len(train) == 0:
        raise DataValidationError("y_train is empty: there is no majority class to predict")
    if len(test) == 0:
        return float("nan")
    labels, counts = np.unique(train, return_counts=True)  # labels sorted, so argmax picks the smallest on ties
    majority = labels[int(np.argmax(counts))]
    return float(np.mean(test == majority))


def precision_recall(tp: int, fp: int, fn: int) -> tuple[float, float]:
    """Precision ``tp / (tp + fp)`` and recall ``tp / (tp + fn)``; NaN where the denominator is 0.

    A model that raised no alerts has no precision (not a precision of 0: none of its alerts was wrong);
    on data with no positives, recall is undefined. NaN keeps "undefined" visible in a report.

    Examples
    --------
    >>> precision_recall(8, 2, 4)
    (0.8, 0.6666666666666666)
    >>> precision_recall(0, 0, 5)
    (nan, 0.0)
    """
    for name, value in (("tp", tp), ("fp", fp), ("fn", fn)):
        if value < 0:
            raise DataValidationError(f"{name} must be a non-negative count, got {value}")
    precision = tp / (tp + fp) if tp + fp else math.nan
    recall = tp / (tp + fn) if tp + fn else math.nan
    return float(precision), float(recall)


reference = SimpleNamespace(
    time_based_split=time_based_split,
    majority_baseline_accuracy=majority_baseline_accuracy,
    precision_recall=precision_recall,
)

# --------------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------------


def _events(days: list[int], index: list[int] | None = None) -> pd.DataFrame:
    """One row per event on 2026-01-<day> 12:00 UTC, with a label column so the frame looks like a dataset."""
    ts = pd.to_datetime([f"2026-01-{d:02d} 12:00" for d in days], utc=True)
    return pd.DataFrame({"exec_ts": ts, "is_anomaly": [d % 3 == 0 for d in days]}, index=index)


def _compare_split(got: Any, expected: tuple[pd.DataFrame, pd.DataFrame], time_col: str = "exec_ts") -> str | None:
    if not (isinstance(got, (tuple, list)) and len(got) == 2 and all(isinstance(g, pd.DataFrame) for g in got)):
        return f"expected a (train, test) pair of DataFrames, got {type(got).__name__}"
    train, test = got
    if len(train) and len(test) and train[time_col].max() >= test[time_col].min():
        return (f"leakage: training data reaches {train[time_col].max()} but the test set starts at "
                f"{test[time_col].min()}")
    for part, g, e in (("train", train, expected[0]), ("test", test, expected[1])):
        if list(g.columns) != list(e.columns):
            return f"{part} columns differ: expected {list(e.columns)}, got {list(g.columns)}"
        if sorted(g.index) != sorted(e.index):
            return (f"{part} rows (by index) differ: expected {sorted(e.index)}, got {sorted(g.index)} "
                    "(keep the original index: do not reset it)")
        if not g[time_col].is_monotonic_increasing:
            return f"{part} is not sorted by {time_col}"
    return None


def split_cases() -> list[Case]:
    split = dict(compare=_compare_split)
    return [
        Case("sorted input, no ties", (_events(list(range(1, 11))),), {"test_fraction": 0.2},
             hint="sort by time, then everything before the cut is train and the rest is test; never shuffle "
                  "(train_test_split shuffles by default)", **split),
        Case("unsorted input", (_events([5, 9, 1, 10, 3, 2, 8, 4, 7, 6]),), {"test_fraction": 0.3},
             hint="a blotter arrives in booking order, not execution order: sort by time_col before cutting "
                  "(df.iloc[:k] on unsorted rows puts future trades in train)", **split),
        Case("a tie at the cut goes to test", (_events([1, 2, 3, 4, 5, 6, 7, 8, 8, 9]),), {"test_fraction": 0.2},
             hint="rows sharing the cut's timestamp must all land in test; compare timestamps (< cut), "
                  "not row positions", **split),
        Case("keeps the original index", (_events([3, 1, 2, 4], index=[40, 10, 20, 30]),), {"test_fraction": 0.25},
             hint="do not reset the index: reviewers trace rows back to trades by it", **split),
        Case("empty frame", (_events([]),), {"test_fraction": 0.2},
             hint="no rows in, two empty frames out", **split),
        Case("missing timestamp is rejected",
             (pd.DataFrame({"exec_ts": pd.to_datetime(["2026-01-01", None], utc=True), "is_anomaly": [1, 0]}),),
             {"test_fraction": 0.5}, raises=ValueError,
             hint="a NaT cannot be placed in time: raise ValueError instead of letting the sort put it last"),
        Case("test_fraction must be in (0, 1)", (_events([1, 2]),), {"test_fraction": 1.5}, raises=ValueError,
             hint="validate test_fraction and raise ValueError naming it"),
    ]


def baseline_cases() -> list[Case]:
    return [
        Case("imbalanced labels", ([False] * 8 + [True] * 2, [False] * 9 + [True]),
             hint="predict the most frequent training label for every test row; accuracy = share predicted right"),
        Case("majority from the training labels only", (["normal"] * 7 + ["anomaly"] * 3, ["anomaly"] * 3 + ["normal"]),
             hint="learn the majority from y_train; looking at y_test is leakage"),
        Case("a tie is broken by the smallest label", (np.array(["b", "a", "b", "a"]), ["a", "a", "b"]),
             hint="with equal counts pick the smallest label in sorted order (as DummyClassifier does), not "
                  "the first one seen"),
        Case("works on a pandas Series", (pd.Series([1, 1, 0], index=[7, 8, 9]), pd.Series([1, 0], index=[0, 1])),
             hint="compare values, not index labels (y_test's index has nothing to do with y_train's)"),
        Case("empty test set", ([0, 1, 1], []),
             hint="accuracy over zero rows is undefined: return float('nan'), not 0 and not an error"),
        Case("empty training set", ([], [0, 1]), raises=ValueError,
             hint="with no training labels there is no majority: raise ValueError"),
    ]


def precision_recall_cases() -> list[Case]:
    return [
        Case("typical counts", (8, 2, 4),
             hint="precision = tp / (tp + fp) (false alerts lower it); recall = tp / (tp + fn) (missed anomalies "
                  "lower it): check you did not swap fp and fn"),
        Case("precision and recall differ", (1, 9, 0),
             hint="false positives lower precision; false negatives lower recall (check you did not swap fp and fn)"),
        Case("no alerts raised", (0, 0, 5),
             hint="tp + fp == 0: precision is undefined, return nan (sklearn: zero_division=np.nan), not 0"),
        Case("no positives in the data", (0, 3, 0), hint="tp + fn == 0: recall is undefined, return nan"),
        Case("nothing at all", (0, 0, 0), hint="both undefined: (nan, nan)"),
        Case("numpy integers", (np.int64(3), np.int64(1), np.int64(0)),
             hint="return plain floats, e.g. float(tp) / (tp + fp)"),
        Case("a negative count is rejected", (-1, 2, 3), raises=ValueError,
             hint="counts cannot be negative: raise ValueError naming the argument"),
    ]


# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def check_time_based_split(func: Callable[..., Any]) -> None:
    """Exercise 2.1: run ``func(df, test_fraction=...)`` against the leakage cases."""
    run_cases("2.1", func, split_cases(), reference=time_based_split)


def check_majority_baseline_accuracy(func: Callable[..., Any]) -> None:
    """Exercise 2.2: run ``func(y_train, y_test)`` against the baseline cases."""
    run_cases("2.2", func, baseline_cases(), reference=majority_baseline_accuracy)


def check_precision_recall(func: Callable[..., Any]) -> None:
    """Exercise 2.3: run ``func(tp, fp, fn)`` against the zero-division cases."""
    run_cases("2.3", func, precision_recall_cases(), reference=precision_recall)


check = SimpleNamespace(
    time_based_split=check_time_based_split,
    majority_baseline_accuracy=check_majority_baseline_accuracy,
    precision_recall=check_precision_recall,
)

__all__ = [
    "check",
    "check_majority_baseline_accuracy",
    "check_precision_recall",
    "check_time_based_split",
    "majority_baseline_accuracy",
    "precision_recall",
    "reference",
    "time_based_split",
]
