"""The API contract: pydantic v2 request and response models.

Strict where it matters to a bank: positive, finite quantities and prices; ISO currency codes we
actually book; timezone-aware timestamps (a naive one is an error, not a guess); identifiers with
bounded length and a safe alphabet; and **unknown fields rejected** (``extra="forbid"``). MLflow's
scoring server silently drops a misspelt column and scores the rest; a silently imputed
``quantty`` is how a fat-finger slips through, so we answer 422 naming the field instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints, model_validator

#: ISO 4217 codes the bank books (a closed list: an unknown code is a 422, not a new currency).
KNOWN_CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD", "SEK", "NOK", "DKK", "HKD", "SGD")
Currency = Literal["USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD", "SEK", "NOK", "DKK", "HKD", "SGD"]

#: Hard ceiling on a batch in the schema; ``IBML_MAX_BATCH_SIZE`` may lower it at run time.
MAX_BATCH_EVENTS = 100
#: Longest document text the schema accepts (``IBML_MAX_KYC_TEXT_CHARS`` may lower it).
MAX_KYC_TEXT_CHARS = 20_000

Identifier = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
#: Positive and finite, bounded away from 0 and overflow so quantity * price stays a normal positive float.
PositiveFinite = Annotated[float, Strict(), Field(ge=1e-9, le=1e15, allow_inf_nan=False)]


def _no_epoch_numbers(value: Any) -> Any:
    """Timestamps arrive as ISO 8601 text; a bare number (epoch seconds? ms?) is ambiguous, so refuse it."""
    if isinstance(value, (int, float)):
        raise ValueError("timestamps must be ISO 8601 strings with a UTC offset, not numbers")
    return value


#: A timezone-aware timestamp given as ISO 8601 text (naive times and epoch numbers are refused).
Timestamp = Annotated[AwareDatetime, BeforeValidator(_no_epoch_numbers)]

_TRADE_EXAMPLE: dict[str, Any] = {
    "trade_id": "T000123", "event_type": "new", "orig_trade_id": None,
    "exec_ts": "2026-03-02T10:15:00Z", "booking_ts": "2026-03-02T10:15:04Z",
    "desk": "EQ_LDN", "book": "EQ_LDN_B1", "trader_id": "EQ_LDN_T03", "counterparty_id": "CP0042",
    "instrument_id": "EQ_LDN_07", "asset_class": "equity", "currency": "GBP", "side": "BUY",
    "quantity": 2500, "price": 41.7, "notional_usd": 131_000.0, "venue": "XLON", "booking_system": "FIDESSA",
}


class _Strict(BaseModel):
    """Unknown fields rejected; field types below are strict (no epoch integers for timestamps, no "5" for 5)."""

    model_config = ConfigDict(extra="forbid")


class TradeEventIn(_Strict):
    """One trade-capture event, as the booking system emits it (see docs/contracts.md, ``trades``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_TRADE_EXAMPLE]})

    trade_id: Identifier
    event_type: Literal["new", "amend", "cancel"]
    orig_trade_id: Identifier | None = Field(None, description="the trade an amend/cancel refers to")
    exec_ts: Timestamp = Field(description="execution time, timezone-aware (ISO 8601 with offset)")
    booking_ts: Timestamp = Field(description="booking time, timezone-aware; not before exec_ts")
    desk: Identifier
    book: Identifier
    trader_id: Identifier
    counterparty_id: Identifier
    instrument_id: Identifier
    asset_class: Literal["equity", "fx", "govt_bond", "irs"]
    currency: Currency
    side: Literal["BUY", "SELL"]
    quantity: PositiveFinite
    price: PositiveFinite
    notional_usd: PositiveFinite | None = Field(None, description="USD notional; computed from FX rates when omitted")
    venue: Identifier
    booking_system: Identifier

    @model_validator(mode="after")
    def _check_times(self) -> "TradeEventIn":
        if self.booking_ts < self.exec_ts:
            raise ValueError("booking_ts is before exec_ts: a trade cannot be booked before it is executed")
        if self.event_type != "new" and self.orig_trade_id is None:
            raise ValueError(f"orig_trade_id is required for a {self.event_type} event")
        return self

    def to_row(self) -> dict[str, Any]:
        """The event as one ``trades`` row (UTC timestamps, notional = quantity * price)."""
        row = self.model_dump()
        row["exec_ts"] = self.exec_ts.astimezone(dt.timezone.utc)
        row["booking_ts"] = self.booking_ts.astimezone(dt.timezone.utc)
        row["notional"] = self.quantity * self.price
        return row


