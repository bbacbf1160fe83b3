"""Intraday reference prices: geometric Brownian motion with market-wide volatility regimes.

The "reference price" is what a control function compares a trade price against (an
independent price source). Prices sit on a regular UTC grid (every ``step_minutes``) that covers
every calendar day of the period, so any execution time — including off-hours — has a price.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from reference_impl.data.reference import check_seed, take_str, utc_from_ns
from reference_impl.errors import ConfigError, DataValidationError

#: Annualised volatility per asset class in the calm regime (swaps and bonds move as prices).
ANNUAL_VOL: dict[str, float] = {"equity": 0.25, "fx": 0.08, "govt_bond": 0.05, "irs": 0.06}
#: Volatility multiplier of the stressed regime and the daily regime-switch probabilities.
STRESS_MULTIPLIER = 2.5
P_CALM_TO_STRESS = 0.08
P_STRESS_TO_CALM = 0.35
#: Closed markets (weekends, holidays) still tick, but barely.
CLOSED_VOL_FACTOR = 0.05
_MINUTES_PER_YEAR = 252 * 24 * 60


def trading_days(calendar: pd.DataFrame, n_days: int) -> pd.DatetimeIndex:
    """The first ``n_days`` trading days of ``calendar`` (raises if the calendar is too short)."""
    days = pd.DatetimeIndex(pd.to_datetime(calendar.loc[calendar["is_trading_day"], "date"]))
    if not isinstance(n_days, (int, np.integer)) or n_days < 1:
        raise ConfigError(f"n_days must be a positive integer, got {n_days!r}")
    if n_days > len(days):
        raise ConfigError(f"n_days={n_days} exceeds the {len(days)} trading days in the calendar")
    return days[:n_days]


def price_grid(calendar: pd.DataFrame, n_days: int, step_minutes: int) -> pd.DatetimeIndex:
    """UTC grid from the day before the first trading day to two days after the last one."""
    days = trading_days(calendar, n_days)
    start = days[0] - pd.Timedelta(days=1)
    end = days[-1] + pd.Timedelta(days=3)
    return pd.date_range(start, end, freq=f"{step_minutes}min", inclusive="left", tz="UTC")


def _regimes(rng: np.random.Generator, n_calendar_days: int) -> np.ndarray:
    """Daily volatility multiplier from a two-state Markov chain (calm=1, stressed)."""
    u = rng.random(n_calendar_days)
    state = np.zeros(n_calendar_days, dtype=bool)
    for day in range(1, n_calendar_days):  # one step per *day* (tens to hundreds), not per row
        state[day] = u[day] < P_CALM_TO_STRESS if not state[day - 1] else u[day] >= P_STRESS_TO_CALM
    return np.where(state, STRESS_MULTIPLIER, 1.0)


def make_prices(
    ref: dict[str, pd.DataFrame], n_days: int = 20, seed: int = 42, *, step_minutes: int = 5
) -> pd.DataFrame:
    """Intraday reference prices for every instrument on a regular UTC grid.

    Parameters
    ----------
    ref : dict
        Output of :func:`~reference_impl.data.make_reference_data`.
    n_days : int
        Number of trading days to cover (the grid spans the calendar days around them).
    seed : int
        Non-negative seed.
    step_minutes : int
        Grid spacing.

    Returns
    -------
    DataFrame
        ``instrument_id`` (str), ``ts`` (datetime64, UTC), ``price`` (float), sorted by
        instrument then time; every instrument shares the same grid.

    Notes
    -----
    Log-returns are Gaussian with volatility ``ANNUAL_VOL[asset_class] * jitter * regime``; the
    regime is shared by all instruments of an asset class (stress is market-wide) and changes
    daily. Non-trading days are nearly flat.

    Examples
    --------
    >>> from reference_impl.data import make_reference_data
    >>> p = make_prices(make_reference_data(0), n_days=2, seed=0, step_minutes=60)
    >>> bool((p["price"] > 0).all())
    True
    """
    seed = check_seed(seed)
    if not isinstance(step_minutes, int) or not 1 <= step_minutes <= 60 or 1440 % step_minutes:
        raise ConfigError(f"step_minutes must divide a day (1..60), got {step_minutes!r}")
    rng = np.random.default_rng([seed, 2])
    instruments = ref["instruments"]
    grid = price_grid(ref["calendar"], n_days, step_minutes)
    steps_per_day = 1440 // step_minutes
    n_cal_days = len(grid) // steps_per_day
    n_inst = len(instruments)

    calendar = ref["calendar"].set_index(pd.to_datetime(ref["calendar"]["date"]))["is_trading_day"]
    grid_days = pd.DatetimeIndex(grid[::steps_per_day].tz_localize(None).normalize())
    is_open = calendar.reindex(grid_days, fill_value=False).to_numpy()

    classes = instruments["asset_class"].to_numpy()
    class_codes = {c: i for i, c in enumerate(ANNUAL_VOL)}
    regime = np.stack([_regimes(rng, n_cal_days) for _ in ANNUAL_VOL])  # (class, day)
    jitter = rng.uniform(0.7, 1.4, n_inst)
    base_vol = np.array([ANNUAL_VOL[c] for c in classes]) * jitter
    day_factor = regime[[class_codes[c] for c in classes]] * np.where(is_open, 1.0, CLOSED_VOL_FACTOR)
    sigma = base_vol[:, None] * np.repeat(day_factor, steps_per_day, axis=1) * np.sqrt(step_minutes / _MINUTES_PER_YEAR)
    shocks = rng.standard_normal((n_inst, len(grid))) * sigma - 0.5 * sigma**2
    shocks[:, 0] = 0.0
    paths = instruments["base_price"].to_numpy()[:, None] * np.exp(np.cumsum(shocks, axis=1))

    return pd.DataFrame(
        {
            "instrument_id": take_str(instruments["instrument_id"].to_numpy(), np.repeat(np.arange(n_inst), len(grid))),
            "ts": utc_from_ns(np.tile(grid.as_unit("ns").asi8, n_inst)),
            "price": paths.ravel(),
        }
    )


def _as_ns(ts: object) -> np.ndarray:
    """UTC nanoseconds since the epoch as int64 (tz-aware input required)."""
    index = pd.DatetimeIndex(ts)
    if index.tz is None:
        raise DataValidationError("timestamps must be tz-aware (UTC); got naive timestamps")
    return index.tz_convert("UTC").as_unit("ns").asi8


class PriceMatrix(NamedTuple):
    """A regular price grid as arrays: ``values[i, j]`` is instrument ``ids[i]`` at ``grid_ns[j]``."""

    ids: pd.Index
    grid_ns: np.ndarray
    values: np.ndarray


def price_matrix(prices: pd.DataFrame) -> PriceMatrix:
    """Reshape a :func:`make_prices` frame into a matrix; raise if it is not a regular grid."""
    codes, ids = pd.factorize(prices["instrument_id"])
    n_grid = len(prices) // max(len(ids), 1)
    grid = _as_ns(prices["ts"].iloc[:n_grid]) if n_grid else np.array([], dtype=np.int64)
    regular = (
        n_grid > 0
        and len(ids) * n_grid == len(prices)
        and np.array_equal(codes, np.repeat(np.arange(len(ids)), n_grid))
        and np.array_equal(_as_ns(prices["ts"]), np.tile(grid, len(ids)))
    )
    if not regular:
        raise DataValidationError(
            "prices is not a regular grid sorted by instrument_id, ts (every instrument needs the same timestamps)"
        )
    return PriceMatrix(pd.Index(ids), grid, prices["price"].to_numpy().reshape(len(ids), n_grid))


def reference_price_at(
    prices: pd.DataFrame | PriceMatrix, instrument_id: np.ndarray | pd.Series, ts: np.ndarray | pd.Series
) -> np.ndarray:
    """Last grid price at or before ``ts`` for each (instrument, time) pair, vectorised.

    Works on the regular grid that :func:`make_prices` produces (pass :func:`price_matrix` of it to
    look up many times). Unknown instruments or times before the grid give NaN.

    >>> from reference_impl.data import make_reference_data
    >>> p = make_prices(make_reference_data(0), n_days=1, seed=0, step_minutes=60)
    >>> first = p.iloc[0]
    >>> bool(reference_price_at(p, [first.instrument_id], [first.ts])[0] == first.price)
    True
    """
    matrix = prices if isinstance(prices, PriceMatrix) else price_matrix(prices)
    row = matrix.ids.get_indexer(np.asarray(instrument_id))
    col = np.searchsorted(matrix.grid_ns, _as_ns(ts), side="right") - 1
    ok = (row >= 0) & (col >= 0)
    out = np.full(len(row), np.nan)
    out[ok] = matrix.values[row[ok], col[ok]]
    return out


__all__ = [
    "ANNUAL_VOL",
    "PriceMatrix",
    "make_prices",
    "price_grid",
    "price_matrix",
    "reference_price_at",
    "trading_days",
]
