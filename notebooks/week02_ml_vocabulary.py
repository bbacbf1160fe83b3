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
# # Week 2: ML vocabulary on banking data
#
# This week introduces the words a model-risk reviewer will use in your first design review, and what each
# one means in code: features and labels, supervised and unsupervised learning, train/validation/test splits
# by time, baselines, under- and over-fitting. You also train your first two models on trade data.
#
# **Objectives.** By the end of this notebook you can:
# 1. tell supervised from unsupervised learning, and features from labels, using trade-surveillance examples;
# 2. split data by time so that nothing from the future leaks into training (Exercise 2.1);
# 3. build a baseline first and explain why 97 % accuracy can be worthless (Exercise 2.2);
# 4. compute precision and recall from a confusion matrix, including when they are undefined (Exercise 2.3);
# 5. read learning and validation curves for under- and over-fitting;
# 6. train a first classifier and a first `IsolationForest`, and read scikit-learn's estimator API.
#
# **Prerequisites.** [Week 1](week01_python_refresh.ipynb) (pandas, time zones). Optional: course 1, weeks 1–3 of
# the Machine Learning Specialization.
# **Time.** About 1 hour in the notebook, plus 2 hours of exercises (the roadmap's estimate).
#
# **Exercises.** Each exercise ships *not started*: its cell raises `NotImplementedError`, and the check cell below
# it prints `Exercise 2.N not started` (later cells then use the reference solution, so the notebook still runs).
# Replace the `raise` line with your code, run the cell, then run the check: it prints `Exercise 2.N passed (k/k
# cases)`, or raises with the case that failed, the requirement it tests and a hint. Stuck? `check.hint("2.1")`
# gives graded hints (call it again for the next one) and `check.solution("2.1")` shows the reference solution.
# `ibml progress notebooks/week02_ml_vocabulary.ipynb` shows where you are;
# `git checkout -- notebooks/week02_ml_vocabulary.ipynb` resets the notebook to its shipped state.

# %%
# Setup: imports, parameters, and a small seeded dataset with trade features (a few seconds).
# %matplotlib inline
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sklearn
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import TimeSeriesSplit, learning_curve, validation_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from reference_impl import data, features
from reference_impl.exercises.week02 import check, reference

warnings.filterwarnings("ignore", category=FutureWarning)  # keep teaching output free of library notices
pd.set_option("display.width", 120)

SEED = 11
N_TRADES = 6_000
N_DAYS = 15
ANOMALY_RATE = 0.03  # higher than reality (well under 1 %) so that a small sample has enough positives

ref = data.make_reference_data(seed=SEED)
prices = data.make_prices(ref, n_days=N_DAYS, seed=SEED)
trades = data.make_trades(ref, prices, n_trades=N_TRADES, seed=SEED, anomaly_rate=ANOMALY_RATE)
feats = features.build_trade_features(trades, ref, prices)
dataset = feats.assign(is_anomaly=trades["is_anomaly"].to_numpy(), anomaly_type=trades["anomaly_type"].to_numpy())
FEATURES = list(features.MODEL_FEATURES)
print(f"{len(dataset):,} trade events, {len(FEATURES)} features, {dataset['is_anomaly'].mean():.1%} labelled anomalous")

# %%
# NBVAL_IGNORE_OUTPUT: library versions differ between installs; they are shown for bug reports only.
print(f"scikit-learn {sklearn.__version__} | pandas {pd.__version__} | numpy {np.__version__}")

# %% [markdown]
# ## 1. Features, labels, supervised and unsupervised
#
# - A **feature** is a number describing one example (here, one trade event). For instance: how large the
#   notional is compared with this trader's usual size, how far the price is from the reference price, and
#   how late the booking was. `reference_impl.features` builds them; week 3 shows how.
# - A **label** is the answer we would like to predict. Here it is `is_anomaly`. Our data is synthetic, so
#   every row has one. In a bank, labels come from investigations. They are few, arrive late, and only exist
#   for the trades someone looked at.
# - **Supervised** learning fits a mapping from features to labels (a classifier). **Unsupervised** learning
#   looks for structure without labels. An anomaly detector such as `IsolationForest` learns what "usual"
#   looks like and scores how unusual each trade is.

# %%
print(dataset[["trade_id"] + FEATURES[:4] + ["is_anomaly"]].head(3).round(3).to_string(index=False))
print()
print(dataset["anomaly_type"].fillna("normal").value_counts().to_string())

# %% [markdown]
# ## 2. Train, validation and test, split by time
#
# - **train**: the model learns its parameters from it;
# - **validation**: you choose between models, thresholds and settings with it;
# - **test**: touched once, at the end, to estimate performance on data nobody tuned on.
#
# Trades arrive in time order, and the model will be used on *future* trades, so the split must be by time.
# A random split puts Friday's trades into training and asks the model to "predict" Thursday's. It is
# learning from the future, and the score it reports will not survive production.

