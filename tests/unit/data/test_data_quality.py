"""The validator finds every injected fault, and stays quiet on clean data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.data.faults import FAULT_KINDS, inject_faults
from reference_impl.data.quality import TRADE_SCHEMA, validate_trades
from reference_impl.data.trades import TRADE_COLUMNS
from reference_impl.errors import ConfigError
from data_fixtures import ref, trades  # noqa: F401  (pytest fixtures)

#: Which report issue kind each fault must raise.
EXPECTED = {
    "missing_values": "null_values",
    "invalid_values": "invalid_value",
    "unknown_reference": "unknown_reference",
    "duplicate_events": "duplicate_event",
    "out_of_order": "out_of_order",
    "renamed_column": "renamed_column",
    "retyped_column": "wrong_type",
}


@pytest.fixture(scope="module")
def sample(trades):
    return trades.iloc[:4_000].reset_index(drop=True)


def test_schema_covers_the_contract():
    assert set(TRADE_SCHEMA) == set(TRADE_COLUMNS)


def test_clean_data_passes(sample, ref):
    report = validate_trades(sample, ref)
    assert report.ok, report.summary()
    assert report.n_rows == len(sample) and report.nulls["trade_id"] == 0


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_is_detected(sample, ref, kind):
    result = inject_faults(sample, [kind], seed=1, rate=0.01)
    report = validate_trades(result.frame, ref)
    assert not report.ok
    assert EXPECTED[kind] in report.kinds(), report.summary()
    issues = [i for i in report.issues if i.kind == EXPECTED[kind]]
    hit = set(result.rows[kind].tolist())
    for issue in issues:  # the validator points at exactly the rows the fault touched
        assert set(issue.examples) <= hit
    if kind not in ("renamed_column", "retyped_column"):
        assert sum(i.count for i in issues) >= 0.9 * len(hit)


def test_all_faults_at_once_are_all_reported(sample, ref):
    result = inject_faults(sample, FAULT_KINDS, seed=2, rate=0.01)
    report = validate_trades(result.frame, ref)
    assert set(EXPECTED.values()) <= report.kinds()
    payload = report.to_dict()
    assert payload["ok"] is False and len(payload["issues"]) == len(report.issues)
    assert report.summary().count("\n") == len(report.issues)


def test_naive_timestamps_and_missing_columns(sample):
    bad = sample.drop(columns=["venue"]).assign(exec_ts=sample["exec_ts"].dt.tz_localize(None))
    report = validate_trades(bad)
    assert {"missing_column", "wrong_type"} <= report.kinds()


@pytest.mark.parametrize("kinds, rate, match", [
    (["typo"], 0.01, "unknown fault"), ([], 0.01, "no fault"), (["missing_values"], 0.0, "rate"),
])
def test_inject_faults_rejects_bad_arguments(sample, kinds, rate, match):
    with pytest.raises(ConfigError, match=match):
        inject_faults(sample, kinds, rate=rate)


@settings(max_examples=25, deadline=None)
@given(rate=st.floats(0.001, 0.2), seed=st.integers(0, 10_000))
def test_fault_ground_truth_is_exact_for_duplicates(trades, rate, seed):
    frame = trades.iloc[:500]
    result = inject_faults(frame, ["duplicate_events"], seed=seed, rate=rate)
    dup = result.frame["trade_id"].duplicated(keep="first").to_numpy()
    assert np.flatnonzero(dup).tolist() == result.rows["duplicate_events"].tolist()
    pd.testing.assert_frame_equal(result.frame.drop_duplicates("trade_id").reset_index(drop=True), frame)


@pytest.mark.parametrize("corrupt, kind", [
    (lambda f: f.assign(booking_ts=f["exec_ts"] - pd.Timedelta(seconds=1)), "booking_before_exec"),
    (lambda f: f.assign(booking_ts=f["exec_ts"] + pd.Timedelta(days=9)), "late_event"),
    (lambda f: f.assign(orig_trade_id=f["orig_trade_id"].where(f["event_type"] == "new", "T999999999")),
     "orphan_event"),
    (lambda f: f.assign(notional=f["notional"] * 1.01), "notional_mismatch"),
    (lambda f: f.assign(currency="XYZ"), "invalid_value"),
    (lambda f: f.assign(extra_col=1), "unexpected_column"),
])
def test_other_checks(sample, corrupt, kind):
    assert kind in validate_trades(corrupt(sample)).kinds()


def test_report_without_labels_is_fine(sample):
    assert validate_trades(sample.drop(columns=["is_anomaly", "anomaly_type"])).ok
