"""Offline (parquet) and online (SQLite) stores: round trips, incremental materialisation, TTL, failures."""

from __future__ import annotations

import math
import sqlite3

import pandas as pd
import pytest

from reference_impl.errors import FeatureStoreError
from reference_impl.features import (
    OfflineStore,
    OnlineStore,
    check_online_offline,
    get_historical_features,
    trader_activity,
    trader_history,
)
from reference_impl.features import online as online_mod

T0 = pd.Timestamp("2026-03-02 09:00", tz="UTC")


def activity_rows(spec: list[tuple[str, int, float]], delay: int = 0) -> pd.DataFrame:
    """trader_activity rows: (trader, minute, trade_count_1h); available ``delay`` minutes after the event."""
    frame = pd.DataFrame({
        "trader_id": [s[0] for s in spec],
        "event_ts": [T0 + pd.Timedelta(minutes=s[1]) for s in spec],
    })
    frame["event_ts"] = pd.to_datetime(frame["event_ts"], utc=True)
    frame["available_at"] = frame["event_ts"] + pd.Timedelta(minutes=delay)
    for name in trader_activity.feature_names:
        frame[name] = [s[2] for s in spec] if name == "trade_count_1h" else 1.0
    return frame


@pytest.fixture
def stores(workspace):
    return OfflineStore.from_workspace(workspace), OnlineStore.from_workspace(workspace)


def test_offline_round_trip_and_historical_features(stores):
    offline, _ = stores
    offline.write("trader_activity", activity_rows([("T1", 0, 1.0), ("T1", 10, 2.0)]))
    entity = pd.DataFrame({"trader_id": ["T1", "T1"], "event_timestamp": [T0 + pd.Timedelta(minutes=5),
                                                                            T0 + pd.Timedelta(minutes=11)]})
    out = get_historical_features(entity, ["trader_activity:trade_count_1h"], offline)
    assert out["trade_count_1h"].tolist() == [1.0, 2.0]
    named = get_historical_features(entity, ["trader_activity:trade_count_1h"], offline, full_feature_names=True)
    assert "trader_activity__trade_count_1h" in named.columns


@pytest.mark.parametrize("refs, message", [
    (["nope"], "unknown feature view 'nope'"),
    (["trader_activity:nope"], "has no feature 'nope'"),
    (["trader_history"], "serving snapshot"),
])
def test_unknown_or_unusable_feature_refs(stores, refs, message):
    offline, _ = stores
    entity = pd.DataFrame({"trader_id": ["T1"], "event_timestamp": [T0]})
    with pytest.raises(FeatureStoreError, match=message):
        get_historical_features(entity, refs, offline)


def test_missing_and_corrupt_offline_files_name_the_file(stores):
    offline, _ = stores
    with pytest.raises(FeatureStoreError, match="no data for view 'trader_activity'"):
        offline.read("trader_activity")
    offline.path("trader_activity").parent.mkdir(parents=True, exist_ok=True)
    offline.path("trader_activity").write_bytes(b"not parquet")
    with pytest.raises(FeatureStoreError, match="trader_activity.parquet is unreadable"):
        offline.read("trader_activity")


def test_failed_offline_write_keeps_the_previous_file(stores, monkeypatch):
    offline, _ = stores
    offline.write("trader_activity", activity_rows([("T1", 0, 1.0)]))
    import pyarrow.parquet as pq

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", explode)
    with pytest.raises(OSError):
        offline.write("trader_activity", activity_rows([("T1", 0, 5.0), ("T2", 0, 5.0)]))
    monkeypatch.undo()
    assert offline.read("trader_activity")["trade_count_1h"].tolist() == [1.0]
    assert [p.name for p in offline.root.iterdir()] == ["trader_activity.parquet"]  # no temp file left