# %% [markdown]
# ### Exercise 2.1: a time-based split that leaks nothing
#
# Write `time_based_split(df, time_col="exec_ts", test_fraction=0.2)`. It returns `(train, test)`. The check tests
# each requirement below, then compares your answer with the reference on random frames: unsorted, with runs of equal
# timestamps, a time column with another name, and other test fractions.
#
# - sort by `time_col` (whatever column it names) and cut by time: every test row is strictly later than every
#   training row; never shuffle
# - the cut is the timestamp of the row at position `round(n * (1 - test_fraction))` of the sorted rows, and every row
#   at that timestamp goes to test
# - both parts keep the original index and columns and are sorted by time; an empty frame gives two empty frames
# - a missing timestamp, or a `test_fraction` outside (0, 1), raises `ValueError`

# %%
# Exercise 2.1 — A time-based split that leaks nothing
def time_based_split(df: pd.DataFrame, time_col: str = "exec_ts",
                     test_fraction: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    raise NotImplementedError("Exercise 2.1: replace this line with your code")


# %%
time_based_split = check.time_based_split(time_based_split)  # yours once it passes; the reference until you start

# %%
development, test = time_based_split(dataset, "exec_ts", test_fraction=0.2)
train, validation = time_based_split(development, "exec_ts", test_fraction=0.25)
for name, part in [("train", train), ("validation", validation), ("test", test)]:
    print(f"{name:<11} {len(part):>5} rows  {part['exec_ts'].min():%Y-%m-%d %H:%M} .. "
          f"{part['exec_ts'].max():%Y-%m-%d %H:%M}  anomalies {int(part['is_anomaly'].sum())}")

# %% [markdown]
# > **At a bank.** Model validation (under SR 11-7 in the US, and similar rules elsewhere) asks how you know
# > the reported performance will hold. "Out-of-time test set, never used for tuning" is the answer reviewers
# > expect. Record the split dates in the model documentation (week 7 writes them into the model card).

# %% [markdown]
# ## 3. Baselines first
#
# Before training anything, ask what a trivial rule scores. Most trades are normal, so always predicting
# "normal" is right most of the time. Any model has to beat that, on a metric that matters.

# %% [markdown]
# ### Exercise 2.2: majority-class baseline accuracy
#
# Write `majority_baseline_accuracy(y_train, y_test)`: the accuracy of always predicting the training majority. The
# check tests each requirement below, then compares your answer with the reference on random labels (strings,
# integers, booleans) whose training set has a tie.
#
# - predict the most frequent label of `y_train` (never look at `y_test`) and return the share of `y_test` that
#   prediction gets right, as a float
# - a tie between labels is broken by the smallest label in sorted order
# - accept lists, numpy arrays and pandas Series (compare values, not index labels)
# - an empty `y_test` gives NaN; an empty `y_train` raises `ValueError`

# %%
# Exercise 2.2 — Majority-class baseline accuracy
def majority_baseline_accuracy(y_train, y_test) -> float:
    raise NotImplementedError("Exercise 2.2: replace this line with your code")


# %%
majority_baseline_accuracy = check.majority_baseline_accuracy(majority_baseline_accuracy)  # yours once it passes; the reference until you start

# %%
baseline = majority_baseline_accuracy(train["is_anomaly"], validation["is_anomaly"])
dummy = DummyClassifier(strategy="most_frequent").fit(train[FEATURES], train["is_anomaly"])
print(f"majority baseline accuracy on validation: {baseline:.3f}")
print(f"DummyClassifier agrees: {dummy.score(validation[FEATURES], validation['is_anomaly']):.3f}")
print("anomalies it catches:", int(dummy.predict(validation[FEATURES]).sum()))

# %% [markdown]
# Near-perfect accuracy, and not a single anomaly caught. With rare positives, accuracy measures the wrong
# thing. We need metrics about the positives themselves.

# %% [markdown]
# ### Exercise 2.3: precision and recall from counts
#
# Write `precision_recall(tp, fp, fn)` from the confusion counts `tp` (true alerts), `fp` (false alerts) and `fn`
# (missed anomalies). The check tests each requirement below, then compares your answer with the reference on random
# counts.
#
# - precision is `tp / (tp + fp)` and recall is `tp / (tp + fn)`
# - a zero denominator makes that value NaN (undefined), not 0
# - return a `(precision, recall)` tuple of floats, also for numpy integer counts
# - a negative count raises `ValueError`

# %%
# Exercise 2.3 — Precision and recall from counts
def precision_recall(tp: int, fp: int, fn: int) -> tuple[float, float]:
    raise NotImplementedError("Exercise 2.3: replace this line with your code")


# %%
precision_recall = check.precision_recall(precision_recall)  # yours once it passes; the reference until you start

# %% [markdown]
# ## 4. A first classifier
#
# This is logistic regression in a `Pipeline`: the steps are fitted on training data only, then applied
# unchanged to validation data. Median imputation fills the rolling z-scores that are missing early in
# each trader's history, and standard scaling puts all features on one scale.

# %%
classifier = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=1000))
classifier.fit(train[FEATURES], train["is_anomaly"])
predicted = classifier.predict(validation[FEATURES])
tn, fp, fn, tp = confusion_matrix(validation["is_anomaly"], predicted, labels=[False, True]).ravel()
precision, recall = precision_recall(tp, fp, fn)
print(f"tp={tp} fp={fp} fn={fn} tn={tn}")
print(f"precision {precision:.2f}  recall {recall:.2f}")
print("baseline precision and recall:", precision_recall(0, 0, int(validation["is_anomaly"].sum())))

