"""Milestone 5: the validation gate's two halves — measure a detector, then hold it to a stated policy.

The model-risk policy (:data:`POLICY`) is a ceiling on the alert rate (reviewers have a capacity) and
floors on recall and precision over the *planted* anomalies of a held-out, later time window:

* ``alert_rate`` — share of the window's trades the detector flags (model or rules) <= 0.05;
* ``recall`` — share of planted anomalies flagged >= 0.40;
* ``precision`` — share of flags that are planted anomalies >= 0.15.

``python -m anomaly_lab.gate`` (provided, :mod:`anomaly_lab.gate`) fits your detector, calls
:func:`evaluate` and :func:`check_policy` and exits non-zero when the gate fails; the exported project's CI
runs it on every push.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: metric -> ("max" | "min", bar): a ceiling or a floor.
POLICY: dict[str, tuple[str, float]] = {
    "alert_rate": ("max", 0.05),
    "recall": ("min", 0.40),
    "precision": ("min", 0.15),
}


@dataclass(frozen=True)
class Check:
    """One policy line: the metric, its value (None if missing), pass/fail and a one-line ``detail``."""

    metric: str
    value: float | None
    passed: bool
    detail: str


@dataclass(frozen=True)
class GateResult:
    passed: bool
    checks: list[Check]


def evaluate(detector: Any, features: pd.DataFrame, is_anomaly: Sequence[bool]) -> dict[str, float]:
    """``{"alert_rate", "recall", "precision"}`` of ``detector.decide(features)``'s flags against ``is_anomaly``.

    Precision is 0.0 when nothing is flagged (an empty alert queue is not perfect); recall is 0.0 when
    there is no planted anomaly to find.
    """
    raise NotImplementedError("TODO m5: evaluate — alert rate, recall and precision of the flags")


def check_policy(metrics: Mapping[str, float], policy: Mapping[str, tuple[str, float]] = POLICY) -> GateResult:
    """Hold ``metrics`` to ``policy``: every line must pass; a missing or NaN metric fails (never passes silently).

    ``detail`` of a failed check names the metric, its value and the bar (e.g.
    ``"alert_rate 0.2000 is above the ceiling 0.05"``); ``"ok"`` when it passed.
    """
    raise NotImplementedError("TODO m5: check_policy — ceilings and floors, fail closed")
