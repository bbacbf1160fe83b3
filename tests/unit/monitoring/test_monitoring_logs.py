"""Reading the prediction log and outcome labels; windows."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from reference_impl.errors import ConfigError, DataValidationError, WorkspaceError
from reference_impl.monitoring.logs import (
    default_windows,
    feature_frame,
    load_outcomes,
    load_prediction_log,
    outcomes_to_frame,
    parse_window,
    records_to_frame,
    select_window,
    write_jsonl,
)
from reference_impl.monitoring.simulate import simulate_prediction_log

SERVICE_KYC_ROW = {  # as reference_impl.serving writes it: decision = route, label = predicted class
    "ts": "2026-11-02T10:00:00+00:00", "request_id": "r1", "endpoint": "kyc.classify", "status_code": 200,
    "latency_ms": 12.5, "decision": "auto_accept", "label": "passport", "confidence": 0.97, "features": {},
}


def test_round_trip_through_jsonl(tmp_path, simulated):
    path = write_jsonl(simulated.predictions[:50], tmp_path / "p.jsonl")
    log = load_prediction_log(path)
    assert len(log) == 50 and str(log["ts"].dt.tz) == "UTC"
    assert log["ts"].is_monotonic_increasing


def test_service_kyc_row_maps_decision_to_route_and_label_to_decision():
    row = records_to_frame([SERVICE_KYC_ROW]).iloc[0]
    assert (row["route"], row["decision"]) == ("auto_accept", "passport")


def test_simulation_is_deterministic():
    a = simulate_prediction_log(n_days=2, trades_per_day=20, kyc_per_day=5, seed=3)
    b = simulate_prediction_log(n_days=2, trades_per_day=20, kyc_per_day=5, seed=3)
    assert a == b


def test_bad_json_line_names_file_and_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(SERVICE_KYC_ROW) + "\n\n{not json\n")
    with pytest.raises(DataValidationError, match=r"p\.jsonl:3"):
        load_prediction_log(path)


@pytest.mark.parametrize(("row", "match"), [
    ({"endpoint": "trades.score", "status_code": 200, "latency_ms": 1.0}, "'ts'"),
    ({"ts": "2026-11-02T10:00:00", "endpoint": "trades.score", "status_code": 200, "latency_ms": 1.0}, "time zone"),
])
def test_bad_records_raise_naming_field(row, match):
    with pytest.raises(DataValidationError, match=match):
        records_to_frame([row])


def test_missing_log_is_workspace_error_missing_outcomes_is_empty(tmp_path):
    with pytest.raises(WorkspaceError, match="does not exist"):
        load_prediction_log(tmp_path / "none.jsonl")
    assert load_outcomes(tmp_path / "none.jsonl").empty


def test_outcome_needs_an_id():
    with pytest.raises(DataValidationError, match="request_id"):
        outcomes_to_frame([{"ts": "2026-11-02T00:00:00Z", "label": "normal"}])


def test_feature_frame_expands_dicts(sim_log):
    trades = sim_log[sim_log["endpoint"] == "trades.score"].head(5)
    frame = feature_frame(trades)
    assert "price_deviation_bps" in frame.columns and list(frame.index) == list(trades.index)


@pytest.mark.parametrize(("spec", "match"), [
    ("2026-11-01", "START/END"),
    ("2026-11-05/2026-11-01", "ends before"),
    ("2026-11-01T00:00/2026-11-02", "time zone"),
    ("yesterday/2026-11-02", "ISO-8601"),
])
def test_bad_window_specs(spec, match):
    with pytest.raises(ConfigError, match=match):
        parse_window(spec)


def test_default_windows_last_day_vs_first_week():
    ts = pd.Series(pd.date_range("2026-11-01", periods=14 * 24, freq="1h", tz="UTC"))
    (ref_start, ref_end), (cur_start, cur_end) = default_windows(ts)
    assert ref_start == ts.min() and ref_end - ref_start == pd.Timedelta(days=7)
    assert cur_end - cur_start == pd.Timedelta(days=1)
    frame = pd.DataFrame({"ts": ts})
    assert len(select_window(frame, (cur_start, cur_end))) == 24


def test_short_log_splits_in_half():
    ts = pd.Series(pd.date_range("2026-11-01", periods=10, freq="1h", tz="UTC"))
    (_, ref_end), (cur_start, _) = default_windows(ts)
    assert ref_end == cur_start == ts.min() + (ts.max() + pd.Timedelta(microseconds=1) - ts.min()) / 2


def test_record_missing_field_names_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(SERVICE_KYC_ROW) + "\n" + json.dumps({"ts": "2026-11-02T00:00:00Z"}) + "\n")
    with pytest.raises(DataValidationError, match=r"p\.jsonl:2: required field 'endpoint'"):
        load_prediction_log(path)
