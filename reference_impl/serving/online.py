"""Request-time trade features: online-store state plus the event, through the training code.

:class:`FeatureSource` is what the score route needs; :class:`OnlineFeatureSource` implements it
with :mod:`reference_impl.features` (the online store's ``trader_history`` and
``counterparty_pair_activity`` rows, then :func:`~reference_impl.features.transforms.compute_request_features`,
the same functions that built the training set).

Documented behaviour when the online store is unavailable (file missing, locked, corrupt): the
features are computed from the event alone (no trader history, counterparty treated as unknown),
each result says ``online_features="unavailable"``, the model is *not* consulted (it would be
scoring imputed history) and the decision is the rules-only one with
``fallback_reason="online_store_unavailable"``. ``/readyz`` reports the store as down. No crash, no 500.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence

import pandas as pd

from reference_impl.features.request import (
    RequestContext,
    fast_request_features_many,
    online_state_for,
    online_states_for,
)
from reference_impl.features.transforms import compute_request_features

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeatureResult:
    """Feature rows (one per event, in order) and whether online state was available for them."""

    frame: pd.DataFrame
    status: Sequence[str]  # per event: "ok" | "partial" | "unavailable"
    store_available: bool = True


class FeatureSource(Protocol):
    """Anything that can turn trade-event rows into model-ready feature rows."""

    def features_for(self, rows: Sequence[Mapping[str, Any]]) -> FeatureResult: ...

    def check(self) -> tuple[bool, str]:
        """(reachable, one-line detail) for ``/readyz``."""
        ...


class OnlineFeatureSource:
    """Features from the SQLite online store plus reference data (desks, calendar, FX, recent prices).

    Parameters
    ----------
    store : OnlineStore or None
        :class:`reference_impl.features.OnlineStore`; ``None`` when it could not be opened.
    ref : mapping
        Reference tables (``desks`` required; ``calendar`` and ``fx_rates`` used when present).
    prices : DataFrame or None
        Reference prices (``instrument_id``, ``ts``, ``price``) for the price-deviation feature;
        split per instrument and sorted once here, so a request binary-searches its own instrument's prices.
    """

    def __init__(self, store: Any, ref: Mapping[str, pd.DataFrame], prices: pd.DataFrame | None = None,
                 store_error: str | None = None) -> None:
        self.store = store
        self.ref = ref
        self.store_error = store_error
        self._fx = _latest_fx(ref.get("fx_rates"))
        # desk hours, limits, holidays and per-instrument price arrays, parsed once (not per request)
        self._context = RequestContext.from_reference(ref, prices)

    def check(self) -> tuple[bool, str]:
        if self.store is None:
            return False, self.store_error or "online store not configured"
        path = getattr(self.store, "path", None)
        if path is not None and not path.exists():
            return False, f"online store {path.name} does not exist (run `ibml features materialize`)"
        try:
            from reference_impl.features import trader_history

            self.store.high_water_mark(trader_history)
        except Exception as exc:  # noqa: BLE001
            return False, f"online store unreachable: {str(exc).splitlines()[0][:200]}"
        return True, "ok"

    def _online_rows(self, event: pd.DataFrame | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
        if self.store is None:
            return {}, "unavailable"
        try:
            return online_state_for(event, self.store), "ok"
        except Exception as exc:  # noqa: BLE001 - documented degraded mode, see module docstring
            log.warning("online store read failed: %s", str(exc).splitlines()[0][:200])
            return {}, "unavailable"

    def _online_rows_many(self, events: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
        """Online state for every event in two queries; on failure every event is "unavailable"."""
        if self.store is None:
            return [{} for _ in events], ["unavailable"] * len(events)
        try:
            return online_states_for(events, self.store), ["ok"] * len(events)
        except Exception as exc:  # noqa: BLE001 - documented degraded mode, see module docstring
            log.warning("online store read failed: %s", str(exc).splitlines()[0][:200])
            return [{} for _ in events], ["unavailable"] * len(events)

    def features_for(self, rows: Sequence[Mapping[str, Any]], *, fast: bool = True) -> FeatureResult:
        """Feature rows for ``rows``; ``fast=False`` runs the reference path (the batch transforms, ~10x slower).

        The fast path reads the online store once per view for all rows and builds one frame; its rows
        equal the reference path's, event by event (``tests/unit/serving/test_online_fast.py``).
        """
        if fast:
            events = [event_row(row, self._fx) for row in rows]
            online, status = self._online_rows_many(events)
            frame = fast_request_features_many(events, online, self._context)
            return FeatureResult(frame, status, store_available=all(s != "unavailable" for s in status))
        frames, status = [], []
        for row in rows:
            event = event_frame(row, self._fx)
            online, st = self._online_rows(event)
            prices = self._context.prices.get(str(row["instrument_id"]))
            frames.append(compute_request_features(event, online, self.ref, _prices_frame(row, prices)))
            status.append(st)
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return FeatureResult(frame, status, store_available=all(s != "unavailable" for s in status))

def event_frame(row: Mapping[str, Any], usd_per_unit: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One API event as a one-row ``trades`` frame (UTC timestamps; USD notional filled from FX if absent)."""
    event = pd.DataFrame([dict(row)])
    for col in ("exec_ts", "booking_ts"):
        event[col] = pd.to_datetime(event[col], utc=True)
    if "notional" not in event:
        event["notional"] = float(row["quantity"]) * float(row["price"])
    if row.get("notional_usd") is None:
        rate = 1.0 if row.get("currency") == "USD" else (usd_per_unit or {}).get(str(row.get("currency")), float("nan"))
        event["notional_usd"] = float(event["notional"].iloc[0]) * rate
    event["notional_usd"] = event["notional_usd"].astype("float64")
    return event


