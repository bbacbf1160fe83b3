"""Week 4 mutants: plausible wrong answers to exercises 4.1–4.4, each breaking one requirement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reference_impl.exercises import week04 as w
from reference_impl.exercises.mutation import Mutant

# ---------------------------------------------------------------- alternative correct solutions


def p_at_k_loop(y_true, scores, k):
    if k < 1:
        raise ValueError("k must be >= 1")
    y, s = list(np.asarray(y_true)), list(np.asarray(scores, dtype=float))
    order = sorted(range(len(s)), key=lambda i: (-s[i], i))[: min(k, len(s))]
    return sum(bool(y[i]) for i in order) / len(order)


def p_at_k_pandas(y_true, scores, k):
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    frame = pd.DataFrame({"y": np.asarray(y_true, dtype=float), "s": np.asarray(scores, dtype=float)})
    return float(frame.sort_values("s", ascending=False, kind="stable").head(k)["y"].mean())


def capacity_loop(scores, alerts_per_day, n_days):
    s = sorted({float(x) for x in scores}, reverse=True)
    budget = int(alerts_per_day * n_days)
    best = s[0] + 1.0  # flags nothing
    for t in s:  # lower the threshold while the queue still fits
        if sum(x >= t for x in scores) <= budget:
            best = t
        else:
            break
    return best


def folds_loop(timestamps, train_weeks):
    ts = pd.Series(timestamps).reset_index(drop=True)
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


def cost_brute(y_true, scores, cost_missed, cost_false_alert):
    y, s = np.asarray(y_true, bool), np.asarray(scores, float)
    candidates = [*np.unique(s), s.max() + 1]
    costs = [cost_missed * np.sum((s < t) & y) + cost_false_alert * np.sum((s >= t) & ~y) for t in candidates]
    return float(candidates[int(np.argmin(costs))])


def cost_anomaly_scores_only(y_true, scores, cost_missed, cost_false_alert):
    # the best threshold always sits at an anomaly's score (or flags nothing): fewer candidates, same answer
    y, s = np.asarray(y_true, bool), np.asarray(scores, float)
    candidates = [*np.unique(s[y]), s.max() + 1]
    costs = [cost_missed * np.sum((s < t) & y) + cost_false_alert * np.sum((s >= t) & ~y) for t in candidates]
    return float(candidates[int(np.argmin(costs))])


# ---------------------------------------------------------------- plausible wrong solutions


def p_at_k_ascending(y_true, scores, k):  # lowest scores first
    if k < 1:
        raise ValueError
    order = np.argsort(np.asarray(scores, float), kind="stable")[: min(k, len(scores))]
    return float(np.asarray(y_true)[order].mean())


def p_at_k_divides_by_k(y_true, scores, k):  # k > n not capped
    if k < 1:
        raise ValueError
    order = np.argsort(-np.asarray(scores, float), kind="stable")[:k]
    return float(np.asarray(y_true)[order].sum() / k)


def p_at_k_unstable_ties(y_true, scores, k):  # ties broken by the last row
    if k < 1:
        raise ValueError
    s = np.asarray(scores, float)
    order = np.lexsort((-np.arange(len(s)), -s))[:k]
    return float(np.asarray(y_true)[order].mean())


def p_at_k_by_label(y_true, scores, k):  # argsort positions used as index labels
    if k < 1:
        raise ValueError
    y = y_true if isinstance(y_true, pd.Series) else pd.Series(np.asarray(y_true))
    order = np.argsort(-np.asarray(scores, float), kind="stable")[:k]
    return float(y.loc[order].astype(float).mean())


def p_at_k_zero_for_bad_k(y_true, scores, k):  # a silent 0.0 instead of an error
    return 0.0 if k < 1 else w.precision_at_k(y_true, scores, k)


def capacity_kth_score(scores, alerts_per_day, n_days):  # ignores ties at the cut
    s = np.sort(np.asarray(scores, float))[::-1]
    k = int(alerts_per_day * n_days)
    if k == 0:
        return float(s[0]) + 1
    return float(s[min(k, len(s)) - 1])


def capacity_rounds_up(scores, alerts_per_day, n_days):  # ceil instead of floor
    return w.capacity_threshold(scores, np.ceil(alerts_per_day * n_days), 1)


def capacity_off_by_one(scores, alerts_per_day, n_days):  # one alert short of the budget
    budget = int(alerts_per_day * n_days)
    return (
        w.capacity_threshold(scores, max(budget - 1, 0), 1)
        if budget < len(scores)
        else w.capacity_threshold(scores, budget, 1)
    )


def capacity_zero_flags_top(scores, alerts_per_day, n_days):  # "at least one alert"
    return w.capacity_threshold(scores, max(np.floor(alerts_per_day * n_days), 1), 1)


def folds_sorted_positions(timestamps, train_weeks):  # positions in a sorted copy
    return folds_loop(pd.Series(timestamps).sort_values().reset_index(drop=True), train_weeks)


def folds_inclusive_end(timestamps, train_weeks):  # trade at the cut goes to train
    ts = pd.Series(timestamps).reset_index(drop=True)
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


def folds_accepts_naive(timestamps, train_weeks):
    ts = pd.Series(timestamps)
    return folds_loop(ts.dt.tz_localize("UTC") if ts.dt.tz is None else ts, train_weeks)


def folds_from_midnight(timestamps, train_weeks):  # weeks counted from the first day's midnight
    ts = pd.Series(timestamps).reset_index(drop=True)
    if ts.dt.tz is None:
        raise ValueError("naive")
    start, week = ts.min().floor("D"), pd.Timedelta(days=7)
    folds, i = [], 0
    while start + (train_weeks + i) * week <= ts.max():
        end = start + (train_weeks + i) * week
        train, test = np.flatnonzero(ts < end), np.flatnonzero((ts >= end) & (ts < end + week))
        if len(train) and len(test):
            folds.append((train, test))
        i += 1
    if not folds:
        raise ValueError
    return folds


def folds_sliding(timestamps, train_weeks):  # a rolling, not an expanding, training window
    ts = pd.Series(timestamps).reset_index(drop=True)
    start = ts.min()
    return [
        (tr[np.asarray(ts.iloc[tr] >= start + pd.Timedelta(weeks=i))], te)
        for i, (tr, te) in enumerate(folds_loop(timestamps, train_weeks))
    ]


def cost_observed_only(y_true, scores, cost_missed, cost_false_alert):  # never "flag nothing"
    y, s = np.asarray(y_true, bool), np.asarray(scores, float)
    candidates = np.unique(s)
    costs = [cost_missed * np.sum((s < t) & y) + cost_false_alert * np.sum((s >= t) & ~y) for t in candidates]
    return float(candidates[int(np.argmin(costs))])


def cost_swapped(y_true, scores, cost_missed, cost_false_alert):  # swaps the two costs
    return cost_brute(y_true, scores, cost_false_alert, cost_missed)


def cost_splits_ties(y_true, scores, cost_missed, cost_false_alert):  # prefix cost with anomalies first among ties
    y, s = np.asarray(y_true, bool), np.asarray(scores, float)
    order = np.lexsort((~y, -s))
    best_t, best = float(s.max()) + 1, cost_missed * float(y.sum())
    for k in range(1, len(s) + 1):
        top = np.zeros(len(s), bool)
        top[order[:k]] = True
        c = cost_missed * np.sum(~top & y) + cost_false_alert * np.sum(top & ~y)
        if c < best:
            best, best_t = c, float(s[order[k - 1]])
    return best_t


def cost_decile_grid(y_true, scores, cost_missed, cost_false_alert):  # a coarse grid of candidates
    y, s = np.asarray(y_true, bool), np.asarray(scores, float)
    candidates = [*np.quantile(s, np.linspace(0, 1, 6), method="lower"), s.max() + 1]
    costs = [cost_missed * np.sum((s < t) & y) + cost_false_alert * np.sum((s >= t) & ~y) for t in candidates]
    return float(candidates[int(np.argmin(costs))])


MUTANTS = [
    Mutant("4.1", "top", p_at_k_ascending),
    Mutant("4.1", "cap", p_at_k_divides_by_k),
    Mutant("4.1", "ties", p_at_k_unstable_ties),
    Mutant("4.1", "position", p_at_k_by_label),
    Mutant("4.1", "k", p_at_k_zero_for_bad_k),
    Mutant("4.2", "positions", folds_sorted_positions),
    Mutant("4.2", "cut", folds_inclusive_end),
    Mutant("4.2", "refuse", folds_accepts_naive),
    Mutant("4.2", "windows", folds_from_midnight),
    Mutant("4.2", "windows", folds_sliding),
    Mutant("4.3", "ties", capacity_kth_score),
    Mutant("4.3", "budget", capacity_rounds_up),
    Mutant("4.3", "lowest", capacity_off_by_one),
    Mutant("4.3", "zero", capacity_zero_flags_top),
    Mutant("4.4", "nothing", cost_observed_only),
    Mutant("4.4", "cost", cost_swapped),
    Mutant("4.4", "ties", cost_splits_ties),
    Mutant("4.4", "every", cost_decile_grid),
]

CORRECT = {
    "4.1": [w.reference.precision_at_k, p_at_k_loop, p_at_k_pandas],
    "4.2": [w.reference.walk_forward_folds, folds_loop],
    "4.3": [w.reference.capacity_threshold, capacity_loop],
    "4.4": [w.reference.cost_threshold, cost_brute, cost_anomaly_scores_only],
}
