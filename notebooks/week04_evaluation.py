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
# # Week 4: evaluation basics for rare anomalies
#
# A trade-surveillance model is judged by people with a fixed number of hours: the operations analysts who work
# its alert queue, and the model-risk reviewer who signs it off. This week turns "is the model good?" into the
# numbers they ask for: how many alerts per day, what share of them are real, which kinds of anomaly slip
# through, and whether last month's result will hold next month.
#
# **Objectives.** By the end of this notebook you can:
# 1. explain why accuracy is useless when under 1 % of trades are anomalies, and what to report instead;
# 2. read precision, recall, ROC-AUC and PR-AUC, and the trade-off a threshold makes between them;
# 3. compute precision@k for a reviewer queue (Exercise 4.1);
# 4. backtest over time instead of a random split, and say what the random split hides (Exercise 4.2);
# 5. choose a threshold from reviewer capacity (Exercise 4.3) or from the cost of a miss versus a false alert
#    (Exercise 4.4) — on validation data, never on the test set;
# 6. read recall by anomaly type and decide which rule to add next;
# 7. read a decision's reason codes (rules plus SHAP) and its versions, and set them against the model's global
#    picture (mean |SHAP| and dependence plots, as the model card records them per version);
# 8. carry the threshold lessons over to a classifier: check calibration, then route KYC documents by per-class
#    confidence thresholds for a target precision, manual review for the rest (Exercises 4.5 and 4.6).
#
# **Prerequisites.** [Week 2](week02_ml_vocabulary.ipynb) (splits by time, precision and recall) and
# [Week 3](week03_feature_engineering.ipynb) (the trade features).
# **Time.** About 2½ hours in the notebook, plus 4 hours of exercises (the roadmap's estimate, from
# `benchmarks/bench_course_hours.py`).
#
# **Exercises.** Each exercise ships *not started*: its cell raises `NotImplementedError`, and the check cell below
# it prints `Exercise 4.N not started` (later cells then use the reference solution, so the notebook still runs).
# Replace the `raise` line with your code, run the cell, then run the check: it prints `Exercise 4.N passed (k/k
# cases)`, or raises with the case that failed, the requirement it tests and a hint. Stuck? `check.hint("4.1")`
# gives graded hints (call it again for the next one) and `check.solution("4.1")` shows the reference solution.
# `ibml progress notebooks/week04_evaluation.ipynb` shows where you are;
# `git checkout -- notebooks/week04_evaluation.ipynb` resets the notebook to its shipped state.

# %%
# Setup: imports, parameters, a small seeded dataset with trade features (a few seconds).
# %matplotlib inline
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

from reference_impl import data, features
from reference_impl.anomaly import (
    IsolationForestDetector,
    TradeAnomalyDetector,
    global_explanation,
    plot_shap_dependence,
    plot_shap_summary,
)
from reference_impl.data import make_clients, make_kyc_documents
from reference_impl.evaluation import (
    backtest,
    expected_calibration_error,
    plots,
    pr_auc,
    precision_at_k,
    precision_recall_f1,
    random_split,
    recall_by_type,
    roc_auc,
    threshold_for_capacity,
    threshold_for_cost,
    threshold_for_precision,
)
from reference_impl.exercises.week04 import check, reference
from reference_impl.kyc import (
    KycClassifier, KycModel, ReviewQueue, TextGuard, brier_score, calibrate_router, coverage_accuracy_curve,
    plot_coverage_accuracy, plot_reliability, reliability_curve, split_documents,
)

warnings.filterwarnings("ignore", category=FutureWarning)  # keep teaching output free of library notices
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm's notice when shap is imported in Jupyter
pd.set_option("display.width", 120)
pd.set_option("display.precision", 3)
pd.set_option("display.max_columns", 12)

SEED = 7
N_TRADES = 6_000
N_DAYS = 21
ANOMALY_RATE = 0.01  # 1 %: rare, but enough positives in a small sample to see every anomaly type

ref = data.make_reference_data(seed=SEED)
prices = data.make_prices(ref, n_days=N_DAYS, seed=SEED)
trades = data.make_trades(ref, prices, n_trades=N_TRADES, seed=SEED, anomaly_rate=ANOMALY_RATE)
feats = features.build_trade_features(trades, ref, prices)
FEATURES = list(features.MODEL_FEATURES)
y = trades["is_anomaly"].to_numpy()
types = trades["anomaly_type"].to_numpy(dtype=object)
booked = trades["booking_ts"]

# Split by booking time: 60 % train, 20 % validation (choose thresholds here), 20 % test (report only).
cut_val, cut_test = booked.quantile([0.6, 0.8])
train, val, test = (booked < cut_val).to_numpy(), ((booked >= cut_val) & (booked < cut_test)).to_numpy(), (booked >= cut_test).to_numpy()
days = {name: (booked[m].max() - booked[m].min()).total_seconds() / 86400 for name, m in (("val", val), ("test", test))}
print(f"{len(trades):,} trade events, {y.mean():.2%} anomalous; train/val/test = {train.sum()}/{val.sum()}/{test.sum()} rows")
print(f"validation covers {days['val']:.1f} days, test {days['test']:.1f} days")