def event_row(row: Mapping[str, Any], usd_per_unit: Mapping[str, float] | None = None) -> dict[str, Any]:
    """One API event as a plain ``trades`` row: what :func:`event_frame` holds, without building a frame.

    Timestamps become UTC :class:`pandas.Timestamp` (naive ones are read as UTC, as ``event_frame`` does)
    and ``notional_usd`` is filled from FX when absent, with the same arithmetic.
    """
    out = dict(row)
    for col in ("exec_ts", "booking_ts"):
        value = row[col]
        if isinstance(value, dt.datetime) and value.tzinfo is not None:  # what the API hands over: no parsing
            out[col] = pd.Timestamp(value).tz_convert("UTC")
        else:
            out[col] = pd.Timestamp(pd.to_datetime(value, utc=True))
    notional = float(row["notional"]) if "notional" in row else float(row["quantity"]) * float(row["price"])
    if row.get("notional_usd") is None:
        rate = 1.0 if row.get("currency") == "USD" else (usd_per_unit or {}).get(str(row.get("currency")), float("nan"))
        out["notional_usd"] = notional * rate
    else:
        out["notional_usd"] = float(row["notional_usd"])
    return out


def _prices_frame(row: Mapping[str, Any], prices: tuple | None) -> pd.DataFrame | None:
    """One instrument's price arrays as the ``prices`` frame the reference path takes."""
    if prices is None:
        return None
    ts, price = prices
    return pd.DataFrame({"instrument_id": str(row["instrument_id"]),
                         "ts": pd.DatetimeIndex(ts.astype("datetime64[ns]")).tz_localize("UTC"), "price": price})


def _latest_fx(fx: pd.DataFrame | None) -> dict[str, float]:
    if fx is None or len(fx) == 0:
        return {}
    latest = fx.sort_values("date").groupby("currency").tail(1)
    return {str(c): float(r) for c, r in zip(latest["currency"], latest["usd_per_unit"])}


def _first(result: Any) -> dict[str, Any] | None:
    """The first row of whatever the store returned (DataFrame, list of dicts or dict), or None."""
    if result is None:
        return None
    if isinstance(result, pd.DataFrame):
        return None if result.empty else result.iloc[0].to_dict()
    if isinstance(result, Mapping):
        return dict(result)
    seq = list(result)
    return (dict(seq[0]) if seq and seq[0] is not None else None)


__all__ = ["FeatureResult", "FeatureSource", "OnlineFeatureSource", "event_frame", "event_row"]
