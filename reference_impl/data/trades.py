"""Trade-capture events: new trades, amendments and cancellations, with labelled anomalies.

A front-office system executes a trade; the booking system records it later (seconds for
straight-through processing, minutes for manual tickets). Amendments and cancellations are
their own events pointing at the original ``trade_id``. Everything is drawn with numpy in whole
arrays (loops run over desks or traders, never over rows), so a million events take seconds.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from reference_impl.data import anomalies as anom
from reference_impl.data.market import price_grid
from reference_impl.data.reference import _hhmm_to_minutes, check_seed, take_str, utc_from_ns
from reference_impl.errors import ConfigError, DataValidationError

#: Column order of the ``trades`` frame (see docs/contracts.md).
TRADE_COLUMNS: tuple[str, ...] = (
    "trade_id", "event_type", "orig_trade_id", "exec_ts", "booking_ts", "desk", "book", "trader_id",
    "counterparty_id", "instrument_id", "asset_class", "currency", "side", "quantity", "price",
    "notional", "notional_usd", "venue", "booking_system", "is_anomaly", "anomaly_type",
)
EVENT_TYPES: tuple[str, ...] = ("new", "amend", "cancel")
SIDES: tuple[str, ...] = ("BUY", "SELL")
#: Typical trade size (quantity) per asset class; each trader's median is this times a lognormal.
MEDIAN_QUANTITY: dict[str, float] = {"equity": 2_000.0, "fx": 3_000_000.0, "govt_bond": 40_000.0, "irs": 200_000.0}
#: Relative trading activity per asset class (equities trade most often, swaps least).
DESK_ACTIVITY: dict[str, float] = {"equity": 3.0, "fx": 2.5, "govt_bond": 1.5, "irs": 0.7}
#: Straight-through booking system per asset class; manual tickets are booked in ``MANUAL``.
BOOKING_SYSTEMS: tuple[str, ...] = ("FIDESSA", "CALYPSO", "SUMMIT", "MUREX", "MANUAL")
_STP_SYSTEM = {"equity": 0, "fx": 1, "govt_bond": 2, "irs": 3}
_MANUAL = 4
MANUAL_SHARE: dict[str, float] = {"equity": 0.04, "fx": 0.05, "govt_bond": 0.2, "irs": 0.4}
VENUES: dict[str, tuple[str, ...]] = {
    "EQ_LDN": ("XLON", "BATE", "CHIX", "OTC"),
    "EQ_NYC": ("XNYS", "XNAS", "ARCX", "OTC"),
    "EQ_FRA": ("XETR", "XFRA", "OTC"),
    "FX_LDN": ("EBS", "RTFX", "FXALL", "OTC"),
    "FX_TKY": ("EBS", "RTFX", "OTC"),
    "RATES_NYC": ("TRADEWEB", "BBG", "OTC"),
    "RATES_LDN": ("TRADEWEB", "MTS", "BBG", "OTC"),
    "SWAPS_LDN": ("TRADEWEB_MTF", "BBG_MTF", "OTC"),
    "SWAPS_NYC": ("TRADEWEB_SEF", "BBG_SEF", "OTC"),
}
NEW_COUNTERPARTY_TRADE_SHARE = 0.04
DEFAULT_AMEND_RATE = 0.02
DEFAULT_CANCEL_RATE = 0.01
_NS = 1_000_000_000
_DAY_NS = 86_400 * _NS


def _price_matrix(prices: pd.DataFrame, instrument_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(grid ns, price matrix, row of each reference instrument) from a regular price grid."""
    ids = pd.unique(prices["instrument_id"])
    n_grid = len(prices) // max(len(ids), 1)
    if n_grid == 0 or len(ids) * n_grid != len(prices):
        raise DataValidationError("prices is not a regular grid (every instrument needs the same timestamps)")
    grid = pd.DatetimeIndex(prices["ts"].iloc[:n_grid]).as_unit("ns").asi8
    rows = pd.Index(ids).get_indexer(instrument_ids)
    if (rows < 0).any():
        missing = instrument_ids[rows < 0][:3].tolist()
        raise DataValidationError(f"prices has no series for instrument(s) {missing}")
    return grid, prices["price"].to_numpy().reshape(len(ids), n_grid), rows


