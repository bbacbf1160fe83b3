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
# # Week 3: Feature engineering and data quality
#
# A model only sees numbers, and those numbers are computed from data that arrives late, arrives twice,
# or does not arrive at all. This week covers how to compute trade features that are stable and honest. They
# must use only what was known at the time, handle missing values explicitly, and be computed by one function
# everywhere.
#
# **Objectives.** By the end of this notebook you can:
# 1. write trade features as pure functions of a DataFrame (rolling z-scores, price deviation in basis points,
#    off-hours in the desk's time zone, counterparty novelty, booking delay);
# 2. spot late-arriving events (Exercise 3.1) and compute a rolling z-score that uses only earlier trades
#    (Exercise 3.2);
# 3. recognise leakage: see a model score well because of it, then fix it and report the honest score;
# 4. do a point-in-time join in Feast's style (Exercise 3.3);
# 5. tell the offline store from the online store, and prove they agree.
#
# **Prerequisites.** [Week 2](week02_ml_vocabulary.ipynb) (features, labels, splitting by time).
# **Time.** About 1½ hours in the notebook, plus 2 hours of exercises (the roadmap's estimate).
#
# **Exercises.** Each exercise ships *not started*: its cell raises `NotImplementedError`, and the check cell below
# it prints `Exercise 3.N not started` (later cells then use the reference solution, so the notebook still runs).
# Replace the `raise` line with your code, run the cell, then run the check: it prints `Exercise 3.N passed (k/k
# cases)`, or raises with the case that failed, the requirement it tests and a hint. Stuck? `check.hint("3.1")`
# gives graded hints (call it again for the next one) and `check.solution("3.1")` shows the reference solution.
# `ibml progress notebooks/week03_feature_engineering.ipynb` shows where you are;
# `git checkout -- notebooks/week03_feature_engineering.ipynb` resets the notebook to its shipped state.

# %%
# Setup: imports, parameters, and a small seeded dataset (a few seconds).
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reference_impl import data, features
from reference_impl.errors import FeatureStoreError
from reference_impl.exercises.week03 import check, reference

warnings.filterwarnings("ignore", category=FutureWarning)  # keep teaching output free of library notices
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 12)

SEED = 3
N_TRADES = 5_000
N_DAYS = 15
ANOMALY_RATE = 0.03  # higher than reality so that a small sample has enough positives

ref = data.make_reference_data(seed=SEED)
prices = data.make_prices(ref, n_days=N_DAYS, seed=SEED)
trades = data.make_trades(ref, prices, n_trades=N_TRADES, seed=SEED, anomaly_rate=ANOMALY_RATE)
print(f"{len(trades):,} trade events from {trades['booking_ts'].min():%Y-%m-%d} to "
      f"{trades['booking_ts'].max():%Y-%m-%d}, {trades['is_anomaly'].mean():.1%} labelled anomalous")

# %%
# NBVAL_IGNORE_OUTPUT: library versions differ between installs; they are shown for bug reports only.
print(f"scikit-learn {sklearn.__version__} | pandas {pd.__version__} | numpy {np.__version__}")

# %% [markdown]
# ## 1. Feature views: declared once
#
# Feast, the open-source feature store, has you declare each **feature view** once. A declaration gives the
# entity it describes and its join key, the source table, the **event timestamp** (when the fact was true),
# the **created timestamp** (when we learned it), a **TTL** (how long a value stays usable) and a typed schema.
# Our declarations live in `reference_impl/features/definitions.py`. Training-set joins, the offline and online
# stores, the CLI and the serving path all read them, so nothing is written twice.

# %%
for view in features.FEATURE_VIEWS.values():
    ttl = "none" if view.ttl is None else f"{view.ttl.days}d"
    kind = " (serving snapshot)" if view.snapshot else ""
    print(f"{view.name:18s} key={'+'.join(view.join_keys):26s} ttl={ttl:5s} features={len(view.schema):2d}{kind}")