# %%
# NBVAL_IGNORE_OUTPUT: library versions differ between installs; they are shown for bug reports only.
import shap  # noqa: E402
import sklearn  # noqa: E402

print(f"scikit-learn {sklearn.__version__} | pandas {pd.__version__} | numpy {np.__version__} | shap {shap.__version__}")

# %% [markdown]
# ## 1. Why accuracy misleads
#
# With 1–2 % anomalies, a "model" that never raises an alert is 98–99 % accurate. It is also useless: it catches
# nothing. Accuracy rewards the majority class; for rare events we report what the alert queue experiences.

# %%
never = np.zeros(test.sum())
report = precision_recall_f1(y[test], never, threshold=0.5)
accuracy = (report.tp + report.tn) / test.sum()
print(f"flag nothing: accuracy {accuracy:.1%}, recall {report.recall:.0%}, alerts {report.tp + report.fp}")

# %% [markdown]
# - **Precision**: of the alerts raised, the share that were real. Low precision wastes reviewer time.
# - **Recall**: of the real anomalies, the share we alerted on. Low recall means missed breaks and fines.
# - **ROC-AUC**: the chance that a random anomaly scores above a random normal trade. It ignores the base rate,
#   so it can look excellent while the queue is mostly false alerts.
# - **PR-AUC** (average precision): precision averaged over recall levels. A random scorer gets the anomaly
#   share (here about 0.01), not 0.5, which makes it the honest headline number for rare events.
#
# ## 2. The detector and the precision/recall trade-off
#
# `TradeAnomalyDetector` combines the versioned rule set, an isolation forest scored with flat numpy arrays,
# SHAP reason codes and analyst overrides. It is unsupervised: it never sees `is_anomaly`. We fit it on the
# training weeks only.

# %%
detector = TradeAnomalyDetector(n_estimators=100, contamination=0.02, random_state=SEED).fit(feats[train])
scores = detector.anomaly_score(feats)
print(f"{detector!r}: model {detector.model_version_}, rules {detector.ruleset_version}")
print(f"test ROC-AUC {roc_auc(y[test], scores[test]):.3f} | PR-AUC {pr_auc(y[test], scores[test]):.3f} "
      f"| anomaly share {y[test].mean():.3f}")
rows = []
for t in (0.50, 0.55, 0.60, 0.65):
    r = precision_recall_f1(y[test], scores[test], t)
    rows.append({"threshold": t, "alerts": r.tp + r.fp, "precision": r.precision, "recall": r.recall, "f1": r.f1})
print(pd.DataFrame(rows).round(3).to_string(index=False))

# %%
fig = plots.plot_pr_curve(y[test], scores[test], threshold=0.6)
fig

# %% [markdown]
# Raising the threshold trades recall for precision: fewer alerts, a larger share of them real, more anomalies
# missed. No single number settles it; the business does (sections 5 and 6).
#
# > **At a bank.** A model-risk reviewer will ask for PR-AUC next to ROC-AUC, the anomaly share of the test
# > period, and the alert volume at the proposed threshold. A deck that shows only ROC-AUC 0.9 invites the
# > question "and how many of the alerts are real?".
#
# ## 3. Precision@k: the reviewer queue
#
# Operations do not work a threshold; they work a queue, top score first, until the shift ends. If they can
# review k alerts, the number that matters is the share of real anomalies among the top k: **precision@k**.

# %% [markdown]
# ### Exercise 4.1 — precision@k
#
# Write `precision_at_k(y_true, scores, k)`: the share of anomalies among the `k` highest scores. The check tests
# each requirement below, then compares your answer with the reference on random queues with tied scores.
#
# - the queue is the `k` highest scores (a higher score is more anomalous); return the share of anomalies in it as
#   a float
# - equal scores keep their original order (a stable sort)
# - when `k` exceeds the number of rows the queue holds every row: divide by `min(k, n)`
# - `y_true` and `scores` may be pandas Series with any index: read them by position
# - `k < 1` raises `ValueError`

# %%
# Exercise 4.1 — precision@k
def precision_at_k_mine(y_true, scores, k):
    raise NotImplementedError("Exercise 4.1: replace this line with your code")


# %%
precision_at_k_mine = check.precision_at_k(precision_at_k_mine)  # yours once it passes; the reference until you start

# %%
for k in (10, 25, 50):
    print(f"precision@{k}: {precision_at_k_mine(y[test], scores[test], k):.2f}")

