"""Evaluation metrics agree with scikit-learn and fail loudly on bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import calibration as skcal
from sklearn import metrics as skm

from reference_impl.errors import DataValidationError
from reference_impl.evaluation import (
    calibration_curve,
    expected_calibration_error,
    pr_auc,
    precision_at_k,
    precision_recall_f1,
    recall_at_k,
    recall_by_type,
    roc_auc,
    summarise,
)

labelled = st.integers(2, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.booleans(), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < len(y)),
        st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]) | st.floats(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=40, deadline=None)
@given(data=labelled, threshold=st.floats(0, 1))
def test_agrees_with_sklearn(data, threshold):
    y, s = map(np.asarray, data)
    report = precision_recall_f1(y, s, threshold)
    flagged = s >= threshold
    assert report.precision == pytest.approx(skm.precision_score(y, flagged, zero_division=0))
    assert report.recall == pytest.approx(skm.recall_score(y, flagged, zero_division=0))
    assert report.f1 == pytest.approx(skm.f1_score(y, flagged, zero_division=0))
    assert report.tp + report.fp + report.fn + report.tn == len(y)
    assert roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s))
    assert pr_auc(y, s) == pytest.approx(skm.average_precision_score(y, s))


@settings(max_examples=50, deadline=None)
@given(data=labelled, k=st.integers(1, 70))
def test_precision_at_k_counts_the_top_k(data, k):
    y, s = map(np.asarray, data)
    kk = min(k, len(y))
    top = np.argsort(-s, kind="stable")[:kk]
    assert precision_at_k(y, s, k) == pytest.approx(y[top].mean())
    assert recall_at_k(y, s, k) == pytest.approx(y[top].sum() / y.sum())
    if not np.isin(s, s[top[-1]]).sum() > 1:  # no tie at the cut: equals sklearn's top_k-style definition
        assert precision_at_k(y, s, k) == pytest.approx(precision_recall_f1(y, s, s[top[-1]]).precision)


def test_precision_at_k_examples():
    y = [0, 1, 0, 1, 0, 0]
    s = [0.1, 0.9, 0.8, 0.7, 0.2, 0.3]
    assert [precision_at_k(y, s, k) for k in (1, 2, 3)] == [1.0, 0.5, pytest.approx(2 / 3)]
    assert precision_at_k(y, s, 100) == pytest.approx(2 / 6)


def test_accuracy_trap_flag_nothing():
    y = np.r_[np.ones(5), np.zeros(995)]
    report = precision_recall_f1(y, np.zeros(1000), threshold=0.5)
    assert report.tn == 995 and report.recall == 0.0 and report.precision == 0.0


def test_recall_by_type():
    table = recall_by_type(
        [1, 1, 1, 1, 0, 0],
        [1, 0, 1, 0, 1, 0],
        ["fat_finger", "fat_finger", "off_hours", None, None, "ignored"],
    )
    assert table.to_dict("list") == {
        "anomaly_type": ["fat_finger", "off_hours", "unknown"],
        "n": [2, 1, 1],
        "caught": [1, 1, 0],
        "recall": [0.5, 1.0, 0.0],
    }


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_calibration_curve_matches_sklearn(strategy):
    rng = np.random.default_rng(0)
    p = rng.random(500)
    y = rng.random(500) < p
    ours = calibration_curve(y, p, n_bins=8, strategy=strategy)
    prob_true, prob_pred = skcal.calibration_curve(y, p, n_bins=8, strategy=strategy)
    np.testing.assert_allclose(ours["observed"], prob_true)
    np.testing.assert_allclose(ours["mean_predicted"], prob_pred)
    assert ours["count"].sum() == 500


def test_expected_calibration_error_detects_overconfidence():
    rng = np.random.default_rng(1)
    p = rng.random(2000)
    y = rng.random(2000) < p
    good = expected_calibration_error(y, p)
    bad = expected_calibration_error(y, np.clip(p * 1.6, 0, 1))
    assert good < 0.05 < bad


def test_summarise_has_headline_numbers():
    out = summarise([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], 0.5, k=2)
    assert out["roc_auc"] == 1.0 and out["precision_at_2"] == 1.0 and out["recall"] == 1.0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: roc_auc([0, 0, 0], [0.1, 0.2, 0.3]), "both"),
        (lambda: precision_recall_f1([0, 2, 1], [0.1, 0.2, 0.3], 0.5), "binary"),
        (lambda: precision_recall_f1([0, 1], [0.1], 0.5), "shape"),
        (lambda: precision_recall_f1([], [], 0.5), "empty"),
        (lambda: precision_at_k([0, 1], [0.1, np.nan], 1), "NaN"),
        (lambda: precision_at_k([0, 1], [0.1, 0.2], 0), "positive"),
        (lambda: calibration_curve([0, 1], [0.1, 1.2]), r"\[0, 1\]"),
        (lambda: recall_by_type([1, 0], [1], ["a", None]), "same length"),
    ],
)
def test_bad_input_raises_readable_error(call, match):
    with pytest.raises(DataValidationError, match=match):
        call()
