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
from reference_impl.features.rows import counterparty_pair_rows, trader_activity_rows, trader_history_snapshot
from reference_impl.features.spec import Entity, FeatureView, Field, Source
from reference_impl.features.transforms import build_trade_features

OWNER = "features-team@ibml.example"

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

#: Every view by name, in dependency-free declaration order.
FEATURE_VIEWS: dict[str, FeatureView] = {
    v.name: v for v in (trade_features, trader_activity, trader_history, counterparty_pair_activity)
}


def get_view(name: str) -> FeatureView:
    """The view called ``name``; :class:`FeatureStoreError` listing the known views if there is none."""
    try:
        return FEATURE_VIEWS[name]
    except (KeyError, TypeError):
        raise FeatureStoreError(f"unknown feature view {name!r}; known: {', '.join(FEATURE_VIEWS)}") from None


__all__ = [
    "FEATURE_VIEWS",
    "OWNER",
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
