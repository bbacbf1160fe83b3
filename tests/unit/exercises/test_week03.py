"""Week 3 checks: the reference passes, independent correct answers pass, plausible wrong answers fail helpfully."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises import week03 as w

# ---------------------------------------------------------------- independent correct solutions (a learner's)


def zscore_loop(trades, window):
    span = pd.Timedelta(window)
    out = pd.Series(np.nan, index=trades.index, dtype=float)
    for i, row in trades.iterrows():
        same = trades[(trades["trader_id"] == row["trader_id"]) & (trades["booking_ts"] < row["booking_ts"])
                      & (trades["booking_ts"] >= row["booking_ts"] - span)]["notional_usd"]
        if len(same) >= 3 and same.std() > 0:
            out[i] = (row["notional_usd"] - same.mean()) / same.std()
    return out


def pit_loop(entity_df, feature_df):
    out = entity_df.copy()
    values = []
    for _, row in entity_df.iterrows():
        ok = feature_df[(feature_df["trader_id"] == row["trader_id"])
                        & (feature_df["available_at"] <= row["event_timestamp"])]
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


CHECKS = {
    "3.1": (w.check.late_arrivals, w.reference.late_arrivals),
    "3.2": (w.check.rolling_zscore, w.reference.rolling_zscore),
    "3.3": (w.check.point_in_time_join, w.reference.point_in_time_join),
}


@pytest.mark.parametrize("exercise", sorted(CHECKS))
def test_reference_passes_with_one_line(exercise, capsys):
    check, reference = CHECKS[exercise]
    check(reference)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(f"Exercise {exercise} passed (")


@pytest.mark.parametrize("exercise, solution", [
    ("3.1", late_query), ("3.2", zscore_loop), ("3.3", pit_loop),
])
def test_independent_correct_solutions_pass(exercise, solution, capsys):
    CHECKS[exercise][0](solution)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("exercise, solution, case, hint_word", [
    ("3.2", zscore_includes_itself, "the trade itself is not part of its own history", "strictly before"),
    ("3.2", zscore_ignores_trader, "two traders interleaved", "Group by trader_id"),
    ("3.2", zscore_last_three_rows, "the window is time, not a number of rows", "rolling('1h')"),
    ("3.3", pit_on_event_ts, "a late-arriving value is invisible until it arrives", "available_at"),
    ("3.3", pit_on_available_only, "a newer event beats a later-arriving older one", "latest event_ts"),
    ("3.3", pit_sorted_output, "entity order and index are kept", "restore"),
    ("3.1", late_inclusive_booking, "booked exactly at the cut-off was known", "booking_ts > as_of"),
    ("3.1", late_ignores_execution, "late trades, sorted", "executed at or before"),
    ("3.1", late_unsorted, "late ids come back sorted, whatever the blotter's order", "sorted("),
])
def test_wrong_solutions_fail_with_the_right_case_and_hint(exercise, solution, case, hint_word):
    with pytest.raises(ExerciseFailed) as info:
        CHECKS[exercise][0](solution)
    assert info.value.case == case, str(info.value)
    assert hint_word in info.value.hint


def test_a_function_that_raises_is_reported_not_propagated():
    def broken(trades, window):
        raise KeyError("notional")

    with pytest.raises(ExerciseFailed, match="your function raised KeyError"):
        w.check.rolling_zscore(broken)
