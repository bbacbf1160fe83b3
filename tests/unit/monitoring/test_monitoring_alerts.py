"""Declarative alert rules: conditions, no-data handling, business translation, rule hygiene."""

from __future__ import annotations

import pytest

from reference_impl.errors import ConfigError
from reference_impl.monitoring.alerts import (
    DEFAULT_RULES,
    FALLBACK_RATE,
    REVIEW_CAPACITY,
    AlertRule,
    BusinessContext,
    C,
    evaluate_alerts,
)
from reference_impl.monitoring.drift import DriftThresholds
from reference_impl.monitoring.report import business_metrics

HEALTH = {"requests": 10_000, "latency_p50_ms": 9.0, "latency_p95_ms": 18.0, "latency_p99_ms": 30.0, "error_rate": 0.0,
          "client_error_rate": 0.0, "trade_decisions": 9000, "fallback_rate": 0.0, "flag_rate": 0.02,
          "kyc_decisions": 1000, "manual_review_rate": 0.3, "auto_accept_rate": 0.7}
OUTCOMES = {"alerts": 0, "alert_labels": 0, "label_coverage": float("nan"), "alert_precision": float("nan"),
            "auto_accepted": 0, "auto_accept_labels": 0, "auto_accept_accuracy": float("nan"), "median_label_delay_h": float("nan")}


def metrics(**current):
    return business_metrics(HEALTH, HEALTH | current, 1.0, None, OUTCOMES, BusinessContext())


def fired(m):
    return [a.rule for a in evaluate_alerts(m)]


def test_quiet_service_fires_nothing():
    assert fired(metrics()) == []


def test_flag_rate_doubling_translates_to_reviewer_hours():
    m = metrics(flag_rate=0.04)  # 9000 trades/day: 180 -> 360 alerts/day, 20 min each
    assert m["extra_alerts_per_day"] == pytest.approx(180)
    assert m["reviewer_hours_needed"] == pytest.approx(120)
    alerts = evaluate_alerts(m)
    assert alerts[0].rule == "alert_volume_over_review_capacity" and alerts[0].severity == "critical"
    assert "+180 alerts/day" in alerts[0].evidence and "120.0 reviewer hours/day" in alerts[0].impact
    assert "flag_rate_up" not in fired(m)  # the warning gives way to the critical one


def test_flag_rate_up_within_capacity_is_a_warning():
    ctx = BusinessContext(reviewer_hours_per_day=500.0)
    m = business_metrics(HEALTH, HEALTH | {"flag_rate": 0.04}, 1.0, None, OUTCOMES, ctx)
    assert fired(m) == ["flag_rate_up"]


@pytest.mark.parametrize(("current", "rule"), [
    ({"fallback_rate": 0.02}, "fallback_rate_high"),
    ({"error_rate": 0.05}, "error_rate_high"),
    ({"latency_p99_ms": 900.0}, "latency_p99_over_slo"),
    ({"auto_accept_rate": 0.5, "manual_review_rate": 0.5}, "kyc_auto_accept_down"),
])
def test_each_health_rule_fires_on_its_signal(current, rule):
    assert fired(metrics(**current)) == [rule]


def test_fallback_threshold_is_strictly_above_one_percent():
    assert fired(metrics(fallback_rate=0.01)) == []
    alert = evaluate_alerts(metrics(fallback_rate=0.011))[0]
    assert "rules only" in alert.impact and alert.runbook


def test_precision_rule_needs_enough_labels():
    low = OUTCOMES | {"alert_precision": 0.1, "alert_labels": 10}
    m = business_metrics(HEALTH, HEALTH, 1.0, None, low, BusinessContext())
    assert "alert_precision_low" not in fired(m)
    m = business_metrics(HEALTH, HEALTH, 1.0, None, low | {"alert_labels": 50}, BusinessContext())
    assert "alert_precision_low" in fired(m)


def test_no_data_is_not_firing_and_is_reported():
    m = metrics()
    assert not REVIEW_CAPACITY.has_data(m | {"flag_rate_change_pct": float("nan")})
    assert REVIEW_CAPACITY.evaluate(m | {"flag_rate_change_pct": float("nan")}) is None


def test_every_default_rule_has_text_and_formats_with_full_metrics(sim_log, sim_outcomes):
    from reference_impl.monitoring.report import build_monitoring_report

    report = build_monitoring_report(sim_log, sim_outcomes, thresholds=DriftThresholds())
    for rule in DEFAULT_RULES:
        assert rule.runbook and rule.impact and rule.evidence
        forced = AlertRule(rule.name, rule.severity, (C("requests", ">=", 0),), rule.summary, rule.evidence, rule.impact, rule.runbook)
        assert forced.evaluate(report.metrics) is not None  # every template field exists


def test_alerts_sorted_by_severity():
    m = metrics(fallback_rate=0.05, latency_p99_ms=900.0)
    assert [a.severity for a in evaluate_alerts(m)] == ["critical", "warning"]


@pytest.mark.parametrize(("rule", "match"), [
    (AlertRule("x", "warning", (C("no_such_metric", ">", 1),), "s", "e", "i", "r"), "no_such_metric"),
    (AlertRule("x", "warning", (C("error_rate", "=>", 1),), "s", "e", "i", "r"), "operator"),
    (AlertRule("x", "urgent", (C("error_rate", ">", 1),), "s", "e", "i", "r"), "severity"),
    (AlertRule("x", "warning", (), "s", "e", "i", "r"), "no conditions"),
    (AlertRule("x", "warning", (C("error_rate", ">=", 0),), "{typo}", "e", "i", "r"), "typo"),
])
def test_bad_rules_raise_config_error(rule, match):
    with pytest.raises(ConfigError, match=match):
        evaluate_alerts(metrics(), [rule])


def test_duplicate_rule_names_rejected():
    with pytest.raises(ConfigError, match="twice"):
        evaluate_alerts(metrics(), [FALLBACK_RATE, FALLBACK_RATE])
