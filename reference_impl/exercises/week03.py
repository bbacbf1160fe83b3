"""Week 3 exercises: features without leakage.

Three exercises, each a mistake that makes a model look better in testing than it will ever be in production:

* 3.1 :func:`late_arrivals` — which trades had happened by a cut-off but were not yet booked: the events a
  snapshot taken at that time could not have seen.
* 3.2 :func:`rolling_zscore` — a trade's z-score against its trader's *earlier* trades, over a time window.
  Including the trade itself, or trades booked later, is leakage.
* 3.3 :func:`point_in_time_join` — feature values *as known* at each entity timestamp: a value that had
  happened but had not arrived yet must not be used.

The notebook imports ``check`` and ``reference`` from here.

Examples
--------
>>> EXERCISES["3.1"].evaluate(reference.late_arrivals)  # the number of cases passed
12
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    Structural,
    compare_values,
    with_requirements,
)
from reference_impl.features import point_in_time_join as _pit_join
from reference_impl.features import trader_rolling_features

# --------------------------------------------------------------------------------------------------------------
# Reference solutions
# --------------------------------------------------------------------------------------------------------------


def rolling_zscore(trades: pd.DataFrame, window: str) -> pd.Series:
    """Each trade's notional z-score against the same trader's trades booked in ``[t - window, t)``.

    NaN when fewer than 3 earlier trades are in the window or their standard deviation is 0.

    Examples
    --------
    >>> ts = pd.date_range("2026-03-02 09:00", periods=4, freq="10min", tz="UTC")
    >>> t = pd.DataFrame({"trade_id": list("abcd"), "trader_id": "T1", "event_type": "new",
    ...                   "booking_ts": ts, "notional_usd": [10.0, 20.0, 30.0, 100.0]})
    >>> rolling_zscore(t, "1h").tolist()
    [nan, nan, nan, 8.0]
    """
    return trader_rolling_features(trades, [window])[f"notional_zscore_{window}"].rename("notional_zscore")


def point_in_time_join(entity_df: pd.DataFrame, feature_df: pd.DataFrame) -> pd.DataFrame:
    """``entity_df`` plus, per row, the ``trader_id``'s latest feature values available at ``event_timestamp``.

    ``feature_df`` has ``trader_id``, ``event_ts``, ``available_at`` and feature columns. A row qualifies when
    ``available_at <= event_timestamp``; among those the latest ``event_ts`` wins (ties: latest ``available_at``).
    """
    return _pit_join(entity_df, feature_df, keys=["trader_id"])


def late_arrivals(trades: pd.DataFrame, as_of: pd.Timestamp) -> list[str]:
    """Sorted ``trade_id`` of trades executed at or before ``as_of`` but booked after it.

    Examples
    --------
    >>> t = pd.DataFrame({"trade_id": ["a", "b"],
    ...                   "exec_ts": pd.to_datetime(["2026-03-02 09:00", "2026-03-02 09:00"], utc=True),
    ...                   "booking_ts": pd.to_datetime(["2026-03-02 09:01", "2026-03-02 11:00"], utc=True)})
    >>> late_arrivals(t, pd.Timestamp("2026-03-02 10:00", tz="UTC"))
    ['b']
    """
    as_of = pd.Timestamp(as_of)
    if as_of.tzinfo is None:
        raise DataValidationError(f"as_of must be tz-aware (UTC), got naive {as_of}")
    late = (trades["exec_ts"] <= as_of) & (trades["booking_ts"] > as_of)
    return sorted(trades.loc[late, "trade_id"].astype(str))


# Readable solutions: what check.solution(...) shows (the reference above delegates to the library, which
# also serves production code; these solve the exercise in a few plain lines and pass the same check)


def solution_rolling_zscore(trades: pd.DataFrame, window: str) -> pd.Series:
    """Each trade's notional z-score against the same trader's trades booked in ``[t - window, t)``."""
    ordered = trades.sort_values(["trader_id", "booking_ts"], kind="stable")  # a sorted copy to compute on
    # closed="left": the window [t - window, t) excludes the trade itself and same-instant trades
    history = ordered.groupby("trader_id").rolling(window, on="booking_ts", closed="left")["notional_usd"]
    mean = pd.Series(history.mean().to_numpy(), index=ordered.index)  # groupby keeps the sorted row order
    std = pd.Series(history.std().to_numpy(), index=ordered.index)  # the sample std (ddof=1)
    count = pd.Series(history.count().to_numpy(), index=ordered.index)
    z = (ordered["notional_usd"] - mean) / std
    z = z.where((count >= 3) & (std > 0))  # too little history, or a constant one: NaN, never inf
    return z.reindex(trades.index).astype(float).rename("notional_zscore")  # back to the input's order


def solution_point_in_time_join(entity_df: pd.DataFrame, feature_df: pd.DataFrame) -> pd.DataFrame:
    """``entity_df`` plus, per row, the trader's latest feature values available at ``event_timestamp``."""
    features = [c for c in feature_df.columns if c not in ("trader_id", "event_ts", "available_at")]
    # sort so that, per trader, the last row known by a time is the one with the latest event_ts
    known = feature_df.sort_values(["trader_id", "event_ts", "available_at"], kind="stable")
    rows = []
    for trader, at in zip(entity_df["trader_id"], entity_df["event_timestamp"]):
        candidates = known[(known["trader_id"] == trader) & (known["available_at"] <= at)]
        if len(candidates):
            rows.append(candidates[features].iloc[-1].to_numpy(dtype=float))
        else:
            rows.append(np.full(len(features), np.nan))  # a left join: nothing known yet is NaN
    values = pd.DataFrame(rows, columns=features, index=entity_df.index)
    return pd.concat([entity_df, values], axis=1)  # the entity rows, order and index unchanged


