"""Milestone 2: the detector — an isolation forest, a threshold from a stated alert rate, rules, reason codes.

:func:`fit_detector` fits on a *training window* of feature rows (:func:`anomaly_lab.features.trade_features`)
and returns a detector with the methods below. A decision is flagged when the model's anomaly score is
at or above the threshold **or** a flagging rule fires; it carries at most four reasons (rule hits first,
then the features that pushed the model's score up) and every version needed to replay it.

The threshold comes from ``alert_rate``: the share of *training* rows the model alone should flag (the
upper tail of the training scores: higher score = more anomalous). NaN features are imputed with the
training median (and listed in ``Decision.imputed``).

Rules (at least these; codes are part of the contract):

====================  ===================================================================  =========
code                  fires when                                                           flags?
====================  ===================================================================  =========
``R_NOTIONAL_LIMIT``  ``notional_to_desk_limit`` > 1                                       yes
``R_PRICE_DEVIATION`` ``abs_price_deviation_bps`` > 50                                     yes
``R_LATE_BOOKING``    ``booking_delay_sla_ratio`` > 1 on a ``new`` trade                   yes
``R_WASH_TRADE``      ``opposite_side_matches_1h`` > 0                                     yes
``R_NEW_CPTY_LARGE``  ``notional_zscore_7d`` > 3 with ``counterparty_age_days`` < 30       yes
``R_OFF_HOURS``       ``off_hours`` == 1 (context for a reviewer, never an alert alone)    no
====================  ===================================================================  =========

A detector (what ``fit_detector`` returns) has:

* ``decide(features) -> list[Decision]`` — one per row, in order;
* ``decide_rules_only(features) -> list[Decision]`` — rules alone (``score``/``threshold`` None,
  ``fallback_used`` True, ``fallback_reason="rules_only"``): the fallback when the model cannot run;
* ``anomaly_score(features) -> numpy array`` — model scores only, higher = more anomalous;
* ``threshold_`` (float), ``model_version_`` (str, changes when the training data or parameters change),
  ``ruleset_version`` (str).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Rule reason codes the specification checks (source ``"rule"``); model reasons have source ``"model"``.
RULE_CODES: tuple[str, ...] = (
    "R_NOTIONAL_LIMIT",
    "R_PRICE_DEVIATION",
    "R_LATE_BOOKING",
    "R_WASH_TRADE",
    "R_NEW_CPTY_LARGE",
    "R_OFF_HOURS",
)
MAX_REASONS = 4


@dataclass
class Decision:
    """The outcome for one trade event, with what is needed to replay and defend it.

    ``reasons``: at most four dicts with ``code``, ``text``, ``source`` (``"rule"`` or ``"model"``),
    ``feature``, ``value`` and ``contribution``. ``features``: the (imputed) model inputs used.
    """

    trade_id: str
    score: float | None
    threshold: float | None
    flagged: bool
    reasons: list[dict[str, Any]]
    model_version: str | None
    ruleset_version: str
    features: dict[str, float | None]
    overrides: list[str] = field(default_factory=list)
    imputed: list[str] = field(default_factory=list)
    fallback_used: bool = False
    fallback_reason: str | None = None

    @property
    def reason_codes(self) -> list[str]:
        return [r["code"] for r in self.reasons]


def fit_detector(features: pd.DataFrame, *, alert_rate: float = 0.01, seed: int = 0, n_estimators: int = 100) -> Any:
    """Fit an isolation forest (``seed``: same rows + same seed -> same scores) on ``features``' :data:`FEATURES`.

    ``alert_rate`` must be in (0, 0.5]; anything else raises :class:`~anomaly_lab.errors.AnomalyLabError`.
    """
    raise NotImplementedError("TODO m2: fit_detector — forest, threshold from the alert rate, rules, reasons")


def rules_only(features: pd.DataFrame) -> list[Decision]:
    """Decisions from the rules alone (no model): what the service answers with when no model is loaded."""
    raise NotImplementedError("TODO m2: rules_only — the rules-only decision")
