"""The fast request-time path gives the reference path's features exactly, and the batch features.

``fast_request_features`` re-implements the request path on plain numbers; these tests pin it to
``compute_request_features`` (bit for bit) and to ``build_trade_features`` (within 1e-9 relative) on
random trader histories that hit every window edge: same-instant bookings, bookings exactly ``w``
before, cancels, later (replayed) events, unknown desks and counterparties, DST and holidays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from feature_frames import make_trades
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_impl.errors import FeatureStoreError
from reference_impl.features.columns import CONTEXT_FEATURES, MODEL_FEATURES, WINDOWS, window_delta
from reference_impl.features.request import RequestContext, compute_request_features, fast_request_features
from reference_impl.features.rows import trader_history_snapshot
from reference_impl.features.transforms import build_trade_features

NUMERIC = [*MODEL_FEATURES, *CONTEXT_FEATURES]
BASE = pd.Timestamp("2026-01-01", tz="UTC")
MINUTE = pd.Timedelta(minutes=1)


def reference_tables() -> dict[str, pd.DataFrame]:
    """Two desks (a third desk in the events is unknown), one holiday, one onboarded counterparty."""
    desks = pd.DataFrame({
        "desk": ["EQ_LDN", "EQ_NYC"], "tz": ["Europe/London", "America/New_York"],
        "open_local": ["08:00", "09:30"], "close_local": ["16:30", "16:00"],
        "notional_limit_usd": [1e6, 2e6], "booking_sla_minutes": [30, 60],
    })
    calendar = pd.DataFrame({"date": pd.date_range("2025-12-01", periods=420, freq="D").date, "is_trading_day": True})
    calendar.loc[calendar["date"] == pd.Timestamp("2026-05-04").date(), "is_trading_day"] = False
    counterparties = pd.DataFrame({"counterparty_id": ["CP1"], "onboarded_date": ["2025-06-01"]})
    return {"desks": desks, "calendar": calendar, "counterparties": counterparties}


REF = reference_tables()

# minutes before the request event: window edges (1h, 1d, 7d and one minute past them), ties, anything
_OFFSETS = st.one_of(st.sampled_from([0, 1, 59, 60, 61, 1439, 1440, 1441, 10079, 10080, 10081]),
                     st.integers(0, 120), st.integers(0, 8 * 24 * 60))
_NOTIONAL = st.one_of(st.sampled_from([1_000.0, 25_000.0, 1e5]), st.integers(1, 10**7).map(float))
_EVENT = st.fixed_dictionaries({
    "tid": st.integers(0, 999),
    "event_type": st.sampled_from(["new", "new", "amend", "cancel"]),
    "instrument_id": st.sampled_from(["VOD", "BP"]),
    "counterparty_id": st.sampled_from(["CP1", "CP2"]),
    "side": st.sampled_from(["BUY", "SELL"]),
    "quantity": st.sampled_from([10.0, 20.0]),
    "price": st.sampled_from([100.0, 101.5]),
    "notional_usd": _NOTIONAL,
    "delay_s": st.integers(-60, 4 * 3600),
    "rebooking": st.sampled_from([False, False, True]),  # same economics as the request: a duplicate or wash leg
})
_PRICE_AGES = st.sampled_from([0, 1, 1440, 1441]) | st.integers(-60, 3000)  # minutes before exec_ts
_ECONOMICS = ("instrument_id", "counterparty_id", "side", "quantity", "price", "exec_ts")


@st.composite
def scenarios(draw, *, later_events: bool) -> dict:
    """A request event at ``t`` plus its trader's history (bookings up to 8 days before, ties included)."""
    t = BASE + draw(st.integers(0, 360 * 24 * 60)) * MINUTE + pd.Timedelta(microseconds=draw(st.integers(0, 10**6)))
    events = draw(st.lists(_EVENT, min_size=1, max_size=25, unique_by=lambda e: e["tid"]))
    offsets = draw(st.lists(_OFFSETS, min_size=len(events), max_size=len(events)))
    if later_events:  # the store may hold events booked after the one being (re)scored
        offsets = [o if draw(st.booleans()) else -draw(st.integers(1, 30)) for o in offsets]
    rows = []
    for e, minutes_before, i in zip(events, offsets, range(len(events))):
        booking = t - minutes_before * MINUTE if i else t  # the first event is the request
        row = {"trade_id": f"X{e['tid']:03d}", "booking_ts": booking,
               "exec_ts": booking - pd.Timedelta(seconds=e["delay_s"]),
               **{k: v for k, v in e.items() if k not in ("tid", "delay_s", "rebooking")}}
        if i and e["rebooking"]:
            row.update({k: rows[0][k] for k in _ECONOMICS})
            row["side"] = draw(st.sampled_from(["BUY", "SELL"]))
        rows.append(row)
    rows[0]["desk"] = draw(st.sampled_from(["EQ_LDN", "EQ_NYC", "FX_TKY"]))
    price_rows = [{"instrument_id": draw(st.sampled_from(["VOD", "BP"])),
                   "ts": rows[0]["exec_ts"] - draw(_PRICE_AGES) * MINUTE,
                   "price": draw(st.sampled_from([99.0, 100.0, 102.0]))} for _ in range(draw(st.integers(0, 6)))]
    prices = pd.DataFrame(price_rows, columns=["instrument_id", "ts", "price"])
    prices["ts"] = pd.to_datetime(prices["ts"], utc=True)
    prices["instrument_id"] = prices["instrument_id"].astype("str")
    return {"trades": make_trades(rows), "prices": prices}


