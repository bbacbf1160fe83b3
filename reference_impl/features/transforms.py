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

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from reference_impl.features.columns import (
    CONTEXT_FEATURES,
    KEY_COLUMNS,
    MAX_PRICE_AGE,
    MIN_ZSCORE_HISTORY,
    MODEL_FEATURES,
    WINDOWS,
    window_delta,
    window_names,
)
from reference_impl.features.validation import check_trades, require_columns, require_utc, utc_ns

# --------------------------------------------------------------------------- trader history


def sorted_positions(keys: pd.Series, ts: np.ndarray, tie: pd.Series) -> np.ndarray:
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
    check_trades(trades, ("trade_id", "trader_id", "event_type", "booking_ts", "notional_usd"))
    windows = window_names(windows)
    n = len(trades)
    out = pd.DataFrame(index=trades.index)
    notional = trades["notional_usd"].astype("float64").to_numpy()
    if n == 0:
        for w in windows:
            for col in ("trader_notional_mean", "trader_notional_std", "trader_trade_count", "notional_zscore"):
                out[f"{col}_{w}"] = pd.Series(dtype="float64")
        return out
    booking = utc_ns(trades["booking_ts"], "booking_ts")
    order = sorted_positions(trades["trader_id"], booking, trades["trade_id"])
    # cancels carry the cancelled trade's notional: they are not activity, so they are NaN (skipped)
    activity = np.where(trades["event_type"].to_numpy() == "cancel", np.nan, notional)
    work = pd.DataFrame(
        {
            "trader": trades["trader_id"].astype(str).to_numpy()[order],
            "ts": booking[order],
            "x": activity[order],
        }
    )
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


# --------------------------------------------------------------------------- duplicates and wash trades


def _prior_count_by_key(
    keys: np.ndarray, booking: np.ndarray, counted: np.ndarray, window: pd.Timedelta, tie: np.ndarray
) -> np.ndarray:
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
    cols = (
        "trade_id",
        "trader_id",
        "instrument_id",
        "counterparty_id",
        "side",
        "quantity",
        "price",
        "exec_ts",
        "booking_ts",
        "event_type",
    )
    check_trades(trades, cols)
    booking = utc_ns(trades["booking_ts"], "booking_ts")
    tie = trades["trade_id"].astype(str).to_numpy()
    live = trades["event_type"].astype(str).to_numpy() != "cancel"
    side = trades["side"].astype(str).to_numpy()
    base = (
        trades["trader_id"].astype(str)
        + "\x1f"
        + trades["instrument_id"].astype(str)
        + "\x1f"
        + trades["counterparty_id"].astype(str)
        + "\x1f"
        + trades["quantity"].astype("float64").astype(str)
    )
    economics = (
        base
        + "\x1f"
        + trades["side"].astype(str)
        + "\x1f"
        + trades["price"].astype("float64").astype(str)
        + "\x1f"
        + pd.Series(utc_ns(trades["exec_ts"], "exec_ts").astype("int64"), index=trades.index).astype(str)
    ).to_numpy()
    base = base.to_numpy()
    dup = _prior_count_by_key(economics, booking, live, pd.Timedelta(days=1), tie)
    buys = _prior_count_by_key(base, booking, live & (side == "BUY"), pd.Timedelta(hours=1), tie)
    sells = _prior_count_by_key(base, booking, live & (side == "SELL"), pd.Timedelta(hours=1), tie)
    opposite = np.where(side == "BUY", sells, np.where(side == "SELL", buys, np.nan))
    return pd.DataFrame({"duplicate_prior_bookings_1d": dup, "opposite_side_matches_1h": opposite}, index=trades.index)


# --------------------------------------------------------------------------- counterparty age


def counterparty_age_days(trades: pd.DataFrame, counterparties: pd.DataFrame | None) -> pd.Series:
    """Days from the counterparty's onboarding date (00:00 UTC) to ``exec_ts``; NaN when unknown."""
    check_trades(trades, ("counterparty_id", "exec_ts"))
    out = pd.Series(np.nan, index=trades.index, name="counterparty_age_days", dtype="float64")
    if counterparties is None or "onboarded_date" not in counterparties.columns or len(trades) == 0:
        return out
    onboarded = pd.to_datetime(counterparties["onboarded_date"]).to_numpy(dtype="datetime64[ns]")
    table = dict(zip(counterparties["counterparty_id"].astype(str), onboarded.astype("int64")))
    start = np.array(
        [table.get(c, np.iinfo(np.int64).min) for c in trades["counterparty_id"].astype(str)], dtype=np.int64
    )
    known = start != np.iinfo(np.int64).min
    exec_ns = utc_ns(trades["exec_ts"], "exec_ts").astype("int64")
    out[known] = (exec_ns[known] - start[known]) / 86_400e9
    return out


# --------------------------------------------------------------------------- counterparty novelty


def counterparty_prior_trades(trades: pd.DataFrame) -> pd.Series:
    """How many events of the same (book, counterparty) were booked strictly before each trade."""
    check_trades(trades, ("book", "counterparty_id", "booking_ts"))
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


# --------------------------------------------------------------------------- price, hours, booking


