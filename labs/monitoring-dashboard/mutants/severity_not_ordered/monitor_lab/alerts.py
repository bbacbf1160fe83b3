"""Adapter: rule evaluation and the business translation are ``reference_impl.monitoring``'s; owners are the lab's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from monitor_lab.catalog import OWNERS, Alert
from monitor_lab.errors import MonitorError, call

from reference_impl.monitoring import alerts as ref
from reference_impl.monitoring.alerts import DEFAULT_RULES, SEVERITY_ORDER, AlertRule, BusinessContext, C, Condition
from reference_impl.monitoring.logs import outcomes_to_frame, records_to_frame
from reference_impl.monitoring.outcomes import join_outcomes, outcome_summary
from reference_impl.monitoring.report import business_metrics as ref_business_metrics


def evaluate_alerts(
    metrics: Mapping[str, Any],
    rules: Sequence[AlertRule] = DEFAULT_RULES,
    *,
    owners: Mapping[str, str] = OWNERS,
) -> list[Alert]:
    # PLANTED BUG: alerts come in rule order, so a warning listed first hides a critical one below it
    fired = [a for rule in rules for a in call(ref.evaluate_alerts, metrics, [rule])]
    call(ref.evaluate_alerts, metrics, rules)  # still refuses duplicate names and unknown metrics
    return [with_owner(a, owners) for a in fired]


def with_owner(alert: ref.Alert, owners: Mapping[str, str]) -> Alert:
    """The lab's alert record: the reference alert plus the team that owns its rule."""
    if alert.rule not in owners:
        raise MonitorError(f"alert rule {alert.rule!r} has no owner in OWNERS")
    return Alert(owner=owners[alert.rule], **alert.to_dict())


def rules_without_data(metrics: Mapping[str, Any], rules: Sequence[AlertRule] = DEFAULT_RULES) -> list[str]:
    return [r.name for r in rules if not call(r.has_data, metrics)]


def business_metrics(
    health_reference: Mapping[str, float],
    health_current: Mapping[str, float],
    *,
    current_days: float,
    outcomes: Mapping[str, float] | None = None,
    context: BusinessContext = BusinessContext(),
) -> dict[str, Any]:
    outcomes_cur = dict(outcomes) if outcomes is not None else _no_outcomes()
    return call(
        ref_business_metrics, dict(health_reference), dict(health_current), current_days, None, outcomes_cur, context
    )


def _no_outcomes() -> dict[str, float]:
    """The reference's outcome summary of a window without labels (counts 0, rates NaN)."""
    empty = join_outcomes(records_to_frame([]), outcomes_to_frame([]))
    return outcome_summary(empty)


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
