"""Feature rows of a view: the builders that turn trades into each view's rows, and the check against its schema.

A view's rows are the entity's state after each booking instant (``trader_activity``,
``counterparty_pair``) or its latest serving state (``trader_history``); the declarations in
:mod:`~reference_impl.features.definitions` point at the builders here. The offline store, the online
store and the consistency check all call :func:`validate_rows`, so a row that is wrong (missing column,
naive timestamp, non-string key) is stopped at the first door.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from reference_impl.errors import FeatureStoreError
from reference_impl.features.columns import HISTORY_COLUMNS, MAX_WINDOW, WINDOWS, window_delta, window_names
from reference_impl.features.spec import FeatureView
from reference_impl.features.transforms import sorted_positions
from reference_impl.features.validation import check_trades, require_columns, utc_ns


def validate_rows(view: FeatureView, rows: pd.DataFrame) -> pd.DataFrame:
    """Return ``rows`` restricted to the view's columns, typed as declared; raise naming what is wrong."""
    require_columns(rows, view.columns(), f"feature rows of view {view.name!r}")
    out = rows[view.columns()].copy()
    for key in view.join_keys:
        dtype = out[key].dtype
        if not (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)):
            raise FeatureStoreError(f"key column {key!r} of view {view.name!r} must be strings, got {dtype}")
        if out[key].isna().any():
            raise FeatureStoreError(f"key column {key!r} of view {view.name!r} has missing values")
        out[key] = out[key].astype(str)
    for col in ("event_ts", "available_at"):
        if not isinstance(out[col].dtype, pd.DatetimeTZDtype):
            raise FeatureStoreError(
                f"column {col!r} of view {view.name!r} must be tz-aware UTC timestamps, got {out[col].dtype}"
            )
        if out[col].isna().any():
            raise FeatureStoreError(f"column {col!r} of view {view.name!r} has missing timestamps")
        out[col] = out[col].dt.tz_convert("UTC").dt.as_unit("ns")
    for f in view.schema:
        if f.dtype == "float64":
            try:
                out[f.name] = out[f.name].astype("float64")
            except (TypeError, ValueError) as exc:
                raise FeatureStoreError(f"feature {f.name!r} of view {view.name!r} is not numeric: {exc}") from None
    return out.reset_index(drop=True)


