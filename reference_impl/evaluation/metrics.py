"""Metrics for rare-event detection: what a reviewer queue and a model-risk reviewer ask about.

Accuracy is useless when under 1 % of events are anomalies (flag nothing and score 99 %), so these
functions report precision, recall, F1, precision@k, ROC-AUC, PR-AUC (average precision) and recall per
anomaly type. Where scikit-learn has the same metric the result is identical (the tests check it);
the functions here add input checks with readable errors and the conventions we use everywhere:
``y_true`` is 1/True for an anomaly, ``scores`` are higher = more anomalous, a row is flagged when
``score >= threshold``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from reference_impl.errors import DataValidationError


def check_labels(y_true: Any, name: str = "y_true") -> np.ndarray:
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise DataValidationError(f"{name} must be 1-D, got shape {y.shape}")
    if y.size == 0:
        raise DataValidationError(f"{name} is empty: nothing to evaluate")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise DataValidationError(f"{name} contains NaN; drop unlabelled rows first")
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise DataValidationError(f"{name} must be binary (0/1 or bool), got values {sorted(values)[:5]}")
    return y.astype(bool)


def check_scores(scores: Any, n: int, name: str = "scores") -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (n,):
        raise DataValidationError(f"{name} must have shape ({n},) to match y_true, got {s.shape}")
    if not np.isfinite(s).all():
        raise DataValidationError(
            f"{name} contains NaN or infinite values at positions {np.flatnonzero(~np.isfinite(s))[:5].tolist()}"
        )
    return s


def _both_classes(y: np.ndarray, metric: str) -> None:
    if y.all() or not y.any():
        raise DataValidationError(
            f"{metric} needs both anomalies and normal rows in y_true; got only {'anomalies' if y.all() else 'normal rows'}"
        )


@dataclass(frozen=True)
class ThresholdReport:
    """Confusion counts and the rates a reviewer reads, at one threshold."""

    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    flagged_share: float

    def to_dict(self) -> dict[str, float | int]:
        """Plain dict (JSON-safe)."""
        return asdict(self)


def precision_recall_f1(y_true: Any, scores: Any, threshold: float) -> ThresholdReport:
    """Precision, recall and F1 when every row with ``score >= threshold`` is flagged.

    Precision is 0 when nothing is flagged (scikit-learn's ``zero_division=0``), so an empty alert queue
    is never reported as perfect.

    Examples
    --------
    >>> r = precision_recall_f1([0, 0, 1, 1], [0.1, 0.8, 0.9, 0.3], threshold=0.5)
    >>> (r.tp, r.fp, r.fn, r.precision, r.recall)
    (1, 1, 1, 0.5, 0.5)
    """
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    flagged = s >= threshold
    tp = int(np.sum(flagged & y))
    fp = int(np.sum(flagged & ~y))
    fn = int(np.sum(~flagged & y))
    tn = int(np.sum(~flagged & ~y))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ThresholdReport(float(threshold), tp, fp, fn, tn, precision, recall, f1, float(flagged.mean()))


def precision_at_k(y_true: Any, scores: Any, k: int) -> float:
    """Share of true anomalies among the ``k`` highest-scored rows: the hit rate of a reviewer queue of size k.

    Ties at the k-th score are broken by position (stable sort), so the answer is deterministic.

    Examples
    --------
    >>> precision_at_k([0, 1, 0, 1, 0], [0.1, 0.9, 0.8, 0.7, 0.2], k=2)
    0.5
    """
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise DataValidationError(f"k must be a positive integer, got {k!r}")
    k = min(int(k), len(y))
    top = np.argsort(-s, kind="stable")[:k]
    return float(y[top].mean())


def recall_at_k(y_true: Any, scores: Any, k: int) -> float:
    """Share of all anomalies that land in the top ``k`` scores."""
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise DataValidationError(f"k must be a positive integer, got {k!r}")
    if not y.any():
        return 0.0
    top = np.argsort(-s, kind="stable")[: min(int(k), len(y))]
    return float(y[top].sum() / y.sum())


def roc_auc(y_true: Any, scores: Any) -> float:
    """Probability that a random anomaly outscores a random normal row (scikit-learn's ``roc_auc_score``)."""
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    _both_classes(y, "ROC-AUC")
    return float(skm.roc_auc_score(y, s))


def pr_auc(y_true: Any, scores: Any) -> float:
    """Area under the precision-recall curve as average precision (scikit-learn's ``average_precision_score``).

    Unlike ROC-AUC it moves with the base rate, which is why it is the headline metric for rare anomalies:
    a random scorer gets the anomaly share, not 0.5.
    """
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    _both_classes(y, "PR-AUC")
    return float(skm.average_precision_score(y, s))


def recall_by_type(y_true: Any, flagged: Any, anomaly_type: Any) -> pd.DataFrame:
    """Recall per anomaly type: which kinds of anomaly the detector catches and which it misses.

    Parameters
    ----------
    y_true : array-like of bool
        True for an anomaly.
    flagged : array-like of bool
        True where the detector raised an alert.
    anomaly_type : array-like of str or None
        The injected/confirmed type of each anomaly (ignored for normal rows).

    Returns
    -------
    DataFrame
        One row per type, sorted by type: ``anomaly_type``, ``n``, ``caught``, ``recall``.

    Examples
    --------
    >>> recall_by_type([1, 1, 1, 0], [1, 0, 1, 1], ["fat_finger", "off_hours", "fat_finger", None])
      anomaly_type  n  caught  recall
    0   fat_finger  2       2     1.0
    1    off_hours  1       0     0.0
    """
    y = check_labels(y_true)
    f = check_labels(flagged, "flagged")
    types = pd.Series(np.asarray(anomaly_type, dtype=object))
    if len(f) != len(y) or len(types) != len(y):
        raise DataValidationError(
            f"y_true, flagged and anomaly_type must have the same length, got {len(y)}, {len(f)}, {len(types)}"
        )
    frame = pd.DataFrame({"anomaly_type": types[y].fillna("unknown").astype(str).to_numpy(), "caught": f[y]})
    out = frame.groupby("anomaly_type", sort=True)["caught"].agg(n="size", caught="sum").reset_index()
    out["n"] = out["n"].astype(int)
    out["caught"] = out["caught"].astype(int)
    out["recall"] = out["caught"] / out["n"]
    return out


def calibration_curve(y_true: Any, proba: Any, *, n_bins: int = 10, strategy: str = "uniform") -> pd.DataFrame:
    """Reliability table: mean predicted probability versus observed frequency per bin.

    The bins agree with :func:`sklearn.calibration.calibration_curve` (empty bins are dropped); this adds
    the count in each bin, which a reviewer needs to judge how much each point can be trusted.

    Returns
    -------
    DataFrame
        ``bin_lower``, ``bin_upper``, ``mean_predicted``, ``observed``, ``count``.
    """
    y = check_labels(y_true)
    p = check_scores(proba, len(y), "proba")
    if (p < 0).any() or (p > 1).any():
        raise DataValidationError("proba must lie in [0, 1]")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.percentile(p, np.linspace(0, 100, n_bins + 1))
    else:
        raise DataValidationError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}")
    bins = np.searchsorted(edges[1:-1], p, side="right")
    count = np.bincount(bins, minlength=len(edges) - 1)
    pred_sum = np.bincount(bins, weights=p, minlength=len(edges) - 1)
    true_sum = np.bincount(bins, weights=y.astype(float), minlength=len(edges) - 1)
    keep = count > 0
    return pd.DataFrame(
        {
            "bin_lower": edges[:-1][keep],
            "bin_upper": edges[1:][keep],
            "mean_predicted": pred_sum[keep] / count[keep],
            "observed": true_sum[keep] / count[keep],
            "count": count[keep].astype(int),
        }
    )


def expected_calibration_error(y_true: Any, proba: Any, *, n_bins: int = 10) -> float:
    """Count-weighted mean gap between predicted probability and observed frequency (uniform bins).

    Examples
    --------
    >>> expected_calibration_error([0, 1, 1, 1], [0.0, 1.0, 1.0, 1.0])
    0.0
    """
    table = calibration_curve(y_true, proba, n_bins=n_bins)
    weights = table["count"] / table["count"].sum()
    return float(np.sum(weights * np.abs(table["mean_predicted"] - table["observed"])))


def summarise(y_true: Any, scores: Any, threshold: float, *, k: int = 100) -> dict[str, Any]:
    """One dict with the headline numbers: ROC-AUC, PR-AUC, precision@k and the threshold report."""
    report = precision_recall_f1(y_true, scores, threshold).to_dict()
    y = check_labels(y_true)
    has_both = y.any() and not y.all()
    return {
        "n": int(len(y)),
        "anomaly_share": float(y.mean()),
        "roc_auc": roc_auc(y_true, scores) if has_both else float("nan"),
        "pr_auc": pr_auc(y_true, scores) if has_both else float("nan"),
        f"precision_at_{k}": precision_at_k(y_true, scores, k),
        **report,
    }


__all__ = [
    "ThresholdReport",
    "check_labels",
    "check_scores",
    "calibration_curve",
    "expected_calibration_error",
    "pr_auc",
    "precision_at_k",
    "precision_recall_f1",
    "recall_at_k",
    "recall_by_type",
    "roc_auc",
    "summarise",
]