def test_incremental_materialisation_moves_the_high_water_mark(stores):
    _, online = stores
    rows = activity_rows([("T1", 0, 1.0), ("T2", 5, 1.0), ("T1", 10, 2.0), ("T1", 20, 3.0)])
    first = online.materialize(trader_activity, rows, end=T0 + pd.Timedelta(minutes=10))
    assert (first.rows, first.keys) == (3, 2)
    assert first.previous_high_water_mark is None and first.high_water_mark == T0 + pd.Timedelta(minutes=10)
    now = T0 + pd.Timedelta(minutes=30)
    assert online.read(trader_activity, ["T1"], now=now)[0]["trade_count_1h"] == 2.0
    second = online.materialize(trader_activity, rows)
    assert (second.rows, second.keys) == (1, 1)
    assert online.read(trader_activity, ["T1"], now=now)[0]["trade_count_1h"] == 3.0
    assert online.materialize(trader_activity, rows).rows == 0  # nothing new: idempotent


def test_late_arriving_rows_are_materialised_but_never_replace_newer_values(stores):
    _, online = stores
    online.materialize(trader_activity, activity_rows([("T1", 10, 2.0)]))
    late = activity_rows([("T1", 5, 9.0), ("T2", 1, 4.0)], delay=60)  # old events, known only now
    result = online.materialize(trader_activity, late)
    assert result.rows == 2
    rows = online.read(trader_activity, ["T1", "T2"], now=T0 + pd.Timedelta(hours=2))
    assert rows[0]["trade_count_1h"] == 2.0  # newer event kept
    assert rows[1]["trade_count_1h"] == 4.0  # the late key arrives


def test_online_ttl_policy_and_future_rows(stores):
    _, online = stores
    online.materialize(trader_activity, activity_rows([("T1", 0, 1.0)], delay=5))
    assert online.read(trader_activity, "T1", now=T0 + pd.Timedelta(days=7))[0] is not None
    assert online.read(trader_activity, "T1", now=T0 + pd.Timedelta(days=7, seconds=1))[0] is None
    assert online.read(trader_activity, "T1", now=T0 + pd.Timedelta(minutes=1))[0] is None  # not yet known
    frame = online.read_frame(trader_activity, ["T1", "ZZ"], now=T0 + pd.Timedelta(hours=1))
    assert frame["trade_count_1h"].iloc[0] == 1.0 and math.isnan(frame["trade_count_1h"].iloc[1])


def test_online_equals_offline_point_in_time(stores):
    offline, online = stores
    rows = activity_rows([("T1", 0, 1.0), ("T2", 5, 7.0), ("T1", 10, 2.0), ("T3", -20000, 3.0)], delay=3)
    offline.write(trader_activity, rows)
    online.materialize(trader_activity, offline.read(trader_activity))
    report = check_online_offline(trader_activity, offline, online)
    assert report.ok, report.mismatches
    assert report.n_compared == 3 * len(trader_activity.feature_names)


def test_consistency_check_reports_a_tampered_online_value(stores):
    offline, online = stores
    rows = activity_rows([("T1", 0, 1.0), ("T2", 5, 7.0)])
    offline.write(trader_activity, rows)
    online.materialize(trader_activity, rows)
    with sqlite3.connect(online.path) as conn:
        conn.execute("UPDATE feature_values SET payload = replace(payload, '\"trade_count_1h\":7.0', "
                     "'\"trade_count_1h\":8.0')")
    report = check_online_offline(trader_activity, offline, online)
    assert not report.ok and report.n_mismatches == 1
    assert report.mismatches[0]["trader_id"] == "T2" and report.mismatches[0]["feature"] == "trade_count_1h"


def test_failure_mid_materialisation_leaves_previous_state(stores, monkeypatch):
    _, online = stores
    online.materialize(trader_activity, activity_rows([("T1", 0, 1.0)]))
    before_mark = online.high_water_mark(trader_activity)
    monkeypatch.setattr(online_mod, "CHUNK_ROWS", 2)
    calls = {"n": 0}
    real = OnlineStore._write_chunk

    def failing(self, conn, view, chunk):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("injected failure after the first chunk")
        return real(self, conn, view, chunk)

    monkeypatch.setattr(OnlineStore, "_write_chunk", failing)
    new_rows = activity_rows([("T1", 10, 5.0), ("T2", 10, 5.0), ("T3", 10, 5.0), ("T4", 10, 5.0)])
    with pytest.raises(RuntimeError, match="injected"):
        online.materialize(trader_activity, new_rows)
    assert calls["n"] == 2
    assert online.high_water_mark(trader_activity) == before_mark
    now = T0 + pd.Timedelta(hours=1)
    assert online.read(trader_activity, ["T1", "T2"], now=now)[0]["trade_count_1h"] == 1.0
    assert online.read(trader_activity, ["T2"], now=now)[0] is None
    monkeypatch.undo()
    assert online.materialize(trader_activity, new_rows).rows == 4  # a retry picks everything up


