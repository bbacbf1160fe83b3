"""Week 2 exercises: the vocabulary of evaluation, each with the trap that makes results look too good.

* 2.1 :func:`time_based_split` — the test set must be strictly later than the training set (sort first; a tie at
  the cut must not straddle it).
* 2.2 :func:`majority_baseline_accuracy` — the baseline is learnt from training labels only; ties are broken
  deterministically; an empty test set has no accuracy.
* 2.3 :func:`precision_recall` — from confusion counts, with zero division reported as undefined (NaN), not 0.

Examples
--------
>>> EXERCISES["2.3"].evaluate(reference.precision_recall)  # the number of cases passed
11
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.errors import DataValidationError
from reference_impl.exercises.framework import (
    Case,
    CheckBook,
    Exercise,
    Requirement,
    Structural,
    with_requirements,
)

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
        return Structural(f"expected a (train, test) pair of DataFrames, got {type(got).__name__}")
    train, test = got
    if len(train) and len(test) and train[time_col].max() >= test[time_col].min():
        return (
            f"leakage: training data reaches {train[time_col].max()} but the test set starts at {test[time_col].min()}"
        )
    for part, g, e in (("train", train, expected[0]), ("test", test, expected[1])):
        if list(g.columns) != list(e.columns):
            return f"{part} columns differ: expected {list(e.columns)}, got {list(g.columns)}"
        if len(g) and not set(g.index) <= set(expected[0].index.append(expected[1].index)):
            return Structural(
                f"{part} rows carry a new index {sorted(g.index)[:6]}, expected {sorted(e.index)[:6]} "
                "(keep the original index: do not reset it)"
            )
        if sorted(g.index) != sorted(e.index):
            return (
                f"{part} rows (by index) differ: expected {sorted(e.index)}, got {sorted(g.index)} "
                "(keep the original index: do not reset it)"
            )
        if not g[time_col].is_monotonic_increasing:
            return f"{part} is not sorted by {time_col}"
    return None


def split_cases() -> list[Case]:
    split: dict[str, Any] = {"compare": _compare_split}
    return [
        Case(
            "sorted input, no ties",
            (_events(list(range(1, 11)), index=list(range(101, 111))),),
            {"test_fraction": 0.2},
            hint="sort by time, then everything before the cut is train and the rest is test; never shuffle "
            "(train_test_split shuffles by default)",
            **split,
        ),
        Case(
            "the cut rounds, it does not truncate",
            (_events([1, 2, 3, 4, 5, 6, 7]),),
            {"test_fraction": 0.2},
            req="cut",
            hint="7 rows * 0.8 = 5.6 training rows: round() gives 6, int() gives 5",
            **split,
        ),
        Case(
            "unsorted input",
            (_events([5, 9, 1, 10, 3, 2, 8, 4, 7, 6]),),
            {"test_fraction": 0.3},
            hint="a blotter arrives in booking order, not execution order: sort by time_col before cutting "
            "(df.iloc[:k] on unsorted rows puts future trades in train)",
            **split,
        ),
        Case(
            "a tie at the cut goes to test",
            (_events([1, 2, 3, 4, 5, 6, 7, 8, 8, 9]),),
            {"test_fraction": 0.2},
            hint="rows sharing the cut's timestamp must all land in test; compare timestamps (< cut), "
            "not row positions",
            **split,
        ),
        Case(
            "keeps the original index",
            (_events([3, 1, 2, 4], index=[40, 10, 20, 30]),),
            {"test_fraction": 0.25},
            hint="do not reset the index: reviewers trace rows back to trades by it",
            **split,
        ),
        Case("empty frame", (_events([]),), {"test_fraction": 0.2}, hint="no rows in, two empty frames out", **split),
        Case(
            "missing timestamp is rejected",
            (pd.DataFrame({"exec_ts": pd.to_datetime(["2026-01-01", None], utc=True), "is_anomaly": [1, 0]}),),
            {"test_fraction": 0.5},
            raises=ValueError,
            hint="a NaT cannot be placed in time: raise ValueError instead of letting the sort put it last",
        ),
        Case(
            "test_fraction must be in (0, 1)",
            (_events([1, 2]),),
            {"test_fraction": 1.5},
            raises=ValueError,
            hint="validate test_fraction and raise ValueError naming it",
        ),
    ]


def baseline_cases() -> list[Case]:
    return [
        Case(
            "plain Python lists",
            (["ok", "ok", "bad"], ["ok", "bad", "ok"]),
            req="inputs",
            hint="a list compared with a label is just False: turn y_test into an array first",
        ),
        Case(
            "imbalanced labels",
            ([False] * 8 + [True] * 2, [False] * 9 + [True]),
            hint="predict the most frequent training label for every test row; accuracy = share predicted right",
        ),
        Case(
            "majority from the training labels only",
            (["normal"] * 7 + ["anomaly"] * 3, ["anomaly"] * 3 + ["normal"]),
            hint="learn the majority from y_train; looking at y_test is leakage",
        ),
        Case(
            "a tie is broken by the smallest label",
            (np.array(["b", "a", "b", "a"]), ["a", "a", "b"]),
            hint="with equal counts pick the smallest label in sorted order (as DummyClassifier does), not "
            "the first one seen",
        ),
        Case(
            "works on a pandas Series",
            (pd.Series([1, 1, 0], index=[7, 8, 9]), pd.Series([1, 0], index=[0, 1])),
            hint="compare values, not index labels (y_test's index has nothing to do with y_train's)",
        ),
        Case(
            "empty test set",
            ([0, 1, 1], []),
            hint="accuracy over zero rows is undefined: return float('nan'), not 0 and not an error",
        ),
        Case(
            "empty training set",
            ([], [0, 1]),
            raises=ValueError,
            hint="with no training labels there is no majority: raise ValueError",
        ),
    ]


def precision_recall_cases() -> list[Case]:
    return [
        Case(
            "typical counts",
            (8, 2, 4),
            hint="precision = tp / (tp + fp) (false alerts lower it); recall = tp / (tp + fn) (missed anomalies "
            "lower it): check you did not swap fp and fn",
        ),
        Case(
            "precision and recall differ",
            (1, 9, 0),
            hint="false positives lower precision; false negatives lower recall (check you did not swap fp and fn)",
        ),
        Case(
            "no alerts raised",
            (0, 0, 5),
            hint="tp + fp == 0: precision is undefined, return nan (sklearn: zero_division=np.nan), not 0",
        ),
        Case("no positives in the data", (0, 3, 0), hint="tp + fn == 0: recall is undefined, return nan"),
        Case("nothing at all", (0, 0, 0), hint="both undefined: (nan, nan)"),
        Case(
            "numpy integers",
            (np.int64(3), np.int64(1), np.int64(0)),
            hint="return plain floats, e.g. float(tp) / (tp + fp)",
        ),
        Case(
            "a negative count is rejected",
            (-1, 2, 3),
            raises=ValueError,
            hint="counts cannot be negative: raise ValueError naming the argument",
        ),
    ]


# --------------------------------------------------------------------------------------------------------------
# Requirements (the bullets the notebook shows) and random cases
# --------------------------------------------------------------------------------------------------------------

SPLIT_REQS = (
    Requirement(
        "time",
        "sort by `time_col` (whatever column it names) and cut by time: every test row is strictly "
        "later than every training row; never shuffle",
        "sort by time_col before cutting; use the time_col argument, not a hard-coded column",
    ),
    Requirement(
        "cut",
        "the cut is the timestamp of the row at position `round(n * (1 - test_fraction))` of the "
        "sorted rows, and every row at that timestamp goes to test",
        "n_train = round(len(df) * (1 - test_fraction)); cut = sorted times[n_train]; test = rows >= cut",
    ),
    Requirement(
        "shape",
        "both parts keep the original index and columns and are sorted by time; an empty frame gives two empty frames",
        "do not reset the index: reviewers trace rows back to trades by it",
    ),
    Requirement(
        "reject",
        "a missing timestamp, or a `test_fraction` outside (0, 1), raises `ValueError`",
        "validate before splitting and raise ValueError naming the problem",
    ),
)
_SPLIT_TABLE = {
    "sorted input, no ties": "time",
    "unsorted input": "time",
    "a tie at the cut goes to test": "cut",
    "keeps the original index": "shape",
    "empty frame": "shape",
    "missing timestamp is rejected": "reject",
    "test_fraction must be in (0, 1)": "reject",
}


def split_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(4):
        n = int(rng.integers(6, 40))
        minutes = np.sort(rng.choice(np.arange(0, 20_000, 7), size=n))
        minutes = np.repeat(minutes, rng.integers(1, 4, size=n))[:n]  # runs of equal timestamps (ties)
        ts = pd.Timestamp("2026-03-27", tz="UTC") + pd.to_timedelta(minutes, unit="min")
        df = pd.DataFrame(
            {"booked_ts": ts[::-1], "amount": rng.normal(size=n), "exec_ts": pd.Timestamp("2026-01-01", tz="UTC")},
            index=rng.choice(10_000, n, replace=False),
        )
        df = df.sample(frac=1.0, random_state=int(rng.integers(1 << 30)))
        frac = float(np.round(rng.uniform(0.1, 0.6), 2))
        while abs(n * (1 - frac) % 1 - 0.5) < 0.05:  # no half-way cut: round-half-even vs half-up is not the lesson
            frac = float(np.round(rng.uniform(0.1, 0.6), 2))
        cases.append(
            Case(
                f"random frame {k + 1}: unsorted, ties, time_col='booked_ts', test_fraction={frac}",
                (df,),
                {"time_col": "booked_ts", "test_fraction": frac},
                req="time" if k < 2 else "cut",
                compare=lambda got, exp: _compare_split(got, exp, "booked_ts"),
            )
        )
    return cases


BASELINE_REQS = (
    Requirement(
        "majority",
        "predict the most frequent label of `y_train` (never look at `y_test`) and return the "
        "share of `y_test` that prediction gets right, as a float",
        "learn the majority from y_train only; accuracy = mean(y_test == majority)",
    ),
    Requirement(
        "tie",
        "a tie between labels is broken by the smallest label in sorted order",
        "with equal counts pick the smallest label (as DummyClassifier does), not the first one seen",
    ),
    Requirement(
        "inputs",
        "accept lists, numpy arrays and pandas Series (compare values, not index labels)",
        "turn both into plain arrays first (np.asarray(list(y)))",
    ),
    Requirement(
        "empty",
        "an empty `y_test` gives NaN; an empty `y_train` raises `ValueError`",
        "accuracy over zero rows is undefined (nan); with no training labels there is no majority",
    ),
)
_BASELINE_TABLE = {
    "imbalanced labels": "majority",
    "majority from the training labels only": "majority",
    "a tie is broken by the smallest label": "tie",
    "works on a pandas Series": "inputs",
    "empty test set": "empty",
    "empty training set": "empty",
}


def baseline_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    pools = [
        np.array(["normal", "anomaly", "review"]),
        np.array([3, 1, 2, 0]),
        np.array(["b", "a", "c"]),
        np.array([True, False]),
    ]
    for k, pool in enumerate(pools):
        counts = rng.integers(1, 6, size=len(pool))
        counts[-1] = counts[0] = counts.max()  # an asymmetric tie: the tied labels are not seen in sorted order
        y_train = rng.permutation(np.repeat(pool, counts))
        y_test = rng.choice(pool, size=int(rng.integers(3, 15)))
        args = (
            (pd.Series(y_train, index=rng.permutation(len(y_train)) + 50), list(y_test))
            if k % 2
            else (list(y_train), pd.Series(y_test, index=rng.permutation(len(y_test))))
        )
        cases.append(
            Case(
                f"random labels {k + 1}: {pool.dtype.kind}-labels, a tie in training",
                args,
                req="tie" if k < 3 else "inputs",
            )
        )
    return cases


PR_REQS = (
    Requirement(
        "formula",
        "precision is `tp / (tp + fp)` and recall is `tp / (tp + fn)`",
        "false alerts (fp) lower precision; missed anomalies (fn) lower recall: do not swap them",
    ),
    Requirement(
        "undefined",
        "a zero denominator makes that value NaN (undefined), not 0",
        "tp + fp == 0: precision is nan (sklearn: zero_division=np.nan); tp + fn == 0: recall is nan",
    ),
    Requirement(
        "types",
        "return a `(precision, recall)` tuple of floats, also for numpy integer counts",
        "return (float(precision), float(recall))",
    ),
    Requirement(
        "negative",
        "a negative count raises `ValueError`",
        "counts cannot be negative: raise ValueError naming the argument",
    ),
)
_PR_TABLE = {
    "typical counts": "formula",
    "precision and recall differ": "formula",
    "no alerts raised": "undefined",
    "no positives in the data": "undefined",
    "nothing at all": "undefined",
    "numpy integers": "types",
    "a negative count is rejected": "negative",
}


def pr_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(4):
        tp, fp, fn = (int(v) for v in rng.integers(0, 50, size=3))
        if k == 1:
            tp, fp = 0, 0
        cases.append(
            Case(
                f"random counts {k + 1}: tp={tp}, fp={fp}, fn={fn}",
                (np.int64(tp), fp, np.int32(fn)),
                req="formula" if k != 1 else "undefined",
            )
        )
    return cases


def _types_compare(got: Any, expected: Any) -> str | None:
    if not isinstance(got, tuple) or len(got) != 2:
        return Structural(f"expected a (precision, recall) tuple, got {type(got).__name__}")
    if not all(isinstance(v, float) for v in got):
        return Structural(f"expected two floats, got {tuple(type(v).__name__ for v in got)}")
    from reference_impl.exercises.framework import compare_values

    return compare_values(got, expected)


def _pr_cases() -> list[Case]:
    import dataclasses

    return [
        dataclasses.replace(c, compare=_types_compare) if c.raises is None else c
        for c in with_requirements(precision_recall_cases(), _PR_TABLE)
    ]


# Graded hints (check.hint(id)): a nudge, then the trap the requirements name, then the key lines.
_HINTS = {
    "2.1": (
        "Never shuffle (`train_test_split` shuffles by default): sort by `time_col` "
        '(`df.sort_values(time_col, kind="stable")`), find the cut timestamp, and split with a '
        "boolean mask on time.",
        "The cut is the timestamp at position `n_train = round(len(df) * (1 - test_fraction))` of "
        "the sorted rows (`round`, not `int`), and every row *at* that timestamp goes to test: train "
        "is `time < cut`, test is `time >= cut`, so a tie never straddles the cut. Keep the original "
        "index (no `reset_index`).",
        "Validate first (a NaT in `time_col`, or `test_fraction` outside (0, 1), raises ValueError), "
        "then:\n"
        'ordered = df.sort_values(time_col, kind="stable")\n'
        "n_train = round(len(df) * (1 - test_fraction))\n"
        "if n_train >= len(ordered):\n"
        "    return ordered, ordered.iloc[:0]\n"
        "cut = ordered[time_col].iloc[n_train]\n"
        "before = ordered[time_col] < cut\n"
        "return ordered[before], ordered[~before]",
    ),
    "2.2": (
        "Learn from `y_train` only: count its labels (`np.unique(train, return_counts=True)`), pick "
        "the most frequent, and return the share of `y_test` equal to it, `float(np.mean(test == "
        "majority))`.",
        "On a tie pick the smallest label in sorted order: `np.unique` returns the labels sorted and "
        "`np.argmax` takes the first maximum, so `labels[np.argmax(counts)]` does it "
        "(`Counter.most_common` would pick the first one seen). Compare values, not index labels: "
        "turn both inputs into plain arrays with `np.asarray(list(y))`.",
        'Empty inputs: no `y_test` gives `float("nan")`; no `y_train` raises ValueError (there is no '
        "majority). Then:\n"
        "train = np.asarray(list(y_train), dtype=object)\n"
        "test = np.asarray(list(y_test), dtype=object)\n"
        "labels, counts = np.unique(train, return_counts=True)\n"
        "majority = labels[int(np.argmax(counts))]\n"
        "return float(np.mean(test == majority))",
    ),
    "2.3": (
        "Precision asks 'of the alerts raised, how many were right?' (`tp / (tp + fp)`); recall asks "
        "'of the real anomalies, how many were caught?' (`tp / (tp + fn)`).",
        "A zero denominator is undefined, not 0: no alerts at all has no precision (none of them was "
        "wrong). Return `math.nan` for that value (scikit-learn's `zero_division=np.nan`), and raise "
        "ValueError for a negative count.",
        "After checking that no count is negative:\n"
        "precision = tp / (tp + fp) if tp + fp else math.nan\n"
        "recall = tp / (tp + fn) if tp + fn else math.nan\n"
        "return float(precision), float(recall)   # plain floats, also for numpy integer counts",
    ),
}


EXERCISES = {
    "2.1": Exercise(
        "2.1",
        "Time-based train/test split",
        SPLIT_REQS,
        cases=lambda: with_requirements(split_cases(), _SPLIT_TABLE),
        reference=time_based_split,
        random_cases=split_random_cases,
        seed=201,
        structure_req="shape",
        hints=_HINTS["2.1"],
    ),
    "2.2": Exercise(
        "2.2",
        "Majority-class baseline accuracy",
        BASELINE_REQS,
        cases=lambda: with_requirements(baseline_cases(), _BASELINE_TABLE),
        reference=majority_baseline_accuracy,
        random_cases=baseline_random_cases,
        seed=202,
        structure_req="inputs",
        hints=_HINTS["2.2"],
    ),
    "2.3": Exercise(
        "2.3",
        "Precision and recall from counts",
        PR_REQS,
        cases=_pr_cases,
        reference=precision_recall,
        random_cases=pr_random_cases,
        seed=203,
        structure_req="types",
        hints=_HINTS["2.3"],
    ),
}

# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def check_time_based_split(func: Callable[..., Any]) -> Any:
    """Exercise 2.1: run ``func(df, test_fraction=...)`` against the leakage cases."""
    return EXERCISES["2.1"].check(func)


def check_majority_baseline_accuracy(func: Callable[..., Any]) -> Any:
    """Exercise 2.2: run ``func(y_train, y_test)`` against the baseline cases."""
    return EXERCISES["2.2"].check(func)


def check_precision_recall(func: Callable[..., Any]) -> Any:
    """Exercise 2.3: run ``func(tp, fp, fn)`` against the zero-division cases."""
    return EXERCISES["2.3"].check(func)


check = CheckBook(
    EXERCISES,
    time_based_split="2.1",
    majority_baseline_accuracy="2.2",
    precision_recall="2.3",
)

__all__ = [
    "EXERCISES",
    "check",
    "check_majority_baseline_accuracy",
    "check_precision_recall",
    "check_time_based_split",
    "majority_baseline_accuracy",
    "precision_recall",
    "reference",
    "time_based_split",
]
