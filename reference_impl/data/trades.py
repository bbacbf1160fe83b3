"""Trade-capture events: new trades, amendments and cancellations, with labelled anomalies.

A front-office system executes a trade; the booking system records it later (seconds for
straight-through processing, minutes for manual tickets). Amendments and cancellations are
their own events pointing at the original ``trade_id``. Everything is drawn with numpy in whole
arrays (loops run over desks or traders, never over rows), so a million events take seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from reference_impl.data import anomalies as anom
from reference_impl.data.market import price_matrix
from reference_impl.data.reference import NEW_COUNTERPARTY_LEAD_DAYS, check_seed, hhmm_to_minutes, take_str, utc_from_ns
from reference_impl.errors import ConfigError, DataValidationError

#: Column order of the ``trades`` frame (see docs/contracts.md).
TRADE_COLUMNS: tuple[str, ...] = (
    "trade_id",
    "event_type",
    "orig_trade_id",
    "exec_ts",
    "booking_ts",
    "desk",
    "book",
    "trader_id",
    "counterparty_id",
    "instrument_id",
    "asset_class",
    "currency",
    "side",
    "quantity",
    "price",
    "notional",
    "notional_usd",
    "venue",
    "booking_system",
    "is_anomaly",
    "anomaly_type",
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
    """(grid ns, price matrix, matrix row of each reference instrument)."""
    matrix = price_matrix(prices)
    rows = matrix.ids.get_indexer(instrument_ids)
    if (rows < 0).any():
        missing = instrument_ids[rows < 0][:3].tolist()
        raise DataValidationError(f"prices has no series for instrument(s) {missing}")
    return matrix.grid_ns, matrix.values, rows


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


def _choice_by_group(
    rng: np.random.Generator, group: np.ndarray, members: list[np.ndarray], weights: list[np.ndarray]
) -> np.ndarray:
    """For each row pick one of its group's members with that group's weights."""
    out = np.empty(len(group), dtype=np.int64)
    for g, (m, w) in enumerate(zip(members, weights)):
        mask = group == g
        out[mask] = rng.choice(m, size=int(mask.sum()), p=w / w.sum())
    return out


def make_trades(
    ref: dict[str, pd.DataFrame],
    prices: pd.DataFrame,
    n_trades: int = 20_000,
    seed: int = 42,
    *,
    anomaly_rate: float | Mapping[str, float] = anom.DEFAULT_ANOMALY_RATE,
    amend_rate: float = DEFAULT_AMEND_RATE,
    cancel_rate: float = DEFAULT_CANCEL_RATE,
) -> pd.DataFrame:
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
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 0.2:
            raise ConfigError(f"{name} must be within [0, 0.2], got {value!r}")
    counts = _event_counts(int(n_trades), anom.anomaly_rates(anomaly_rate), amend_rate, cancel_rate)
    setup = _Setup.build(ref, prices)
    rng = np.random.default_rng([seed, 3])
    flow = _draw_flow(rng, setup, counts["base"])
    picks = _pick_rows(rng, counts)
    _inject_flow_anomalies(rng, setup, flow, picks)
    base = _price_and_book(rng, setup, flow, picks)
    del flow  # large arrays: free them before the next copies (peak memory matters at 5M rows)
    parts = [base, *_follow_up_events(rng, setup, base, picks)]
    cols = {k: np.concatenate([part[k] for part in parts]) for k in base if not k.startswith("_")}
    del base, parts
    return _assemble(cols, ref, setup.book_names, setup.venue_names)


#: Anomalies injected by modifying normal rows (the others add rows).
_IN_PLACE = ("fat_finger", "off_market_price", "off_hours", "large_new_counterparty", "late_booking")


def _event_counts(n_trades: int, rates: Mapping[str, float], amend_rate: float, cancel_rate: float) -> dict[str, int]:
    """Rows per anomaly type, amend, cancel and the number of normal 'base' rows."""
    counts = anom.anomaly_counts(n_trades, rates)
    counts["amend"] = int(round(amend_rate * n_trades))
    counts["cancel"] = int(round(cancel_rate * n_trades))
    counts["wash_pairs"] = counts["wash_trade"] // 2
    extra = counts["amend"] + counts["cancel"] + counts["wash_pairs"] + counts["duplicate_booking"]
    counts["base"] = n_trades - extra
    if counts["base"] < sum(counts[k] for k in _IN_PLACE) + extra:
        raise ConfigError(f"n_trades={n_trades} is too small for the requested anomaly/amend/cancel rates")
    return counts


@dataclass(frozen=True)
class _Setup:
    """Reference data turned into arrays indexed by integer codes (strings only at the very end)."""

    desk_names: list[str]
    tzs: list[str]
    desk_class: np.ndarray
    open_min: np.ndarray
    close_min: np.ndarray
    sla_min: np.ndarray
    trader_desk: np.ndarray
    trader_book: np.ndarray
    book_names: np.ndarray
    trader_weight: np.ndarray
    inst_members: list[np.ndarray]
    inst_class: np.ndarray
    lot: np.ndarray
    onboard_ns: np.ndarray
    established: np.ndarray
    tier_weight: np.ndarray
    new_pool: np.ndarray
    days: np.ndarray
    grid: np.ndarray
    matrix: np.ndarray
    inst_row: np.ndarray
    venue_names: list[str]
    venue_members: list[np.ndarray]

    @classmethod
    def build(cls, ref: dict[str, pd.DataFrame], prices: pd.DataFrame) -> _Setup:
        instruments, desks, traders = ref["instruments"], ref["desks"], ref["traders"]
        cps, calendar = ref["counterparties"], ref["calendar"]
        desk_names = desks["desk"].tolist()
        desk_code = {d: i for i, d in enumerate(desk_names)}
        desk_class = np.array([_CLASSES.index(c) for c in desks["asset_class"]])
        trader_desk = traders["desk"].map(desk_code).to_numpy()
        book_names, trader_book = np.unique(traders["book"].to_numpy(dtype=object), return_inverse=True)
        desk_activity = np.array([DESK_ACTIVITY[_CLASSES[k]] for k in desk_class])
        inst_desk = instruments["desk"].map(desk_code).to_numpy()

        grid, matrix, inst_row = _price_matrix(prices, instruments["instrument_id"].to_numpy())
        all_days = pd.DatetimeIndex(pd.to_datetime(calendar.loc[calendar["is_trading_day"], "date"]))
        day_ns = all_days.as_unit("ns").asi8
        days = day_ns[(day_ns >= grid[0] + _DAY_NS) & (day_ns <= grid[-1] - 2 * _DAY_NS)]
        if len(days) == 0:
            raise DataValidationError("prices cover no trading day of the calendar")
        onboard_ns = pd.DatetimeIndex(pd.to_datetime(cps["onboarded_date"])).as_unit("ns").asi8
        is_new_cp = onboard_ns >= day_ns[0] - NEW_COUNTERPARTY_LEAD_DAYS * _DAY_NS
        established = np.flatnonzero(~is_new_cp)
        venue_lists = [VENUES[d] for d in desk_names]
        venue_names = sorted({v for vs in venue_lists for v in vs})
        return cls(
            desk_names=desk_names,
            tzs=desks["tz"].tolist(),
            desk_class=desk_class,
            open_min=np.array([hhmm_to_minutes(x) for x in desks["open_local"]], dtype=float),
            close_min=np.array([hhmm_to_minutes(x) for x in desks["close_local"]], dtype=float),
            sla_min=desks["booking_sla_minutes"].to_numpy(dtype=float),
            trader_desk=trader_desk,
            trader_book=trader_book,
            book_names=book_names,
            trader_weight=traders["activity"].to_numpy() * desk_activity[trader_desk],
            inst_members=[np.flatnonzero(inst_desk == d) for d in range(len(desk_names))],
            inst_class=np.array([_CLASSES.index(c) for c in instruments["asset_class"]]),
            lot=instruments["lot_size"].to_numpy(),
            onboard_ns=onboard_ns,
            established=established,
            tier_weight=cps["tier"].map({"tier1": 4.0, "tier2": 2.0, "tier3": 1.0}).to_numpy()[established],
            new_pool=np.flatnonzero(is_new_cp),
            days=days,
            grid=grid,
            matrix=matrix,
            inst_row=inst_row,
            venue_names=venue_names,
            venue_members=[np.array([venue_names.index(v) for v in vs]) for vs in venue_lists],
        )

    def ref_price(self, inst: np.ndarray, when_ns: np.ndarray) -> np.ndarray:
        """Reference price of each instrument at each time (last grid point at or before it)."""
        col = np.clip(np.searchsorted(self.grid, when_ns, side="right") - 1, 0, len(self.grid) - 1)
        return self.matrix[self.inst_row[inst], col]


_CLASSES: list[str] = list(anom.PRICE_SCATTER_BPS)
_SCATTER = np.array([anom.PRICE_SCATTER_BPS[k] for k in _CLASSES])


def _draw_flow(rng: np.random.Generator, s: _Setup, n: int) -> dict[str, np.ndarray]:
    """Normal trade flow: who trades what, with whom, on which day, at which local minute, how much."""
    n_days = len(s.days)
    trader = rng.choice(len(s.trader_weight), size=n, p=s.trader_weight / s.trader_weight.sum())
    desk = s.trader_desk[trader]
    zipf = [1.0 / np.arange(1, len(m) + 1) ** 0.8 for m in s.inst_members]
    instrument = _choice_by_group(rng, desk, s.inst_members, zipf)
    aclass = s.inst_class[instrument]
    day_weight = rng.gamma(8.0, 1.0, n_days)
    day = rng.choice(n_days, size=n, p=day_weight / day_weight.sum())

    # local execution minute: U-shaped inside core hours, ~8 % in the hour either side
    o, c = s.open_min[desk], s.close_min[desk]
    u_shape = rng.beta(0.7, 0.7, n)
    flat = rng.random(n)
    core = o + np.where(rng.random(n) < 0.45, u_shape, flat) * (c - o)
    shoulder = np.where(rng.random(n) < 0.5, o - 60.0 * rng.random(n), c + 60.0 * rng.random(n))
    minute = np.where(rng.random(n) < 0.92, core, shoulder)

    # counterparties: established ones weighted by tier; a few trades go to recently onboarded ones
    cp = s.established[rng.choice(len(s.established), size=n, p=s.tier_weight / s.tier_weight.sum())]
    if len(s.new_pool):
        candidate = s.new_pool[rng.integers(0, len(s.new_pool), n)]
        use_new = (rng.random(n) < NEW_COUNTERPARTY_TRADE_SHARE) & (s.onboard_ns[candidate] <= s.days[day])
        cp = np.where(use_new, candidate, cp)

    # sizes: each trader has a median size; trades scatter lognormally around it, and stay modest
    # with counterparties younger than 30 days (so that size x newness is the anomaly, not newness)
    desk_median = np.array([MEDIAN_QUANTITY[_CLASSES[k]] for k in s.desk_class])
    trader_median = desk_median[s.trader_desk] * rng.lognormal(0.0, 0.8, len(s.trader_desk))
    median_q = trader_median[trader]
    qty = median_q * rng.lognormal(0.0, 0.7, n)
    cp_age_days = (s.days[day] - s.onboard_ns[cp]) / _DAY_NS
    qty = np.where(cp_age_days <= 30, np.minimum(qty, 3.0 * median_q), qty)
    side = rng.integers(0, 2, n)
    venue = _choice_by_group(rng, desk, s.venue_members, [np.linspace(2.0, 1.0, len(m)) for m in s.venue_members])
    manual = rng.random(n) < np.array([MANUAL_SHARE[k] for k in _CLASSES])[aclass]
    system = np.where(manual, _MANUAL, np.array([_STP_SYSTEM[k] for k in _CLASSES])[aclass])
    return {
        "trader": trader,
        "desk": desk,
        "inst": instrument,
        "aclass": aclass,
        "day": day,
        "minute": minute,
        "cp": cp,
        "median_q": median_q,
        "qty": qty,
        "side": side,
        "venue": venue,
        "manual": manual,
        "system": system,
    }


def _pick_rows(rng: np.random.Generator, counts: Mapping[str, int]) -> dict[str, np.ndarray]:
    """Disjoint sets of base rows for each in-place anomaly, wash first legs, duplicates, amends, cancels."""
    order = rng.permutation(counts["base"])
    picks: dict[str, np.ndarray] = {}
    start = 0
    for name, k in [
        *((n, counts[n]) for n in _IN_PLACE),
        ("wash_trade", counts["wash_pairs"]),
        ("duplicate_booking", counts["duplicate_booking"]),
        ("amend", counts["amend"]),
        ("cancel", counts["cancel"]),
    ]:
        picks[name] = np.sort(order[start : start + k])
        start += k
    return picks


def _inject_flow_anomalies(
    rng: np.random.Generator, s: _Setup, flow: dict[str, np.ndarray], picks: Mapping[str, np.ndarray]
) -> None:
    """Fat fingers, off-hours executions and large trades with new counterparties (in place)."""
    idx = picks["fat_finger"]
    flow["qty"][idx] = anom.fat_finger_quantity(rng, flow["median_q"][idx])
    idx = picks["off_hours"]
    desk = flow["desk"][idx]
    flow["minute"][idx] = anom.off_hours_minutes(rng, s.open_min[desk], s.close_min[desk])
    idx = picks["large_new_counterparty"]
    if len(idx) == 0:
        return
    n_days = len(s.days)
    # onboarded no later than the last day and no earlier than two weeks before the first
    eligible = s.new_pool[
        (s.onboard_ns[s.new_pool] <= s.days[-1])
        & (s.onboard_ns[s.new_pool] >= s.days[0] - NEW_COUNTERPARTY_LEAD_DAYS * _DAY_NS)
    ]
    if len(eligible) == 0:
        raise ConfigError("no new counterparty is onboarded inside the period; cannot inject large_new_counterparty")
    flow["cp"][idx] = eligible[rng.integers(0, len(eligible), len(idx))]
    first_day = np.searchsorted(s.days, s.onboard_ns[flow["cp"][idx]])
    flow["day"][idx] = np.minimum(first_day + rng.integers(0, 8, len(idx)), n_days - 1)
    flow["qty"][idx] = flow["median_q"][idx] * rng.uniform(5.0, 20.0, len(idx))


def _price_and_book(
    rng: np.random.Generator, s: _Setup, flow: dict[str, np.ndarray], picks: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Execution time (UTC), price around the reference, booking delay; off-market and late anomalies."""
    n = len(flow["trader"])
    desk, inst = flow["desk"], flow["inst"]
    lot = s.lot[inst]
    qty = np.maximum(np.round(flow["qty"] / lot), 1.0) * lot
    local_ns = s.days[flow["day"]] + np.round(flow["minute"] * 60.0 * _NS).astype(np.int64) + rng.integers(0, _NS, n)
    exec_ns = _local_to_utc_ns(local_ns, desk, s.tzs)
    scatter = _SCATTER[flow["aclass"]]
    reference = s.ref_price(inst, exec_ns)
    noise = rng.standard_t(3, n) / np.sqrt(3.0)
    price = reference * (1.0 + noise * scatter / 1e4)
    idx = picks["off_market_price"]
    price[idx] = anom.off_market_price(rng, reference[idx], scatter[idx])

    manual = flow["manual"]
    delay_s = np.where(manual, rng.lognormal(np.log(480.0), 0.9, n), rng.lognormal(np.log(20.0), 1.0, n))
    sla_s = s.sla_min[desk] * 60.0
    over = delay_s >= 0.95 * sla_s
    delay_s = np.where(over, sla_s * rng.uniform(0.3, 0.95, n), delay_s)  # normal bookings meet the SLA
    idx = picks["late_booking"]
    delay_s[idx] = anom.late_booking_delay_s(rng, s.sla_min[desk[idx]], flow["minute"][idx], s.open_min[desk[idx]])
    booking_ns = exec_ns + np.round(delay_s * _NS).astype(np.int64)

    label = np.full(n, -1, dtype=np.int8)
    for name in (*_IN_PLACE, "wash_trade"):
        label[picks[name]] = anom.ANOMALY_NAMES.index(name)
    return {
        "event": np.zeros(n, np.int8),
        "orig": np.full(n, -1),
        "exec": exec_ns,
        "booking": booking_ns,
        "desk": desk,
        "book": s.trader_book[flow["trader"]],
        "trader": flow["trader"],
        "cp": flow["cp"],
        "inst": inst,
        "side": flow["side"],
        "qty": qty,
        "price": price,
        "venue": flow["venue"],
        "system": flow["system"],
        "label": label,
        "_scatter": scatter,
        "_delay_s": delay_s,
        "_sla_s": sla_s,
    }


