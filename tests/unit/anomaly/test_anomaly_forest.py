"""IsolationForestDetector follows scikit-learn's contract; FastForestScorer reproduces its scores."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from reference_impl.anomaly.forest import FastForestScorer, IsolationForestDetector, average_path_length
from reference_impl.errors import ModelError, ModelInputError


@parametrize_with_checks([IsolationForestDetector(n_estimators=10, random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _data(n=300, d=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


def test_matches_sklearn_isolation_forest_with_same_seed():
    X = _data()
    ours = IsolationForestDetector(n_estimators=25, random_state=3).fit(X)
    ref = IsolationForest(n_estimators=25, random_state=3).fit(X)
    np.testing.assert_allclose(ours.score_samples(X), ref.score_samples(X))
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.anomaly_score(X), -ref.score_samples(X))


def test_outlier_scores_higher_and_predicts_minus_one():
    X = _data()
    det = IsolationForestDetector(n_estimators=50, random_state=0).fit(X)
    far, centre = np.full((1, 4), 8.0), np.zeros((1, 4))
    assert det.anomaly_score(far)[0] > det.anomaly_score(centre)[0] + 0.1
    assert det.predict(far)[0] == -1 and det.predict(centre)[0] == 1


def test_works_in_pipeline_and_get_params_roundtrip():
    X = _data()
    pipe = make_pipeline(StandardScaler(), IsolationForestDetector(n_estimators=20, random_state=0)).fit(X)
    assert pipe.score_samples(X).shape == (300,)
    assert pipe.get_params()["isolationforestdetector__n_estimators"] == 20


def test_dataframe_feature_order_is_enforced():
    df = pd.DataFrame(_data(), columns=["a", "b", "c", "d"])
    det = IsolationForestDetector(n_estimators=10, random_state=0).fit(df)
    assert list(det.feature_names_in_) == ["a", "b", "c", "d"]
    with pytest.raises(ModelInputError, match="order"):
        det.score_samples(df[["b", "a", "c", "d"]])
    with pytest.raises(ModelInputError, match="missing"):
        det.score_samples(df[["a", "b", "c"]])
    with pytest.warns(UserWarning, match="feature names"), pytest.raises(ModelInputError, match="3 features"):
        det.score_samples(df[["a", "b", "c"]].to_numpy())


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_rejected(bad):
    X = _data()
    det = IsolationForestDetector(n_estimators=10, random_state=0).fit(X)
    X[5, 2] = bad
    with pytest.raises(ModelInputError):
        det.score_samples(X)
    with pytest.raises(ModelInputError):
        FastForestScorer.from_estimator(det).score_samples(X)
    with pytest.raises(ModelInputError):
        IsolationForestDetector().fit(X)


def test_unfitted_raises():
    with pytest.raises(NotFittedError):
        IsolationForestDetector().score_samples(_data())
    with pytest.raises(ModelError, match="unfitted"):
        FastForestScorer.from_estimator(IsolationForestDetector())


@pytest.mark.parametrize("params", [{"contamination": 0.7}, {"contamination": 0.0}, {"n_estimators": 0}])
def test_bad_params_rejected_in_fit(params):
    with pytest.raises(ModelInputError):
        IsolationForestDetector(**params).fit(_data())


def test_fast_scorer_input_errors():
    det = IsolationForestDetector(n_estimators=10, random_state=0).fit(pd.DataFrame(_data(), columns=list("abcd")))
    fast = FastForestScorer.from_estimator(det)
    with pytest.raises(ModelInputError, match="empty"):
        fast.score_samples(np.empty((0, 4)))
    with pytest.raises(ModelInputError, match="3 features"):
        fast.score_samples(np.zeros((2, 3)))
    with pytest.raises(ModelInputError, match="order"):
        fast.score_samples(pd.DataFrame(np.zeros((2, 4)), columns=list("badc")))
    with pytest.raises(ModelError):
        FastForestScorer.from_estimator(object())


def test_average_path_length_known_values():
    np.testing.assert_allclose(average_path_length(np.array([0, 1, 2, 3])), [0, 0, 1, 2 * (np.log(2) + np.euler_gamma) - 4 / 3])


# --- the fast scorer equals scikit-learn, for all forests and inputs -------------------------------------------

_forest_params = st.fixed_dictionaries(
    {
        "n_estimators": st.integers(1, 12),
        "max_samples": st.one_of(st.just("auto"), st.integers(1, 80), st.floats(0.1, 1.0)),
        "max_features": st.one_of(st.just(1.0), st.floats(0.3, 1.0)),
        "bootstrap": st.booleans(),
        "contamination": st.one_of(st.just("auto"), st.floats(0.01, 0.5)),
        "random_state": st.integers(0, 2**16),
    }
)
_values = st.floats(-1e6, 1e6, allow_nan=False, width=64) | st.sampled_from([0.0, -0.0, 1.0, 1e-30, 3.4e38])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=_forest_params,
    n_features=st.integers(1, 5),
    data=st.data(),
)
def test_fast_scorer_equals_sklearn(params, n_features, data):
    n_train = data.draw(st.integers(2, 80), label="n_train")
    X = data.draw(arrays(np.float64, (n_train, n_features), elements=_values), label="X")
    X_test = data.draw(arrays(np.float64, (data.draw(st.integers(1, 20)), n_features), elements=_values), label="X_test")
    X_test = np.vstack([X_test, X[: min(5, n_train)]])  # training points hit thresholds exactly
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # max_samples > n_samples is clipped, with a warning
        try:
            forest = IsolationForest(**params).fit(X)
        except ValueError:  # scikit-learn itself refuses (e.g. a bootstrap draw with all-zero weights)
            reject()
    fast = FastForestScorer.from_estimator(forest)
    assert np.max(np.abs(fast.score_samples(X_test) - forest.score_samples(X_test))) <= 1e-9
    assert np.max(np.abs(fast.score_samples(X_test[:1]) - forest.score_samples(X_test[:1]))) <= 1e-9
    decision = forest.decision_function(X_test)
    clear = np.abs(decision) > 1e-9  # exactly at the offset, a 1e-16 rounding difference may flip predict
    np.testing.assert_array_equal(fast.predict(X_test)[clear], forest.predict(X_test)[clear])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), nan_share=st.floats(0.05, 0.6))
def test_fast_scorer_routes_nan_like_sklearn(seed, nan_share):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 3))
    X[rng.random(X.shape) < nan_share / 3] = np.nan  # NaN seen in training sets missing_go_to_left
    forest = IsolationForest(n_estimators=8, random_state=seed).fit(X)
    X_test = rng.normal(size=(50, 3))
    X_test[rng.random(X_test.shape) < nan_share] = np.nan
    fast = FastForestScorer.from_estimator(forest)
    assert np.max(np.abs(fast.score_samples(X_test) - forest.score_samples(X_test))) <= 1e-9


def test_fast_scorer_large_batch_crosses_chunks():
    X = _data(2000, 6, seed=1)
    det = IsolationForestDetector(n_estimators=30, random_state=0).fit(X)
    fast = FastForestScorer.from_estimator(det)
    X_test = _data(5003, 6, seed=2) * 3
    assert np.max(np.abs(fast.score_samples(X_test) - det.score_samples(X_test))) <= 1e-9
    np.testing.assert_allclose(fast.decision_function(X_test), det.decision_function(X_test), atol=1e-9)


# --- real data: the published ROC-AUC, and the fast scorer on it -----------------------------------------------


@pytest.fixture
def shared_dataset(request):
    """``shared_dataset`` from tests/conftest.py, found through pytest's plugin manager.

    ``from conftest import shared_dataset`` would pick up whichever conftest module pytest loaded last
    (tests/unit/kyc has one too), so the helper is looked up by file instead.
    """
    root_conftest = (Path(__file__).resolve().parents[2] / "conftest.py").resolve()
    for plugin in request.config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) and Path(plugin.__file__).resolve() == root_conftest:
            return plugin.shared_dataset
    pytest.fail("tests/conftest.py is not loaded")


@pytest.mark.parametrize("name, published", [("32_shuttle.npz", 1.00), ("23_mammography.npz", 0.86)])
def test_reproduces_published_roc_auc(name, published, shared_dataset):
    data = np.load(shared_dataset(f"adbench/{name}"), allow_pickle=False)
    X, y = data["X"].astype(np.float64), data["y"].astype(int)
    aucs, diffs = [], []
    for seed in range(3):
        det = IsolationForestDetector(random_state=seed).fit(X)
        aucs.append(roc_auc_score(y, det.anomaly_score(X)))
        fast = FastForestScorer.from_estimator(det)
        sample = X[np.random.default_rng(seed).choice(len(X), 5000, replace=False)]
        diffs.append(np.max(np.abs(fast.score_samples(sample) - det.score_samples(sample))))
    assert abs(np.mean(aucs) - published) <= 0.02, f"mean ROC-AUC {np.mean(aucs):.3f} vs published {published}"
    assert max(diffs) <= 1e-9
