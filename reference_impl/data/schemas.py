"""pydantic v2 models for single records: the typed contract that the API will accept.

A dataframe validator (:mod:`reference_impl.data.quality`) reports on a whole file; these models
reject one bad record at the door, with the field at fault. They are strict: no silent
coercion of ``"100"`` to ``100.0``, no naive timestamps, no unknown fields.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)

#: ISO 4217 codes the bank books: a closed list, so an unknown code is an error, not a new currency.
#: The API (``serving/trades``), the record model below and the data-quality report all use this one list.
BOOKED_CURRENCIES: tuple[str, ...] = (
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "CHF",
    "AUD",
    "CAD",
    "SEK",
    "NOK",
    "DKK",
    "HKD",
    "SGD",
)
Currency = Literal["USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD", "SEK", "NOK", "DKK", "HKD", "SGD"]
AnomalyType = Literal[
    "fat_finger",
    "off_market_price",
    "off_hours",
    "large_new_counterparty",
    "wash_trade",
    "duplicate_booking",
    "late_booking",
]
DocClass = Literal[
    "passport",
    "national_id",
    "utility_bill",
    "bank_statement",
    "certificate_of_incorporation",
    "register_of_directors",
    "proof_of_address",
    "out_of_scope",
]
#: 1-64 characters from a safe alphabet (letters, digits, ``_ . : -``); never coerced from a number.
Identifier = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
#: Positive and finite, bounded away from 0 and overflow so quantity * price stays a normal positive float.
PositiveFinite = Annotated[float, Strict(), Field(ge=1e-9, le=1e15, allow_inf_nan=False)]


#: The valid range of every trade timestamp, in UTC: ``TIMESTAMP_MIN <= t < TIMESTAMP_MAX``. Far inside pandas'
#: nanosecond range (1677-09-21 .. 2262-04-11), so a timestamp that passes the door can never overflow a
#: ``datetime64[ns]`` column, a UTC conversion or an epoch computation further in. Outside it: 422 naming the field.
TIMESTAMP_MIN = datetime(2000, 1, 1, tzinfo=UTC)
TIMESTAMP_MAX = datetime(2100, 1, 1, tzinfo=UTC)
#: RFC 3339 ``date-time``: full date, ``T`` (or a space, which RFC 3339 allows), time with optional fraction,
#: and an offset (``Z`` or ``+HH:MM``). No epoch digits, no week dates, no ``+HHMM``. The offset is optional in the
#: pattern only so that a naive time fails as pydantic's ``timezone_aware`` error (the clearer message).
RFC3339_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})?",
    re.ASCII,
)


def _rfc3339_only(value: Any) -> Any:
    """Timestamps arrive as RFC 3339 text with an offset (or as aware datetimes from Python callers).

    A number, or a string of digits (epoch seconds? milliseconds?), is ambiguous: refused, never guessed.
    """
    if isinstance(value, (int, float)):
        raise ValueError("timestamps must be RFC 3339 strings with a UTC offset, not numbers")
    if isinstance(value, (str, bytes)):
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        if not RFC3339_PATTERN.fullmatch(text):
            raise ValueError("timestamps must be RFC 3339 date-times with an offset, e.g. 2026-03-02T10:15:00Z")
    return value


def _in_valid_range(value: datetime) -> datetime:
    """Refuse timestamps outside ``[TIMESTAMP_MIN, TIMESTAMP_MAX)`` UTC (checked without overflowing)."""
    # the local year first: comparing or converting year 1 or 9999 with an offset can overflow datetime itself
    if not TIMESTAMP_MIN.year - 1 <= value.year <= TIMESTAMP_MAX.year or not TIMESTAMP_MIN <= value < TIMESTAMP_MAX:
        raise ValueError(
            f"timestamp out of the valid range {TIMESTAMP_MIN:%Y-%m-%d} .. {TIMESTAMP_MAX:%Y-%m-%d} (UTC, end excluded)"
        )
    return value


#: A timezone-aware RFC 3339 timestamp within the valid range (naive times, epoch numbers and digit
#: strings are refused). The API and every layer that reads events from outside share this one type.
Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339_only), AfterValidator(_in_valid_range)]
#: The same range for a stored row validated in strict mode (strict mode already refuses numbers and strings).
StoredTimestamp = Annotated[AwareDatetime, AfterValidator(_in_valid_range)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, str_strip_whitespace=False)


class TradeEventFields(BaseModel):
    """The fields and rules of a trade-capture event that every layer shares: the one definition.

    :class:`TradeEvent` (a stored row) adds the notionals and labels; the API's
    ``reference_impl.serving.trades.schemas.TradeEventIn`` adds an optional USD notional.
    """

    model_config = ConfigDict(extra="forbid")

    trade_id: Identifier
    event_type: Literal["new", "amend", "cancel"]
    orig_trade_id: Identifier | None = Field(None, description="the trade an amend/cancel refers to")
    exec_ts: Timestamp = Field(description="execution time: RFC 3339 with an offset, 2000-01-01 .. 2100-01-01 UTC")
    booking_ts: Timestamp = Field(description="booking time: RFC 3339 with an offset, not before exec_ts")
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
    venue: Identifier
    booking_system: Identifier

    @model_validator(mode="after")
    def _event_rules(self) -> TradeEventFields:
        if self.booking_ts < self.exec_ts:
            raise ValueError("booking_ts is before exec_ts: a trade cannot be booked before it is executed")
        if self.event_type != "new" and self.orig_trade_id is None:
            raise ValueError(f"orig_trade_id is required for a {self.event_type} event")
        if self.event_type == "new" and self.orig_trade_id is not None:
            raise ValueError("orig_trade_id must be empty for a new event")
        return self


class TradeEvent(TradeEventFields):
    """One trade-capture event as stored (new, amend or cancel): strict, with notionals and labels.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> TradeEvent(trade_id="T1", event_type="new", exec_ts=t, booking_ts=t, desk="EQ_LDN",
    ...            book="EQ_LDN-B1", trader_id="EQ_LDN-T01", counterparty_id="CP00001",
    ...            instrument_id="EQ.LDN.001", asset_class="equity", currency="GBP", side="BUY",
    ...            quantity=100.0, price=10.0, notional=1000.0, notional_usd=1270.0, venue="XLON",
    ...            booking_system="FIDESSA").side
    'BUY'
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    # strict mode already refuses epoch numbers; a before-validator would make strict mode refuse ISO text too
    exec_ts: StoredTimestamp = Field(description="execution time, timezone-aware")
    booking_ts: StoredTimestamp = Field(description="booking time, timezone-aware; not before exec_ts")
    notional: PositiveFinite
    notional_usd: PositiveFinite
    is_anomaly: bool = False
    anomaly_type: AnomalyType | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TradeEvent:
        if abs(self.notional - self.quantity * self.price) > 1e-6 * self.notional + 0.01:
            raise ValueError(f"notional {self.notional} != quantity * price ({self.quantity * self.price})")
        if self.is_anomaly != (self.anomaly_type is not None):
            raise ValueError("anomaly_type must be set exactly when is_anomaly is true")
        return self


