"""Choosing an alert threshold from what the business can afford, not from a default of 0.5.

Three ways a bank sets an alert threshold, each a pure function of past scores (and labels where needed):

* **reviewer capacity** — the operations team can review N alerts a day: take the highest threshold
  that keeps the expected daily alerts within N (:func:`threshold_for_capacity`);
* **target precision** — compliance wants at least P % of alerts to be real (:func:`threshold_for_precision`,
  built on :func:`precision_cutoff`, which the KYC routing uses too);
* **cost** — a missed anomaly costs C_fn, a false alert costs C_fp of reviewer time
  (:func:`threshold_for_cost`).

Every choice reports the expected alerts per day, because that is the number operations will hold you to.
Convention: a row is flagged when ``score >= threshold``; higher scores are more anomalous.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from reference_impl.errors import DataValidationError
from reference_impl.evaluation.metrics import check_labels, check_scores


@dataclass(frozen=True)
class ThresholdChoice:
    """A chosen threshold, how it was chosen and what it is expected to produce."""

    threshold: float
    method: str  # capacity | precision | cost
    expected_alerts_per_day: float
    n_days: float
    precision: float | None = None
    recall: float | None = None
    details: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-safe)."""
        return asdict(self)


def _as_scores(scores: Any) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64).ravel()
    if s.size == 0:
        raise DataValidationError("scores is empty: need past scores to choose a threshold")
    return check_scores(s, s.size)


def _check_days(n_days: float) -> float:
    if not np.isfinite(n_days) or n_days <= 0:
        raise DataValidationError(f"n_days must be a positive number of days covered by the scores, got {n_days!r}")
    return float(n_days)


def _above(s: float) -> float:
    """The smallest float above ``s``: a threshold that flags nothing at or below it."""
    return float(np.nextafter(s, np.inf))


def expected_alerts_per_day(scores: Any, threshold: float, n_days: float) -> float:
    """Alerts per day the threshold would have raised over a history of ``n_days``.

    Examples
    --------
    >>> expected_alerts_per_day([0.1, 0.5, 0.7, 0.9], threshold=0.6, n_days=2)
    1.0
    """
    s = _as_scores(scores)
    return float(np.sum(s >= threshold) / _check_days(n_days))


def threshold_for_capacity(scores: Any, alerts_per_day: float, n_days: float) -> ThresholdChoice:
    """The lowest threshold whose alerts stay within reviewer capacity over the scored history.

    Ties are never split: if several rows share the cut-off score and taking all of them would exceed
    capacity, the threshold moves above that score (fewer alerts, never more than capacity).

    Parameters
    ----------
    scores : array-like
        Scores of a representative past period (higher = more anomalous).
    alerts_per_day : float
        How many alerts the reviewers can work per day.
    n_days : float
        Days covered by ``scores``.

    Examples
    --------
    >>> c = threshold_for_capacity([0.2, 0.9, 0.4, 0.8, 0.8, 0.1], alerts_per_day=1, n_days=2)
    >>> c.threshold, c.expected_alerts_per_day
    (0.9, 0.5)
    """
    s = _as_scores(scores)
    days = _check_days(n_days)
    if not np.isfinite(alerts_per_day) or alerts_per_day < 0:
        raise DataValidationError(f"alerts_per_day must be a non-negative number, got {alerts_per_day!r}")
    budget = int(np.floor(alerts_per_day * days + 1e-9))
    desc = np.sort(s)[::-1]
    if budget <= 0:
        threshold = _above(desc[0])
    elif budget >= len(desc):
        threshold = float(desc[-1])
    else:
        cut = desc[budget - 1]
        # count(s >= cut) would exceed the budget when the next score ties with the cut: move up to the
        # next distinct score (or just above the maximum)
        higher = desc[desc > cut]
        threshold = float(cut) if desc[budget] < cut else (float(higher[-1]) if higher.size else _above(cut))
    return ThresholdChoice(
        threshold=threshold,
        method="capacity",
        expected_alerts_per_day=float(np.sum(s >= threshold) / days),
        n_days=days,
        details={"capacity_per_day": float(alerts_per_day)},
    )