reference = SimpleNamespace(
    rolling_zscore=rolling_zscore,
    point_in_time_join=point_in_time_join,
    late_arrivals=late_arrivals,
)

# --------------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------------

_T0 = pd.Timestamp("2026-03-02 09:00", tz="UTC")


def _trades(rows: Sequence[tuple[str, int, float]], index: list[int] | None = None) -> pd.DataFrame:
    """(trader_id, minutes after 09:00 UTC, notional_usd) -> a trades frame."""
    frame = pd.DataFrame(
        {
            "trade_id": [f"X{i:02d}" for i in range(len(rows))],
            "trader_id": [r[0] for r in rows],
            "event_type": "new",
            "booking_ts": pd.to_datetime([_T0 + pd.Timedelta(minutes=r[1]) for r in rows], utc=True),
            "notional_usd": [float(r[2]) for r in rows],
        }
    )
    return frame if index is None else frame.set_axis(index)


def rolling_zscore_cases() -> list[Case]:
    steady = [("T1", m, x) for m, x in zip(range(0, 60, 10), [10, 12, 11, 13, 40, 12])]
    return [
        Case(
            "one trader, one hour window",
            (_trades(steady), "1h"),
            hint="Compare each trade with the same trader's trades booked strictly before it in the window "
            "(never the trade itself, never later trades).",
        ),
        Case(
            "the trade itself is not part of its own history",
            (_trades([("T1", 0, 10), ("T1", 0, 12), ("T1", 0, 11), ("T1", 10, 40)]), "1h"),
            hint="Use only trades booked strictly before the current one (rolling(..., closed='left')): "
            "including the trade itself shrinks its own z-score — that is leakage.",
        ),
        Case(
            "two traders interleaved",
            (
                _trades(
                    [
                        (t, m, x)
                        for (t, m, x) in [
                            ("A", 0, 1),
                            ("B", 1, 100),
                            ("A", 2, 2),
                            ("B", 3, 110),
                            ("A", 4, 3),
                            ("B", 5, 120),
                            ("A", 6, 9),
                            ("B", 7, 90),
                        ]
                    ]
                ),
                "1h",
            ),
            hint="Group by trader_id: one trader's size says nothing about another's.",
        ),
        Case(
            "the window is time, not a number of rows",
            (
                _trades(
                    [
                        ("T1", 0, 5),
                        ("T1", 10, 6),
                        ("T1", 20, 7),
                        ("T1", 200, 8),
                        ("T1", 210, 9),
                        ("T1", 220, 10),
                        ("T1", 230, 50),
                    ]
                ),
                "1h",
            ),
            hint="rolling('1h') on a time index, not rolling(3): a quiet afternoon must not reach back to the morning.",
        ),
        Case(
            "same-instant trades do not see each other",
            (_trades([("T1", 0, 1), ("T1", 1, 2), ("T1", 2, 3), ("T1", 5, 10), ("T1", 5, 20)]), "1h"),
            hint="Two trades booked at the same instant are not 'before' each other: with closed='left' "
            "the window [t - 1h, t) excludes both.",
        ),
        Case(
            "unsorted input keeps its own index",
            (_trades([("T1", 30, 4), ("T1", 0, 1), ("T1", 20, 3), ("T1", 10, 2)], index=[40, 7, 99, 3]), "1h"),
            hint="Sort a copy to compute, then return values aligned on the input's index and order.",
        ),
        Case(
            "constant history: std 0 gives NaN, never inf",
            (_trades([("T1", 0, 5), ("T1", 1, 5), ("T1", 2, 5), ("T1", 3, 9)]), "1h"),
            hint="Dividing by a zero standard deviation is undefined: return NaN, not inf.",
        ),
        Case(
            "fewer than 3 earlier trades gives NaN",
            (_trades([("T1", 0, 1), ("T1", 1, 3), ("T1", 2, 100)]), "1h"),
            hint="A z-score from one or two numbers says little: require at least 3 earlier trades.",
        ),
    ]


