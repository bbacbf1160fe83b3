"""Trade features as pure functions of a DataFrame.

Every function here takes frames and returns a frame (or Series) aligned on the input's index; none
reads files, clocks or global state. That is what lets the *same* code build a training set, fill the
online store, answer a request for one trade, and run unchanged inside Spark's
``groupBy(...).applyInPandas`` (each function works on one entity group or any partition that holds
whole traders).

Time rules (they are what stops leakage):

* Rolling trader statistics use ``booking_ts`` — the time the bank *learned* of a trade — and only
  trades booked **strictly before** the current one (window ``[t - w, t)``). Trades booked at the same
  instant do not see each other, whatever their order in the frame. A trade executed at 10:00 but
  booked at 16:00 (a late-arriving event) counts in its trader's history from 16:00, never from 10:00.
* Cancel events do not count as activity (their notional is the cancelled trade's); amends do.
* The reference price is the last price at or before ``exec_ts`` (what the trader could see).

Missing values are explicit, never guessed:

* too little history -> NaN mean/std (std needs two trades) and a count of 0; the z-score needs
  :data:`MIN_ZSCORE_HISTORY` prior trades and a non-zero std, else NaN (never inf);
* no reference price at or before ``exec_ts`` (or one older than ``max_price_age``) -> NaN deviation;
* unknown desk -> NaN ``off_hours`` and NaN ratios to desk limits;
* unknown counterparty (or no ``counterparties`` table) -> NaN ``counterparty_age_days``;
* a non-positive notional -> NaN ``log_notional_usd``.

Models decide how to impute (and must record it); the feature layer never invents a value.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
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
    "trade_id", "event_type", "exec_ts", "booking_ts", "desk", "book", "trader_id",
    "counterparty_id", "instrument_id", "side", "quantity", "price", "notional_usd",
)
#: Identifier and timestamp columns carried through to the feature frame.
KEY_COLUMNS: tuple[str, ...] = ("trade_id", "trader_id", "book", "counterparty_id", "desk", "instrument_id",
                                "event_type", "exec_ts", "booking_ts")


def _window_names(windows: Iterable[str]) -> list[str]:
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


# --------------------------------------------------------------------------- validation


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


def _check_trades(trades: pd.DataFrame, columns: Iterable[str] = TRADE_COLUMNS) -> None:
    require_columns(trades, columns, "trades")
    if not trades.index.is_unique:
        raise FeatureStoreError("trades has a duplicated index; features are aligned on the index")
    for col in ("exec_ts", "booking_ts"):
        if col in trades.columns:
            require_utc(trades[col], col)


# --------------------------------------------------------------------------- trader history


def utc_ns(series: pd.Series, name: str) -> np.ndarray:
    """Tz-aware UTC timestamps as naive ``datetime64[ns]`` values (UTC wall time), for fast numpy work."""
    return require_utc(series, name).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _sorted_positions(keys: pd.Series, ts: np.ndarray, tie: pd.Series) -> np.ndarray:
    """Positions that sort rows by (key, time, tie-breaker): a stable, input-order-free order."""
    return np.lexsort((tie.astype(str).to_numpy(), ts, keys.astype(str).to_numpy()))


def trader_rolling_features(trades: pd.DataFrame, windows: Iterable[str] = WINDOWS) -> pd.DataFrame:
    """Each trade's trader statistics over trades booked strictly before it, for every window.

    Parameters
    ----------
    trades : DataFrame
        Needs ``trade_id``, ``trader_id``, ``event_type``, ``booking_ts`` (UTC) and ``notional_usd``.
    windows : iterable of str
        Time windows (pandas offsets) such as ``"1h"``.

    Returns
    -------
    DataFrame
        Same index as ``trades``; float64 columns ``trader_notional_mean_{w}``, ``trader_notional_std_{w}``,
        ``trader_trade_count_{w}`` and ``notional_zscore_{w}`` (this trade against that history).

    Examples
    --------
    >>> ts = pd.date_range("2026-01-05 09:00", periods=4, freq="10min", tz="UTC")
    >>> t = pd.DataFrame({"trade_id": ["a", "b", "c", "d"], "trader_id": "T1", "event_type": "new",
    ...                   "booking_ts": ts, "notional_usd": [10.0, 20.0, 30.0, 100.0]})
    >>> trader_rolling_features(t, ["1h"])[["trader_trade_count_1h", "notional_zscore_1h"]]
       trader_trade_count_1h  notional_zscore_1h
    0                    0.0                 NaN
    1                    1.0                 NaN
    2                    2.0                 NaN
    3                    3.0                 8.0
    """
    _check_trades(trades, ("trade_id", "trader_id", "event_type", "booking_ts", "notional_usd"))
    windows = _window_names(windows)
    n = len(trades)
    out = pd.DataFrame(index=trades.index)
    notional = trades["notional_usd"].astype("float64").to_numpy()
    if n == 0:
        for w in windows:
            for col in ("trader_notional_mean", "trader_notional_std", "trader_trade_count", "notional_zscore"):
                out[f"{col}_{w}"] = pd.Series(dtype="float64")
        return out
    booking = utc_ns(trades["booking_ts"], "booking_ts")
    order = _sorted_positions(trades["trader_id"], booking, trades["trade_id"])
    # cancels carry the cancelled trade's notional: they are not activity, so they are NaN (skipped)
    activity = np.where(trades["event_type"].to_numpy() == "cancel", np.nan, notional)
    work = pd.DataFrame({
        "trader": trades["trader_id"].astype(str).to_numpy()[order],
        "ts": booking[order],
        "x": activity[order],
    })
    # one trader (the request-time path) needs no groupby; several are rolled per group.
    # groupby(sort=True) over rows already sorted by trader keeps this exact row order in its output.
    single = work["trader"].iat[0] == work["trader"].iat[-1]
    rolled = work if single else work.groupby("trader", sort=True)
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    columns: dict[str, np.ndarray] = {}
    for w in windows:
        roll = rolled.rolling(window_delta(w), on="ts", closed="left")["x"]
        mean = roll.mean().to_numpy()[back]
        std = roll.std().to_numpy()[back]
        count = np.nan_to_num(roll.count().to_numpy()[back], nan=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where((std > 0) & (count >= MIN_ZSCORE_HISTORY), (notional - mean) / std, np.nan)
        columns[f"trader_notional_mean_{w}"] = mean
        columns[f"trader_notional_std_{w}"] = std
        columns[f"trader_trade_count_{w}"] = count.astype("float64")
        columns[f"notional_zscore_{w}"] = z
    return pd.DataFrame(columns, index=trades.index)


def trader_activity_rows(trades: pd.DataFrame, windows: Iterable[str] = WINDOWS) -> pd.DataFrame:
    """Trader state *after* each booking instant: counts and notional stats over ``(t - w, t]``.

    One row per (trader, booking_ts) — several trades booked at the same instant give one row that
    includes all of them — so each row is the value a dashboard would have shown at that instant.
    """
    _check_trades(trades, ("trade_id", "trader_id", "event_type", "booking_ts", "notional_usd"))
    windows = _window_names(windows)
    booking = utc_ns(trades["booking_ts"], "booking_ts")
    order = _sorted_positions(trades["trader_id"], booking, trades["trade_id"])
    notional = trades["notional_usd"].astype("float64").to_numpy()
    activity = np.where(trades["event_type"].to_numpy() == "cancel", np.nan, notional)
    work = pd.DataFrame({
        "trader_id": trades["trader_id"].astype(str).to_numpy()[order],
        "ts": booking[order],
        "x": activity[order],
    })
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


#: Columns of each event kept in ``trader_history.recent_events`` (what the trader-level features read).
HISTORY_COLUMNS: tuple[str, ...] = ("trade_id", "booking_ts", "notional_usd", "event_type", "instrument_id",
                                    "counterparty_id", "side", "quantity", "price", "exec_ts")
_HISTORY_TIMES = ("booking_ts", "exec_ts")
_HISTORY_FLOATS = ("notional_usd", "quantity", "price")


def trader_history_snapshot(trades: pd.DataFrame, window: pd.Timedelta = MAX_WINDOW) -> pd.DataFrame:
    """Per trader, the events of the last ``window`` up to its latest booking: serving state.

    A request for a new trade at ``t > latest`` needs every trade booked in ``[t - 7d, t)``; all of them
    are in ``[latest - 7d, latest]``, so this list is enough to recompute the trader-level features
    exactly, with the batch functions themselves. ``recent_events`` is a list of rows holding
    :data:`HISTORY_COLUMNS` (timestamps as integer nanoseconds).
    """
    _check_trades(trades, ("trader_id", *HISTORY_COLUMNS))
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
    work = work.iloc[_sorted_positions(work["trader_id"], booking, trades["trade_id"])]
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


# --------------------------------------------------------------------------- duplicates and wash trades


def _prior_count_by_key(keys: np.ndarray, booking: np.ndarray, counted: np.ndarray, window: pd.Timedelta,
                        tie: np.ndarray) -> np.ndarray:
    """Per row, how many ``counted`` rows with the same key were booked in ``[t - window, t)``.

    Pure numpy (cumulative counts + binary search), so it costs microseconds on a request-sized frame
    and scales as a sort on a batch. ``tie`` is unused by the count (same-instant rows never see each
    other) but kept so every trader-level function orders rows the same way.
    """
    n = len(keys)
    if n == 0:
        return np.zeros(0)
    codes, _ = pd.factorize(keys)
    ts = booking.astype("datetime64[ns]").astype(np.int64)
    instants = np.unique(ts)
    width = np.int64(len(instants) + 1)
    # one sortable integer per (key, instant): key-major, then time rank
    position = codes.astype(np.int64) * width + np.searchsorted(instants, ts)
    order = np.argsort(position, kind="stable")
    sorted_pos = position[order]
    seen = np.concatenate(([0], np.cumsum(counted[order].astype(np.int64))))
    start = codes.astype(np.int64) * width + np.searchsorted(instants, ts - window.value, side="left")
    lower = np.searchsorted(sorted_pos, start, side="left")
    upper = np.searchsorted(sorted_pos, position, side="left")  # strictly before t: same instant excluded
    return (seen[upper] - seen[lower]).astype("float64")


def duplicate_and_wash_counts(trades: pd.DataFrame) -> pd.DataFrame:
    """Two trader-level pattern counts over earlier bookings (cancels never count):

    * ``duplicate_prior_bookings_1d`` — same trader, instrument, counterparty, side, quantity, price and
      ``exec_ts`` booked in the previous day: the same economics booked twice;
    * ``opposite_side_matches_1h`` — same trader, instrument, counterparty and quantity on the *other*
      side in the previous hour: the footprint of a wash trade (its second leg).
    """
    cols = ("trade_id", "trader_id", "instrument_id", "counterparty_id", "side", "quantity", "price",
            "exec_ts", "booking_ts", "event_type")
    _check_trades(trades, cols)
    booking = utc_ns(trades["booking_ts"], "booking_ts")
    tie = trades["trade_id"].astype(str).to_numpy()
    live = trades["event_type"].astype(str).to_numpy() != "cancel"
    side = trades["side"].astype(str).to_numpy()
    base = (trades["trader_id"].astype(str) + "\x1f" + trades["instrument_id"].astype(str) + "\x1f"
            + trades["counterparty_id"].astype(str) + "\x1f" + trades["quantity"].astype("float64").astype(str))
    economics = (base + "\x1f" + trades["side"].astype(str) + "\x1f" + trades["price"].astype("float64").astype(str)
                 + "\x1f" + pd.Series(utc_ns(trades["exec_ts"], "exec_ts").astype("int64"), index=trades.index)
                 .astype(str)).to_numpy()
    base = base.to_numpy()
    dup = _prior_count_by_key(economics, booking, live, pd.Timedelta(days=1), tie)
    buys = _prior_count_by_key(base, booking, live & (side == "BUY"), pd.Timedelta(hours=1), tie)
    sells = _prior_count_by_key(base, booking, live & (side == "SELL"), pd.Timedelta(hours=1), tie)
    opposite = np.where(side == "BUY", sells, np.where(side == "SELL", buys, np.nan))
    return pd.DataFrame({"duplicate_prior_bookings_1d": dup, "opposite_side_matches_1h": opposite},
                        index=trades.index)


# --------------------------------------------------------------------------- counterparty age


def counterparty_age_days(trades: pd.DataFrame, counterparties: pd.DataFrame | None) -> pd.Series:
    """Days from the counterparty's onboarding date (00:00 UTC) to ``exec_ts``; NaN when unknown."""
    _check_trades(trades, ("counterparty_id", "exec_ts"))
    out = pd.Series(np.nan, index=trades.index, name="counterparty_age_days", dtype="float64")
    if counterparties is None or "onboarded_date" not in counterparties.columns or len(trades) == 0:
        return out
    onboarded = pd.to_datetime(counterparties["onboarded_date"]).to_numpy(dtype="datetime64[ns]")
    table = dict(zip(counterparties["counterparty_id"].astype(str), onboarded.astype("int64")))
    start = np.array([table.get(c, np.iinfo(np.int64).min) for c in trades["counterparty_id"].astype(str)],
                     dtype=np.int64)
    known = start != np.iinfo(np.int64).min
    exec_ns = utc_ns(trades["exec_ts"], "exec_ts").astype("int64")
    out[known] = (exec_ns[known] - start[known]) / 86_400e9
    return out


