"""m3 — alert rules tied to business impact: no data never fires, minimum sample size, severity order, owners."""

from __future__ import annotations

import math

import pytest
from conftest import health, outcomes
from monitor_lab import (
    DEFAULT_RULES,
    OWNERS,
    AlertRule,
    BusinessContext,
    C,
    MonitorError,
    business_metrics,
    evaluate_alerts,
    rules_without_data,
)

FALLBACK = next(r for r in DEFAULT_RULES if r.name == "fallback_rate_high")
ERRORS = next(r for r in DEFAULT_RULES if r.name == "error_rate_high")
LATENCY = next(r for r in DEFAULT_RULES if r.name == "latency_p99_over_slo")


def metrics_for(**health_overrides: float) -> dict:
    """Business metrics of a day against a calm reference day, 1,000 trade decisions a day."""
    return business_metrics(health(), health(**health_overrides), current_days=1.0)


def fired(alerts) -> list[str]:
    return [a.rule for a in alerts]


def test_a_fallback_incident_fires_with_its_impact_owner_and_runbook():
    alerts = evaluate_alerts(metrics_for(fallback_rate=0.03), [FALLBACK])
    assert fired(alerts) == ["fallback_rate_high"], f"3 % fallbacks > the 1 % tolerance must fire, got {fired(alerts)}"
    alert = alerts[0]
    assert alert.severity == "critical"
    assert alert.summary == "3.0% of trade decisions ran on the rules-only fallback", f"summary: {alert.summary!r}"
    assert "30/day" in alert.evidence, (
        f"the evidence says how many decisions a day ran on rules only: {alert.evidence!r}"
    )
    assert "rules only" in alert.impact, f"impact states the business consequence: {alert.impact!r}"
    assert alert.runbook == FALLBACK.runbook
    assert alert.owner == OWNERS["fallback_rate_high"] == "ml-platform-oncall", f"owner: {alert.owner!r}"
    assert alert.to_dict()["owner"] == "ml-platform-oncall"
    assert {r.name for r in DEFAULT_RULES} <= set(OWNERS), "every default rule has an owner: an unowned alert is noise"


def test_below_the_threshold_nothing_fires():
    assert evaluate_alerts(metrics_for(fallback_rate=0.005, error_rate=0.002, latency_p99_ms=120.0)) == [], (
        "a calm day (0.5 % fallbacks, 0.2 % errors, p99 120 ms) must raise no alert"
    )


def test_the_threshold_comes_from_the_business_context():
    loose = BusinessContext(max_fallback_rate=0.05)
    m = business_metrics(health(), health(fallback_rate=0.03), current_days=1.0, context=loose)
    assert evaluate_alerts(m, [FALLBACK]) == [], "with a 5 % tolerance agreed with the business, 3 % must not fire"


def test_flag_rate_rise_becomes_reviewer_hours_against_capacity():
    m = metrics_for(flag_rate=0.10)  # 5 % -> 10 % of 1,000 trades a day
    assert m["trades_per_day"] == pytest.approx(1000.0)
    assert m["flag_rate_change_pct"] == pytest.approx(100.0), f"5 % -> 10 % is +100 %, got {m['flag_rate_change_pct']}"
    assert m["extra_alerts_per_day"] == pytest.approx(50.0), f"50 more alerts a day, got {m['extra_alerts_per_day']}"
    assert m["reviewer_hours_needed"] == pytest.approx(100 * 20 / 60), (
        f"100 alerts a day x 20 reviewer minutes = 33.3 hours, got {m['reviewer_hours_needed']}"
    )
    alerts = evaluate_alerts(m)
    assert fired(alerts)[0] == "alert_volume_over_review_capacity", (
        f"over capacity is critical and first: {fired(alerts)}"
    )
    assert "flag_rate_up" not in fired(alerts), "over capacity replaces the plain warning, it does not duplicate it"
    impact = alerts[0].impact
    assert "33.3 reviewer hours/day needed vs 16.0 available" in impact, f"impact in hours vs capacity: {impact!r}"
    assert alerts[0].owner == "surveillance-operations"


def test_the_same_rise_within_capacity_is_only_a_warning():
    m = business_metrics(
        health(trade_decisions=200), health(trade_decisions=200, flag_rate=0.10), current_days=1.0
    )  # 20 alerts a day: 6.7 hours, within 16
    alerts = evaluate_alerts(m)
    assert fired(alerts) == ["flag_rate_up"], f"a rise the team can absorb is a warning, got {fired(alerts)}"
    assert alerts[0].severity == "warning"


