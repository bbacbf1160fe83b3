"""Validation rules: floors, ceilings, allowed drop against the champion; missing metrics fail."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_impl.errors import ConfigError
from reference_impl.lifecycle.validation import DEFAULT_THRESHOLDS, Threshold, ValidationReport, build_report, check_threshold

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@pytest.mark.parametrize(
    ("rule", "challenger", "champion", "passed"),
    [
        (Threshold("recall", min_value=0.5), {"recall": 0.5}, None, True),
        (Threshold("recall", min_value=0.5), {"recall": 0.4999}, None, False),
        (Threshold("fpr", max_value=0.1), {"fpr": 0.11}, None, False),
        (Threshold("recall", max_drop=0.05), {"recall": 0.70}, {"recall": 0.75}, True),
        (Threshold("recall", max_drop=0.05), {"recall": 0.69}, {"recall": 0.75}, False),
        (Threshold("recall", max_drop=0.05), {"recall": 0.10}, None, True),  # no champion yet
        (Threshold("recall", min_value=0.1), {}, None, False),
        (Threshold("recall", min_value=0.1), {"recall": math.nan}, None, False),
    ],
    ids=["at-floor", "below-floor", "above-ceiling", "small-drop", "large-drop", "no-champion", "missing", "nan"],
)
def test_check_threshold(rule, challenger, champion, passed):
    result = check_threshold(rule, challenger, champion)
    assert result.passed is passed
    assert (result.detail == "ok") is passed


@given(value=unit, drop=st.floats(min_value=0.0, max_value=0.5))
def test_challenger_equal_to_champion_never_fails_a_drop_rule(value, drop):
    assert check_threshold(Threshold("m", max_drop=drop), {"m": value}, {"m": value}).passed


@given(champion=unit, challenger=unit, drop=st.floats(min_value=0.0, max_value=0.5))
def test_drop_rule_passes_exactly_when_the_fall_is_within_the_allowance(champion, challenger, drop):
    result = check_threshold(Threshold("m", max_drop=drop), {"m": challenger}, {"m": champion})
    assert result.passed == (champion - challenger <= drop + 1e-12)


def test_report_round_trips_and_renders_each_failure():
    report = build_report("m", "3", {"recall": 0.2, "precision": 0.9}, champion_version="2",
                          champion_metrics={"recall": 0.6, "precision": 0.9},
                          thresholds=[Threshold("recall", min_value=0.5, max_drop=0.05), Threshold("precision", min_value=0.5)],
                          backtest="holdout")
    assert report.status == "failed"
    assert [c.metric for c in report.failures()] == ["recall"]
    assert ValidationReport.from_dict(report.to_dict()).to_dict() == report.to_dict()
    md = report.to_markdown()
    assert "FAILED" in md and "below the floor 0.5" in md and "champion v2" in md


def test_report_without_thresholds_is_a_config_error():
    with pytest.raises(ConfigError, match="no validation thresholds"):
        build_report("m", "1", {"a": 1.0}, champion_version=None, champion_metrics=None, thresholds=[], backtest="b")


@pytest.mark.parametrize("name", ["trade-anomaly", "kyc-classifier"])
def test_production_models_have_floors_on_every_rule(name):
    assert all(rule.min_value is not None for rule in DEFAULT_THRESHOLDS[name])
