"""Matplotlib figures for the evaluation metrics (Agg backend; each function returns a ``Figure``).

They build figures with the object-oriented API (``Figure`` + ``FigureCanvasAgg``), never ``pyplot``,
so they work headless, in threads and in tests, and leave no global state behind. Notebooks display
the returned figure; a report saves it with ``fig.savefig(path)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn import metrics as skm

from reference_impl.evaluation.metrics import calibration_curve, check_labels, check_scores


def _figure(title: str, size: tuple[float, float] = (5.0, 4.0)) -> tuple[Figure, Any]:
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(title)
    return fig, ax


def plot_pr_curve(y_true: Any, scores: Any, *, threshold: float | None = None) -> Figure:
    """Precision against recall, with the anomaly share as the no-skill line and the chosen threshold marked."""
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    precision, recall, thresholds = skm.precision_recall_curve(y, s)
    fig, ax = _figure(f"Precision-recall (AP = {skm.average_precision_score(y, s):.3f})")
    ax.step(recall, precision, where="post", label="model")
    ax.axhline(y.mean(), color="grey", linestyle="--", label=f"no skill ({y.mean():.2%})")
    if threshold is not None and len(thresholds):
        i = min(int(np.searchsorted(thresholds, threshold)), len(thresholds) - 1)
        ax.plot(recall[i], precision[i], "o", color="C3", label=f"threshold {threshold:.3g}")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="upper right")
    return fig


def plot_roc_curve(y_true: Any, scores: Any) -> Figure:
    """ROC curve with its AUC; the diagonal is a random scorer."""
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    fpr, tpr, _ = skm.roc_curve(y, s)
    fig, ax = _figure(f"ROC (AUC = {skm.roc_auc_score(y, s):.3f})")
    ax.plot(fpr, tpr, label="model")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="random")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="lower right")
    return fig


def plot_precision_at_k(y_true: Any, scores: Any, *, max_k: int | None = None) -> Figure:
    """Hit rate of a reviewer queue as it grows: precision@k for k = 1..max_k."""
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    max_k = min(max_k or len(y), len(y))
    hits = np.cumsum(y[np.argsort(-s, kind="stable")][:max_k])
    k = np.arange(1, max_k + 1)
    fig, ax = _figure("Precision@k (reviewer queue)")
    ax.plot(k, hits / k)
    ax.axhline(y.mean(), color="grey", linestyle="--", label="anomaly share")
    ax.set(xlabel="k (alerts reviewed)", ylabel="precision@k", ylim=(0, 1.02))
    ax.legend(loc="upper right")
    return fig


def plot_calibration(y_true: Any, proba: Any, *, n_bins: int = 10) -> Figure:
    """Reliability diagram: observed frequency against mean predicted probability per bin."""
    table = calibration_curve(y_true, proba, n_bins=n_bins)
    fig, ax = _figure("Calibration")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfectly calibrated")
    ax.plot(table["mean_predicted"], table["observed"], "o-", label="model")
    ax.set(xlabel="mean predicted probability", ylabel="observed frequency", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="upper left")
    return fig


def plot_threshold_tradeoff(
    y_true: Any, scores: Any, *, n_days: float, cost_missed: float | None = None, cost_false_alert: float | None = None
) -> Figure:
    """Alerts per day, precision and recall (and total cost, if costs are given) against the threshold."""
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    grid = np.unique(np.quantile(s, np.linspace(0, 1, 101)))
    flagged = s[None, :] >= grid[:, None]
    tp = (flagged & y).sum(axis=1)
    fp = (flagged & ~y).sum(axis=1)
    precision = np.divide(tp, tp + fp, out=np.zeros(len(grid)), where=(tp + fp) > 0)
    recall = tp / max(int(y.sum()), 1)
    fig, ax = _figure("Threshold trade-off", size=(6.0, 4.0))
    ax.plot(grid, precision, label="precision")
    ax.plot(grid, recall, label="recall")
    ax.set(xlabel="threshold", ylabel="rate", ylim=(0, 1.02))
    right = ax.twinx()
    right.plot(grid, (tp + fp) / n_days, color="C2", linestyle=":", label="alerts/day")
    if cost_missed is not None and cost_false_alert is not None:
        right.plot(grid, (cost_missed * (y.sum() - tp) + cost_false_alert * fp) / n_days, color="C3", label="cost/day")
    right.set_ylabel("per day")
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="center right")
    return fig


def plot_recall_by_type(table: pd.DataFrame) -> Figure:
    """Horizontal bars of recall per anomaly type (the output of ``recall_by_type``), with counts."""
    fig, ax = _figure("Recall by anomaly type", size=(6.0, 0.5 + 0.45 * max(len(table), 1)))
    ax.barh(table["anomaly_type"], table["recall"], color="C0")
    for i, (r, n) in enumerate(zip(table["recall"], table["n"])):
        ax.text(min(r + 0.02, 0.9), i, f"{r:.0%} of {n}", va="center")
    ax.set(xlabel="recall", xlim=(0, 1))
    ax.invert_yaxis()
    return fig


def plot_backtest(results: pd.DataFrame, *, metric: str = "pr_auc") -> Figure:
    """A metric per walk-forward fold (output of ``backtest``): stability over time, not one lucky number."""
    fig, ax = _figure(f"Backtest: {metric} by test window")
    ax.plot(results["fold"], results[metric], "o-")
    ax.set(xlabel="fold (later = more recent)", ylabel=metric, ylim=(0, 1.02))
    return fig


__all__ = [
    "plot_backtest",
    "plot_calibration",
    "plot_pr_curve",
    "plot_precision_at_k",
    "plot_recall_by_type",
    "plot_roc_curve",
    "plot_threshold_tradeoff",
]
