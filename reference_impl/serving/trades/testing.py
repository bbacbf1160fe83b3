"""Fakes for the trade room: a detector that can be made slow or broken, a static feature source, sample events.

They honour the same contracts as the real pieces (:class:`~reference_impl.serving.trades.models.TradeDetector`,
:class:`~reference_impl.serving.trades.features.FeatureSource`) and return real ``reference_impl.anomaly.Decision``
objects, so the service machinery under test is the production one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from reference_impl.anomaly.detector import Decision
from reference_impl.serving.models import LoadedModel, loaded
from reference_impl.serving.trades.features import FeatureResult
from reference_impl.serving.trades.models import TRADE_MODEL_NAME, TradeDetector
from reference_impl.serving.trades.schemas import TRADE_EXAMPLE
from reference_impl.serving.trades.state import TradesProviders

FAKE_FEATURES: tuple[str, ...] = ("log_notional_usd", "price", "quantity", "booking_delay_s", "trader_trade_count_1d")
LARGE_NOTIONAL_USD = 50_000_000.0


def fake_rules(features: pd.DataFrame) -> list[Decision]:
    """Rules only: flag a USD notional above 50m or a booking more than an hour after execution."""
    out = []
    for row in features.to_dict("records"):
        feats: dict[str, float | None] = {k: float(row[k]) for k in FAKE_FEATURES if k in row}
        reasons = []
        if 10 ** (feats.get("log_notional_usd") or 0.0) > LARGE_NOTIONAL_USD:
            reasons.append(
                {
                    "code": "LARGE_NOTIONAL",
                    "text": "USD notional above 50m",
                    "source": "rule",
                    "feature": "log_notional_usd",
                    "value": feats["log_notional_usd"],
                    "contribution": None,
                }
            )
        if (feats.get("booking_delay_s") or 0.0) > 3600:
            reasons.append(
                {
                    "code": "LATE_BOOKING",
                    "text": "booked more than an hour after execution",
                    "source": "rule",
                    "feature": "booking_delay_s",
                    "value": feats["booking_delay_s"],
                    "contribution": None,
                }
            )
        out.append(
            Decision(
                str(row["trade_id"]),
                None,
                None,
                bool(reasons),
                reasons,
                None,
                "fake-rules-1",
                feats,
                fallback_used=True,
                fallback_reason="rules_only",
            )
        )
    return out


class FakeDetector:
    """A detector honouring the ``TradeAnomalyDetector`` contract; can be made slow or broken.

    Parameters
    ----------
    delay_s : float
        Sleep this long in :meth:`decide` (a slow model).
    fail : bool
        Raise in :meth:`decide` (a broken model).
    """

    model_version_ = "fake-1"
    ruleset_version = "fake-rules-1"
    training_digest_ = "sha256:fake"
    threshold_ = 0.7

    def __init__(self, *, delay_s: float = 0.0, fail: bool = False) -> None:
        self.delay_s = delay_s
        self.fail = fail
        self.calls = 0

    def decide(self, features: pd.DataFrame) -> list[Decision]:
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail:
            raise RuntimeError("model exploded")
        out = []
        for rule_decision in fake_rules(features):
            score = round(min(1.0, (rule_decision.features.get("log_notional_usd") or 0.0) / 10.0), 6)
            reasons = list(rule_decision.reasons)
            if score >= self.threshold_:
                reasons.append(
                    {
                        "code": "MODEL_UNUSUAL_SIZE",
                        "text": "size unusual for this trader",
                        "source": "model",
                        "feature": "log_notional_usd",
                        "value": rule_decision.features["log_notional_usd"],
                        "contribution": -0.3,
                    }
                )
            out.append(
                Decision(
                    rule_decision.trade_id,
                    score,
                    self.threshold_,
                    bool(reasons) or score >= self.threshold_,
                    reasons[:4],
                    self.model_version_,
                    self.ruleset_version,
                    rule_decision.features,
                )
            )
        return out

    def decide_rules_only(self, features: pd.DataFrame) -> list[Decision]:
        return fake_rules(features)


class StaticFeatureSource:
    """Features computed from the event alone; ``available=False`` simulates an unreachable online store."""

    def __init__(self, *, available: bool = True, fail: bool = False) -> None:
        self.available = available
        self.fail = fail

    def check(self) -> tuple[bool, str]:
        return (True, "ok") if self.available else (False, "online store unreachable (simulated)")

    def features_for(self, rows: Sequence[Mapping[str, Any]]) -> FeatureResult:
        if self.fail:
            raise RuntimeError("feature code crashed")
        records = []
        for row in rows:
            notional = float(row.get("notional_usd") or row["quantity"] * row["price"])
            delay = (pd.Timestamp(row["booking_ts"]) - pd.Timestamp(row["exec_ts"])).total_seconds()
            records.append(
                {
                    "trade_id": row["trade_id"],
                    "log_notional_usd": math.log10(notional),
                    "price": float(row["price"]),
                    "quantity": float(row["quantity"]),
                    "booking_delay_s": delay,
                    "trader_trade_count_1d": 3.0 if self.available else float("nan"),
                }
            )
        status = ["ok" if self.available else "unavailable"] * len(rows)
        return FeatureResult(pd.DataFrame(records), status, store_available=self.available)


def fake_trade_model(detector: TradeDetector | None = None) -> LoadedModel[TradeDetector]:
    """A loaded-model slot holding ``detector`` (default :class:`FakeDetector`)."""
    return loaded(TRADE_MODEL_NAME, detector or FakeDetector(), "fake", approval_state="approved")


def fake_trades_providers(
    *,
    detector: TradeDetector | None = None,
    trade_model: LoadedModel[TradeDetector] | None = None,
    features: Any | None = None,
) -> TradesProviders:
    """:class:`TradesProviders` wired to the fakes (override any piece)."""
    trade = trade_model or fake_trade_model(detector)
    return TradesProviders(
        trade_model=lambda s: trade,
        feature_source=lambda s: features if features is not None else StaticFeatureSource(),
        rules_only=lambda: fake_rules,
    )


def sample_event(**overrides: Any) -> dict[str, Any]:
    """A valid ``POST /v1/trades/score`` body (JSON-ready)."""
    body = {**TRADE_EXAMPLE, "trade_id": "T000001", "quantity": 2500.0}  # the contract's example, as a float
    body.update(overrides)
    return body


__all__ = [
    "FAKE_FEATURES",
    "LARGE_NOTIONAL_USD",
    "FakeDetector",
    "StaticFeatureSource",
    "fake_rules",
    "fake_trade_model",
    "fake_trades_providers",
    "sample_event",
]
