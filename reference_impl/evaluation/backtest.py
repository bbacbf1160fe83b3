"""Time-based backtests: train on earlier weeks, test on the following week, walk forward.

A random train/test split lets the model see the future: rows from the same incident, the same day's
market or the same new counterparty land on both sides, and the test score comes out optimistic. In
production a model only ever scores events after its training data, so we evaluate it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from reference_impl.errors import DataValidationError
from reference_impl.evaluation.metrics import pr_auc, precision_at_k, roc_auc

WEEK = pd.Timedelta(days=7)


@dataclass(frozen=True)
class Fold:
    """One walk-forward split: row positions and the time windows they cover (train ``[start, end)``)."""

    fold: int
    train_index: np.ndarray
    test_index: np.ndarray
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_end: pd.Timestamp


def _utc_times(timestamps: Any) -> pd.DatetimeIndex:
    ts = timestamps if isinstance(timestamps, pd.DatetimeIndex) else pd.DatetimeIndex(pd.Series(timestamps))
    if len(ts) == 0:
        raise DataValidationError("timestamps is empty: nothing to split")
    if ts.tz is None:
        raise DataValidationError("timestamps must be tz-aware (UTC); naive timestamps are ambiguous")
    if ts.hasnans:
        raise DataValidationError("timestamps contain NaT")
    return ts.tz_convert("UTC")


def time_splits(
    timestamps: Any,
    *,
    train_weeks: int = 2,
    test_weeks: int = 1,
    expanding: bool = True,
    gap: pd.Timedelta = pd.Timedelta(0),
) -> list[Fold]:
    """Walk-forward folds over weekly windows starting at the first timestamp.

    Fold ``i`` trains on ``[start, start + (train_weeks + i) weeks)`` (or a rolling window of
    ``train_weeks`` when ``expanding=False``) and tests on the next ``test_weeks``, after an optional
    ``gap`` (embargo, e.g. for labels that arrive late). Rows need not be sorted.

    Examples
    --------
    >>> ts = pd.date_range("2026-01-05", periods=28, freq="D", tz="UTC")
    >>> [(f.fold, len(f.train_index), len(f.test_index)) for f in time_splits(ts, train_weeks=2)]
    [(0, 14, 7), (1, 21, 7)]
    """
    ts = _utc_times(timestamps)
    if train_weeks < 1 or test_weeks < 1:
        raise DataValidationError(f"train_weeks and test_weeks must be >= 1, got {train_weeks}, {test_weeks}")
    start = ts.min()
    last = ts.max()
    folds: list[Fold] = []
    i = 0
    while True:
        train_end = start + (train_weeks + i * test_weeks) * WEEK
        test_start = train_end + gap
        test_end = test_start + test_weeks * WEEK
        if test_start > last:
            break
        train_start = start if expanding else train_end - train_weeks * WEEK
        in_train = np.asarray((ts >= train_start) & (ts < train_end))
        in_test = np.asarray((ts >= test_start) & (ts < test_end))
        if in_test.any() and in_train.any():
            folds.append(
                Fold(len(folds), np.flatnonzero(in_train), np.flatnonzero(in_test), train_start, train_end, test_end)
            )
        i += 1
    if not folds:
        raise DataValidationError(
            f"the data span ({last - start}) is too short for {train_weeks} training week(s) plus {test_weeks} test week(s)"
        )
    return folds


def random_split(n: int, *, test_size: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train/test positions — the split that hides leakage; here for comparison only."""
    if n < 2 or not 0 < test_size < 1:
        raise DataValidationError(f"need n >= 2 and 0 < test_size < 1, got n={n}, test_size={test_size}")
    order = np.random.default_rng(seed).permutation(n)
    n_test = max(1, int(round(n * test_size)))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def default_scores(estimator: Any, X: Any) -> np.ndarray:
    """Higher-is-more-anomalous scores from any fitted estimator.

    Uses ``anomaly_score``, else ``predict_proba[:, 1]``, else ``-score_samples``, else ``decision_function``.
    """
    if hasattr(estimator, "anomaly_score"):
        return np.asarray(estimator.anomaly_score(X))
    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(X))[:, 1]
    if hasattr(estimator, "score_samples"):
        return -np.asarray(estimator.score_samples(X))
    return np.asarray(estimator.decision_function(X))


def _take(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if hasattr(X, "iloc") else np.asarray(X)[idx]


def backtest(
    estimator: Any,
    X: Any,
    y: Any,
    timestamps: Any,
    *,
    train_weeks: int = 2,
    test_weeks: int = 1,
    expanding: bool = True,
    k: int = 50,
    supervised: bool = False,
    score: Callable[[Any, Any], np.ndarray] = default_scores,
) -> pd.DataFrame:
    """Fit a fresh clone of ``estimator`` on each fold's past and score its future.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Cloned per fold (unfitted copy), so nothing learnt in one fold leaks into the next.
    X, y : features and 0/1 labels
        ``y`` is passed to ``fit`` only when ``supervised=True``; it is always used for the metrics.
    timestamps : tz-aware datetimes, one per row

    Returns
    -------
    DataFrame
        One row per fold: window bounds, sizes, anomaly counts, ROC-AUC, PR-AUC, precision@k
        (NaN where a test window holds a single class).
    """
    y_arr = np.asarray(y).astype(bool)
    if len(y_arr) != len(timestamps) or len(y_arr) != len(X):
        raise DataValidationError(
            f"X, y and timestamps must have the same length, got {len(X)}, {len(y_arr)}, {len(timestamps)}"
        )
    rows = []
    for fold in time_splits(timestamps, train_weeks=train_weeks, test_weeks=test_weeks, expanding=expanding):
        model = clone(estimator)
        X_train = _take(X, fold.train_index)
        if supervised:
            model.fit(X_train, y_arr[fold.train_index])
        else:
            model.fit(X_train)
        y_test = y_arr[fold.test_index]
        s = score(model, _take(X, fold.test_index))
        both = bool(y_test.any() and not y_test.all())
        rows.append(
            {
                "fold": fold.fold,
                "train_start": fold.train_start,
                "train_end": fold.train_end,
                "test_end": fold.test_end,
                "n_train": len(fold.train_index),
                "n_test": len(fold.test_index),
                "anomalies_test": int(y_test.sum()),
                "roc_auc": roc_auc(y_test, s) if both else float("nan"),
                "pr_auc": pr_auc(y_test, s) if both else float("nan"),
                f"precision_at_{k}": precision_at_k(y_test, s, k),
            }
        )
    return pd.DataFrame(rows)


__all__ = ["Fold", "backtest", "default_scores", "random_split", "time_splits"]
