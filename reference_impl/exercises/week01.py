"""Week 1 exercises: pandas on the trade blotter.

Three exercises, each a trap that bites real trade-processing code:

* 1.1 :func:`flag_off_hours` — a desk's hours are *local*; UTC ± a fixed offset is wrong half the year (DST).
* 1.2 :func:`usd_notional` — an FX join must keep every trade; an unknown currency is NaN, never 0 or a dropped row.
* 1.3 :func:`daily_notional_by_trader` — only new trades are new risk; NaN must not vanish from a total; empty in,
  empty (well-formed) out.

The notebook imports ``check`` and ``reference`` from here. ``reference.<name>`` is the worked solution; the
learner replaces it and runs ``check.<name>(their_function)``.

Examples
--------
>>> EXERCISES["1.2"].evaluate(reference.usd_notional)  # the number of cases passed
12
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.errors import DataValidationError
from reference_impl.exercises.framework import (
    Case,
    CheckBook,
    Exercise,
    Requirement,
    fresh_index,
    with_requirements,
)

# --------------------------------------------------------------------------------------------------------------
# Reference solutions
# --------------------------------------------------------------------------------------------------------------


def _require_aware(ts: pd.Series, column: str) -> None:
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        raise DataValidationError(
            f"column {column!r} must be tz-aware (UTC); got {ts.dtype}. Naive timestamps are an error, not a guess"
        )


def _seconds_of_day(hhmm: pd.Series) -> np.ndarray:
    parts = hhmm.astype(str).str.split(":", expand=True).astype(int)
    return (parts[0] * 3600 + parts[1] * 60).to_numpy()


def flag_off_hours(trades: pd.DataFrame, desks: pd.DataFrame) -> pd.Series:
    """True where a trade executed outside its desk's local hours ``[open_local, close_local)``.

    Each trade's UTC ``exec_ts`` is converted to its own desk's IANA time zone (so DST is handled by the tz
    database, not by a fixed offset), then compared with the desk's local opening and closing times.

    Parameters
    ----------
    trades : DataFrame
        Needs ``exec_ts`` (tz-aware) and ``desk``.
    desks : DataFrame
        Needs ``desk``, ``tz``, ``open_local`` and ``close_local`` (``"HH:MM"``).

    Returns
    -------
    Series of bool
        Named ``off_hours``, aligned with ``trades.index``.

    Examples
    --------
    >>> desks = pd.DataFrame({"desk": ["EQ_LDN"], "tz": ["Europe/London"], "open_local": ["08:00"],
    ...                       "close_local": ["16:30"]})
    >>> trades = pd.DataFrame({"desk": ["EQ_LDN"] * 2,
    ...                        "exec_ts": pd.to_datetime(["2026-07-01 07:30", "2026-07-01 15:45"], utc=True)})
    >>> flag_off_hours(trades, desks).tolist()  # 08:30 and 16:45 London summer time
    [False, True]
    """
    _require_aware(trades["exec_ts"], "exec_ts")
    result = pd.Series(False, index=trades.index, name="off_hours", dtype=bool)
    if trades.empty:
        return result
    table = desks.set_index("desk")
    unknown = sorted(set(trades["desk"]) - set(table.index))
    if unknown:
        raise DataValidationError(f"desk {unknown[0]!r} is not in the desks reference table")
    opens = table["open_local"].map(lambda s: int(_seconds_of_day(pd.Series([s]))[0]))
    closes = table["close_local"].map(lambda s: int(_seconds_of_day(pd.Series([s]))[0]))
    for desk, rows in trades.groupby("desk", sort=True).groups.items():
        local = trades.loc[rows, "exec_ts"].dt.tz_convert(table.at[desk, "tz"])
        seconds = local.dt.hour * 3600 + local.dt.minute * 60 + local.dt.second
        result.loc[rows] = ((seconds < opens[desk]) | (seconds >= closes[desk])).to_numpy()
    return result


def usd_notional(trades: pd.DataFrame, fx_rates: pd.DataFrame) -> pd.Series:
    """Each trade's notional in USD, using the rate of its currency on the UTC date of ``exec_ts``.

    A left join keeps every trade: an unknown currency or a missing day gives NaN, which a data-quality
    check can count, rather than 0 (a silent understatement) or a dropped row (a trade that vanished).

    Parameters
    ----------
    trades : DataFrame
        Needs ``exec_ts`` (tz-aware), ``currency`` and ``notional``.
    fx_rates : DataFrame
        ``date`` (a :class:`datetime.date`), ``currency``, ``usd_per_unit``; one row per date and currency.

    Returns
    -------
    Series of float
        Named ``notional_usd``, aligned with ``trades.index``.

    Examples
    --------
    >>> import datetime as dt
    >>> fx = pd.DataFrame({"date": [dt.date(2026, 3, 2)], "currency": ["GBP"], "usd_per_unit": [1.25]})
    >>> trades = pd.DataFrame({"exec_ts": pd.to_datetime(["2026-03-02 10:00"] * 2, utc=True),
    ...                        "currency": ["GBP", "XAU"], "notional": [100.0, 100.0]})
    >>> usd_notional(trades, fx).tolist()
    [125.0, nan]
    """
    _require_aware(trades["exec_ts"], "exec_ts")
    if fx_rates.duplicated(["date", "currency"]).any():
        raise DataValidationError("fx_rates has more than one usd_per_unit for the same (date, currency)")
    keys = pd.DataFrame(
        {
            "date": trades["exec_ts"].dt.tz_convert("UTC").dt.date.to_numpy(dtype=object),
            "currency": trades["currency"].astype(object).to_numpy(),
        }
    )
    rates = fx_rates[["date", "currency", "usd_per_unit"]].astype({"date": object, "currency": object})
    merged = keys.merge(rates, on=["date", "currency"], how="left")  # left join: same rows, same order
    values = trades["notional"].to_numpy(dtype=float) * merged["usd_per_unit"].to_numpy(dtype=float)
    return pd.Series(values, index=trades.index, name="notional_usd", dtype=float)


DAILY_COLUMNS = ["trader_id", "trade_date", "n_trades", "notional_usd"]


def daily_notional_by_trader(trades: pd.DataFrame) -> pd.DataFrame:
    """Count and total USD notional of *new* trades per trader and UTC trade date.

    Amends and cancels are lifecycle events on an existing trade, not new risk, so only
    ``event_type == "new"`` rows count. A day with any NaN ``notional_usd`` totals NaN: a sum that silently
    skips an unconvertible trade understates exposure against a limit.

    Returns
    -------
    DataFrame
        Columns ``trader_id, trade_date, n_trades, notional_usd`` (``trade_date`` a :class:`datetime.date`),
        sorted by trader and date, index ``0..n-1``; an empty input gives an empty frame with those columns.

    Examples
    --------
    >>> trades = pd.DataFrame({"trader_id": ["T1", "T1"], "event_type": ["new", "cancel"],
    ...                        "exec_ts": pd.to_datetime(["2026-03-02 10:00"] * 2, utc=True),
    ...                        "notional_usd": [5.0, 5.0]})
    >>> daily_notional_by_trader(trades).to_dict("records")
    [{'trader_id': 'T1', 'trade_date': datetime.date(2026, 3, 2), 'n_trades': 1, 'notional_usd': 5.0}]
    """
    _require_aware(trades["exec_ts"], "exec_ts")
    new = trades[trades["event_type"] == "new"]
    frame = pd.DataFrame(
        {
            "trader_id": new["trader_id"].astype(object).to_numpy(),
            "trade_date": new["exec_ts"].dt.tz_convert("UTC").dt.date.to_numpy(dtype=object),
            "notional_usd": new["notional_usd"].to_numpy(dtype=float),
        }
    )
    grouped = frame.groupby(["trader_id", "trade_date"], sort=True)["notional_usd"]
    out = pd.DataFrame({"n_trades": grouped.size(), "notional_usd": grouped.sum(skipna=False)}).reset_index()
    return out[DAILY_COLUMNS].astype({"n_trades": "int64", "notional_usd": float}).reset_index(drop=True)


reference = SimpleNamespace(
    flag_off_hours=flag_off_hours,
    usd_notional=usd_notional,
    daily_notional_by_trader=daily_notional_by_trader,
)

# --------------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------------

DESKS = pd.DataFrame(
    {
        "desk": ["EQ_LDN", "EQ_NYC", "FX_TKY"],
        "tz": ["Europe/London", "America/New_York", "Asia/Tokyo"],
        "open_local": ["08:00", "09:30", "08:00"],
        "close_local": ["16:30", "16:00", "17:00"],
    }
)


def _blotter(rows: list[tuple], columns: list[str], index: list[int] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns, index=index)
    if "exec_ts" in frame:
        frame["exec_ts"] = (
            pd.to_datetime(frame["exec_ts"], utc=True, format="ISO8601")
            if rows
            else pd.Series(dtype="datetime64[ns, UTC]", index=frame.index)
        )
    return frame


def _trades_at(desk_ts: list[tuple[str, str]], index: list[int] | None = None) -> pd.DataFrame:
    return _blotter(desk_ts, ["desk", "exec_ts"], index)


def off_hours_cases() -> list[Case]:
    naive = pd.DataFrame({"desk": ["EQ_LDN"], "exec_ts": pd.to_datetime(["2026-01-15 12:00"])})
    return [
        Case(
            "London in winter (local = UTC)",
            (
                _trades_at(
                    [("EQ_LDN", "2026-01-15 07:59"), ("EQ_LDN", "2026-01-15 08:00"), ("EQ_LDN", "2026-01-15 12:00")]
                ),
                DESKS,
            ),
            hint="compare the local time of day with open_local (inclusive) and close_local (exclusive)",
        ),
        Case(
            "London in summer (BST = UTC+1)",
            (_trades_at([("EQ_LDN", "2026-07-15 07:30"), ("EQ_LDN", "2026-07-15 15:45")]), DESKS),
            hint="07:30 UTC is 08:30 in London in July. Convert with .dt.tz_convert(desk tz); never add a fixed "
            "offset or compare UTC hours",
        ),
        Case(
            "New York in July (EDT = UTC-4)",
            (_trades_at([("EQ_NYC", "2026-07-15 13:45"), ("EQ_NYC", "2026-07-15 13:15")]), DESKS),
            hint="13:45 UTC is 09:45 in New York in summer (UTC-4), not 08:45 (UTC-5 is winter only)",
        ),
        Case(
            "each row in its own desk's time zone",
            (
                _trades_at(
                    [
                        ("FX_TKY", "2026-03-01 23:30"),
                        ("EQ_LDN", "2026-03-02 09:00"),
                        ("EQ_NYC", "2026-03-02 09:00"),
                        ("FX_TKY", "2026-03-02 09:00"),
                    ]
                ),
                DESKS,
            ),
            hint="look up every trade's desk (Tokyo is UTC+9: 23:30 UTC is 08:30 there the next day)",
        ),
        Case(
            "closing time is exclusive",
            (_trades_at([("EQ_NYC", "2026-07-15 20:00"), ("EQ_NYC", "2026-07-15 19:59:59")]), DESKS),
            hint="a trade at exactly close_local is off-hours; one a second before is not (keep the seconds)",
        ),
        Case(
            "the day the clocks change (London, 29 March 2026)",
            (_trades_at([("EQ_LDN", "2026-03-29 07:30"), ("EQ_LDN", "2026-03-28 07:30")]), DESKS),
            hint="BST starts at 01:00 UTC on 29 March: the tz database knows, a fixed offset does not",
        ),
        Case(
            "keeps the input's index",
            (_trades_at([("EQ_LDN", "2026-01-15 12:00"), ("EQ_LDN", "2026-01-15 20:00")], index=[107, 3]), DESKS),
            hint="return a Series aligned with trades.index (a merge resets the index: put it back)",
        ),
        Case("empty blotter", (_trades_at([]), DESKS), hint="no trades in, an empty boolean Series out (not an error)"),
        Case(
            "naive timestamps are rejected",
            (naive, DESKS),
            raises=(ValueError, TypeError),
            hint="a naive exec_ts could be any zone: raise instead of assuming UTC (tz_localize is a guess; "
            "tz_convert raises on naive data)",
        ),
    ]


def _fx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "currency", "usd_per_unit"])
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


FX = _fx(
    [
        ("2026-03-02", "USD", 1.0),
        ("2026-03-02", "EUR", 1.08),
        ("2026-03-02", "GBP", 1.25),
        ("2026-03-02", "JPY", 0.0067),
        ("2026-03-03", "USD", 1.0),
        ("2026-03-03", "EUR", 1.10),
        ("2026-03-03", "GBP", 1.30),
    ]
)
_NOTIONAL_COLS = ["exec_ts", "currency", "notional"]


def usd_notional_cases() -> list[Case]:
    return [
        Case(
            "EUR, GBP and USD on one day",
            (
                _blotter(
                    [
                        ("2026-03-03 10:00", "EUR", 1e6),
                        ("2026-03-03 11:00", "GBP", 2e6),
                        ("2026-03-03 12:00", "USD", 5e5),
                    ],
                    _NOTIONAL_COLS,
                ),
                FX,
            ),
            hint="notional_usd = notional * usd_per_unit (multiply: usd_per_unit is USD per one unit of currency)",
        ),
        Case(
            "the rate of the trade's own day",
            (_blotter([("2026-03-02 15:00", "EUR", 1e6), ("2026-03-03 09:00", "EUR", 1e6)], _NOTIONAL_COLS), FX),
            hint="join on (UTC date of exec_ts, currency), not on currency alone",
        ),
        Case(
            "UTC date at midnight",
            (_blotter([("2026-03-02 23:59:59", "GBP", 1e6), ("2026-03-03 00:00:00", "GBP", 1e6)], _NOTIONAL_COLS), FX),
            hint="take the date with .dt.date on the UTC timestamp; the rates are keyed by datetime.date",
        ),
        Case(
            "unknown currency is NaN, not 0 and not dropped",
            (_blotter([("2026-03-02 10:00", "XAU", 1e6), ("2026-03-02 10:00", "EUR", 1e6)], _NOTIONAL_COLS), FX),
            hint="use a left join (how='left') and leave NaN where no rate exists; never fillna(0) a notional",
        ),
        Case(
            "no rate that day is NaN",
            (_blotter([("2026-03-03 10:00", "JPY", 1e8), ("2026-03-04 10:00", "EUR", 1e6)], _NOTIONAL_COLS), FX),
            hint="a missing (date, currency) rate gives NaN; do not borrow another day's rate silently",
        ),
        Case(
            "NaN notional stays NaN",
            (_blotter([("2026-03-02 10:00", "EUR", np.nan), ("2026-03-02 10:00", "EUR", 1.0)], _NOTIONAL_COLS), FX),
            hint="NaN * rate is NaN; do not replace missing notionals",
        ),
        Case(
            "keeps the input's index and order",
            (
                _blotter(
                    [
                        ("2026-03-03 10:00", "GBP", 1.0),
                        ("2026-03-02 10:00", "USD", 2.0),
                        ("2026-03-02 10:00", "GBP", 3.0),
                    ],
                    _NOTIONAL_COLS,
                    index=[30, 10, 20],
                ),
                FX,
            ),
            hint="a merge returns a new 0..n-1 index: build the result with index=trades.index",
        ),
        Case("empty blotter", (_blotter([], _NOTIONAL_COLS), FX), hint="no trades in, an empty float Series out"),
    ]


_DAILY_IN = ["trader_id", "event_type", "exec_ts", "notional_usd"]


def daily_notional_cases() -> list[Case]:
    return [
        Case(
            "two traders, two days",
            (
                _blotter(
                    [
                        ("T2", "new", "2026-03-03 10:00", 5.0),
                        ("T1", "new", "2026-03-02 10:00", 1.0),
                        ("T1", "new", "2026-03-02 15:00", 2.0),
                        ("T1", "new", "2026-03-03 08:00", 4.0),
                    ],
                    _DAILY_IN,
                ),
            ),
            hint="group by trader_id and trade_date, then sort by both; columns trader_id, trade_date, n_trades, "
            "notional_usd; trade_date = exec_ts.dt.date",
        ),
        Case(
            "amends and cancels are not new risk",
            (
                _blotter(
                    [
                        ("T1", "new", "2026-03-02 10:00", 1.0),
                        ("T1", "amend", "2026-03-02 11:00", 1.5),
                        ("T1", "cancel", "2026-03-02 12:00", 1.5),
                        ("T1", "new", "2026-03-02 13:00", 2.0),
                    ],
                    _DAILY_IN,
                ),
            ),
            hint="keep only event_type == 'new' before grouping",
        ),
        Case(
            "UTC day boundary",
            (
                _blotter(
                    [("T1", "new", "2026-03-02 23:59:59", 1.0), ("T1", "new", "2026-03-03 00:00:00", 2.0)], _DAILY_IN
                ),
            ),
            hint="the trade date is the UTC date of exec_ts",
        ),
        Case(
            "NaN notional makes the day's total NaN",
            (
                _blotter(
                    [
                        ("T1", "new", "2026-03-02 10:00", 1.0),
                        ("T1", "new", "2026-03-02 11:00", np.nan),
                        ("T2", "new", "2026-03-02 11:00", 3.0),
                    ],
                    _DAILY_IN,
                ),
            ),
            hint="pandas' sum() skips NaN by default: use sum(skipna=False) so an unconvertible trade shows up",
        ),
        Case(
            "only cancels",
            (_blotter([("T1", "cancel", "2026-03-02 10:00", 1.0)], _DAILY_IN),),
            hint="nothing new: return an empty frame that still has the four columns",
        ),
        Case(
            "empty blotter",
            (_blotter([], _DAILY_IN),),
            hint="an empty input must give an empty frame with columns trader_id, trade_date, n_trades, notional_usd",
        ),
    ]


# --------------------------------------------------------------------------------------------------------------
# Requirements (the bullets the notebook shows) and random cases
# --------------------------------------------------------------------------------------------------------------

OFF_HOURS_REQS = (
    Requirement(
        "local",
        "convert each trade's `exec_ts` to its own desk's `tz` (the tz database knows DST; "
        "never a fixed offset, never UTC hours)",
        "use .dt.tz_convert(desk tz) per desk; 07:30 UTC is 08:30 in London in July",
    ),
    Requirement(
        "bounds",
        "off-hours means outside `[open_local, close_local)`: the opening minute is open, "
        "the closing time is closed, to the second",
        "compare the local time of day (with seconds) with open_local (inclusive) and close_local (exclusive)",
    ),
    Requirement(
        "shape",
        "return a boolean Series aligned with `trades.index` (same labels, same order); "
        "an empty blotter gives an empty Series",
        "build the result with index=trades.index; a merge resets the index",
    ),
    Requirement(
        "naive",
        "naive timestamps raise `ValueError` or `TypeError`",
        "a naive exec_ts could be any zone: raise instead of assuming UTC",
    ),
)

_OFF_HOURS_TABLE = {
    "London in winter (local = UTC)": "bounds",
    "London in summer (BST = UTC+1)": "local",
    "New York in July (EDT = UTC-4)": "local",
    "each row in its own desk's time zone": "local",
    "closing time is exclusive": "bounds",
    "the day the clocks change (London, 29 March 2026)": "local",
    "keeps the input's index": "shape",
    "empty blotter": "shape",
    "naive timestamps are rejected": "naive",
}

_RANDOM_DESKS = pd.DataFrame(
    {
        "desk": ["EQ_LDN", "EQ_NYC", "FX_TKY", "FX_SYD", "EQ_BOM", "RATES_SAO"],
        "tz": [
            "Europe/London",
            "America/New_York",
            "Asia/Tokyo",
            "Australia/Sydney",
            "Asia/Kolkata",
            "America/Sao_Paulo",
        ],
        "open_local": ["08:00", "09:30", "08:00", "07:45", "09:15", "10:00"],
        "close_local": ["16:30", "16:00", "17:00", "17:15", "15:30", "17:00"],
    }
)


def _random_index(rng: np.random.Generator, n: int) -> list[int]:
    return [int(i) for i in rng.choice(10_000, size=n, replace=False)]


def _random_instants(rng: np.random.Generator, n: int, desks: pd.DataFrame, desk_of: np.ndarray) -> list:
    """Instants all year, a third of them exactly at a desk's local opening or closing second (± 1 s)."""
    base = pd.Timestamp("2026-01-01", tz="UTC")
    out = []
    info = desks.set_index("desk")
    for desk in desk_of:
        ts = base + pd.Timedelta(seconds=int(rng.integers(0, 365 * 86400)))
        if rng.random() < 0.35:
            hhmm = info.at[desk, rng.choice(["open_local", "close_local"])]
            day = ts.tz_convert(info.at[desk, "tz"]).normalize()
            local = day + pd.Timedelta(hours=int(hhmm[:2]), minutes=int(hhmm[3:]))
            ts = (local + pd.Timedelta(seconds=int(rng.integers(-1, 2)))).tz_convert("UTC")
        out.append(ts)
    return out