# %% [markdown]
# ## 4. Backtests over time, not random splits
#
# A random split shuffles trades from every week into both training and test sets. The model then learns from
# the future it is tested on — the same traders' later behaviour, the same market days — and a single number
# hides how much results move from week to week. In production a model only ever scores trades booked after
# its training data. A **walk-forward backtest** does the same: train on weeks 1..n, test on week n+1, repeat.
#
# Below, a supervised random forest (it sees the labels) is scored both ways.

# %%
X = feats[FEATURES].fillna(0.0)
forest_clf = RandomForestClassifier(n_estimators=60, min_samples_leaf=2, random_state=SEED, n_jobs=1)
tr_idx, te_idx = random_split(len(X), test_size=0.25, seed=SEED)
proba = forest_clf.fit(X.iloc[tr_idx], y[tr_idx]).predict_proba(X.iloc[te_idx])[:, 1]
print(f"random split:  PR-AUC {pr_auc(y[te_idx], proba):.3f}")
walk = backtest(forest_clf, X, y, booked, train_weeks=1, supervised=True, k=20)
print(walk[["fold", "n_train", "n_test", "anomalies_test", "roc_auc", "pr_auc", "precision_at_20"]].round(3).to_string(index=False))
unsup = backtest(IsolationForestDetector(n_estimators=50, random_state=SEED), X, y, booked, train_weeks=1, k=20)
print("isolation forest, walk-forward PR-AUC by week:", unsup["pr_auc"].round(3).tolist())

# %% [markdown]
# Read the two results side by side: the random split reports one number from a model that was trained on
# trades from every week, including those after the test trades; the walk-forward folds show what each week
# would really have looked like, and how much that moves from one week to the next. On this synthetic data the
# behaviour is stable, so the gap is modest; on real data, incidents cluster (a bad booking system release, a
# volatile week) and a random split spreads them over both sides — the model "recognises" the incident it is
# being tested on.
#
# ### Exercise 4.2 — walk-forward folds
#
# Write `walk_forward_folds(timestamps, train_weeks)`. The check tests each requirement below, then compares your
# answer with the reference on random, unsorted timestamps in several time zones, some exactly at a cut.
#
# - fold `i` trains on `[start, start + (train_weeks + i) weeks)` and tests on the following week, with `start` the
#   earliest timestamp (not its midnight)
# - windows are half-open: a trade exactly at a cut belongs to the test week
# - return a list of `(train_positions, test_positions)` pairs; positions refer to the series as given (it may be
#   unsorted)
# - naive timestamps, and data too short for one fold, raise `ValueError`

# %%
# Exercise 4.2 — walk-forward folds
def walk_forward_folds_mine(timestamps, train_weeks):
    raise NotImplementedError("Exercise 4.2: replace this line with your code")


# %%
walk_forward_folds_mine = check.walk_forward_folds(walk_forward_folds_mine)  # yours once it passes; the reference until you start

# %%
print([(len(tr), len(te)) for tr, te in walk_forward_folds_mine(booked, train_weeks=1)])

# %% [markdown]
# > **At a bank.** Model validation re-runs your backtest. Fix the folds by date in the model documentation,
# > report every fold (not the best one), and state the anomaly count per fold: a PR-AUC from four anomalies is
# > an anecdote.
#
# ## 5. Choosing the threshold: capacity, precision, cost
#
# The threshold is a business decision expressed in the model's units. Three ways to make it, all **on the
# validation period** — choosing on the test set and then reporting the test result is leakage.
#
# **Reviewer capacity.** The team can work a fixed number of alerts per day. Rule alerts (controls, not
# negotiable) use capacity first; the model gets the rest.

# %%
ALERTS_PER_DAY = 8
choice = threshold_for_capacity(scores[val], ALERTS_PER_DAY, days["val"])
print(f"model-only threshold for {ALERTS_PER_DAY}/day: {choice.threshold:.4f} "
      f"-> {choice.expected_alerts_per_day:.1f} alerts/day on validation")
combined = detector.threshold_for_capacity(feats[val], alerts_per_day=ALERTS_PER_DAY, n_days=days["val"])
print(f"with rules first: threshold {combined.threshold:.4f}, expected {combined.expected_alerts_per_day:.1f} "
      f"alerts/day ({combined.details['rule_alerts_per_day']:.1f} from rules)")
detector = detector.with_threshold(combined)  # a new detector alerting at the chosen threshold; same forest
test_decisions = detector.decide(feats[test])
flagged = np.array([d.flagged for d in test_decisions])
print(f"test period: {flagged.sum() / days['test']:.1f} alerts/day, precision {y[test][flagged].mean():.2f}, "
      f"recall {flagged[y[test]].mean():.2f}")

# %% [markdown]
# ### Exercise 4.3 — a threshold from reviewer capacity
#
# Write `capacity_threshold(scores, alerts_per_day, n_days)`. The check tests each requirement below, then compares
# the rows your threshold flags with the reference's on random scores with many ties.
#
# - the alert budget is `floor(alerts_per_day * n_days)`: round down
# - return the lowest threshold (flag `score >= threshold`) whose alerts fit the budget; if everything fits, flag
#   everything
# - equal scores at the cut are flagged together: if they do not all fit, move the threshold above them
# - zero capacity flags nothing

