"""Week 1 mutants: plausible wrong answers to exercises 1.1–1.3, each breaking one requirement."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from reference_impl.exercises import week01 as w
from reference_impl.exercises.mutation import Mutant

# ---------------------------------------------------------------- 1.1 flag_off_hours


def off_hours_rowwise(trades, desks):
    if trades["exec_ts"].dt.tz is None:
        raise ValueError("naive")
    info = desks.set_index("desk")
    out = []
    for desk, ts in zip(trades["desk"], trades["exec_ts"]):
        local = ts.tz_convert(info.at[desk, "tz"]).time()
        opens = dt.time.fromisoformat(info.at[desk, "open_local"])
        closes = dt.time.fromisoformat(info.at[desk, "close_local"])
        out.append(not (opens <= local < closes))
    return pd.Series(out, index=trades.index, dtype=bool)


def off_hours_utc_hours(trades, desks):  # compares UTC clock times with local desk hours
    merged = trades.merge(desks, on="desk", how="left")
    t = merged["exec_ts"].dt.tz_convert("UTC").dt.strftime("%H:%M:%S")
    return pd.Series(
        ((t < merged["open_local"] + ":00") | (t >= merged["close_local"] + ":00")).to_numpy(), index=trades.index
    )


_WINTER = {
    "Europe/London": 0,
    "America/New_York": -5,
    "Asia/Tokyo": 9,
    "Australia/Sydney": 11,
    "Asia/Kolkata": 5.5,
    "America/Sao_Paulo": -3,
}


def off_hours_fixed_offset(trades, desks):  # winter offsets all year: wrong in summer (DST)
    if trades["exec_ts"].dt.tz is None:
        raise ValueError("naive")
    info = desks.set_index("desk")
    local = trades["exec_ts"].dt.tz_convert("UTC").dt.tz_localize(None) + pd.to_timedelta(
        trades["desk"].map(lambda d: _WINTER[info.at[d, "tz"]] * 3600), unit="s"
    )
    t = local.dt.strftime("%H:%M:%S")
    return pd.Series(
        (
            (t < trades["desk"].map(info["open_local"]) + ":00")
            | (t >= trades["desk"].map(info["close_local"]) + ":00")
        ).to_numpy(),
        index=trades.index,
    )


def off_hours_inclusive_close(trades, desks):  # the closing second counted as open
    info = desks.set_index("desk")
    flags = []
    for desk, ts in zip(trades["desk"], trades["exec_ts"]):
        local = ts.tz_convert(info.at[desk, "tz"]).time()
        flags.append(
            not (
                dt.time.fromisoformat(info.at[desk, "open_local"])
                <= local
                <= dt.time.fromisoformat(info.at[desk, "close_local"])
            )
        )
    return pd.Series(flags, index=trades.index, dtype=bool)


def off_hours_rounds_to_minute(trades, desks):  # rounds the local time to the minute: 15:59:30 becomes 16:00
    info = desks.set_index("desk")
    flags = []
    for desk, ts in zip(trades["desk"], trades["exec_ts"]):
        local = ts.tz_convert(info.at[desk, "tz"]).round("min").strftime("%H:%M")
        flags.append(not (info.at[desk, "open_local"] <= local < info.at[desk, "close_local"]))
    return pd.Series(flags, index=trades.index, dtype=bool)


def off_hours_reset_index(trades, desks):  # loses the caller's index
    return w.flag_off_hours(trades, desks).reset_index(drop=True)


def off_hours_assumes_utc(trades, desks):  # silently localises naive timestamps
    trades = trades.copy()
    if trades["exec_ts"].dt.tz is None:
        trades["exec_ts"] = trades["exec_ts"].dt.tz_localize("UTC")
    return w.flag_off_hours(trades, desks)


# ---------------------------------------------------------------- 1.2 usd_notional


def usd_notional_map(trades, fx_rates):
    rate = {(d, c): r for d, c, r in fx_rates[["date", "currency", "usd_per_unit"]].itertuples(index=False)}
    keys = zip(trades["exec_ts"].dt.tz_convert("UTC").dt.date, trades["currency"])
    return pd.Series(
        [n * rate.get(k, np.nan) for n, k in zip(trades["notional"], keys)], index=trades.index, dtype=float
    )


def usd_divides(trades, fx_rates):  # rate direction the wrong way round
    base = w.usd_notional(trades, fx_rates)
    return trades["notional"] / (base / trades["notional"])


def usd_latest_rate(trades, fx_rates):  # ignores the date: one rate per currency
    latest = fx_rates.sort_values("date").groupby("currency")["usd_per_unit"].last()
    return pd.Series(trades["notional"].to_numpy() * trades["currency"].map(latest).to_numpy(), index=trades.index)


def usd_local_date(trades, fx_rates):  # the date in exec_ts's own zone, not the UTC date
    rate = {(d, c): r for d, c, r in fx_rates[["date", "currency", "usd_per_unit"]].itertuples(index=False)}
    keys = zip(trades["exec_ts"].dt.date, trades["currency"])
    return pd.Series(
        [n * rate.get(k, np.nan) for n, k in zip(trades["notional"], keys)], index=trades.index, dtype=float
    )


def usd_inner_join(trades, fx_rates):  # drops trades without a rate
    t = trades.assign(date=trades["exec_ts"].dt.tz_convert("UTC").dt.date)
    m = t.merge(fx_rates, on=["date", "currency"], how="inner")
    return pd.Series(m["notional"] * m["usd_per_unit"])


def usd_fill_zero(trades, fx_rates):  # unknown currency silently becomes 0
    return w.usd_notional(trades, fx_rates).fillna(0.0)


def usd_reset_index(trades, fx_rates):  # the merge's fresh index leaks out
    return w.usd_notional(trades, fx_rates).reset_index(drop=True)


# ---------------------------------------------------------------- 1.3 daily_notional_by_trader


def daily_named_agg(trades):
    new = trades.loc[trades["event_type"] == "new"].assign(
        trade_date=lambda d: d["exec_ts"].dt.tz_convert("UTC").dt.date
    )
    out = new.groupby(["trader_id", "trade_date"], as_index=False).agg(
        n_trades=("notional_usd", "size"), notional_usd=("notional_usd", lambda s: s.sum(skipna=False))
    )
    return out.sort_values(["trader_id", "trade_date"]).reset_index(drop=True)[w.DAILY_COLUMNS]


def daily_counts_all_events(trades):  # amends and cancels double-count
    return w.daily_notional_by_trader(trades.assign(event_type="new"))


def daily_skips_nan(trades):  # pandas' default sum hides unconvertible trades
    return w.daily_notional_by_trader(trades.assign(notional_usd=trades["notional_usd"].fillna(0.0)))


def daily_local_date(trades):  # the date in exec_ts's own zone
    new = trades.loc[trades["event_type"] == "new"].assign(trade_date=lambda d: d["exec_ts"].dt.date)
    out = new.groupby(["trader_id", "trade_date"], as_index=False).agg(
        n_trades=("notional_usd", "size"), notional_usd=("notional_usd", lambda s: s.sum(skipna=False))
    )
    return out.sort_values(["trader_id", "trade_date"]).reset_index(drop=True)[w.DAILY_COLUMNS]


def daily_keeps_old_index(trades):  # sorted, but the index is not reset
    out = w.daily_notional_by_trader(trades)
    return out.set_axis(range(1, len(out) + 1), axis=0)


def daily_crashes_on_empty(trades):
    new = trades[trades["event_type"] == "new"]
    g = new.groupby(["trader_id", new["exec_ts"].dt.tz_convert("UTC").dt.date.rename("trade_date")])["notional_usd"]
    return pd.DataFrame({"n_trades": g.size(), "notional_usd": g.sum(skipna=False)}).reset_index() if len(new) else None


def daily_input_order(trades):  # keeps first-seen order instead of sorting
    new = trades.loc[trades["event_type"] == "new"].assign(
        trade_date=lambda d: d["exec_ts"].dt.tz_convert("UTC").dt.date
    )
    out = new.groupby(["trader_id", "trade_date"], as_index=False, sort=False).agg(
        n_trades=("notional_usd", "size"), notional_usd=("notional_usd", lambda s: s.sum(skipna=False))
    )
    return out[w.DAILY_COLUMNS]


MUTANTS = [
    Mutant("1.1", "local", off_hours_utc_hours),
    Mutant("1.1", "local", off_hours_fixed_offset),
    Mutant("1.1", "bounds", off_hours_inclusive_close),
    Mutant("1.1", "bounds", off_hours_rounds_to_minute),
    Mutant("1.1", "shape", off_hours_reset_index),
    Mutant("1.1", "naive", off_hours_assumes_utc),
    Mutant("1.2", "rate", usd_divides),
    Mutant("1.2", "rate", usd_latest_rate),
    Mutant("1.2", "rate", usd_local_date),
    Mutant("1.2", "missing", usd_inner_join),
    Mutant("1.2", "missing", usd_fill_zero),
    Mutant("1.2", "shape", usd_reset_index),
    Mutant("1.3", "new", daily_counts_all_events),
    Mutant("1.3", "nan", daily_skips_nan),
    Mutant("1.3", "date", daily_local_date),
    Mutant("1.3", "shape", daily_keeps_old_index),
    Mutant("1.3", "shape", daily_crashes_on_empty),
    Mutant("1.3", "shape", daily_input_order),
]

CORRECT = {
    "1.1": [w.reference.flag_off_hours, off_hours_rowwise],
    "1.2": [w.reference.usd_notional, usd_notional_map],
    "1.3": [w.reference.daily_notional_by_trader, daily_named_agg],
}