print()
print("trade_features source:", features.trade_features.source.event_timestamp, "->",
      features.trade_features.source.created_timestamp)

# %% [markdown]
# For `trade_features`, the event timestamp is `exec_ts` (when the trade happened). The created timestamp is
# `booking_ts` (when the bank's systems knew about it). The gap between the two is what makes an event
# **late-arriving**. Only the created timestamp may be compared with the time at which a model makes a decision.

# %% [markdown]
# ## 2. Trade features as pure functions
#
# `features.build_trade_features(trades, ref, prices)` returns one row per trade event. It keeps the input's
# index and returns every feature as float64. It reads no files, no clock and no global state, so the same
# function can:
#
# * build a training set from history,
# * fill the online store,
# * compute features for one new trade at request time,
# * run unchanged on a partition inside Spark (`groupBy("trader_id").applyInPandas(...)`).
#
# The features:
#
# | feature | meaning |
# | --- | --- |
# | `notional_zscore_{1h,1d,7d}` | this trade's USD notional against the trader's earlier trades in the window |
# | `trader_trade_count_{1h,1d,7d}` | velocity: how many trades the trader booked in the window before this one |
# | `price_deviation_bps` | traded price against the last reference price at or before `exec_ts`, in bp |
# | `off_hours` | executed outside the desk's local hours, at a weekend or on a holiday (desk time zone) |
# | `is_new_counterparty` | the first trade of this book with this counterparty |
# | `counterparty_age_days` | days since the counterparty was onboarded |
# | `booking_delay_s`, `booking_delay_sla_ratio` | booking minus execution time, and that delay against the desk's SLA |
# | `duplicate_prior_bookings_1d` | the same economics booked earlier the same day under another id |
# | `opposite_side_matches_1h` | an opposite-side trade with the same size, instrument and counterparty in the past hour |

# %%
feats = features.build_trade_features(trades, ref, prices)
MODEL_FEATURES = list(features.MODEL_FEATURES)
assert feats.index.equals(trades.index)
print(f"{feats.shape[0]:,} rows; {len(MODEL_FEATURES)} model features, all float64:",
      bool((feats[MODEL_FEATURES].dtypes == "float64").all()))

# %% [markdown]
# A first check that the features measure what we think: the median of each feature for normal trades and
# for each labelled anomaly type. Each anomaly type should stand out on the feature designed for it.

# %%
SHOW = ["notional_zscore_7d", "abs_price_deviation_bps", "off_hours", "counterparty_age_days",
        "booking_delay_sla_ratio", "duplicate_prior_bookings_1d", "opposite_side_matches_1h"]
kind = trades["anomaly_type"].fillna("normal").to_numpy()
print(feats[SHOW].groupby(kind).median().round(2).T.to_string())

# %% [markdown]
# > **At a bank.** A feature is a controlled calculation, like a P&L figure. Its definition (window, time zone,
# > which events count) is written down, reviewed and versioned with the model. Model validation re-derives a
# > sample of values by hand. This is why each feature here is a small, named, tested function, and not a
# > lambda inside a notebook.

# %% [markdown]
# ## 3. Missing values are explicit
#
# The feature layer never invents a value. A feature that cannot be computed is `NaN`, and the model decides how
# to impute it. The model must also record that it imputed. Here is why each feature can be missing:

# %%
reasons = {
    "notional_zscore_1h": "fewer than 3 earlier trades in the window, or a zero standard deviation",
    "notional_zscore_7d": "the same, over 7 days: rarer",
    "price_deviation_bps": "no reference price at or before exec_ts within one day",
    "off_hours": "unknown desk",
    "counterparty_age_days": "unknown counterparty",
}
missing = feats[list(reasons)].isna().mean()
for name, why in reasons.items():
    print(f"{name:24s} {missing[name]:6.1%}  {why}")

# %% [markdown]
# Most trades have no 1-hour z-score: a trader rarely books three trades within an hour. That is a fact about
# the data, and not a bug. A fill with 0 would claim "perfectly ordinary size", which we do not know. The other
# three are complete in this synthetic data; real feeds are not so kind. Week 4's models impute with the
# training median and add the imputed feature names to every decision.

