# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ibml)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Week 1: Python for ML-adjacent backend work
#
# You already write production Python. This week points that skill at the data a model will see: a trade
# blotter in pandas, its time zones, its joins to reference data, and the validation and data-quality
# controls that decide whether a feed may be used at all.
#
# **Objectives.** By the end of this notebook you can:
# 1. read a blotter's dtypes and say why `datetime64[ns, UTC]` matters;
# 2. convert UTC timestamps to a desk's local time without the DST trap (Exercise 1.1);
# 3. join trades to FX rates and spot rows the join lost or could not convert (Exercise 1.2);
# 4. aggregate with `groupby` and measure the speed-up from vectorisation (Exercise 1.3);
# 5. validate single trade events with pydantic and a whole feed with a data-quality report;
# 6. write a typed batch job that logs what it did, plus a unit test for it.
#
# **Prerequisites.** Python 3.11 and basic pandas (`DataFrame`, indexing, `merge`). No ML yet.
# **Time.** About 1½ hours in the notebook, plus 2 hours of exercises (the roadmap's estimate).
#
# **Exercises.** Each exercise ships *not started*: its cell raises `NotImplementedError`, and the check cell below
# it prints `Exercise 1.N not started` (later cells then use the reference solution, so the notebook still runs).
# Replace the `raise` line with your code, run the cell, then run the check: it prints `Exercise 1.N passed (k/k
# cases)`, or raises with the case that failed, the requirement it tests and a hint. Stuck? `check.hint("1.1")`
# gives graded hints (call it again for the next one) and `check.solution("1.1")` shows the reference solution.
# `ibml progress notebooks/week01_python_refresh.ipynb` shows where you are;
# `git checkout -- notebooks/week01_python_refresh.ipynb` resets the notebook to its shipped state.

# %%
# Setup: imports, parameters and a small seeded dataset built in memory (about 1 s).
import logging
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pydantic

from reference_impl import data
from reference_impl.data import faults, quality
from reference_impl.data.schemas import TradeEvent
from reference_impl.exercises.week01 import check, reference

warnings.filterwarnings("ignore", category=FutureWarning)  # keep teaching output free of library notices
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 12)

SEED = 7                 # one seed for everything: same seed, same data, same outputs
N_TRADES = 4_000         # small enough to run in seconds, big enough to show patterns
N_DAYS = 10              # trading days of prices and trades
START = "2026-03-16"     # spans London's clock change on 29 March 2026

ref = data.make_reference_data(seed=SEED, start=START)
prices = data.make_prices(ref, n_days=N_DAYS, seed=SEED)
trades = data.make_trades(ref, prices, n_trades=N_TRADES, seed=SEED)
print(f"{len(trades):,} trade events, {trades['desk'].nunique()} desks, {trades['trader_id'].nunique()} traders")

# %%
# NBVAL_IGNORE_OUTPUT: library versions differ between installs; they are shown for bug reports only.
print(f"python {sys.version.split()[0]} | pandas {pd.__version__} | numpy {np.__version__} | "
      f"pydantic {pydantic.__version__}")

# %% [markdown]
# ## 1. The blotter and its dtypes
#
# A *trade blotter* is the list of trade-capture events: one row per `new`, `amend` or `cancel`. Before
# you compute anything, read the dtypes. They tell you what pandas thinks each column is, and most data
# bugs are a dtype bug in disguise: prices stored as text, ids read as floats, timestamps with no time zone.

# %%
print(trades.dtypes.to_string())

# %%
columns = ["trade_id", "event_type", "exec_ts", "desk", "currency", "quantity", "price", "notional"]
print(trades[columns].head(4).assign(exec_ts=lambda d: d["exec_ts"].dt.floor("s")).to_string())

# %% [markdown]
# `exec_ts` is `datetime64[ns, UTC]`: every value is an instant, pinned to UTC. A *naive* timestamp (no zone)
# is only a wall-clock reading. `09:00` could be London, New York or Tokyo. pandas refuses to compare the
# two kinds, and that refusal is a feature.

# %%
naive = pd.Timestamp("2026-03-20 09:00")
aware = pd.Timestamp("2026-03-20 09:00", tz="UTC")
try:
    naive < aware