def online_rows(trades: pd.DataFrame) -> dict:
    """What the online store would serve for ``trades.iloc[0]``: the trader's snapshot and its pair state."""
    event, history = trades.iloc[0], trades.iloc[1:]
    snapshot = trader_history_snapshot(history) if len(history) else None
    prior = history[(history["book"] == event["book"]) & (history["counterparty_id"] == event["counterparty_id"])
                    & (history["booking_ts"] < event["booking_ts"])]
    pair = None if prior.empty else {"event_ts": prior["booking_ts"].max(), "trades_to_date": float(len(prior))}
    return {"trader_history": None if snapshot is None else snapshot.iloc[0].to_dict(), "counterparty_pair": pair}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(later_events=True))
def test_fast_path_equals_reference_path_exactly(case):
    trades, prices = case["trades"], case["prices"]
    event, state = trades.iloc[[0]], online_rows(trades)
    expected = compute_request_features(event, state, REF, prices)
    got = fast_request_features(event, state, RequestContext.from_reference(REF, prices))
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(later_events=False))
def test_fast_path_equals_batch_features(case):
    trades, prices = case["trades"], case["prices"]
    batch = build_trade_features(trades, REF, prices).iloc[0]
    got = fast_request_features(trades.iloc[[0]], online_rows(trades), RequestContext.from_reference(REF, prices))
    np.testing.assert_allclose(got[NUMERIC].iloc[0].to_numpy(dtype="float64"), batch[NUMERIC].to_numpy(dtype="float64"),
                               rtol=1e-9, atol=0, equal_nan=True)


def _event(**overrides) -> pd.DataFrame:
    row = {"trade_id": "E1", "booking_ts": pd.Timestamp("2026-03-02 10:00", tz="UTC"),
           "exec_ts": pd.Timestamp("2026-03-02 09:59:30.123456", tz="UTC"), **overrides}
    return make_trades([row])


def test_mapping_event_gives_the_same_frame_as_a_one_row_frame():
    frame = _event(counterparty_id="CP1")
    row = frame.iloc[0].to_dict()
    ctx = RequestContext.from_reference(REF)
    state = {"trader_history": None, "counterparty_pair": None}
    got = fast_request_features(row, state, ctx, reference_price=101.0)
    from_frame = fast_request_features(frame, state, ctx, reference_price=101.0)
    pd.testing.assert_frame_equal(got, from_frame, check_exact=True)
    pd.testing.assert_frame_equal(got, compute_request_features(frame, state, REF, 101.0), check_exact=True)