def reference_price_at_exec(
    trades: pd.DataFrame, prices: pd.DataFrame, max_age: pd.Timedelta = MAX_PRICE_AGE
) -> pd.Series:
    """The last reference price at or before each trade's ``exec_ts`` (NaN if none within ``max_age``)."""
    check_trades(trades, ("instrument_id", "exec_ts"))
    require_columns(prices, ("instrument_id", "ts", "price"), "prices")
    if len(trades) == 0:
        return pd.Series(dtype="float64", index=trades.index, name="reference_price")
    wanted = pd.unique(trades["instrument_id"].astype(str).to_numpy())
    if len(wanted) < 50:  # a request or a small partition: skip the instruments it does not trade
        prices = prices[prices["instrument_id"].isin(wanted)]
    if len(prices) == 0:  # no price for any of these instruments (merge_asof cannot join an empty frame)
        return pd.Series(np.nan, index=trades.index, name="reference_price", dtype="float64")
    left = pd.DataFrame(
        {
            "pos": np.arange(len(trades)),
            "instrument_id": trades["instrument_id"].astype(str).to_numpy(),
            "t": utc_ns(trades["exec_ts"], "exec_ts"),
        }
    ).sort_values("t", kind="stable")
    right = pd.DataFrame(
        {
            "instrument_id": prices["instrument_id"].astype(str).to_numpy(),
            "t": utc_ns(prices["ts"], "ts"),
            "reference_price": prices["price"].astype("float64").to_numpy(),
        }
    ).sort_values("t", kind="stable")
    merged = pd.merge_asof(
        left, right, on="t", by="instrument_id", direction="backward", tolerance=pd.Timedelta(max_age)
    )
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


def minutes_since_midnight(value: str) -> int:
    """``"HH:MM"`` (a desk's local opening or closing time) as minutes since midnight.

    >>> minutes_since_midnight("09:30")
    570
    """
    hours, minutes = str(value).split(":")
    return int(hours) * 60 + int(minutes)


def off_hours_flag(trades: pd.DataFrame, desks: pd.DataFrame, calendar: pd.DataFrame | None = None) -> pd.Series:
    """1.0 when a trade executed outside its desk's local hours, at a weekend or on a holiday.

    Local time uses the desk's IANA zone, so daylight-saving changes are handled by the zone database,
    not by a fixed offset. An unknown desk gives NaN.
    """
    check_trades(trades, ("desk", "exec_ts"))
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
        off = (minutes < minutes_since_midnight(row.open_local)) | (minutes >= minutes_since_midnight(row.close_local))
        off |= np.asarray(local.day_of_week >= 5)
        if holidays is not None:
            off |= np.isin(local.tz_localize(None).to_numpy().astype("datetime64[D]"), holidays)
        out[mask] = off.astype("float64")
    return pd.Series(out, index=trades.index, name="off_hours")


def booking_delay_seconds(trades: pd.DataFrame) -> pd.Series:
    """Seconds between execution and booking (negative values are data errors, kept visible)."""
    check_trades(trades, ("exec_ts", "booking_ts"))
    delay = require_utc(trades["booking_ts"], "booking_ts") - require_utc(trades["exec_ts"], "exec_ts")
    return delay.dt.total_seconds().astype("float64").rename("booking_delay_s")


def _desk_lookup(trades: pd.DataFrame, desks: pd.DataFrame, column: str) -> np.ndarray:
    """A desk attribute per trade (NaN for an unknown desk or a missing column)."""
    if column not in desks.columns:
        return np.full(len(trades), np.nan)
    table = dict(zip(desks["desk"].astype(str), desks[column].astype("float64")))
    return np.array([table.get(d, np.nan) for d in trades["desk"].astype(str).tolist()], dtype="float64")


# --------------------------------------------------------------------------- the feature frame


def assemble_trade_features(
    trades: pd.DataFrame,
    ref: Mapping[str, pd.DataFrame],
    reference_price: pd.Series,
    prior_trades: pd.Series,
    rolling: pd.DataFrame,
    patterns: pd.DataFrame,
) -> pd.DataFrame:
    """Combine the parts into the feature frame (shared by the batch and the request-time path)."""
    require_columns(ref.get("desks", pd.DataFrame()), ("desk",), "ref['desks']")
    desks = ref["desks"]
    notional = trades["notional_usd"].to_numpy(dtype="float64")
    ref_price = reference_price.to_numpy(dtype="float64")
    delay = booking_delay_seconds(trades).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.where(ref_price > 0, (trades["price"].to_numpy(dtype="float64") - ref_price) / ref_price * 1e4, np.nan)
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
    numeric = pd.DataFrame(
        {c: np.asarray(cols[c], dtype="float64") for c in (*MODEL_FEATURES, *CONTEXT_FEATURES)}, index=trades.index
    )
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
    check_trades(trades)
    rolling = trader_rolling_features(trades)
    patterns = duplicate_and_wash_counts(trades)
    prior = counterparty_prior_trades(trades)
    reference = reference_price_at_exec(trades, prices)
    return assemble_trade_features(trades, ref, reference, prior, rolling, patterns)


__all__ = [
    "assemble_trade_features",
    "booking_delay_seconds",
    "build_trade_features",
    "counterparty_age_days",
    "counterparty_prior_trades",
    "duplicate_and_wash_counts",
    "minutes_since_midnight",
    "novelty_flag",
    "off_hours_flag",
    "price_deviation_bps",
    "reference_price_at_exec",
    "sorted_positions",
    "trader_rolling_features",
]