class Client(_Strict):
    """A client onboarding record (synthetic PII: name, address)."""

    client_id: Identifier
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    entity_type: Literal["individual", "corporate", "fund", "trust", "bank"]
    jurisdiction: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    risk_rating: Literal["low", "medium", "high"]
    pep: bool
    address: Annotated[str, StringConstraints(max_length=300)] | None = None
    date_of_birth: date | None = None
    onboarded_date: date | None = None

    @model_validator(mode="after")
    def _pep_is_personal(self) -> Client:
        if self.pep and self.entity_type != "individual":
            raise ValueError("pep can only be true for an individual")
        return self


class KycDocument(_Strict):
    """A KYC document as text, with its class label (or ``out_of_scope``)."""

    doc_id: Identifier
    client_id: Identifier | None = None
    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    label: DocClass | None = None
    language: Literal["en", "de", "fr"] = "en"
    subset: Literal["clean", "noisy", "ambiguous", "out_of_scope", "second_language"] | None = None


__all__ = [
    "BOOKED_CURRENCIES",
    "Client",
    "Currency",
    "Identifier",
    "KycDocument",
    "PositiveFinite",
    "RFC3339_PATTERN",
    "StoredTimestamp",
    "TIMESTAMP_MAX",
    "TIMESTAMP_MIN",
    "Timestamp",
    "TradeEvent",
    "TradeEventFields",
]