# %% [markdown]
# Read the two numbers separately. Precision is the share of alerts that are real anomalies, and is what
# the operations team experiences. Recall is the share of anomalies that raised an alert, and is what
# compliance worries about. The baseline has no alerts, so its precision is undefined (`nan`) and its recall
# is 0. The 0.5 probability threshold is only a default. Week 4 chooses thresholds deliberately, against an
# alert budget.

# %% [markdown]
# ## 5. Under- and over-fitting
#
# A decision tree's `max_depth` controls its capacity. Too shallow, and it cannot express the pattern: it
# **under-fits**, so training and validation scores are both low. Too deep, and it memorises the training
# trades: it **over-fits**, with a high training score and a falling validation score. A *validation curve*
# shows both. `TimeSeriesSplit` keeps each validation fold later than its training data. The score is
# average precision, a ranking metric that suits rare positives (week 4).

# %%
depths = [1, 2, 4, 8, 16, None]
tree = make_pipeline(SimpleImputer(strategy="median"), DecisionTreeClassifier(random_state=0))
train_scores, val_scores = validation_curve(
    tree, development[FEATURES], development["is_anomaly"], param_name="decisiontreeclassifier__max_depth",
    param_range=depths, cv=TimeSeriesSplit(n_splits=3), scoring="average_precision",
)
curve = pd.DataFrame({"max_depth": [str(d) for d in depths], "train": train_scores.mean(axis=1),
                      "validation": val_scores.mean(axis=1)})
print(curve.round(2).to_string(index=False))
print("best max_depth on validation:", curve.loc[curve["validation"].idxmax(), "max_depth"])

# %% [markdown]
# A *learning curve* asks the other question: would more data help? Here it is for logistic regression, on
# growing slices of the same time-ordered folds.

# %%
sizes, lc_train, lc_val = learning_curve(
    classifier, development[FEATURES], development["is_anomaly"], train_sizes=[0.25, 0.5, 0.75, 1.0],
    cv=TimeSeriesSplit(n_splits=3), scoring="average_precision",
)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
ax1.plot(curve["max_depth"], curve["train"], marker="o", label="train")
ax1.plot(curve["max_depth"], curve["validation"], marker="o", label="validation")
ax1.set(title="Validation curve (decision tree)", xlabel="max_depth", ylabel="average precision")
ax2.plot(sizes, lc_train.mean(axis=1), marker="o", label="train")
ax2.plot(sizes, lc_val.mean(axis=1), marker="o", label="validation")
ax2.set(title="Learning curve (logistic regression)", xlabel="training rows", ylabel="average precision")
ax1.legend()
fig.tight_layout()
plt.show()
print(pd.DataFrame({"rows": sizes, "train": lc_train.mean(axis=1), "validation": lc_val.mean(axis=1)})
      .round(2).to_string(index=False))

# %% [markdown]
# How to read the two curves:
# - **Validation curve.** On the shallow side of the best depth, training and validation scores are both
#   low: the tree under-fits, and more capacity helps. On the deep side, the training score heads to 1.0
#   while the validation score falls: the tree over-fits and memorises training trades. Choose the depth
#   where validation peaks, using validation data, never the test set.
# - **Learning curve.** If the validation score is still rising at the largest size, more history would help
#   more than a bigger model. If it has levelled off, with a gap to training, try better features or more
#   regularisation instead. With this few positives, the scores are noisy: read the trend, not the decimals.

# %% [markdown]
# ## 6. A first IsolationForest: anomalies without labels
#
# `IsolationForest` builds random trees that split features at random values. Unusual points get isolated
# in few splits, so they have short paths and high anomaly scores. The model sees **no labels**. We use
# labels only afterwards, to see what it found. It accepts NaN in features (scikit-learn ≥ 1.4 routes
# missing values down the tree), so it needs no imputer here.