def _features(rows: list[tuple[str, int, int, float]]) -> pd.DataFrame:
    """(trader_id, event minute, available minute, value)."""
    return pd.DataFrame(
        {
            "trader_id": [r[0] for r in rows],
            "event_ts": pd.to_datetime([_T0 + pd.Timedelta(minutes=r[1]) for r in rows], utc=True),
            "available_at": pd.to_datetime([_T0 + pd.Timedelta(minutes=r[2]) for r in rows], utc=True),
            "trades_today": [float(r[3]) for r in rows],
        }
    )


def _entities(rows: list[tuple[str, int]], index: list[int] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "trader_id": [r[0] for r in rows],
            "event_timestamp": pd.to_datetime([_T0 + pd.Timedelta(minutes=r[1]) for r in rows], utc=True),
        }
    )
    return frame if index is None else frame.set_axis(index)


def _same_frame_and_index(got: Any, expected: pd.DataFrame) -> str | None:
    reason = compare_values(got, expected)
    if reason is None and not got.index.equals(expected.index):
        return Structural("index differs from the entity frame's index (keep its rows, order and index)")
    return reason


def point_in_time_cases() -> list[Case]:
    feats = _features([("T1", 0, 0, 1), ("T1", 30, 30, 2), ("T2", 10, 10, 7)])
    return [
        Case(
            "latest value at or before each timestamp",
            (_entities([("T1", 15), ("T1", 45), ("T2", 20)]), feats),
            compare=_same_frame_and_index,
            hint="For each entity row take the trader's latest row known by then.",
        ),
        Case(
            "a late-arriving value is invisible until it arrives",
            (_entities([("T1", 20), ("T1", 70)]), _features([("T1", 0, 0, 1), ("T1", 10, 60, 2)])),
            compare=_same_frame_and_index,
            hint="Compare available_at (when we knew it) with the entity timestamp, not event_ts.",
        ),
        Case(
            "available exactly at the timestamp counts",
            (_entities([("T1", 30)]), feats),
            compare=_same_frame_and_index,
            hint="available_at <= event_timestamp, inclusive.",
        ),
        Case(
            "unknown trader keeps its row with NaN",
            (_entities([("T9", 50), ("T1", 50)]), feats),
            compare=_same_frame_and_index,
            hint="A left join: every entity row comes back, with NaN where nothing qualifies.",
        ),
        Case(
            "nothing known yet gives NaN",
            (_entities([("T1", -5)]), feats),
            compare=_same_frame_and_index,
            hint="Rows before the first available value get NaN, not the next value.",
        ),
        Case(
            "entity order and index are kept",
            (_entities([("T2", 50), ("T1", 5), ("T1", 50)], index=[30, 10, 20]), feats),
            compare=_same_frame_and_index,
            hint="merge_asof needs sorted input: sort a copy, then restore the entity frame's order and index.",
        ),
        Case(
            "a newer event beats a later-arriving older one",
            (_entities([("T1", 90)]), _features([("T1", 20, 20, 5), ("T1", 10, 80, 1)])),
            compare=_same_frame_and_index,
            hint="Among rows known by then, take the latest event_ts: a late correction of an older event "
            "must not replace a newer value (merge_asof on available_at alone gets this wrong).",
        ),
    ]