def off_hours_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(4):
        n = int(rng.integers(5, 25))
        desk_of = rng.choice(_RANDOM_DESKS["desk"].to_numpy(), size=n)
        trades = pd.DataFrame(
            {"desk": desk_of, "exec_ts": _random_instants(rng, n, _RANDOM_DESKS, desk_of)}, index=_random_index(rng, n)
        )
        trades["exec_ts"] = pd.to_datetime(trades["exec_ts"], utc=True)
        if k == 3:
            trades["exec_ts"] = trades["exec_ts"].dt.tz_convert("America/Chicago")  # an aware, non-UTC column
        cases.append(
            Case(
                f"random blotter {k + 1}: six desks, all year, unsorted",
                (trades, _RANDOM_DESKS),
                req="local" if k != 1 else "bounds",
            )
        )
    return cases


USD_REQS = (
    Requirement(
        "rate",
        "`notional * usd_per_unit`, with the rate of the trade's `currency` on the **UTC date** of `exec_ts`",
        "join on (UTC date of exec_ts, currency) and multiply: usd_per_unit is USD per one unit",
    ),
    Requirement(
        "missing",
        "an unknown currency, or a day with no rate, gives NaN: never 0, never a dropped row "
        "(a NaN notional stays NaN)",
        "use a left join (how='left') and leave NaN where no rate exists; never fillna(0) a notional",
    ),
    Requirement(
        "shape",
        "return a float Series aligned with `trades.index`, in the input's order; an empty "
        "blotter gives an empty Series",
        "a merge returns a new 0..n-1 index: build the result with index=trades.index",
    ),
)

