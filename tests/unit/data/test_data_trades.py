"""Trade events: contract columns, anomaly rates and rules, late arrivals, amend/cancel integrity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reference_impl.data import ANOMALY_NAMES, TRADE_COLUMNS, make_trades, reference_price_at
from reference_impl.data.anomalies import PRICE_SCATTER_BPS
from reference_impl.errors import ConfigError
from data_fixtures import prices, ref, trades  # noqa: F401  (pytest fixtures)


def test_columns_and_dtypes_follow_the_contract(trades):
    assert tuple(trades.columns) == TRADE_COLUMNS
    assert isinstance(trades["exec_ts"].dtype, pd.DatetimeTZDtype)
    assert str(trades["booking_ts"].dt.tz) == "UTC"
    assert trades["trade_id"].is_unique
    assert trades["booking_ts"].is_monotonic_increasing
    assert (trades["quantity"] > 0).all() and (trades["price"] > 0).all()
    assert set(trades["side"]) == {"BUY", "SELL"}
    assert set(trades["asset_class"]) == {"equity", "fx", "govt_bond", "irs"}
    np.testing.assert_allclose(trades["notional"], trades["quantity"] * trades["price"], rtol=1e-9, atol=0.01)


@pytest.mark.parametrize("name", ANOMALY_NAMES)
def test_each_anomaly_type_has_its_rate(trades, name):
    share = (trades["anomaly_type"] == name).mean()
    assert share == pytest.approx(0.001, abs=0.0003)
    assert trades.loc[trades["anomaly_type"] == name, "is_anomaly"].all()


def test_total_anomaly_rate_and_label_consistency(trades):
    assert 0.005 <= trades["is_anomaly"].mean() <= 0.01
    assert (trades["is_anomaly"] == trades["anomaly_type"].notna()).all()


def test_custom_rates_mapping(ref, prices):
    t = make_trades(ref, prices, n_trades=5_000, seed=1, anomaly_rate={"fat_finger": 0.01})
    assert set(t["anomaly_type"].dropna()) == {"fat_finger"}
    assert (t["anomaly_type"] == "fat_finger").sum() == 50


def _trader_ratio(trades):
    new = trades[trades["event_type"] == "new"]
    median = new[~new["is_anomaly"]].groupby("trader_id")["quantity"].median()
    return new, new["quantity"] / new["trader_id"].map(median)


def test_fat_finger_is_relative_to_the_trader_not_globally_huge(trades):
    new, ratio = _trader_ratio(trades)
    fat = new["anomaly_type"] == "fat_finger"
    assert ratio[fat].min() >= 5  # 10-1000x the trader's median (sample medians wobble)
    # not separable by the raw column: plenty of normal trades are bigger than the smallest fat finger
    assert (new.loc[~new["is_anomaly"], "quantity"] > new.loc[fat, "quantity"].min()).sum() > 100


def test_off_market_prices_are_far_from_the_reference_and_normal_prices_scatter(trades, prices):
    ref_px = reference_price_at(prices, trades["instrument_id"], trades["exec_ts"])
    bps = (trades["price"] / ref_px - 1.0).abs() * 1e4
    scatter = trades["asset_class"].map(PRICE_SCATTER_BPS)
    off = trades["anomaly_type"] == "off_market_price"
    assert (bps[off] >= 7.9 * scatter[off]).all()
    normal = (trades["event_type"] == "new") & ~trades["is_anomaly"]
    assert (bps[normal] > 0).mean() > 0.99  # normal trades are not exactly at the reference


def _local_minutes(trades, ref):
    desks = ref["desks"].set_index("desk")
    out = pd.Series(np.nan, index=trades.index)
    for desk, tz in desks["tz"].items():
        mask = trades["desk"] == desk
        local = trades.loc[mask, "exec_ts"].dt.tz_convert(tz)
        out[mask] = local.dt.hour * 60 + local.dt.minute
    opens = trades["desk"].map(desks["open_local"]).str.slice(0, 2).astype(int) * 60 + \
        trades["desk"].map(desks["open_local"]).str.slice(3, 5).astype(int)
    closes = trades["desk"].map(desks["close_local"]).str.slice(0, 2).astype(int) * 60 + \
        trades["desk"].map(desks["close_local"]).str.slice(3, 5).astype(int)
    return out, opens, closes


def test_off_hours_is_judged_in_the_desk_local_time_zone(trades, ref):
    minute, opens, closes = _local_minutes(trades, ref)
    outside = (minute < opens - 61) | (minute > closes + 61)
    off = trades["anomaly_type"] == "off_hours"
    assert outside[off].all()
    normal_new = (trades["event_type"] == "new") & ~trades["is_anomaly"]
    assert not outside[normal_new].any()
    # the same UTC hour is business hours for one desk and night for another
    assert trades.loc[off, "exec_ts"].dt.hour.nunique() > 3


def test_large_new_counterparty_rule(trades, ref):
    onboarded = pd.to_datetime(trades["counterparty_id"].map(ref["counterparties"].set_index("counterparty_id")
                                                             ["onboarded_date"])).dt.tz_localize("UTC")
    age = (trades["exec_ts"] - onboarded) / pd.Timedelta(days=1)
    hit = trades["anomaly_type"] == "large_new_counterparty"
    # onboarding is a local date; Tokyo's morning is the previous evening in UTC
    assert (age[hit] <= 31).all() and (age[hit] >= -1).all()
    _, ratio = _trader_ratio(trades)
    assert (ratio[hit] >= 3).all()


def test_wash_trades_come_in_opposite_side_pairs(trades):
    wash = trades[trades["anomaly_type"] == "wash_trade"]
    groups = wash.groupby(["trader_id", "instrument_id", "counterparty_id", "quantity"])
    assert (groups.size() % 2 == 0).all()
    assert (groups["side"].nunique() == 2).all()


def test_duplicates_repeat_an_existing_trade(trades):
    keys = ["exec_ts", "trader_id", "instrument_id", "counterparty_id", "side", "quantity", "price"]
    dup = trades[trades["anomaly_type"] == "duplicate_booking"]
    originals = trades[(trades["event_type"] == "new") & ~trades["is_anomaly"]]
    merged = dup.merge(originals, on=keys, suffixes=("", "_orig"))
    assert len(merged) == len(dup)
    assert (merged["booking_ts"] > merged["booking_ts_orig"]).all()


def test_late_bookings_break_the_desk_sla_and_normal_ones_do_not(trades, ref):
    sla = pd.to_timedelta(trades["desk"].map(ref["desks"].set_index("desk")["booking_sla_minutes"]), unit="min")
    delay = trades["booking_ts"] - trades["exec_ts"]
    late = trades["anomaly_type"] == "late_booking"
    assert (delay[late] > sla[late]).all()
    normal_new = (trades["event_type"] == "new") & ~trades["is_anomaly"]
    assert (delay[normal_new] <= sla[normal_new]).all()


def test_late_arrival_distribution(trades):
    delay = (trades["booking_ts"] - trades["exec_ts"]).dt.total_seconds()
    assert (delay >= 0).all()
    assert 10 < delay.median() < 300  # straight-through bookings dominate
    assert (delay > 600).mean() > 0.02  # a tail of manual tickets
    crosses = trades["booking_ts"].dt.date != trades["exec_ts"].dt.date
    assert crosses.sum() > 10


def test_amend_and_cancel_refer_to_earlier_originals(trades):
    follow = trades[trades["event_type"].isin(["amend", "cancel"])]
    assert len(follow) == pytest.approx(0.03 * len(trades), rel=0.05)
    originals = trades.set_index("trade_id")
    assert follow["orig_trade_id"].isin(originals.index).all()
    orig = originals.loc[follow["orig_trade_id"]]
    assert (orig["event_type"] == "new").all()
    assert (follow["booking_ts"].to_numpy() > orig["booking_ts"].to_numpy()).all()
    assert (follow["exec_ts"].to_numpy() == orig["exec_ts"].to_numpy()).all()
    assert trades.loc[trades["event_type"] == "new", "orig_trade_id"].isna().all()


@pytest.mark.parametrize("kwargs, match", [
    ({"n_trades": 0}, "n_trades"),
    ({"n_trades": 10.5}, "n_trades"),
    ({"seed": -1}, "seed"),
    ({"anomaly_rate": 0.9}, "anomaly"),
    ({"anomaly_rate": {"typo": 0.01}}, "unknown anomaly"),
    ({"amend_rate": -0.1}, "amend_rate"),
])
def test_bad_parameters_raise_config_errors(ref, prices, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        make_trades(ref, prices, **{"n_trades": 1000, **kwargs})


def test_reference_prices_need_a_regular_grid(prices):
    from reference_impl.data.market import price_matrix
    from reference_impl.errors import DataValidationError

    matrix = price_matrix(prices)
    assert matrix.values.shape == (len(matrix.ids), len(matrix.grid_ns))
    with pytest.raises(DataValidationError, match="regular grid"):
        price_matrix(prices.iloc[1:])
    with pytest.raises(DataValidationError, match="regular grid"):
        price_matrix(prices.sample(frac=1.0, random_state=0))
    naive = prices.iloc[:10].assign(ts=prices["ts"].iloc[:10].dt.tz_localize(None))
    with pytest.raises(DataValidationError, match="tz-aware"):
        reference_price_at(prices, naive["instrument_id"], naive["ts"])
