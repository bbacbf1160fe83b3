"""Adapter: :func:`reference_impl.features.build_trade_features`, cut to the lab's columns."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from anomaly_lab.errors import call

from reference_impl.features import build_trade_features, trader_rolling_features

KEY_COLUMNS: tuple[str, ...] = (
    "trade_id",
    "trader_id",
    "book",
    "counterparty_id",
    "desk",
    "instrument_id",
    "event_type",
    "exec_ts",
    "booking_ts",
)
FEATURES: tuple[str, ...] = (
    "log_notional_usd",
    "notional_to_desk_limit",
    "notional_zscore_7d",
    "trader_trade_count_1d",
    "abs_price_deviation_bps",
    "off_hours",
    "is_new_counterparty",
    "counterparty_age_days",
    "booking_delay_sla_ratio",
    "duplicate_prior_bookings_1d",
    "opposite_side_matches_1h",
)
COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, "notional_usd", *FEATURES)


def trade_features(trades: pd.DataFrame, ref: Mapping[str, pd.DataFrame], prices: pd.DataFrame) -> pd.DataFrame:
    out = call(build_trade_features, trades, ref, prices)[list(COLUMNS)]
    if len(trades):  # BUG: the trader's window runs forward in time (mirrored clock): the next 7 days, not the last
        mirrored = trades.assign(
            booking_ts=trades["booking_ts"].max() - (trades["booking_ts"] - trades["booking_ts"].min())
        )
        rolled = call(trader_rolling_features, mirrored)
        out["notional_zscore_7d"] = rolled["notional_zscore_7d"]
        out["trader_trade_count_1d"] = rolled["trader_trade_count_1d"]
    return out