def _booked(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "trade_id": [r[0] for r in rows],
            "exec_ts": pd.to_datetime([r[1] for r in rows], utc=True),
            "booking_ts": pd.to_datetime([r[2] for r in rows], utc=True),
        }
    )


def late_arrival_cases() -> list[Case]:
    cut = pd.Timestamp("2026-03-02 12:00", tz="UTC")
    blotter = _booked(
        [
            ("T4", "2026-03-02 11:00", "2026-03-02 11:05"),  # on time
            ("T3", "2026-03-02 09:00", "2026-03-03 08:00"),  # booked next morning: late
            ("T2", "2026-03-02 11:30", "2026-03-02 13:00"),  # late
            ("T1", "2026-03-02 12:30", "2026-03-02 12:31"),  # had not happened yet
        ]
    )
    return [
        Case(
            "late trades, sorted",
            (blotter, cut),
            expected=["T2", "T3"],
            hint="Late = executed at or before as_of AND booked after it; return sorted trade ids.",
        ),
        Case(
            "booked exactly at the cut-off was known",
            (_booked([("A", "2026-03-02 11:00", "2026-03-02 12:00")]), cut),
            expected=[],
            hint="booking_ts == as_of means the snapshot already had it: use booking_ts > as_of.",
        ),
        Case(
            "executed exactly at the cut-off had happened",
            (_booked([("A", "2026-03-02 12:00", "2026-03-02 12:01")]), cut),
            expected=["A"],
            hint="exec_ts <= as_of, inclusive.",
        ),
        Case(
            "future trades are not late",
            (_booked([("A", "2026-03-02 13:00", "2026-03-02 14:00")]), cut),
            expected=[],
            hint="A trade executed after as_of had not happened: it is not late, it is future.",
        ),
        Case(
            "cut-off given in another time zone",
            (blotter, pd.Timestamp("2026-03-02 07:00", tz="America/New_York")),
            expected=["T2", "T3"],
            hint="Compare instants, not wall-clock strings: 07:00 in New York is 12:00 UTC.",
        ),
        Case(
            "naive cut-off is refused",
            (blotter, pd.Timestamp("2026-03-02 12:00")),
            raises=(TypeError, ValueError),
            hint="A naive timestamp is an error, not a guess: raise (ValueError or TypeError).",
        ),
        Case(
            "empty blotter",
            (blotter.iloc[:0], cut),
            expected=[],
            hint="No trades, no late trades: return an empty list.",
        ),
    ]


# --------------------------------------------------------------------------------------------------------------
# Requirements (the bullets the notebook shows) and random cases
# --------------------------------------------------------------------------------------------------------------

LATE_REQS = (
    Requirement(
        "late",
        "a trade is late when it was executed at or before `as_of` (inclusive) and booked after it (strictly)",
        "late = (exec_ts <= as_of) & (booking_ts > as_of)",
    ),
    Requirement(
        "instants",
        "compare instants: `as_of` may be in any time zone; a naive `as_of` raises `ValueError` or `TypeError`",
        "compare tz-aware Timestamps directly (07:00 New York is 12:00 UTC); never tz_localize a naive as_of",
    ),
    Requirement(
        "shape",
        "return the late `trade_id`s as a sorted list of strings; an empty blotter gives `[]`",
        "return sorted(trades.loc[late, 'trade_id'].astype(str))",
    ),
)
_LATE_TABLE = {
    "late trades, sorted": "late",
    "booked exactly at the cut-off was known": "late",
    "executed exactly at the cut-off had happened": "late",
    "future trades are not late": "late",
    "cut-off given in another time zone": "instants",
    "naive cut-off is refused": "instants",
    "empty blotter": "shape",
}


