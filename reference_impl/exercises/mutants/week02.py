"""Week 2 mutants: plausible wrong answers to exercises 2.1–2.3, each breaking one requirement."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import train_test_split

from reference_impl.exercises import week02 as w
from reference_impl.exercises.mutation import Mutant

# ---------------------------------------------------------------- 2.1 time_based_split


def split_by_quantile_time(df, time_col="exec_ts", test_fraction=0.2):
    if not 0 < test_fraction < 1 or df[time_col].isna().any():
        raise ValueError("bad input")
    times = sorted(df[time_col])
    k = int(len(times) * (1 - test_fraction) + 0.5)
    if k >= len(times):
        return df.sort_values(time_col), df.iloc[:0]
    cut = times[k]
    return df[df[time_col] < cut].sort_values(time_col), df[df[time_col] >= cut].sort_values(time_col)


def split_unsorted(df, time_col="exec_ts", test_fraction=0.2):  # forgets to sort
    if not 0 < test_fraction < 1 or df[time_col].isna().any():
        raise ValueError("bad input")
    k = round(len(df) * (1 - test_fraction))
    return df.iloc[:k], df.iloc[k:]


def split_hardcoded_column(df, time_col="exec_ts", test_fraction=0.2):  # ignores time_col
    return w.time_based_split(df, "exec_ts", test_fraction)


def split_shuffled(df, time_col="exec_ts", test_fraction=0.2):  # random split: the future leaks into train
    if not 0 < test_fraction < 1 or df[time_col].isna().any():
        raise ValueError("bad input")
    if len(df) < 2:
        return df, df.iloc[:0]
    train, test = train_test_split(df, test_size=test_fraction, random_state=0)
    return train.sort_values(time_col), test.sort_values(time_col)


def split_ties_straddle(df, time_col="exec_ts", test_fraction=0.2):  # cuts by position: ties straddle the cut
    if not 0 < test_fraction < 1 or df[time_col].isna().any():
        raise ValueError("bad input")
    d = df.sort_values(time_col, kind="stable")
    k = round(len(d) * (1 - test_fraction))
    return d.iloc[:k], d.iloc[k:]


def split_truncates(df, time_col="exec_ts", test_fraction=0.2):  # int() instead of round()
    if not 0 < test_fraction < 1 or df[time_col].isna().any():
        raise ValueError("bad input")
    d = df.sort_values(time_col, kind="stable")
    k = int(len(d) * (1 - test_fraction))
    if k >= len(d):
        return d, d.iloc[:0]
    before = (d[time_col] < d[time_col].iloc[k]).to_numpy()
    return d[before], d[~before]


def split_resets_index(df, time_col="exec_ts", test_fraction=0.2):
    train, test = w.time_based_split(df, time_col, test_fraction)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def split_no_validation(df, time_col="exec_ts", test_fraction=0.2):  # NaT sorts last, bad fractions pass
    d = df.sort_values(time_col, kind="stable")
    k = min(max(round(len(d) * (1 - test_fraction)), 0), len(d))
    if k >= len(d):
        return d, d.iloc[:0]
    before = (d[time_col] < d[time_col].iloc[k]).to_numpy()
    return d[before], d[~before]


# ---------------------------------------------------------------- 2.2 majority_baseline_accuracy


def baseline_with_dummy(y_train, y_test):
    y_train, y_test = list(y_train), list(y_test)
    if not y_train:
        raise ValueError("empty")
    if not y_test:
        return float("nan")
    model = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(y_train), 1)), y_train)
    return float(model.score(np.zeros((len(y_test), 1)), y_test))


def baseline_from_test(y_train, y_test):  # leakage: majority of the test labels
    y_train, y_test = list(y_train), list(y_test)
    if not y_train:
        raise ValueError("empty")
    majority = Counter(y_test).most_common(1)[0][0] if y_test else None
    return float(np.mean([y == majority for y in y_test])) if y_test else float("nan")


def baseline_first_seen_tie(y_train, y_test):  # Counter keeps first-seen order on ties
    y_train, y_test = list(y_train), list(y_test)
    if not y_train:
        raise ValueError("empty")
    majority = Counter(y_train).most_common(1)[0][0]
    return sum(y == majority for y in y_test) / len(y_test) if y_test else float("nan")


def baseline_largest_tie(y_train, y_test):  # max() over (count, label): the largest label wins ties
    y_train, y_test = list(y_train), list(y_test)
    if not y_train:
        raise ValueError("empty")
    majority = max(Counter(y_train).items(), key=lambda kv: (kv[1], kv[0]))[0]
    return sum(y == majority for y in y_test) / len(y_test) if y_test else float("nan")


def baseline_list_compare(y_train, y_test):  # `y_test == majority` on a plain list is a single False
    y_train = list(y_train)
    if not y_train:
        raise ValueError("empty")
    if len(y_test) == 0:
        return float("nan")
    labels, counts = np.unique(np.asarray(y_train, dtype=object), return_counts=True)
    return float(np.mean(y_test == labels[int(np.argmax(counts))]))


def baseline_zero_on_empty(y_train, y_test):
    y_test = list(y_test)
    return w.majority_baseline_accuracy(y_train, y_test) if y_test else 0.0


# ---------------------------------------------------------------- 2.3 precision_recall


def precision_recall_sklearn_style(tp, fp, fn):
    if min(tp, fp, fn) < 0:
        raise ValueError("negative")
    p = float("nan") if tp + fp == 0 else float(tp) / (tp + fp)
    r = float("nan") if tp + fn == 0 else float(tp) / (tp + fn)
    return p, r


def pr_swapped(tp, fp, fn):
    return w.precision_recall(tp, fn, fp)


def pr_zero_when_undefined(tp, fp, fn):
    if min(tp, fp, fn) < 0:
        raise ValueError("negative")
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def pr_divides_by_zero(tp, fp, fn):
    if min(tp, fp, fn) < 0:
        raise ValueError("negative")
    return tp / (tp + fp), tp / (tp + fn)


def pr_returns_dict(tp, fp, fn):
    p, r = w.precision_recall(tp, fp, fn)
    return {"precision": p, "recall": r}


def pr_numpy_scalars(tp, fp, fn):  # numpy division: np.float64 is a float, but an int count 0/0 warns; returns arrays
    p, r = w.precision_recall(tp, fp, fn)
    return np.array([p]), np.array([r])


def pr_accepts_negative(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else math.nan
    r = tp / (tp + fn) if tp + fn else math.nan
    return float(p), float(r)


MUTANTS = [
    Mutant("2.1", "time", split_unsorted),
    Mutant("2.1", "time", split_hardcoded_column),
    Mutant("2.1", "time", split_shuffled),
    Mutant("2.1", "cut", split_ties_straddle),
    Mutant("2.1", "cut", split_truncates),
    Mutant("2.1", "shape", split_resets_index),
    Mutant("2.1", "reject", split_no_validation),
    Mutant("2.2", "majority", baseline_from_test),
    Mutant("2.2", "tie", baseline_first_seen_tie),
    Mutant("2.2", "tie", baseline_largest_tie),
    Mutant("2.2", "inputs", baseline_list_compare),
    Mutant("2.2", "empty", baseline_zero_on_empty),
    Mutant("2.3", "formula", pr_swapped),
    Mutant("2.3", "undefined", pr_zero_when_undefined),
    Mutant("2.3", "undefined", pr_divides_by_zero),
    Mutant("2.3", "types", pr_returns_dict),
    Mutant("2.3", "types", pr_numpy_scalars),
    Mutant("2.3", "negative", pr_accepts_negative),
]

CORRECT = {
    "2.1": [w.reference.time_based_split, split_by_quantile_time],
    "2.2": [w.reference.majority_baseline_accuracy, baseline_with_dummy],
    "2.3": [w.reference.precision_recall, precision_recall_sklearn_style],
}
