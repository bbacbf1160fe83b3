"""Features for an incoming event (provided): the event plus recent trades, through *your* ``trade_features``.

A production service reads the trader's recent state from an online store; here the service holds a
snapshot of recent trades in memory. Because :func:`anomaly_lab.features.trade_features` is point-in-time
(only trades booked strictly before an event count), computing the event's row over ``history + event``
gives exactly the row the training set would hold for it — the same code path, so no training/serving skew.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from reference_impl.features import latest_usd_rates, normalise_events

#: The event fields the features read.
EVENT_COLUMNS: tuple[str, ...] = (
    "trade_id",
    "event_type",
    "exec_ts",
    "booking_ts",
    "desk",
    "book",
    "trader_id",
    "counterparty_id",
    "instrument_id",
    "side",
    "quantity",
    "price",
    "notional_usd",
)


class TradeHistory:
    """Recent trades, reference data and prices: what the service needs to compute an event's features."""

    def __init__(self, trades: pd.DataFrame, ref: Mapping[str, pd.DataFrame], prices: pd.DataFrame) -> None:
        self.trades = trades[list(EVENT_COLUMNS)].reset_index(drop=True)
        self.ref = ref
        self.prices = prices
        self._usd_per_unit = latest_usd_rates(ref.get("fx_rates"))

    def features_for(self, events: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """One feature row per event, in order (:data:`anomaly_lab.features.COLUMNS`).

        Each event is a trade event as a mapping (``exec_ts``/``booking_ts`` tz-aware; ``notional_usd``
        may be None: it is computed from the latest FX rates). Only the history of the events' traders
        and books is used — all the features of these events depend on.
        """
        from anomaly_lab.features import trade_features

        wanted = (*EVENT_COLUMNS, "currency")  # the currency converts a missing notional_usd
        rows = normalise_events(pd.DataFrame([{c: e.get(c) for c in wanted} for e in events]), self._usd_per_unit)
        near = self.trades["trader_id"].isin(rows["trader_id"]) | self.trades["book"].isin(rows["book"])
        past = self.trades[near]
        frame = pd.concat([past, rows[list(EVENT_COLUMNS)]], ignore_index=True)
        return trade_features(frame, self.ref, self.prices).iloc[len(past) :].reset_index(drop=True)


__all__ = ["EVENT_COLUMNS", "TradeHistory"]