def _local_to_utc_ns(local_ns: np.ndarray, desk_idx: np.ndarray, tzs: list[str]) -> np.ndarray:
    """Naive local wall-clock nanoseconds to UTC nanoseconds, using each row's desk time zone."""
    out = np.empty_like(local_ns)
    for d, tz in enumerate(tzs):  # one vectorised conversion per desk
        mask = desk_idx == d
        if mask.any():
            naive = pd.DatetimeIndex(local_ns[mask].view("datetime64[ns]"))
            aware = naive.tz_localize(tz, ambiguous=np.zeros(mask.sum(), dtype=bool), nonexistent="shift_forward")
            out[mask] = aware.tz_convert("UTC").asi8
    return out


def _choice_by_group(rng: np.random.Generator, group: np.ndarray, members: list[np.ndarray],
                     weights: list[np.ndarray]) -> np.ndarray:
    """For each row pick one of its group's members with that group's weights."""
    out = np.empty(len(group), dtype=np.int64)
    for g, (m, w) in enumerate(zip(members, weights)):
        mask = group == g
        out[mask] = rng.choice(m, size=int(mask.sum()), p=w / w.sum())
    return out


def make_trades(ref: dict[str, pd.DataFrame], prices: pd.DataFrame, n_trades: int = 20_000, seed: int = 42, *,
                anomaly_rate: float | Mapping[str, float] = anom.DEFAULT_ANOMALY_RATE,
                amend_rate: float = DEFAULT_AMEND_RATE, cancel_rate: float = DEFAULT_CANCEL_RATE) -> pd.DataFrame:
    """Generate ``n_trades`` trade-capture events (rows), sorted by ``booking_ts``.

    Parameters
    ----------
    ref : dict
        Output of :func:`~reference_impl.data.make_reference_data`.
    prices : DataFrame
        Output of :func:`~reference_impl.data.make_prices`; trades fall on its trading days.
    n_trades : int
        Total number of events (new + amend + cancel rows).
    seed : int
        Non-negative seed.
    anomaly_rate : float or mapping
        Total share of labelled anomalous rows (split evenly over the seven types) or a
        mapping ``{anomaly_type: rate}``; see :data:`~reference_impl.data.anomalies.ANOMALY_TYPES`.
    amend_rate, cancel_rate : float
        Share of rows that are amendments / cancellations of earlier normal trades.

    Returns
    -------
    DataFrame
        Columns :data:`TRADE_COLUMNS`; one row per event; ``trade_id`` is unique and increases
        with ``booking_ts``.

    Examples
    --------
    >>> from reference_impl.data import make_reference_data, make_prices
    >>> ref = make_reference_data(0)
    >>> t = make_trades(ref, make_prices(ref, n_days=3, seed=0), n_trades=2_000, seed=0)
    >>> len(t), bool(t["booking_ts"].is_monotonic_increasing), int(t["is_anomaly"].sum())
    (2000, True, 14)
    """
    seed = check_seed(seed)
    if isinstance(n_trades, bool) or not isinstance(n_trades, (int, np.integer)) or n_trades < 1:
        raise ConfigError(f"n_trades must be a positive integer, got {n_trades!r}")
    for name, value in (("amend_rate", amend_rate), ("cancel_rate", cancel_rate)):
        if not isinstance(value, (int, float)) or not 0.0 <= value <= 0.2:
            raise ConfigError(f"{name} must be within [0, 0.2], got {value!r}")
    rates = anom.anomaly_rates(anomaly_rate)
    rng = np.random.default_rng([seed, 3])
    n_trades = int(n_trades)

    instruments, desks, traders = ref["instruments"], ref["desks"], ref["traders"]
    cps, calendar = ref["counterparties"], ref["calendar"]
    desk_names = desks["desk"].tolist()
    desk_code = {d: i for i, d in enumerate(desk_names)}
    classes = list(anom.PRICE_SCATTER_BPS)
    desk_class = np.array([classes.index(c) for c in desks["asset_class"]])
    open_min = np.array([_hhmm_to_minutes(x) for x in desks["open_local"]], dtype=float)
    close_min = np.array([_hhmm_to_minutes(x) for x in desks["close_local"]], dtype=float)
    sla_min = desks["booking_sla_minutes"].to_numpy(dtype=float)

    # --- trading days covered by the price grid -------------------------------------------
    grid, matrix, inst_row = _price_matrix(prices, instruments["instrument_id"].to_numpy())
    all_days = pd.DatetimeIndex(pd.to_datetime(calendar.loc[calendar["is_trading_day"], "date"]))
    day_ns = all_days.as_unit("ns").asi8
    days = day_ns[(day_ns >= grid[0] + _DAY_NS) & (day_ns <= grid[-1] - 2 * _DAY_NS)]
    if len(days) == 0:
        raise DataValidationError("prices cover no trading day of the calendar")
    n_days = len(days)

    # --- event counts ----------------------------------------------------------------------
    counts = anom.anomaly_counts(n_trades, rates)
    n_amend = int(round(amend_rate * n_trades))
    n_cancel = int(round(cancel_rate * n_trades))
    n_wash_pairs = counts["wash_trade"] // 2
    n_dup = counts["duplicate_booking"]
    n_base = n_trades - n_amend - n_cancel - n_wash_pairs - n_dup
    in_base = ("fat_finger", "off_market_price", "off_hours", "large_new_counterparty", "late_booking")
    if n_base < sum(counts[k] for k in in_base) + n_wash_pairs + n_dup + n_amend + n_cancel:
        raise ConfigError(f"n_trades={n_trades} is too small for the requested anomaly/amend/cancel rates")

    # --- who trades what, when ----------------------------------------------------------------
    trader_desk = traders["desk"].map(desk_code).to_numpy()
    trader_book_names, trader_book = np.unique(traders["book"].to_numpy(dtype=object), return_inverse=True)
    desk_activity = np.array([DESK_ACTIVITY[classes[k]] for k in desk_class])
    t_weight = traders["activity"].to_numpy() * desk_activity[trader_desk]
    trader = rng.choice(len(traders), size=n_base, p=t_weight / t_weight.sum())
    desk = trader_desk[trader]
    inst_desk = instruments["desk"].map(desk_code).to_numpy()
    members = [np.flatnonzero(inst_desk == d) for d in range(len(desk_names))]
    zipf = [1.0 / np.arange(1, len(m) + 1) ** 0.8 for m in members]
    instrument = _choice_by_group(rng, desk, members, zipf)
    inst_class = np.array([classes.index(c) for c in instruments["asset_class"]])
    aclass = inst_class[instrument]
    day_weight = rng.gamma(8.0, 1.0, n_days)
    day = rng.choice(n_days, size=n_base, p=day_weight / day_weight.sum())

    # local execution minute: U-shaped inside core hours, ~8 % in the hour either side
    o, c = open_min[desk], close_min[desk]
    u_shape = rng.beta(0.7, 0.7, n_base)
    flat = rng.random(n_base)
    core = o + np.where(rng.random(n_base) < 0.45, u_shape, flat) * (c - o)
    shoulder = np.where(rng.random(n_base) < 0.5, o - 60.0 * rng.random(n_base), c + 60.0 * rng.random(n_base))
    minute = np.where(rng.random(n_base) < 0.92, core, shoulder)

    # counterparties: established ones weighted by tier; a few trades go to recently onboarded ones
    onboard_ns = pd.DatetimeIndex(pd.to_datetime(cps["onboarded_date"])).as_unit("ns").asi8
    is_new_cp = onboard_ns >= day_ns[0]
    established = np.flatnonzero(~is_new_cp)
    tier_w = cps["tier"].map({"tier1": 4.0, "tier2": 2.0, "tier3": 1.0}).to_numpy()[established]
    cp = established[rng.choice(len(established), size=n_base, p=tier_w / tier_w.sum())]
    new_pool = np.flatnonzero(is_new_cp)
    if len(new_pool):
        candidate = new_pool[rng.integers(0, len(new_pool), n_base)]
        use_new = (rng.random(n_base) < NEW_COUNTERPARTY_TRADE_SHARE) & (onboard_ns[candidate] <= days[day])
        cp = np.where(use_new, candidate, cp)

    # sizes: each trader has a median size; trades scatter lognormally around it
    desk_median = np.array([MEDIAN_QUANTITY[classes[k]] for k in desk_class])
    trader_median = desk_median[trader_desk] * rng.lognormal(0.0, 0.8, len(traders))
    median_q = trader_median[trader]
    qty = median_q * rng.lognormal(0.0, 0.7, n_base)
    cp_age_days = (days[day] - onboard_ns[cp]) / _DAY_NS
    qty = np.where(cp_age_days <= 30, np.minimum(qty, 3.0 * median_q), qty)
    side = rng.integers(0, 2, n_base)
    venue_lists = [VENUES[d] for d in desk_names]
    venue_names = sorted({v for vs in venue_lists for v in vs})
    venue = _choice_by_group(rng, desk, [np.array([venue_names.index(v) for v in vs]) for vs in venue_lists],
                             [np.linspace(2.0, 1.0, len(vs)) for vs in venue_lists])
    manual = rng.random(n_base) < np.array([MANUAL_SHARE[k] for k in classes])[aclass]
    system = np.where(manual, _MANUAL, np.array([_STP_SYSTEM[k] for k in classes])[aclass])

    # --- choose disjoint rows for the anomalies injected into base rows -----------------------
    order = rng.permutation(n_base)
    picks: dict[str, np.ndarray] = {}
    start = 0
    for name, k in [*((n, counts[n]) for n in in_base), ("wash_trade", n_wash_pairs),
                    ("duplicate_booking", n_dup), ("amend", n_amend), ("cancel", n_cancel)]:
        picks[name] = np.sort(order[start:start + k])
        start += k
    label = np.full(n_base, -1, dtype=np.int8)
    for name in (*in_base, "wash_trade"):
        label[picks[name]] = anom.ANOMALY_NAMES.index(name)

    idx = picks["fat_finger"]
    qty[idx] = anom.fat_finger_quantity(rng, median_q[idx])
    idx = picks["off_hours"]
    minute[idx] = anom.off_hours_minutes(rng, o[idx], c[idx])
    idx = picks["large_new_counterparty"]
    eligible = new_pool[np.searchsorted(days, onboard_ns[new_pool]) < n_days] if len(new_pool) else new_pool
    if len(idx) and len(eligible) == 0:
        raise ConfigError("no new counterparty is onboarded inside the period; cannot inject large_new_counterparty")
    if len(idx):
        cp[idx] = eligible[rng.integers(0, len(eligible), len(idx))]
        first_day = np.searchsorted(days, onboard_ns[cp[idx]])
        day[idx] = np.minimum(first_day + rng.integers(0, 8, len(idx)), n_days - 1)
        qty[idx] = median_q[idx] * rng.uniform(5.0, 20.0, len(idx))

    lot = instruments["lot_size"].to_numpy()[instrument]
    qty = np.maximum(np.round(qty / lot), 1.0) * lot

    # --- timestamps and prices ------------------------------------------------------------------
    local_ns = days[day] + np.round(minute * 60.0 * _NS).astype(np.int64) + rng.integers(0, _NS, n_base)
    exec_ns = _local_to_utc_ns(local_ns, desk, desks["tz"].tolist())
    scatter = np.array([anom.PRICE_SCATTER_BPS[k] for k in classes])[aclass]

    def ref_price(inst: np.ndarray, when: np.ndarray) -> np.ndarray:
        col = np.clip(np.searchsorted(grid, when, side="right") - 1, 0, len(grid) - 1)
        return matrix[inst_row[inst], col]

    reference = ref_price(instrument, exec_ns)
    noise = rng.standard_t(3, n_base) / np.sqrt(3.0)
    price = reference * (1.0 + noise * scatter / 1e4)
    idx = picks["off_market_price"]
    price[idx] = anom.off_market_price(rng, reference[idx], scatter[idx])

    delay_s = np.where(manual, rng.lognormal(np.log(480.0), 0.9, n_base), rng.lognormal(np.log(20.0), 1.0, n_base))
    sla_s = sla_min[desk] * 60.0
    over = delay_s >= 0.95 * sla_s
    delay_s = np.where(over, sla_s * rng.uniform(0.3, 0.95, n_base), delay_s)
    idx = picks["late_booking"]
    delay_s[idx] = anom.late_booking_delay_s(rng, sla_min[desk[idx]], minute[idx], o[idx])
    booking_ns = exec_ns + np.round(delay_s * _NS).astype(np.int64)

    base = {"event": np.zeros(n_base, np.int8), "orig": np.full(n_base, -1), "exec": exec_ns,
            "booking": booking_ns, "desk": desk, "book": trader_book[trader], "trader": trader, "cp": cp,
            "inst": instrument, "side": side, "qty": qty, "price": price, "venue": venue, "system": system,
            "label": label}

    # --- extra rows: wash second legs, duplicates, amendments, cancellations ---------------------
    def copy_rows(rows: np.ndarray) -> dict[str, np.ndarray]:
        return {k: v[rows].copy() for k, v in base.items()}

    wash = copy_rows(picks["wash_trade"])
    wash["side"] = 1 - wash["side"]
    wash["exec"] = wash["exec"] + (rng.uniform(60.0, 1200.0, n_wash_pairs) * _NS).astype(np.int64)
    wash["price"] = ref_price(wash["inst"], wash["exec"]) * (
        1.0 + rng.normal(0.0, 0.3, n_wash_pairs) * scatter[picks["wash_trade"]] / 1e4)
    wash["booking"] = wash["exec"] + (np.minimum(delay_s[picks["wash_trade"]], 0.9 * sla_s[picks["wash_trade"]])
                                      * _NS).astype(np.int64)

    dup = copy_rows(picks["duplicate_booking"])
    dup["booking"] = dup["booking"] + (rng.uniform(60.0, 4 * 3600.0, n_dup) * _NS).astype(np.int64)
    dup["system"] = np.where(rng.random(n_dup) < 0.5, _MANUAL, dup["system"])
    dup["label"] = np.full(n_dup, anom.ANOMALY_NAMES.index("duplicate_booking"), dtype=np.int8)

    amend = copy_rows(picks["amend"])
    amend["event"][:] = 1
    amend["orig"] = picks["amend"]
    fix_qty = rng.random(n_amend) < 0.5
    amend_lot = instruments["lot_size"].to_numpy()[amend["inst"]]
    amend["qty"] = np.where(fix_qty, np.maximum(np.round(amend["qty"] * rng.uniform(0.8, 1.25, n_amend)
                                                         / amend_lot), 1.0) * amend_lot, amend["qty"])
    amend["price"] = np.where(fix_qty, amend["price"], amend["price"] * (
        1.0 + rng.normal(0.0, 1.0, n_amend) * scatter[picks["amend"]] / 1e4))
    amend["booking"] = amend["booking"] + (rng.lognormal(np.log(3600.0), 1.0, n_amend) * _NS).astype(np.int64)

    cancel = copy_rows(picks["cancel"])
    cancel["event"][:] = 2
    cancel["orig"] = picks["cancel"]
    cancel["booking"] = cancel["booking"] + (rng.lognormal(np.log(1800.0), 1.0, n_cancel) * _NS).astype(np.int64)

    parts = [base, wash, dup, amend, cancel]
    cols = {k: np.concatenate([p[k] for p in parts]) for k in base}
    return _assemble(rng, cols, ref, trader_book_names, venue_names, days)


