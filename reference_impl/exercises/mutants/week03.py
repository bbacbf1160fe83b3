"""Week 3 mutants: plausible wrong answers to exercises 3.1–3.3, each breaking one requirement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reference_impl.exercises import week03 as w
from reference_impl.exercises.mutation import Mutant


def zscore_loop(trades, window):
    span = pd.Timedelta(window)
    out = pd.Series(np.nan, index=trades.index, dtype=float)
    for i, row in trades.iterrows():
        same = trades[
            (trades["trader_id"] == row["trader_id"])
            & (trades["booking_ts"] < row["booking_ts"])
            & (trades["booking_ts"] >= row["booking_ts"] - span)
        ]["notional_usd"]
        if len(same) >= 3 and same.std() > 0:
            out[i] = (row["notional_usd"] - same.mean()) / same.std()
    return out


def pit_loop(entity_df, feature_df):
    out = entity_df.copy()
    values = []
    for _, row in entity_df.iterrows():
        ok = feature_df[
            (feature_df["trader_id"] == row["trader_id"]) & (feature_df["available_at"] <= row["event_timestamp"])
        ]
        ok = ok.sort_values(["event_ts", "available_at"])
        values.append(ok["trades_today"].iloc[-1] if len(ok) else np.nan)
    out["trades_today"] = values
    return out


def late_query(trades, as_of):
    if pd.Timestamp(as_of).tzinfo is None:
        raise ValueError("naive")
    return sorted(trades.query("exec_ts <= @as_of and booking_ts > @as_of")["trade_id"].tolist())


# ---------------------------------------------------------------- plausible wrong solutions


def zscore_includes_itself(trades, window):  # default closed="right": the trade is in its own window
    s = trades.sort_values("booking_ts")
    g = s.groupby("trader_id").rolling(window.upper().replace("H", "h"), on="booking_ts")["notional_usd"]
    mean, std, n = (x.droplevel(0).to_numpy() for x in (g.mean(), g.std(), g.count()))
    z = np.where((std > 0) & (n >= 3), (s["notional_usd"].to_numpy() - mean) / std, np.nan)
    return pd.Series(z, index=s.index).reindex(trades.index)


def zscore_ignores_trader(trades, window):  # one history for everybody
    s = trades.sort_values("booking_ts")
    r = s.rolling(window.upper().replace("H", "h"), on="booking_ts", closed="left")["notional_usd"]
    mean, std, n = r.mean(), r.std(), r.count()
    z = ((s["notional_usd"] - mean) / std).where((std > 0) & (n >= 3))
    return z.reindex(trades.index)


def zscore_last_three_rows(trades, window):  # a row count, not a time window
    s = trades.sort_values("booking_ts")
    prev = s.groupby("trader_id")["notional_usd"].transform(lambda x: x.shift(1).rolling(3).mean())
    sd = s.groupby("trader_id")["notional_usd"].transform(lambda x: x.shift(1).rolling(3).std())
    return ((s["notional_usd"] - prev) / sd).where(sd > 0).reindex(trades.index)


def pit_on_event_ts(entity_df, feature_df):  # ignores when the value became available
    left = entity_df.sort_values("event_timestamp")
    right = feature_df.sort_values("event_ts").drop(columns=["available_at"])
    out = pd.merge_asof(left, right, left_on="event_timestamp", right_on="event_ts", by="trader_id")
    return out.drop(columns=["event_ts"]).set_index(left.index).reindex(entity_df.index)


def pit_on_available_only(entity_df, feature_df):  # latest arrival, not latest event
    left = entity_df.sort_values("event_timestamp")
    right = feature_df.sort_values("available_at").drop(columns=["event_ts"])
    out = pd.merge_asof(left, right, left_on="event_timestamp", right_on="available_at", by="trader_id")
    return out.drop(columns=["available_at"]).set_index(left.index).reindex(entity_df.index)


def pit_sorted_output(entity_df, feature_df):  # forgets to restore the entity order and index
    left = entity_df.sort_values("event_timestamp")
    right = feature_df.sort_values("available_at")
    out = pd.merge_asof(left, right, left_on="event_timestamp", right_on="available_at", by="trader_id")
    return out.drop(columns=["event_ts", "available_at"])


def late_inclusive_booking(trades, as_of):  # booked at the cut-off counted as late
    return sorted(trades.loc[(trades["exec_ts"] <= as_of) & (trades["booking_ts"] >= as_of), "trade_id"])


def late_ignores_execution(trades, as_of):  # future trades called late
    return sorted(trades.loc[trades["booking_ts"] > as_of, "trade_id"])


def late_unsorted(trades, as_of):
    return list(trades.loc[(trades["exec_ts"] <= as_of) & (trades["booking_ts"] > as_of), "trade_id"])


def _zscore(trades, window, *, ddof=1, min_count=3, zero_std="nan"):
    s = trades.sort_values(["trader_id", "booking_ts"], kind="stable")
    g = s.groupby("trader_id").rolling(window, on="booking_ts", closed="left")["notional_usd"]
    mean = pd.Series(g.mean().to_numpy(), index=s.index)
    std = pd.Series(g.std(ddof=ddof).to_numpy(), index=s.index)
    n = pd.Series(g.count().to_numpy(), index=s.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s["notional_usd"] - mean) / std
    ok = n >= min_count
    if zero_std == "nan":
        ok &= std > 0
    return z.where(ok).reindex(trades.index).astype(float)


def zscore_grouped(trades, window):
    return _zscore(trades, window)


def zscore_population_std(trades, window):  # np.std's ddof=0
    return _zscore(trades, window, ddof=0)


def zscore_inf_on_constant(trades, window):  # forgets the std > 0 guard
    return _zscore(trades, window, zero_std="inf")


def zscore_two_is_enough(trades, window):
    return _zscore(trades, window, min_count=2)


def zscore_sorted_index(trades, window):  # returns the sorted order with a fresh index
    return _zscore(trades, window).loc[trades.sort_values("booking_ts", kind="stable").index].reset_index(drop=True)


def pit_inner(entity_df, feature_df):  # drops entity rows with nothing known
    return w.point_in_time_join(entity_df, feature_df).dropna(subset=["trades_today"])


def pit_extra_columns(entity_df, feature_df):  # leaks the feature timestamps into the result
    out = pit_loop(entity_df, feature_df)
    return out.assign(event_ts=pd.NaT)


def late_exclusive_exec(trades, as_of):  # executed exactly at the cut-off not counted
    return sorted(trades.loc[(trades["exec_ts"] < as_of) & (trades["booking_ts"] > as_of), "trade_id"])


def late_assumes_utc(trades, as_of):  # localises a naive cut-off instead of refusing it
    as_of = pd.Timestamp(as_of)
    if as_of.tzinfo is None:
        as_of = as_of.tz_localize("UTC")
    return w.late_arrivals(trades, as_of)


def late_wall_clock(trades, as_of):  # compares wall-clock text, not instants
    if pd.Timestamp(as_of).tzinfo is None:
        raise ValueError("naive")
    text = pd.Timestamp(as_of).strftime("%Y-%m-%d %H:%M:%S")
    e, b = trades["exec_ts"].dt.strftime("%Y-%m-%d %H:%M:%S"), trades["booking_ts"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return sorted(trades.loc[(e <= text) & (b > text), "trade_id"])


def late_series(trades, as_of):  # returns a Series, not a list
    late = (trades["exec_ts"] <= as_of) & (trades["booking_ts"] > as_of)
    return trades.loc[late, "trade_id"].sort_values()


MUTANTS = [
    Mutant("3.1", "late", late_inclusive_booking),
    Mutant("3.1", "late", late_ignores_execution),
    Mutant("3.1", "late", late_exclusive_exec),
    Mutant("3.1", "instants", late_assumes_utc),
    Mutant("3.1", "instants", late_wall_clock),
    Mutant("3.1", "shape", late_unsorted),
    Mutant("3.1", "shape", late_series),
    Mutant("3.2", "history", zscore_includes_itself),
    Mutant("3.2", "group", zscore_ignores_trader),
    Mutant("3.2", "window", zscore_last_three_rows),
    Mutant("3.2", "stat", zscore_population_std),
    Mutant("3.2", "undefined", zscore_inf_on_constant),
    Mutant("3.2", "undefined", zscore_two_is_enough),
    Mutant("3.2", "shape", zscore_sorted_index),
    Mutant("3.3", "known", pit_on_event_ts),
    Mutant("3.3", "latest", pit_on_available_only),
    Mutant("3.3", "left", pit_inner),
    Mutant("3.3", "shape", pit_sorted_output),
    Mutant("3.3", "shape", pit_extra_columns),
]

CORRECT = {
    "3.1": [w.reference.late_arrivals, late_query],
    "3.2": [w.reference.rolling_zscore, zscore_loop, zscore_grouped],
    "3.3": [w.reference.point_in_time_join, pit_loop],
}
