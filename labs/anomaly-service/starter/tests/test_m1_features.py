"""Milestone 1: per-trade features, point-in-time — the history a trade sees is what was booked before it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from anomaly_lab import COLUMNS, FEATURES, AnomalyLabError, trade_features
from conftest import all_features, data

T0 = pd.Timestamp("2026-03-02 10:00", tz="UTC")  # a Monday


def trades_frame(*rows: dict) -> pd.DataFrame:
    """Trade events: an EQ_LDN trader buying 100 X1 at 50 from CP00001, unless a row says otherwise.

    ``booked``/``executed`` are minutes after 2026-03-02 10:00 UTC (executed defaults to booked).
    """
    out = []
    for i, row in enumerate(rows):
        row = dict(row)
        booked = T0 + pd.Timedelta(minutes=row.pop("booked", i))
        executed = T0 + pd.Timedelta(minutes=row.pop("executed", (booked - T0).total_seconds() / 60))
        base = {
            "trade_id": f"T{i:03d}",
            "event_type": "new",
            "exec_ts": executed,
            "booking_ts": booked,
            "desk": "EQ_LDN",
            "book": "EQ_LDN-B1",
            "trader_id": "EQ_LDN-T01",
            "counterparty_id": "CP00001",
            "instrument_id": "X1",
            "side": "BUY",
            "quantity": 100.0,
            "price": 50.0,
        }
        base.update(row)
        base.setdefault("notional_usd", base["quantity"] * base["price"])
        out.append(base)
    frame = pd.DataFrame(out)
    for col in ("exec_ts", "booking_ts"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def prices_frame(*points: tuple[float, float]) -> pd.DataFrame:
    """Reference prices of X1: (minutes after T0, price)."""
    return pd.DataFrame(
        {
            "instrument_id": ["X1"] * len(points),
            "ts": pd.to_datetime([T0 + pd.Timedelta(minutes=m) for m, _ in points], utc=True),
            "price": [float(p) for _, p in points],
        }
    )


def feats(frame: pd.DataFrame, prices: pd.DataFrame | None = None) -> pd.DataFrame:
    return trade_features(frame, data()["ref"], prices_frame((-60, 50.0)) if prices is None else prices)


def col(frame: pd.DataFrame, name: str, prices: pd.DataFrame | None = None) -> list:
    return [None if pd.isna(v) else round(float(v), 6) for v in feats(frame, prices)[name]]


def test_one_row_per_trade_with_the_declared_columns():
    trades = data()["trades"]
    out = all_features()
    assert list(out.columns) == list(COLUMNS), f"columns: expected {list(COLUMNS)}, got {list(out.columns)}"
    assert out.index.equals(trades.index), "the feature frame must keep the trades' index and order"
    wrong = {c: str(out[c].dtype) for c in FEATURES if out[c].dtype != np.float64}
    assert not wrong, f"every feature must be float64, got {wrong}"
    assert out["trade_id"].tolist() == trades["trade_id"].tolist(), "trade_id must be carried through in order"


def test_adding_later_trades_changes_no_earlier_feature():
    """No look-ahead: a trade's features are the same whether or not later bookings are in the frame."""
    d = data()
    trades = d["trades"]
    cut = trades["booking_ts"].sort_values().iloc[len(trades) // 2]
    early = trades[trades["booking_ts"] < cut]
    alone = trade_features(early, d["ref"], d["prices"])
    full = all_features().loc[early.index]
    bad = {}
    for c in FEATURES:
        a, b = alone[c].to_numpy(), full[c].to_numpy()
        differs = ~((np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True))
        if differs.any():
            bad[c] = int(differs.sum())
    assert not bad, (
        f"look-ahead: these features of trades booked before {cut} change when later trades are added "
        f"(column: rows that changed): {bad}"
    )


def test_size_against_the_traders_recent_history():
    frame = trades_frame(*({"quantity": q / 50.0} for q in (10.0, 20.0, 30.0, 100.0)))
    z = col(frame, "notional_zscore_7d")
    counts = col(frame, "trader_trade_count_1d")
    assert counts == [0.0, 1.0, 2.0, 3.0], (
        f"trader_trade_count_1d counts earlier bookings only: want [0,1,2,3], got {counts}"
    )
    assert z == [None, None, None, 8.0], (
        f"notional_zscore_7d: NaN with < 3 prior trades, then (100 - 20) / 10 = 8.0 (sample std); got {z}"
    )


def test_a_late_booking_counts_from_when_it_was_booked():
    frame = trades_frame(
        {"executed": 0, "booked": 300},  # executed 10:00, booked 15:00
        {"booked": 120},  # booked 12:00: cannot know about the 10:00 trade yet
        {"booked": 360},  # booked 16:00: sees both
    )
    counts = col(frame, "trader_trade_count_1d")
    assert counts == [1.0, 0.0, 2.0], (
        f"history is by booking time: the trade booked at 12:00 must not see the one executed at 10:00 but "
        f"booked at 15:00 (want [1, 0, 2], got {counts})"
    )


def test_same_instant_bookings_and_cancels_are_not_history():
    frame = trades_frame(
        {"booked": 0}, {"booked": 0}, {"booked": 5, "event_type": "cancel", "orig_trade_id": "T000"}, {"booked": 10}
    )
    counts = col(frame, "trader_trade_count_1d")
    assert counts == [0.0, 0.0, 2.0, 2.0], (
        f"two trades booked at the same instant do not see each other, and a cancel is not activity: "
        f"want [0, 0, 2, 2], got {counts}"
    )


def test_off_hours_in_the_desks_own_time_zone():
    # EQ_NYC trades 09:30-16:00 America/New_York; US daylight saving starts on Sunday 2026-03-08.
    frame = trades_frame(
        {
            "desk": "EQ_NYC",
            "book": "EQ_NYC-B1",
            "trader_id": "EQ_NYC-T01",
            "booked": 4 * 60,
        },  # Mon 14:00 UTC = 09:00 EST
        {
            "desk": "EQ_NYC",
            "book": "EQ_NYC-B1",
            "trader_id": "EQ_NYC-T01",
            "booked": 5 * 60,
        },  # Mon 15:00 UTC = 10:00 EST
        {
            "desk": "EQ_NYC",
            "book": "EQ_NYC-B1",
            "trader_id": "EQ_NYC-T01",
            "booked": 7 * 1440 + 4 * 60,
        },  # Mon 9th 14:00 UTC = 10:00 EDT
        {"desk": "EQ_NYC", "book": "EQ_NYC-B1", "trader_id": "EQ_NYC-T01", "booked": 5 * 1440 + 6 * 60},  # Saturday
    )
    got = col(frame, "off_hours")
    assert got == [1.0, 0.0, 0.0, 1.0], (
        f"off_hours in America/New_York (09:30-16:00, DST from 8 March, weekends off): want [1, 0, 0, 1], got {got}"
    )


def test_a_new_counterparty_is_the_first_booking_of_the_pair():
    frame = trades_frame(
        {"counterparty_id": "CP00002"},
        {"counterparty_id": "CP00002"},
        {"counterparty_id": "CP00003", "event_type": "amend", "orig_trade_id": "T999"},
        {"counterparty_id": "CP00002", "book": "EQ_LDN-B2", "trader_id": "EQ_LDN-T02"},
    )
    got = col(frame, "is_new_counterparty")
    assert got == [1.0, 0.0, 0.0, 1.0], (
        f"is_new_counterparty: 1 for a *new* trade of a (book, counterparty) pair never booked before: "
        f"want [1, 0, 0 (an amend), 1 (another book)], got {got}"
    )


def test_price_deviation_uses_the_last_price_at_or_before_execution():
    prices = prices_frame((0, 100.0), (60, 110.0))
    frame = trades_frame(
        {"executed": 30, "booked": 90, "price": 101.0},  # reference 100 (the 11:00 price came after execution)
        {"executed": 60, "booked": 61, "price": 110.0},  # exactly at a price point
        {"executed": -5, "booked": 62, "price": 100.0},  # before the first price
    )
    got = col(frame, "abs_price_deviation_bps", prices)
    assert got == [100.0, 0.0, None], f"abs_price_deviation_bps: want [100, 0, NaN], got {got}"


def test_ratios_to_desk_limits_and_counterparty_age():
    # EQ_LDN: notional limit 50m USD, booking SLA 30 minutes; CP00001 onboarded 2023-07-03.
    frame = trades_frame({"executed": 0, "booked": 60, "quantity": 1_000_000.0, "price": 100.0})
    out = feats(frame).iloc[0]
    got = {
        k: round(float(out[k]), 6) for k in ("notional_to_desk_limit", "booking_delay_sla_ratio", "log_notional_usd")
    }
    assert got == {"notional_to_desk_limit": 2.0, "booking_delay_sla_ratio": 2.0, "log_notional_usd": 8.0}, got
    onboarded = pd.Timestamp(
        data()["ref"]["counterparties"].set_index("counterparty_id").loc["CP00001", "onboarded_date"]
    )
    want = (T0 - onboarded.tz_localize("UTC")) / pd.Timedelta(days=1)
    assert abs(out["counterparty_age_days"] - want) < 1e-9, (
        f"counterparty_age_days: want {want}, got {out['counterparty_age_days']}"
    )


def test_wash_trade_legs_and_duplicate_bookings():
    frame = trades_frame(
        {"booked": 0},
        {"booked": 10, "side": "SELL"},  # reverses the first within the hour
        {"booked": 100, "side": "SELL"},  # more than an hour after any BUY
        {"booked": 101, "executed": 100, "side": "SELL"},  # same economics and exec_ts as the previous
    )
    wash = col(frame, "opposite_side_matches_1h")
    dup = col(frame, "duplicate_prior_bookings_1d")
    assert wash == [0.0, 1.0, 0.0, 0.0], f"opposite_side_matches_1h: want [0, 1, 0, 0], got {wash}"
    assert dup == [0.0, 0.0, 0.0, 1.0], f"duplicate_prior_bookings_1d: want [0, 0, 0, 1], got {dup}"


@pytest.mark.parametrize("column", ["exec_ts", "booking_ts"])
def test_naive_timestamps_are_refused_naming_the_column(column):
    frame = trades_frame({"booked": 0})
    frame[column] = frame[column].dt.tz_localize(None)
    with pytest.raises(AnomalyLabError, match=column):
        feats(frame)


def test_a_missing_column_is_refused_naming_it():
    with pytest.raises(AnomalyLabError, match="trader_id"):
        feats(trades_frame({"booked": 0}).drop(columns="trader_id"))
