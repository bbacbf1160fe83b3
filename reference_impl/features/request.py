"""Request-time features: one incoming trade event plus the online store's state.

This is the serving path. It reads the trader's recent events and the (book, counterparty) count
from the online store and hands them to :func:`~reference_impl.features.transforms.compute_request_features`,
which runs the same transformation code as the batch build — so a model sees identical features in
training and in production (checked by :func:`reference_impl.features.consistency.check_request_path`).
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from reference_impl.features.definitions import counterparty_pair_activity, trader_history
from reference_impl.features.online import OnlineStore
from reference_impl.features.transforms import compute_request_features, require_columns


def online_state_for(event_frame: pd.DataFrame, store: OnlineStore, *, now: pd.Timestamp | None = None,
                     ) -> dict[str, dict | None]:
    """The online rows ``compute_request_features`` needs for one event (``None`` where there are none)."""
    require_columns(event_frame, ("trader_id", "book", "counterparty_id", "booking_ts"), "event")
    event = event_frame.iloc[0]
    now = event["booking_ts"] if now is None else now
    trader_row = store.read(trader_history, [str(event["trader_id"])], now=now)[0]
    pair_row = store.read(counterparty_pair_activity, [(str(event["book"]), str(event["counterparty_id"]))],
                          now=now)[0]
    return {"trader_history": trader_row, "counterparty_pair": pair_row}


def request_features_from_store(event_frame: pd.DataFrame, store: OnlineStore, ref: Mapping[str, pd.DataFrame],
                                prices_or_ref_price: pd.DataFrame | float | None, *,
                                now: pd.Timestamp | None = None) -> pd.DataFrame:
    """Features for one event, reading its state from ``store`` as of ``now`` (default: its booking time)."""
    state = online_state_for(event_frame, store, now=now)
    return compute_request_features(event_frame, state, ref, prices_or_ref_price)


__all__ = ["online_state_for", "request_features_from_store"]