_USD_TABLE = {
    "EUR, GBP and USD on one day": "rate",
    "the rate of the trade's own day": "rate",
    "UTC date at midnight": "rate",
    "unknown currency is NaN, not 0 and not dropped": "missing",
    "no rate that day is NaN": "missing",
    "NaN notional stays NaN": "missing",
    "keeps the input's index and order": "shape",
    "empty blotter": "shape",
}


def usd_random_cases(rng: np.random.Generator) -> list[Case]:
    currencies = np.array(["USD", "EUR", "GBP", "JPY", "CHF", "XAU"])
    days = pd.date_range("2026-03-27", periods=6, freq="D").date  # across the DST change in Europe
    rows = [
        (d, c, float(np.round(rng.uniform(0.005, 2.0), 4))) for d in days for c in currencies[:5] if rng.random() < 0.8
    ]
    fx = pd.DataFrame(rows, columns=["date", "currency", "usd_per_unit"]).sample(frac=1.0, random_state=1)
    cases = []
    zones = ["UTC", "Asia/Tokyo", "America/New_York", "Europe/London"]
    for k in range(4):
        n = int(rng.integers(5, 25))
        secs = rng.integers(0, 6 * 86400, size=n)
        ts = pd.to_datetime(pd.Timestamp("2026-03-27", tz="UTC") + pd.to_timedelta(secs, unit="s"))
        notional = np.round(rng.uniform(1e3, 1e7, size=n), 2)
        notional[rng.random(n) < 0.1] = np.nan
        trades = pd.DataFrame(
            {"exec_ts": ts.tz_convert(zones[k]), "currency": rng.choice(currencies, size=n), "notional": notional},
            index=_random_index(rng, n),
        )
        cases.append(
            Case(f"random blotter {k + 1}: exec_ts in {zones[k]}, gaps in the rates", (trades, fx), req="rate")
        )
    return cases