def late_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    zones = ["Asia/Tokyo", "UTC", "America/New_York", "Europe/London"]
    for k in range(4):
        n = int(rng.integers(5, 30))
        as_of = pd.Timestamp("2026-03-27 12:00", tz="UTC") + pd.Timedelta(minutes=int(rng.integers(0, 60 * 72)))
        exec_off = rng.integers(-600, 120, size=n)
        exec_off[rng.random(n) < 0.15] = 0  # exactly at the cut-off
        book_off = exec_off + rng.integers(0, 400, size=n)
        book_off[rng.random(n) < 0.15] = 0
        book_off = np.maximum(book_off, exec_off)
        trades = pd.DataFrame(
            {
                "trade_id": [f"T{int(i)}" for i in rng.choice(1000, size=n, replace=False)],
                "exec_ts": as_of + pd.to_timedelta(exec_off, unit="min"),
                "booking_ts": as_of + pd.to_timedelta(book_off, unit="min"),
            },
            index=rng.choice(10_000, size=n, replace=False),
        )
        cases.append(
            Case(
                f"random blotter {k + 1}: as_of in {zones[k]}, trades at the cut-off",
                (trades, as_of.tz_convert(zones[k])),
                req="late",
            )
        )
    return cases


ZSCORE_REQS = (
    Requirement(
        "history",
        "compare each trade with the same trader's trades booked in `[t - window, t)`: strictly "
        "earlier, never the trade itself, never a trade booked at the same instant",
        "rolling(window, on='booking_ts', closed='left') per trader",
    ),
    Requirement(
        "window",
        'the window is a span of time (`window`, e.g. `"1h"`), not a number of rows',
        "rolling('1h') on a time column, not rolling(3)",
    ),
    Requirement("group", "each trader has their own history", "group by trader_id before rolling"),
    Requirement(
        "stat",
        "z = (notional − mean) / std of that history, with the sample standard deviation (`ddof=1`, pandas' default)",
        "pandas' rolling std is the sample std (ddof=1); numpy's np.std is ddof=0",
    ),
    Requirement(
        "undefined",
        "fewer than 3 earlier trades in the window, or a std of 0, gives NaN (never inf)",
        "require count >= 3 and std > 0, else NaN",
    ),
    Requirement(
        "shape",
        "return a float Series aligned with the input's index and order (the input may be unsorted)",
        "sort a copy to compute, then return values aligned on the input's index",
    ),
)
_ZSCORE_TABLE = {
    "one trader, one hour window": "stat",
    "the trade itself is not part of its own history": "history",
    "two traders interleaved": "group",
    "the window is time, not a number of rows": "window",
    "same-instant trades do not see each other": "history",
    "unsorted input keeps its own index": "shape",
    "constant history: std 0 gives NaN, never inf": "undefined",
    "fewer than 3 earlier trades gives NaN": "undefined",
}


def zscore_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k, window in enumerate(["1h", "30min", "2h", "45min"]):
        n = int(rng.integers(10, 40))
        minutes = np.sort(rng.integers(0, 300, size=n))
        minutes[rng.random(n) < 0.1] = minutes[0]  # same-instant trades
        rows = [(str(rng.choice(["A", "B", "C"])), int(m), float(np.round(rng.lognormal(10, 1), 2))) for m in minutes]
        frame = _trades(rows, index=[int(i) for i in rng.choice(10_000, size=n, replace=False)])
        cases.append(
            Case(
                f"random trades {k + 1}: three traders, window {window}, unsorted",
                (frame.sample(frac=1.0, random_state=k), window),
                req="history",
            )
        )
    return cases


PIT_REQS = (
    Requirement(
        "known",
        "a feature row qualifies when `available_at <= event_timestamp` (inclusive): a value is "
        "invisible until it has arrived",
        "compare available_at (when we knew it), not event_ts",
    ),
    Requirement(
        "latest",
        "among the rows that qualify, the trader's latest `event_ts` wins (ties: the latest `available_at`)",
        "a late correction of an older event must not replace a newer value",
    ),
    Requirement(
        "left",
        "every entity row comes back (a left join), with NaN where nothing qualifies",
        "unknown traders and rows before any value get NaN",
    ),
    Requirement(
        "shape",
        "return `entity_df` with its rows, order, index and columns unchanged, plus `trades_today`",
        "merge_asof needs sorted input: sort a copy, then restore the entity frame's order and index",
    ),
)
_PIT_TABLE = {
    "latest value at or before each timestamp": "latest",
    "a late-arriving value is invisible until it arrives": "known",
    "available exactly at the timestamp counts": "known",
    "unknown trader keeps its row with NaN": "left",
    "nothing known yet gives NaN": "left",
    "entity order and index are kept": "shape",
    "a newer event beats a later-arriving older one": "latest",
}


