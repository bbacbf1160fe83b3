"""Milestone 3: the parquet offline store and the SQLite online store with incremental materialisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import all_view_rows
from featurestore_lab import FeatureStoreError, OfflineStore, OnlineStore

T0 = pd.Timestamp("2026-03-02 21:00", tz="UTC")
VIEW = "credit_utilisation"


def rows(spec):
    """credit_utilisation rows: (counterparty, close day, available hours after T0, exposure)."""
    cp, day, avail, exposure = zip(*spec)
    frame = pd.DataFrame(
        {
            "counterparty_id": pd.Series(cp, dtype="str"),
            "event_ts": pd.Series([T0 + pd.Timedelta(days=d) for d in day], dtype="datetime64[ns, UTC]"),
            "available_at": pd.Series([T0 + pd.Timedelta(hours=h) for h in avail], dtype="datetime64[ns, UTC]"),
            "exposure_usd": pd.Series(exposure, dtype=float),
        }
    )
    frame["limit_usd"] = 100.0
    frame["limit_utilisation"] = frame["exposure_usd"] / 100.0
    return frame


def exposure_at(online, key, now):
    got = online.read(VIEW, [key], now=now)[0]
    return None if got is None else got["exposure_usd"]


def test_offline_round_trip_keeps_every_row(tmp_path):
    built = all_view_rows()[VIEW]
    store = OfflineStore(tmp_path / "offline")
    store.write(VIEW, built)
    back = store.read(VIEW)
    assert len(back) == len(built), f"offline: wrote {len(built)} rows, read {len(back)}"
    assert isinstance(back["event_ts"].dtype, pd.DatetimeTZDtype), "offline: timestamps must come back tz-aware"
    assert np.allclose(back["exposure_usd"], built["exposure_usd"].to_numpy()), "offline: values changed on the way"


def test_offline_read_of_an_unwritten_view_names_it(tmp_path):
    with pytest.raises(FeatureStoreError, match=VIEW):
        OfflineStore(tmp_path / "offline").read(VIEW)


def test_online_keeps_the_latest_value_per_key(tmp_path):
    online = OnlineStore(tmp_path / "online.db")
    online.materialize(VIEW, rows([("C1", 1, 25, 20.0), ("C1", 0, 1, 10.0), ("C2", 0, 1, 5.0)]))
    got = exposure_at(online, "C1", T0 + pd.Timedelta(days=2))
    assert got == 20.0, f"online: C1 should serve its latest close (20.0), got {got}"


def test_incremental_runs_pick_up_a_late_correction(tmp_path):
    online = OnlineStore(tmp_path / "online.db")
    first = rows([("C1", 0, 1, 10.0), ("C2", 0, 2, 7.0)])
    late = rows([("C1", 0, 30, 12.0)])  # the same close, corrected 30 hours later
    n1 = online.materialize(VIEW, first, end=T0 + pd.Timedelta(hours=5))
    mark = online.high_water_mark(VIEW)
    assert n1 == 2 and mark == T0 + pd.Timedelta(hours=5), f"first run: 2 rows, mark at end; got {n1}, {mark}"
    n2 = online.materialize(VIEW, pd.concat([first, late], ignore_index=True))
    assert n2 == 1, f"second run: only the correction is new, got {n2} row(s) copied"
    got = exposure_at(online, "C1", T0 + pd.Timedelta(hours=31))
    assert got == 12.0, f"online: the correction published at +30h should be served at +31h, got {got}"


def test_reads_respect_availability_and_ttl(tmp_path):
    online = OnlineStore(tmp_path / "online.db")
    online.materialize(VIEW, rows([("C1", 0, 3, 10.0)]))
    assert exposure_at(online, "C1", T0 + pd.Timedelta(hours=1)) is None, "online: served before it was available"
    assert exposure_at(online, "C1", T0 + pd.Timedelta(days=5)) == 10.0, "online: a value exactly 5 days old is served"
    stale = exposure_at(online, "C1", T0 + pd.Timedelta(days=5, seconds=1))
    assert stale is None, f"online: a value older than the 5-day TTL was served ({stale})"
    assert exposure_at(online, "NOPE", T0 + pd.Timedelta(days=1)) is None, "online: an unknown key must give None"
