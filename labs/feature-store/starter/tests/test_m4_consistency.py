"""Milestone 4: the online store serves exactly the offline point-in-time value (and the check can tell when not)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import all_view_rows, filled_stores
from featurestore_lab import VIEW_NAMES, OfflineStore, OnlineStore, check_online_offline


@pytest.mark.parametrize("view", VIEW_NAMES)
def test_materialised_views_are_consistent(tmp_path, view):
    offline, online = filled_stores(tmp_path)
    result = check_online_offline(view, offline, online)
    assert result.n_compared > 0, f"{view}: nothing was compared"
    assert result.ok, f"{view}: {result.n_mismatches} of {result.n_compared} values differ online vs offline"


def test_consistent_as_of_an_earlier_materialisation(tmp_path):
    rows = all_view_rows()["credit_exposure_growth"]
    end = rows["available_at"].quantile(0.4)
    offline, online = OfflineStore(tmp_path / "off"), OnlineStore(tmp_path / "on.db")
    offline.write("credit_exposure_growth", rows)  # the offline store holds everything; online only up to `end`
    online.materialize("credit_exposure_growth", rows, end=end)
    result = check_online_offline("credit_exposure_growth", offline, online, now=end)
    assert result.ok, f"as of {end}: {result.n_mismatches} of {result.n_compared} values differ"


def test_the_check_finds_a_value_that_differs(tmp_path):
    rows = all_view_rows()["credit_utilisation"]
    # the newest close of one counterparty, as first published
    newest = rows.sort_values(["event_ts", "available_at"]).drop_duplicates("counterparty_id", keep="last")
    last = newest[newest["available_at"] - newest["event_ts"] < pd.Timedelta(hours=12)].iloc[[0]].copy()
    offline, online = OfflineStore(tmp_path / "off"), OnlineStore(tmp_path / "on.db")
    offline.write("credit_utilisation", rows)
    online.materialize("credit_utilisation", rows, end=last["available_at"].iloc[0])
    now = last["available_at"].iloc[0] + pd.Timedelta(seconds=1)
    last["available_at"] = now  # a newer version served online only: training/serving skew
    last["exposure_usd"] = last["exposure_usd"] * 2
    online.materialize("credit_utilisation", last)
    result = check_online_offline("credit_utilisation", offline, online, now=now)
    assert result.n_mismatches == 1, (
        f"a doubled exposure served online only: expected 1 mismatch, got {result.n_mismatches}"
    )
