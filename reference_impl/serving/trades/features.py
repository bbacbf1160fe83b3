"""The trade room's feature adapter: online-store state plus the event, through the training code.

:class:`FeatureSource` is what the score route needs; :class:`OnlineFeatureSource` implements it
with :mod:`reference_impl.features` (the online store's ``trader_history`` and
``counterparty_pair_activity`` rows, then :func:`~reference_impl.features.request.fast_request_features_many`,
checked against :func:`~reference_impl.features.request.compute_request_features`, the same functions that
built the training set). Events are normalised (UTC timestamps, USD notional from FX) by
:func:`~reference_impl.features.events.normalise_events`, the function the batch engines call too.

Documented behaviour when the online store is unavailable (file missing, locked, corrupt): the
features are computed from the event alone (no trader history, counterparty treated as unknown),
each result says ``online_features="unavailable"``, the model is *not* consulted (it would be
scoring imputed history) and the decision is the rules-only one with
``fallback_reason="online_store_unavailable"``. ``/readyz`` reports the store as down. No crash, no 500.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from reference_impl.errors import ConfigError
from reference_impl.features.events import latest_usd_rates, normalise_events
from reference_impl.features.request import (
    RequestContext,
    compute_request_features,
    fast_request_features_many,
    online_state_for,
    online_states_for,
)
from reference_impl.serving.settings import ServiceSettings

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

    def __init__(
        self,
        store: Any,
        ref: Mapping[str, pd.DataFrame],
        prices: pd.DataFrame | None = None,
        store_error: str | None = None,
    ) -> None:
        self.store = store
        self.ref = ref
        self.store_error = store_error
        self._fx = latest_usd_rates(ref.get("fx_rates"))
        instruments = ref.get("instruments")
        self._instrument_ccy: dict[str, str] = (
            {str(i): str(c) for i, c in zip(instruments["instrument_id"], instruments["currency"])}
            if instruments is not None and "currency" in instruments.columns
            else {}
        )
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
        checks = [reconcile(row, self._fx, self._instrument_ccy) for row in rows]
        trusted = [check.row for check in checks]
        if fast:
            events = [event_row(row, self._fx) for row in trusted]
            online_many, status = self._online_rows_many(events)
            frame = fast_request_features_many(events, online_many, self._context)
        else:
            frames, status = [], []
            for row in trusted:
                event = event_frame(row, self._fx)
                online, st = self._online_rows(event)
                prices = self._context.prices.get(str(row["instrument_id"]))
                frames.append(compute_request_features(event, online, self.ref, _prices_frame(row, prices)))
                status.append(st)
            frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        frame[NOTIONAL_CLAIM_GAP] = [c.notional_gap for c in checks]
        frame[CURRENCY_MISMATCH] = [c.currency_mismatch for c in checks]
        return FeatureResult(frame, status, store_available=all(s != "unavailable" for s in status))


#: Request-only feature columns: how far what the caller said is from what the service recomputed.
NOTIONAL_CLAIM_GAP = "notional_usd_claim_gap"
CURRENCY_MISMATCH = "currency_mismatch"


@dataclass(frozen=True)
class Reconciled:
    """An API event with the economics the service trusts, and how far the caller's claims were from them."""

    row: dict[str, Any]  # notional_usd recomputed (never the caller's), in the instrument's currency when known
    notional_gap: float  # |claimed - recomputed| / recomputed; NaN when no notional_usd was sent or no FX rate
    currency_mismatch: float  # 1.0 / 0.0; NaN for an instrument the reference data does not know


