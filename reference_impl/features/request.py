"""Request-time features: one incoming trade event plus the online store's state.

This is the serving path. It reads the trader's recent events and the (book, counterparty) count
from the online store, then computes the event's features in one of two ways that give the same values:

* :func:`compute_request_features` (the *reference*): puts the
  event behind its trader's history and runs the batch transforms on that tiny frame — the very code
  that built the training set, but ~30 ms of pandas overhead per event;
* :func:`fast_request_features` (what the service runs): the same rules on plain numbers, with the
  reference tables parsed once into a :class:`RequestContext`. The trader's rolling mean/std still go
  through pandas' own rolling kernels on the same sorted history, so they are bit-identical, not
  merely close; everything else is a lookup or a binary search.

Both are checked against the batch features by :func:`reference_impl.features.consistency.check_request_path`
and against each other by property tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas._libs.window import aggregations as _window_kernels  # the kernels Series.rolling runs
from pandas.core.indexers.objects import VariableWindowIndexer

from reference_impl.errors import FeatureStoreError
from reference_impl.features.columns import (
    CONTEXT_FEATURES,
    HISTORY_COLUMNS,
    KEY_COLUMNS,
    MAX_PRICE_AGE,
    MIN_ZSCORE_HISTORY,
    MODEL_FEATURES,
    TRADE_COLUMNS,
    WINDOWS,
    window_delta,
)
from reference_impl.features.definitions import counterparty_pair_activity, trader_history
from reference_impl.features.online import OnlineStore
from reference_impl.features.rows import history_events_frame
from reference_impl.features.transforms import (
    assemble_trade_features,
    duplicate_and_wash_counts,
    minutes_since_midnight,
    reference_price_at_exec,
    trader_rolling_features,
)
from reference_impl.features.validation import check_trades, require_columns, require_utc, utc_ns

_NS_PER_DAY = 86_400 * 10**9
_MISSING = np.iinfo(np.int64).min
_H = {c: i for i, c in enumerate(HISTORY_COLUMNS)}  # position of each field in a recent_events entry
_WINDOW_DELTAS = {w: window_delta(w) for w in WINDOWS}


def online_state_for(
    event_frame: pd.DataFrame | Mapping[str, Any], store: OnlineStore, *, now: pd.Timestamp | None = None
) -> dict[str, dict | None]:
    """The online rows the request path needs for one event (``None`` where there are none)."""
    if isinstance(event_frame, pd.DataFrame):
        require_columns(event_frame, ("trader_id", "book", "counterparty_id", "booking_ts"), "event")
        event: Mapping[str, Any] = event_frame.iloc[0]
    else:
        event = event_frame
        _require_fields(event, ("trader_id", "book", "counterparty_id", "booking_ts"))
    now = pd.Timestamp(event["booking_ts"]) if now is None else now
    trader_row = store.read(trader_history, [str(event["trader_id"])], now=now)[0]
    pair_row = store.read(counterparty_pair_activity, [(str(event["book"]), str(event["counterparty_id"]))], now=now)[0]
    return {"trader_history": trader_row, "counterparty_pair": pair_row}


def online_states_for(events: Sequence[Mapping[str, Any]], store: OnlineStore) -> list[dict[str, dict | None]]:
    """:func:`online_state_for` for many events in two queries, each event read as of its own booking time."""
    for event in events:
        _require_fields(event, ("trader_id", "book", "counterparty_id", "booking_ts"))
    if not events:
        return []
    now = [pd.Timestamp(e["booking_ts"]) for e in events]
    traders = store.read(trader_history, [str(e["trader_id"]) for e in events], now=now)
    pairs = store.read(
        counterparty_pair_activity, [(str(e["book"]), str(e["counterparty_id"])) for e in events], now=now
    )
    return [{"trader_history": t, "counterparty_pair": p} for t, p in zip(traders, pairs)]


def request_features_from_store(
    event_frame: pd.DataFrame,
    store: OnlineStore,
    ref: Mapping[str, pd.DataFrame] | RequestContext,
    prices_or_ref_price: pd.DataFrame | float | None = None,
    *,
    now: pd.Timestamp | None = None,
    fast: bool = True,
) -> pd.DataFrame:
    """Features for one event, reading its state from ``store`` as of ``now`` (default: its booking time).

    ``ref`` is the reference tables, or a :class:`RequestContext` built once from them (what a caller
    scoring many events should pass: parsing the tables costs more than the features). With a context,
    ``prices_or_ref_price`` is the reference price itself, or ``None`` to search the context's prices.
    ``fast=False`` runs the reference implementation (the batch transforms); both give the same frame.
    """
    state = online_state_for(event_frame, store, now=now)
    if isinstance(ref, RequestContext):
        if not fast or isinstance(prices_or_ref_price, pd.DataFrame):
            raise FeatureStoreError(
                "with a RequestContext, pass prices to RequestContext.from_reference and use "
                "the fast path; the reference path needs the reference tables themselves"
            )
        return fast_request_features(event_frame, state, ref, reference_price=prices_or_ref_price)
    if not fast:
        return compute_request_features(event_frame, state, ref, prices_or_ref_price)
    if isinstance(prices_or_ref_price, pd.DataFrame):
        return fast_request_features(event_frame, state, RequestContext.from_reference(ref, prices_or_ref_price))
    return fast_request_features(
        event_frame, state, RequestContext.from_reference(ref), reference_price=prices_or_ref_price, use_prices=False
    )


# --------------------------------------------------------------------------- the reference path


def compute_request_features(
    event_frame: pd.DataFrame,
    online_rows: Mapping[str, Mapping | None],
    ref: Mapping[str, pd.DataFrame],
    prices_or_ref_price: pd.DataFrame | float | None,
) -> pd.DataFrame:
    """Features for ONE incoming trade event, from the online store's trader and counterparty state.

    The trader's recent events (``online_rows["trader_history"]["recent_events"]``) are put back in
    front of the event and :func:`trader_rolling_features` runs on them — the very code that built the
    training set, so there is no second implementation to drift (training/serving skew).
    ``online_rows["counterparty_pair"]["trades_to_date"]`` gives the pair's prior count (a missing
    row means "never seen": the pair is new). ``prices_or_ref_price`` is the prices frame, or the
    reference price itself when the caller already has it (``None``/NaN: unknown).

    Returns a one-row frame with the same columns as
    :func:`~reference_impl.features.transforms.build_trade_features`.
    """
    check_trades(event_frame)
    if len(event_frame) != 1:
        raise FeatureStoreError(f"compute_request_features takes exactly one event, got {len(event_frame)} rows")
    event = event_frame
    history_row = online_rows.get("trader_history") or {}
    history = history_events_frame(history_row.get("recent_events"), str(event["trader_id"].iloc[0]))
    history = history[history["trade_id"] != str(event["trade_id"].iloc[0])]
    combined = pd.concat([history, event[list(history.columns)]], ignore_index=True)
    rolling = trader_rolling_features(combined).iloc[[-1]].set_axis(event.index)
    patterns = duplicate_and_wash_counts(combined).iloc[[-1]].set_axis(event.index)
    pair_row = online_rows.get("counterparty_pair") or {}
    pair_ts = pair_row.get("event_ts")
    event_ts = require_utc(event["booking_ts"], "booking_ts").iloc[0]
    prior_count = float(pair_row.get("trades_to_date") or 0.0)
    if pair_ts is not None and pd.Timestamp(pair_ts) >= event_ts:
        raise FeatureStoreError(
            "counterparty_pair state is not older than the event's booking_ts; "
            "request-time features need state strictly before the event"
        )
    prior = pd.Series([prior_count], index=event.index, dtype="float64")
    if isinstance(prices_or_ref_price, pd.DataFrame):
        reference = reference_price_at_exec(event, prices_or_ref_price)
    else:
        value = np.nan if prices_or_ref_price is None else float(prices_or_ref_price)
        reference = pd.Series([value], index=event.index, dtype="float64")
    return assemble_trade_features(event, ref, reference, prior, rolling, patterns)


# --------------------------------------------------------------------------- reference data, parsed once


@dataclass(frozen=True)
class _DeskHours:
    tz: str
    open_min: int
    close_min: int


@dataclass(frozen=True)
class RequestContext:
    """Reference data parsed once for :func:`fast_request_features` (build it at service start).

    Mirrors what the batch transforms look up per call: desk hours (first row per desk, as
    ``off_hours_flag``), desk limits and booking SLAs (last row per desk, as ``_desk_lookup``),
    holidays, counterparty onboarding dates, and per-instrument prices sorted by time (stable,
    as ``merge_asof`` sees them).
    """

    hours: Mapping[str, _DeskHours]
    limit_usd: Mapping[str, float] | None
    sla_minutes: Mapping[str, float] | None
    holidays: frozenset[int] | None  # closed days as days since 1970-01-01 (local calendar dates)
    onboarded_ns: Mapping[str, int] | None
    prices: Mapping[str, tuple[np.ndarray, np.ndarray]]  # instrument -> (ts ns sorted, price)
    max_price_age_ns: int = MAX_PRICE_AGE.value

    @classmethod
    def from_reference(
        cls,
        ref: Mapping[str, pd.DataFrame],
        prices: pd.DataFrame | None = None,
    ) -> RequestContext:
        """Parse ``ref`` (``desks`` required; ``calendar``, ``counterparties`` optional) and ``prices``."""
        require_columns(ref.get("desks", pd.DataFrame()), ("desk",), "ref['desks']")
        desks = ref["desks"]
        require_columns(desks, ("desk", "tz", "open_local", "close_local"), "desks")
        hours = {
            str(r.desk): _DeskHours(
                str(r.tz), minutes_since_midnight(r.open_local), minutes_since_midnight(r.close_local)
            )
            for r in desks.drop_duplicates("desk").itertuples(index=False)
        }

        def per_desk(column: str) -> dict[str, float] | None:
            if column not in desks.columns:
                return None
            return dict(zip(desks["desk"].astype(str), desks[column].astype("float64")))

        calendar = ref.get("calendar")
        holidays = None
        if calendar is not None and len(calendar):
            require_columns(calendar, ("date", "is_trading_day"), "calendar")
            closed = calendar.loc[~calendar["is_trading_day"].astype(bool), "date"]
            holidays = frozenset(pd.to_datetime(closed).to_numpy().astype("datetime64[D]").astype("int64").tolist())
        cps = ref.get("counterparties")
        onboarded = None
        if cps is not None and "onboarded_date" in cps.columns and len(cps):
            ns = pd.to_datetime(cps["onboarded_date"]).to_numpy(dtype="datetime64[ns]").astype("int64")
            onboarded = dict(zip(cps["counterparty_id"].astype(str), ns.tolist()))
        return cls(
            hours,
            per_desk("notional_limit_usd"),
            per_desk("booking_sla_minutes"),
            holidays,
            onboarded,
            _split_prices(prices),
        )

    def reference_price(self, instrument_id: str, exec_ns: int) -> float:
        """The last price at or before ``exec_ns`` (the last of equal times), NaN if none within the max age."""
        found = self.prices.get(instrument_id)
        if found is None:
            return float("nan")
        ts, price = found
        i = int(np.searchsorted(ts, exec_ns, side="right")) - 1
        if i < 0 or exec_ns - int(ts[i]) > self.max_price_age_ns:
            return float("nan")
        return float(price[i])

    def off_hours(self, desk: str, exec_ns: int) -> float:
        """1.0 outside the desk's local hours, at a weekend or on a holiday; NaN for an unknown desk."""
        hours = self.hours.get(desk)
        if hours is None:
            return float("nan")
        local = pd.Timestamp(exec_ns, unit="ns", tz="UTC").tz_convert(hours.tz)
        minutes = local.hour * 60 + local.minute
        off = minutes < hours.open_min or minutes >= hours.close_min or local.day_of_week >= 5
        if self.holidays is not None:
            off = off or (local.tz_localize(None).value // _NS_PER_DAY) in self.holidays
        return float(off)


def _split_prices(prices: pd.DataFrame | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    if prices is None or len(prices) == 0:
        return {}
    require_columns(prices, ("instrument_id", "ts", "price"), "prices")
    ids = prices["instrument_id"].astype(str).to_numpy()
    ts = utc_ns(prices["ts"], "ts").astype("int64")
    values = prices["price"].astype("float64").to_numpy()
    out = {}
    for instrument in pd.unique(ids):
        mask = ids == instrument
        order = np.argsort(ts[mask], kind="stable")
        out[str(instrument)] = (ts[mask][order], values[mask][order])
    return out


# --------------------------------------------------------------------------- the fast path


def _require_fields(event: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    missing = [c for c in fields if c not in event]
    if missing:
        raise FeatureStoreError(f"event is missing field(s): {', '.join(missing)}")


def _utc_timestamp(value: Any, name: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts is pd.NaT or ts.tzinfo is None:
        raise FeatureStoreError(f"event field {name!r} must be a tz-aware UTC timestamp, got {value!r}")
    return ts.tz_convert("UTC")


def _num(value: Any) -> float:
    """A stored number as float64 (JSON ``null`` is NaN, as ``history_events_frame`` reads it)."""
    return float("nan") if value is None else float(value)


def _float_key(value: float) -> str | None:
    """A float as the batch code keys it (``str``); NaN makes the whole key missing (pandas string NaN)."""
    return None if value != value else str(value)


def _rolling_at(ts_ns: np.ndarray, values: np.ndarray, window: str) -> tuple[float, float]:
    """pandas' rolling mean and std (``closed="left"``) at the last of ``values`` (sorted by ``ts_ns``).

    A rolling kernel's value at a row depends on every earlier row (it adds and removes values as the
    window slides), so the whole prefix up to the event is rolled, exactly as the batch code does —
    hence identical bits, not merely close ones. It calls the very kernels and window bounds that
    ``Series.rolling(window, closed="left").mean()/.std()`` runs, without building a Series per event
    (that cost more than the arithmetic); ``tests/unit/features/test_request_fast.py`` pins the two
    to the bit, so a pandas upgrade that moves these internals fails there, loudly.
    """
    x = np.where(np.isinf(values), np.nan, values).astype("float64")  # as Rolling._prep_values
    start, end = VariableWindowIndexer(index_array=ts_ns, window_size=_WINDOW_DELTAS[window].value).get_window_bounds(
        num_values=len(x), min_periods=1, center=False, closed="left", step=None
    )
    mean = _window_kernels.roll_mean(x, start, end, 1)[-1]
    var = _window_kernels.roll_var(x, start, end, 1, ddof=1)[-1]
    return float(mean), float(0.0 if var < 0 else np.sqrt(var))  # std as pandas' zsqrt


def _pattern_keys(
    instrument: Any,
    counterparty: Any,
    side: Any,
    quantity: float,
    price: float,
    exec_ns: int,
) -> tuple[tuple | None, tuple | None]:
    """(wash, duplicate) keys as ``duplicate_and_wash_counts`` builds them; ``None`` where a NaN voids the key."""
    q, p = _float_key(quantity), _float_key(price)
    base = None if q is None else (str(instrument), str(counterparty), q)
    return base, (None if base is None or p is None else (*base, str(side), p, int(exec_ns)))


def _trader_state(event: Mapping[str, Any], history: list | None) -> dict[str, float]:
    """Rolling statistics, duplicate and wash counts of the event against its trader's recent events."""
    trade_id = str(event["trade_id"])
    events = [e for e in (history or []) if str(e[_H["trade_id"]]) != trade_id]
    booking = np.array([int(e[_H["booking_ts"]]) for e in events] + [event["_booking_ns"]], dtype=np.int64)
    notional = np.array([_num(e[_H["notional_usd"]]) for e in events] + [event["notional_usd"]], dtype="float64")
    live = np.array([str(e[_H["event_type"]]) != "cancel" for e in events] + [event["event_type"] != "cancel"])
    t = int(booking[-1])
    out: dict[str, float] = {}

    # trader rolling statistics: sort as trader_rolling_features does (time, then trade_id; stable)
    ids = [str(e[_H["trade_id"]]) for e in events] + [trade_id]
    order = sorted(range(len(ids)), key=lambda i: (int(booking[i]), ids[i]))
    pos = order.index(len(ids) - 1)
    ts_sorted = booking[order]
    x_sorted = np.where(live, notional, np.nan)[order]
    counted = ~np.isnan(x_sorted)
    for w in WINDOWS:
        lo = int(np.searchsorted(ts_sorted, t - _WINDOW_DELTAS[w].value, side="left"))
        hi = int(np.searchsorted(ts_sorted, t, side="left"))
        count = float(np.count_nonzero(counted[lo:hi]))
        mean = std = float("nan")
        if count > 0:  # rows up to the event, rolled only if the window has activity
            mean, std = _rolling_at(ts_sorted[: pos + 1], x_sorted[: pos + 1], w)
        out[f"trader_notional_mean_{w}"], out[f"trader_notional_std_{w}"] = mean, std
        out[f"trader_trade_count_{w}"] = count

    # duplicate bookings (same economics, last day) and opposite-side matches (last hour): live rows only
    ev_base, ev_econ = _pattern_keys(
        event["instrument_id"],
        event["counterparty_id"],
        event["side"],
        event["quantity"],
        event["price"],
        event["_exec_ns"],
    )
    day, hour = pd.Timedelta(days=1).value, pd.Timedelta(hours=1).value
    side = str(event["side"])
    dup = buys = sells = 0
    for i, e in enumerate(events):
        b = int(booking[i])
        if not live[i] or not t - day <= b < t:  # the hour window lies inside the day window
            continue
        base, econ = _pattern_keys(
            e[_H["instrument_id"]],
            e[_H["counterparty_id"]],
            e[_H["side"]],
            _num(e[_H["quantity"]]),
            _num(e[_H["price"]]),
            e[_H["exec_ts"]],
        )
        if econ == ev_econ:
            dup += 1
        if b >= t - hour and base == ev_base:
            other = str(e[_H["side"]])
            buys += other == "BUY"
            sells += other == "SELL"
    out["duplicate_prior_bookings_1d"] = float(dup)
    out["opposite_side_matches_1h"] = float(sells if side == "BUY" else buys if side == "SELL" else float("nan"))
    return out


def _event_fields(event: pd.DataFrame | Mapping[str, Any]) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """The event as plain Python values (plus its key columns when it came as a frame)."""
    if isinstance(event, pd.DataFrame):
        require_columns(event, TRADE_COLUMNS, "trades")
        if len(event) != 1:
            raise FeatureStoreError(f"fast_request_features takes exactly one event, got {len(event)} rows")
        for col in ("exec_ts", "booking_ts"):
            if not isinstance(event[col].dtype, pd.DatetimeTZDtype):
                raise FeatureStoreError(
                    f"column {col!r} must hold tz-aware UTC timestamps, got dtype {event[col].dtype}"
                )
        fields = {c: event[c].iat[0] for c in TRADE_COLUMNS}
        keys = event[list(KEY_COLUMNS)]
    else:
        _require_fields(event, TRADE_COLUMNS)
        fields, keys = {c: event[c] for c in TRADE_COLUMNS}, None
    for col in ("trade_id", "event_type", "desk", "book", "trader_id", "counterparty_id", "instrument_id", "side"):
        fields[col] = str(fields[col])
    for col in ("quantity", "price", "notional_usd"):
        fields[col] = float("nan") if fields[col] is None else float(fields[col])
    for col in ("exec_ts", "booking_ts"):
        fields[col] = _utc_timestamp(fields[col], col)
    fields["_exec_ns"], fields["_booking_ns"] = fields["exec_ts"].value, fields["booking_ts"].value
    return fields, keys


def _key_frame(fields: Mapping[str, Any]) -> pd.DataFrame:
    """The key columns of one event, typed as a one-row ``trades`` frame types them (str, tz-aware UTC)."""
    cols: dict[str, Any] = {}
    for c in KEY_COLUMNS:
        if c in ("exec_ts", "booking_ts"):
            cols[c] = pd.DatetimeIndex(np.array([fields[c].asm8]), tz="UTC")  # keeps the Timestamp's unit
        else:
            cols[c] = pd.array([fields[c]], dtype="str")
    return pd.DataFrame(cols)


_OUTPUT_FEATURES = [*MODEL_FEATURES, *CONTEXT_FEATURES]


def fast_request_features(
    event: pd.DataFrame | Mapping[str, Any],
    online_rows: Mapping[str, Mapping | None],
    context: RequestContext,
    *,
    reference_price: float | None = None,
    use_prices: bool = True,
) -> pd.DataFrame:
    """Features for ONE event from online state: the same frame as ``compute_request_features``, ~10x faster.

    Parameters
    ----------
    event : one-row DataFrame or mapping
        The trade event (:data:`~reference_impl.features.columns.TRADE_COLUMNS`, tz-aware timestamps).
    online_rows : mapping
        ``{"trader_history": row or None, "counterparty_pair": row or None}`` (see :func:`online_state_for`).
    context : RequestContext
        Reference tables and prices, parsed once.
    reference_price : float, optional
        Use this reference price instead of searching ``context``'s prices (``None``/NaN: unknown when
        ``use_prices`` is False).
    use_prices : bool
        Search ``context``'s prices (default) unless ``reference_price`` is given.

    Returns
    -------
    DataFrame
        One row: :data:`KEY_COLUMNS`, :data:`MODEL_FEATURES`, :data:`CONTEXT_FEATURES` (float64).
    """
    fields, keys, values = _feature_values(
        event, online_rows, context, reference_price=reference_price, use_prices=use_prices
    )
    if keys is None:
        keys = _key_frame(fields)
    return pd.concat([keys, pd.DataFrame(values[None, :], columns=_OUTPUT_FEATURES, index=keys.index)], axis=1)


def fast_request_features_many(
    events: Sequence[Mapping[str, Any]], online_rows: Sequence[Mapping[str, Mapping | None]], context: RequestContext
) -> pd.DataFrame:
    """:func:`fast_request_features` for many events at once: the same rows, one frame built once.

    What a service scoring a micro-batch calls: the per-event numbers come from the same code, only the
    frame is assembled once (building a one-row frame per event cost more than the features). Equal to
    ``pd.concat([fast_request_features(e, s, context) for ...], ignore_index=True)``.
    """
    if len(events) != len(online_rows):
        raise FeatureStoreError(f"got {len(online_rows)} online states for {len(events)} events")
    if not events:
        raise FeatureStoreError("fast_request_features_many needs at least one event")
    computed = [_feature_values(e, s, context) for e, s in zip(events, online_rows)]
    cols: dict[str, Any] = {}
    for c in KEY_COLUMNS:
        if c in ("exec_ts", "booking_ts"):
            cols[c] = pd.DatetimeIndex(np.array([f[c].asm8 for f, _, _ in computed]), tz="UTC")
        else:
            cols[c] = pd.array([f[c] for f, _, _ in computed], dtype="str")
    values = np.vstack([v for _, _, v in computed])
    for j, name in enumerate(_OUTPUT_FEATURES):
        cols[name] = values[:, j]
    return pd.DataFrame(cols)  # one constructor call: keys and features (a concat of two frames cost twice this)


def _feature_values(
    event: pd.DataFrame | Mapping[str, Any],
    online_rows: Mapping[str, Mapping | None],
    context: RequestContext,
    *,
    reference_price: float | None = None,
    use_prices: bool = True,
) -> tuple[dict[str, Any], pd.DataFrame | None, np.ndarray]:
    """(event fields, key frame if the event came as one, feature values in :data:`_OUTPUT_FEATURES` order)."""
    fields, keys = _event_fields(event)
    history_row = online_rows.get("trader_history") or {}
    trader = _trader_state(fields, history_row.get("recent_events"))

    pair_row = online_rows.get("counterparty_pair") or {}
    pair_ts = pair_row.get("event_ts")
    if pair_ts is not None and pd.Timestamp(pair_ts).value >= fields["_booking_ns"]:
        raise FeatureStoreError(
            "counterparty_pair state is not older than the event's booking_ts; "
            "request-time features need state strictly before the event"
        )
    prior = float(pair_row.get("trades_to_date") or 0.0)

    if reference_price is not None or not use_prices:
        ref_price = float("nan") if reference_price is None else float(reference_price)
    else:
        ref_price = context.reference_price(fields["instrument_id"], fields["_exec_ns"])
    desk, ctx = fields["desk"], context
    limit = np.nan if ctx.limit_usd is None else ctx.limit_usd.get(desk, np.nan)
    sla = np.nan if ctx.sla_minutes is None else ctx.sla_minutes.get(desk, np.nan)
    start = _MISSING if ctx.onboarded_ns is None else ctx.onboarded_ns.get(fields["counterparty_id"], _MISSING)
    age = np.nan if start == _MISSING else (fields["_exec_ns"] - start) / 86_400e9

    # the same array expressions as assemble_trade_features / trader_rolling_features, on one element
    one = lambda v: np.array([v], dtype="float64")  # noqa: E731
    notional, rp, price = one(fields["notional_usd"]), one(ref_price), one(fields["price"])
    # Timedelta.total_seconds splits whole seconds from the rest, as the batch code's .dt.total_seconds() does
    delay = pd.Timedelta(fields["_booking_ns"] - fields["_exec_ns"], unit="ns").total_seconds()
    cols: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for w in WINDOWS:
            mean, std = one(trader[f"trader_notional_mean_{w}"]), one(trader[f"trader_notional_std_{w}"])
            count = one(trader[f"trader_trade_count_{w}"])
            cols[f"notional_zscore_{w}"] = np.where(
                (std > 0) & (count >= MIN_ZSCORE_HISTORY), (notional - mean) / std, np.nan
            )
        dev = np.where(rp > 0, (price - rp) / rp * 1e4, np.nan)
        cols.update(
            {
                "log_notional_usd": np.where(notional > 0, np.log10(np.where(notional > 0, notional, 1.0)), np.nan),
                "notional_to_desk_limit": notional / one(limit),
                "price_deviation_bps": dev,
                "abs_price_deviation_bps": np.abs(dev),
                "off_hours": one(ctx.off_hours(desk, fields["_exec_ns"])),
                "is_new_counterparty": one(float(prior == 0 and fields["event_type"] == "new")),
                "counterparty_prior_trades": one(prior),
                "counterparty_age_days": one(age),
                "booking_delay_s": one(delay),
                "booking_delay_sla_ratio": one(delay) / (60.0 * one(sla)),
                "notional_usd": notional,
                "reference_price": rp,
            }
        )
    for name, value in trader.items():
        cols.setdefault(name, one(value))
    return fields, keys, np.array([cols[c][0] for c in _OUTPUT_FEATURES], dtype="float64")


__all__ = [
    "RequestContext",
    "compute_request_features",
    "fast_request_features",
    "fast_request_features_many",
    "online_state_for",
    "online_states_for",
    "request_features_from_store",
]