def build_view_rows(view: FeatureView, data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Run the view's transformation on the dataset and validate the result."""
    return validate_rows(view, view.transformation(data))


# --------------------------------------------------------------------------- trader state


def trader_activity_rows(trades: pd.DataFrame, windows: Iterable[str] = WINDOWS) -> pd.DataFrame:
    """Trader state *after* each booking instant: counts and notional stats over ``(t - w, t]``.

    One row per (trader, booking_ts) — several trades booked at the same instant give one row that
    includes all of them — so each row is the value a dashboard would have shown at that instant.
    """
    check_trades(trades, ("trade_id", "trader_id", "event_type", "booking_ts", "notional_usd"))
    windows = window_names(windows)
    booking = utc_ns(trades["booking_ts"], "booking_ts")
    order = sorted_positions(trades["trader_id"], booking, trades["trade_id"])
    notional = trades["notional_usd"].astype("float64").to_numpy()
    activity = np.where(trades["event_type"].to_numpy() == "cancel", np.nan, notional)
    work = pd.DataFrame(
        {
            "trader_id": trades["trader_id"].astype(str).to_numpy()[order],
            "ts": booking[order],
            "x": activity[order],
        }
    )
    grouped = work.groupby("trader_id", sort=True)
    out = work[["trader_id"]].copy()
    out["event_ts"] = work["ts"].dt.tz_localize("UTC")
    out["available_at"] = out["event_ts"]
    for w in windows:
        roll = grouped.rolling(window_delta(w), on="ts", closed="right")["x"]
        out[f"trade_count_{w}"] = np.nan_to_num(roll.count().to_numpy(), nan=0.0)
        out[f"notional_mean_{w}"] = roll.mean().to_numpy()
    last = ~out.duplicated(["trader_id", "event_ts"], keep="last")
    return out[last].reset_index(drop=True)


_HISTORY_TIMES = ("booking_ts", "exec_ts")
_HISTORY_FLOATS = ("notional_usd", "quantity", "price")


def trader_history_snapshot(trades: pd.DataFrame, window: pd.Timedelta = MAX_WINDOW) -> pd.DataFrame:
    """Per trader, the events of the last ``window`` up to its latest booking: serving state.

    A request for a new trade at ``t > latest`` needs every trade booked in ``[t - 7d, t)``; all of them
    are in ``[latest - 7d, latest]``, so this list is enough to recompute the trader-level features
    exactly, with the batch functions themselves. ``recent_events`` is a list of rows holding
    :data:`HISTORY_COLUMNS` (timestamps as integer nanoseconds).
    """
    check_trades(trades, ("trader_id", *HISTORY_COLUMNS))
    columns = ["trader_id", "event_ts", "available_at", "n_recent_events", "recent_events"]
    if len(trades) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    booking = utc_ns(trades["booking_ts"], "booking_ts")
    work = pd.DataFrame({"trader_id": trades["trader_id"].astype(str).to_numpy(), "_ts": booking})
    for col in HISTORY_COLUMNS:
        if col in _HISTORY_TIMES:
            work[col] = utc_ns(trades[col], col).astype("int64")
        elif col in _HISTORY_FLOATS:
            work[col] = trades[col].to_numpy(dtype="float64")
        else:
            work[col] = trades[col].astype(str).to_numpy()
    work = work.iloc[sorted_positions(work["trader_id"], booking, trades["trade_id"])]
    latest = work.groupby("trader_id", sort=True)["_ts"].transform("max")
    keep = work[(work["_ts"] >= latest - window).to_numpy()]
    rows = []
    for trader, group in keep.groupby("trader_id", sort=True):
        values = [group[c].tolist() for c in HISTORY_COLUMNS]
        events = [list(e) for e in zip(*values)]
        last = pd.Timestamp(group["_ts"].iloc[-1]).tz_localize("UTC")
        rows.append((trader, last, last, float(len(events)), events))
    out = pd.DataFrame(rows, columns=columns)
    out["event_ts"] = pd.to_datetime(out["event_ts"], utc=True)
    out["available_at"] = out["event_ts"]
    return out


def history_events_frame(recent_events: list | None, trader_id: str) -> pd.DataFrame:
    """Turn a ``trader_history.recent_events`` list back into the trade columns the batch code reads."""
    events = recent_events or []
    out = {"trader_id": pd.Series([trader_id] * len(events), dtype="str")}
    for i, col in enumerate(HISTORY_COLUMNS):
        values = [e[i] for e in events]
        if col in _HISTORY_TIMES:
            out[col] = pd.to_datetime(pd.Series(values, dtype="int64"), unit="ns", utc=True)
        elif col in _HISTORY_FLOATS:
            out[col] = pd.Series(values, dtype="float64")
        else:
            out[col] = pd.Series(values, dtype="str")
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- (book, counterparty) state


def counterparty_pair_rows(trades: pd.DataFrame) -> pd.DataFrame:
    """(book, counterparty) state after each booking instant: ``trades_to_date`` counts every event so far."""
    check_trades(trades, ("book", "counterparty_id", "booking_ts"))
    work = pd.DataFrame(
        {
            "book": trades["book"].astype(str).to_numpy(),
            "counterparty_id": trades["counterparty_id"].astype(str).to_numpy(),
            "event_ts": utc_ns(trades["booking_ts"], "booking_ts"),
        }
    )
    per_instant = work.groupby(["book", "counterparty_id", "event_ts"], sort=True).size().rename("n").reset_index()
    per_instant["trades_to_date"] = per_instant.groupby(["book", "counterparty_id"])["n"].cumsum().astype("float64")
    per_instant["event_ts"] = per_instant["event_ts"].dt.tz_localize("UTC")
    per_instant["available_at"] = per_instant["event_ts"]
    return per_instant[["book", "counterparty_id", "event_ts", "available_at", "trades_to_date"]]


__all__ = [
    "build_view_rows",
    "counterparty_pair_rows",
    "history_events_frame",
    "trader_activity_rows",
    "trader_history_snapshot",
    "validate_rows",
]
