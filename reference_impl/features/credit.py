"""Credit-risk feature rows: limit utilisation, exposure growth, concentration, instrument volatility.

Pure functions of the credit tables (:func:`~reference_impl.data.credit.make_credit_data`) and prices.
The hard part is *corrections*: the exposure of Tuesday can change on Thursday. A feature row therefore
describes a counterparty's state at one close (``event_ts``) **as known at one instant** (``available_at``):

* the first row of a (counterparty, day) appears when that day's batch is published;
* a new row (same ``event_ts``, later ``available_at``) appears whenever a version that feeds it is
  published later — a correction of that day, of the day before (1-day change) or of 5 business days
  before (5-day change).

So the store holds every state the bank ever knew, and the point-in-time join (latest ``event_ts``, ties
to the latest ``available_at``, only rows with ``available_at <= T``) returns exactly what was known at
``T``: a correction is used from the instant it was published, never before. The property test proves
it against a brute-force replay of the feed.

Definitions (each a float, NaN when undefined — never a guess):

* ``exposure_usd`` — sum over the counterparty's instruments of each row's latest known version;
* ``limit_usd`` — the limit in force at the close (latest ``max(effective_ts, created_ts) <= event_ts``);
* ``limit_utilisation`` — ``exposure_usd / limit_usd``; above 1 is a limit breach;
* ``exposure_change_1d`` / ``_5d`` — relative change against 1 / 5 business days earlier;
* ``largest_instrument_share`` — share of the exposure in the counterparty's largest single instrument
  (1.0 = everything on one name), with ``largest_instrument_id`` and ``n_instruments`` (positions > 0);
* ``volatility_{n}d`` (per instrument) — annualised standard deviation of the last ``n`` daily
  log-returns of the close price; ``return_1d`` the last one. Market data is known at the close.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from reference_impl.data.credit import CLOSE_HOUR_UTC, daily_closes
from reference_impl.errors import FeatureStoreError
from reference_impl.features.validation import require_columns, utc_ns

#: Business-day lags of the exposure-growth features.
GROWTH_LAGS: tuple[int, ...] = (1, 5)
#: Daily returns in the volatility window, and the fewest needed for a value.
VOLATILITY_WINDOW = 10
VOLATILITY_MIN_RETURNS = 5
#: Business days per year, to annualise daily volatility.
BUSINESS_DAYS_PER_YEAR = 252

UTILISATION_FEATURES: tuple[str, ...] = ("exposure_usd", "limit_usd", "limit_utilisation")
GROWTH_FEATURES: tuple[str, ...] = tuple(f"exposure_change_{lag}d" for lag in GROWTH_LAGS)
CONCENTRATION_FEATURES: tuple[str, ...] = ("largest_instrument_share", "n_instruments")
VOLATILITY_FEATURES: tuple[str, ...] = (f"volatility_{VOLATILITY_WINDOW}d", "return_1d")

_EXPOSURE_INPUT = ("counterparty_id", "instrument_id", "as_of_ts", "published_ts", "version", "exposure_usd")
_LIMIT_INPUT = ("counterparty_id", "limit_usd", "effective_ts", "created_ts")


def _codes(*columns: pd.Series) -> np.ndarray:
    """One int64 code per distinct tuple of the given columns."""
    frame = pd.DataFrame({str(i): c.astype(str).to_numpy() for i, c in enumerate(columns)})
    return frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy(dtype=np.int64)


def _check_exposures(exposures: pd.DataFrame, limits: pd.DataFrame) -> None:
    require_columns(exposures, _EXPOSURE_INPUT, "exposures")
    require_columns(limits, _LIMIT_INPUT, "credit_limits")
    for frame, cols, what in (
        (exposures, ("as_of_ts", "published_ts"), "exposures"),
        (limits, ("effective_ts", "created_ts"), "credit_limits"),
    ):
        for col in cols:
            utc_ns(frame[col], col)  # raises naming the column if naive or not a timestamp
            if frame[col].isna().any():
                raise FeatureStoreError(f"column {col!r} of {what} has missing timestamps")
    if exposures["exposure_usd"].isna().any() or (exposures["exposure_usd"] < 0).any():
        raise FeatureStoreError(
            "column 'exposure_usd' of exposures must be non-negative numbers (validate the feed first)"
        )


def _snapshots(exposures: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Per (counterparty, close) and each instant a version of it was published: the aggregate then known.

    Columns ``cp``, ``day`` (business-day number), ``t`` (ns), ``total``, ``largest``, ``largest_id``,
    ``n_pos``, and the close instants (ns) the day numbers index. Built with one ``merge_asof``: each (row key, instant) takes its latest version ``<= t``.
    """
    cp = exposures["counterparty_id"].astype(str).to_numpy()
    inst = exposures["instrument_id"].astype(str).to_numpy()
    as_of = utc_ns(exposures["as_of_ts"], "as_of_ts").astype(np.int64)
    # a version cannot be known before the close it values (a clock error upstream reads as the close)
    pub = np.maximum(utc_ns(exposures["published_ts"], "published_ts").astype(np.int64), as_of)
    days = np.unique(as_of)
    versions = pd.DataFrame(
        {
            "cp": cp,
            "inst": inst,
            "day": np.searchsorted(days, as_of),
            "t": pub,
            "version": exposures["version"].to_numpy(dtype=np.int64),
            "value": exposures["exposure_usd"].to_numpy(dtype="float64"),
        }
    )
    versions["row"] = _codes(versions["cp"], versions["inst"], versions["day"])
    versions["cpday"] = _codes(versions["cp"], versions["day"])
    # instants at which each (counterparty, day) aggregate can change, crossed with its instruments
    instants = versions[["cpday", "t"]].drop_duplicates()
    members = versions[["cpday", "row", "cp", "inst", "day"]].drop_duplicates("row")
    grid = members.merge(instants, on="cpday").sort_values(["t", "row"], kind="stable")
    right = versions.sort_values(["t", "version"], kind="stable")[["row", "t", "value"]]
    got = pd.merge_asof(grid, right, on="t", by="row", direction="backward", allow_exact_matches=True)
    got = got[got["value"].notna()]  # an instrument whose first version is published later is not there yet
    got["positive"] = (got["value"] > 0).astype("float64")
    got = got.sort_values(["cpday", "t", "value", "inst"], ascending=[True, True, False, True], kind="stable")
    grouped = got.groupby(["cpday", "t"], sort=False)
    snap = grouped.agg(
        cp=("cp", "first"),
        day=("day", "first"),
        total=("value", "sum"),
        largest=("value", "first"),
        largest_id=("inst", "first"),
        n_pos=("positive", "sum"),
    ).reset_index()
    return snap, days