def pit_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(4):
        n_f = int(rng.integers(5, 25))
        ev = rng.integers(0, 200, size=n_f)
        avail = ev + rng.choice([0, 0, 5, 30, 120], size=n_f)
        feats = _features(
            [
                (str(rng.choice(["T1", "T2", "T3"])), int(e), int(a), float(rng.integers(0, 50)))
                for e, a in zip(ev, avail)
            ]
        ).sample(frac=1.0, random_state=k)
        n_e = int(rng.integers(3, 15))
        at = rng.integers(-10, 330, size=n_e)
        at[: n_e // 3] = rng.choice(avail, size=n_e // 3)  # exactly when a value arrives
        ents = _entities(
            [(str(rng.choice(["T1", "T2", "T3", "T4"])), int(m)) for m in at],
            index=[int(i) for i in rng.choice(10_000, size=n_e, replace=False)],
        )
        cases.append(
            Case(
                f"random join {k + 1}: late and corrected values, unsorted",
                (ents, feats),
                compare=_same_frame_and_index,
                req="latest",
            )
        )
    return cases


def _first(cases: list[Case], *names: str) -> list[Case]:
    """The named cases first (structural and specific ones), then the rest in their order: the first failing case
    then names the requirement a mistake breaks rather than a broad case that every mistake trips."""
    head = [c for n in names for c in cases if c.name == n]
    return head + [c for c in cases if c.name not in names]


def _pit_cases() -> list[Case]:
    return with_requirements(_first(point_in_time_cases(), "entity order and index are kept"), _PIT_TABLE)


def _zscore_cases() -> list[Case]:
    cases = rolling_zscore_cases()
    broad = [c for c in cases if c.name == "one trader, one hour window"]
    neutral = Case(
        "unsorted input: the result keeps the input's index",
        (_trades([("A", 210, 4), ("B", 0, 1), ("A", 200, 3), ("B", 10, 2)], index=[40, 7, 99, 3]), "1h"),
        req="shape",
        hint="sort a copy to compute, then return values aligned on the input's index and order",
    )
    cases = _first(
        cases,
        "the trade itself is not part of its own history",
        "fewer than 3 earlier trades gives NaN",
        "constant history: std 0 gives NaN, never inf",
        "the window is time, not a number of rows",
        "same-instant trades do not see each other",
    )
    return with_requirements([neutral, *(c for c in cases if c not in broad), *broad], _ZSCORE_TABLE)


def _late_cases() -> list[Case]:
    blotter = _booked(
        [
            ("T9", "2026-03-02 08:00", "2026-03-02 15:00"),
            ("T1", "2026-03-02 09:00", "2026-03-02 09:05"),
            ("T5", "2026-03-02 10:00", "2026-03-02 16:00"),
            ("T7", "2026-03-02 11:00", "2026-03-02 17:00"),
        ]
    )
    order = Case(
        "late ids come back sorted, whatever the blotter's order",
        (blotter, pd.Timestamp("2026-03-02 12:00", tz="UTC")),
        expected=["T5", "T7", "T9"],
        req="shape",
        hint="return sorted(...): the blotter's row order is not an order anyone can rely on",
    )
    return [order, *with_requirements(late_arrival_cases(), _LATE_TABLE)]


# Graded hints (check.hint(id)): a nudge, then the trap the requirements name, then the key lines.
_HINTS = {
    "3.1": (
        "Two boolean masks on the blotter: executed at or before `as_of`, and booked after it; the "
        "late trades are the rows where both hold.",
        "Inclusive on execution (`exec_ts <= as_of`), strict on booking (`booking_ts > as_of`: a "
        "trade booked exactly at the cut-off was in the snapshot). Compare tz-aware Timestamps "
        "directly (07:00 in New York is 12:00 UTC), never their wall-clock text; a naive `as_of` "
        "raises: check `pd.Timestamp(as_of).tzinfo is None`, never `tz_localize` it.",
        "After refusing a naive `as_of`:\n"
        'late = (trades["exec_ts"] <= as_of) & (trades["booking_ts"] > as_of)\n'
        'return sorted(trades.loc[late, "trade_id"].astype(str))',
    ),
    "3.2": (
        "pandas does the windowing: on a copy sorted by trader and time, "
        '`.groupby("trader_id").rolling(window, on="booking_ts")["notional_usd"]` gives each trade\'s '
        "history, with `.mean()`, `.std()` and `.count()`.",
        "A rolling window is closed on the right by default, so it contains the trade itself: "
        'leakage. `closed="left"` makes it `[t - window, t)`, strictly earlier, which also leaves '
        'out same-instant trades. The window is a time span (`"1h"`), not `rolling(3)`; pandas\' '
        "`std` is already the sample std (ddof=1).",
        "The grouped result comes in the sorted copy's order: put it on that index, guard, and "
        "realign with the input:\n"
        'ordered = trades.sort_values(["trader_id", "booking_ts"], kind="stable")\n'
        'h = ordered.groupby("trader_id").rolling(window, on="booking_ts", '
        'closed="left")["notional_usd"]\n'
        "mean, std, count = (pd.Series(x.to_numpy(), index=ordered.index) for x in (h.mean(), "
        "h.std(), h.count()))\n"
        'z = ((ordered["notional_usd"] - mean) / std).where((count >= 3) & (std > 0))   # NaN, never '
        "inf\n"
        "return z.reindex(trades.index)",
    ),
    "3.3": (
        "For each entity row the candidates are that trader's feature rows with `available_at <= "
        "event_timestamp`; the answer is the candidate with the latest `event_ts`. "
        '`pd.merge_asof(..., by="trader_id")` matches on one time column only, which is why it is a '
        "start and not the whole answer.",
        "Filter on `available_at` (when the value was known), not `event_ts`; but among the rows "
        "known by then the latest *event* wins, so a late-arriving correction of an older event must "
        "not replace a newer value (merge_asof on `available_at` alone gets this wrong). An entity "
        "row with nothing known keeps its row, with NaN.",
        "A plain loop is clear and fast enough here; `assign` keeps the entity frame's rows, order "
        "and index:\n"
        'known = feature_df.sort_values(["trader_id", "event_ts", "available_at"])\n'
        "values = []\n"
        'for trader, at in zip(entity_df["trader_id"], entity_df["event_timestamp"]):\n'
        '    ok = known[(known["trader_id"] == trader) & (known["available_at"] <= at)]\n'
        '    values.append(ok["trades_today"].iloc[-1] if len(ok) else np.nan)\n'
        "return entity_df.assign(trades_today=values)",
    ),
}


EXERCISES = {
    "3.1": Exercise(
        "3.1",
        "Spot the late arrivals",
        LATE_REQS,
        cases=_late_cases,
        reference=late_arrivals,
        random_cases=late_random_cases,
        seed=301,
        structure_req="shape",
        hints=_HINTS["3.1"],
    ),
    "3.2": Exercise(
        "3.2",
        "Rolling z-score without leakage",
        ZSCORE_REQS,
        cases=_zscore_cases,
        reference=rolling_zscore,
        random_cases=zscore_random_cases,
        seed=302,
        structure_req="shape",
        hints=_HINTS["3.2"],
        solution=solution_rolling_zscore,
        fallback=rolling_zscore,  # later cells keep the library-backed reference
    ),
    "3.3": Exercise(
        "3.3",
        "Point-in-time join",
        PIT_REQS,
        cases=_pit_cases,
        reference=point_in_time_join,
        random_cases=pit_random_cases,
        seed=303,
        structure_req="shape",
        hints=_HINTS["3.3"],
        solution=solution_point_in_time_join,
        fallback=point_in_time_join,  # later cells keep the library-backed reference
    ),
}

# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def check_rolling_zscore(func: Callable[..., Any]) -> Any:
    """Exercise 3.2: run ``func(trades, window)`` against the leakage cases."""
    return EXERCISES["3.2"].check(func)


def check_point_in_time_join(func: Callable[..., Any]) -> Any:
    """Exercise 3.3: run ``func(entity_df, feature_df)`` against the point-in-time cases."""
    return EXERCISES["3.3"].check(func)


def check_late_arrivals(func: Callable[..., Any]) -> Any:
    """Exercise 3.1: run ``func(trades, as_of)`` against the late-arrival cases."""
    return EXERCISES["3.1"].check(func)


check = CheckBook(
    EXERCISES,
    rolling_zscore="3.2",
    point_in_time_join="3.3",
    late_arrivals="3.1",
)

__all__ = [
    "EXERCISES",
    "check",
    "check_late_arrivals",
    "check_point_in_time_join",
    "check_rolling_zscore",
    "late_arrivals",
    "point_in_time_join",
    "reference",
    "rolling_zscore",
]