# %%
# Exercise 4.3 — a threshold from reviewer capacity
def capacity_threshold_mine(scores, alerts_per_day, n_days):
    raise NotImplementedError("Exercise 4.3: replace this line with your code")


# %%
capacity_threshold_mine = check.capacity_threshold(capacity_threshold_mine)  # yours once it passes; the reference until you start

# %% [markdown]
# **Target precision.** Compliance may instead require that at least, say, 30 % of alerts are real; take the
# lowest threshold (most recall) that reaches it on validation, and check it on test. If no threshold reaches
# the target, say so — do not quietly lower the target.
#
# **Cost.** A missed fat-finger trade can cost far more than the ten minutes a false alert takes. With a cost
# per miss and per false alert, pick the threshold with the lowest total cost.

# %%
try:
    target = threshold_for_precision(y[val], scores[val], 0.30, n_days=days["val"])
    print(f"precision >= 30 % on validation: threshold {target.threshold:.4f}, recall {target.recall:.2f}, "
          f"{target.expected_alerts_per_day:.1f} alerts/day")
    on_test = precision_recall_f1(y[test], scores[test], target.threshold)
    print(f"  on test: precision {on_test.precision:.2f}, recall {on_test.recall:.2f}")
except ValueError as exc:
    print("no threshold reaches the target:", exc)
for cost_missed in (20, 200):
    c = threshold_for_cost(y[val], scores[val], cost_missed=cost_missed, cost_false_alert=1, n_days=days["val"])
    print(f"miss costs {cost_missed:>3}x a false alert: threshold {c.threshold:.4f}, "
          f"{c.expected_alerts_per_day:.1f} alerts/day, recall {c.recall:.2f}")

# %% [markdown]
# Read the first line before trusting it. The 30 % target *is* reached, at a threshold so high that the detector
# raises half an alert a day and catches about one anomaly in twenty (recall 0.08 on validation, 0.05 on test; the
# test precision of 0.50 rests on a handful of alerts). A precision target alone can pick a useless operating
# point: always report the recall, the alert volume and the sample behind each number next to it. The cost-based
# thresholds make the trade explicit instead, and a detector this weak on its own is why the rules (section 6)
# carry most of the recall.

# %%
fig = plots.plot_threshold_tradeoff(y[val], scores[val], n_days=days["val"], cost_missed=200, cost_false_alert=1)
fig

# %% [markdown]
# ### Exercise 4.4 — a threshold from costs
#
# Write `cost_threshold(y_true, scores, cost_missed, cost_false_alert)`. The check tests each requirement below, then
# compares the cost of your threshold with the best cost on random scores with ties.
#
# - minimise `cost_missed * FN + cost_false_alert * FP` (a missed anomaly costs `cost_missed`)
# - try every distinct score as the threshold
# - rows with equal scores are flagged together (`score >= threshold`): a threshold cannot split a tie
# - "flag nothing" (a threshold above the highest score) is a candidate too

# %%
# Exercise 4.4 — a threshold from costs
def cost_threshold_mine(y_true, scores, cost_missed, cost_false_alert):
    raise NotImplementedError("Exercise 4.4: replace this line with your code")


# %%
cost_threshold_mine = check.cost_threshold(cost_threshold_mine)  # yours once it passes; the reference until you start

# %% [markdown]
# > **At a bank.** Record the threshold, how it was chosen (capacity, precision or cost, with the numbers), the
# > data it was chosen on and the expected alerts per day. Operations will hold you to that number; monitoring
# > (week 8) alerts when the real volume drifts away from it.
#
# ## 6. Recall by anomaly type: which rule to add next
#
# One recall number hides which kinds of anomaly are caught. Break it down by type:

# %%
by_type = recall_by_type(y[test], flagged, types[test])
print(by_type.round(2).to_string(index=False))

# %%
fig = plots.plot_recall_by_type(by_type)  # the test rows of the table above, nothing else
fig

# %% [markdown]
# Types with a clear business definition — duplicate bookings, bookings beyond the SLA, prices far from the
# reference — are caught by rules, whatever the model does. The rest is where to invest, and this table is how
# rule set 2026.11.2 came about:
# - **large trades with new counterparties** were missed while the rule looked at the share of the *desk* limit;
#   the generator's cases are large for the *trader*. `R_NEW_CPTY_LARGE` now combines the trader-relative size
#   (`notional_zscore_7d > 3`) with the counterparty's age (under 30 days);
# - **wash trades** are a *pair* of trades (opposite sides, same quantity, minutes apart). `R_WASH_TRADE` flags
#   the second leg, which reverses an earlier trade; the first leg looks normal when it is booked, so recall stops
#   near one half unless the second leg re-opens the first one's alert;
# - **off-hours trades**: the `off_hours` feature is 1 for the legitimate pre- and post-market flow too, so the
#   rule `R_OFF_HOURS` is context only. A feature with the *minutes* outside the session would allow a precise
#   rule (2 h or more outside the desk's hours) — the next thing to ask the feature team for.
#
# ## 7. Reading a decision
#
# Every decision carries the score, the threshold, the model and rule-set versions, the feature values used,
# and at most four reasons: overrides first, then rule hits, then the features that pushed the score up most
# (SHAP's exact Shapley values for the forest — computed only for flagged trades, because it is the expensive step).