# --------------------------------------------------------------------------- counterparty novelty


def counterparty_prior_trades(trades: pd.DataFrame) -> pd.Series:
    """How many events of the same (book, counterparty) were booked strictly before each trade."""
    _check_trades(trades, ("book", "counterparty_id", "booking_ts"))
    if len(trades) == 0:
        return pd.Series(dtype="float64", index=trades.index, name="counterparty_prior_trades")
    ts = pd.Series(utc_ns(trades["booking_ts"], "booking_ts").astype("int64"), index=trades.index)
    pair = trades["book"].astype(str) + "\x1f" + trades["counterparty_id"].astype(str)
    # rank(method="min") - 1 counts rows of the pair with a strictly earlier booking time
    prior = ts.groupby(pair.to_numpy()).rank(method="min") - 1.0
    return prior.astype("float64").rename("counterparty_prior_trades")


def novelty_flag(prior_trades: pd.Series, event_type: pd.Series) -> pd.Series:
    """1.0 for a *new* trade with a (book, counterparty) pair never booked before, else 0.0."""
    is_new = (prior_trades.to_numpy() == 0) & (event_type.astype(str).to_numpy() == "new")
    return pd.Series(is_new.astype("float64"), index=prior_trades.index, name="is_new_counterparty")


def counterparty_pair_rows(trades: pd.DataFrame) -> pd.DataFrame:
    """(book, counterparty) state after each booking instant: ``trades_to_date`` counts every event so far."""
    _check_trades(trades, ("book", "counterparty_id", "booking_ts"))
    work = pd.DataFrame({"book": trades["book"].astype(str).to_numpy(),
                         "counterparty_id": trades["counterparty_id"].astype(str).to_numpy(),
                         "event_ts": utc_ns(trades["booking_ts"], "booking_ts")})
    per_instant = work.groupby(["book", "counterparty_id", "event_ts"], sort=True).size().rename("n").reset_index()
    per_instant["trades_to_date"] = per_instant.groupby(["book", "counterparty_id"])["n"].cumsum().astype("float64")
    per_instant["event_ts"] = per_instant["event_ts"].dt.tz_localize("UTC")
    per_instant["available_at"] = per_instant["event_ts"]
    return per_instant[["book", "counterparty_id", "event_ts", "available_at", "trades_to_date"]]


