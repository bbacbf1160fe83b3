"""Milestone 1: the four credit views are declared, and their rows follow the declaration."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import all_view_rows
from featurestore_lab import VIEW_NAMES, FeatureStoreError, credit_views, view_rows

EXPECTED = {
    "credit_utilisation": (("counterparty_id",), {"exposure_usd", "limit_usd", "limit_utilisation"}, "exposures"),
    "credit_exposure_growth": (("counterparty_id",), {"exposure_change_1d", "exposure_change_5d"}, "exposures"),
    "credit_concentration": (
        ("counterparty_id",),
        {"largest_instrument_share", "n_instruments", "largest_instrument_id"},
        "exposures",
    ),
    "instrument_volatility": (("instrument_id",), {"volatility_10d", "return_1d"}, "prices"),
}


def test_four_views_are_declared_with_keys_features_ttl_and_owner():
    views = credit_views()
    assert tuple(views) == VIEW_NAMES, f"views: expected {VIEW_NAMES}, got {tuple(views)}"
    for name, (keys, features, table) in EXPECTED.items():
        view = views[name]
        assert view.keys == keys, f"{name}: keys should be {keys}, got {view.keys}"
        assert set(view.features) == features, f"{name}: features should be {sorted(features)}, got {view.features}"
        assert view.source_table == table, f"{name}: source table should be {table!r}, got {view.source_table!r}"
        assert view.ttl == pd.Timedelta(days=5), f"{name}: ttl should be 5 days, got {view.ttl}"
        assert view.owner, f"{name}: every view needs an owner"
    assert views["credit_utilisation"].created_timestamp == "published_ts", (
        "counterparty views: the created timestamp is published_ts (when a version arrived)"
    )


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_rows_have_the_declared_columns_and_utc_timestamps(name):
    rows, view = all_view_rows()[name], credit_views()[name]
    assert list(rows.columns) == view.columns(), f"{name}: columns should be {view.columns()}, got {list(rows.columns)}"
    assert len(rows) > 0, f"{name}: no rows built"
    for col in ("event_ts", "available_at"):
        assert isinstance(rows[col].dtype, pd.DatetimeTZDtype), (
            f"{name}.{col}: expected tz-aware UTC, got {rows[col].dtype}"
        )
    late = int((rows["available_at"] < rows["event_ts"]).sum())
    assert late == 0, f"{name}: {late} row(s) available before the close they describe"
    for key in view.keys:
        assert rows[key].map(type).eq(str).all(), f"{name}.{key}: keys must be strings"


def test_a_correction_becomes_available_when_it_is_published(data):
    rows = all_view_rows()["credit_utilisation"]
    exp = data["exposures"]
    corrections = exp[exp["is_correction"] & (exp["published_ts"] > exp["as_of_ts"] + pd.Timedelta(days=1))]
    assert len(corrections) > 5, "the dataset should hold late corrections"
    for _, c in corrections.head(20).iterrows():
        mine = rows[(rows["counterparty_id"] == c["counterparty_id"]) & (rows["event_ts"] == c["as_of_ts"])]
        when = set(mine["available_at"])
        assert c["published_ts"] in when, (
            f"credit_utilisation: no row of {c['counterparty_id']} at {c['as_of_ts']} is available from its "
            f"correction's publication {c['published_ts']} (got {len(when)} row(s), first {min(when)})"
        )
        assert min(when) < c["published_ts"], (
            f"credit_utilisation: {c['counterparty_id']} at {c['as_of_ts']} should have a row from before the correction"
        )


def test_the_corrected_value_differs_from_the_first_one(data):
    rows = all_view_rows()["credit_utilisation"]
    versions = rows.groupby(["counterparty_id", "event_ts"])["exposure_usd"].nunique()
    assert (versions > 1).sum() > 5, "credit_utilisation: corrections should give closes with several values"


def test_unknown_view_is_refused_by_name(data):
    with pytest.raises(FeatureStoreError, match="nope"):
        view_rows("nope", data)
