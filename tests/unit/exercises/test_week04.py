"""Week 4 checks: the reference passes, independent correct answers pass, plausible wrong answers fail helpfully."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises import week04 as w
from reference_impl.exercises.mutants.week04 import (  # the planted wrong answers, one definition
    cost_brute,
    cost_observed_only,
    cost_swapped,
    folds_accepts_naive,
    folds_sorted_positions,
    p_at_k_divides_by_k,
    p_at_k_loop,
    p_at_k_unstable_ties,
)

# ---------------------------------------------------------------- independent correct solutions (a learner's)


def capacity_loop(scores, alerts_per_day, n_days):
    s = sorted(set(float(x) for x in scores), reverse=True)
    budget = int(alerts_per_day * n_days)
    best = s[0] + 1.0  # flags nothing
    for t in s:  # lower the threshold while the queue still fits
        if sum(x >= t for x in scores) <= budget:
            best = t
        else:
            break
    return best


def folds_loop(timestamps, train_weeks):
    ts = pd.Series(timestamps)
    if ts.dt.tz is None:
        raise ValueError("naive")
    start, week = ts.min(), pd.Timedelta(days=7)
    folds, i = [], 0
    while start + (train_weeks + i) * week <= ts.max():
        end = start + (train_weeks + i) * week
        train = np.flatnonzero((ts >= start) & (ts < end))
        test = np.flatnonzero((ts >= end) & (ts < end + week))
        if len(train) and len(test):
            folds.append((train, test))
        i += 1
    if not folds:
        raise ValueError("too short")
    return folds


# ---------------------------------------------------------------- plausible wrong solutions


def p_at_k_ascending(y_true, scores, k):  # lowest scores first
    order = np.argsort(np.asarray(scores), kind="stable")[:k]
    return float(np.asarray(y_true)[order].mean())


def capacity_kth_score(scores, alerts_per_day, n_days):  # ignores ties at the cut
    s = np.sort(np.asarray(scores, float))[::-1]
    k = int(alerts_per_day * n_days)
    return float(s[min(max(k, 1), len(s)) - 1])


def capacity_rounds_up(scores, alerts_per_day, n_days):  # ceil instead of floor
    s = np.sort(np.asarray(scores, float))[::-1]
    k = int(np.ceil(alerts_per_day * n_days))
    if k == 0:
        return float(s[0]) + 1
    return float(s[min(k, len(s)) - 1]) if k >= len(s) or s[k] < s[k - 1] else float(s[k - 1]) + 1e-9


def folds_inclusive_end(timestamps, train_weeks):  # trade at the cut goes to train
    ts = pd.Series(timestamps)
    if ts.dt.tz is None:
        raise ValueError("naive")
    start, week = ts.min(), pd.Timedelta(days=7)
    folds, i = [], 0
    while start + (train_weeks + i) * week <= ts.max():
        end = start + (train_weeks + i) * week
        folds.append((np.flatnonzero(ts <= end), np.flatnonzero((ts > end) & (ts <= end + week))))
        i += 1
    if not folds:
        raise ValueError
    return folds


# ---------------------------------------------------------------- tests


def as_learner(func):
    """A learner's copy of ``func``: ``check`` treats the reference itself as the not-started stand-in."""
    return lambda *args, **kwargs: func(*args, **kwargs)


CORRECT = [
    (w.check.precision_at_k, w.reference.precision_at_k, "4.1"),
    (w.check.precision_at_k, p_at_k_loop, "4.1"),
    (w.check.capacity_threshold, w.reference.capacity_threshold, "4.3"),
    (w.check.capacity_threshold, capacity_loop, "4.3"),
    (w.check.walk_forward_folds, w.reference.walk_forward_folds, "4.2"),
    (w.check.walk_forward_folds, folds_loop, "4.2"),
    (w.check.cost_threshold, w.reference.cost_threshold, "4.4"),
    (w.check.cost_threshold, cost_brute, "4.4"),
    (w.check.precision_at_k, w.solution_precision_at_k, "4.1"),  # the solutions check.solution shows
    (w.check.walk_forward_folds, w.solution_walk_forward_folds, "4.2"),
    (w.check.capacity_threshold, w.solution_capacity_threshold, "4.3"),
    (w.check.cost_threshold, w.solution_cost_threshold, "4.4"),
]


@pytest.mark.parametrize("check, solution, number", CORRECT)
def test_correct_solutions_pass_with_one_line(check, solution, number, capsys):
    assert w.EXERCISES[number].evaluate(solution) > 0
    check(as_learner(solution))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(f"Exercise {number} passed (")


WRONG = [
    (w.check.precision_at_k, p_at_k_ascending, "basic queue", "highest first"),
    (w.check.precision_at_k, p_at_k_divides_by_k, "k larger than the data", "min(k, n)"),
    (w.check.precision_at_k, p_at_k_unstable_ties, "ties at the cut", "stable"),
    (w.check.capacity_threshold, capacity_kth_score, "ties at the cut would exceed capacity", "ABOVE the tie"),
    (w.check.capacity_threshold, capacity_rounds_up, "fractional budget rounds down", "round DOWN"),
    (w.check.walk_forward_folds, folds_sorted_positions, "rows not in time order", "AS GIVEN"),
    (w.check.walk_forward_folds, folds_inclusive_end, "a trade exactly at the cut", "half-open"),
    (w.check.walk_forward_folds, folds_accepts_naive, "naive timestamps are refused", "time zone"),
    (w.check.cost_threshold, cost_observed_only, "flagging nothing is cheapest", "flag nothing"),
    (w.check.cost_threshold, cost_swapped, "misses cost more than false alerts", "cost_missed"),
]


@pytest.mark.parametrize("check, solution, case, hint", WRONG)
def test_wrong_solutions_fail_with_the_right_hint(check, solution, case, hint):
    with pytest.raises(ExerciseFailed) as info:
        check(solution)
    assert info.value.case.startswith(case)
    assert hint in info.value.hint


def test_not_a_function():
    with pytest.raises(ExerciseFailed, match="expected a function"):
        w.check.precision_at_k(0.5)


def test_module_doctest_line():
    assert w.precision_at_k([0, 1], [0.2, 0.1], 1) == 0.0