# %%
forest = IsolationForest(n_estimators=100, random_state=SEED)
forest.fit(train[FEATURES])  # note: no y
scores = -forest.score_samples(validation[FEATURES])  # sklearn: lower = more abnormal; we flip the sign
budget = 2 * int(validation["is_anomaly"].sum())  # pretend operations can review twice as many alerts as anomalies
flagged = scores >= np.sort(scores)[-budget]
is_anomaly = validation["is_anomaly"].to_numpy()
tp, fp, fn = int((flagged & is_anomaly).sum()), int((flagged & ~is_anomaly).sum()), int((~flagged & is_anomaly).sum())
precision, recall = precision_recall(tp, fp, fn)
print(f"alerts {tp + fp}: tp={tp} fp={fp} fn={fn}  precision {precision:.2f}  recall {recall:.2f}")
caught = validation.assign(flagged=flagged).groupby(validation["anomaly_type"].fillna("normal"))["flagged"].mean()
print(caught.sort_values(ascending=False).round(2).to_string())

# %% [markdown]
# The table shows the share of each anomaly type that made it into the alert budget. The forest is good at
# what is *numerically* extreme, such as a fat-finger notional or an off-market price. It is weaker where the
# signal is a yes/no flag or needs context, such as a trade at the wrong hour or a booking late against the
# desk's SLA. Rules and better features close that gap. Week 3 builds the features
# (`reference_impl.features`), and the trade anomaly service (Project A) combines the forest with rules and
# reason codes.

# %% [markdown]
# ## 7. Reading scikit-learn code
#
# Every scikit-learn model follows one contract, and `reference_impl` follows it too:
# - `__init__` only stores hyperparameters (`get_params()` returns them; `clone` copies an unfitted model);
# - `fit(X, y=None)` learns from data and sets **fitted attributes, whose names end in `_`**;
# - `predict` / `predict_proba` / `score_samples` / `decision_function` use them, and raise `NotFittedError`
#   if `fit` has not run.

# %%
print({k: v for k, v in forest.get_params().items() if k in ("n_estimators", "max_samples", "contamination")})
print("fitted attributes:", sorted(k for k in vars(forest) if k.endswith("_") and not k.startswith("_")))
print("logistic regression coefficients shape:", classifier[-1].coef_.shape)
try:
    IsolationForest().score_samples(validation[FEATURES].to_numpy())
except NotFittedError as exc:
    print("NotFittedError:", str(exc).split(".")[0])

# %% [markdown]
# > **At a bank.** The fitted attributes *are* the model. Change management asks for the exact parameters, the
# > training data's time range and a digest of that data, and the library versions. Then anyone can rebuild and
# > re-score the same model. Week 7 records all of these with MLflow.

# %% [markdown]
# ## Check your understanding
#
# Try each question before you look; the answers are in [`docs/answers.md`](../docs/answers.md#week-2).
#
# 1. In trade surveillance, what is a feature and what is a label? Why is `IsolationForest` unsupervised while the logistic regression is supervised, and what does that change about the labels you need?
# 2. Why must the train/test split be by time rather than random? Describe what a random split lets the model "see".
# 3. Several trades share the timestamp at the cut. Where do they all go in `time_based_split`, and what would go wrong if they were split between train and test?
# 4. What are the three roles of train, validation and test data? Which one may you use to choose a model's `max_depth` or threshold, and how often do you touch the test set?
# 5. A majority-class baseline scores 97 % accuracy on the validation set. Why is that worthless here, and what must any model beat instead?
# 6. With `tp=0, fp=0, fn=12`, what are precision and recall, and why is precision `nan` rather than 0? Which of the two does the operations team feel, and which does compliance worry about?
# 7. On a validation curve, what do under-fitting and over-fitting look like? On a learning curve, what tells you that more history would help more than a bigger model?
# 8. In scikit-learn, what is the difference between a hyperparameter (`get_params()`) and a fitted attribute ending in `_`? What must change management record so that anyone can rebuild the same fitted model?

# %% [markdown]
# ## Summary
#
# - Features describe an example, and a label is the answer. Supervised models need labels; unsupervised
#   anomaly detection does not.
# - Split by time: train < validation < test. No timestamp may sit on both sides of a cut.
# - Start with a baseline. With rare positives, accuracy is misleading: report precision and recall, and
#   treat undefined values as `nan`.
# - Validation curves show under- and over-fitting. Learning curves show whether more data would help.
# - `IsolationForest` finds numerically extreme trades without labels. Context-dependent anomalies need
#   features and rules.
# - The estimator API (`fit`, fitted attributes ending in `_`, `NotFittedError`) is the same everywhere.
#
# **Previous:** [Week 1: Python for ML-adjacent backend work](week01_python_refresh.ipynb).
# **Next:** [Week 3: feature engineering](week03_feature_engineering.ipynb). See `roadmap.md` for the whole
# course.