class ScoreBatchRequest(_Strict):
    """Several events scored in one call (bounded: ``IBML_MAX_BATCH_SIZE``, default 100)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"events": [_TRADE_EXAMPLE]}]})

    events: list[TradeEventIn] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


class Reason(BaseModel):
    """One reason code behind a decision (at most four per decision)."""

    code: str
    text: str
    source: Literal["rule", "model", "override"]
    feature: str | None = None
    value: float | None = None
    contribution: float | None = None


class InferenceMetadata(BaseModel):
    """What an auditor needs to reproduce a decision, returned with every answer."""

    request_id: str
    model_name: str
    model_version: str | None = Field(description="None when no model was loaded (rules-only)")
    ruleset_version: str | None = None
    latency_ms: float
    fallback_used: bool
    fallback_reason: str | None = Field(None, description="model_missing | model_error | model_timeout | online_store_unavailable")
    audit_seq: int | None = Field(None, description="sequence number of the audit record of this decision")


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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "result": {"trade_id": "T000123", "score": 0.42, "threshold": 0.61, "flagged": False, "decision": "clear",
                   "reasons": [], "features_used": {"log_notional_usd": 5.1}, "imputed": [], "overrides": [],
                   "online_features": "ok"},
        "metadata": {"request_id": "3f1c…", "model_name": "trade-anomaly", "model_version": "3",
                     "ruleset_version": "rules-2026.03", "latency_ms": 4.2, "fallback_used": False,
                     "fallback_reason": None, "audit_seq": 17}}]})

    result: TradeDecisionOut
    metadata: InferenceMetadata


class ScoreBatchResponse(BaseModel):
    results: list[TradeDecisionOut]
    metadata: InferenceMetadata


class KycClassifyRequest(_Strict):
    """One document's extracted text. ``client_id`` is pseudonymised before anything is logged."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "doc_id": "D000981", "client_id": "C00017",
        "text": "Passport of the United Kingdom. Surname: EXAMPLE. Given names: ANNA. Date of birth: 01 JAN 1980"}]})

    doc_id: Identifier
    client_id: Identifier | None = None
    text: Annotated[str, Strict()] = Field(max_length=MAX_KYC_TEXT_CHARS, description="extracted document text")


class KycClassifyResponse(BaseModel):
    doc_id: str
    label: str | None
    confidence: float
    route: Literal["auto_accept", "manual_review", "reject_unknown"]
    reason: str
    reason_text: str
    threshold: float | None = None
    review_item_id: int | None = Field(None, description="queue item when routed to manual review")
    metadata: InferenceMetadata


class ReviewItemOut(BaseModel):
    """A KYC review-queue item (text is never returned: only a digest reference)."""

    model_config = ConfigDict(extra="allow")

    item_id: int
    doc_id: str
    status: str
    predicted: str | None = None
    confidence: float | None = None
    reason: str | None = None


class ReviewListResponse(BaseModel):
    items: list[ReviewItemOut]


class ReviewDecisionRequest(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"label": "passport", "comment": "MRZ checked"}]})

    label: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z_]+$")]
    comment: Annotated[str, Strict()] = Field("", max_length=2_000)


class ModelInfoOut(BaseModel):
    """A loaded (or failed) model as ``GET /v1/models`` reports it."""

    name: str
    status: Literal["loaded", "missing", "error"]
    source: str
    version: str | None = None
    ruleset_version: str | None = None
    training_data_digest: str | None = None
    approval_state: str | None = None
    loaded_at: str | None = None
    detail: str | None = Field(None, description="why the model is missing or failed to load")


class ModelsResponse(BaseModel):
    models: list[ModelInfoOut]


class HealthResponse(BaseModel):
    status: Literal["ok"]


class ReadinessResponse(BaseModel):
    ready: bool
    checks: dict[str, bool]
    reasons: list[str]


class ErrorResponse(BaseModel):
    """Body of every 4xx/5xx the service itself produces (validation errors use FastAPI's shape)."""

    detail: str
    request_id: str | None = None


__all__ = [
    "Currency", "ErrorResponse", "HealthResponse", "InferenceMetadata", "KNOWN_CURRENCIES", "KycClassifyRequest",
    "KycClassifyResponse", "ModelInfoOut", "ModelsResponse", "ReadinessResponse", "Reason", "ReviewDecisionRequest",
    "ReviewItemOut", "ReviewListResponse", "ScoreBatchRequest", "ScoreBatchResponse", "ScoreResponse",
    "TradeDecisionOut", "TradeEventIn",
]
