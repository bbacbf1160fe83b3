"""Alerts tied to business impact: declarative rules over a flat dictionary of named metrics.

A monitoring alert nobody acts on is noise. Each rule here therefore says, besides *when* it fires,
how bad it is (``severity``), the numbers behind it (``evidence``), what it costs the business
(``impact``: reviewer hours, decisions on rules only, an onboarding backlog) and the first thing
to do (``runbook``). Rules are plain data — a name, conditions, text templates — so adding one is
a reviewable one-object change, like a Feast feature view or a rule in the rule set.

Conditions compare a metric with a number, a boolean, or *another metric* (thresholds from
:class:`BusinessContext` are metrics too, so the rule text never hard-codes them). A condition whose
metric is NaN (no data: no trades in the window, too few labels) does not fire; a metric name the
dictionary lacks is a typo and raises :class:`~reference_impl.errors.ConfigError`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from reference_impl.errors import ConfigError

Severity = Literal["critical", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class BusinessContext:
    """What a metric means in money and hours: team capacities, SLOs and tolerances (all overridable)."""

    reviewer_minutes_per_alert: float = 20.0  # one trade-surveillance alert, investigated and closed
    reviewer_hours_per_day: float = 16.0  # alert-review team capacity (two analysts)
    kyc_minutes_per_review: float = 12.0  # one KYC document checked by hand
    kyc_reviewer_hours_per_day: float = 24.0  # onboarding operations capacity
    latency_slo_p99_ms: float = 250.0  # agreed with the trade-capture team
    max_fallback_rate: float = 0.01  # above this, too many decisions are rules-only
    max_error_rate: float = 0.01
    flag_rate_increase_pct: float = 25.0  # relative rise in flag rate worth a look
    auto_accept_drop_pct: float = 10.0  # relative fall in KYC auto-accept rate worth a look
    min_alert_precision: float = 0.20
    min_auto_accept_accuracy: float = 0.98
    min_labels: int = 30  # fewer labels than this: precision is not judged
    price_deviation_feature: str = "price_deviation_bps"

    def as_metrics(self) -> dict[str, float]:
        """The numeric fields, so rules can name them like any other metric."""
        return {k: v for k, v in asdict(self).items() if isinstance(v, (int, float))}


@dataclass(frozen=True)
class Condition:
    """``metric op ref`` — ``ref`` is a number, a bool, or the name of another metric."""

    metric: str
    op: str
    ref: float | bool | str

    def holds(self, metrics: Mapping[str, Any]) -> bool | None:
        """True/False, or ``None`` when either side is NaN/None (no data)."""
        if self.op not in _OPS:
            raise ConfigError(f"alert condition operator {self.op!r} is not one of {sorted(_OPS)}")
        left = _lookup(metrics, self.metric)
        right = _lookup(metrics, self.ref) if isinstance(self.ref, str) else self.ref
        if _missing(left) or _missing(right):
            return None
        return bool(_OPS[self.op](left, right))


@dataclass(frozen=True)
class AlertRule:
    """A named, severity-ranked business alert; fires when *all* conditions hold."""

    name: str
    severity: Severity
    conditions: tuple[Condition, ...]
    summary: str
    evidence: str
    impact: str
    runbook: str

    def evaluate(self, metrics: Mapping[str, Any]) -> Alert | None:
        """The fired :class:`Alert`, or ``None`` when a condition fails or lacks data."""
        if self.severity not in SEVERITY_ORDER:
            raise ConfigError(
                f"alert rule {self.name!r}: severity {self.severity!r} is not one of {list(SEVERITY_ORDER)}"
            )
        if not self.conditions:
            raise ConfigError(f"alert rule {self.name!r} has no conditions")
        results = [c.holds(metrics) for c in self.conditions]
        if not all(r is True for r in results):
            return None
        fields = _Formatter(metrics)
        return Alert(
            rule=self.name,
            severity=self.severity,
            summary=fields.format(self.summary, self.name),
            evidence=fields.format(self.evidence, self.name),
            impact=fields.format(self.impact, self.name),
            runbook=self.runbook,
        )

    def has_data(self, metrics: Mapping[str, Any]) -> bool:
        """Whether every condition could be judged (a dashboard shows 'no data' otherwise)."""
        return all(c.holds(metrics) is not None for c in self.conditions)


@dataclass(frozen=True)
class Alert:
    """A fired rule with its text filled in from the metrics."""

    rule: str
    severity: Severity
    summary: str
    evidence: str
    impact: str
    runbook: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def C(metric: str, op: str, ref: float | bool | str) -> Condition:
    """Short constructor so rule tables read like a spec: ``C("fallback_rate", ">", "max_fallback_rate")``."""
    return Condition(metric, op, ref)


# ---------------------------------------------------------------------------------------- the rules
# Each rule: when it fires, how bad, the evidence, the business impact, the first runbook step.

REVIEW_CAPACITY = AlertRule(
    name="alert_volume_over_review_capacity",
    severity="critical",
    conditions=(
        C("flag_rate_change_pct", ">", "flag_rate_increase_pct"),
        C("reviewer_hours_needed", ">", "reviewer_hours_per_day"),
    ),
    summary="Flag rate up {flag_rate_change_pct:+.0f}%: alert queue exceeds reviewer capacity",
    evidence="flag rate {flag_rate_ref:.2%} -> {flag_rate_cur:.2%}; {extra_alerts_per_day:+.0f} alerts/day at {trades_per_day:.0f} trades/day",
    impact="{reviewer_hours_needed:.1f} reviewer hours/day needed vs {reviewer_hours_per_day:.1f} available: alerts will breach the review SLA",
    runbook="Open the drift panel to find the driver; if it is market-wide, propose a threshold change as a challenger "
    "(four-eyes approval); meanwhile ask the surveillance lead for extra reviewers.",
)
FLAG_RATE_UP = AlertRule(
    name="flag_rate_up",
    severity="warning",
    conditions=(
        C("flag_rate_change_pct", ">", "flag_rate_increase_pct"),
        C("reviewer_hours_needed", "<=", "reviewer_hours_per_day"),
    ),
    summary="Flag rate up {flag_rate_change_pct:+.0f}% (still within reviewer capacity)",
    evidence="flag rate {flag_rate_ref:.2%} -> {flag_rate_cur:.2%}; {extra_alerts_per_day:+.0f} alerts/day",
    impact="{reviewer_hours_needed:.1f} of {reviewer_hours_per_day:.1f} reviewer hours/day used",
    runbook="Check the drift panel and realised precision; no action if precision holds.",
)
FALLBACK_RATE = AlertRule(
    name="fallback_rate_high",
    severity="critical",
    conditions=(C("fallback_rate", ">", "max_fallback_rate"),),
    summary="{fallback_rate:.1%} of trade decisions ran on the rules-only fallback",
    evidence="fallback rate {fallback_rate:.2%} > {max_fallback_rate:.0%} over {trade_decisions:.0f} decisions ({fallback_per_day:.0f}/day)",
    impact="Decisions running on rules only: the model's coverage (wash trades, unusual counterparties) is lost",
    runbook="Check /health and the service log for model-load errors; roll back to the previous champion if the new version fails to load.",
)
ERROR_RATE = AlertRule(
    name="error_rate_high",
    severity="critical",
    conditions=(C("error_rate", ">", "max_error_rate"),),
    summary="{error_rate:.1%} of scoring requests failed (5xx)",
    evidence="error rate {error_rate:.2%} > {max_error_rate:.0%} over {requests:.0f} requests",
    impact="Trades without a decision are unmonitored until the caller retries",
    runbook="Page the on-call engineer; check the service log for the failing request ids; confirm callers retry.",
)
LATENCY_SLO = AlertRule(
    name="latency_p99_over_slo",
    severity="warning",
    conditions=(C("latency_p99_ms", ">", "latency_slo_p99_ms"),),
    summary="p99 latency {latency_p99_ms:.0f} ms is over the {latency_slo_p99_ms:.0f} ms SLO",
    evidence="p50 {latency_p50_ms:.1f} ms, p95 {latency_p95_ms:.1f} ms, p99 {latency_p99_ms:.1f} ms",
    impact="Slow scoring delays trade booking checks; callers may time out and fall back",
    runbook="Check host load and batch sizes; scale out the service or enable the fast scorer.",
)
PRICE_DEVIATION_DRIFT = AlertRule(
    name="price_deviation_drift",
    severity="warning",
    conditions=(C("price_deviation_drifted", "==", True),),
    summary="Price deviation has drifted (normalised Wasserstein {price_deviation_wasserstein:.2f}, PSI {price_deviation_psi:.2f})",
    evidence="feature {price_deviation_feature_name}: PSI {price_deviation_psi:.3f} ({price_deviation_psi_level}), Wasserstein/std {price_deviation_wasserstein:.3f}",
    impact="The model may miss off-market trades: what it learnt as 'normal' price scatter no longer holds",
    runbook="Compare with market volatility; if the market moved, schedule retraining on recent data and validate before promotion.",
)
KYC_AUTO_ACCEPT_DOWN = AlertRule(
    name="kyc_auto_accept_down",
    severity="warning",
    conditions=(C("auto_accept_change_pct", "<", "neg_auto_accept_drop_pct"),),
    summary="KYC auto-accept rate {auto_accept_change_pct:+.0f}%: onboarding backlog building",
    evidence="auto-accept {auto_accept_rate_ref:.1%} -> {auto_accept_rate_cur:.1%}; {extra_manual_reviews_per_day:+.0f} documents/day to manual review",
    impact="{kyc_review_hours_needed:.1f} review hours/day needed vs {kyc_reviewer_hours_per_day:.1f} available: client onboarding slows",
    runbook="Sample the manual-review queue for a new document template or language; add labelled examples and retrain.",
)
DATASET_DRIFT = AlertRule(
    name="dataset_drift",
    severity="warning",
    conditions=(C("dataset_drift", "==", True),),
    summary="{drift_share:.0%} of features drifted (dataset drift)",
    evidence="drifted features: {drifted_features}",
    impact="The model is scoring a population unlike its training data; its validated performance may not hold",
    runbook="Notify model risk (ongoing monitoring); check realised precision as labels arrive; plan revalidation.",
)
SCORE_DRIFT = AlertRule(
    name="score_distribution_drift",
    severity="info",
    conditions=(C("score_drifted", "==", True),),
    summary="Score distribution has shifted (PSI {score_psi:.2f})",
    evidence="score PSI {score_psi:.3f}, Wasserstein/std {score_wasserstein:.3f}",
    impact="Flag volumes and precision will move with it",
    runbook="Read together with the flag-rate and precision panels.",
)
PRECISION_LOW = AlertRule(
    name="alert_precision_low",
    severity="warning",
    conditions=(C("alert_precision", "<", "min_alert_precision"), C("alert_labels", ">=", "min_labels")),
    summary="Realised alert precision {alert_precision:.0%} is below {min_alert_precision:.0%}",
    evidence="{alert_labels:.0f} labelled alerts, precision {alert_precision:.1%} (95% CI {alert_precision_low:.1%}-{alert_precision_high:.1%})",
    impact="Reviewers spend most of their time on false positives",
    runbook="Review the false positives' reason codes; propose a threshold or rule change through validation.",
)
KYC_ACCURACY_LOW = AlertRule(
    name="kyc_auto_accept_accuracy_low",
    severity="critical",
    conditions=(
        C("auto_accept_accuracy", "<", "min_auto_accept_accuracy"),
        C("auto_accept_labels", ">=", "min_labels"),
    ),
    summary="KYC auto-accept accuracy {auto_accept_accuracy:.1%} is below {min_auto_accept_accuracy:.0%}",
    evidence="{auto_accept_labels:.0f} audited auto-accepts, accuracy {auto_accept_accuracy:.1%}",
    impact="Misclassified documents are being accepted without a human check (regulatory exposure)",
    runbook="Raise the auto-accept thresholds now (route more to review); investigate the errors by class.",
)

#: The rules the dashboard and ``ibml monitor report`` evaluate, most severe first.
DEFAULT_RULES: tuple[AlertRule, ...] = (
    REVIEW_CAPACITY,
    FALLBACK_RATE,
    ERROR_RATE,
    KYC_ACCURACY_LOW,
    FLAG_RATE_UP,
    LATENCY_SLO,
    PRICE_DEVIATION_DRIFT,
    KYC_AUTO_ACCEPT_DOWN,
    DATASET_DRIFT,
    PRECISION_LOW,
    SCORE_DRIFT,
)


def evaluate_alerts(metrics: Mapping[str, Any], rules: Sequence[AlertRule] = DEFAULT_RULES) -> list[Alert]:
    """Every fired alert, most severe first (ties keep rule order).

    >>> evaluate_alerts({"fallback_rate": 0.03, "max_fallback_rate": 0.01, "trade_decisions": 1000,
    ...                  "fallback_per_day": 30.0}, [FALLBACK_RATE])[0].summary
    '3.0% of trade decisions ran on the rules-only fallback'
    """
    names = [r.name for r in rules]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ConfigError(f"alert rule name {duplicate!r} is used twice")
    fired = [a for a in (r.evaluate(metrics) for r in rules) if a is not None]
    return sorted(fired, key=lambda a: SEVERITY_ORDER[a.severity])


def _lookup(metrics: Mapping[str, Any], name: str) -> Any:
    if name not in metrics:
        raise ConfigError(f"alert condition names unknown metric {name!r}")
    return metrics[name]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class _Formatter:
    def __init__(self, metrics: Mapping[str, Any]) -> None:
        self.metrics = metrics

    def format(self, template: str, rule: str) -> str:
        values = {k: (float("nan") if v is None else v) for k, v in self.metrics.items()}
        try:
            return template.format(**values)
        except KeyError as exc:
            raise ConfigError(f"alert rule {rule!r}: text names unknown metric {exc.args[0]!r}") from None
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"alert rule {rule!r}: cannot format text: {exc}") from None


__all__ = [
    "Severity",
    "SEVERITY_ORDER",
    "BusinessContext",
    "Condition",
    "AlertRule",
    "Alert",
    "C",
    "DEFAULT_RULES",
    "evaluate_alerts",
    "REVIEW_CAPACITY",
    "FLAG_RATE_UP",
    "FALLBACK_RATE",
    "ERROR_RATE",
    "LATENCY_SLO",
    "PRICE_DEVIATION_DRIFT",
    "KYC_AUTO_ACCEPT_DOWN",
    "DATASET_DRIFT",
    "SCORE_DRIFT",
    "PRECISION_LOW",
    "KYC_ACCURACY_LOW",
]