# --------------------------------------------------------------------------- price, hours, booking


def reference_price_at_exec(trades: pd.DataFrame, prices: pd.DataFrame,
                            max_age: pd.Timedelta = MAX_PRICE_AGE) -> pd.Series:
    """The last reference price at or before each trade's ``exec_ts`` (NaN if none within ``max_age``)."""
    _check_trades(trades, ("instrument_id", "exec_ts"))
    require_columns(prices, ("instrument_id", "ts", "price"), "prices")
    if len(trades) == 0:
        return pd.Series(dtype="float64", index=trades.index, name="reference_price")
    wanted = pd.unique(trades["instrument_id"].astype(str).to_numpy())
    if len(wanted) < 50:  # a request or a small partition: skip the instruments it does not trade
        prices = prices[prices["instrument_id"].isin(wanted)]
    if len(prices) == 0:  # no price for any of these instruments (merge_asof cannot join an empty frame)
        return pd.Series(np.nan, index=trades.index, name="reference_price", dtype="float64")
    left = pd.DataFrame({
        "pos": np.arange(len(trades)),
        "instrument_id": trades["instrument_id"].astype(str).to_numpy(),
        "t": utc_ns(trades["exec_ts"], "exec_ts"),
    }).sort_values("t", kind="stable")
    right = pd.DataFrame({
        "instrument_id": prices["instrument_id"].astype(str).to_numpy(),
        "t": utc_ns(prices["ts"], "ts"),
        "reference_price": prices["price"].astype("float64").to_numpy(),
    }).sort_values("t", kind="stable")
    merged = pd.merge_asof(left, right, on="t", by="instrument_id", direction="backward",
                           tolerance=pd.Timedelta(max_age))
    values = np.full(len(trades), np.nan)
    values[merged["pos"].to_numpy()] = merged["reference_price"].to_numpy()
    return pd.Series(values, index=trades.index, name="reference_price")


