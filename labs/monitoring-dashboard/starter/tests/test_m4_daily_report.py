"""m4 — the daily report: one UTC day against the week before, alerts with owners, byte-stable JSON."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest
from conftest import DRIFT_DAY, FALLBACK_DAY, QUIET_DAY, SPIKE_DAY, log_of, request, rows_on, sim_log, sim_outcomes
from monitor_lab import DRIFT_COLUMNS, REPORT_KEYS, MonitorError, daily_report, report_json


def report(day: str) -> dict:
    return daily_report(sim_log(), sim_outcomes(), day)


def rules(r: dict) -> list[str]:
    return [a["rule"] for a in r["alerts"]]


def test_the_report_covers_one_utc_day_against_the_seven_days_before():
    r = report(SPIKE_DAY)
    assert list(r) == list(REPORT_KEYS), f"keys must be REPORT_KEYS in order, got {list(r)}"
    assert r["day"] == SPIKE_DAY and r["timezone"] == "UTC"
    assert r["current_window"] == {"start": "2026-11-11T00:00:00+00:00", "end": "2026-11-12T00:00:00+00:00"}, (
        f"the current window is the UTC day, end exclusive: {r['current_window']}"
    )
    assert r["reference_window"] == {"start": "2026-11-04T00:00:00+00:00", "end": "2026-11-11T00:00:00+00:00"}, (
        f"the reference window is the seven days right before, not overlapping the day: {r['reference_window']}"
    )


def test_health_is_measured_on_exactly_the_rows_of_each_window():
    log = sim_log()
    r = report(FALLBACK_DAY)
    assert r["health_current"]["requests"] == len(rows_on(log, FALLBACK_DAY)), (
        f"{FALLBACK_DAY} (UTC) holds {len(rows_on(log, FALLBACK_DAY))} rows, the report counted {r['health_current']['requests']}"
    )
    week = sum(len(rows_on(log, d.date().isoformat())) for d in pd.date_range("2026-11-03", periods=7, freq="D"))
    assert r["health_reference"]["requests"] == week, (
        f"the 7 days before hold {week} rows, got {r['health_reference']['requests']}"
    )


def test_midnight_utc_is_the_boundary():
    records = []
    for day in pd.date_range("2026-11-03", periods=8, freq="D", tz="UTC"):
        records += [request((day + pd.Timedelta(minutes=30 * i)).isoformat()) for i in range(48)]  # 00:00 .. 23:30
    records += [
        request("2026-11-10T23:59:59.999Z", latency=900.0),  # last instant of the day: in
        request("2026-11-11T00:00:00Z", latency=900.0),  # first instant of the next day: out
    ]
    r = daily_report(log_of(records), None, "2026-11-10")
    assert r["health_current"]["requests"] == 49, (
        "the day is [00:00, 24:00) UTC: 48 half-hourly rows plus 23:59:59.999; midnight belongs to the next day; "
        f"got {r['health_current']['requests']}"
    )
    assert r["health_reference"]["requests"] == 7 * 48


def test_the_fallback_day_raises_the_critical_fallback_alert_with_its_owner():
    r = report(FALLBACK_DAY)
    assert "fallback_rate_high" in rules(r), f"the model-load failure on {FALLBACK_DAY} must alert, got {rules(r)}"
    alert = next(a for a in r["alerts"] if a["rule"] == "fallback_rate_high")
    assert alert["owner"] == "ml-platform-oncall" and alert["severity"] == "critical"
    assert set(alert) == {"rule", "severity", "owner", "summary", "evidence", "impact", "runbook"}
    order = {"critical": 0, "warning": 1, "info": 2}
    assert [order[a["severity"]] for a in r["alerts"]] == sorted(order[a["severity"]] for a in r["alerts"]), (
        "most severe first"
    )


def test_the_latency_spike_day_alerts_on_latency_and_errors():
    r = report(SPIKE_DAY)
    assert {"latency_p99_over_slo", "error_rate_high"} <= set(rules(r)), f"got {rules(r)}"
    assert r["health_current"]["latency_p99_ms"] > r["metrics"]["latency_slo_p99_ms"]


def test_a_quiet_day_raises_no_critical_alert():
    r = report(QUIET_DAY)
    critical = [a["rule"] for a in r["alerts"] if a["severity"] == "critical"]
    assert critical == [], f"{QUIET_DAY} has no incident planted; critical alerts: {critical}"
    assert not {"fallback_rate_high", "error_rate_high", "latency_p99_over_slo"} & set(rules(r))


def test_the_drift_table_covers_the_trade_features_and_the_score():
    r = report(DRIFT_DAY)
    drift = r["drift"]
    assert drift and all(list(row) == list(DRIFT_COLUMNS) for row in drift), "one dict per drift-table row"
    assert drift[-1]["feature"] == "score", f"the score comes last, got {[row['feature'] for row in drift]}"
    price = next(row for row in drift if row["feature"] == "price_deviation_bps")
    assert price["drifted"] is True and price["psi_level"] == "significant", (
        f"price deviation doubles its volatility from {DRIFT_DAY}: {price}"
    )
    assert "price_deviation_drift" in rules(r)
    assert r["metrics"]["price_deviation_psi"] == pytest.approx(price["psi"])


def test_the_json_is_canonical_and_has_no_nan():
    r = report(SPIKE_DAY)
    text = report_json(r)
    assert "NaN" not in text and "Infinity" not in text, "NaN is not JSON: it must become null"
    assert json.loads(text) == r, "report_json must round-trip the report (the report itself holds no NaN)"
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2), "sorted keys, two-space indent"
    assert r["metrics"]["auto_accept_accuracy"] is None or math.isfinite(r["metrics"]["auto_accept_accuracy"])


def test_the_same_log_gives_the_same_bytes_whatever_its_row_order():
    first = report_json(report(SPIKE_DAY))
    again = report_json(report(SPIKE_DAY))
    shuffled = report_json(
        daily_report(
            sim_log().sample(frac=1.0, random_state=7), sim_outcomes().sample(frac=1.0, random_state=8), SPIKE_DAY
        )
    )
    assert first == again, "two runs on the same log must give the same bytes"
    assert first == shuffled, "the report must not depend on the order the log's lines arrived in"


def test_a_date_and_its_iso_string_give_the_same_report():
    assert report_json(daily_report(sim_log(), sim_outcomes(), dt.date(2026, 11, 10))) == report_json(
        report(FALLBACK_DAY)
    )


def test_bad_days_are_refused_in_one_line():
    with pytest.raises(MonitorError, match="day"):
        daily_report(sim_log(), sim_outcomes(), "2026-13-01")
    with pytest.raises(MonitorError, match="current window"):
        daily_report(sim_log(), sim_outcomes(), "2026-11-13")  # the day after the log ends
