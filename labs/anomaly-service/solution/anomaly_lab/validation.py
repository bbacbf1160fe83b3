"""Adapter: precision/recall from :mod:`reference_impl.evaluation.metrics`, checks from
:mod:`reference_impl.lifecycle.validation` (the gate the reference's model registry applies)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reference_impl.evaluation.metrics import precision_recall_f1

if TYPE_CHECKING:
    from reference_impl.lifecycle.validation import Threshold

POLICY: dict[str, tuple[str, float]] = {
    "alert_rate": ("max", 0.05),
    "recall": ("min", 0.40),
    "precision": ("min", 0.15),
}


@dataclass(frozen=True)
class Check:
    metric: str
    value: float | None
    passed: bool
    detail: str


@dataclass(frozen=True)
class GateResult:
    passed: bool
    checks: list[Check]


def evaluate(detector: Any, features: pd.DataFrame, is_anomaly: Sequence[bool]) -> dict[str, float]:
    flagged = np.array([d.flagged for d in detector.decide(features)], dtype=float)
    report = precision_recall_f1(np.asarray(is_anomaly, dtype=bool), flagged, threshold=0.5)
    return {"alert_rate": report.flagged_share, "recall": report.recall, "precision": report.precision}


def _threshold(metric: str, bound: str, bar: float) -> Threshold:
    from reference_impl.lifecycle.validation import Threshold  # imported here: reference_impl.lifecycle loads MLflow

    if bound not in ("min", "max"):
        raise ValueError(f"policy {metric}: bound must be 'min' or 'max', got {bound!r}")
    return Threshold(metric, min_value=bar) if bound == "min" else Threshold(metric, max_value=bar)


def check_policy(metrics: Mapping[str, float], policy: Mapping[str, tuple[str, float]] = POLICY) -> GateResult:
    from reference_impl.lifecycle.validation import check_threshold

    results = [check_threshold(_threshold(m, bound, bar), metrics, None) for m, (bound, bar) in policy.items()]
    checks = [Check(r.metric, r.challenger, r.passed, r.detail) for r in results]
    return GateResult(all(c.passed for c in checks), checks)
