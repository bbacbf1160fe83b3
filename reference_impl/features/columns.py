"""The feature layer's contracts, declared once: column names, windows and time limits.

Every other module reads these names from here — the transforms that compute the columns, the view
declarations, the request path, the batch engines and their Spark schemas — so a column is renamed
or a window added in one place. Order is part of the contract where it says so (the model reads
:data:`MODEL_FEATURES` by position).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from reference_impl.errors import FeatureStoreError

#: Rolling windows for trader statistics (pandas offset aliases).
WINDOWS: tuple[str, ...] = ("1h", "1d", "7d")
#: The longest window: how much trader history the online store must keep for request-time features.
MAX_WINDOW: pd.Timedelta = pd.Timedelta(days=7)
#: Fewer prior trades than this in a window -> NaN z-score (a std from two numbers says little).
MIN_ZSCORE_HISTORY: int = 3
#: A reference price older than this (relative to ``exec_ts``) is treated as missing.
MAX_PRICE_AGE: pd.Timedelta = pd.Timedelta(days=1)

#: Columns of the ``trades`` frame the trade features read (see docs/contracts.md, Data).
TRADE_COLUMNS: tuple[str, ...] = (
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
#: Identifier and timestamp columns carried through to the feature frame.
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

#: Columns of each event kept in ``trader_history.recent_events`` (what the trader-level features read).
HISTORY_COLUMNS: tuple[str, ...] = (
    "trade_id",
    "booking_ts",
    "notional_usd",
    "event_type",
    "instrument_id",
    "counterparty_id",
    "side",
    "quantity",
    "price",
    "exec_ts",
)
#: Timestamp columns a feature frame or feature-row frame may carry (all tz-aware UTC).
TIMESTAMP_COLUMNS: tuple[str, ...] = ("exec_ts", "booking_ts", "event_ts", "available_at")


def window_names(windows: Iterable[str]) -> list[str]:
    """Windows as the column suffixes they give (``"1h"``, ``"7d"``)."""
    return [str(w) for w in windows]


def window_delta(window: str) -> pd.Timedelta:
    """``"1h"``/``"1d"``/``"7d"`` as a Timedelta (column names keep the short lower-case spelling)."""
    try:
        return pd.Timedelta(str(window).upper().replace("H", "h").replace("MIN", "min"))
    except ValueError as exc:
        raise FeatureStoreError(f"window {window!r} is not a time span such as '1h' or '7d'") from exc


#: The numeric columns the anomaly model uses (all float64). Order is part of the contract.
MODEL_FEATURES: list[str] = [
    "log_notional_usd",
    "notional_to_desk_limit",
    *[f"notional_zscore_{w}" for w in WINDOWS],
    *[f"trader_trade_count_{w}" for w in WINDOWS],
    "price_deviation_bps",
    "abs_price_deviation_bps",
    "off_hours",
    "is_new_counterparty",
    "counterparty_prior_trades",
    "counterparty_age_days",
    "booking_delay_s",
    "booking_delay_sla_ratio",
    "duplicate_prior_bookings_1d",
    "opposite_side_matches_1h",
]
#: Further float64 columns in the feature frame: useful for explanations and reason codes.
CONTEXT_FEATURES: list[str] = [
    "notional_usd",
    "reference_price",
    *[f"trader_notional_{stat}_{w}" for w in WINDOWS for stat in ("mean", "std")],
]

#: Every column of the trade feature frame, in order (what ``build_trade_features`` returns).
FEATURE_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, *MODEL_FEATURES, *CONTEXT_FEATURES)


__all__ = [
    "CONTEXT_FEATURES",
    "FEATURE_COLUMNS",
    "HISTORY_COLUMNS",
    "KEY_COLUMNS",
    "MAX_PRICE_AGE",
    "MAX_WINDOW",
    "MIN_ZSCORE_HISTORY",
    "MODEL_FEATURES",
    "TIMESTAMP_COLUMNS",
    "TRADE_COLUMNS",
    "WINDOWS",
    "window_delta",
    "window_names",
]
