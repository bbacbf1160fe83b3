"""Drift measures against scipy and hand-worked values; verdicts follow Evidently's defaults."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from reference_impl.errors import ConfigError, DataValidationError
from reference_impl.monitoring.drift import (
    EMPTY_BIN_PROPORTION,
    DriftThresholds,
    bin_proportions,
    categorical_drift,
    chi2_pvalue,
    column_kind,
    detect_drift,
    js_distance,
    numeric_drift,
    psi,
    psi_level,
    quantile_bin_edges,
    wasserstein_norm,
)

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=1, max_size=60), st.lists(finite, min_size=1, max_size=60))
def test_ks_and_wasserstein_match_scipy_for_any_samples(a, b):
    result = numeric_drift("x", np.array(a), np.array(b))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ks_2samp: Exact calculation unsuccessful", category=RuntimeWarning)
        expected = stats.ks_2samp(a, b)
    assert result.ks_statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert result.ks_pvalue == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-12)
    w = stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)
    assert result.wasserstein_norm == pytest.approx(w, rel=1e-9, abs=1e-9)


def test_large_sample_ks_pvalue_is_scipys_asymptotic_one():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=12_000), rng.normal(0.03, 1, size=11_000)
    result = numeric_drift("x", a, b)
    expected = stats.ks_2samp(a, b, method="asymp")
    assert result.ks_pvalue == pytest.approx(expected.pvalue, rel=1e-9)


def test_psi_hand_worked_two_bins():
    ref = np.array([1.0, 2.0, 3.0, 4.0])          # median 2.5 -> bins (-inf, 2.5], (2.5, inf) = 50/50
    cur = np.array([1.0, 1.0, 1.0, 4.0])          # 75/25
    expected = (0.75 - 0.5) * np.log(0.75 / 0.5) + (0.25 - 0.5) * np.log(0.25 / 0.5)
    assert psi(ref, cur, n_bins=2) == pytest.approx(expected)


def test_empty_bin_gets_documented_floor_not_infinity():
    props = bin_proportions(np.array([1.0, 1.0]), np.array([2.5]))
    assert props.tolist() == [1.0, EMPTY_BIN_PROPORTION]
    value = psi(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0]), n_bins=2)
    assert np.isfinite(value) and value > 1.0


def test_bin_edges_deduplicate_ties():
    edges = quantile_bin_edges(np.array([0.0] * 90 + list(range(1, 11))), n_bins=10)
    assert len(edges) == len(np.unique(edges)) and len(edges) < 9


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=2, max_size=80))
def test_psi_of_identical_samples_is_zero(values):
    assert psi(np.array(values), np.array(values)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("value", "level"), [(0.0, "stable"), (0.099, "stable"), (0.1, "moderate"), (0.249, "moderate"), (0.25, "significant")])
def test_psi_bands(value, level):
    assert psi_level(value) == level


def test_small_sample_uses_ks_pvalue_large_uses_wasserstein():
    rng = np.random.default_rng(0)
    small = numeric_drift("x", rng.normal(size=500), rng.normal(size=500))
    large = numeric_drift("x", rng.normal(size=5000), rng.normal(size=5000))
    assert (small.test, small.threshold) == ("ks", 0.05)
    assert (large.test, large.threshold) == ("wasserstein", 0.1)


def test_large_sample_verdict_ignores_tiny_but_significant_shift():
    # 200k rows: a 0.02-sd shift is "significant" by KS p-value but not a drift worth an alert
    rng = np.random.default_rng(1)
    result = numeric_drift("x", rng.normal(size=200_000), rng.normal(0.02, 1, size=200_000))
    assert result.ks_pvalue < 0.05
    assert not result.drifted and result.wasserstein_norm < 0.1


def test_categorical_small_uses_chi2_large_uses_js():
    ref = ["a"] * 300 + ["b"] * 300
    cur = ["a"] * 450 + ["b"] * 150
    small = categorical_drift("c", ref, cur)
    assert small.test == "chisquare" and small.drifted
    big = categorical_drift("c", ref * 3, ["a"] * 1800)
    assert big.test == "jensenshannon" and big.drifted


def test_chi2_new_category_is_drift_and_js_identical_is_zero():
    assert chi2_pvalue(["a", "b"] * 50, ["a", "b", "c"] * 30) == 0.0
    assert js_distance(["x", "y"], ["y", "x"]) == 0.0


def test_low_cardinality_numeric_is_categorical():
    assert column_kind(pd.Series([0, 1, 2, 0]), pd.Series([1, 2, 0, 1])) == "categorical"
    assert column_kind(pd.Series(np.arange(10.0)), pd.Series(np.arange(10.0))) == "numeric"


def test_detect_drift_dataset_share_and_score():
    rng = np.random.default_rng(2)
    n = 3000
    ref = pd.DataFrame({f"f{i}": rng.normal(size=n) for i in range(4)} | {"score": rng.random(n)})
    cur = pd.DataFrame({f"f{i}": rng.normal(1.0 if i < 2 else 0.0, 1, size=n) for i in range(4)} | {"score": rng.random(n)})
    report = detect_drift(ref, cur, score_column="score")
    assert report.drifted_features == ["f0", "f1"]
    assert report.share_drifted == 0.5 and report.dataset_drift  # >= 0.5, Evidently's drift_share
    assert report.score is not None and not report.score.drifted
    assert list(report.to_frame()["feature"]) == ["f0", "f1", "f2", "f3", "score"]


def test_nan_values_are_ignored_not_counted():
    a = np.array([1.0, 2.0, np.nan, 3.0] * 10)
    assert numeric_drift("x", a, a).n_reference == 30


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"columns": ["nope"]}, "nope"), ({}, "current window is empty")],
)
def test_detect_drift_bad_input_names_the_problem(kwargs, match):
    ref = pd.DataFrame({"a": [1.0, 2.0]})
    cur = pd.DataFrame({"a": []}) if not kwargs else pd.DataFrame({"a": [1.0]})
    with pytest.raises(DataValidationError, match=match):
        detect_drift(ref, cur, **kwargs)


def test_all_nan_feature_raises_naming_it():
    with pytest.raises(DataValidationError, match="'x'"):
        numeric_drift("x", np.array([np.nan]), np.array([1.0]))


@pytest.mark.parametrize("field", ["ks_pvalue", "drift_share", "wasserstein", "psi_bins"])
def test_bad_thresholds_raise_config_error(field):
    with pytest.raises(ConfigError, match=field):
        DriftThresholds(**{field: 0}).validate()


def test_wasserstein_norm_floor_on_constant_reference():
    assert wasserstein_norm(np.zeros(10), np.ones(10)) == pytest.approx(1000.0)
