"""The limit-breach training set on generated data: stores agree online/offline, labels use hindsight, a model learns."""

from __future__ import annotations

import json
import sqlite3
from functools import cache

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reference_impl.data import make_credit_data, make_prices, make_reference_data
from reference_impl.errors import FeatureStoreError
from reference_impl.features import (
    BREACH_FEATURES,
    CREDIT_FEATURE_VIEWS,
    OfflineStore,
    OnlineStore,
    breach_training_set,
    build_view_rows,
    check_breach_features_online,
    check_online_offline,
    get_view,
    materialize_features,
    time_split,
)
from reference_impl.features.credit_training import FEATURE_CUTOFF, LABEL


@cache
def _data() -> dict[str, pd.DataFrame]:
    ref = make_reference_data(3)
    prices = make_prices(ref, n_days=40, seed=3, step_minutes=30)
    return {**ref, "prices": prices, **make_credit_data(ref, prices, seed=3, max_counterparties=200)}


@cache
def _rows() -> dict[str, pd.DataFrame]:
    return {name: build_view_rows(view, _data()) for name, view in CREDIT_FEATURE_VIEWS.items()}


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    return breach_training_set(_rows())


def test_views_are_declared_with_owner_ttl_and_typed_schema():
    for view in CREDIT_FEATURE_VIEWS.values():
        assert view.owner and view.ttl is not None and view.description
        assert get_view(view.name) is view
    assert get_view("credit_concentration").feature("largest_instrument_id").dtype == "string"


def test_incremental_materialisation_serves_the_offline_point_in_time_value(workspace):
    data = _data()
    offline, online = OfflineStore.from_workspace(workspace), OnlineStore.from_workspace(workspace)
    names = list(CREDIT_FEATURE_VIEWS)
    half = data["exposures"]["published_ts"].quantile(0.5)
    first = materialize_features(data, offline, online, views=names, end=half)
    assert all(r.high_water_mark == half for r in first)
    for name in names:  # as of the first run's end, with only half the feed known
        assert check_online_offline(name, offline, online, now=half).ok
    second = materialize_features(data, offline, online, views=names)
    assert sum(r.rows for r in second) > 0
    for name in names:
        report = check_online_offline(name, offline, online)
        assert report.ok and report.n_compared > 100, report.summary()


