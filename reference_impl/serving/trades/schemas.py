"""The trade-scoring contract: one trade-capture event in, one decision with its reasons out.

``TradeEventIn`` is the data layer's :class:`~reference_impl.data.schemas.TradeEventFields` (the one
definition of a trade event: identifiers, booked currencies, time order, amend/cancel references) as
the API accepts it: the USD notional may be omitted (the service computes it from FX rates).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reference_impl.data.schemas import PositiveFinite, TradeEventFields
from reference_impl.serving.schemas import InferenceMetadata, StrictModel

#: Hard ceiling on a batch in the schema; ``IBML_MAX_BATCH_SIZE`` may lower it at run time.
MAX_BATCH_EVENTS = 100
#: The contract's example event (OpenAPI shows it; tests start from it through ``testing.sample_event``).
TRADE_EXAMPLE: dict[str, Any] = {
    "trade_id": "T000123",
    "event_type": "new",
    "orig_trade_id": None,
    "exec_ts": "2026-03-02T10:15:00Z",
    "booking_ts": "2026-03-02T10:15:04Z",
    "desk": "EQ_LDN",
    "book": "EQ_LDN_B1",
    "trader_id": "EQ_LDN_T03",
    "counterparty_id": "CP0042",
    "instrument_id": "EQ_LDN_07",
    "asset_class": "equity",
    "currency": "GBP",
    "side": "BUY",
    "quantity": 2500,
    "price": 41.7,
    "notional_usd": 131_000.0,
    "venue": "XLON",
    "booking_system": "FIDESSA",
}


class TradeEventIn(TradeEventFields):
    """One trade-capture event, as the booking system emits it (see docs/contracts.md, ``trades``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [TRADE_EXAMPLE]})

    notional_usd: PositiveFinite | None = Field(None, description="USD notional; computed from FX rates when omitted")

    def to_row(self) -> dict[str, Any]:
        """The event as one ``trades`` row (UTC timestamps, notional = quantity * price)."""
        row = self.model_dump()
        row["exec_ts"] = self.exec_ts.astimezone(dt.UTC)
        row["booking_ts"] = self.booking_ts.astimezone(dt.UTC)
        row["notional"] = self.quantity * self.price
        return row


class ScoreBatchRequest(StrictModel):
    """Several events scored in one call (bounded: ``IBML_MAX_BATCH_SIZE``, default 100)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"events": [TRADE_EXAMPLE]}]})

    events: list[TradeEventIn] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


class Reason(BaseModel):
    """One reason code behind a decision (at most four per decision)."""

    code: str
    text: str
    source: Literal["rule", "model", "override"]
    feature: str | None = None
    value: float | None = None
    contribution: float | None = None


class TradeDecisionOut(BaseModel):
    """The decision for one trade event."""

    trade_id: str
    score: float | None = Field(description="higher = more anomalous; None when only rules were applied")
    threshold: float | None = None
    flagged: bool
    decision: Literal["flag", "clear"]
    reasons: list[Reason]
    features_used: dict[str, float | None]
    imputed: list[str] = Field(default_factory=list)
    overrides: list[str] = Field(default_factory=list)
    online_features: Literal["ok", "unavailable", "partial"] = "ok"


class ScoreResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "result": {
                        "trade_id": "T000123",
                        "score": 0.42,
                        "threshold": 0.61,
                        "flagged": False,
                        "decision": "clear",
                        "reasons": [],
                        "features_used": {"log_notional_usd": 5.1},
                        "imputed": [],
                        "overrides": [],
                        "online_features": "ok",
                    },
                    "metadata": {
                        "request_id": "3f1c…",
                        "model_name": "trade-anomaly",
                        "model_version": "3",
                        "ruleset_version": "rules-2026.03",
                        "latency_ms": 4.2,
                        "fallback_used": False,
                        "fallback_reason": None,
                        "audit_seq": 17,
                    },
                }
            ]
        }
    )

    result: TradeDecisionOut
    metadata: InferenceMetadata


class ScoreBatchResponse(BaseModel):
    results: list[TradeDecisionOut]
    metadata: InferenceMetadata


__all__ = [
    "TRADE_EXAMPLE",
    "MAX_BATCH_EVENTS",
    "Reason",
    "ScoreBatchRequest",
    "ScoreBatchResponse",
    "ScoreResponse",
    "TradeDecisionOut",
    "TradeEventIn",
]
