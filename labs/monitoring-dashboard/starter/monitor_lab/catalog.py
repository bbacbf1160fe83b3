"""Provided: the fired-alert record and who owns each rule (you do not write this module).

An alert nobody owns is an alert nobody acts on. Every rule in
``reference_impl.monitoring.DEFAULT_RULES`` has an owning team here; a rule you add needs one too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: rule name -> the team paged or ticketed when it fires.
OWNERS: dict[str, str] = {
    "alert_volume_over_review_capacity": "surveillance-operations",
    "flag_rate_up": "surveillance-operations",
    "fallback_rate_high": "ml-platform-oncall",
    "error_rate_high": "ml-platform-oncall",
    "latency_p99_over_slo": "ml-platform-oncall",
    "price_deviation_drift": "trade-surveillance-model-owner",
    "score_distribution_drift": "trade-surveillance-model-owner",
    "alert_precision_low": "trade-surveillance-model-owner",
    "dataset_drift": "model-risk",
    "kyc_auto_accept_down": "kyc-operations",
    "kyc_auto_accept_accuracy_low": "kyc-model-owner",
}


@dataclass(frozen=True)
class Alert:
    """A fired rule: how bad, who owns it, and its text filled in from the metrics."""

    rule: str
    severity: str
    owner: str
    summary: str
    evidence: str
    impact: str
    runbook: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


__all__ = ["OWNERS", "Alert"]
