"""The day's features from a week of partitions plus pair history equal the features from all history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl import data
from reference_impl.batch.inputs import ingest_trades, list_partitions, parse_day, partition_dir, read_partitions
from reference_impl.errors import ConfigError, DataValidationError
from reference_impl.features import build_trade_features
from reference_impl.features.columns import FEATURE_COLUMNS
from reference_impl.features.day import (
    FEATURE_INPUT_COLUMNS,
    PAIR_INPUT_COLUMNS,
    day_bounds,
    features_for_day,
    lookback_days,
    pair_history_rows,
    prior_pair_counts,
)
from reference_impl.features.transforms import counterparty_prior_trades


@pytest.fixture(scope="module")
def market():
    ref = data.make_reference_data(seed=3)
    prices = data.make_prices(ref, n_days=12, seed=3)
    trades = data.make_trades(ref, prices, n_trades=3000, seed=3, anomaly_rate=0.05)
    return ref, prices, trades


@pytest.fixture(scope="module")
def store(market, tmp_path_factory):
    return ingest_trades(market[2], tmp_path_factory.mktemp("batch") / "trades").store


def _day_inputs(store, day):
    days = list_partitions(store)
    window = read_partitions([partition_dir(store, d) for d in days if d in set(lookback_days(day))],
                             FEATURE_INPUT_COLUMNS)
    history = read_partitions([partition_dir(store, d) for d in days if d <= day], PAIR_INPUT_COLUMNS)
    return window, pair_history_rows(history)


@pytest.mark.parametrize("value, expected", [("2026-01-05", dt.date(2026, 1, 5)), (" 2026-12-31 ", dt.date(2026, 12, 31)),
                                             (dt.date(2026, 2, 1), dt.date(2026, 2, 1))])
def test_parse_day_accepts_iso_dates(value, expected):
    assert parse_day(value) == expected


@pytest.mark.parametrize("value", ["2026-02-30", "05/01/2026", "", "yesterday", dt.datetime(2026, 1, 5, 9)])
def test_parse_day_refuses_anything_else_naming_the_value(value):
    with pytest.raises(ConfigError, match="--date"):
        parse_day(value)


def test_lookback_covers_the_longest_window():
    days = lookback_days(dt.date(2026, 1, 10))
    assert days[0] == dt.date(2026, 1, 3) and days[-1] == dt.date(2026, 1, 10) and len(days) == 8


def test_ingest_partitions_by_utc_booking_date_drops_labels_keeps_microseconds(market, store):
    trades = market[2]
    days = list_partitions(store)
    assert days == sorted(set(trades["booking_ts"].dt.date))
    part = pd.read_parquet(partition_dir(store, days[3]))
    assert "is_anomaly" not in part.columns and "anomaly_type" not in part.columns
    assert str(part["booking_ts"].dtype) == "datetime64[us, UTC]"
    assert (part["booking_ts"].dt.date == days[3]).all()
    assert sum(len(pd.read_parquet(partition_dir(store, d))) for d in days) == len(trades)


def test_ingest_refuses_sub_microsecond_timestamps(market, tmp_path):
    trades = market[2].head(5).copy()
    trades["booking_ts"] = trades["booking_ts"].dt.as_unit("ns") + pd.Timedelta(1, "ns")
    with pytest.raises(DataValidationError, match="sub-microsecond"):
        ingest_trades(trades, tmp_path / "trades")
    assert not (tmp_path / "trades").exists()


@pytest.mark.parametrize("offset", [0, 7, 10, -1])
def test_day_features_equal_features_built_on_all_history(market, store, offset):
    ref, prices, trades = market
    days = list_partitions(store)
    day = days[offset]
    window, pairs = _day_inputs(store, day)
    got = features_for_day(window, pairs, ref=ref, prices=prices, day=day)
    start, end = day_bounds(day)
    full = build_trade_features(trades, ref, prices)
    want = full[(full["booking_ts"] >= start) & (full["booking_ts"] < end)]
    want = want.sort_values("trade_id").reset_index(drop=True)
    assert list(got.columns) == list(FEATURE_COLUMNS) and len(got) == len(want) > 0
    assert got["trade_id"].tolist() == want["trade_id"].tolist()
    for col in FEATURE_COLUMNS:
        if got[col].dtype == "float64":
            # rolling sums restart at the window's first partition: equal up to float rounding
            np.testing.assert_allclose(got[col], want[col], rtol=1e-9, atol=1e-9, err_msg=col)
        else:
            assert got[col].astype(str).tolist() == want[col].astype(str).tolist(), col


def test_desk_partitions_give_bit_identical_features(market, store):
    """What the Spark engine does: one call per desk, concatenated, equals one call on everything."""
    ref, prices, _ = market
    day = list_partitions(store)[8]
    window, pairs = _day_inputs(store, day)
    whole = features_for_day(window, pairs, ref=ref, prices=prices, day=day)
    parts = [features_for_day(window[window["desk"] == d], pairs[pairs["desk"] == d], ref=ref, prices=prices, day=day)
             for d in sorted(window["desk"].unique())]
    by_desk = pd.concat([p for p in parts if len(p)]).sort_values("trade_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(by_desk, whole, check_exact=True)


def test_a_desk_without_trades_that_day_gives_an_empty_frame_with_the_schema(market, store):
    ref, prices, _ = market
    day = list_partitions(store)[8]
    window, pairs = _day_inputs(store, day)
    out = features_for_day(window.head(0), pairs.head(0), ref=ref, prices=prices, day=day)
    assert list(out.columns) == list(FEATURE_COLUMNS) and len(out) == 0


_times = st.integers(min_value=0, max_value=20).map(lambda m: pd.Timestamp("2026-01-05", tz="UTC") + pd.Timedelta(minutes=m))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["B1", "B2"]), st.sampled_from(["C1", "C2", "C3"]), _times),
                min_size=1, max_size=25))
def test_prior_pair_counts_from_history_equal_counting_in_the_frame(rows):
    """Point-in-time pair history (strictly before, ties excluded) == the feature layer's own count."""
    events = pd.DataFrame(rows, columns=["book", "counterparty_id", "booking_ts"])
    events["desk"] = "D1"
    events["booking_ts"] = pd.to_datetime(events["booking_ts"], utc=True)
    got = prior_pair_counts(events, pair_history_rows(events))
    want = counterparty_prior_trades(events)
    assert got.tolist() == want.tolist()
