"""Service-health rates and outcome joins on hand-built logs."""

from __future__ import annotations

import math

import pytest

from reference_impl.errors import DataValidationError
from reference_impl.monitoring.health import health_over_time, health_summary
from reference_impl.monitoring.logs import outcomes_to_frame, records_to_frame
from reference_impl.monitoring.outcomes import join_outcomes, outcome_summary, outcomes_over_time, wilson_interval


def _trade(i, *, status=200, flagged=False, fallback=False, latency=10.0, day=2, trade_id=None, request_id=None):
    return {"ts": f"2026-11-0{day}T10:{i // 60:02d}:{i % 60:02d}Z", "request_id": request_id or f"r{day}{i}", "trade_id": trade_id or f"T{day}{i}",
            "endpoint": "trades.score", "status_code": status, "latency_ms": latency, "flagged": flagged,
            "fallback_used": fallback, "score": 0.9 if flagged else 0.1, "features": {"x": float(i)}}


def _kyc(i, route, predicted="passport", day=2):
    return {"ts": f"2026-11-0{day}T11:00:{i:02d}Z", "request_id": f"k{day}{i}", "doc_id": f"D{day}{i}",
            "endpoint": "kyc.classify", "status_code": 200, "latency_ms": 5.0, "decision": route, "label": predicted}


def test_rates_have_the_right_denominators():
    rows = [_trade(0, flagged=True), _trade(1, fallback=True), _trade(2), _trade(3, status=500), _trade(4, status=422),
            _kyc(0, "auto_accept"), _kyc(1, "manual_review"), _kyc(2, "manual_review"), _kyc(3, "reject_unknown")]
    h = health_summary(records_to_frame(rows))
    assert h["requests"] == 9
    assert h["error_rate"] == pytest.approx(1 / 9) and h["client_error_rate"] == pytest.approx(1 / 9)
    assert h["trade_decisions"] == 3                 # 5xx and 4xx are not decisions
    assert h["flag_rate"] == pytest.approx(1 / 3) and h["fallback_rate"] == pytest.approx(1 / 3)
    assert h["manual_review_rate"] == pytest.approx(0.5) and h["auto_accept_rate"] == pytest.approx(0.25)


def test_rates_are_nan_without_denominator():
    h = health_summary(records_to_frame([_kyc(0, "auto_accept")]))
    assert math.isnan(h["flag_rate"]) and math.isnan(h["fallback_rate"])


def test_latency_percentiles_and_buckets():
    rows = [_trade(i, latency=float(i + 1), day=2) for i in range(100)] + [_trade(i, latency=500.0, day=3) for i in range(10)]
    series = health_over_time(records_to_frame(rows), "1D")
    assert len(series) == 2
    assert series["latency_p50_ms"].iloc[0] == pytest.approx(50.5)
    assert series["latency_p99_ms"].iloc[1] == 500.0


def test_precision_uses_item_ids_inside_a_batch_request():
    rows = [_trade(i, flagged=True, request_id="batch-1") for i in range(4)]
    labels = [{"trade_id": "T20", "ts": "2026-11-04T00:00:00Z", "label": "anomaly"},
              {"trade_id": "T21", "ts": "2026-11-04T00:00:00Z", "label": "normal"},
              {"trade_id": "T22", "ts": "2026-11-04T00:00:00Z", "label": "false_positive"}]
    s = outcome_summary(join_outcomes(records_to_frame(rows), outcomes_to_frame(labels)))
    assert (s["alerts"], s["alert_labels"]) == (4, 3)
    assert s["alert_precision"] == pytest.approx(1 / 3) and s["label_coverage"] == pytest.approx(0.75)
    assert s["median_label_delay_h"] == pytest.approx(38.0, abs=0.1)


def test_later_label_wins_and_request_id_fallback():
    rows = [_trade(0, flagged=True)]
    labels = [{"request_id": "r20", "ts": "2026-11-03T00:00:00Z", "label": "normal"},
              {"request_id": "r20", "ts": "2026-11-05T00:00:00Z", "label": "anomaly"}]
    s = outcome_summary(join_outcomes(records_to_frame(rows), outcomes_to_frame(labels)))
    assert s["alert_precision"] == 1.0


def test_auto_accept_accuracy_compares_label_with_predicted_class():
    rows = [_kyc(0, "auto_accept", "passport"), _kyc(1, "auto_accept", "utility_bill"), _kyc(2, "manual_review", "passport")]
    labels = [{"doc_id": d, "ts": "2026-11-05T00:00:00Z", "label": "passport"} for d in ("D20", "D21", "D22")]
    s = outcome_summary(join_outcomes(records_to_frame(rows), outcomes_to_frame(labels)))
    assert (s["auto_accepted"], s["auto_accept_labels"], s["auto_accept_accuracy"]) == (2, 2, 0.5)


def test_unknown_trade_label_is_rejected():
    labels = [{"trade_id": "T20", "ts": "2026-11-04T00:00:00Z", "label": "maybe"}]
    with pytest.raises(DataValidationError, match="'maybe'"):
        join_outcomes(records_to_frame([_trade(0, flagged=True)]), outcomes_to_frame(labels))


def test_outcomes_over_time_by_decision_day(sim_log, sim_outcomes):
    series = outcomes_over_time(join_outcomes(sim_log, sim_outcomes))
    assert len(series) == 6
    # late labels: the last day is the least covered
    assert series["label_coverage"].iloc[-1] < series["label_coverage"].iloc[0]


@pytest.mark.parametrize(("k", "n"), [(0, 10), (5, 10), (10, 10), (1, 1)])
def test_wilson_interval_contains_the_estimate(k, n):
    low, high = wilson_interval(k, n)
    assert 0 <= low <= k / n <= high <= 1
