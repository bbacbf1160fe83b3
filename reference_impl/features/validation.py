"""Input checks every feature path runs first: required columns, UTC timestamps, a unique index.

Small named functions that raise :class:`~reference_impl.errors.FeatureStoreError` naming the column at
fault. Naive timestamps are an error here, not a guess: the one place that decides how a naive value is
read is :func:`reference_impl.features.events.normalise_events`, at the edge where events come in.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from reference_impl.errors import FeatureStoreError
from reference_impl.features.columns import TRADE_COLUMNS


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise :class:`FeatureStoreError` naming every column of ``columns`` missing from ``frame``."""
    if not isinstance(frame, pd.DataFrame):
        raise FeatureStoreError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FeatureStoreError(f"{what} is missing column(s): {', '.join(missing)}")


def require_utc(series: pd.Series, name: str) -> pd.Series:
    """Return ``series`` as tz-aware UTC datetimes; naive or non-datetime values are an error, not a guess."""
    if not isinstance(series.dtype, pd.DatetimeTZDtype):
        kind = "naive datetimes" if pd.api.types.is_datetime64_dtype(series.dtype) else f"dtype {series.dtype}"
        raise FeatureStoreError(f"column {name!r} must hold tz-aware UTC timestamps, got {kind}")
    return series.dt.tz_convert("UTC")


def check_trades(trades: pd.DataFrame, columns: Iterable[str] = TRADE_COLUMNS) -> None:
    """Raise unless ``trades`` has ``columns``, a unique index and tz-aware ``exec_ts``/``booking_ts``."""
    require_columns(trades, columns, "trades")
    if not trades.index.is_unique:
        raise FeatureStoreError("trades has a duplicated index; features are aligned on the index")
    for col in ("exec_ts", "booking_ts"):
        if col in trades.columns:
            require_utc(trades[col], col)


def utc_ns(series: pd.Series, name: str) -> np.ndarray:
    """Tz-aware UTC timestamps as naive ``datetime64[ns]`` values (UTC wall time), for fast numpy work."""
    return require_utc(series, name).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


__all__ = ["check_trades", "require_columns", "require_utc", "utc_ns"]
