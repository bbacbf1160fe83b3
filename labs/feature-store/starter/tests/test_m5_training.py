"""Milestone 5: the limit-breach training set — features as of the cut-off, labels as finally known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import filled_stores
from featurestore_lab import FEATURE_CUTOFF, FEATURES, LABEL, FeatureStoreError, breach_training_set, time_split
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

_CACHE: dict[str, pd.DataFrame] = {}


def training(tmp_path) -> pd.DataFrame:
    if "frame" not in _CACHE:
        offline, _ = filled_stores(tmp_path)
        _CACHE["frame"] = breach_training_set(offline)
    return _CACHE["frame"]


def final_totals(exp: pd.DataFrame) -> pd.Series:
    last = exp.sort_values("version").drop_duplicates(["counterparty_id", "instrument_id", "as_of_ts"], keep="last")
    return last.groupby(["counterparty_id", "as_of_ts"])["exposure_usd"].sum()


def test_one_row_per_counterparty_close_timed_at_the_cutoff(tmp_path):
    frame = training(tmp_path)
    missing = [
        c
        for c in ("counterparty_id", "event_timestamp", "close_ts", "next_close_ts", LABEL, *FEATURES)
        if c not in frame.columns
    ]
    assert not missing, f"training set: missing column(s) {missing}"
    assert not frame.duplicated(["counterparty_id", "close_ts"]).any(), "training set: duplicated (counterparty, close)"
    gap = (frame["event_timestamp"] - frame["close_ts"]).unique()
    assert list(gap) == [FEATURE_CUTOFF], f"event_timestamp should be close + {FEATURE_CUTOFF}, got {list(gap)[:3]}"


def test_features_use_only_what_was_published_by_the_cutoff(tmp_path, data):
    frame = training(tmp_path).set_index(["counterparty_id", "close_ts"])
    exp = data["exposures"]
    cutoff = exp["as_of_ts"] + FEATURE_CUTOFF
    known = exp[exp["published_ts"] <= cutoff]
    known = known.sort_values("version").drop_duplicates(["counterparty_id", "instrument_id", "as_of_ts"], keep="last")
    known = known.groupby(["counterparty_id", "as_of_ts"])["exposure_usd"].sum()
    corrected = exp[exp["is_correction"] & (exp["published_ts"] > cutoff)]
    keys = corrected.set_index(["counterparty_id", "as_of_ts"]).index.unique().intersection(known.index)
    keys = keys.intersection(frame.index)
    assert len(keys) > 5, "the dataset should hold closes corrected after their cut-off"
    got, want = frame.loc[keys, "exposure_usd"].to_numpy(), known.loc[keys].to_numpy()
    bad = int((~np.isclose(got, want)).sum())
    assert bad == 0, f"leakage: {bad} of {len(keys)} closes use a correction published after the cut-off"


def test_labels_are_the_next_closes_final_utilisation(tmp_path, data):
    frame = training(tmp_path)
    totals, limits = final_totals(data["exposures"]), data["credit_limits"]
    wrong = 0
    for _, row in frame.sample(150, random_state=0).iterrows():
        lim = limits[
            (limits["counterparty_id"] == row["counterparty_id"]) & (limits["effective_ts"] <= row["next_close_ts"])
        ]
        breach = totals.loc[(row["counterparty_id"], row["next_close_ts"])] / lim["limit_usd"].iloc[-1] > 1.0
        wrong += row[LABEL] != float(breach)
    assert wrong == 0, f"{wrong} of 150 labels differ from the next close's final utilisation > 1"


def test_time_split_is_ordered_and_purged(tmp_path):
    frame = training(tmp_path)
    train, test = time_split(frame, test_share=0.3)
    assert train["close_ts"].max() < test["close_ts"].min(), "time_split: training days must precede test days"
    assert train["next_close_ts"].max() < test["close_ts"].min(), (
        "time_split: a training row's label falls in the test period (purge the last training day)"
    )
    with pytest.raises(FeatureStoreError):
        time_split(frame, test_share=0.0)


def test_a_small_model_predicts_tomorrows_breach(tmp_path):
    train, test = time_split(training(tmp_path), test_share=0.3)
    model = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler(), LogisticRegression())
    model.fit(train[list(FEATURES)], train[LABEL])
    auc = roc_auc_score(test[LABEL], model.predict_proba(test[list(FEATURES)])[:, 1])
    assert auc > 0.85, f"breach model: test ROC AUC {auc:.3f} (want > 0.85)"
