"""Week 4 exercises: evaluation for rare anomalies, each with the trap that makes a queue or a backtest lie.

* 4.1 :func:`precision_at_k` — the hit rate of a reviewer queue: highest scores first, ``k`` larger than the
  data, ties broken by position, labels read by position (not by index).
* 4.2 :func:`walk_forward_folds` — train on earlier weeks, test on the next one: positions in the original
  (unsorted) order, a trade exactly at the cut belongs to the test week, naive timestamps refused.
* 4.3 :func:`capacity_threshold` — the lowest threshold that keeps alerts within reviewer capacity: ties at
  the cut must not push the queue over capacity; zero capacity flags nothing.
* 4.4 :func:`cost_threshold` — the threshold that minimises missed-anomaly cost plus false-alert cost, where
  "flag nothing" is a legitimate answer.

Examples
--------
>>> EXERCISES["4.1"].evaluate(reference.precision_at_k)  # the number of cases passed
11
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.evaluation import metrics, thresholds
from reference_impl.evaluation.backtest import time_splits
from reference_impl.exercises.framework import Case, CheckBook, Exercise, Requirement, compare_values, with_requirements

# --------------------------------------------------------------------------------------------------------------
# Reference solutions (they delegate to reference_impl.evaluation)
# --------------------------------------------------------------------------------------------------------------


def precision_at_k(y_true: Any, scores: Any, k: int) -> float:
    """Share of anomalies among the ``k`` highest scores (ties broken by position; ``k`` capped at n).

    Raises ``ValueError`` when ``k < 1``.

    >>> precision_at_k([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.2], k=2)
    0.5
    """
    return metrics.precision_at_k(np.asarray(y_true), np.asarray(scores, dtype=float), k)


def capacity_threshold(scores: Any, alerts_per_day: float, n_days: float) -> float:
    """The lowest threshold (flag ``score >= threshold``) whose alerts fit ``alerts_per_day * n_days``.

    >>> capacity_threshold([0.2, 0.9, 0.5, 0.7], alerts_per_day=1, n_days=2)
    0.7
    """
    return thresholds.threshold_for_capacity(np.asarray(scores, dtype=float), alerts_per_day, n_days).threshold


def walk_forward_folds(timestamps: pd.Series, train_weeks: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window folds: train on ``[start, start + (train_weeks + i) weeks)``, test on the next week.

    Returns ``(train_positions, test_positions)`` per fold, positions into ``timestamps`` as given (sorted
    ascending within each array). ``start`` is the earliest timestamp. Raises ``ValueError`` for naive
    timestamps or when the data is too short for one fold.
    """
    return [(f.train_index, f.test_index) for f in time_splits(timestamps, train_weeks=train_weeks, test_weeks=1)]


def cost_threshold(y_true: Any, scores: Any, cost_missed: float, cost_false_alert: float) -> float:
    """A threshold minimising ``cost_missed * FN + cost_false_alert * FP`` (may flag nothing)."""
    return thresholds.threshold_for_cost(
        np.asarray(y_true),
        np.asarray(scores, dtype=float),
        cost_missed=cost_missed,
        cost_false_alert=cost_false_alert,
        n_days=1,
    ).threshold


# Readable solutions: what check.solution(...) shows (the reference above delegates to the library, which
# also serves production code; these solve the exercise in a few plain lines and pass the same check)