def _curve(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct thresholds (descending) with cumulative true and false positives at each."""
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    last_of_run = np.r_[np.flatnonzero(np.diff(s_sorted) != 0), len(s_sorted) - 1]
    tp = np.cumsum(y_sorted)[last_of_run]
    fp = np.cumsum(~y_sorted)[last_of_run]
    return s_sorted[last_of_run], tp, fp


def precision_cutoff(y_true: Any, scores: Any, target_precision: float, *, min_support: int = 1) -> float:
    """The lowest cut-off ``t`` such that the rows with ``score >= t`` reach ``target_precision``; ``inf`` if none.

    The one definition of "threshold for a target precision": the alert threshold of
    :func:`threshold_for_precision` and the KYC per-class auto-accept thresholds
    (:func:`reference_impl.kyc.choose_thresholds`, scores = top-label confidence, ``y_true`` = was the
    predicted class right) both come from here.

    * precision counts *every* selected row, not just the marginal one;
    * tied scores are selected together (a threshold cannot split them), so a cut sits only at a distinct score;
    * the selection must hold at least ``min_support`` rows (precision on three rows says little);
    * no qualifying cut, or no rows at all, gives ``math.inf``: select nothing.

    Parameters
    ----------
    y_true : array-like of bool or 0/1, shape (n,)
        Whether each row is a hit (an anomaly; a correctly classified document).
    scores : array-like of float, shape (n,)
        Higher = selected first.
    target_precision : float in (0, 1]
    min_support : int, default 1

    Examples
    --------
    >>> precision_cutoff([1, 1, 0, 1], [0.99, 0.95, 0.9, 0.6], 0.9)
    0.95
    >>> precision_cutoff([0, 1], [0.8, 0.7], 0.99), precision_cutoff([], [], 0.5)
    (inf, inf)
    """
    if not 0 < target_precision <= 1:
        raise DataValidationError(f"target_precision must be in (0, 1], got {target_precision!r}")
    y_arr, s_arr = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    if y_arr.ndim != 1 or y_arr.shape != s_arr.shape:
        raise DataValidationError(
            f"y_true and scores must be 1-d and the same length, got {y_arr.shape} and {s_arr.shape}"
        )
    if y_arr.size == 0:
        return math.inf
    y = check_labels(y_arr)
    s = check_scores(s_arr, len(y))
    thresholds, tp, fp = _curve(y, s)
    selected = tp + fp
    qualifies = (tp / selected >= target_precision - 1e-12) & (selected >= min_support)
    ok = np.flatnonzero(qualifies)
    return float(thresholds[ok[-1]]) if ok.size else math.inf  # thresholds descend: the last one selects the most


def threshold_for_precision(y_true: Any, scores: Any, target_precision: float, n_days: float) -> ThresholdChoice:
    """The lowest threshold (most recall) whose precision on labelled history reaches the target.

    The threshold is :func:`precision_cutoff`; this adds what operations plan with (alerts per day, recall)
    and refuses rather than returning "flag nothing".

    Raises
    ------
    DataValidationError
        If no threshold reaches the target (say so to the business; do not quietly lower it).

    Examples
    --------
    >>> c = threshold_for_precision([0, 1, 1, 0, 1], [0.1, 0.9, 0.8, 0.7, 0.6], 0.7, n_days=1)
    >>> c.threshold, c.precision, c.recall
    (0.6, 0.75, 1.0)
    """
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    days = _check_days(n_days)
    threshold = precision_cutoff(y, s, target_precision)
    if not y.any():
        raise DataValidationError("y_true has no anomalies: precision is undefined, label some history first")
    if not math.isfinite(threshold):
        _, tp, fp = _curve(y, s)
        raise DataValidationError(
            f"no threshold reaches precision {target_precision:.3f} (best {(tp / (tp + fp)).max():.3f}); "
            "lower the target or improve the model"
        )
    flagged = s >= threshold
    tp_at, n_flagged = int(np.sum(y & flagged)), int(np.sum(flagged))
    return ThresholdChoice(
        threshold=threshold,
        method="precision",
        expected_alerts_per_day=float(n_flagged / days),
        n_days=days,
        precision=float(tp_at / n_flagged),
        recall=float(tp_at / int(y.sum())),
        details={"target_precision": float(target_precision)},
    )


def threshold_for_cost(
    y_true: Any, scores: Any, *, cost_missed: float, cost_false_alert: float, n_days: float
) -> ThresholdChoice:
    """The threshold that minimises ``cost_missed * FN + cost_false_alert * FP`` on labelled history.

    A missed fat-finger trade can cost far more than the ten minutes a reviewer spends on a false alert;
    the ratio of the two costs, not the model, decides how many alerts are worth raising. Ties in cost go
    to the higher threshold (fewer alerts).

    Examples
    --------
    >>> c = threshold_for_cost([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.3], cost_missed=10, cost_false_alert=1, n_days=1)
    >>> c.threshold, c.details["total_cost"]
    (0.3, 1.0)
    """
    y = check_labels(y_true)
    s = check_scores(scores, len(y))
    days = _check_days(n_days)
    for name, value in (("cost_missed", cost_missed), ("cost_false_alert", cost_false_alert)):
        if not np.isfinite(value) or value < 0:
            raise DataValidationError(f"{name} must be a non-negative number, got {value!r}")
    thresholds, tp, fp = _curve(y, s)
    # candidate "flag nothing" first, then each distinct score from the top
    thresholds = np.r_[_above(thresholds[0]), thresholds]
    tp, fp = np.r_[0, tp], np.r_[0, fp]
    fn = y.sum() - tp
    cost = cost_missed * fn + cost_false_alert * fp
    best = int(np.argmin(cost))  # first minimum = highest threshold among ties
    flagged = tp[best] + fp[best]
    return ThresholdChoice(
        threshold=float(thresholds[best]),
        method="cost",
        expected_alerts_per_day=float(flagged / days),
        n_days=days,
        precision=float(tp[best] / flagged) if flagged else 0.0,
        recall=float(tp[best] / y.sum()) if y.any() else 0.0,
        details={
            "total_cost": float(cost[best]),
            "cost_per_day": float(cost[best] / days),
            "cost_missed": float(cost_missed),
            "cost_false_alert": float(cost_false_alert),
        },
    )


__all__ = [
    "ThresholdChoice",
    "expected_alerts_per_day",
    "precision_cutoff",
    "threshold_for_capacity",
    "threshold_for_cost",
    "threshold_for_precision",
]
