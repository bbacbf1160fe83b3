"""One definition each for ECE and "threshold for a target precision", proven equal to the two it replaced.

The KYC package had its own ``expected_calibration_error(confidence, correct)`` and
``threshold_for_precision(confidence, correct, target, *, min_support)``; both now come from
:mod:`reference_impl.evaluation`. The replaced definitions are kept below as oracles, verbatim.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.evaluation import calibration_curve, expected_calibration_error, precision_cutoff
from reference_impl.evaluation.metrics import check_labels, check_scores
from reference_impl.evaluation.thresholds import _curve, threshold_for_precision


def _old_kyc_threshold(confidence, correct, target_precision, *, min_support=1) -> float:
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=bool)
    if conf.size == 0:
        return math.inf
    order = np.argsort(-conf, kind="stable")
    conf, ok = conf[order], ok[order]
    k = np.arange(1, conf.size + 1)
    precision = np.cumsum(ok) / k
    boundary = np.append(conf[1:] < conf[:-1], True)
    valid = boundary & (precision >= target_precision - 1e-12) & (k >= min_support)
    if not valid.any():
        return math.inf
    return float(conf[np.flatnonzero(valid)[-1]])


def _old_eval_threshold(y_true, scores, target_precision, n_days):
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    thresholds, tp, fp = _curve(y, s)
    precision = tp / (tp + fp)
    ok = np.flatnonzero(precision >= target_precision - 1e-12)
    if ok.size == 0:
        return None
    best = ok[-1]
    return (float(thresholds[best]), float((tp[best] + fp[best]) / n_days), float(precision[best]),
            float(tp[best] / y.sum()))


def _old_kyc_ece(confidence, correct, n_bins=10) -> float:
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=bool)
    if conf.size == 0:
        return float("nan")
    curve = calibration_curve(ok.astype(int), conf, n_bins=n_bins)
    curve = curve.rename(columns={"mean_predicted": "mean_confidence", "observed": "accuracy"})
    curve = curve.round({"mean_confidence": 12, "accuracy": 12})
    gap = (curve["mean_confidence"] - curve["accuracy"]).abs()
    return float((gap * curve["count"]).sum() / curve["count"].sum())


scores_and_hits = st.lists(
    st.tuples(st.sampled_from([0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0]), st.booleans()), min_size=0, max_size=60
)


@settings(max_examples=300, deadline=None)
@given(scores_and_hits, st.sampled_from([0.5, 0.8, 0.9, 0.99, 1.0]), st.integers(1, 12))
def test_precision_cutoff_equals_the_old_kyc_threshold(pairs, target, min_support):
    conf = [c for c, _ in pairs]
    ok = [o for _, o in pairs]
    assert precision_cutoff(ok, conf, target, min_support=min_support) == _old_kyc_threshold(
        conf, ok, target, min_support=min_support)


@settings(max_examples=300, deadline=None)
@given(scores_and_hits.filter(lambda p: any(o for _, o in p)), st.sampled_from([0.3, 0.5, 0.8, 1.0]))
def test_threshold_for_precision_is_unchanged(pairs, target):
    y = [int(o) for _, o in pairs]
    s = [c for c, _ in pairs]
    old = _old_eval_threshold(y, s, target, 3.0)
    if old is None:
        with pytest.raises(Exception, match="no threshold reaches precision"):
            threshold_for_precision(y, s, target, n_days=3.0)
        return
    c = threshold_for_precision(y, s, target, n_days=3.0)
    assert (c.threshold, c.expected_alerts_per_day, c.precision, c.recall) == old


def test_kyc_thresholds_and_exercise_use_the_one_definition():
    from reference_impl.exercises.week04_kyc import reference
    from reference_impl.kyc import choose_thresholds

    conf = [0.99, 0.97, 0.95, 0.90, 0.80, 0.70]
    ok = [True, True, True, True, False, True]
    assert reference.precision_threshold(conf, ok, 0.8) == precision_cutoff(ok, conf, 0.8) == 0.70
    proba = np.array([[0.95, 0.05], [0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    assert choose_thresholds(proba, ["a", "a", "b", "b"], ["a", "b"], 0.99, min_support=1, min_threshold=0.5) == \
        {"a": 0.9, "b": 0.8}


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 300), st.sampled_from([4, 5, 10, 15]))
def test_top_label_ece_matches_the_old_kyc_ece_to_display_precision(seed, n, n_bins):
    rng = np.random.default_rng(seed)
    conf = rng.uniform(0.2, 1.0, n)
    correct = rng.random(n) < conf
    old, new = _old_kyc_ece(conf, correct, n_bins), expected_calibration_error(correct, conf, n_bins=n_bins)
    assert abs(old - new) < 1e-11  # the old one rounded bin means to 12 decimals: equal to any printed precision

