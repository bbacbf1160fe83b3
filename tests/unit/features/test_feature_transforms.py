"""Trade transforms: values worked out by hand, leakage, partition invariance, missing values, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_impl.errors import FeatureStoreError
from reference_impl.features import transforms as tf
from reference_impl.features.columns import CONTEXT_FEATURES, MODEL_FEATURES
from reference_impl.features.request import compute_request_features
from reference_impl.features.rows import trader_history_snapshot
from feature_frames import make_trades


def _at(minutes: list[int], notionals: list[float], **extra) -> pd.DataFrame:
    start = pd.Timestamp("2026-03-02 09:00", tz="UTC")
    return make_trades([{"booking_ts": start + pd.Timedelta(minutes=m), "notional_usd": x, **extra}
                        for m, x in zip(minutes, notionals)])


def test_rolling_stats_use_only_earlier_trades():
    trades = _at([0, 10, 20, 30], [10.0, 20.0, 30.0, 100.0])
    out = tf.trader_rolling_features(trades, ["1h"])
    assert out["trader_trade_count_1h"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert out["trader_notional_mean_1h"].iloc[3] == pytest.approx(20.0)
    assert out["trader_notional_std_1h"].iloc[3] == pytest.approx(10.0)
    assert out["notional_zscore_1h"].iloc[3] == pytest.approx(8.0)
    assert out["notional_zscore_1h"].iloc[:3].isna().all()  # fewer than MIN_ZSCORE_HISTORY prior trades


def test_window_is_time_based_and_left_closed():
    # 09:00 and 09:30 are inside [10:00 - 1h, 10:00); 08:59 is not
    trades = _at([-1, 0, 30, 60], [1.0, 2.0, 3.0, 4.0])
    out = tf.trader_rolling_features(trades, ["1h"])
    assert out["trader_trade_count_1h"].iloc[3] == 2.0
    assert out["trader_notional_mean_1h"].iloc[3] == pytest.approx(2.5)


def test_same_instant_trades_do_not_see_each_other():
    trades = _at([0, 0, 0], [1.0, 2.0, 3.0])
    out = tf.trader_rolling_features(trades, ["1h"])
    assert out["trader_trade_count_1h"].tolist() == [0.0, 0.0, 0.0]


def test_cancels_are_not_activity():
    trades = _at([0, 10, 20], [5.0, 5.0, 7.0])
    trades.loc[1, "event_type"] = "cancel"
    out = tf.trader_rolling_features(trades, ["1h"])
    assert out["trader_trade_count_1h"].tolist() == [0.0, 1.0, 1.0]


def test_late_arriving_trade_counts_from_its_booking_time():
    # executed first but booked last: it must not appear in the history of trades booked before it
    start = pd.Timestamp("2026-03-02 09:00", tz="UTC")
    trades = make_trades([
        {"exec_ts": start, "booking_ts": start + pd.Timedelta(hours=3), "notional_usd": 1e6},
        {"booking_ts": start + pd.Timedelta(minutes=30), "notional_usd": 10.0},
        {"booking_ts": start + pd.Timedelta(minutes=40), "notional_usd": 10.0},
    ])
    out = tf.trader_rolling_features(trades, ["1d"])
    assert out["trader_trade_count_1d"].tolist() == [2.0, 0.0, 1.0]
    assert out["trader_notional_mean_1d"].iloc[2] == 10.0


def test_output_keeps_index_order_and_dtypes(ref, prices):
    trades = _at([0, 10, 20, 30], [10.0, 20.0, 30.0, 100.0])
    shuffled = trades.iloc[[2, 0, 3, 1]].set_axis([40, 7, 99, 3])
    out = tf.build_trade_features(shuffled, ref, prices)
    assert out.index.tolist() == [40, 7, 99, 3]
    assert out["trade_id"].tolist() == shuffled["trade_id"].tolist()
    assert out.loc[3, "trader_trade_count_1h"] == 1.0  # X001 at 09:10 sees X000 only
    for col in (*MODEL_FEATURES, *CONTEXT_FEATURES):
        assert out[col].dtype == np.float64, col


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 3000), st.floats(1.0, 1e6), st.sampled_from(["T1", "T2"])),
                min_size=1, max_size=25),
       st.integers(0, 24))
def test_no_leakage_later_trades_never_change_earlier_features(events, cut):
    start = pd.Timestamp("2026-03-02 09:00", tz="UTC")
    trades = make_trades([{"booking_ts": start + pd.Timedelta(minutes=m), "notional_usd": x, "trader_id": t}
                          for m, x, t in events])
    full = tf.trader_rolling_features(trades)
    t_cut = trades["booking_ts"].sort_values().iloc[min(cut, len(trades) - 1)]
    # wipe out everything booked at or after t_cut: rows before it must not move
    early = trades[trades["booking_ts"] < t_cut]
    partial = tf.trader_rolling_features(early)
    pd.testing.assert_frame_equal(partial, full.loc[early.index], rtol=1e-9)


def test_partition_by_trader_gives_the_same_rows(ref, prices):
    trades = pd.concat([_at([0, 5, 50], [1.0, 2.0, 3.0], trader_id="A"),
                        _at([1, 6, 70], [4.0, 8.0, 9.0], trader_id="B", book="EQ_LDN-B2")], ignore_index=True)
    trades["trade_id"] = [f"Z{i}" for i in range(len(trades))]
    full = tf.build_trade_features(trades, ref, prices)
    parts = pd.concat([tf.build_trade_features(g, ref, prices) for _, g in trades.groupby("trader_id")])
    pd.testing.assert_frame_equal(parts.sort_index(), full.sort_index())


def test_price_deviation_uses_last_price_at_or_before_execution(ref, prices):
    trades = make_trades([
        {"booking_ts": "2026-03-02 09:30", "price": 101.0},                       # ref 100 -> +100 bp
        {"booking_ts": "2026-03-02 10:00", "price": 99.0},                        # ref 110 (exact match)
        {"booking_ts": "2026-03-02 08:59", "price": 99.0},                        # before any price -> NaN
        {"booking_ts": "2026-03-05 09:00", "price": 99.0},                        # stale (> 1 day) -> NaN
        {"booking_ts": "2026-03-02 09:30", "price": 50.0, "instrument_id": "XX"},  # unknown -> NaN
    ])
    out = tf.build_trade_features(trades, ref, prices)
    dev = out["price_deviation_bps"]
    assert dev.iloc[0] == pytest.approx(100.0)
    assert dev.iloc[1] == pytest.approx((99.0 - 110.0) / 110.0 * 1e4)
    assert dev.iloc[2:].isna().all()
    assert out["abs_price_deviation_bps"].iloc[1] == pytest.approx(abs(dev.iloc[1]))


@pytest.mark.parametrize(("exec_ts", "desk", "expected"), [
    ("2026-01-07 07:30", "EQ_LDN", 1.0),   # 07:30 GMT: before the 08:00 open
    ("2026-07-01 07:30", "EQ_LDN", 0.0),   # 08:30 BST: open (daylight saving handled by the zone)
    ("2026-07-01 15:45", "EQ_LDN", 1.0),   # 16:45 BST: after the 16:30 close
    ("2026-03-02 14:00", "EQ_NYC", 1.0),   # 09:00 EST: before New York's 09:30 open
    ("2026-03-02 15:00", "EQ_NYC", 0.0),   # 10:00 EST: open
    ("2026-03-07 12:00", "EQ_LDN", 1.0),   # Saturday
    ("2026-05-04 12:00", "EQ_LDN", 1.0),   # holiday in the calendar
    ("2026-03-02 12:00", "NOPE", math.nan),  # unknown desk: missing, not guessed
])
def test_off_hours_in_desk_local_time(ref, exec_ts, desk, expected):
    trades = make_trades([{"booking_ts": exec_ts, "desk": desk}])
    got = tf.off_hours_flag(trades, ref["desks"], ref["calendar"]).iloc[0]
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_counterparty_novelty_and_prior_count():
    trades = make_trades([
        {"booking_ts": "2026-03-02 09:00"},
        {"booking_ts": "2026-03-02 09:05"},
        {"booking_ts": "2026-03-02 09:05", "counterparty_id": "CP2", "event_type": "amend"},
        {"booking_ts": "2026-03-02 09:10", "book": "EQ_LDN-B2"},        # same cpty, other book: new
    ])
    prior = tf.counterparty_prior_trades(trades)
    assert prior.tolist() == [0.0, 1.0, 0.0, 0.0]
    assert tf.novelty_flag(prior, trades["event_type"]).tolist() == [1.0, 0.0, 0.0, 1.0]


def test_booking_delay_and_sla_ratio(ref, prices):
    trades = make_trades([{"exec_ts": "2026-03-02 09:00", "booking_ts": "2026-03-02 09:45"},
                          {"exec_ts": "2026-03-02 09:00", "booking_ts": "2026-03-02 08:59"}])
    out = tf.build_trade_features(trades, ref, prices)
    assert out["booking_delay_s"].tolist() == [2700.0, -60.0]
    assert out["booking_delay_sla_ratio"].iloc[0] == pytest.approx(1.5)


def test_request_path_equals_batch(ref, prices):
    trades = _at([0, 10, 20, 30, 40], [10.0, 20.0, 30.0, 100.0, 55.0])
    batch = tf.build_trade_features(trades, ref, prices)
    history = trader_history_snapshot(trades.iloc[:4])
    state = {"trader_history": {"recent_events": history["recent_events"].iloc[0]},
             "counterparty_pair": {"trades_to_date": 4.0, "event_ts": trades["booking_ts"].iloc[3]}}
    online = compute_request_features(trades.iloc[[4]], state, ref, prices)
    pd.testing.assert_frame_equal(online, batch.iloc[[4]])


def test_request_path_without_state_is_a_first_trade(ref):
    trades = _at([0], [10.0])
    out = compute_request_features(trades, {}, ref, 100.0)
    assert out["trader_trade_count_7d"].iloc[0] == 0.0
    assert out["is_new_counterparty"].iloc[0] == 1.0
    assert out["price_deviation_bps"].iloc[0] == 0.0


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t.drop(columns=["booking_ts"]), "missing column(s): booking_ts"),
    (lambda t: t.assign(booking_ts=t["booking_ts"].dt.tz_localize(None)), "'booking_ts' must hold tz-aware"),
    (lambda t: t.assign(exec_ts="2026-03-02"), "'exec_ts' must hold tz-aware"),
    (lambda t: pd.concat([t, t]), "duplicated index"),
])
def test_bad_trades_raise_naming_the_column(ref, prices, mutate, message):
    with pytest.raises(FeatureStoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tf.build_trade_features(mutate(_at([0, 1], [1.0, 2.0])), ref, prices)


def test_request_path_refuses_state_from_the_future(ref):
    trades = _at([0], [10.0])
    state = {"counterparty_pair": {"trades_to_date": 1.0, "event_ts": trades["booking_ts"].iloc[0]}}
    with pytest.raises(FeatureStoreError, match="strictly before"):
        compute_request_features(trades, state, ref, 100.0)


def test_empty_frame_gives_empty_features(ref, prices):
    out = tf.build_trade_features(_at([0], [1.0]).iloc[:0], ref, prices)
    assert len(out) == 0 and "notional_zscore_7d" in out.columns


def test_duplicate_bookings_and_wash_legs_are_counted_from_earlier_bookings():
    trades = make_trades([
        {"exec_ts": "2026-03-02 09:00", "booking_ts": "2026-03-02 09:01"},                    # original
        {"exec_ts": "2026-03-02 09:00", "booking_ts": "2026-03-02 10:30"},                    # duplicate
        {"exec_ts": "2026-03-02 09:00", "booking_ts": "2026-03-02 10:40", "event_type": "cancel"},
        {"exec_ts": "2026-03-02 09:05", "booking_ts": "2026-03-02 09:06", "side": "SELL"},    # opposite leg
        {"exec_ts": "2026-03-02 09:07", "booking_ts": "2026-03-02 09:08", "side": "SELL", "quantity": 11.0},
    ])
    out = tf.duplicate_and_wash_counts(trades)
    assert out["duplicate_prior_bookings_1d"].tolist() == [0.0, 1.0, 2.0, 0.0, 0.0]
    assert out["opposite_side_matches_1h"].tolist() == [0.0, 0.0, 0.0, 1.0, 0.0]


def test_counterparty_age_in_days_and_unknown_counterparty():
    trades = make_trades([{"exec_ts": "2026-03-03 12:00", "booking_ts": "2026-03-03 12:00"},
                          {"exec_ts": "2026-03-03 12:00", "booking_ts": "2026-03-03 12:00", "counterparty_id": "??"}])
    cps = pd.DataFrame({"counterparty_id": ["CP1"], "onboarded_date": [pd.Timestamp("2026-03-01").date()]})
    age = tf.counterparty_age_days(trades, cps)
    assert age.iloc[0] == pytest.approx(2.5) and math.isnan(age.iloc[1])
    assert tf.counterparty_age_days(trades, None).isna().all()