except TypeError as exc:
    print("TypeError:", exc)

# %% [markdown]
# > **At a bank.** MiFID II reportable events carry times in UTC, and RTS 25 (Commission Delegated Regulation
# > (EU) 2017/574, Annex, Table 2) sets how fine they must be for a trading venue's members: 1 microsecond for
# > high-frequency algorithmic trading, 1 second for voice trading, for request-for-quote systems that need a human
# > to respond and for negotiated transactions, and 1 millisecond for any other trading activity. Store and compute
# > in UTC. Convert to local time only for rules that are
# > local by nature, like desk hours or a venue's trading session. Treat a naive timestamp from an upstream
# > system as a data-quality defect and reject it. Do not guess its zone.

# %% [markdown]
# ## 2. Time zones: the desk's local day
#
# Each desk has local trading hours in its own IANA time zone. The UTC offset of `Europe/London` changes on
# 29 March 2026, inside our sample. This is the trap: a fixed offset ("London is UTC+0") is right in winter
# and one hour wrong in summer.

# %%
desks = ref["desks"]
print(desks[["desk", "tz", "open_local", "close_local"]].to_string(index=False))

# %%
for day in ["2026-03-27 07:30", "2026-03-30 07:30"]:
    ts = pd.Timestamp(day, tz="UTC")
    print(f"{ts:%a %d %b %H:%M} UTC = {ts.tz_convert('Europe/London'):%H:%M %Z} in London, "
          f"{ts.tz_convert('America/New_York'):%H:%M %Z} in New York, {ts.tz_convert('Asia/Tokyo'):%H:%M %Z} in Tokyo")

# %% [markdown]
# ### Exercise 1.1: flag trades executed outside desk hours
#
# Write `flag_off_hours(trades, desks)`. It returns True where a trade executed outside its desk's hours. The check
# tests each requirement below (its hint names the one you missed), then compares your answer with the reference on
# random blotters: six desks on three continents, all year, unsorted, trades at the boundary seconds.
#
# - convert each trade's `exec_ts` to its own desk's `tz` (the tz database knows DST; never a fixed offset, never UTC
#   hours)
# - off-hours means outside `[open_local, close_local)`: the opening minute is open, the closing time is closed, to
#   the second
# - return a boolean Series aligned with `trades.index` (same labels, same order); an empty blotter gives an empty
#   Series
# - naive timestamps raise `ValueError` or `TypeError`

# %%
# Exercise 1.1 — Flag off-hours trades in the desk's local time
def flag_off_hours(trades: pd.DataFrame, desks: pd.DataFrame) -> pd.Series:
    raise NotImplementedError("Exercise 1.1: replace this line with your code")


# %%
flag_off_hours = check.flag_off_hours(flag_off_hours)  # yours once it passes; the reference until you start

# %%
off_hours = flag_off_hours(trades, desks)
print(f"{off_hours.mean():.1%} of events are outside desk hours")
print(trades.assign(off_hours=off_hours).groupby("desk")["off_hours"].mean().round(3).to_string())

# %% [markdown]
# The library's version, `reference_impl.features.off_hours_flag`, also counts weekends and holidays. It is the
# feature the anomaly model uses (week 3). Both run one vectorised `tz_convert` per desk, not a loop over rows.

# %% [markdown]
# ## 3. Joins to reference data
#
# Trades carry keys (instrument, counterparty, currency). Reference data, the bank's "golden source", carries
# the facts. A join can go wrong without raising anything. An inner join drops rows it cannot match, and a
# duplicated key multiplies rows. `validate=` and `indicator=` make both mistakes visible.

# %%
joined = trades.merge(ref["instruments"][["instrument_id", "lot_size"]], on="instrument_id",
                      how="left", validate="many_to_one", indicator=True)
print(joined["_merge"].value_counts().to_string())
print("rows before/after:", len(trades), len(joined))