# %%
example = next(d for d in test_decisions if d.flagged and any(r["source"] == "model" for r in d.reasons))
print(f"trade {example.trade_id}: score {example.score:.3f} vs threshold {example.threshold:.3f}, "
      f"model {example.model_version}, rules {example.ruleset_version}")
for r in example.reasons:
    contribution = "" if r["contribution"] is None else f"  (+{r['contribution']:.2f})"
    print(f"  [{r['source']:>5}] {r['code']:<22} {r['text']}{contribution}")

# %% [markdown]
# ### The global picture: what the model relies on overall
#
# Reason codes explain *one* trade. The reviewer who signs off a model version asks the other question: across
# ordinary trades, which features move the score at all, and in which direction? The same exact SHAP values,
# averaged over a fixed, seeded sample of training rows, answer it: the **mean |SHAP|** of each feature ranks
# them, a **beeswarm** shows every sampled trade's push (colour = the feature's value), and a **dependence plot**
# shows how one feature's push changes with its value.

# %%
picture = global_explanation(detector, feats[train], sample_size=200, seed=SEED)
print(picture.importance.head(6)[["rank", "feature", "code", "mean_abs_shap", "mean_shap"]].round(3).to_string(index=False))
ranks = dict(zip(picture.importance["feature"], picture.importance["rank"]))
for r in example.reasons:
    if r["source"] == "model":
        print(f"example trade's model reason {r['code']} ({r['feature']}): +{r['contribution']:.2f} here, "
              f"rank {ranks[r['feature']]} of {len(ranks)} globally")
fig = plot_shap_summary(picture, max_features=8)
fig

# %%
fig = plot_shap_dependence(picture, "trader_trade_count_7d")
fig

# %% [markdown]
# Read the two views together. Globally the forest leans on a few features. The binary ones isolate their *rare*
# value in a single split, so they rank high while most trades get a small push towards "normal" from the common
# value: red dots far right for `off_hours` (8 % of trades). `is_new_counterparty` is the question a validator
# would ask about: about 60 % of this small synthetic sample's trades are a counterparty's first with the book, so
# the *established* value (blue) is the rare one and is what looks unusual to the forest. That is not what the
# business means by risk, and it is why a rule (`R_NEW_CPTY_LARGE`), not the forest, owns that control. The
# dependence plot shows a shape a reviewer can check against the business: a trader's weekly trade count pushes
# slightly towards "normal" up to about twice its median (dashed line), then towards "anomalous", harder the
# further above it the trader is.
#
# A flagged trade's reason can be a feature that ranks low globally (the example's `counterparty_prior_trades`,
# 13th of 18). That is not a contradiction: an isolation forest reacts to rare values, so "unimportant on average"
# never means "ignore this reason".
#
# `ibml train anomaly` records this report for every version (training rows, the recipe's seed) and the model card
# ranks the features and links the PNGs (`reference_impl/lifecycle/explainability.py`; week 7 writes a card).
#
# > **At a bank.** Reason codes are what the analyst reads first and what audit samples later. Keep codes stable
# > (systems count them) and texts readable; version the rule set and record the version in every decision, so a
# > decision from March can be replayed with March's rules. The global report belongs in the validation pack: a
# > validator checks that the ranking is plausible, and a new version whose ranking moves (a feature jumping to
# > the top) needs an explanation before approval.

# %% [markdown]
# ## 8. Calibrated confidence: routing KYC documents to manual review
#
# Section 5 chose thresholds for a score that promises nothing by itself: an anomaly score of 0.6 only ranks
# trades. A classifier's probability seems to promise more — "0.95" reads as "right 95 % of the time" — so this
# section first tests that promise (**calibration**), then applies section 5's rules to it: thresholds chosen on
# validation data, **per class**, and the test result reported once, with the sample behind it.
#
# A KYC team receives thousands of scanned documents a week: passports, utility bills, bank statements,
# certificates of incorporation. A classifier can sort most of them, but "most" is not a control. What the
# head of KYC operations signs off is a **routing policy**:
#
# * **auto-accept** when the model is confident enough that its precision meets a target (say 99 %);
# * **manual review** when it is not — a human decides, and the decision becomes new training data;
# * **reject as unknown** when the document looks like none of our classes (empty, garbled, a random letter).
#
# **Guards** in front of the model keep out-of-scope text away from auto-accept whatever the model says.