def price_deviation_bps(price: pd.Series, reference_price: pd.Series) -> pd.Series:
    """Signed deviation of the traded price from the reference, in basis points (NaN if no reference).

    >>> price_deviation_bps(pd.Series([101.0, 100.0]), pd.Series([100.0, float("nan")])).tolist()
    [100.0, nan]
    """
    ref = reference_price.astype("float64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.where(ref > 0, (price.astype("float64").to_numpy() - ref) / ref * 1e4, np.nan)
    return pd.Series(dev, index=price.index, name="price_deviation_bps")


def _hhmm(value: str) -> int:
    hours, minutes = str(value).split(":")
    return int(hours) * 60 + int(minutes)


def off_hours_flag(trades: pd.DataFrame, desks: pd.DataFrame, calendar: pd.DataFrame | None = None) -> pd.Series:
    """1.0 when a trade executed outside its desk's local hours, at a weekend or on a holiday.

    Local time uses the desk's IANA zone, so daylight-saving changes are handled by the zone database,
    not by a fixed offset. An unknown desk gives NaN.
    """
    _check_trades(trades, ("desk", "exec_ts"))
    require_columns(desks, ("desk", "tz", "open_local", "close_local"), "desks")
    out = np.full(len(trades), np.nan)
    if len(trades) == 0:
        return pd.Series(out, index=trades.index, name="off_hours")
    exec_utc = pd.DatetimeIndex(utc_ns(trades["exec_ts"], "exec_ts")).tz_localize("UTC")
    holidays = None
    if calendar is not None and len(calendar):
        require_columns(calendar, ("date", "is_trading_day"), "calendar")
        closed_days = calendar.loc[~calendar["is_trading_day"].astype(bool), "date"]
        holidays = pd.to_datetime(closed_days).to_numpy().astype("datetime64[D]")
    desk_col = trades["desk"].astype(str).to_numpy()
    table = {str(r.desk): r for r in desks.drop_duplicates("desk").itertuples(index=False)}
    for desk in pd.unique(desk_col):
        row = table.get(desk)
        if row is None:
            continue  # unknown desk: stays NaN
        mask = desk_col == desk
        local = exec_utc[mask].tz_convert(str(row.tz))
        minutes = np.asarray(local.hour * 60 + local.minute)
        off = (minutes < _hhmm(row.open_local)) | (minutes >= _hhmm(row.close_local))
        off |= np.asarray(local.day_of_week >= 5)
        if holidays is not None:
            off |= np.isin(local.tz_localize(None).to_numpy().astype("datetime64[D]"), holidays)
        out[mask] = off.astype("float64")
    return pd.Series(out, index=trades.index, name="off_hours")


def booking_delay_seconds(trades: pd.DataFrame) -> pd.Series:
    """Seconds between execution and booking (negative values are data errors, kept visible)."""
    _check_trades(trades, ("exec_ts", "booking_ts"))
    delay = require_utc(trades["booking_ts"], "booking_ts") - require_utc(trades["exec_ts"], "exec_ts")
    return delay.dt.total_seconds().astype("float64").rename("booking_delay_s")


def _desk_lookup(trades: pd.DataFrame, desks: pd.DataFrame, column: str) -> np.ndarray:
    """A desk attribute per trade (NaN for an unknown desk or a missing column)."""
    if column not in desks.columns:
        return np.full(len(trades), np.nan)
    table = dict(zip(desks["desk"].astype(str), desks[column].astype("float64")))
    return np.array([table.get(d, np.nan) for d in trades["desk"].astype(str).tolist()], dtype="float64")


# --------------------------------------------------------------------------- the feature frame


def assemble_trade_features(trades: pd.DataFrame, ref: Mapping[str, pd.DataFrame], reference_price: pd.Series,
                            prior_trades: pd.Series, rolling: pd.DataFrame, patterns: pd.DataFrame) -> pd.DataFrame:
    """Combine the parts into the feature frame (shared by the batch and the request-time path)."""
    require_columns(ref.get("desks", pd.DataFrame()), ("desk",), "ref['desks']")
    desks = ref["desks"]
    notional = trades["notional_usd"].to_numpy(dtype="float64")
    ref_price = reference_price.to_numpy(dtype="float64")
    delay = booking_delay_seconds(trades).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.where(ref_price > 0, (trades["price"].to_numpy(dtype="float64") - ref_price) / ref_price * 1e4,
                       np.nan)
        cols: dict[str, np.ndarray] = {
            "log_notional_usd": np.where(notional > 0, np.log10(np.where(notional > 0, notional, 1.0)), np.nan),
            "notional_to_desk_limit": notional / _desk_lookup(trades, desks, "notional_limit_usd"),
            **{f"notional_zscore_{w}": rolling[f"notional_zscore_{w}"].to_numpy() for w in WINDOWS},
            **{f"trader_trade_count_{w}": rolling[f"trader_trade_count_{w}"].to_numpy() for w in WINDOWS},
            "price_deviation_bps": dev,
            "abs_price_deviation_bps": np.abs(dev),
            "off_hours": off_hours_flag(trades, desks, ref.get("calendar")).to_numpy(),
            "is_new_counterparty": novelty_flag(prior_trades, trades["event_type"]).to_numpy(),
            "counterparty_prior_trades": prior_trades.to_numpy(dtype="float64"),
            "counterparty_age_days": counterparty_age_days(trades, ref.get("counterparties")).to_numpy(),
            "duplicate_prior_bookings_1d": patterns["duplicate_prior_bookings_1d"].to_numpy(),
            "opposite_side_matches_1h": patterns["opposite_side_matches_1h"].to_numpy(),
            "booking_delay_s": delay,
            "booking_delay_sla_ratio": delay / (60.0 * _desk_lookup(trades, desks, "booking_sla_minutes")),
            "notional_usd": notional,
            "reference_price": ref_price,
        }
    for w in WINDOWS:
        cols[f"trader_notional_mean_{w}"] = rolling[f"trader_notional_mean_{w}"].to_numpy()
        cols[f"trader_notional_std_{w}"] = rolling[f"trader_notional_std_{w}"].to_numpy()
    numeric = pd.DataFrame({c: np.asarray(cols[c], dtype="float64") for c in (*MODEL_FEATURES, *CONTEXT_FEATURES)},
                           index=trades.index)
    return pd.concat([trades[list(KEY_COLUMNS)], numeric], axis=1)


def build_trade_features(trades: pd.DataFrame, ref: Mapping[str, pd.DataFrame], prices: pd.DataFrame) -> pd.DataFrame:
    """One row of features per trade event, keyed by ``trade_id``, aligned on ``trades.index``.

    Parameters
    ----------
    trades : DataFrame
        Trade-capture events (columns in docs/contracts.md). Any partition holding whole traders
        *and* whole (book, counterparty) pairs (e.g. one desk) gives the same rows as the full frame.
    ref : mapping of str to DataFrame
        Reference tables; ``desks`` is required, ``calendar`` and ``counterparties`` are used when present.
    prices : DataFrame
        Intraday reference prices (``instrument_id``, ``ts``, ``price``).

    Returns
    -------
    DataFrame
        :data:`KEY_COLUMNS`, then :data:`MODEL_FEATURES` and :data:`CONTEXT_FEATURES` (all float64).

    See Also
    --------
    compute_request_features : the same features for one incoming event, from online state.
    """
    _check_trades(trades)
    rolling = trader_rolling_features(trades)
    patterns = duplicate_and_wash_counts(trades)
    prior = counterparty_prior_trades(trades)
    reference = reference_price_at_exec(trades, prices)
    return assemble_trade_features(trades, ref, reference, prior, rolling, patterns)


def compute_request_features(event_frame: pd.DataFrame, online_rows: Mapping[str, Mapping | None],
                             ref: Mapping[str, pd.DataFrame], prices_or_ref_price: pd.DataFrame | float | None,
                             ) -> pd.DataFrame:
    """Features for ONE incoming trade event, from the online store's trader and counterparty state.

    The trader's recent events (``online_rows["trader_history"]["recent_events"]``) are put back in
    front of the event and :func:`trader_rolling_features` runs on them — the very code that built the
    training set, so there is no second implementation to drift (training/serving skew).
    ``online_rows["counterparty_pair"]["trades_to_date"]`` gives the pair's prior count (a missing
    row means "never seen": the pair is new). ``prices_or_ref_price`` is the prices frame, or the
    reference price itself when the caller already has it (``None``/NaN: unknown).

    Returns a one-row frame with the same columns as :func:`build_trade_features`.
    """
    _check_trades(event_frame)
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


__all__ = [
    "CONTEXT_FEATURES", "KEY_COLUMNS", "MAX_PRICE_AGE", "MAX_WINDOW", "MIN_ZSCORE_HISTORY", "MODEL_FEATURES", "TRADE_COLUMNS", "WINDOWS",
    "HISTORY_COLUMNS", "assemble_trade_features", "booking_delay_seconds", "counterparty_age_days",
    "duplicate_and_wash_counts", "build_trade_features", "compute_request_features",
    "counterparty_pair_rows", "counterparty_prior_trades", "history_events_frame", "novelty_flag",
    "off_hours_flag", "price_deviation_bps", "reference_price_at_exec", "require_columns", "require_utc", "utc_ns",
    "trader_activity_rows", "trader_history_snapshot", "trader_rolling_features", "window_delta",
]
