"""Week 1 checks: the reference passes, independent correct answers pass, plausible wrong answers fail helpfully."""

from __future__ import annotations


import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises import week01 as w
from reference_impl.exercises.mutants.week01 import (  # the planted wrong answers, one definition
    daily_counts_all_events,
    off_hours_assumes_utc,
    off_hours_reset_index,
    off_hours_rowwise,
    usd_fill_zero,
    usd_latest_rate,
    usd_notional_map,
)

# ---------------------------------------------------------------- independent correct solutions (a learner's)


def as_learner(func):
    """A learner's copy of ``func``: ``check`` treats the reference itself as the not-started stand-in."""
    return lambda *args, **kwargs: func(*args, **kwargs)



def daily_named_agg(trades):
    new = trades.loc[trades["event_type"] == "new"].assign(trade_date=lambda d: d["exec_ts"].dt.tz_convert("UTC").dt.date)
    out = new.groupby(["trader_id", "trade_date"], as_index=False).agg(
        n_trades=("notional_usd", "size"), notional_usd=("notional_usd", lambda s: s.sum(skipna=False)))
    return out.sort_values(["trader_id", "trade_date"]).reset_index(drop=True)


# ---------------------------------------------------------------- plausible wrong solutions


def off_hours_utc_hours(trades, desks):  # compares UTC clock times with local desk hours
    merged = trades.merge(desks, on="desk", how="left")
    t = merged["exec_ts"].dt.strftime("%H:%M")
    return pd.Series(((t < merged["open_local"]) | (t >= merged["close_local"])).to_numpy(), index=trades.index)


FIXED = {"Europe/London": 0, "America/New_York": -5, "Asia/Tokyo": 9}


def off_hours_fixed_offset(trades, desks):  # winter offsets all year: wrong in summer (DST)
    info = desks.set_index("desk")
    hours = trades["exec_ts"].dt.tz_convert("UTC") + pd.to_timedelta(
        trades["desk"].map(lambda d: FIXED[info.at[d, "tz"]]), unit="h")
    t = hours.dt.strftime("%H:%M")
    return pd.Series(((t < trades["desk"].map(info["open_local"])) | (t >= trades["desk"].map(info["close_local"])))
                     .to_numpy(), index=trades.index)


def off_hours_inclusive_close(trades, desks):  # off-by-one at the boundary
    return w.flag_off_hours(trades, desks) & ~_at_close(trades, desks)


def _at_close(trades, desks):
    info = desks.set_index("desk")
    local = [ts.tz_convert(info.at[d, "tz"]).strftime("%H:%M:%S") for d, ts in zip(trades["desk"], trades["exec_ts"])]
    closes = [info.at[d, "close_local"] + ":00" for d in trades["desk"]]
    return pd.Series([a == b for a, b in zip(local, closes)], index=trades.index, dtype=bool)


def usd_inner_join(trades, fx_rates):  # drops trades without a rate
    t = trades.assign(date=trades["exec_ts"].dt.date)
    m = t.merge(fx_rates, on=["date", "currency"], how="inner")
    return pd.Series(m["notional"] * m["usd_per_unit"])


def usd_divides(trades, fx_rates):  # rate direction the wrong way round
    base = w.usd_notional(trades, fx_rates)
    rate = base / trades["notional"]
    return trades["notional"] / rate


def daily_skips_nan(trades):  # pandas' default sum hides unconvertible trades
    out = w.daily_notional_by_trader(trades.assign(notional_usd=trades["notional_usd"].fillna(0.0)))
    return out


def daily_crashes_on_empty(trades):
    new = trades[trades["event_type"] == "new"]
    g = new.groupby(["trader_id", new["exec_ts"].dt.date.rename("trade_date")])["notional_usd"]
    return pd.DataFrame({"n_trades": g.size(), "notional_usd": g.sum(skipna=False)}).reset_index() if len(new) else None


def daily_booking_local_date(trades):  # New York date instead of UTC date
    shifted = trades.assign(exec_ts=trades["exec_ts"].dt.tz_convert("America/New_York").dt.tz_localize(None)
                            .dt.tz_localize("UTC"))
    return w.daily_notional_by_trader(shifted)