def _assemble(rng: np.random.Generator, cols: dict[str, np.ndarray], ref: dict[str, pd.DataFrame],
              book_names: np.ndarray, venue_names: list[str], days: np.ndarray) -> pd.DataFrame:
    """Sort events by booking time, assign ids, convert to USD and build the typed frame."""
    instruments = ref["instruments"]
    n = len(cols["exec"])
    for key in ("exec", "booking"):  # microsecond precision: what Python datetimes and JSON APIs carry
        cols[key] = cols[key] // 1000 * 1000
    order = np.lexsort((rng.random(n), cols["booking"]))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    cols = {k: v[order] for k, v in cols.items()}
    orig = np.where(cols["orig"] >= 0, position[np.maximum(cols["orig"], 0)], -1)
    ids = pd.Series(np.arange(1, n + 1, dtype=np.int64) + 10**9).astype(str).str.slice_replace(0, 1, "T")

    ccy_names = sorted(instruments["currency"].unique())
    inst_ccy = np.array([ccy_names.index(c) for c in instruments["currency"]])
    ccy = inst_ccy[cols["inst"]]
    fx = ref["fx_rates"]
    fx_dates = pd.DatetimeIndex(pd.to_datetime(fx["date"])).as_unit("ns").asi8
    fx_ccy = fx["currency"].to_numpy()
    first = fx_dates.min()
    n_fx_days = int((fx_dates.max() - first) // _DAY_NS) + 1
    usd = np.full((len(ccy_names), n_fx_days), np.nan)
    for i, name in enumerate(ccy_names):
        mask = fx_ccy == name
        usd[i, (fx_dates[mask] - first) // _DAY_NS] = fx["usd_per_unit"].to_numpy()[mask]
    day_idx = np.clip((cols["exec"] - first) // _DAY_NS, 0, n_fx_days - 1)
    price = np.round(cols["price"], 6)
    notional = cols["qty"] * price
    label = cols["label"]

    frame = pd.DataFrame({
        "trade_id": ids,
        "event_type": take_str(list(EVENT_TYPES), cols["event"]),
        "orig_trade_id": take_str(ids.to_numpy(dtype=object), orig) if n else ids.iloc[:0],
        "exec_ts": utc_from_ns(cols["exec"]),
        "booking_ts": utc_from_ns(cols["booking"]),
        "desk": take_str(ref["desks"]["desk"].to_numpy(), cols["desk"]),
        "book": take_str(book_names, cols["book"]),
        "trader_id": take_str(ref["traders"]["trader_id"].to_numpy(), cols["trader"]),
        "counterparty_id": take_str(ref["counterparties"]["counterparty_id"].to_numpy(), cols["cp"]),
        "instrument_id": take_str(instruments["instrument_id"].to_numpy(), cols["inst"]),
        "asset_class": take_str(instruments["asset_class"].to_numpy(), cols["inst"]),
        "currency": take_str(ccy_names, ccy),
        "side": take_str(list(SIDES), cols["side"]),
        "quantity": cols["qty"],
        "price": price,
        "notional": np.round(notional, 2),
        "notional_usd": np.round(notional * usd[ccy, day_idx], 2),
        "venue": take_str(venue_names, cols["venue"]),
        "booking_system": take_str(list(BOOKING_SYSTEMS), cols["system"]),
        "is_anomaly": label >= 0,
        "anomaly_type": take_str(list(anom.ANOMALY_NAMES), label.astype(np.int64)),
    })
    return frame


__all__ = ["BOOKING_SYSTEMS", "EVENT_TYPES", "MEDIAN_QUANTITY", "SIDES", "TRADE_COLUMNS", "VENUES", "make_trades"]
