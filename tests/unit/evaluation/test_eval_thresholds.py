"""Threshold choice: capacity is never exceeded, targets are met, cost is minimal."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.errors import DataValidationError
from reference_impl.evaluation import (
    expected_alerts_per_day,
    precision_recall_f1,
    threshold_for_capacity,
    threshold_for_cost,
    threshold_for_precision,
)

score_lists = st.lists(st.sampled_from([0.1, 0.2, 0.5, 0.7, 0.9]) | st.floats(0, 1), min_size=1, max_size=80)


@settings(max_examples=100, deadline=None)
@given(scores=score_lists, capacity=st.floats(0, 20), days=st.integers(1, 10))
def test_capacity_never_exceeded_and_tight(scores, capacity, days):
    s = np.asarray(scores)
    choice = threshold_for_capacity(s, capacity, days)
    n_flagged = int(np.sum(s >= choice.threshold))
    assert n_flagged <= capacity * days + 1e-9
    assert choice.expected_alerts_per_day == pytest.approx(n_flagged / days)
    # tight: the next lower distinct score would break capacity (or everything is already flagged)
    lower = s[s < choice.threshold]
    if lower.size:
        assert np.sum(s >= lower.max()) > capacity * days - 1e-9


def test_capacity_examples():
    s = np.arange(100) / 100
    assert threshold_for_capacity(s, alerts_per_day=5, n_days=2).threshold == pytest.approx(0.90)
    assert threshold_for_capacity(s, alerts_per_day=0, n_days=2).expected_alerts_per_day == 0
    assert threshold_for_capacity(s, alerts_per_day=1000, n_days=1).threshold == 0.0
    assert expected_alerts_per_day(s, 0.9, n_days=2) == 5.0


labelled = st.integers(2, 50).flatmap(
    lambda n: st.tuples(
        st.lists(st.booleans(), min_size=n, max_size=n).filter(any),
        st.lists(st.sampled_from([0.1, 0.3, 0.5, 0.9]) | st.floats(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(data=labelled, target=st.floats(0.05, 1.0))
def test_precision_target_met_with_most_recall(data, target):
    y, s = map(np.asarray, data)
    candidates = np.unique(s)
    ok = [t for t in candidates if precision_recall_f1(y, s, t).precision >= target - 1e-12]
    if not ok:
        with pytest.raises(DataValidationError, match="no threshold"):
            threshold_for_precision(y, s, target, n_days=1)
        return
    choice = threshold_for_precision(y, s, target, n_days=1)
    assert choice.threshold == min(ok)
    assert choice.precision >= target - 1e-12
    assert choice.recall == pytest.approx(precision_recall_f1(y, s, choice.threshold).recall)


@settings(max_examples=60, deadline=None)
@given(data=labelled, c_fn=st.floats(0, 100), c_fp=st.floats(0, 100))
def test_cost_threshold_is_brute_force_minimum(data, c_fn, c_fp):
    y, s = map(np.asarray, data)
    choice = threshold_for_cost(y, s, cost_missed=c_fn, cost_false_alert=c_fp, n_days=2)

    def cost(t):
        r = precision_recall_f1(y, s, t)
        return c_fn * r.fn + c_fp * r.fp

    brute = min([cost(t) for t in np.unique(s)] + [c_fn * y.sum()])
    assert choice.details["total_cost"] == pytest.approx(brute)
    assert cost(choice.threshold) == pytest.approx(brute)


def test_cost_ratio_moves_threshold():
    rng = np.random.default_rng(0)
    y = rng.random(1000) < 0.05
    s = np.where(y, rng.normal(2, 1, 1000), rng.normal(0, 1, 1000))
    cheap_miss = threshold_for_cost(y, s, cost_missed=1, cost_false_alert=1, n_days=10)
    dear_miss = threshold_for_cost(y, s, cost_missed=100, cost_false_alert=1, n_days=10)
    assert dear_miss.threshold < cheap_miss.threshold
    assert dear_miss.expected_alerts_per_day > cheap_miss.expected_alerts_per_day


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: threshold_for_capacity([], 5, 1), "empty"),
        (lambda: threshold_for_capacity([0.1], 5, 0), "n_days"),
        (lambda: threshold_for_capacity([0.1], -1, 1), "alerts_per_day"),
        (lambda: threshold_for_precision([0, 0], [0.1, 0.2], 0.5, n_days=1), "no anomalies"),
        (lambda: threshold_for_precision([0, 1], [0.1, 0.2], 1.5, n_days=1), "target_precision"),
        (lambda: threshold_for_cost([0, 1], [0.1, 0.2], cost_missed=-1, cost_false_alert=1, n_days=1), "cost_missed"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(DataValidationError, match=match):
        call()