# %%
from reference_impl.exercises.week04_kyc import check  # exercises 4.5 and 4.6 have their own check module

KYC_SEED = 4
kyc_docs = make_kyc_documents(make_clients(80, seed=KYC_SEED), n_docs=700, seed=KYC_SEED)
kyc_train, kyc_val, kyc_test = split_documents(kyc_docs, val_size=0.25, test_size=0.25, seed=KYC_SEED)
print(f"train {len(kyc_train)}, validation {len(kyc_val)}, test {len(kyc_test)} documents")
print(kyc_docs["subset"].value_counts().sort_index().to_string())

# %% [markdown]
# ### A calibrated classifier
#
# Word n-grams catch the vocabulary of each document type ("sort code", "registered office"); character
# n-grams survive OCR noise ("Statemcnt"). A logistic regression over both is then **temperature-scaled**:
# one parameter, fitted on out-of-fold predictions, that softens or sharpens every probability. We train on
# in-scope documents only — out-of-scope letters stay in validation and test, where they show whether the
# routing lets them through.
#
# **At a bank:** before either vectoriser sees a document, every word outside a reviewed document lexicon is
# masked to its shape (`Whitfield` → `<name>`, a 9-digit number → `<num9>`), so the fitted vocabulary — and every
# saved copy of the model — cannot hold a customer's name or passport number. It costs about one to two points of
# accuracy here (`benchmarks/bench_kyc_pii.py`; `reference_impl/kyc/README.md` has the table).

# %%
in_scope = kyc_train[kyc_train["label"] != "out_of_scope"]
kyc_clf = KycClassifier(max_features=3_000).fit(in_scope["text"].tolist(), in_scope["label"].tolist())
classes = list(kyc_clf.classes_)

val_in = kyc_val[kyc_val["label"] != "out_of_scope"]
val_proba = kyc_clf.predict_proba(val_in["text"].tolist())
val_conf = val_proba.max(axis=1)
val_correct = np.asarray(classes)[val_proba.argmax(axis=1)] == val_in["label"].to_numpy()
print(f"temperature {kyc_clf.temperature_:.2f}, validation accuracy {val_correct.mean():.3f}")
print(f"Brier score {brier_score(val_proba, val_in['label'].tolist(), classes):.3f}, "
      f"ECE {expected_calibration_error(val_correct, val_conf):.3f}")
print(reliability_curve(val_conf, val_correct, n_bins=5).round(2).to_string(index=False))

# %% [markdown]
# Read this honestly: temperature scaling helped, but the classifier is **not** calibrated. An expected calibration
# error of 0.079 means confidence and accuracy differ by about eight points on average, and almost all documents
# sit in the top bin, where the model says 0.99 and is right 93 % of the time: it is overconfident. The lower bins
# hold four to eight documents each, too few to read. So nothing below trusts a confidence *as* a probability: each
# class's threshold is chosen from the accuracy observed on validation documents at or above it (exercise 4.5),
# which corrects for the overconfidence, and the outcome is checked again on test.
#
# ### Choosing a threshold from a target precision
#
# For one class, take the validation documents the model *predicted* as that class, sort them by
# confidence, and find the **lowest** cut-off at which the accepted documents are still right at least
# `target_precision` of the time. Lower means more documents go straight through; the target protects
# quality. If no cut-off qualifies, the class is never auto-accepted.
#
# ### Exercise 4.5 — the lowest confidence threshold meeting a target precision
#
# Write `precision_threshold(confidence, correct, target_precision)`. The check tests each requirement below, then
# compares your answer with the reference on random, unsorted documents with tied confidences.
#
# - precision is measured on everything accepted (`confidence >= cut-off`), not on the document at the cut-off
# - return the lowest cut-off that reaches the target (the most coverage); the input may be in any order
# - documents with equal confidence are accepted together
# - when no cut-off qualifies, or there are no documents, return `math.inf` (never auto-accept), not 1.0

# %%
# Exercise 4.5 — the lowest confidence threshold meeting a target precision
def precision_threshold(confidence, correct, target_precision):
    raise NotImplementedError("Exercise 4.5: replace this line with your code")


# %%
precision_threshold = check.precision_threshold(precision_threshold)  # yours once it passes; the reference until you start

# %% [markdown]
# Apply it per class on the validation set. Out-of-scope validation documents count as errors for whatever
# class they were predicted as — that is what pushes thresholds up where such letters look familiar.

# %%
val_all_proba = kyc_clf.predict_proba(kyc_val["text"].tolist())
val_pred = np.asarray(classes)[val_all_proba.argmax(axis=1)]
val_top = val_all_proba.max(axis=1)
rows = []
for cls in classes:
    mine = val_pred == cls
    t = precision_threshold(val_top[mine], kyc_val["label"].to_numpy()[mine] == cls, 0.99)
    rows.append({"class": cls, "predicted": int(mine.sum()), "threshold": round(t, 3)})