def reconcile(
    row: Mapping[str, Any], usd_per_unit: Mapping[str, float] | None, instrument_currency: Mapping[str, str]
) -> Reconciled:
    """Recompute the USD notional from quantity, price and FX; compare the caller's claims with it.

    The caller's ``notional_usd`` is only checked, never used: a x1000 quantity cannot hide behind a
    hand-written notional. The price is quoted in the instrument's currency (reference data), so that
    currency's rate converts it; an event whose ``currency`` differs is flagged (``R_CURRENCY_MISMATCH``)
    rather than scored at the wrong rate.
    """
    claimed = row.get("notional_usd")
    event_ccy = row.get("currency")
    ref_ccy = instrument_currency.get(str(row.get("instrument_id")))
    ccy = ref_ccy or event_ccy
    recomputed = normalise_events({**row, "currency": ccy, "notional_usd": None}, usd_per_unit)["notional_usd"]
    gap = float("nan")
    if claimed is not None and math.isfinite(recomputed) and recomputed > 0:
        gap = abs(float(claimed) - recomputed) / recomputed
    mismatch = float("nan") if ref_ccy is None else float(event_ccy != ref_ccy)
    return Reconciled({**row, "notional_usd": recomputed}, gap, mismatch)


def event_frame(row: Mapping[str, Any], usd_per_unit: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One API event as a one-row ``trades`` frame, normalised by :func:`~reference_impl.features.normalise_events`."""
    return normalise_events(pd.DataFrame([dict(row)]), usd_per_unit)


def event_row(row: Mapping[str, Any], usd_per_unit: Mapping[str, float] | None = None) -> dict[str, Any]:
    """One API event as a plain ``trades`` row: what :func:`event_frame` holds, without building a frame."""
    return normalise_events(row, usd_per_unit)


def _prices_frame(row: Mapping[str, Any], prices: tuple | None) -> pd.DataFrame | None:
    """One instrument's price arrays as the ``prices`` frame the reference path takes."""
    if prices is None:
        return None
    ts, price = prices
    return pd.DataFrame(
        {
            "instrument_id": str(row["instrument_id"]),
            "ts": pd.DatetimeIndex(ts.astype("datetime64[ns]")).tz_localize("UTC"),
            "price": price,
        }
    )


# --- the default source, from the workspace ------------------------------------------------------------------
# Reference tables and recent prices come from the generated dataset (``<IBML_HOME>/data/*.parquet``), trader and
# counterparty state from the online store (``<IBML_HOME>/features/online.db``). A missing online store is not
# fatal (the degraded mode above); missing reference data is, because without desk hours and limits no rule runs.

_REF_TABLES = ("desks", "calendar", "fx_rates", "instruments")
#: Only this much recent price history is kept in memory for request-time reference prices: a week, so
#: replaying an earlier day's events still finds the prices they were traded against (2 days did not).
PRICE_LOOKBACK = pd.Timedelta("7D")


def _read(data_dir: Path, name: str) -> pd.DataFrame | None:
    path = data_dir / f"{name}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def open_workspace_feature_source(settings: ServiceSettings) -> OnlineFeatureSource:
    """The workspace's online store, reference tables and last week of prices (missing reference data is fatal)."""
    from reference_impl.features import OnlineStore

    ws = settings.workspace
    ref = {name: frame for name in _REF_TABLES if (frame := _read(ws.data_dir, name)) is not None}
    if "desks" not in ref:
        raise ConfigError(f"no reference data in {ws.data_dir}: run `ibml data generate` first")
    prices = _read(ws.data_dir, "prices")
    if prices is not None and len(prices):
        prices = prices[prices["ts"] >= prices["ts"].max() - PRICE_LOOKBACK]
    store = OnlineStore.from_workspace(ws)
    error = (
        None
        if store.path.exists()
        else f"online store {store.path.name} does not exist (run `ibml features materialize`)"
    )
    return OnlineFeatureSource(store, ref, prices, store_error=error)


__all__ = [
    "CURRENCY_MISMATCH",
    "NOTIONAL_CLAIM_GAP",
    "PRICE_LOOKBACK",
    "Reconciled",
    "reconcile",
    "FeatureResult",
    "FeatureSource",
    "OnlineFeatureSource",
    "event_frame",
    "event_row",
    "open_workspace_feature_source",
]