def _latest_snapshot(snap: pd.DataFrame, cp: np.ndarray, day: np.ndarray, t: np.ndarray) -> pd.DataFrame:
    """For each (counterparty, day, instant) query: the latest snapshot of that day known at the instant."""
    key = pd.Series(snap["cp"].astype(str) + "|" + snap["day"].astype(str))
    codes, uniques = pd.factorize(key)
    q_key = pd.Index(uniques).get_indexer(pd.Series(cp).astype(str) + "|" + pd.Series(day).astype(str))
    right = snap.assign(_k=codes.astype(np.int64)).sort_values("t", kind="stable")
    left = pd.DataFrame({"_k": q_key.astype(np.int64), "t": t.astype(np.int64), "_q": np.arange(len(cp))})
    left = left.sort_values("t", kind="stable")
    out = pd.merge_asof(left, right[["_k", "t", "total", "largest", "largest_id", "n_pos"]], on="t", by="_k")
    out.loc[out["_k"] < 0, ["total", "largest", "n_pos"]] = np.nan
    return out.sort_values("_q").reset_index(drop=True)


def credit_state_rows(exposures: pd.DataFrame, limits: pd.DataFrame) -> pd.DataFrame:
    """Every counterparty state ever known: one row per (counterparty, close, instant it became known).

    Parameters
    ----------
    exposures, limits : DataFrame
        The ``exposures`` and ``credit_limits`` tables of :func:`~reference_impl.data.make_credit_data`.

    Returns
    -------
    DataFrame
        ``counterparty_id``, ``event_ts`` (the close), ``available_at``, :data:`UTILISATION_FEATURES`,
        :data:`GROWTH_FEATURES`, :data:`CONCENTRATION_FEATURES` and ``largest_instrument_id``.

    Examples
    --------
    >>> ts = lambda *s: pd.to_datetime(list(s), utc=True)
    >>> exp = pd.DataFrame({"counterparty_id": ["C1", "C1"], "instrument_id": ["X", "X"],
    ...     "as_of_ts": ts("2026-01-05 21:00", "2026-01-05 21:00"),
    ...     "published_ts": ts("2026-01-05 22:00", "2026-01-07 09:00"),
    ...     "version": [1, 2], "exposure_usd": [90.0, 120.0]})
    >>> lim = pd.DataFrame({"counterparty_id": ["C1"], "limit_usd": [100.0],
    ...     "effective_ts": ts("2026-01-05 08:00"), "created_ts": ts("2026-01-05 08:00")})
    >>> credit_state_rows(exp, lim)[["available_at", "limit_utilisation"]]
                   available_at  limit_utilisation
    0 2026-01-05 22:00:00+00:00                0.9
    1 2026-01-07 09:00:00+00:00                1.2
    """
    _check_exposures(exposures, limits)
    columns = [
        "counterparty_id",
        "event_ts",
        "available_at",
        *UTILISATION_FEATURES,
        *GROWTH_FEATURES,
        *CONCENTRATION_FEATURES,
        "largest_instrument_id",
    ]
    if len(exposures) == 0:
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
        for c in ("counterparty_id", "largest_instrument_id"):
            empty[c] = pd.Series(dtype="str")
        for c in ("event_ts", "available_at"):
            empty[c] = pd.Series(dtype="datetime64[ns, UTC]")
        return empty
    snap, days = _snapshots(exposures)
    # query instants of (cp, day): its own snapshots, plus later snapshots of the lagged days it reads
    first = snap.groupby(["cp", "day"], sort=False)["t"].min().rename("t0").reset_index()
    queries = [snap[["cp", "day", "t"]]]
    for lag in GROWTH_LAGS:
        shifted = snap[["cp", "day", "t"]].assign(day=snap["day"] + lag)
        queries.append(shifted)
    q = pd.concat(queries, ignore_index=True).merge(first, on=["cp", "day"], how="inner")
    q = q[q["t"] >= q["t0"]].drop_duplicates(["cp", "day", "t"]).sort_values(["cp", "day", "t"], kind="stable")
    cp, day, t = q["cp"].to_numpy(), q["day"].to_numpy(dtype=np.int64), q["t"].to_numpy(dtype=np.int64)
    now = _latest_snapshot(snap, cp, day, t)
    out = pd.DataFrame(
        {
            "counterparty_id": pd.Series(cp, dtype="str"),
            "event_ts": pd.to_datetime(days[day], utc=True),
            "available_at": pd.to_datetime(t, utc=True),
        }
    )
    total = now["total"].to_numpy(dtype="float64")
    out["exposure_usd"] = total
    out["limit_usd"] = _limit_in_force(limits, cp, days[day])
    limit = out["limit_usd"].to_numpy(dtype="float64")
    with np.errstate(all="ignore"):  # the zero and missing denominators are masked to NaN right here
        out["limit_utilisation"] = np.where(limit > 0, total / limit, np.nan)
        for lag in GROWTH_LAGS:
            before = _latest_snapshot(snap, cp, day - lag, t)["total"].to_numpy(dtype="float64")
            out[f"exposure_change_{lag}d"] = np.where(before > 0, total / before - 1.0, np.nan)
        out["largest_instrument_share"] = np.where(total > 0, now["largest"].to_numpy(dtype="float64") / total, np.nan)
    out["n_instruments"] = now["n_pos"].to_numpy(dtype="float64")
    out["largest_instrument_id"] = pd.Series(now["largest_id"].to_numpy(), dtype="str")
    return out[columns].reset_index(drop=True)