DAILY_REQS = (
    Requirement(
        "new",
        'count only `event_type == "new"` rows: amends and cancels are lifecycle events, not new risk',
        "keep only event_type == 'new' before grouping",
    ),
    Requirement(
        "date",
        "`trade_date` is the **UTC** date of `exec_ts`, as a `datetime.date`",
        "take .dt.tz_convert('UTC').dt.date, whatever zone exec_ts is in",
    ),
    Requirement(
        "nan",
        "if any trade's `notional_usd` is NaN, that day's total is NaN",
        "pandas' sum() skips NaN by default: use sum(skipna=False)",
    ),
    Requirement(
        "shape",
        "columns `trader_id, trade_date, n_trades, notional_usd`, sorted by trader and date, "
        "with a fresh `0..n-1` index; an empty input still returns the four columns",
        "sort_values(['trader_id', 'trade_date']).reset_index(drop=True); an empty input gives an empty "
        "frame with the four columns",
    ),
)

_DAILY_TABLE = {
    "two traders, two days": "shape",
    "amends and cancels are not new risk": "new",
    "UTC day boundary": "date",
    "NaN notional makes the day's total NaN": "nan",
    "only cancels": "shape",
    "empty blotter": "shape",
}


def daily_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    zones = ["UTC", "America/New_York", "Asia/Tokyo", "Europe/London"]
    for k in range(4):
        n = int(rng.integers(8, 30))
        secs = rng.integers(0, 4 * 86400, size=n)
        ts = pd.to_datetime(pd.Timestamp("2026-10-23 18:00", tz="UTC") + pd.to_timedelta(secs, unit="s"))
        notional = np.round(rng.uniform(1e3, 1e6, size=n), 2)
        if k % 2:
            notional[rng.random(n) < 0.1] = np.nan
        trades = pd.DataFrame(
            {
                "trader_id": rng.choice(["T10", "T2", "T1", "T07"], size=n),
                "event_type": rng.choice(["new", "new", "new", "amend", "cancel"], size=n),
                "exec_ts": ts.tz_convert(zones[k]),
                "notional_usd": notional,
            },
            index=_random_index(rng, n),
        )
        cases.append(
            Case(
                f"random blotter {k + 1}: unsorted, exec_ts in {zones[k]}",
                (trades,),
                req="date" if k else "shape",
                compare=fresh_index(),
            )
        )
    return cases