def _follow_up_events(
    rng: np.random.Generator, s: _Setup, base: dict[str, np.ndarray], picks: Mapping[str, np.ndarray]
) -> list[dict[str, np.ndarray]]:
    """Extra rows: wash second legs, duplicate bookings, amendments and cancellations."""

    def copy_rows(rows: np.ndarray) -> dict[str, np.ndarray]:
        return {k: v[rows].copy() for k, v in base.items() if not k.startswith("_")}

    scatter, delay_s, sla_s = base["_scatter"], base["_delay_s"], base["_sla_s"]
    legs = picks["wash_trade"]
    wash = copy_rows(legs)
    wash["side"] = 1 - wash["side"]
    wash["exec"] = wash["exec"] + (rng.uniform(60.0, 1200.0, len(legs)) * _NS).astype(np.int64)
    wash["price"] = s.ref_price(wash["inst"], wash["exec"]) * (
        1.0 + rng.normal(0.0, 0.3, len(legs)) * scatter[legs] / 1e4
    )
    wash["booking"] = wash["exec"] + (np.minimum(delay_s[legs], 0.9 * sla_s[legs]) * _NS).astype(np.int64)

    rows = picks["duplicate_booking"]
    dup = copy_rows(rows)
    dup["booking"] = dup["booking"] + (rng.uniform(60.0, 4 * 3600.0, len(rows)) * _NS).astype(np.int64)
    dup["system"] = np.where(rng.random(len(rows)) < 0.5, _MANUAL, dup["system"])
    dup["label"] = np.full(len(rows), anom.ANOMALY_NAMES.index("duplicate_booking"), dtype=np.int8)

    rows = picks["amend"]
    amend = copy_rows(rows)
    amend["event"][:] = 1
    amend["orig"] = rows
    fix_qty = rng.random(len(rows)) < 0.5
    lot = s.lot[amend["inst"]]
    new_qty = np.maximum(np.round(amend["qty"] * rng.uniform(0.8, 1.25, len(rows)) / lot), 1.0) * lot
    amend["qty"] = np.where(fix_qty, new_qty, amend["qty"])
    amend["price"] = np.where(
        fix_qty, amend["price"], amend["price"] * (1.0 + rng.normal(0.0, 1.0, len(rows)) * scatter[rows] / 1e4)
    )
    amend["booking"] = amend["booking"] + (rng.lognormal(np.log(3600.0), 1.0, len(rows)) * _NS).astype(np.int64)

    rows = picks["cancel"]
    cancel = copy_rows(rows)
    cancel["event"][:] = 2
    cancel["orig"] = rows
    cancel["booking"] = cancel["booking"] + (rng.lognormal(np.log(1800.0), 1.0, len(rows)) * _NS).astype(np.int64)
    return [wash, dup, amend, cancel]


def _assemble(
    cols: dict[str, np.ndarray], ref: dict[str, pd.DataFrame], book_names: np.ndarray, venue_names: list[str]
) -> pd.DataFrame:
    """Sort events by booking time, assign ids, convert to USD and build the typed frame."""
    instruments = ref["instruments"]
    n = len(cols["exec"])
    for key in ("exec", "booking"):  # microsecond precision: what Python datetimes and JSON APIs carry
        cols[key] = cols[key] // 1000 * 1000
    order = np.argsort(cols["booking"], kind="stable")  # ties keep generation order: deterministic
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    for key in list(cols):  # reorder one column at a time so the unsorted copy is freed as we go
        cols[key] = cols[key][order]
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

    frame = pd.DataFrame(
        {
            "trade_id": ids,
            "event_type": take_str(list(EVENT_TYPES), cols["event"]),
            "orig_trade_id": take_str(pa.array(ids.array), orig),
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
        }
    )
    return frame


__all__ = ["BOOKING_SYSTEMS", "EVENT_TYPES", "MEDIAN_QUANTITY", "SIDES", "TRADE_COLUMNS", "VENUES", "make_trades"]
