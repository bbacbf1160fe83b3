"""Trade events as the feature code reads them: one function normalises them wherever they come in.

Events reach the feature layer from three doors: an API request (one event as a Python mapping — the
hot path, where building a frame would cost more than the features), a Spark partition (a frame whose
timestamps Spark hands over naive, in the session zone, which the batch session pins to UTC) and the
trade event store (a frame, already UTC). :func:`normalise_events` applies the same two rules at all
three:

* **timestamps are UTC**: a tz-aware value is converted to UTC; a naive one is read as UTC — at this
  edge only, because every producer above writes UTC. Everything downstream refuses naive values
  (:func:`~reference_impl.features.validation.require_utc`): past this door there is no guessing;
* **USD notional from FX**: where ``notional_usd`` is missing (absent, ``None`` or NaN) and the event
  carries its notional, it is ``notional`` (or ``quantity * price``) times the USD rate of ``currency``
  — 1 for USD, the rate from ``usd_per_unit`` otherwise, NaN for a currency without a rate (never a
  guess). Frames without notional columns (a counterparty-pair history) keep only the timestamp rule.

:func:`latest_usd_rates` turns the ``fx_rates`` reference table into the ``usd_per_unit`` mapping.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, overload

import numpy as np
import pandas as pd

from reference_impl.features.columns import TIMESTAMP_COLUMNS

_UTC = pd.Timestamp(0, tz="UTC").tz  # pandas' own UTC object: another UTC tzinfo (zoneinfo) does not concat with it
#: The timestamps one event must carry (a frame normalises whichever of :data:`TIMESTAMP_COLUMNS` it has).
EVENT_TIMESTAMPS: tuple[str, ...] = ("exec_ts", "booking_ts")


def usd_rate(currency: Any, usd_per_unit: Mapping[str, float] | None) -> float:
    """USD per unit of ``currency``: 1.0 for USD, the table's rate otherwise, NaN when there is none.

    >>> usd_rate("USD", None), usd_rate("GBP", {"GBP": 1.25}), usd_rate("SEK", {"GBP": 1.25})
    (1.0, 1.25, nan)
    """
    if currency == "USD":
        return 1.0
    return (usd_per_unit or {}).get(str(currency), float("nan"))


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _utc_timestamp(value: Any) -> pd.Timestamp:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:  # what the API hands over: no parsing
        return pd.Timestamp(value).tz_convert("UTC")
    return pd.Timestamp(pd.to_datetime(value, utc=True))


def _has_notional(columns: Any) -> bool:
    return "notional" in columns or ("quantity" in columns and "price" in columns)


def _normalise_event(row: Mapping[str, Any], usd_per_unit: Mapping[str, float] | None) -> dict[str, Any]:
    out = dict(row)
    for col in EVENT_TIMESTAMPS:
        out[col] = _utc_timestamp(row[col])
    if not _missing(row.get("notional_usd")):
        out["notional_usd"] = float(row["notional_usd"])
    elif _has_notional(row):
        notional = float(row["notional"]) if "notional" in row else float(row["quantity"]) * float(row["price"])
        out["notional_usd"] = notional * usd_rate(row.get("currency"), usd_per_unit)
    return out


def _utc_column(series: pd.Series) -> pd.Series | None:
    """``series`` as tz-aware UTC, or ``None`` when it already is (so an untouched frame is not copied)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return None if series.dt.tz is _UTC else series.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return series.dt.tz_localize("UTC")
    return pd.to_datetime(series, utc=True)


def _normalise_frame(frame: pd.DataFrame, usd_per_unit: Mapping[str, float] | None) -> pd.DataFrame:
    changed: dict[str, pd.Series] = {}
    for col in TIMESTAMP_COLUMNS:
        if col in frame.columns and (fixed := _utc_column(frame[col])) is not None:
            changed[col] = fixed
    has_usd = "notional_usd" in frame.columns
    missing = frame["notional_usd"].isna().to_numpy() if has_usd else np.ones(len(frame), dtype=bool)
    if _has_notional(frame.columns) and missing.any():
        notional = (
            frame["notional"]
            if "notional" in frame.columns
            else frame["quantity"].astype("float64") * frame["price"].astype("float64")
        ).to_numpy(dtype="float64")
        currency = frame["currency"].tolist() if "currency" in frame.columns else [None] * len(frame)
        rates = np.array([usd_rate(c, usd_per_unit) for c in currency], dtype="float64")
        usd = (
            frame["notional_usd"].to_numpy(dtype="float64", na_value=np.nan) if has_usd else np.full(len(frame), np.nan)
        )
        changed["notional_usd"] = pd.Series(np.where(missing, notional * rates, usd), index=frame.index)
    elif has_usd and frame["notional_usd"].dtype != "float64":
        changed["notional_usd"] = frame["notional_usd"].astype("float64")
    if not changed:
        return frame
    out = frame.copy()
    for col, values in changed.items():
        out[col] = values
    return out


@overload
def normalise_events(events: Mapping[str, Any], usd_per_unit: Mapping[str, float] | None = None) -> dict[str, Any]: ...
@overload
def normalise_events(events: pd.DataFrame, usd_per_unit: Mapping[str, float] | None = None) -> pd.DataFrame: ...


def normalise_events(
    events: pd.DataFrame | Mapping[str, Any],
    usd_per_unit: Mapping[str, float] | None = None,
) -> pd.DataFrame | dict[str, Any]:
    """Trade events with UTC timestamps and ``notional_usd`` filled from FX where it is missing.

    Parameters
    ----------
    events : DataFrame or mapping
        Trade events as a frame (a batch, a Spark partition, an API event as one row), or ONE event as
        a mapping (the request path: normalised without building a frame).
    usd_per_unit : mapping of str to float, optional
        USD per unit of each currency (:func:`latest_usd_rates`); only read where ``notional_usd`` is missing.

    Returns
    -------
    DataFrame or dict
        The same kind as ``events``. A frame already normalised is returned as is (not copied); the
        input is never modified. A mapping gives a new ``dict`` with ``exec_ts``/``booking_ts`` as UTC
        :class:`pandas.Timestamp` and ``notional_usd`` as ``float``.

    Examples
    --------
    >>> event = {"exec_ts": "2026-03-02T10:15:00+01:00", "booking_ts": "2026-03-02 09:15:04",
    ...          "quantity": 10.0, "price": 100.0, "currency": "GBP", "notional_usd": None}
    >>> out = normalise_events(event, {"GBP": 1.25})
    >>> str(out["exec_ts"]), str(out["booking_ts"]), out["notional_usd"]
    ('2026-03-02 09:15:00+00:00', '2026-03-02 09:15:04+00:00', 1250.0)
    >>> normalise_events(pd.DataFrame([event]), {"GBP": 1.25})[["exec_ts", "notional_usd"]]
                        exec_ts  notional_usd
    0 2026-03-02 09:15:00+00:00        1250.0
    """
    if isinstance(events, pd.DataFrame):
        return _normalise_frame(events, usd_per_unit)
    return _normalise_event(events, usd_per_unit)


def latest_usd_rates(fx_rates: pd.DataFrame | None) -> dict[str, float]:
    """The latest ``usd_per_unit`` per currency of the ``fx_rates`` table (empty without one)."""
    if fx_rates is None or len(fx_rates) == 0:
        return {}
    latest = fx_rates.sort_values("date").groupby("currency").tail(1)
    return {str(c): float(r) for c, r in zip(latest["currency"], latest["usd_per_unit"])}


__all__ = ["EVENT_TIMESTAMPS", "latest_usd_rates", "normalise_events", "usd_rate"]