def _limit_in_force(limits: pd.DataFrame, cp: np.ndarray, close_ns: np.ndarray) -> np.ndarray:
    """The limit of each counterparty at each close; a limit counts from ``max(effective_ts, created_ts)``."""
    eff = np.maximum(
        utc_ns(limits["effective_ts"], "effective_ts").astype(np.int64),
        utc_ns(limits["created_ts"], "created_ts").astype(np.int64),
    )
    right = pd.DataFrame(
        {"cp": limits["counterparty_id"].astype(str).to_numpy(), "t": eff, "limit": limits["limit_usd"].to_numpy(float)}
    ).sort_values("t", kind="stable")
    left = pd.DataFrame({"cp": pd.Series(cp).astype(str).to_numpy(), "t": close_ns.astype(np.int64)})
    left["_q"] = np.arange(len(left))
    got = pd.merge_asof(left.sort_values("t", kind="stable"), right, on="t", by="cp").sort_values("_q")
    return got["limit"].to_numpy(dtype="float64")


def view_rows(state: pd.DataFrame, features: Sequence[str], keys: Sequence[str] = ("counterparty_id",)) -> pd.DataFrame:
    """One view's rows from the state rows: its columns, minus rows that change none of its features.

    A correction of the day five days back gives a new state row, but it only changes the 5-day growth;
    the utilisation view does not need a new row for it (its values and event time are unchanged).
    """
    cols = [*keys, "event_ts", "available_at", *features]
    rows = state[cols].sort_values([*keys, "event_ts", "available_at"], kind="stable").reset_index(drop=True)
    values = rows[[*keys, "event_ts", *features]].astype(str)
    same = (values == values.shift(1)).all(axis=1).to_numpy()
    return rows[~same].reset_index(drop=True)