# %% [markdown]
# ## 4. Late-arriving events
#
# A trade executed at 10:00 and booked at 16:00 did not exist for any system before 16:00. The rolling features
# therefore run on `booking_ts`, the time the bank learned of the trade. In a window `[t - w, t)` a trade counts
# only if it was booked *strictly before* `t`.

# %%
delay_min = feats["booking_delay_s"] / 60
print("booking delay (minutes): median", round(float(delay_min.median()), 1),
      "| 99th percentile", round(float(delay_min.quantile(0.99)), 1),
      "| beyond the desk SLA:", int((feats["booking_delay_sla_ratio"] > 1).sum()), "trades")

# %% [markdown]
# ### Exercise 3.1: spot the late arrivals
#
# A risk report is cut at `as_of`. Which trades had *happened* by then but were not yet *booked*? The report could not
# have included them. Write `late_arrivals(trades, as_of)`. The check tests each requirement below, then compares your
# answer with the reference on random blotters with `as_of` in other time zones and trades exactly at the cut-off.
#
# - a trade is late when it was executed at or before `as_of` (inclusive) and booked after it (strictly)
# - compare instants: `as_of` may be in any time zone; a naive `as_of` raises `ValueError` or `TypeError`
# - return the late `trade_id`s as a sorted list of strings; an empty blotter gives `[]`

# %%
# Exercise 3.1 — spot the late arrivals (your code here)
def late_arrivals(trades, as_of):
    raise NotImplementedError("Exercise 3.1: replace this line with your code")


# %%
late_arrivals = check.late_arrivals(late_arrivals)  # yours once it passes; the reference until you start

# %%
as_of = pd.Timestamp(trades["booking_ts"].quantile(0.5)).floor("h")
late = late_arrivals(trades, as_of)
print(f"cut-off {as_of:%Y-%m-%d %H:%M} UTC: {len(late)} trades had happened but were not booked yet;",
      "anomaly types among them:", sorted(trades.set_index("trade_id").loc[late, "anomaly_type"].dropna().unique()))

# %% [markdown]
# ## 5. A rolling z-score without leakage
#
# "Is this trade unusually large *for this trader*?" The z-score answers it:
# `(notional - mean) / std`, where the mean and std come from the trader's earlier trades in a time window.
# Three traps:
#
# 1. including the current trade in its own window (the default `closed="right"`);
# 2. a window of *rows* (`rolling(3)`) where a window of *time* (`rolling("1h")`) is meant;
# 3. forgetting to group by trader.
#
# ### Exercise 3.2: rolling z-score
#
# Input columns: `trade_id, trader_id, event_type, booking_ts, notional_usd`. Write `rolling_zscore(trades, window)`.
# The check tests each requirement below, then compares your answer with the reference on random, unsorted trades of
# three traders, with same-instant trades and other windows.
#
# - compare each trade with the same trader's trades booked in `[t - window, t)`: strictly earlier, never the trade
#   itself, never a trade booked at the same instant
# - the window is a span of time (`window`, e.g. `"1h"`), not a number of rows
# - each trader has their own history
# - z = (notional − mean) / std of that history, with the sample standard deviation (`ddof=1`, pandas' default)
# - fewer than 3 earlier trades in the window, or a std of 0, gives NaN (never inf)
# - return a float Series aligned with the input's index and order (the input may be unsorted)

# %%
# Exercise 3.2 — rolling z-score without leakage (your code here)
def rolling_zscore(trades, window):
    raise NotImplementedError("Exercise 3.2: replace this line with your code")


# %%
rolling_zscore = check.rolling_zscore(rolling_zscore)  # yours once it passes; the reference until you start

# %% [markdown]
# A property worth knowing: if a feature has no leakage, deleting every trade booked after time `t` does not
# change any feature of the trades booked before `t`. The unit tests check this with hypothesis on random
# inputs. Here is the check once, on real data:

# %%
cut = trades["booking_ts"].quantile(0.6)
early = trades[trades["booking_ts"] < cut]
recomputed = features.build_trade_features(early, ref, prices)
same = np.allclose(recomputed[MODEL_FEATURES], feats.loc[early.index, MODEL_FEATURES], equal_nan=True)
print(f"features of {len(early):,} earlier trades unchanged without the later ones: {same}")

# %% [markdown]
# ## 6. Leakage: a model that looks excellent, and the honest score
#
# Operations keeps an **alerts table** of trades it has confirmed as anomalous. A confirmation arrives about a
# day after booking. Someone adds a "helpful" feature: *confirmed alerts for this trader in the same hour*. They
# join it on trader and hour, with no regard for when the alerts became known. The model is trained on the
# first 70 % of the time range and tested on the rest.

# %%
y = trades["is_anomaly"].to_numpy()
train = (trades["booking_ts"] <= trades["booking_ts"].quantile(0.7)).to_numpy()
test = ~train
hour = trades["exec_ts"].dt.floor("h")
alerts_same_hour = trades.groupby([trades["trader_id"], hour])["is_anomaly"].transform("sum").astype(float)


def evaluate(columns: dict[str, np.ndarray], label: str) -> None:
    """Impute + scale + logistic regression; time split; ROC AUC and average precision on the test period."""
    X = np.column_stack(list(columns.values()))
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(X[train], y[train])
    p = model.predict_proba(X[test])[:, 1]
    print(f"{label:48s} ROC AUC {roc_auc_score(y[test], p):.2f}   average precision {average_precision_score(y[test], p):.2f}")


base = {name: feats[name].to_numpy() for name in MODEL_FEATURES}
evaluate({**base, "alerts_same_hour": alerts_same_hour.to_numpy()}, "features + alerts_same_hour (leaky)")

# %% [markdown]
# An average precision above 0.9 would be remarkable for trade surveillance. It is an illusion. `alerts_same_hour`
# counts the trade's *own* confirmation, which arrives a day later, and confirmations of trades that had not yet
# happened. In production, at booking time, that number is almost always 0.
#
# **The fix** is a point-in-time join. Turn the alerts into feature rows with `event_ts` (the trade's booking)
# and `available_at` (when the confirmation arrived). For each trade, take only what was available at its
# booking time.

# %%
alerts = pd.DataFrame({
    "trader_id": trades["trader_id"].to_numpy(),
    "event_ts": trades["booking_ts"].to_numpy(),
    "available_at": (trades["booking_ts"] + pd.Timedelta(days=1)).to_numpy(),  # confirmed a day later
    "flag": trades["is_anomaly"].to_numpy(dtype=float),
}).sort_values("available_at", kind="stable")
alerts["trader_confirmed_rate"] = (alerts.groupby("trader_id")["flag"].cumsum()
                                   / (alerts.groupby("trader_id").cumcount() + 1))
entity = pd.DataFrame({"trader_id": trades["trader_id"], "event_timestamp": trades["booking_ts"]})
known = features.point_in_time_join(entity, alerts.drop(columns="flag"), keys=["trader_id"])

evaluate({**base, "trader_confirmed_rate": known["trader_confirmed_rate"].to_numpy()},
         "features + confirmed rate known at booking (PIT)")
evaluate(base, "features only")

# %% [markdown]
# The honest model is the one you can defend. It is worse on paper, and it is what production will deliver.
# Both numbers are lower, and both are real. What is left is the job of weeks 4 and 5: better features, rules
# and thresholds.
#
# > **At a bank.** Model validation asks, feature by feature: *could this value have been known at decision
# > time?* The answer must be in writing, with the timestamp that proves it. Leakage found after approval is a
# > validation finding, and what follows depends on its severity: at least a re-validation and a documented
# > limitation; for a material finding, restrictions on use or withdrawal, and a look back at the decisions the
# > model influenced (for surveillance, the alerts it may have missed). Any of these costs far more than the
# > point-in-time join.

