"""m3 — alert rules tied to business impact.

A monitoring alert nobody acts on is noise. The rules are plain data (provided, from
``reference_impl.monitoring.alerts``): a name, a severity, conditions such as
``C("fallback_rate", ">", "max_fallback_rate")`` (the right side is a number, a bool, or the name of
another metric — business thresholds are metrics too), and text templates for the summary, the
evidence, the business impact and the first runbook step. Read ``DEFAULT_RULES`` first.

You write the evaluation and the translation of health into money and hours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from monitor_lab.catalog import OWNERS, Alert
from reference_impl.monitoring.alerts import DEFAULT_RULES, SEVERITY_ORDER, AlertRule, BusinessContext, C, Condition


def evaluate_alerts(
    metrics: Mapping[str, Any],
    rules: Sequence[AlertRule] = DEFAULT_RULES,
    *,
    owners: Mapping[str, str] = OWNERS,
) -> list[Alert]:
    """Every rule whose conditions *all* hold, as an :class:`Alert`, most severe first (ties keep rule order).

    * a condition whose metric (or reference metric) is NaN or None has **no data**: it does not hold,
      so a rule never fires on missing data — that is how "fewer than ``min_labels`` labels: precision
      is not judged" works too (the rule has a condition on the label count);
    * ``summary``, ``evidence`` and ``impact`` are the rule's templates formatted with ``metrics``
      (``str.format``); ``runbook`` is copied; ``owner`` is ``owners[rule.name]``;
    * a metric name ``metrics`` lacks, an unknown operator, two rules with the same name, or a fired
      rule without an owner raise :class:`~monitor_lab.errors.MonitorError` naming the metric/rule.
    """
    raise NotImplementedError("TODO m3: evaluate_alerts — all conditions, no data never fires, severity order")


def rules_without_data(metrics: Mapping[str, Any], rules: Sequence[AlertRule] = DEFAULT_RULES) -> list[str]:
    """Names of the rules that could not be judged (some condition has no data), in rule order.

    A dashboard shows these as "no data", not as "OK": silence is not health.
    """
    raise NotImplementedError("TODO m3: rules_without_data")


def business_metrics(
    health_reference: Mapping[str, float],
    health_current: Mapping[str, float],
    *,
    current_days: float,
    outcomes: Mapping[str, float] | None = None,
    context: BusinessContext = BusinessContext(),
) -> dict[str, Any]:
    """The flat dictionary the rules read: ``health_current``, ``context.as_metrics()``, and the translation.

    ``health_*`` are :func:`~monitor_lab.health.health_summary` dicts of the reference and the current
    window; ``current_days`` is the current window's length in days. Besides those keys it holds:

    * ``trades_per_day`` = current ``trade_decisions / current_days``; ``kyc_per_day`` likewise;
    * ``flag_rate_ref``, ``flag_rate_cur``, ``flag_rate_change_pct`` (relative change in %, NaN when the
      reference rate is 0 or NaN); ``auto_accept_rate_ref/_cur``, ``auto_accept_change_pct`` likewise,
      and ``neg_auto_accept_drop_pct`` = ``-context.auto_accept_drop_pct``;
    * ``alerts_per_day_ref/_cur`` = flag rate x ``trades_per_day``; ``extra_alerts_per_day`` their difference;
    * ``reviewer_hours_needed`` = ``alerts_per_day_cur * reviewer_minutes_per_alert / 60``;
    * ``fallback_per_day``, ``extra_manual_reviews_per_day``, ``kyc_review_hours_needed``;
    * the outcome keys (``alerts``, ``alert_labels``, ``alert_precision``, ``auto_accept_labels``,
      ``auto_accept_accuracy``, ...) from ``outcomes`` plus ``alert_precision_low/_high`` (a 95 % Wilson
      interval); with ``outcomes=None`` (no labels yet) counts are 0 and rates NaN;
    * the drift keys the rules name (``price_deviation_drifted``, ``dataset_drift``, ``score_drifted``,
      their PSI/Wasserstein figures ...) as NaN: no drift measured here (the daily report fills them).

    You may reuse ``reference_impl.monitoring.outcomes.wilson_interval`` for the interval.
    """
    raise NotImplementedError("TODO m3: business_metrics — flag rate -> reviewer hours, per-day figures")


__all__ = [
    "DEFAULT_RULES",
    "SEVERITY_ORDER",
    "Alert",
    "AlertRule",
    "BusinessContext",
    "C",
    "Condition",
    "OWNERS",
    "business_metrics",
    "evaluate_alerts",
    "rules_without_data",
]