def test_per_day_figures_divide_by_the_window_length():
    m = business_metrics(health(), health(trade_decisions=3000, fallback_rate=0.02), current_days=3.0)
    assert m["trades_per_day"] == pytest.approx(1000.0), "3,000 decisions over 3 days is 1,000 a day"
    assert m["fallback_per_day"] == pytest.approx(20.0)


def test_precision_is_not_judged_below_the_minimum_number_of_labels():
    few = business_metrics(health(), health(), current_days=1.0, outcomes=outcomes(labels=10, precision=0.05))
    many = business_metrics(health(), health(), current_days=1.0, outcomes=outcomes(labels=40, precision=0.05))
    assert "alert_precision_low" not in fired(evaluate_alerts(few)), (
        "10 labelled alerts (fewer than min_labels=30) are too few to judge precision: no alert"
    )
    alerts = evaluate_alerts(many)
    assert "alert_precision_low" in fired(alerts), f"40 labels at 5 % precision must fire, got {fired(alerts)}"
    low = next(a for a in alerts if a.rule == "alert_precision_low")
    assert "40 labelled alerts" in low.evidence and "95% CI" in low.evidence, f"evidence: {low.evidence!r}"
    assert many["alert_precision_low"] < 0.05 < many["alert_precision_high"], "a Wilson interval around 5 %"


def test_no_data_never_fires_and_is_reported_as_no_data():
    m = business_metrics(health(), health(trade_decisions=0, fallback_rate=float("nan")), current_days=1.0)
    assert "fallback_rate_high" not in fired(evaluate_alerts(m)), "NaN fallback rate (no decisions) must not fire"
    missing = rules_without_data(m)
    assert "fallback_rate_high" in missing, f"the dashboard must show the rule as 'no data', got {missing}"
    assert "alert_precision_low" in missing, "no labels yet: precision has no data"
    assert missing == [r.name for r in DEFAULT_RULES if r.name in missing], "in rule order"
    assert "error_rate_high" not in missing, "error rate was measured (0 %): that rule has data"


def test_without_outcomes_counts_are_zero_and_rates_unknown():
    m = metrics_for()
    assert m["alert_labels"] == 0 and math.isnan(m["alert_precision"]), (
        f"no outcomes: 0 labels, precision NaN; got {m['alert_labels']}, {m['alert_precision']}"
    )
    assert math.isnan(m["price_deviation_psi"]), "no drift measured: drift figures are NaN"


def test_alerts_come_most_severe_first_ties_in_rule_order():
    m = metrics_for(fallback_rate=0.05, error_rate=0.05, latency_p99_ms=900.0)
    alerts = evaluate_alerts(m, [LATENCY, ERRORS, FALLBACK])
    assert fired(alerts) == ["error_rate_high", "fallback_rate_high", "latency_p99_over_slo"], (
        f"critical before warning, ties keep the rules' order; got {[(a.rule, a.severity) for a in alerts]}"
    )


def test_a_rule_needs_every_condition():
    rule = AlertRule(
        name="busy_and_slow",
        severity="warning",
        conditions=(C("latency_p99_ms", ">", 100.0), C("requests", ">=", 5000)),
        summary="p99 {latency_p99_ms:.0f} ms at {requests:.0f} requests",
        evidence="",
        impact="slow at peak",
        runbook="scale out",
    )
    owners = {**OWNERS, "busy_and_slow": "ml-platform-oncall"}
    assert evaluate_alerts(metrics_for(latency_p99_ms=300.0), [rule], owners=owners) == [], (
        "1,100 requests is below 5,000: one condition fails, the rule does not fire"
    )
    alerts = evaluate_alerts(metrics_for(latency_p99_ms=300.0, requests=6000), [rule], owners=owners)
    assert [a.summary for a in alerts] == ["p99 300 ms at 6000 requests"]


def test_configuration_mistakes_are_refused_naming_the_culprit():
    typo = AlertRule("typo", "warning", (C("fallbak_rate", ">", 0.1),), "s", "e", "i", "r")
    with pytest.raises(MonitorError, match="fallbak_rate"):
        evaluate_alerts(metrics_for(), [typo], owners={"typo": "x"})
    with pytest.raises(MonitorError, match="fallback_rate_high"):
        evaluate_alerts(metrics_for(), [FALLBACK, FALLBACK])
    with pytest.raises(MonitorError, match="fallback_rate_high"):
        evaluate_alerts(metrics_for(fallback_rate=0.5), [FALLBACK], owners={})