# %% [markdown]
# ## 7. Point-in-time joins
#
# The rule, in Feast's style, for an entity row with key `k` and timestamp `T`:
#
# * a feature row qualifies if `available_at <= T` (it was known) and `event_ts >= T - ttl` (it is not stale);
# * the latest `event_ts` wins, and ties go to the latest `available_at` (a re-issued correction);
# * no qualifying row gives nulls (a left join), and all times must be tz-aware UTC.
#
# Here is `trader_activity` (counts after each booking) for one trader, joined as of three moments:

# %%
activity = features.build_view_rows(features.trader_activity, {"trades": trades})
trader = activity["trader_id"].iloc[0]
first, last_booking = activity.loc[activity["trader_id"] == trader, "event_ts"].agg(["min", "max"])
moments = pd.DataFrame({"trader_id": [trader] * 3,
                        "event_timestamp": [first - pd.Timedelta(hours=1), first + pd.Timedelta(hours=6),
                                            last_booking + pd.Timedelta(days=8)]})
asof = features.get_historical_features(moments, ["trader_activity:trade_count_1d", "trader_activity:trade_count_7d"],
                                        {"trader_activity": activity})
print(asof.to_string(index=False))

# %% [markdown]
# The first moment is before the trader's first booking: nothing was known, so the values are missing. The last
# is eight days after the trader's last booking, which is older than the view's 7-day TTL by then. The join
# returns nothing there rather than a stale count.
#
# ### Exercise 3.3: a point-in-time join
#
# `entity_df` has `trader_id, event_timestamp`. `feature_df` has `trader_id, event_ts, available_at, trades_today`.
# Write `point_in_time_join(entity_df, feature_df)`: `trades_today` as known at each `event_timestamp`.
# `pd.merge_asof` is a good start, but not the whole answer. The check tests each requirement below, then compares
# your answer with the reference on random joins with late and corrected values.
#
# - a feature row qualifies when `available_at <= event_timestamp` (inclusive): a value is invisible until it has
#   arrived
# - among the rows that qualify, the trader's latest `event_ts` wins (ties: the latest `available_at`)
# - every entity row comes back (a left join), with NaN where nothing qualifies
# - return `entity_df` with its rows, order, index and columns unchanged, plus `trades_today`

# %%
# Exercise 3.3 — point-in-time join (your code here)
def point_in_time_join(entity_df, feature_df):
    raise NotImplementedError("Exercise 3.3: replace this line with your code")


# %%
point_in_time_join = check.point_in_time_join(point_in_time_join)  # yours once it passes; the reference until you start

# %% [markdown]
# Bad input fails loudly and names what is wrong. A naive timestamp is an error, not a guess:

# %%
try:
    features.point_in_time_join(moments.assign(event_timestamp=moments["event_timestamp"].dt.tz_localize(None)),
                                activity, keys=["trader_id"])
except FeatureStoreError as exc:
    print("FeatureStoreError:", exc)

# %% [markdown]
# ## 8. Offline and online stores, and proof that they agree
#
# * The **offline store** holds the full history, one parquet file per view. Training sets are cut from it with
#   point-in-time joins.
# * The **online store** holds the latest value per entity per view, in SQLite, for millisecond reads at
#   request time. It is filled by **materialisation**: incremental, from a high-water mark on `available_at`,
#   in one transaction.
#
# We materialise the first half of the data, then the rest, into a temporary workspace. (The CLI does the same
# with `ibml features materialize`, and `ibml features get VIEW KEY` reads a value back.)

# %%
store_dir = Path(tempfile.mkdtemp(prefix="ibml-week03-"))
offline = features.OfflineStore(store_dir / "offline")
online = features.OnlineStore(store_dir / "online.db")
dataset = {**ref, "prices": prices, "trades": trades}
halfway = trades["booking_ts"].quantile(0.5)
for run, end in (("first run", halfway), ("second run", None)):
    for result in features.materialize_features(dataset, offline, online, end=end):
        print(f"{run}: {result.view:18s} +{result.rows:5d} rows, {result.keys:5d} keys")