print(pd.DataFrame(rows).to_string(index=False))

# %% [markdown]
# > **At a bank.** The threshold table is a *control*, not a tuning detail. It is versioned with the model
# > (`routing.json` next to the weights) and reviewed by the model-risk team like any other parameter (section 5's
# > record applies: how it was chosen, on which data). Small validation sets flatter thresholds, so the library
# > also puts a floor under every threshold (`min_threshold=0.9`): a calibrated 0.6 means four in ten such
# > documents are wrong.
#
# ### Coverage: how much work does the model save?
#
# Coverage is the share of documents that skip manual review: the saving the routing buys at its precision.
#
# ### Exercise 4.6 — the share of documents auto-accepted under per-class thresholds
#
# Write `auto_accept_coverage(proba, classes, thresholds)`: the share of documents whose top probability reaches the
# threshold of *their own predicted class*. The check tests each requirement below, then compares your answer with
# the reference on random batches whose thresholds equal some top probabilities.
#
# - compare each document's top probability with the threshold of its own predicted (most probable) class
# - a document exactly at its threshold is auto-accepted (`>=`)
# - a class without a threshold is never auto-accepted
# - return the share as a float; an empty batch gives NaN

# %%
# Exercise 4.6 — the share of documents auto-accepted under per-class thresholds
def auto_accept_coverage(proba, classes, thresholds):
    raise NotImplementedError("Exercise 4.6: replace this line with your code")


# %%
auto_accept_coverage = check.auto_accept_coverage(auto_accept_coverage)  # yours once it passes; the reference until you start

# %% [markdown]
# Now the full routing: thresholds from validation (with the guards and the floor), evaluated **once** on the
# test split, per subset. Watch the `out_of_scope` row (nothing auto-accepted) and the `ambiguous` row: a
# document that could be two things mostly goes to a human, and it is where the few auto-accept errors
# (`auto_wrong`) come from — the label of such a document is a judgement call even for a person.

# %%
guard = TextGuard(supported_languages=("en", "de", "fr"))  # the languages we have training data for
router = calibrate_router(kyc_clf, kyc_val["text"].tolist(), kyc_val["label"].tolist(), target_precision=0.99,
                          min_support=5, guard=guard)
kyc_model = KycModel(kyc_clf, router)
test_proba = kyc_clf.predict_proba(kyc_test["text"].tolist())
print(f"coverage on test (model only): {auto_accept_coverage(test_proba, classes, router.thresholds):.3f}")
decisions = kyc_model.decide(kyc_test["text"].tolist(), kyc_test["doc_id"].tolist())
routed = kyc_test.assign(route=[d.route for d in decisions],
                         correct=[d.label == y for d, y in zip(decisions, kyc_test["label"])])
routed["auto_wrong"] = (routed["route"] == "auto_accept") & ~routed["correct"]
summary = routed.groupby("subset").agg(
    n=("route", "size"),
    auto_accept=("route", lambda r: (r == "auto_accept").mean()),
    manual_review=("route", lambda r: (r == "manual_review").mean()),
    reject_unknown=("route", lambda r: (r == "reject_unknown").mean()),
    auto_wrong=("auto_wrong", "sum"),
)
auto = routed[routed["route"] == "auto_accept"]
print(summary.round(2).to_string())
print(f"auto-accept precision on test: {auto['correct'].mean():.3f} ({len(auto)} documents)")

# %% [markdown]
# The target was 99 % and test shows 98.3 %: it is **missed**, by two documents out of 118, both from the
# deliberately ambiguous subset. Two things follow. A threshold chosen on a validation set this small is an
# estimate: the 95 % (Wilson) interval for 116 right out of 118 runs from about 94 % to 99.5 %, so this test set can
# neither confirm nor refute the target. And the honest report is the one above, per subset, with the miss stated:
# a bank would validate on far more documents, keep the ambiguous kind in manual review (a per-subset guard or a
# higher threshold for the classes they resemble), and track the realised precision from reviewers' labels in
# production (week 8).

# %% [markdown]
# The guards act before the model: each refusal carries a reason code a reviewer (and an auditor) can read.

# %%
odd = ["", "#### 0042 7781 //// 5521 %%%% 9930", "Estimado cliente, le informamos que su cuenta ha sido bloqueada por "
       "motivos de seguridad y que debe contactar con su oficina.", "x" * 200_000]
for d in kyc_model.decide(odd, ["empty", "garbled", "spanish", "huge"]):
    print(f"{d.doc_id:<8} {d.route:<15} {d.reason:<22} {d.reason_text}")

# %% [markdown]
# The coverage–accuracy curve shows the trade-off a single global threshold would give; the reliability
# diagram, now on test documents, shows the same overconfidence as on validation: the highest-confidence bin
# (printed under the chart) is right less often than its confidence says.