# %% [markdown]
# ### Exercise 1.2: USD notional through an FX join
#
# Write `usd_notional(trades, fx_rates)`. It returns each trade's notional in USD. The check tests each requirement
# below, then compares your answer with the reference on random blotters whose `exec_ts` is in other time zones and
# whose rates have gaps.
#
# - `notional * usd_per_unit`, with the rate of the trade's `currency` on the **UTC date** of `exec_ts`
# - an unknown currency, or a day with no rate, gives NaN: never 0, never a dropped row (a NaN notional stays NaN)
# - return a float Series aligned with `trades.index`, in the input's order; an empty blotter gives an empty Series

# %%
# Exercise 1.2 — USD notional via an FX join
def usd_notional(trades: pd.DataFrame, fx_rates: pd.DataFrame) -> pd.Series:
    raise NotImplementedError("Exercise 1.2: replace this line with your code")


# %%
usd_notional = check.usd_notional(usd_notional)  # yours once it passes; the reference until you start

# %%
usd = usd_notional(trades, ref["fx_rates"])
missing = trades[usd.isna()]
print("trades without a USD value:", len(missing))
print(missing.groupby([missing["exec_ts"].dt.date.rename("utc_date"), "desk"]).size().to_string())
print("first FX date:", ref["fx_rates"]["date"].min())
print("largest difference from the feed's notional_usd where both exist:",
      round(float((usd - trades["notional_usd"]).abs().max()), 2))

# %% [markdown]
# Look at the NaNs. They are Tokyo trades from Monday morning local time, which is still Sunday
# 15 March in UTC, the day before the first FX rate. The generator that produced `notional_usd` quietly
# borrowed the next day's rate. Our join says "no rate". Which is right is a business decision (use the
# previous close? the next fixing?). What matters is that the gap is visible and someone decides.

# %% [markdown]
# > **At a bank.** A trade that "disappears" in a join never reaches the limit check or the regulatory report,
# > and nobody notices until reconciliation. Count rows before and after every join. Keep unmatched rows
# > (NaN) and report them. `fillna(0)` on a notional understates exposure.

# %% [markdown]
# ## 4. groupby, and vectorisation against loops
#
# `groupby` is split, apply, combine. First, total USD notional per desk:

# %%
print((trades.groupby("desk")["notional_usd"].sum() / 1e6).round(1).rename("notional_usd_mm").to_string())

# %% [markdown]
# ### Exercise 1.3: per-trader daily notional
#
# Write `daily_notional_by_trader(trades)`. It returns one row per trader and trade date. The check tests each
# requirement below, then compares your answer with the reference on random, unsorted blotters in several time zones.
#
# - count only `event_type == "new"` rows: amends and cancels are lifecycle events, not new risk
# - `trade_date` is the **UTC** date of `exec_ts`, as a `datetime.date`
# - if any trade's `notional_usd` is NaN, that day's total is NaN
# - columns `trader_id, trade_date, n_trades, notional_usd`, sorted by trader and date, with a fresh `0..n-1` index;
#   an empty input still returns the four columns

# %%
# Exercise 1.3 — Per-trader daily notional
def daily_notional_by_trader(trades: pd.DataFrame) -> pd.DataFrame:
    raise NotImplementedError("Exercise 1.3: replace this line with your code")


# %%
daily_notional_by_trader = check.daily_notional_by_trader(daily_notional_by_trader)  # yours once it passes; the reference until you start

# %%
daily = daily_notional_by_trader(trades)
print(daily.sort_values("notional_usd", ascending=False).head(5).round(0).to_string(index=False))

# %% [markdown]
# Why do we insist on vectorised code? Compute the notional row by row with a Python loop, then as one column
# operation. Both give the same numbers, but one is much faster (and the gap grows with the number of
# columns and the work per row). Timings vary from run to run: the stored output shows the figures of the run
# that built this notebook, and nbval compares them through the sanitizers in `notebooks/sanitize.cfg` (durations
# and "Nx faster" become placeholders before the comparison), so your re-run with other numbers still passes.

# %%
def notional_loop(frame: pd.DataFrame) -> list[float]:
    return [row.quantity * row.price for row in frame.itertuples()]


def notional_vectorised(frame: pd.DataFrame) -> pd.Series:
    return frame["quantity"] * frame["price"]