def instrument_volatility_rows(
    prices: pd.DataFrame, calendar: pd.DataFrame, *, window: int = VOLATILITY_WINDOW
) -> pd.DataFrame:
    """Per instrument and business day: annualised volatility of the last ``window`` daily returns.

    Closes are read at :data:`~reference_impl.data.credit.CLOSE_HOUR_UTC` on trading days covered by
    ``prices`` (the grid of :func:`~reference_impl.data.make_prices`); a row is known at its close.
    """
    require_columns(calendar, ("date", "is_trading_day"), "calendar")
    trading = pd.DatetimeIndex(pd.to_datetime(calendar.loc[calendar["is_trading_day"], "date"])).as_unit("ns").asi8
    grid = utc_ns(prices["ts"], "ts").astype(np.int64)
    # every trading day whose close the grid covers (so prices cut at T give exactly the closes known at T)
    close_ns = trading + CLOSE_HOUR_UTC * 3600 * 10**9
    days = trading[(close_ns >= grid.min()) & (close_ns <= grid.max())]
    closes = daily_closes(prices, days)
    log_ret = np.log(closes).diff(axis=1)
    vol = log_ret.T.rolling(window, min_periods=VOLATILITY_MIN_RETURNS).std().T * np.sqrt(BUSINESS_DAYS_PER_YEAR)
    n_inst, n_days = closes.shape
    close_ts = pd.to_datetime(np.tile(closes.columns.to_numpy(dtype=np.int64), n_inst), utc=True)
    out = pd.DataFrame(
        {
            "instrument_id": pd.Series(np.repeat(closes.index.to_numpy(dtype=object), n_days), dtype="str"),
            "event_ts": close_ts,
            "available_at": close_ts,
            f"volatility_{window}d": vol.to_numpy().ravel(),
            "return_1d": log_ret.to_numpy().ravel(),
        }
    )
    return out


def credit_state_from(data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """:func:`credit_state_rows` of a dataset mapping (``exposures`` and ``credit_limits`` tables)."""
    for table in ("exposures", "credit_limits"):
        if table not in data:
            raise FeatureStoreError(
                f"the dataset has no {table!r} table: generate credit data with reference_impl.data.make_credit_data"
            )
    return credit_state_rows(data["exposures"], data["credit_limits"])


__all__ = [
    "BUSINESS_DAYS_PER_YEAR",
    "CLOSE_HOUR_UTC",
    "CONCENTRATION_FEATURES",
    "GROWTH_FEATURES",
    "GROWTH_LAGS",
    "UTILISATION_FEATURES",
    "VOLATILITY_FEATURES",
    "VOLATILITY_WINDOW",
    "credit_state_from",
    "credit_state_rows",
    "instrument_volatility_rows",
    "view_rows",
]
