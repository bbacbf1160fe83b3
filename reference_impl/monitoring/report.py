"""One monitoring pass: prediction log (+ outcome labels) -> drift, health, outcomes, metrics, alerts.

This is the analysis behind both the ``/dashboard`` page and ``ibml monitor report``; rendering is
:mod:`reference_impl.monitoring.dashboard`. It is a pure function of its inputs, so a report can be
reproduced later from the same log — which is what an auditor will ask for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.errors import DataValidationError
from reference_impl.monitoring.alerts import DEFAULT_RULES, Alert, AlertRule, BusinessContext, evaluate_alerts
from reference_impl.monitoring.drift import DriftReport, DriftThresholds, detect_drift
from reference_impl.monitoring.health import TRADE_ENDPOINTS, health_over_time, health_summary
from reference_impl.monitoring.logs import (
    default_windows,
    feature_frame,
    load_outcomes,
    load_prediction_log,
    outcomes_to_frame,
    select_window,
)
from reference_impl.monitoring.outcomes import join_outcomes, outcome_summary, outcomes_over_time, wilson_interval

Window = tuple[pd.Timestamp, pd.Timestamp]


@dataclass(frozen=True)
class MonitoringReport:
    """Everything the dashboard shows, computed once."""

    reference_window: Window
    current_window: Window
    drift: DriftReport | None
    reference_scores: np.ndarray
    current_scores: np.ndarray
    health_reference: dict[str, float]
    health_current: dict[str, float]
    health_series: pd.DataFrame
    outcomes_current: dict[str, float]
    outcomes_series: pd.DataFrame
    metrics: dict[str, Any]
    alerts: list[Alert]
    rules: tuple[AlertRule, ...] = field(default=DEFAULT_RULES)
    freq: str = "1D"

    @property
    def rules_without_data(self) -> list[str]:
        """Rules that could not be judged (e.g. no labels yet): shown as 'no data', not as 'OK'."""
        return [r.name for r in self.rules if not r.has_data(self.metrics)]


def build_monitoring_report(
    log: pd.DataFrame,
    outcomes: pd.DataFrame | None = None,
    *,
    reference_window: Window | None = None,
    current_window: Window | None = None,
    context: BusinessContext = BusinessContext(),
    thresholds: DriftThresholds = DriftThresholds(),
    rules: Sequence[AlertRule] = DEFAULT_RULES,
    freq: str = "1D",
) -> MonitoringReport:
    """Compare ``current_window`` with ``reference_window`` of ``log`` (defaults: last day vs the rest).

    Parameters
    ----------
    log : a prediction log as loaded by :func:`~reference_impl.monitoring.logs.load_prediction_log`.
    outcomes : reviewer labels (:func:`~reference_impl.monitoring.logs.load_outcomes`); ``None`` = none yet.
    reference_window, current_window : ``(start, end)`` UTC, end exclusive.
    context, thresholds, rules : business capacities, drift thresholds and the alert rules to evaluate.
    freq : bucket for the time series (``"1D"``, ``"1h"``).
    """
    if log.empty:
        raise DataValidationError("prediction log is empty: nothing to monitor")
    outcomes = outcomes if outcomes is not None else outcomes_to_frame([])
    if reference_window is None or current_window is None:
        ref_default, cur_default = default_windows(log["ts"])
        reference_window = reference_window or ref_default
        current_window = current_window or cur_default
    ref_log, cur_log = select_window(log, reference_window), select_window(log, current_window)
    for name, part, window in (("reference", ref_log, reference_window), ("current", cur_log, current_window)):
        if part.empty:
            raise DataValidationError(
                f"{name} window {window[0].isoformat()}/{window[1].isoformat()} holds no predictions"
            )
    drift, ref_scores, cur_scores = _trade_drift(ref_log, cur_log, thresholds)
    joined = join_outcomes(log, outcomes)
    joined_cur = select_window(joined, current_window)
    health_ref, health_cur = health_summary(ref_log), health_summary(cur_log)
    outcomes_cur = outcome_summary(joined_cur)
    metrics = business_metrics(health_ref, health_cur, _days(current_window), drift, outcomes_cur, context)
    return MonitoringReport(
        reference_window=reference_window,
        current_window=current_window,
        drift=drift,
        reference_scores=ref_scores,
        current_scores=cur_scores,
        health_reference=health_ref,
        health_current=health_cur,
        health_series=health_over_time(log, freq),
        outcomes_current=outcomes_cur,
        outcomes_series=outcomes_over_time(joined, freq),
        metrics=metrics,
        alerts=evaluate_alerts(metrics, rules),
        rules=tuple(rules),
        freq=freq,
    )


def report_from_files(
    log_path: Path | str,
    outcomes_path: Path | str | None = None,
    **kwargs: Any,
) -> MonitoringReport:
    """Load the prediction log (and outcomes, if the file exists) and build the report."""
    log = load_prediction_log(log_path)
    outcomes = load_outcomes(outcomes_path) if outcomes_path is not None else None
    return build_monitoring_report(log, outcomes, **kwargs)


def business_metrics(
    health_ref: dict[str, float],
    health_cur: dict[str, float],
    current_days: float,
    drift: DriftReport | None,
    outcomes_cur: dict[str, float],
    context: BusinessContext = BusinessContext(),
) -> dict[str, Any]:
    """The flat metric dictionary alert rules read: health, drift, outcomes and their business translation.

    Translation examples: a flag-rate rise becomes extra alerts per day and reviewer hours against the
    team's capacity; a fall in KYC auto-accepts becomes extra documents per day for manual review.
    """
    nan = float("nan")
    m: dict[str, Any] = dict(health_cur)
    m.update(context.as_metrics())
    m["neg_auto_accept_drop_pct"] = -context.auto_accept_drop_pct
    trades_per_day = health_cur["trade_decisions"] / current_days
    kyc_per_day = health_cur["kyc_decisions"] / current_days
    m.update(
        current_days=current_days,
        trades_per_day=trades_per_day,
        kyc_per_day=kyc_per_day,
        flag_rate_ref=health_ref["flag_rate"],
        flag_rate_cur=health_cur["flag_rate"],
        flag_rate_change_pct=_pct_change(health_ref["flag_rate"], health_cur["flag_rate"]),
        fallback_per_day=health_cur["fallback_rate"] * trades_per_day,
        auto_accept_rate_ref=health_ref["auto_accept_rate"],
        auto_accept_rate_cur=health_cur["auto_accept_rate"],
        auto_accept_change_pct=_pct_change(health_ref["auto_accept_rate"], health_cur["auto_accept_rate"]),
    )
    m["alerts_per_day_ref"] = m["flag_rate_ref"] * trades_per_day
    m["alerts_per_day_cur"] = m["flag_rate_cur"] * trades_per_day
    m["extra_alerts_per_day"] = m["alerts_per_day_cur"] - m["alerts_per_day_ref"]
    m["reviewer_hours_needed"] = m["alerts_per_day_cur"] * context.reviewer_minutes_per_alert / 60.0
    m["extra_manual_reviews_per_day"] = (m["auto_accept_rate_ref"] - m["auto_accept_rate_cur"]) * kyc_per_day
    m["kyc_review_hours_needed"] = (
        health_cur["manual_review_rate"] * kyc_per_day * context.kyc_minutes_per_review / 60.0
    )
    feature = context.price_deviation_feature
    price = drift.get(feature) if drift is not None else None
    score = drift.score if drift is not None else None
    m.update(
        price_deviation_feature_name=feature,
        price_deviation_drifted=price.drifted if price else nan,
        price_deviation_psi=_num(price.psi if price else None),
        price_deviation_psi_level=(price.psi_level or "n/a") if price else "n/a",
        price_deviation_wasserstein=_num(price.wasserstein_norm if price else None),
        dataset_drift=drift.dataset_drift if drift is not None else nan,
        drift_share=drift.share_drifted if drift is not None else nan,
        drifted_features=", ".join(drift.drifted_features) if drift is not None and drift.drifted_features else "none",
        score_drifted=score.drifted if score is not None else nan,
        score_psi=_num(score.psi if score is not None else None),
        score_wasserstein=_num(score.wasserstein_norm if score is not None else None),
    )
    m.update(outcomes_cur)
    low, high = wilson_interval(
        int(
            round(outcomes_cur["alert_precision"] * outcomes_cur["alert_labels"]) if outcomes_cur["alert_labels"] else 0
        ),
        int(outcomes_cur["alert_labels"]),
    )
    m["alert_precision_low"], m["alert_precision_high"] = low, high
    return m


def _trade_drift(
    ref_log: pd.DataFrame, cur_log: pd.DataFrame, thresholds: DriftThresholds
) -> tuple[DriftReport | None, np.ndarray, np.ndarray]:
    def trades(part: pd.DataFrame) -> pd.DataFrame:
        return part.loc[part["endpoint"].isin(TRADE_ENDPOINTS) & (part["status_code"] < 400)]

    ref_t, cur_t = trades(ref_log), trades(cur_log)
    ref_scores = ref_t["score"].dropna().to_numpy(float)
    cur_scores = cur_t["score"].dropna().to_numpy(float)
    if ref_t.empty or cur_t.empty:
        return None, ref_scores, cur_scores
    ref_f, cur_f = feature_frame(ref_t), feature_frame(cur_t)
    columns = [c for c in ref_f.columns if c in cur_f.columns and ref_f[c].notna().any() and cur_f[c].notna().any()]
    if not columns:
        return None, ref_scores, cur_scores
    ref_f = ref_f[columns].assign(score=ref_t["score"].to_numpy(float))
    cur_f = cur_f[columns].assign(score=cur_t["score"].to_numpy(float))
    score_col = "score" if len(ref_scores) and len(cur_scores) else None
    return (
        detect_drift(ref_f, cur_f, columns=columns, score_column=score_col, thresholds=thresholds),
        ref_scores,
        cur_scores,
    )


def _days(window: Window) -> float:
    """Window length in days (at least an hour), the denominator of every per-day figure."""
    return max((window[1] - window[0]).total_seconds() / 86400.0, 1.0 / 24.0)


def _num(value: float | None) -> float:
    """NaN for a measure that does not apply (e.g. PSI of a categorical column), so rules see 'no data'."""
    return float("nan") if value is None else float(value)


def _pct_change(before: float, after: float) -> float:
    if before is None or after is None or np.isnan(before) or np.isnan(after) or before == 0:
        return float("nan")
    return float((after - before) / before * 100.0)


__all__ = ["MonitoringReport", "build_monitoring_report", "report_from_files", "business_metrics"]