# %%
test_in = kyc_test["label"].to_numpy() != "out_of_scope"
test_conf = test_proba.max(axis=1)[test_in]
test_correct = (np.asarray(classes)[test_proba.argmax(axis=1)] == kyc_test["label"].to_numpy())[test_in]
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
plot_reliability(reliability_curve(test_conf, test_correct), ax=axes[0])
plot_coverage_accuracy(coverage_accuracy_curve(test_conf, test_correct), ax=axes[1])
fig.tight_layout()
plt.show()
top_bin = reliability_curve(test_conf, test_correct).iloc[-1]
print(f"highest-confidence bin on test: mean confidence {top_bin['mean_confidence']:.2f}, "
      f"accuracy {top_bin['accuracy']:.2f}, {int(top_bin['count'])} documents")

# %% [markdown]
# ### The manual-review queue
#
# Documents routed to review go to a queue (SQLite in the workspace). Claims are **leases**: a reviewer whose
# session crashes does not lose the item, it returns to the queue. Every state change is an event, and the
# document text is readable only with the reviewer role. Here we use a throw-away database.

# %%
import tempfile
from pathlib import Path

queue = ReviewQueue(Path(tempfile.mkdtemp()) / "review_queue.db", lease_seconds=900)
for d, text in zip(decisions, kyc_test["text"]):
    if d.route == "manual_review":
        queue.enqueue(d.doc_id, text, predicted=d.label, confidence=d.confidence, reason=d.reason)
first = queue.claim_next("alice")
queue.decide(first.item_id, "alice", label=kyc_test.set_index("doc_id").loc[first.doc_id, "label"])
print(queue.counts())
print([e.event for e in queue.history(first.item_id)])
print(f"{len(queue.decided_labels())} reviewed document(s) ready for retraining")

# %% [markdown]
# > **At a bank.** No document text in logs — the queue logs item ids and reviewers, never content. The
# > `text_viewed` event records who read a document and with which role; reviewer decisions that disagree
# > with the model are the most valuable training data you will get, and the share of disagreements is a
# > monitoring signal in its own right.

# %% [markdown]
# ## Check your understanding
#
# Try each question before you look; the answers are in [`docs/answers.md`](../docs/answers.md#week-4).
#
# 1. A detector has ROC-AUC 0.9 on a period with 1 % anomalies. Why can its alert queue still be mostly false alerts, and what does a random scorer get on PR-AUC compared with ROC-AUC?
# 2. Define precision@k. What should it return when `k` is larger than the number of rows, and why does the order of tied scores need a rule?
# 3. A random split and a walk-forward backtest give different PR-AUCs for the same model. What does the random split hide, and what should you report from a walk-forward backtest?
# 4. Name three ways to choose an alert threshold. Why must each be done on the validation period, and what is wrong with choosing on the test set and reporting the test result?
# 5. The reviewer budget is 8 alerts a day over 2.5 days, and three trades tie on the score at the cut. How many alerts fit, and where does the threshold go if the tied trades do not all fit?
# 6. Recall by anomaly type shows that wash trades are caught about half the time. What does this table tell you that one overall recall number cannot, and what decision does it support?
# 7. What does every decision record (versions, score, threshold, reasons)? Why are the rule-set version and stable reason codes part of it?
# 8. A flagged trade's top model reason is a feature that ranks low in the model card's mean |SHAP| table. Is that a contradiction? What does each view answer, and what should a validator do when a new version's ranking changes?
# 9. In KYC routing, why does calibration matter more than accuracy, why are thresholds chosen per class on validation data, and what does a class whose threshold is `math.inf` mean?

# %% [markdown]
# ## Summary
#
# - With under 1 % anomalies, accuracy says nothing. Report precision, recall, PR-AUC (next to ROC-AUC) and the
#   anomaly share of the period.
# - Reviewers work a queue: precision@k at their daily capacity is the number they feel.
# - Backtest walk-forward by week and report every fold; a random split trains on the future and hides the
#   spread between weeks.
# - Choose thresholds on validation data from capacity, a target precision or costs, and state the expected
#   alerts per day. Never tune on the test set.
# - Recall by anomaly type tells you which rule or feature to add next.
# - Each decision records versions, features, score, threshold and at most four reason codes; the model card
#   adds the global picture per version (mean |SHAP| ranking, summary and dependence plots).
# - For classifiers, check calibration first (reliability curve, Brier score, ECE) and do not trust a confidence
#   as a probability when it fails; route by per-class thresholds chosen on validation for a target precision,
#   guard against out-of-scope input, and send everything else to manual review. Report coverage and precision
#   per subset, with the miss stated when a target is missed; the threshold table and the review queue are
#   controls.
#
# **Previous:** [Week 3: feature engineering](week03_feature_engineering.ipynb).
# **Next:** [Week 5: model serving](week05_model_serving.ipynb). See `roadmap.md` for the whole course.
