"""m2 — service health per window: latency percentiles, error, fallback, flag and review rates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import FALLBACK_DAY, SPIKE_DAY, log_of, request, sim_log
from monitor_lab import HEALTH_COLUMNS, health_over_time, health_summary


def test_latency_percentiles_interpolate_they_are_not_the_max():
    log = log_of([request(latency=float(ms)) for ms in range(1, 101)])  # 1 ms .. 100 ms
    h = health_summary(log)
    assert list(h) == list(HEALTH_COLUMNS), f"keys must be HEALTH_COLUMNS in order, got {list(h)}"
    assert h["latency_p50_ms"] == pytest.approx(50.5), f"p50 of 1..100 ms is 50.5 ms, got {h['latency_p50_ms']}"
    assert h["latency_p95_ms"] == pytest.approx(95.05), f"p95 of 1..100 ms is 95.05 ms, got {h['latency_p95_ms']}"
    assert h["latency_p99_ms"] == pytest.approx(99.01), (
        f"p99 of 1..100 ms is 99.01 ms (linear interpolation), got {h['latency_p99_ms']} — the max is not the p99"
    )


def test_one_slow_request_in_a_thousand_does_not_move_p99():
    log = log_of([request(latency=10.0)] * 999 + [request(latency=5000.0)])
    assert health_summary(log)["latency_p99_ms"] == pytest.approx(10.0), (
        "p99 is what 99 % of callers see: one 5 s outlier in 1,000 requests must not set it"
    )


def test_error_rate_counts_server_errors_only():
    records = [request()] * 90 + [request(status=500, flagged=None)] * 6 + [request(status=422, flagged=None)] * 4
    h = health_summary(log_of(records))
    assert h["requests"] == 100
    assert h["error_rate"] == pytest.approx(0.06), f"6 of 100 requests answered 5xx, got error_rate {h['error_rate']}"
    assert h["client_error_rate"] == pytest.approx(0.04), (
        f"4 of 100 were 4xx (the caller's fault, not an outage), got client_error_rate {h['client_error_rate']}"
    )


def test_fallback_and_flag_rates_are_shares_of_successful_trade_decisions():
    records = (
        [request(fallback=True, flagged=True)] * 3
        + [request(flagged=True)] * 7
        + [request()] * 30
        + [request(status=503, flagged=None)] * 10  # made no decision
        + [request(endpoint="kyc.classify", flagged=None, route="auto_accept")] * 15
        + [request(endpoint="kyc.classify", flagged=None, route="manual_review")] * 5
    )
    h = health_summary(log_of(records))
    assert h["trade_decisions"] == 40, (
        f"40 successful trade rows (failed requests are not decisions), got {h['trade_decisions']}"
    )
    assert h["fallback_rate"] == pytest.approx(3 / 40), f"3 fallbacks in 40 trade decisions, got {h['fallback_rate']}"
    assert h["flag_rate"] == pytest.approx(10 / 40), f"10 flagged of 40 trade decisions, got {h['flag_rate']}"
    assert h["kyc_decisions"] == 20
    assert h["auto_accept_rate"] == pytest.approx(0.75) and h["manual_review_rate"] == pytest.approx(0.25)
    assert h["error_rate"] == pytest.approx(10 / 70)


def test_a_rate_without_a_denominator_is_nan_not_zero():
    h = health_summary(log_of([request(endpoint="kyc.classify", flagged=None, route="auto_accept")] * 5))
    assert h["trade_decisions"] == 0
    assert math.isnan(h["fallback_rate"]) and math.isnan(h["flag_rate"]), (
        "no trade decisions: fallback/flag rates are unknown (NaN); 0 would tell the dashboard all is well"
    )


def test_health_over_time_has_one_row_per_day_with_traffic():
    log = sim_log()
    series = health_over_time(log, "1D")
    assert list(series.columns) == list(HEALTH_COLUMNS)
    assert series.index.name == "bucket"
    days = pd.date_range("2026-11-02", periods=10, freq="D", tz="UTC")
    assert list(series.index) == list(days), f"one bucket per UTC day, at midnight; got {list(series.index)}"
    assert int(series["requests"].sum()) == len(log), "every row falls in exactly one bucket"


def test_the_planted_incidents_show_on_their_day():
    series = health_over_time(sim_log(), "1D")
    spike, fallback = pd.Timestamp(SPIKE_DAY, tz="UTC"), pd.Timestamp(FALLBACK_DAY, tz="UTC")
    calm = series.drop(index=[spike])
    assert series.loc[spike, "latency_p99_ms"] > 3 * calm["latency_p99_ms"].max(), (
        f"the latency spike on {SPIKE_DAY} must stand out in p99: {series['latency_p99_ms'].round(1).to_dict()}"
    )
    assert series.loc[spike, "error_rate"] > 0.01, "the spike day also has 5xx errors"
    others = series.drop(index=[fallback])
    assert series.loc[fallback, "fallback_rate"] > 0.05 >= others["fallback_rate"].max(), (
        f"the model-load failure on {FALLBACK_DAY} must show as the rules-only fallback: {series['fallback_rate'].round(3).to_dict()}"
    )


def test_hourly_buckets_match_a_summary_of_that_hour():
    log = sim_log()
    series = health_over_time(log, "1h")
    hour = pd.Timestamp(f"{FALLBACK_DAY} 12:00", tz="UTC")
    rows = log.loc[(log["ts"] >= hour) & (log["ts"] < hour + pd.Timedelta(hours=1))]
    expected = health_summary(rows)
    got = series.loc[hour].to_dict()
    for key in ("requests", "latency_p99_ms", "fallback_rate", "flag_rate"):
        assert got[key] == pytest.approx(expected[key]), f"{key} at {hour}: {got[key]} vs {expected[key]}"
    assert (series["requests"] > 0).all(), "only buckets that hold rows"


def test_an_empty_log_gives_an_empty_frame():
    empty = health_over_time(sim_log().iloc[:0])
    assert empty.empty and list(empty.columns) == list(HEALTH_COLUMNS)
    assert np.isnan(health_summary(sim_log().iloc[:0])["latency_p99_ms"]), "no requests: latency unknown (NaN)"