CHECKS = {
    "flag_off_hours": (w.check.flag_off_hours, "1.1"),
    "usd_notional": (w.check.usd_notional, "1.2"),
    "daily_notional_by_trader": (w.check.daily_notional_by_trader, "1.3"),
}


@pytest.mark.parametrize(
    ("name", "solution"),
    [
        ("flag_off_hours", w.reference.flag_off_hours), ("flag_off_hours", off_hours_rowwise),
        ("usd_notional", w.reference.usd_notional), ("usd_notional", usd_notional_map),
        ("daily_notional_by_trader", w.reference.daily_notional_by_trader),
        ("daily_notional_by_trader", daily_named_agg),
    ],
)
def test_correct_solutions_pass_with_one_line(capsys, name, solution):
    check, ex_id = CHECKS[name]
    check(as_learner(solution))
    out = capsys.readouterr().out
    assert out.startswith(f"Exercise {ex_id} passed (") and out.count("\n") == 1
    assert w.EXERCISES[ex_id].evaluate(solution) > 0


@pytest.mark.parametrize(
    ("name", "wrong", "case", "hint_words"),
    [
        ("flag_off_hours", off_hours_utc_hours, "London in summer (BST = UTC+1)", "tz_convert"),
        ("flag_off_hours", off_hours_fixed_offset, "London in summer (BST = UTC+1)", "fixed"),
        ("flag_off_hours", off_hours_inclusive_close, "closing time is exclusive", "close_local is off-hours"),
        ("flag_off_hours", off_hours_assumes_utc, "naive timestamps are rejected", "raise instead of assuming UTC"),
        ("flag_off_hours", off_hours_reset_index, "keeps the input's index", "trades.index"),
        ("usd_notional", usd_inner_join, "unknown currency is NaN, not 0 and not dropped", "left join"),
        ("usd_notional", usd_fill_zero, "unknown currency is NaN, not 0 and not dropped", "fillna(0)"),
        ("usd_notional", usd_divides, "EUR, GBP and USD on one day", "multiply"),
        ("usd_notional", usd_latest_rate, "the rate of the trade's own day", "not on currency alone"),
        ("daily_notional_by_trader", daily_counts_all_events, "amends and cancels are not new risk", "'new'"),
        ("daily_notional_by_trader", daily_skips_nan, "NaN notional makes the day's total NaN", "skipna=False"),
        ("daily_notional_by_trader", daily_crashes_on_empty, "only cancels", "four columns"),
        ("daily_notional_by_trader", daily_booking_local_date, "UTC day boundary", "UTC date"),
    ],
)
def test_wrong_solutions_fail_on_the_right_case_with_a_hint(capsys, name, wrong, case, hint_words):
    check, ex_id = CHECKS[name]
    with pytest.raises(ExerciseFailed) as exc:
        check(wrong)
    assert exc.value.case == case, str(exc.value)
    message = str(exc.value)
    assert message.startswith(f"Exercise {ex_id} failed on case '{case}': ")
    assert hint_words in message.split("\nHint: ", 1)[1]
    assert "passed" not in capsys.readouterr().out


def test_reference_rejects_unknown_desk_and_duplicate_rates():
    trades = pd.DataFrame({"desk": ["NOPE"], "exec_ts": pd.to_datetime(["2026-01-01 10:00"], utc=True)})
    with pytest.raises(ValueError, match="desk 'NOPE'"):
        w.flag_off_hours(trades, w.DESKS)
    fx = pd.concat([w.FX, w.FX.iloc[:1]])
    with pytest.raises(ValueError, match="more than one usd_per_unit"):
        w.usd_notional(trades.assign(currency="USD", notional=1.0), fx)


# ---------------------------------------------------------------- end to end: a learner edits the notebook