def _daily_cases() -> list[Case]:
    import dataclasses

    return [
        dataclasses.replace(c, compare=fresh_index()) for c in with_requirements(daily_notional_cases(), _DAILY_TABLE)
    ]


# Graded hints (check.hint(id)): a nudge, then the trap the requirements name, then the key lines.
_HINTS = {
    "1.1": (
        "Work desk by desk: look up each desk's `tz`, `open_local` and `close_local` "
        '(`desks.set_index("desk")`), convert that desk\'s `exec_ts` with `.dt.tz_convert(tz)`, and '
        "compare the local time of day with the opening and closing times.",
        "The trap is DST: 07:30 UTC is 08:30 in London in July but 07:30 in January. Never add a "
        "fixed offset and never compare UTC hours: `tz_convert` with the desk's IANA zone knows the "
        "date the clocks change. Do not `tz_localize` a naive `exec_ts` either: raise (`tz_convert` "
        "itself raises TypeError on naive data).",
        "Compare seconds of the day, so 16:29:59 is open and 16:30:00 is closed: off-hours is `(secs "
        "< open_secs) | (secs >= close_secs)`. Fill a Series built with `index=trades.index` (a "
        "merge would give you a fresh 0..n-1 index).",
        'The core, with `open_secs` / `close_secs` from the desk\'s "HH:MM" (`h * 3600 + m * 60`):\n'
        "result = pd.Series(False, index=trades.index, dtype=bool)\n"
        'table = desks.set_index("desk")\n'
        'for desk, rows in trades.groupby("desk").groups.items():\n'
        '    local = trades.loc[rows, "exec_ts"].dt.tz_convert(table.at[desk, "tz"])\n'
        "    secs = local.dt.hour * 3600 + local.dt.minute * 60 + local.dt.second\n"
        "    result.loc[rows] = ((secs < open_secs) | (secs >= close_secs)).to_numpy()",
    ),
    "1.2": (
        'Build the join keys — each trade\'s UTC date (`exec_ts.dt.tz_convert("UTC").dt.date`) and '
        'its currency — look `usd_per_unit` up with a merge on `["date", "currency"]`, and multiply '
        "it by the notional.",
        'A left join (`how="left"`) keeps every trade; where no rate exists it leaves NaN, and NaN '
        "is the answer: never `fillna(0)` (a silent understatement) and never an inner join (a trade "
        "that vanished). The date is the UTC date whatever zone `exec_ts` is in, and the rate is the "
        "one of that very day.",
        "A merge returns a fresh 0..n-1 index in the left frame's order: multiply plain arrays and "
        "rebuild the Series on the trades' index:\n"
        'keys = pd.DataFrame({"date": trades["exec_ts"].dt.tz_convert("UTC").dt.date.to_numpy(),\n'
        '                     "currency": trades["currency"].to_numpy()})\n'
        'merged = keys.merge(fx_rates, on=["date", "currency"], how="left")\n'
        'values = trades["notional"].to_numpy(dtype=float) * '
        'merged["usd_per_unit"].to_numpy(dtype=float)\n'
        'return pd.Series(values, index=trades.index, name="notional_usd")',
    ),
    "1.3": (
        'Filter, derive, group: keep the `event_type == "new"` rows, add `trade_date = '
        'exec_ts.dt.tz_convert("UTC").dt.date`, then `groupby(["trader_id", "trade_date"])` and take '
        "the count and the sum of `notional_usd`.",
        "pandas' `sum()` skips NaN by default, so an unconvertible trade silently disappears from "
        "the total: use `sum(skipna=False)` (in `.agg`, a `lambda s: s.sum(skipna=False)`). Amends "
        "and cancels are not new risk: filter them out before grouping, not after.",
        "Named aggregation gives the four columns at once; sort and reset the index (this also works "
        "for an empty input):\n"
        'new = trades[trades["event_type"] == "new"].assign(\n'
        '    trade_date=lambda d: d["exec_ts"].dt.tz_convert("UTC").dt.date)\n'
        'out = new.groupby(["trader_id", "trade_date"], as_index=False).agg(\n'
        '    n_trades=("notional_usd", "size"), notional_usd=("notional_usd", lambda s: '
        "s.sum(skipna=False)))\n"
        'return out.sort_values(["trader_id", "trade_date"]).reset_index(drop=True)',
    ),
}


