"""pydantic v2 models for single records: the typed contract that the API will accept.

A dataframe validator (:mod:`reference_impl.data.quality`) reports on a whole file; these models
reject one bad record at the door, with the field at fault. They are strict: no silent
coercion of ``"100"`` to ``100.0``, no naive timestamps, no unknown fields.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Optional

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

#: ISO 4217 codes we accept (the majors plus common emerging-market currencies).
ISO_CURRENCIES: frozenset[str] = frozenset(
    "USD EUR GBP JPY CHF AUD CAD NZD SEK NOK DKK HKD SGD CNY CNH KRW INR BRL MXN ZAR PLN CZK HUF TRY ILS "
    "SAR AED TWD THB IDR MYR PHP CLP COP PEN RUB".split()
)
AnomalyType = Literal["fat_finger", "off_market_price", "off_hours", "large_new_counterparty", "wash_trade",
                      "duplicate_booking", "late_booking"]
DocClass = Literal["passport", "national_id", "utility_bill", "bank_statement", "certificate_of_incorporation",
                   "register_of_directors", "proof_of_address", "out_of_scope"]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
PositiveFinite = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, str_strip_whitespace=False)


class TradeEvent(_Strict):
    """One trade-capture event (new, amend or cancel).

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> TradeEvent(trade_id="T1", event_type="new", exec_ts=t, booking_ts=t, desk="EQ_LDN",
    ...            book="EQ_LDN-B1", trader_id="EQ_LDN-T01", counterparty_id="CP00001",
    ...            instrument_id="EQ.LDN.001", asset_class="equity", currency="GBP", side="BUY",
    ...            quantity=100.0, price=10.0, notional=1000.0, notional_usd=1270.0, venue="XLON",
    ...            booking_system="FIDESSA").side
    'BUY'
    """

    trade_id: Identifier
    event_type: Literal["new", "amend", "cancel"]
    orig_trade_id: Optional[Identifier] = None
    exec_ts: AwareDatetime
    booking_ts: AwareDatetime
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
    notional: PositiveFinite
    notional_usd: PositiveFinite
    venue: Identifier
    booking_system: Identifier
    is_anomaly: bool = False
    anomaly_type: Optional[AnomalyType] = None

    @model_validator(mode="after")
    def _consistent(self) -> "TradeEvent":
        if self.currency not in ISO_CURRENCIES:
            raise ValueError(f"currency {self.currency!r} is not a known ISO 4217 code")
        if self.booking_ts < self.exec_ts:
            raise ValueError("booking_ts is before exec_ts")
        if (self.event_type == "new") != (self.orig_trade_id is None):
            raise ValueError("orig_trade_id is required for amend/cancel and must be empty for new")
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
    address: Optional[Annotated[str, StringConstraints(max_length=300)]] = None
    date_of_birth: Optional[date] = None
    onboarded_date: Optional[date] = None

    @model_validator(mode="after")
    def _pep_is_personal(self) -> "Client":
        if self.pep and self.entity_type != "individual":
            raise ValueError("pep can only be true for an individual")
        return self


class KycDocument(_Strict):
    """A KYC document as text, with its class label (or ``out_of_scope``)."""

    doc_id: Identifier
    client_id: Optional[Identifier] = None
    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    label: Optional[DocClass] = None
    language: Literal["en", "de", "fr"] = "en"
    subset: Optional[Literal["clean", "noisy", "ambiguous", "out_of_scope", "second_language"]] = None


__all__ = ["ISO_CURRENCIES", "Client", "KycDocument", "TradeEvent"]
