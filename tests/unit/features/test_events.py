"""normalise_events: the one door trade events come in by, for a frame (batch, Spark) or one request mapping."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.features import latest_usd_rates, normalise_events

RATES = {"GBP": 1.25, "EUR": 1.08}


def _event(**overrides):
    event = {"trade_id": "T1", "exec_ts": dt.datetime(2026, 3, 2, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=1))),
             "booking_ts": dt.datetime(2026, 3, 2, 9, 15, 4, tzinfo=dt.timezone.utc), "quantity": 10.0,
             "price": 100.0, "currency": "GBP", "notional_usd": None}
    return {**event, **overrides}


@pytest.mark.parametrize("value", [
    dt.datetime(2026, 3, 2, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=1))),  # aware, another offset
    pd.Timestamp("2026-03-02 04:15", tz="America/New_York"),
    "2026-03-02T09:15:00Z",
    "2026-03-02 09:15:00",  # naive: read as UTC at this edge
    dt.datetime(2026, 3, 2, 9, 15),
])
def test_timestamps_become_utc_in_both_forms(value):
    row = normalise_events(_event(exec_ts=value))
    frame = normalise_events(pd.DataFrame([_event(exec_ts=value)]))
    assert row["exec_ts"] == pd.Timestamp("2026-03-02 09:15", tz="UTC") == frame["exec_ts"].iloc[0]
    assert str(row["exec_ts"].tz) == "UTC" and str(frame["exec_ts"].dt.tz) == "UTC"


@pytest.mark.parametrize("overrides, expected", [
    ({"currency": "USD"}, 1000.0),
    ({"currency": "GBP"}, 1250.0),
    ({"currency": "SEK"}, float("nan")),  # no rate: unknown, not a guess
    ({"notional_usd": 7.0}, 7.0),  # given: kept
    ({"notional_usd": float("nan")}, 1250.0),  # missing: filled
    ({"notional": 2000.0}, 2500.0),  # the event's own notional wins over quantity * price
])
def test_usd_notional_is_filled_from_fx_only_where_missing(overrides, expected):
    row = normalise_events(_event(**overrides), RATES)["notional_usd"]
    frame = normalise_events(pd.DataFrame([_event(**overrides)]), RATES)["notional_usd"]
    assert frame.dtype == "float64" and isinstance(row, float)
    for got in (row, frame.iloc[0]):
        assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_a_normalised_frame_is_returned_as_is_and_inputs_are_never_modified():
    frame = normalise_events(pd.DataFrame([_event(), _event(trade_id="T2", currency="USD")]), RATES)
    assert normalise_events(frame) is frame  # nothing to do: no copy (the batch engines call it per partition)
    naive = frame.assign(exec_ts=frame["exec_ts"].dt.tz_localize(None))  # what Spark hands a pandas UDF
    before = naive.copy()
    out = normalise_events(naive)
    pd.testing.assert_frame_equal(naive, before)
    pd.testing.assert_frame_equal(out, frame)
    event = _event()
    normalise_events(event, RATES)
    assert event == _event()


def test_a_frame_without_notional_keeps_only_the_timestamp_rule():
    pairs = pd.DataFrame({"book": ["B1"], "event_ts": pd.to_datetime(["2026-03-02 09:00"]),
                          "available_at": pd.to_datetime(["2026-03-02 09:00"])})
    out = normalise_events(pairs)
    assert list(out.columns) == list(pairs.columns) and str(out["event_ts"].dt.tz) == "UTC"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(1e-3, 1e9), st.floats(1e-3, 1e6), st.sampled_from(["USD", "GBP", "EUR", "SEK"]),
                          st.one_of(st.none(), st.floats(1.0, 1e12)), st.integers(0, 10**15)), min_size=1, max_size=8))
def test_the_frame_and_the_mapping_give_the_same_values(events):
    rows = [_event(trade_id=f"T{i}", quantity=q, price=p, currency=c, notional_usd=usd,
                   exec_ts=pd.Timestamp(ns, unit="ns", tz="UTC").to_pydatetime(warn=False))
            for i, (q, p, c, usd, ns) in enumerate(events)]
    frame = normalise_events(pd.DataFrame(rows), RATES)
    for i, row in enumerate(rows):
        one = normalise_events(row, RATES)
        assert np.array_equal([one["notional_usd"]], [frame["notional_usd"].iloc[i]], equal_nan=True)
        assert one["exec_ts"] == frame["exec_ts"].iloc[i] and one["booking_ts"] == frame["booking_ts"].iloc[i]


def test_latest_usd_rates_takes_each_currencys_last_rate():
    fx = pd.DataFrame({"date": pd.to_datetime(["2026-01-02", "2026-01-01", "2026-01-01"]),
                       "currency": ["GBP", "GBP", "EUR"], "usd_per_unit": [1.3, 1.2, 1.1]})
    assert latest_usd_rates(fx) == {"GBP": 1.3, "EUR": 1.1}
    assert latest_usd_rates(None) == {} and latest_usd_rates(fx.iloc[:0]) == {}