def solution_precision_at_k(y_true: Any, scores: Any, k: int) -> float:
    """Share of anomalies among the ``k`` highest scores (ties broken by position; ``k`` capped at n)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    y = np.asarray(y_true, dtype=float)  # by position, whatever index a Series had
    s = np.asarray(scores, dtype=float)
    top = np.argsort(-s, kind="stable")[: min(k, len(s))]  # highest first; equal scores keep their order
    return float(y[top].mean())


def solution_walk_forward_folds(timestamps: pd.Series, train_weeks: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window folds: train on ``[start, start + (train_weeks + i) weeks)``, test on the next week."""
    ts = pd.Series(timestamps).reset_index(drop=True)  # positions 0..n-1 as given, not sorted
    if ts.dt.tz is None:
        raise ValueError("timestamps must be tz-aware: whose midnight would a naive one be?")
    start, last, week = ts.min(), ts.max(), pd.Timedelta(weeks=1)
    folds: list[tuple[np.ndarray, np.ndarray]] = []
    i = 0
    while start + (train_weeks + i) * week <= last:
        cut = start + (train_weeks + i) * week
        train = np.flatnonzero((ts >= start) & (ts < cut))  # half-open: a trade at the cut is test
        test = np.flatnonzero((ts >= cut) & (ts < cut + week))
        if len(train) and len(test):
            folds.append((train, test))
        i += 1
    if not folds:
        raise ValueError(f"the data is too short for {train_weeks} training week(s) and one test week")
    return folds


def solution_capacity_threshold(scores: Any, alerts_per_day: float, n_days: float) -> float:
    """The lowest threshold (flag ``score >= threshold``) whose alerts fit ``alerts_per_day * n_days``."""
    s = np.asarray(scores, dtype=float)
    budget = math.floor(alerts_per_day * n_days + 1e-9)  # round down: capacity is not a target to exceed
    threshold = float(np.nextafter(s.max(), np.inf))  # flags nothing
    for candidate in np.unique(s)[::-1]:  # distinct scores, highest first
        if np.sum(s >= candidate) > budget:  # ties are flagged together: this one does not fit
            break
        threshold = float(candidate)
    return threshold