EXERCISES = {
    "1.1": Exercise(
        "1.1",
        "Flag off-hours trades in the desk's local time",
        OFF_HOURS_REQS,
        cases=lambda: with_requirements(off_hours_cases(), _OFF_HOURS_TABLE),
        reference=flag_off_hours,
        random_cases=off_hours_random_cases,
        seed=101,
        structure_req="shape",
        hints=_HINTS["1.1"],
    ),
    "1.2": Exercise(
        "1.2",
        "USD notional via an FX join",
        USD_REQS,
        cases=lambda: with_requirements(usd_notional_cases(), _USD_TABLE),
        reference=usd_notional,
        random_cases=usd_random_cases,
        seed=102,
        structure_req="shape",
        hints=_HINTS["1.2"],
    ),
    "1.3": Exercise(
        "1.3",
        "Per-trader daily notional",
        DAILY_REQS,
        cases=_daily_cases,
        reference=daily_notional_by_trader,
        random_cases=daily_random_cases,
        seed=103,
        structure_req="shape",
        hints=_HINTS["1.3"],
    ),
}

# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def check_flag_off_hours(func: Callable[..., Any]) -> Any:
    """Exercise 1.1: run ``func(trades, desks)`` against the time-zone cases."""
    return EXERCISES["1.1"].check(func)


def check_usd_notional(func: Callable[..., Any]) -> Any:
    """Exercise 1.2: run ``func(trades, fx_rates)`` against the FX-join cases."""
    return EXERCISES["1.2"].check(func)


def check_daily_notional_by_trader(func: Callable[..., Any]) -> Any:
    """Exercise 1.3: run ``func(trades)`` against the groupby cases."""
    return EXERCISES["1.3"].check(func)


check = CheckBook(
    EXERCISES,
    flag_off_hours="1.1",
    usd_notional="1.2",
    daily_notional_by_trader="1.3",
)

__all__ = [
    "DAILY_COLUMNS",
    "EXERCISES",
    "check",
    "check_daily_notional_by_trader",
    "check_flag_off_hours",
    "check_usd_notional",
    "daily_notional_by_trader",
    "flag_off_hours",
    "reference",
    "usd_notional",
]