LEARNER_1_1 = '''
def flag_off_hours(trades: pd.DataFrame, desks: pd.DataFrame) -> pd.Series:
    if trades["exec_ts"].dt.tz is None:
        raise ValueError("exec_ts must be tz-aware")
    hours = desks.set_index("desk")
    flags = []
    for desk, ts in zip(trades["desk"], trades["exec_ts"]):
        local = ts.tz_convert(hours.at[desk, "tz"]).strftime("%H:%M:%S")
        flags.append(not (hours.at[desk, "open_local"] + ":00" <= local < hours.at[desk, "close_local"] + ":00"))
    return pd.Series(flags, index=trades.index, dtype=bool)
'''

WRONG_1_2 = '''
def usd_notional(trades: pd.DataFrame, fx_rates: pd.DataFrame) -> pd.Series:
    return reference_usd(trades, fx_rates).fillna(0.0)

from reference_impl.exercises.week01 import usd_notional as reference_usd
'''


@pytest.mark.slow
def test_a_correct_learner_solution_passes_nbval(tmp_path):
    from notebook_helpers import NOTEBOOKS, notebook_with_solutions, run_as_learner, run_nbval

    nb = notebook_with_solutions(NOTEBOOKS / "week01_python_refresh.ipynb", {"1.1": LEARNER_1_1})
    nb = run_as_learner(nb, tmp_path / "fork", "week01_python_refresh.ipynb")  # run all, save
    result = run_nbval(nb, tmp_path, "week01_python_refresh.ipynb")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_progress_reports_a_learners_mixed_notebook(tmp_path):
    import nbformat
    from notebook_helpers import NOTEBOOKS, notebook_with_solutions

    from reference_impl.progress import notebook_progress

    nb = notebook_with_solutions(NOTEBOOKS / "week01_python_refresh.ipynb", {"1.1": LEARNER_1_1, "1.2": WRONG_1_2})
    path = tmp_path / "week01_python_refresh.ipynb"
    nbformat.write(nb, path)
    progress = notebook_progress(path, execute=True, timeout=120)
    status = {e.id: (e.status, e.message) for e in progress.exercises}
    assert status["1.1"] == ("passed", "")
    assert status["1.2"][0] == "failing"
    assert "unknown currency is NaN, not 0 and not dropped" in status["1.2"][1] and "Hint:" in status["1.2"][1]
    assert status["1.3"] == ("not_started", "")


# ---------------------------------------------------------------- properties of the reference solutions

_YEAR_2026 = st.integers(min_value=1_767_225_600, max_value=1_798_761_599)  # every second of 2026, UTC


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["EQ_LDN", "EQ_NYC", "FX_TKY"]), _YEAR_2026), max_size=30))
def test_reference_off_hours_matches_a_row_by_row_conversion_all_year(rows):
    trades = pd.DataFrame({
        "desk": [d for d, _ in rows],
        "exec_ts": pd.to_datetime([s for _, s in rows], unit="s", utc=True),
    }, index=pd.RangeIndex(100, 100 + len(rows)))
    pd.testing.assert_series_equal(
        w.flag_off_hours(trades, w.DESKS), off_hours_rowwise(trades, w.DESKS), check_names=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["USD", "EUR", "GBP", "JPY", "XAU"]), st.integers(0, 3),
                          st.floats(0.01, 1e9)), max_size=30), st.randoms(use_true_random=False))
def test_reference_usd_notional_keeps_every_row_in_place(rows, rnd):
    trades = pd.DataFrame({
        "exec_ts": pd.to_datetime([f"2026-03-0{2 + day % 2} 1{day}:00" for _, day, _ in rows], utc=True),
        "currency": [c for c, _, _ in rows], "notional": [n for _, _, n in rows],
    })
    order = list(trades.index)
    rnd.shuffle(order)
    shuffled = trades.loc[order]
    got = w.usd_notional(shuffled, w.FX)
    assert got.index.equals(shuffled.index)
    pd.testing.assert_series_equal(got.sort_index(), w.usd_notional(trades, w.FX), check_names=False)
    pd.testing.assert_series_equal(got, usd_notional_map(shuffled, w.FX), check_names=False)