start = time.perf_counter()
looped = notional_loop(trades)
loop_s = time.perf_counter() - start
start = time.perf_counter()
vectorised = notional_vectorised(trades)
vec_s = time.perf_counter() - start
print("same result:", np.allclose(looped, vectorised))
print(f"loop {loop_s * 1e3:.1f} ms, vectorised {vec_s * 1e3:.2f} ms: vectorised is {loop_s / vec_s:.0f}x faster")

# %% [markdown]
# ## 5. Validating one event: pydantic
#
# A service that accepts trade events should reject a bad one at the door and say which field is wrong.
# `reference_impl.data.schemas.TradeEvent` is a strict pydantic v2 model. It does not coerce `"100"` to a
# number, rejects naive timestamps and unknown fields, and checks that the fields agree with each other
# (for example, `notional == quantity * price`).

# %%
good = {
    "trade_id": "T1", "event_type": "new", "exec_ts": "2026-03-20T09:00:00Z", "booking_ts": "2026-03-20T09:00:05Z",
    "desk": "EQ_LDN", "book": "EQ_LDN-B1", "trader_id": "EQ_LDN-T01", "counterparty_id": "CP00001",
    "instrument_id": "EQ.LDN.001", "asset_class": "equity", "currency": "GBP", "side": "BUY",
    "quantity": 100.0, "price": 10.0, "notional": 1000.0, "notional_usd": 1270.0, "venue": "XLON",
    "booking_system": "FIDESSA",
}
event = TradeEvent.model_validate_json(pydantic.TypeAdapter(dict).dump_json(good))
print(event.trade_id, event.exec_ts.isoformat(), event.notional)

# %%
bad = dict(good, exec_ts="2026-03-20T09:00:00", quantity="100", trader="someone")
try:
    TradeEvent.model_validate_json(pydantic.TypeAdapter(dict).dump_json(bad))
except pydantic.ValidationError as exc:
    for err in exc.errors():
        print(f"{'.'.join(map(str, err['loc'])):<10} {err['type']}")

# %% [markdown]
# Three problems, each named by its field: a naive timestamp, a quantity sent as text, and an unexpected
# field. One model does the checking for the API (week 5), the batch loader and the tests.

# %% [markdown]
# ## 6. Validating a whole feed: the data-quality report
#
# One bad record should be rejected. One bad *file* needs a report: how many nulls, duplicates and
# out-of-order events there are, and where. `quality.validate_trades` runs every check and returns a
# `QualityReport`. Below we break a copy of the feed with `faults.inject_faults`, just as a real upstream would.

# %%
print(quality.validate_trades(trades, ref).summary())
broken = faults.inject_faults(trades, ["missing_values", "duplicate_events", "out_of_order"], seed=SEED).frame
print(quality.validate_trades(broken, ref, dataset="trades (faulty copy)").summary())

# %% [markdown]
# ## 7. A batch job: typed, logged, testable
#
# Here is the shape of a production batch step. It is a pure function from inputs to a result object, with
# type hints and logging, and it refuses to publish numbers computed from a feed that failed its checks. The
# log goes to stdout with no timestamps, so the output is stable. A real job would log JSON lines with
# timestamps.

# %%
log = logging.getLogger("ibml.week01.batch")
log.handlers.clear()
_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
log.addHandler(_handler)
log.setLevel(logging.INFO)
log.propagate = False

BLOCKING = {"missing_column", "wrong_type", "duplicate_event", "null_values"}


@dataclass(frozen=True)
class LimitReport:
    """What the job publishes: per-trader daily totals and the days above the desk's limit."""

    published: bool
    daily: pd.DataFrame
    breaches: pd.DataFrame
    quality: quality.QualityReport


