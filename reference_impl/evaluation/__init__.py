"""Evaluation shared by every project: metrics, threshold choice, time-based backtests, plots."""

from reference_impl.evaluation.backtest import Fold, backtest, default_scores, random_split, time_splits
from reference_impl.evaluation.metrics import (
    ThresholdReport,
    calibration_curve,
    expected_calibration_error,
    pr_auc,
    precision_at_k,
    precision_recall_f1,
    recall_at_k,
    recall_by_type,
    roc_auc,
    summarise,
)
from reference_impl.evaluation.thresholds import (
    ThresholdChoice,
    expected_alerts_per_day,
    precision_cutoff,
    threshold_for_capacity,
    threshold_for_cost,
    threshold_for_precision,
)

__all__ = [
    "Fold",
    "ThresholdChoice",
    "ThresholdReport",
    "backtest",
    "calibration_curve",
    "default_scores",
    "expected_alerts_per_day",
    "expected_calibration_error",
    "pr_auc",
    "precision_at_k",
    "precision_cutoff",
    "precision_recall_f1",
    "random_split",
    "recall_at_k",
    "recall_by_type",
    "roc_auc",
    "summarise",
    "threshold_for_capacity",
    "threshold_for_cost",
    "threshold_for_precision",
    "time_splits",
]