def test_corrupt_online_store_names_the_file(stores):
    _, online = stores
    online.path.parent.mkdir(parents=True, exist_ok=True)
    online.path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(FeatureStoreError, match=r"online\.db is corrupt"):
        online.read(trader_activity, ["T1"], now=T0)
    with pytest.raises(FeatureStoreError, match=r"online\.db is corrupt"):
        online.materialize(trader_activity, activity_rows([("T1", 0, 1.0)]))


def test_locked_online_store_is_a_clear_error(stores):
    _, online = stores
    online.materialize(trader_activity, activity_rows([("T1", 0, 1.0)]))
    blocker = sqlite3.connect(online.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        quick = OnlineStore(online.path, timeout=0.05)
        with pytest.raises(FeatureStoreError, match="is locked"):
            quick.materialize(trader_activity, activity_rows([("T1", 10, 2.0)]))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert online.read(trader_activity, ["T1"], now=T0 + pd.Timedelta(hours=1))[0]["trade_count_1h"] == 1.0


def test_missing_online_store_is_a_clear_error(stores):
    _, online = stores
    with pytest.raises(FeatureStoreError, match="does not exist"):
        online.read(trader_activity, ["T1"], now=T0)


@pytest.mark.parametrize("key, message", [
    (7, "must be a string, got int"),
    (("T1", "extra"), "does not match view 'trader_activity'"),
    ("", "does not match"),
])
def test_keys_of_the_wrong_type(stores, key, message):
    _, online = stores
    online.materialize(trader_activity, activity_rows([("T1", 0, 1.0)]))
    with pytest.raises(FeatureStoreError, match=message):
        online.read(trader_activity, [key], now=T0)


def test_composite_keys_and_json_features(stores, workspace):
    offline, online = stores
    pair = pd.DataFrame({"book": ["B1"], "counterparty_id": ["CP9"], "event_ts": [T0], "available_at": [T0],
                         "trades_to_date": [3.0]})
    online.materialize("counterparty_pair", pair)
    assert online.read("counterparty_pair", ["B1|CP9"], now=T0)[0]["trades_to_date"] == 3.0
    assert online.read("counterparty_pair", [("B1", "CP9")], now=T0)[0]["book"] == "B1"
    hist = pd.DataFrame({"trader_id": ["T1"], "event_ts": [T0], "available_at": [T0], "n_recent_events": [1.0],
                         "recent_events": [[["X1", 1, 2.5, "new"]]]})
    offline.write(trader_history, hist)
    assert offline.read(trader_history)["recent_events"].iloc[0] == [["X1", 1, 2.5, "new"]]
    online.materialize(trader_history, hist)
    assert online.read(trader_history, "T1", now=T0)[0]["recent_events"] == [["X1", 1, 2.5, "new"]]


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r.drop(columns=["available_at"]), "missing column"),
    (lambda r: r.assign(event_ts=r["event_ts"].dt.tz_localize(None)), "'event_ts' of view 'trader_activity'"),
    (lambda r: r.assign(trader_id=1), "key column 'trader_id'"),
    (lambda r: r.assign(trade_count_1h="many"), "not numeric"),
])
def test_invalid_rows_are_refused_before_any_write(stores, mutate, message):
    offline, online = stores
    with pytest.raises(FeatureStoreError, match=message):
        online.materialize(trader_activity, mutate(activity_rows([("T1", 0, 1.0)])))
    with pytest.raises(FeatureStoreError, match=message):
        offline.write(trader_activity, mutate(activity_rows([("T1", 0, 1.0)])))
    assert not offline.exists(trader_activity)
