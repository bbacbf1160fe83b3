"""Adapter: :class:`reference_impl.anomaly.TradeAnomalyDetector` on the lab's features, its rules and reasons."""

from __future__ import annotations

from typing import Any

import pandas as pd
from anomaly_lab.errors import AnomalyLabError, call
from anomaly_lab.features import FEATURES

from reference_impl.anomaly import MAX_REASONS, Decision, TradeAnomalyDetector, decide_rules_only

RULE_CODES: tuple[str, ...] = (
    "R_NOTIONAL_LIMIT",
    "R_PRICE_DEVIATION",
    "R_LATE_BOOKING",
    "R_WASH_TRADE",
    "R_NEW_CPTY_LARGE",
    "R_OFF_HOURS",
)

__all__ = ["MAX_REASONS", "RULE_CODES", "Decision", "fit_detector", "rules_only"]


def fit_detector(features: pd.DataFrame, *, alert_rate: float = 0.01, seed: int = 0, n_estimators: int = 100) -> Any:
    if not 0 < alert_rate <= 0.5:
        raise AnomalyLabError(f"alert_rate must be in (0, 0.5], got {alert_rate!r}")
    detector = TradeAnomalyDetector(
        n_estimators=n_estimators, contamination=alert_rate, random_state=seed, features=list(FEATURES)
    )
    return call(detector.fit, features)


def rules_only(features: pd.DataFrame) -> list[Decision]:
    return call(decide_rules_only, features)