def solution_cost_threshold(y_true: Any, scores: Any, cost_missed: float, cost_false_alert: float) -> float:
    """A threshold minimising ``cost_missed * FN + cost_false_alert * FP`` (may flag nothing)."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=float)
    # "flag nothing" first, then every distinct score from the top (ties in cost go to fewer alerts)
    candidates = [float(np.nextafter(s.max(), np.inf)), *np.unique(s)[::-1]]
    best, best_cost = candidates[0], math.inf
    for t in candidates:
        flagged = s >= t  # equal scores are flagged together
        cost = cost_missed * np.sum(y & ~flagged) + cost_false_alert * np.sum(~y & flagged)
        if cost < best_cost:
            best, best_cost = float(t), cost
    return best


reference = SimpleNamespace(
    precision_at_k=precision_at_k,
    capacity_threshold=capacity_threshold,
    walk_forward_folds=walk_forward_folds,
    cost_threshold=cost_threshold,
)

# --------------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------------


def precision_at_k_cases() -> list[Case]:
    return [
        Case(
            "basic queue",
            ([0, 1, 0, 1, 0], [0.1, 0.9, 0.8, 0.7, 0.2], 2),
            hint="sort by score, highest first, take the first k rows and average their labels",
        ),
        Case(
            "higher score = more anomalous",
            ([1, 0, 0, 0], [0.95, 0.1, 0.2, 0.3], 1),
            hint="the queue starts with the HIGHEST score: np.argsort sorts ascending, so reverse it (argsort(-s))",
        ),
        Case(
            "k larger than the data",
            ([0, 1, 1], [0.3, 0.2, 0.1], 10),
            hint="with fewer rows than k, the queue holds all rows: divide by min(k, n), not by k",
        ),
        Case(
            "ties at the cut: earlier row first",
            ([1, 0, 0, 0], [0.5, 0.5, 0.5, 0.1], 1),
            hint="with equal scores keep the original order: use a stable sort, e.g. np.argsort(-s, kind='stable')",
        ),
        Case(
            "labels by position, not by index",
            (pd.Series([1, 0, 0], index=[2, 1, 0]), pd.Series([0.9, 0.1, 0.2], index=[2, 1, 0]), 1),
            hint="positions from argsort must index positions: use np.asarray(y)[top] (or .iloc), not y[top]",
        ),
        Case(
            "booleans",
            (np.array([True, False, True, False]), np.array([0.4, 0.3, 0.2, 0.1]), 3),
            hint="booleans average like 0/1; return a float",
        ),
        Case(
            "k must be at least 1",
            ([0, 1], [0.1, 0.2], 0),
            raises=ValueError,
            hint="a queue of zero alerts has no precision: raise ValueError naming k",
        ),
    ]


def _flag_compare(scores: Any) -> Callable[[Any, Any], str | None]:
    s = np.asarray(scores, dtype=float)

    def compare(got: Any, expected: Any) -> str | None:
        try:
            got_f = float(got)
        except (TypeError, ValueError):
            return f"expected a number (the threshold), got {type(got).__name__}"
        g, e = s >= got_f, s >= float(expected)
        if g.sum() != e.sum() or (g != e).any():
            return (
                f"threshold {got_f!r} flags {int(g.sum())} row(s) {np.flatnonzero(g).tolist()}, "
                f"expected {int(e.sum())} row(s) {np.flatnonzero(e).tolist()}"
            )
        return None

    return compare


def capacity_cases() -> list[Case]:
    def case(name: str, scores: list[float], per_day: float, days: float, hint: str) -> Case:
        return Case(name, (scores, per_day, days), compare=_flag_compare(scores), hint=hint)

    return [
        case(
            "basic",
            [0.2, 0.9, 0.5, 0.7, 0.1, 0.6],
            1,
            3,
            "budget = floor(alerts_per_day * n_days); the threshold is the budget-th highest score",
        ),
        case(
            "ties at the cut would exceed capacity",
            [0.9, 0.8, 0.8, 0.8, 0.1],
            2,
            1,
            "three rows share the cut score 0.8 and only two fit: move the threshold ABOVE the tie "
            "(capacity is a hard limit; never flag more than the reviewers can work)",
        ),
        case(
            "capacity above the number of rows",
            [0.3, 0.1, 0.2],
            10,
            1,
            "if everything fits, flag everything: the threshold is the lowest score",
        ),
        case(
            "zero capacity flags nothing",
            [0.3, 0.1, 0.2],
            0,
            5,
            "no reviewers, no alerts: return a threshold above the highest score (e.g. np.nextafter(max, inf))",
        ),
        case(
            "fractional budget rounds down",
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
            2.5,
            3,
            "2.5 alerts/day for 3 days is 7.5 alerts: round DOWN to 7, capacity is not a target to exceed",
        ),
    ]


def _ts(hours: list[float], tz: str | None = "UTC") -> pd.Series:
    base = pd.Timestamp("2026-01-05")
    ts = pd.Series([base + pd.Timedelta(hours=h) for h in hours])
    return ts.dt.tz_localize(tz) if tz else ts


def _compare_folds(got: Any, expected: list[tuple[np.ndarray, np.ndarray]]) -> str | None:
    if not isinstance(got, (list, tuple)):
        return f"expected a list of (train, test) pairs, got {type(got).__name__}"
    if len(got) != len(expected):
        return f"expected {len(expected)} fold(s), got {len(got)}"
    for i, (g, e) in enumerate(zip(got, expected)):
        if not (isinstance(g, (list, tuple)) and len(g) == 2):
            return f"fold {i}: expected a (train_positions, test_positions) pair"
        for part, gg, ee in (("train", g[0], e[0]), ("test", g[1], e[1])):
            reason = compare_values(np.sort(np.asarray(gg, dtype=int)), np.asarray(ee, dtype=int))
            if reason:
                return f"fold {i} {part} positions: {reason} (expected {np.asarray(ee).tolist()}, got {np.sort(np.asarray(gg)).tolist()})"
    return None


def walk_forward_cases() -> list[Case]:
    week = 24 * 7
    daily = [0.0] + [24.0 * d + 3 for d in range(1, 28)]  # no trade falls exactly on a weekly cut
    shuffled = [daily[i] for i in np.random.default_rng(4).permutation(len(daily))]
    return [
        Case(
            "four weeks of daily trades",
            (_ts(daily), 2),
            compare=_compare_folds,
            hint="fold i trains on [start, start + (train_weeks + i) weeks) and tests on the following week",
        ),
        Case(
            "rows not in time order",
            (_ts(shuffled), 2),
            compare=_compare_folds,
            hint="return positions into the series AS GIVEN; compare timestamps with the window bounds instead "
            "of cutting a sorted copy by position",
        ),
        Case(
            "a trade exactly at the cut is tested, not trained on",
            (_ts([0, 30, week, 2 * week, 2 * week + 5, 3 * week - 1]), 2),
            compare=_compare_folds,
            hint="training windows are half-open [start, end): a trade at `end` belongs to the test week",
        ),
        Case(
            "too little data for one fold",
            (_ts([0, 24, 48]), 2),
            raises=ValueError,
            hint="with less than train_weeks + a test week of data there is nothing to test: raise ValueError",
        ),
        Case(
            "naive timestamps are refused",
            (_ts(daily, tz=None), 2),
            raises=ValueError,
            hint="a timestamp without a time zone is ambiguous (whose midnight?): raise ValueError",
        ),
    ]


def _cost_compare(y: Any, scores: Any, c_fn: float, c_fp: float) -> Callable[[Any, Any], str | None]:
    y_arr, s = np.asarray(y, dtype=bool), np.asarray(scores, dtype=float)

    def cost(t: float) -> float:
        flagged = s >= t
        return float(c_fn * np.sum(~flagged & y_arr) + c_fp * np.sum(flagged & ~y_arr))

    def compare(got: Any, expected: Any) -> str | None:
        try:
            got_f = float(got)
        except (TypeError, ValueError):
            return f"expected a number (the threshold), got {type(got).__name__}"
        if cost(got_f) > cost(float(expected)) + 1e-9:
            return f"threshold {got_f!r} costs {cost(got_f):g}; the best threshold costs {cost(float(expected)):g}"
        return None

    return compare


def cost_cases() -> list[Case]:
    def case(name: str, y: list[int], s: list[float], c_fn: float, c_fp: float, hint: str) -> Case:
        return Case(name, (y, s, c_fn, c_fp), compare=_cost_compare(y, s, c_fn, c_fp), hint=hint)

    return [
        case(
            "misses cost more than false alerts",
            [0, 1, 0, 1, 0, 0],
            [0.1, 0.9, 0.8, 0.3, 0.2, 0.25],
            10,
            1,
            "try every distinct score as the threshold and compute cost_missed * FN + cost_false_alert * FP",
        ),
        case(
            "false alerts cost more",
            [0, 1, 0, 1, 0, 0],
            [0.1, 0.9, 0.8, 0.3, 0.2, 0.25],
            1,
            10,
            "the cheapest answer may flag only the very top: evaluate the cost at each candidate",
        ),
        case(
            "flagging nothing is cheapest",
            [0, 0, 1, 0],
            [0.9, 0.8, 0.1, 0.7],
            1,
            5,
            "include 'flag nothing' (a threshold above the highest score) among the candidates",
        ),
        case(
            "flag everything when a miss is ruinous",
            [0, 1, 0, 0],
            [0.5, 0.1, 0.7, 0.9],
            1000,
            1,
            "the lowest score is a candidate too: flag all rows when missing one costs most",
        ),
        case(
            "ties flag together",
            [1, 0, 1, 0],
            [0.5, 0.5, 0.5, 0.1],
            3,
            1,
            "rows with equal scores are flagged together by `score >= threshold`: count them as one candidate",
        ),
    ]


# --------------------------------------------------------------------------------------------------------------
# Requirements (the bullets the notebook shows) and random cases
# --------------------------------------------------------------------------------------------------------------

P_AT_K_REQS = (
    Requirement(
        "top",
        "the queue is the `k` highest scores (a higher score is more anomalous); return the share of anomalies "
        "in it as a float",
        "the queue starts with the HIGHEST score: np.argsort sorts ascending, so reverse it (argsort(-s))",
    ),
    Requirement(
        "ties",
        "equal scores keep their original order (a stable sort)",
        "with equal scores keep the original order: use a stable sort, e.g. np.argsort(-s, kind='stable')",
    ),
    Requirement(
        "cap",
        "when `k` exceeds the number of rows the queue holds every row: divide by `min(k, n)`",
        "with fewer rows than k, the queue holds all rows: divide by min(k, n), not by k",
    ),
    Requirement(
        "position",
        "`y_true` and `scores` may be pandas Series with any index: read them by position",
        "positions from argsort must index positions: use np.asarray(y)[top] (or .iloc), not y[top]",
    ),
    Requirement(
        "k", "`k < 1` raises `ValueError`", "a queue of zero alerts has no precision: raise ValueError naming k"
    ),
)
_P_AT_K_TABLE = {
    "k must be at least 1": "k",
    "basic queue": "top",
    "higher score = more anomalous": "top",
    "k larger than the data": "cap",
    "ties at the cut: earlier row first": "ties",
    "labels by position, not by index": "position",
    "booleans": "top",
}


def p_at_k_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(4):
        n = int(rng.integers(5, 30))
        y = rng.random(n) < 0.3
        scores = np.round(rng.random(n), 1)  # coarse: many ties, unevenly spread
        index = [int(i) for i in rng.choice(1000, size=n, replace=False)]
        top_k = int(rng.integers(1, n + 5))
        cases.append(
            Case(
                f"random queue {k + 1}: {n} rows, k={top_k}, tied scores, shuffled index",
                (pd.Series(y.astype(int), index=index), pd.Series(scores, index=index), top_k),
                req="top",
            )
        )
    return cases


FOLDS_REQS = (
    Requirement(
        "windows",
        "fold `i` trains on `[start, start + (train_weeks + i) weeks)` and tests on the following week, with "
        "`start` the earliest timestamp (not its midnight)",
        "fold i trains on [start, start + (train_weeks + i) weeks) and tests on the following week",
    ),
    Requirement(
        "cut",
        "windows are half-open: a trade exactly at a cut belongs to the test week",
        "training windows are half-open [start, end): a trade at `end` belongs to the test week",
    ),
    Requirement(
        "positions",
        "return a list of `(train_positions, test_positions)` pairs; positions refer to the series as given "
        "(it may be unsorted)",
        "return positions into the series AS GIVEN; compare timestamps with the window bounds instead of "
        "cutting a sorted copy by position",
    ),
    Requirement(
        "refuse",
        "naive timestamps, and data too short for one fold, raise `ValueError`",
        "a timestamp without a time zone is ambiguous (whose midnight?): raise ValueError",
    ),
)
_FOLDS_TABLE = {
    "naive timestamps are refused": "refuse",
    "too little data for one fold": "refuse",
    "four weeks of daily trades": "windows",
    "rows not in time order": "positions",
    "a trade exactly at the cut is tested, not trained on": "cut",
}


def folds_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    week = 24 * 7
    for k, tz in enumerate(["UTC", "Europe/London", "Asia/Tokyo", "America/New_York"]):
        n = int(rng.integers(30, 60))
        first = float(rng.integers(1, 20)) + 0.25  # never at midnight
        hours = first + rng.random(n) * (week * int(rng.integers(3, 6)))
        hours[0] = first
        at_cut = rng.choice(n, size=3, replace=False)
        hours[at_cut] = first + week * rng.integers(2, 4, size=3)  # exactly at a cut
        ts = pd.Series(pd.Timestamp("2026-03-23", tz="UTC") + pd.to_timedelta(hours, unit="h")).dt.tz_convert(tz)
        ts = ts.sample(frac=1.0, random_state=k).set_axis([int(i) for i in rng.choice(10_000, n, replace=False)])
        cases.append(
            Case(
                f"random trades {k + 1}: {tz}, unsorted, trades at the cuts",
                (ts, int(rng.integers(1, 3))),
                compare=_compare_folds,
                req="windows",
            )
        )
    return cases


CAPACITY_REQS = (
    Requirement(
        "budget",
        "the alert budget is `floor(alerts_per_day * n_days)`: round down",
        "2.5 alerts/day for 3 days is 7.5 alerts: round DOWN to 7, capacity is not a target to exceed",
    ),
    Requirement(
        "lowest",
        "return the lowest threshold (flag `score >= threshold`) whose alerts fit the budget; if everything fits, "
        "flag everything",
        "budget = floor(alerts_per_day * n_days); the threshold is the budget-th highest score",
    ),
    Requirement(
        "ties",
        "equal scores at the cut are flagged together: if they do not all fit, move the threshold above them",
        "rows sharing the cut score are flagged together: if they do not all fit, move the threshold ABOVE the tie",
    ),
    Requirement(
        "zero",
        "zero capacity flags nothing",
        "no reviewers, no alerts: return a threshold above the highest score (e.g. np.nextafter(max, inf))",
    ),
)
_CAPACITY_TABLE = {
    "basic": "lowest",
    "ties at the cut would exceed capacity": "ties",
    "capacity above the number of rows": "lowest",
    "zero capacity flags nothing": "zero",
    "fractional budget rounds down": "budget",
}


def capacity_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(4):
        n = int(rng.integers(10, 40))
        scores = [float(x) for x in np.round(rng.beta(2, 5, size=n), 2)]
        per_day, days = float(rng.choice([0.5, 1, 1.5, 2.5, 3])), float(rng.integers(1, 6))
        cases.append(
            Case(
                f"random scores {k + 1}: {n} rows, {per_day}/day for {days:g} days, tied scores",
                (scores, per_day, days),
                compare=_flag_compare(scores),
                req="lowest",
            )
        )
    return cases


COST_REQS = (
    Requirement(
        "cost",
        "minimise `cost_missed * FN + cost_false_alert * FP` (a missed anomaly costs `cost_missed`)",
        "compute cost_missed * FN + cost_false_alert * FP for each candidate and keep the cheapest",
    ),
    Requirement(
        "every",
        "try every distinct score as the threshold",
        "try every distinct score as the threshold, not a grid or a few quantiles",
    ),
    Requirement(
        "ties",
        "rows with equal scores are flagged together (`score >= threshold`): a threshold cannot split a tie",
        "rows with equal scores are flagged together by `score >= threshold`: count them as one candidate",
    ),
    Requirement(
        "nothing",
        '"flag nothing" (a threshold above the highest score) is a candidate too',
        "include 'flag nothing' (a threshold above the highest score) among the candidates",
    ),
)
_COST_TABLE = {
    "misses cost more than false alerts": "cost",
    "false alerts cost more": "cost",
    "flagging nothing is cheapest": "nothing",
    "flag everything when a miss is ruinous": "every",
    "ties flag together": "ties",
    "a tie of one anomaly and two normal rows": "ties",
}


def cost_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(4):
        n = int(rng.integers(15, 40))
        y = [int(v) for v in rng.random(n) < 0.25]
        s = [float(v) for v in np.round(rng.random(n), 2)]
        c_fn, c_fp = float(rng.choice([1, 2, 5, 10])), float(rng.choice([1, 2, 3]))
        cases.append(
            Case(
                f"random scores {k + 1}: {n} rows, misses cost {c_fn:g}, false alerts {c_fp:g}",
                (y, s, c_fn, c_fp),
                compare=_cost_compare(y, s, c_fn, c_fp),
                req="every",
            )
        )
    return cases


def _extra_cost_cases() -> list[Case]:
    y, s = [0, 0, 1, 0], [0.5, 0.5, 0.5, 0.1]
    return [
        Case(
            "a tie of one anomaly and two normal rows",
            (y, s, 1.5, 1),
            compare=_cost_compare(y, s, 1.5, 1),
            hint="a threshold at 0.5 flags all three tied rows, not just the anomaly: evaluate `score >= t` on all rows",
        )
    ]


# Graded hints (check.hint(id)): a nudge, then the trap the requirements name, then the key lines.
_HINTS = {
    "4.1": (
        "Order the positions by score, highest first, take the first `k`, and average the labels there.",
        "`np.argsort` sorts ascending and its default sort is not stable: use `np.argsort(-s, "
        'kind="stable")` so equal scores keep their original order. With fewer rows than `k` the '
        "queue holds every row, so divide by `min(k, n)`; `k < 1` raises ValueError.",
        "Read both inputs by position (`np.asarray`), never by a Series' index labels:\n"
        "y, s = np.asarray(y_true, dtype=float), np.asarray(scores, dtype=float)\n"
        'top = np.argsort(-s, kind="stable")[: min(k, len(s))]\n'
        "return float(y[top].mean())",
    ),
    "4.2": (
        "Do not sort and cut by position: compute each fold's window bounds from `start = ts.min()` "
        "and select rows with boolean masks on the timestamps; `np.flatnonzero(mask)` turns a mask "
        "into positions of the series as given.",
        "Fold i: `cut = start + (train_weeks + i) * pd.Timedelta(weeks=1)`; train is `start <= ts < "
        "cut`, test is `cut <= ts < cut + 1 week` (half-open, so a trade exactly at the cut is in "
        "the test week). `start` is the earliest timestamp itself, not its midnight. Naive "
        "timestamps, and no fold at all, raise ValueError.",
        "Positions of the series as given, then the folds (raise ValueError if none was made):\n"
        "ts = pd.Series(timestamps).reset_index(drop=True)   # then: if ts.dt.tz is None, raise ValueError\n"
        "start, week, folds, i = ts.min(), pd.Timedelta(weeks=1), [], 0\n"
        "while start + (train_weeks + i) * week <= ts.max():\n"
        "    cut = start + (train_weeks + i) * week\n"
        "    train = np.flatnonzero((ts >= start) & (ts < cut))\n"
        "    test = np.flatnonzero((ts >= cut) & (ts < cut + week))\n"
        "    if len(train) and len(test):\n"
        "        folds.append((train, test))\n"
        "    i += 1",
    ),
    "4.3": (
        "The budget is a whole number of alerts; walk the distinct scores from the highest down and "
        "keep lowering the threshold while the rows flagged (`np.sum(s >= t)`) still fit the budget.",
        "Round the budget down: 2.5 alerts a day for 3 days is 7 alerts, not 8. Ties are flagged "
        "together, so a threshold sits at a distinct score: if the rows sharing the cut score do not "
        "all fit, stop above them. With zero capacity nothing is flagged: start from a threshold "
        "above the maximum, `np.nextafter(s.max(), np.inf)`.",
        "s = np.asarray(scores, dtype=float)\n"
        "budget = math.floor(alerts_per_day * n_days + 1e-9)   # the epsilon: 0.29 * 100 is 28.999...\n"
        "threshold = float(np.nextafter(s.max(), np.inf))        # flags nothing\n"
        "for t in np.unique(s)[::-1]:                            # distinct scores, highest first\n"
        "    if np.sum(s >= t) > budget:\n"
        "        break\n"
        "    threshold = float(t)\n"
        "return threshold",
    ),
    "4.4": (
        "Brute force is fine: the candidates are every distinct score plus one threshold above the "
        "maximum (flag nothing); compute each candidate's cost and keep the cheapest.",
        "For a threshold t, flagged is `s >= t` (equal scores are flagged together); FN counts "
        "anomalies not flagged and FP normal rows flagged, and the cost is `cost_missed * FN + "
        "cost_false_alert * FP`. Leaving out 'flag nothing' or the lowest score gets the extremes "
        "wrong; a grid or a few quantiles misses the best cut.",
        "y, s = np.asarray(y_true, dtype=bool), np.asarray(scores, dtype=float)\n"
        "candidates = [float(np.nextafter(s.max(), np.inf)), *np.unique(s)[::-1]]\n"
        "costs = [cost_missed * np.sum(y & (s < t)) + cost_false_alert * np.sum(~y & (s >= t)) for t "
        "in candidates]\n"
        "return float(candidates[int(np.argmin(costs))])",
    ),
}


EXERCISES = {
    "4.1": Exercise(
        "4.1",
        "precision@k",
        P_AT_K_REQS,
        cases=lambda: with_requirements(precision_at_k_cases(), _P_AT_K_TABLE),
        reference=precision_at_k,
        random_cases=p_at_k_random_cases,
        seed=401,
        hints=_HINTS["4.1"],
        solution=solution_precision_at_k,
        fallback=precision_at_k,  # later cells keep the library-backed reference
    ),
    "4.2": Exercise(
        "4.2",
        "walk-forward folds",
        FOLDS_REQS,
        cases=lambda: with_requirements(walk_forward_cases(), _FOLDS_TABLE),
        reference=walk_forward_folds,
        random_cases=folds_random_cases,
        seed=402,
        hints=_HINTS["4.2"],
        solution=solution_walk_forward_folds,
        fallback=walk_forward_folds,  # later cells keep the library-backed reference
    ),
    "4.3": Exercise(
        "4.3",
        "a threshold from reviewer capacity",
        CAPACITY_REQS,
        cases=lambda: with_requirements(capacity_cases(), _CAPACITY_TABLE),
        reference=capacity_threshold,
        random_cases=capacity_random_cases,
        seed=403,
        hints=_HINTS["4.3"],
        solution=solution_capacity_threshold,
        fallback=capacity_threshold,  # later cells keep the library-backed reference
    ),
    "4.4": Exercise(
        "4.4",
        "a threshold from costs",
        COST_REQS,
        cases=lambda: with_requirements(cost_cases() + _extra_cost_cases(), _COST_TABLE),
        reference=cost_threshold,
        random_cases=cost_random_cases,
        seed=404,
        hints=_HINTS["4.4"],
        solution=solution_cost_threshold,
        fallback=cost_threshold,  # later cells keep the library-backed reference
    ),
}

# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def check_precision_at_k(func: Callable[..., Any]) -> Any:
    """Exercise 4.1: ``func(y_true, scores, k)``."""
    return EXERCISES["4.1"].check(func)


def check_capacity_threshold(func: Callable[..., Any]) -> Any:
    """Exercise 4.3: ``func(scores, alerts_per_day, n_days)``."""
    return EXERCISES["4.3"].check(func)


def check_walk_forward_folds(func: Callable[..., Any]) -> Any:
    """Exercise 4.2: ``func(timestamps, train_weeks)``."""
    return EXERCISES["4.2"].check(func)


def check_cost_threshold(func: Callable[..., Any]) -> Any:
    """Exercise 4.4: ``func(y_true, scores, cost_missed, cost_false_alert)``."""
    return EXERCISES["4.4"].check(func)


check = CheckBook(
    EXERCISES,
    precision_at_k="4.1",
    capacity_threshold="4.3",
    walk_forward_folds="4.2",
    cost_threshold="4.4",
)

__all__ = [
    "EXERCISES",
    "capacity_threshold",
    "check",
    "check_capacity_threshold",
    "check_cost_threshold",
    "check_precision_at_k",
    "check_walk_forward_folds",
    "cost_threshold",
    "precision_at_k",
    "reference",
    "walk_forward_folds",
]