def daily_limit_job(trades: pd.DataFrame, ref: dict[str, pd.DataFrame], limit_share: float = 0.5) -> LimitReport:
    """Validate the feed; if clean, total each trader's day and flag totals above ``limit_share`` of the desk limit."""
    report = quality.validate_trades(trades, ref)
    blocking = sorted(report.kinds() & BLOCKING)
    if blocking:
        log.warning("feed rejected: %s", ", ".join(blocking))
        empty = reference.daily_notional_by_trader(trades.iloc[:0])
        return LimitReport(False, empty, empty, report)
    daily = reference.daily_notional_by_trader(trades)
    limits = ref["traders"][["trader_id", "desk"]].merge(ref["desks"][["desk", "notional_limit_usd"]], on="desk")
    with_limit = daily.merge(limits, on="trader_id", how="left", validate="many_to_one")
    breaches = with_limit[with_limit["notional_usd"] > limit_share * with_limit["notional_limit_usd"]]
    log.info("feed accepted: %d events, %d trader-days, %d above %.0f%% of desk limit",
             len(trades), len(daily), len(breaches), 100 * limit_share)
    return LimitReport(True, daily, breaches.reset_index(drop=True), report)


result = daily_limit_job(trades, ref)
print(result.breaches[["trader_id", "trade_date", "n_trades", "notional_usd"]].head(3).round(0).to_string(index=False))
rejected = daily_limit_job(broken, ref)
print("published:", rejected.published)

# %% [markdown]
# And a unit test. In the repository it would live in `tests/` and run under pytest; here we call it directly.
# It is small, deterministic, and pins one behaviour a reviewer cares about.

# %%
def test_daily_limit_job_rejects_duplicated_events() -> None:
    one_day = trades[trades["event_type"] == "new"].head(20)
    duplicated = pd.concat([one_day, one_day.head(1)], ignore_index=True)
    assert daily_limit_job(one_day, ref).published
    assert not daily_limit_job(duplicated, ref).published


test_daily_limit_job_rejects_duplicated_events()
print("test passed")

# %% [markdown]
# > **At a bank.** A limit report is a control. Whether it was produced, from which feed and with what
# > data-quality result is itself audited. Never publish numbers from a feed that failed validation. Publish
# > the rejection instead, so operations can chase the upstream system.

# %% [markdown]
# ## Check your understanding
#
# Try each question before you look; the answers are in [`docs/answers.md`](../docs/answers.md#week-1).
#
# 1. `exec_ts` is `datetime64[ns, UTC]`. What does the `UTC` part add over a naive `datetime64[ns]`, and what should a batch job do when an upstream system sends a naive timestamp?
# 2. A London desk opens at 08:00 local time. Why is "08:00 UTC" right on 27 March 2026 and wrong on 30 March 2026, and what do you call instead of adding a fixed offset?
# 3. A trade is in a currency with no FX rate on its UTC trade date. What should its USD notional be, and what goes wrong downstream if you use `fillna(0)` or an inner join instead?
# 4. What do `validate="many_to_one"` and `indicator=True` make visible in a `merge` with reference data, and which two silent join failures do they guard against?
# 5. Why does the per-trader daily notional count only `event_type == "new"` rows, and why is `trade_date` the UTC date rather than the desk's local date?
# 6. A trade event arrives with `quantity="100"`, a naive `exec_ts` and an extra field `trader`. What does the strict `TradeEvent` model do with each, and why is that better than coercing?
# 7. The daily limit job receives a feed that contains a duplicated event. What does it publish, and why is "publish nothing, report the rejection" the right behaviour for a control?
# 8. The loop and the vectorised notional give the same numbers. Why does the notebook still insist on the vectorised version, and why does nbval accept a re-run whose timings differ from the stored output?

# %% [markdown]
# ## Summary
#
# - Store instants in UTC (`datetime64[ns, UTC]`). Convert to a desk's IANA zone only for local rules, and
#   reject naive timestamps.
# - Count rows before and after joins. Keep unmatched rows as NaN, and never fill a notional with 0.
# - Prefer vectorised column operations to Python loops. They are many times faster, and the gap grows with the
#   work per row.
# - Validate single events with a strict pydantic model, and whole feeds with a data-quality report.
# - Batch jobs are typed, logged, refuse bad input, and come with a unit test.
#
# **Next:** [Week 2: ML vocabulary on banking data](week02_ml_vocabulary.ipynb). Supervised and unsupervised
# learning, time-based splits, baselines and your first models. See `roadmap.md` for the whole course.
