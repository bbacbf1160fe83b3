"""The feature views, declared once (Feast style: entity -> source -> feature view).

Everything that reads or writes features — training-set joins, offline writes, online
materialisation, online reads, the CLI — looks the view up here and takes its keys, timestamps, TTL,
schema and transformation from the declaration. Change a view here and every path changes with it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from reference_impl.errors import FeatureStoreError
from reference_impl.features.columns import CONTEXT_FEATURES, MODEL_FEATURES, WINDOWS
from reference_impl.features.credit import (
    CONCENTRATION_FEATURES,
    GROWTH_FEATURES,
    UTILISATION_FEATURES,
    VOLATILITY_FEATURES,
    credit_state_from,
    instrument_volatility_rows,
    view_rows,
)
from reference_impl.features.rows import counterparty_pair_rows, trader_activity_rows, trader_history_snapshot
from reference_impl.features.spec import Entity, FeatureView, Field, Source
from reference_impl.features.transforms import build_trade_features

OWNER = "features-team@ibml.example"
CREDIT_OWNER = "credit-risk-analytics@ibml.example"

# --------------------------------------------------------------------------- entities
# An entity is the "who" a feature describes; its join keys are how rows find each other.
trade = Entity(name="trade", join_keys=("trade_id",), description="One trade-capture event.")
# Traders are where behavioural baselines live: "unusual" means unusual *for this trader*.
trader = Entity(name="trader", join_keys=("trader_id",), description="A trader booking trades.")
# A composite key: novelty is about a book dealing with a counterparty, not the counterparty alone.
counterparty_pair = Entity(
    name="counterparty_pair", join_keys=("book", "counterparty_id"), description="A (book, counterparty) relationship."
)

# --------------------------------------------------------------------------- sources
# exec_ts is when the trade happened; booking_ts is when the bank knew it — the gap is late arrival.
trades_source = Source(
    name="trades",
    table="trades",
    event_timestamp="exec_ts",
    created_timestamp="booking_ts",
    description="Trade-capture events from the data layer (docs/contracts.md).",
)
# Derived state is stamped with the booking instant that produced it: known as soon as it happened.
trades_by_booking = Source(
    name="trades_by_booking",
    table="trades",
    event_timestamp="booking_ts",
    created_timestamp="booking_ts",
    description="The same events, timed by booking (state after each booking).",
)


# --------------------------------------------------------------------------- transformations


def _trade_feature_rows(data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    features = build_trade_features(data["trades"], data, data["prices"])
    features["event_ts"] = features["exec_ts"]
    features["available_at"] = features["booking_ts"]
    return features


def _trader_activity_rows(data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return trader_activity_rows(data["trades"])


def _trader_history_rows(data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return trader_history_snapshot(data["trades"])


def _counterparty_pair_rows(data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return counterparty_pair_rows(data["trades"])


# --------------------------------------------------------------------------- feature views
# The model's inputs: one row per trade event, known from its booking time; a trade's features never expire.
trade_features = FeatureView(
    name="trade_features",
    entity=trade,
    source=trades_source,
    schema=tuple(Field(name) for name in (*MODEL_FEATURES, *CONTEXT_FEATURES)),
    transformation=_trade_feature_rows,
    ttl=None,
    owner=OWNER,
    description="Per-trade features for anomaly detection (see columns.MODEL_FEATURES).",
)

# Trader state after each booking instant: the classic point-in-time example ("what did we know at 10:15?").
trader_activity = FeatureView(
    name="trader_activity",
    entity=trader,
    source=trades_by_booking,
    schema=tuple(Field(f"{stat}_{w}") for w in WINDOWS for stat in ("trade_count", "notional_mean")),
    transformation=_trader_activity_rows,
    ttl=pd.Timedelta(days=7),
    owner=OWNER,
    description="Trader's trade count and mean notional over 1h/1d/7d, including the latest booking.",
)

# Serving state: the trader's last 7 days of events, so request-time features reuse the batch code exactly.
trader_history = FeatureView(
    name="trader_history",
    entity=trader,
    source=trades_by_booking,
    schema=(Field("n_recent_events"), Field("recent_events", "json")),
    transformation=_trader_history_rows,
    ttl=pd.Timedelta(days=7),
    owner=OWNER,
    description="Recent events per trader (snapshot) for request-time rolling features.",
    snapshot=True,
)

# How often this book has dealt with this counterparty so far; absent means "never": the pair is new.
counterparty_pair_activity = FeatureView(
    name="counterparty_pair",
    entity=counterparty_pair,
    source=trades_by_booking,
    schema=(Field("trades_to_date"),),
    transformation=_counterparty_pair_rows,
    ttl=None,
    owner=OWNER,
    description="Events booked so far per (book, counterparty), for counterparty novelty.",
)

#: Every trade-surveillance view by name, in dependency-free declaration order (built from ``trades``).
FEATURE_VIEWS: dict[str, FeatureView] = {
    v.name: v for v in (trade_features, trader_activity, trader_history, counterparty_pair_activity)
}

# =========================================================================== credit risk (Project C)
# Entities: credit limits are set per counterparty; market risk is measured per instrument.
counterparty = Entity(name="counterparty", join_keys=("counterparty_id",), description="A legal counterparty.")
instrument = Entity(name="instrument", join_keys=("instrument_id",), description="A traded instrument.")

# as_of_ts is the close an exposure values; published_ts is when that version arrived — corrections arrive days later.
exposures_source = Source(
    name="exposures",
    table="exposures",
    event_timestamp="as_of_ts",
    created_timestamp="published_ts",
    description="Daily exposures per (counterparty, instrument), one row per published version (data/credit.py).",
)
# Market data is known the instant it prints: its event and created timestamps are the same column.
prices_source = Source(
    name="prices",
    table="prices",
    event_timestamp="ts",
    created_timestamp="ts",
    description="Intraday reference prices (data/market.py), read at the daily credit close.",
)


def _credit_utilisation_rows(data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return view_rows(credit_state_from(data), UTILISATION_FEATURES)


def _credit_growth_rows(data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return view_rows(credit_state_from(data), GROWTH_FEATURES)


def _credit_concentration_rows(data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return view_rows(credit_state_from(data), (*CONCENTRATION_FEATURES, "largest_instrument_id"))


def _instrument_volatility_rows(data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return instrument_volatility_rows(data["prices"], data["calendar"])


#: An exposure older than this is not served: over a weekend plus a holiday it is still "yesterday's".
CREDIT_TTL = pd.Timedelta(days=5)

# Exposure over limit, as known at each instant: a correction re-issues the same close with a later available_at.
credit_utilisation = FeatureView(
    name="credit_utilisation",
    entity=counterparty,
    source=exposures_source,
    schema=tuple(Field(n) for n in UTILISATION_FEATURES),
    transformation=_credit_utilisation_rows,
    ttl=CREDIT_TTL,
    owner=CREDIT_OWNER,
    description="Exposure, limit in force and utilisation (exposure / limit) at each close.",
)

# Growth reads two closes: a correction of either one (today's or 5 days ago) makes a new version of today's row.
credit_exposure_growth = FeatureView(
    name="credit_exposure_growth",
    entity=counterparty,
    source=exposures_source,
    schema=tuple(Field(n) for n in GROWTH_FEATURES),
    transformation=_credit_growth_rows,
    ttl=CREDIT_TTL,
    owner=CREDIT_OWNER,
    description="Relative exposure change against 1 and 5 business days earlier.",
)

# Concentration: one name holding most of the exposure is a wrong-way and liquidity risk; the id feeds a second join.
credit_concentration = FeatureView(
    name="credit_concentration",
    entity=counterparty,
    source=exposures_source,
    schema=(*(Field(n) for n in CONCENTRATION_FEATURES), Field("largest_instrument_id", "string")),
    transformation=_credit_concentration_rows,
    ttl=CREDIT_TTL,
    owner=CREDIT_OWNER,
    description="Share of exposure in the largest single instrument, its id and the number of positions.",
)

# Market risk per instrument, joined through credit_concentration.largest_instrument_id (a chained as-of join).
instrument_volatility = FeatureView(
    name="instrument_volatility",
    entity=instrument,
    source=prices_source,
    schema=tuple(Field(n) for n in VOLATILITY_FEATURES),
    transformation=_instrument_volatility_rows,
    ttl=CREDIT_TTL,
    owner=CREDIT_OWNER,
    description="Annualised volatility of daily close-to-close log returns, and the last return.",
)

#: The credit-risk views (built from ``exposures``, ``credit_limits``, ``prices`` and ``calendar``).
CREDIT_FEATURE_VIEWS: dict[str, FeatureView] = {
    v.name: v for v in (credit_utilisation, credit_exposure_growth, credit_concentration, instrument_volatility)
}
#: Every declared view, trade surveillance then credit risk: what :func:`get_view` resolves names against.
ALL_FEATURE_VIEWS: dict[str, FeatureView] = {**FEATURE_VIEWS, **CREDIT_FEATURE_VIEWS}


def get_view(name: str) -> FeatureView:
    """The view called ``name``; :class:`FeatureStoreError` listing the known views if there is none."""
    try:
        return ALL_FEATURE_VIEWS[name]
    except (KeyError, TypeError):
        raise FeatureStoreError(f"unknown feature view {name!r}; known: {', '.join(ALL_FEATURE_VIEWS)}") from None


__all__ = [
    "ALL_FEATURE_VIEWS",
    "CREDIT_FEATURE_VIEWS",
    "CREDIT_OWNER",
    "CREDIT_TTL",
    "FEATURE_VIEWS",
    "OWNER",
    "counterparty",
    "credit_concentration",
    "credit_exposure_growth",
    "credit_utilisation",
    "exposures_source",
    "instrument",
    "instrument_volatility",
    "prices_source",
    "counterparty_pair",
    "counterparty_pair_activity",
    "get_view",
    "trade",
    "trade_features",
    "trader",
    "trader_activity",
    "trader_history",
    "trades_by_booking",
    "trades_source",
]