# %% [markdown]
# **Consistency check.** For the same keys and the same "now", the online store must serve exactly the value
# that a point-in-time join of the offline rows returns. If they differ, the model sees different numbers in
# production than in training.

# %%
for name in features.FEATURE_VIEWS:
    print(features.check_online_offline(name, offline, online).summary())

# %% [markdown]
# The stronger check compares **request time** with batch. The online store holds each trader's recent events
# and each (book, counterparty) count. A new trade's features are computed from that state by the *same*
# transformation functions. The result must equal the batch features for the same trades.

# %%
skew = features.check_request_path(dataset, features.OnlineStore(store_dir / "serving.db"),
                                   cutoff=trades["booking_ts"].quantile(0.8), max_events=10)
print(skew.summary())

# %% [markdown]
# **TTL online.** Feast ignores TTL on online reads. We enforce it: a value older than the view's TTL reads as
# missing, and the caller must impute or fall back, and say so. A stale value served as if it were fresh would
# be worse.

# %%
last = online.high_water_mark("trader_activity")
for label, now in (("at the high-water mark", last), ("8 days later", last + pd.Timedelta(days=8))):
    row = online.read("trader_activity", [trader], now=now)[0]
    print(f"{label:24s}", "missing (expired)" if row is None else f"trade_count_7d = {row['trade_count_7d']:.0f}")

# %% [markdown]
# > **At a bank.** Materialisation is a controlled batch job. It logs what it copied (rows, keys, high-water
# > mark), and a failure half-way leaves the previous state intact. The offline/online consistency check runs
# > after every materialisation and before a model version is promoted. Week 8 wires its result into
# > monitoring.

# %% [markdown]
# ## Check your understanding
#
# Try each question before you look; the answers are in [`docs/answers.md`](../docs/answers.md#week-3).
#
# 1. A feature view declares an event timestamp and a created timestamp. For `trade_features` these are `exec_ts` and `booking_ts`. Which of the two may be compared with the time at which a model makes a decision, and why?
# 2. A risk report is cut at `as_of`. Which trades are "late arrivals", and which inequality in the definition is inclusive and which strict?
# 3. Name the three traps of a rolling z-score that the notebook lists. For the first one, what does pandas' default `closed="right"` do to the current trade?
# 4. A trader has only two earlier trades in the 1-hour window. What is the trade's `notional_zscore_1h`, and why is filling it with 0 wrong?
# 5. The `alerts_same_hour` feature lifted average precision above 0.9. What exactly leaked, and how does the point-in-time join fix it?
# 6. State the point-in-time rule for an entity row with key `k` and time `T`: which feature rows qualify, which one wins, and what happens when none qualifies?
# 7. Why must the same pure function build the training set, fill the online store and compute features at request time? What do `check_online_offline` and `check_request_path` each prove?
# 8. "Deleting every trade booked after `t` does not change any feature of the trades booked before `t`." Why is this a good property to test for leakage, and why is it tested with hypothesis?

# %% [markdown]
# ## Summary
#
# - Declare each feature view once: keys, event and created timestamps, TTL, schema, transformation. Every path
#   reads that declaration.
# - Write features as pure functions of a DataFrame. The same function builds training sets, fills the online
#   store and serves one request.
# - Missing is `NaN`, with a documented reason. Imputation belongs to the model, and it is recorded.
# - Use only what was known: rolling windows on booking time over earlier trades, and point-in-time joins on
#   `available_at`. A late-arriving event counts from the moment it arrived.
# - Leakage makes a model look excellent. A point-in-time join gives the honest score.
# - The offline store holds history and the online store holds the latest values. A consistency check proves
#   they agree.
#
# **Previous:** [Week 2: ML vocabulary](week02_ml_vocabulary.ipynb).
# **Next:** [Week 4: evaluation](week04_evaluation.ipynb). See `roadmap.md` for the whole course.