@pytest.mark.parametrize("age,found", [
    (pd.Timedelta(0), True), (pd.Timedelta(days=1), True),
    (pd.Timedelta(days=1, microseconds=1), False), (-pd.Timedelta(seconds=1), False),
])
def test_reference_price_is_the_last_at_or_before_exec_within_a_day(age, found):
    event = _event(instrument_id="VOD")
    exec_ts = event["exec_ts"].iloc[0]
    prices = pd.DataFrame({"instrument_id": ["VOD", "VOD", "VOD"],
                           "ts": [exec_ts - age] * 2 + [exec_ts - 2 * pd.Timedelta(days=1)],
                           "price": [101.0, 102.0, 90.0]})  # two prices at the same instant: the last one wins
    got = RequestContext.from_reference(REF, prices).reference_price("VOD", exec_ts.value)
    assert (got == 102.0) if found else np.isnan(got)
    expected = compute_request_features(event, {}, REF, prices)["reference_price"].iloc[0]
    assert got == expected or (np.isnan(got) and np.isnan(expected))


@pytest.mark.parametrize("change,message", [
    (lambda e: e.pop("price"), "missing field(s): price"),
    (lambda e: e.update(booking_ts=pd.Timestamp("2026-03-02 10:00")), "'booking_ts' must be a tz-aware"),
])
def test_bad_events_are_rejected_naming_the_field(change, message):
    row = _event().iloc[0].to_dict()
    change(row)
    with pytest.raises(FeatureStoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fast_request_features(row, {}, RequestContext.from_reference(REF))


def test_pair_state_not_older_than_the_event_is_refused_like_the_reference_path():
    event = _event()
    state = {"counterparty_pair": {"event_ts": event["booking_ts"].iloc[0], "trades_to_date": 3.0}}
    for compute in (lambda: compute_request_features(event, state, REF, None),
                    lambda: fast_request_features(event, state, RequestContext.from_reference(REF))):
        with pytest.raises(FeatureStoreError, match="strictly before the event"):
            compute()


def test_more_than_one_event_is_refused():
    two = make_trades([{"booking_ts": "2026-03-02 10:00"}, {"booking_ts": "2026-03-02 10:01"}])
    with pytest.raises(FeatureStoreError, match="exactly one event, got 2"):
        fast_request_features(two, {}, RequestContext.from_reference(REF))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3 * 24 * 60), st.one_of(st.floats(1.0, 1e9), st.just(float("nan")),
                                                                 st.just(float("inf")))), min_size=1, max_size=40),
       st.sampled_from(WINDOWS))
def test_rolling_kernels_match_series_rolling_to_the_bit(points, window):
    """The direct kernel call is what ``Series.rolling(w, closed="left")`` computes, ties and NaN/inf included."""
    from reference_impl.features.request import _rolling_at

    points = sorted(points, key=lambda p: p[0])  # minutes, with repeats (same-instant bookings)
    ts = np.array([m * 60 * 10**9 for m, _ in points], dtype=np.int64)
    x = np.array([v for _, v in points], dtype="float64")
    roll = pd.Series(x, index=pd.DatetimeIndex(ts.astype("datetime64[ns]"))).rolling(window_delta(window), closed="left")
    expected = (roll.mean().iat[-1], roll.std().iat[-1])
    got = _rolling_at(ts, x, window)
    for g, e in zip(got, expected):
        assert (g == e) or (np.isnan(g) and np.isnan(e)), (got, expected)


def test_many_events_give_the_rows_of_one_event_at_a_time():
    """``fast_request_features_many`` builds the frame once; its rows are the single-event frames, exactly."""
    from reference_impl.features.request import fast_request_features_many

    trades = make_trades([{"booking_ts": BASE + i * MINUTE, "trader_id": f"T{i % 3}", "price": 100.0 + i,
                           "desk": ["EQ_LDN", "EQ_NYC", "EQ_TKY"][i % 3]} for i in range(30)])
    ctx = RequestContext.from_reference(reference_tables())
    events = [{c: trades[c].iat[i] for c in trades.columns} for i in range(len(trades))]
    states = [{"trader_history": None, "counterparty_pair": None}] * len(events)
    one_by_one = pd.concat([fast_request_features(e, s, ctx) for e, s in zip(events, states)], ignore_index=True)
    pd.testing.assert_frame_equal(fast_request_features_many(events, states, ctx), one_by_one, check_exact=True)
    with pytest.raises(FeatureStoreError, match="online states for"):
        fast_request_features_many(events, states[:-1], ctx)
