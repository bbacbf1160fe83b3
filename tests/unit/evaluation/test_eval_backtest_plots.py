"""Walk-forward backtests never train on the future; plots return Agg figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.linear_model import LogisticRegression

from reference_impl.anomaly import IsolationForestDetector
from reference_impl.errors import DataValidationError
from reference_impl.evaluation import backtest, random_split, recall_by_type, time_splits
from reference_impl.evaluation import plots


def _frame(n=600, seed=0):
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2026-01-05", tz="UTC") + pd.to_timedelta(np.sort(rng.uniform(0, 35, n)), unit="D")
    X = rng.normal(size=(n, 3))
    y = rng.random(n) < 0.05
    X[y] += 4
    return X, y, pd.Series(ts).sample(frac=1, random_state=1).to_numpy()  # unsorted on purpose


@pytest.mark.parametrize("expanding", [True, False])
def test_time_splits_train_strictly_before_test(expanding):
    _, _, ts = _frame()
    ts = pd.DatetimeIndex(ts)
    folds = time_splits(ts, train_weeks=2, expanding=expanding)
    assert len(folds) == 3
    for fold in folds:
        assert ts[fold.train_index].max() < ts[fold.test_index].min()
        assert not set(fold.train_index) & set(fold.test_index)
        if not expanding:
            assert ts[fold.train_index].min() >= fold.train_end - pd.Timedelta(weeks=2)
    assert [len(f.train_index) for f in folds] == sorted(len(f.train_index) for f in folds)


def test_gap_embargo_respected():
    ts = pd.date_range("2026-01-05", periods=35 * 24, freq="h", tz="UTC")
    for fold in time_splits(ts, train_weeks=2, gap=pd.Timedelta(days=2)):
        assert ts[fold.test_index].min() - ts[fold.train_index].max() >= pd.Timedelta(days=2)


@pytest.mark.parametrize(
    "ts, match",
    [
        (pd.date_range("2026-01-05", periods=10, freq="D"), "tz-aware"),
        (pd.date_range("2026-01-05", periods=10, freq="D", tz="UTC"), "too short"),
        (pd.DatetimeIndex([], tz="UTC"), "empty"),
    ],
)
def test_time_splits_bad_input(ts, match):
    with pytest.raises(DataValidationError, match=match):
        time_splits(ts, train_weeks=2)


def test_backtest_unsupervised_and_supervised():
    X, y, ts = _frame()
    out = backtest(IsolationForestDetector(n_estimators=20, random_state=0), X, y, ts, train_weeks=2, k=5)
    assert list(out["fold"]) == [0, 1, 2]
    assert (out["roc_auc"].dropna() > 0.8).all()
    sup = backtest(LogisticRegression(), X, y, ts, train_weeks=2, supervised=True, k=5)
    assert sup["n_test"].sum() == out["n_test"].sum()


def test_random_split_partitions():
    train, test = random_split(10, test_size=0.3, seed=0)
    assert sorted(np.r_[train, test].tolist()) == list(range(10)) and len(test) == 3


def test_plots_return_figures():
    X, y, ts = _frame()
    s = X.sum(axis=1)
    p = 1 / (1 + np.exp(-s))
    figs = [
        plots.plot_pr_curve(y, s, threshold=2.0),
        plots.plot_roc_curve(y, s),
        plots.plot_precision_at_k(y, s, max_k=50),
        plots.plot_calibration(y, p),
        plots.plot_threshold_tradeoff(y, s, n_days=35, cost_missed=50, cost_false_alert=1),
        plots.plot_recall_by_type(recall_by_type(y, s > 2, np.where(y, "a", None))),
        plots.plot_backtest(backtest(IsolationForestDetector(n_estimators=10, random_state=0), X, y, ts)),
    ]
    for fig in figs:
        assert isinstance(fig, Figure) and fig.axes
        fig.canvas.draw()