def test_online_breach_features_equal_the_training_rows_at_the_same_cutoff(workspace, training):
    offline, online = OfflineStore.from_workspace(workspace), OnlineStore.from_workspace(workspace)
    data = _data()
    cutoffs = np.sort(training["event_timestamp"].unique())
    for now in (pd.Timestamp(cutoffs[6]), pd.Timestamp(cutoffs[len(cutoffs) // 2])):
        # the store as it stood at that cut-off: materialise only what was published by then
        materialize_features(data, offline, online, views=list(CREDIT_FEATURE_VIEWS), end=now)
        report = check_breach_features_online(training, online, now=now)
        assert report.ok and report.n_compared >= 100 * len(BREACH_FEATURES), (report.summary(), report.mismatches)


def test_the_breach_check_names_a_single_skewed_online_value(workspace, training):
    """The same check must fail when serving drifts: one counterparty's utilisation doubled in SQLite only."""
    offline, online = OfflineStore.from_workspace(workspace), OnlineStore.from_workspace(workspace)
    now = pd.Timestamp(np.sort(training["event_timestamp"].unique())[6])
    materialize_features(_data(), offline, online, views=list(CREDIT_FEATURE_VIEWS), end=now)
    at_now = training[training["event_timestamp"] == now].dropna(subset=["limit_utilisation"])
    cp = at_now.sort_values("counterparty_id")["counterparty_id"].iloc[0]
    with sqlite3.connect(online.path) as conn:
        where = "WHERE view = 'credit_utilisation' AND entity_key = ?"
        (payload,) = conn.execute(f"SELECT payload FROM feature_values {where}", (cp,)).fetchone()
        values = json.loads(payload)
        values["limit_utilisation"] *= 2
        conn.execute(f"UPDATE feature_values SET payload = ? {where}", (json.dumps(values), cp))
    conn.close()
    report = check_breach_features_online(training, online, now=now)
    assert not report.ok and report.n_mismatches == 1, report.summary()
    assert (report.mismatches[0]["counterparty_id"], report.mismatches[0]["feature"]) == (cp, "limit_utilisation")


def test_features_never_see_a_correction_published_after_the_cutoff(training):
    exp = _data()["exposures"]
    corrections = exp[exp["is_correction"]]
    after_cutoff = corrections[corrections["published_ts"] > corrections["as_of_ts"] + FEATURE_CUTOFF]
    assert len(after_cutoff) > 20
    # the feature at the cut-off is the sum of the *first* versions; the label reads the corrected truth
    first = exp[~exp["is_correction"]].groupby(["counterparty_id", "as_of_ts"])["exposure_usd"].sum()
    ontime = exp[exp["published_ts"] <= exp["as_of_ts"] + FEATURE_CUTOFF]
    known = ontime.groupby(["counterparty_id", "as_of_ts"])["exposure_usd"].sum()
    rows = training.set_index(["counterparty_id", "close_ts"])
    touched = after_cutoff.set_index(["counterparty_id", "as_of_ts"]).index.unique().intersection(rows.index)
    touched = touched.intersection(known.index)
    assert len(touched) > 10
    assert rows.loc[touched, "exposure_usd"].to_numpy() == pytest.approx(known.loc[touched].to_numpy())
    assert not np.allclose(first.loc[touched].to_numpy(), _final_totals().loc[touched].to_numpy())


def _final_totals() -> pd.Series:
    exp = _data()["exposures"]
    final = exp.sort_values("version").drop_duplicates(["counterparty_id", "instrument_id", "as_of_ts"], keep="last")
    return final.groupby(["counterparty_id", "as_of_ts"])["exposure_usd"].sum()


def test_labels_use_the_next_business_days_final_utilisation(training):
    totals = _final_totals()
    sample = training.sample(200, random_state=0)
    limits = _data()["credit_limits"]
    for _, row in sample.iterrows():
        lim = limits[
            (limits["counterparty_id"] == row["counterparty_id"]) & (limits["effective_ts"] <= row["next_close_ts"])
        ]
        utilisation = totals.loc[(row["counterparty_id"], row["next_close_ts"])] / lim["limit_usd"].iloc[-1]
        assert row[LABEL] == float(utilisation > 1.0)
    assert (training["event_timestamp"] - training["close_ts"] == FEATURE_CUTOFF).all()
    assert 0.02 < training[LABEL].mean() < 0.2


def test_time_split_purges_rows_whose_label_is_in_the_test_period(training):
    train, test = time_split(training, test_share=0.3)
    assert train["close_ts"].max() < test["close_ts"].min()
    assert train["next_close_ts"].max() < test["close_ts"].min()
    assert len(train) + len(test) < len(training), "the last training day's rows are purged"
    with pytest.raises(FeatureStoreError, match="test_share"):
        time_split(training, test_share=1.5)


def test_a_small_model_predicts_tomorrows_breach_on_a_later_period(training):
    train, test = time_split(training, test_share=0.3)
    model = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True), StandardScaler(), LogisticRegression(max_iter=1000)
    )
    features = list(BREACH_FEATURES)
    model.fit(train[features], train[LABEL])
    score = model.predict_proba(test[features])[:, 1]
    auc = roc_auc_score(test[LABEL], score)
    ap = average_precision_score(test[LABEL], score)
    persistence = roc_auc_score(test[LABEL], test["limit_utilisation"].fillna(0.0))
    prevalence = test[LABEL].mean()
    assert auc > 0.9, f"test ROC AUC {auc:.3f}"
    assert ap > 4 * prevalence, f"average precision {ap:.3f} vs prevalence {prevalence:.3f}"
    assert auc >= persistence - 0.01, f"model {auc:.3f} worse than today's utilisation alone {persistence:.3f}"
    # direction: more utilisation today never lowers tomorrow's breach probability, all else equal
    row = test[features].median().to_frame().T
    probs = [model.predict_proba(row.assign(limit_utilisation=u))[0, 1] for u in (0.5, 0.9, 1.1)]
    assert probs == sorted(probs)
