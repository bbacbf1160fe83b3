"""Features for one business day, from a week of trades plus the counterparty-pair history: what batch scoring runs.

Rolling trader windows look back at most :data:`~reference_impl.features.columns.MAX_WINDOW` (7 days),
so the features of the trades booked on day D need only the trades booked from 00:00 of D-7
(:func:`lookback_days`). The (book, counterparty) count looks back over *all* history, so it is not
recomputed from raw trades: it comes from the ``counterparty_pair`` feature history
(:func:`pair_history_rows`) through :func:`~reference_impl.features.point_in_time.point_in_time_join`,
as of just before each trade's booking (:func:`prior_pair_counts`) — exactly what the online store
hands the service at request time.

Every function is a pure function of frames built from the transforms in
:mod:`~reference_impl.features.transforms`; it runs on whole frames (the pandas engine) or on one
desk's trades inside Spark's ``groupBy("desk").cogroup(...).applyInPandas`` (a desk holds whole
traders and whole (book, counterparty) pairs, so every window stays correct). Inputs go through
:func:`~reference_impl.features.events.normalise_events` first (Spark hands timestamps over naive).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from reference_impl.features.columns import (
    CONTEXT_FEATURES,
    FEATURE_COLUMNS,
    MAX_WINDOW,
    MODEL_FEATURES,
    TIMESTAMP_COLUMNS,
    TRADE_COLUMNS,
)
from reference_impl.features.events import normalise_events
from reference_impl.features.point_in_time import point_in_time_join
from reference_impl.features.rows import counterparty_pair_rows
from reference_impl.features.transforms import (
    assemble_trade_features,
    duplicate_and_wash_counts,
    reference_price_at_exec,
    trader_rolling_features,
)

#: Columns the day's features read from each trade event.
FEATURE_INPUT_COLUMNS: tuple[str, ...] = TRADE_COLUMNS
#: Columns the counterparty-pair history is built from.
PAIR_INPUT_COLUMNS: tuple[str, ...] = ("desk", "book", "counterparty_id", "booking_ts")
#: Columns of the counterparty-pair feature history (the ``counterparty_pair`` view rows plus desk).
PAIR_COLUMNS: tuple[str, ...] = ("desk", "book", "counterparty_id", "event_ts", "available_at", "trades_to_date")
_ONE_NS = pd.Timedelta(1, "ns")


def day_bounds(day: dt.date) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[00:00 UTC of day, 00:00 UTC of the next day)``.

    >>> [t.isoformat() for t in day_bounds(dt.date(2026, 1, 5))]
    ['2026-01-05T00:00:00+00:00', '2026-01-06T00:00:00+00:00']
    """
    start = pd.Timestamp(day).tz_localize("UTC")
    return start, start + pd.Timedelta(days=1)


def lookback_days(day: dt.date, window: pd.Timedelta = MAX_WINDOW) -> list[dt.date]:
    """The booking dates whose trades the rolling windows of day ``day`` can reach, oldest first.

    A trade booked at ``t`` on day D looks at ``[t - window, t)``, which starts no earlier than
    00:00 of D - window.

    >>> [d.day for d in lookback_days(dt.date(2026, 1, 10), pd.Timedelta(days=2))]
    [8, 9, 10]
    """
    n = int(np.ceil(window / pd.Timedelta(days=1)))
    return [day - dt.timedelta(days=k) for k in range(n, -1, -1)]


def pair_history_rows(trades: pd.DataFrame) -> pd.DataFrame:
    """The ``counterparty_pair`` feature history of some trades, with each pair's desk.

    Runs on the whole history (pandas) or on one desk's trades (Spark): a (book, counterparty)
    pair lives in one book, a book in one desk.
    """
    trades = normalise_events(trades)
    if len(trades) == 0:
        return _empty(PAIR_COLUMNS)
    rows = counterparty_pair_rows(trades)
    desk_of_book = dict(zip(trades["book"].astype(str), trades["desk"].astype(str)))
    rows.insert(0, "desk", rows["book"].map(desk_of_book).astype(str))
    return rows[list(PAIR_COLUMNS)].reset_index(drop=True)


def prior_pair_counts(events: pd.DataFrame, pair_rows: pd.DataFrame) -> pd.Series:
    """For each event, how many events of its (book, counterparty) were booked strictly before it.

    A point-in-time join of the pair history as of one nanosecond before each booking (the join
    takes rows known *at or before* its timestamp; the pair's own instant must not count). Never
    seen -> 0.
    """
    if len(events) == 0:
        return pd.Series(dtype="float64", index=events.index, name="counterparty_prior_trades")
    entity = pd.DataFrame(
        {
            "book": events["book"].astype(str).to_numpy(),
            "counterparty_id": events["counterparty_id"].astype(str).to_numpy(),
            "as_of": events["booking_ts"].to_numpy(),
        },
        index=events.index,
    )
    entity["as_of"] = pd.to_datetime(entity["as_of"], utc=True) - _ONE_NS
    history = normalise_events(pair_rows) if len(pair_rows) else _empty(PAIR_COLUMNS)
    history = history.assign(book=history["book"].astype(str), counterparty_id=history["counterparty_id"].astype(str))
    joined = point_in_time_join(
        entity,
        history[["book", "counterparty_id", "event_ts", "available_at", "trades_to_date"]],
        keys=["book", "counterparty_id"],
        features=["trades_to_date"],
        entity_timestamp="as_of",
    )
    return joined["trades_to_date"].fillna(0.0).astype("float64").rename("counterparty_prior_trades")


def features_for_day(
    trades: pd.DataFrame,
    pair_rows: pd.DataFrame,
    *,
    ref: Mapping[str, pd.DataFrame],
    prices: pd.DataFrame,
    day: dt.date,
) -> pd.DataFrame:
    """Feature rows of the trades booked on ``day``, from trades of the lookback window and pair history.

    ``trades`` must hold whole traders and whole (book, counterparty) pairs — all trades, or one
    desk's — booked from 00:00 of D-7 to the end of D. This is
    :func:`~reference_impl.features.build_trade_features` with one change: the (book, counterparty)
    count comes from the pair history (:func:`prior_pair_counts`) instead of the frame, because the
    frame holds only a week. Output rows are sorted by ``trade_id``.
    """
    trades = normalise_events(trades).reset_index(drop=True)
    if len(trades) == 0:
        return _empty(FEATURE_COLUMNS)
    start, end = day_bounds(day)
    today = ((trades["booking_ts"] >= start) & (trades["booking_ts"] < end)).to_numpy()
    if not today.any():
        return _empty(FEATURE_COLUMNS)
    rolling = trader_rolling_features(trades).loc[today]
    patterns = duplicate_and_wash_counts(trades).loc[today]
    events = trades.loc[today]
    prior = prior_pair_counts(events, pair_rows)
    reference = reference_price_at_exec(events, prices)
    features = assemble_trade_features(events, ref, reference, prior, rolling, patterns)
    return features.sort_values("trade_id", kind="stable").reset_index(drop=True)[list(FEATURE_COLUMNS)]


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    out = {}
    for col in columns:
        if col in TIMESTAMP_COLUMNS:
            out[col] = pd.Series(dtype="datetime64[us, UTC]")
        elif col in (*MODEL_FEATURES, *CONTEXT_FEATURES, "trades_to_date"):
            out[col] = pd.Series(dtype="float64")
        else:
            out[col] = pd.Series(dtype="object")
    return pd.DataFrame(out)


__all__ = [
    "FEATURE_INPUT_COLUMNS",
    "PAIR_COLUMNS",
    "PAIR_INPUT_COLUMNS",
    "day_bounds",
    "features_for_day",
    "lookback_days",
    "pair_history_rows",
    "prior_pair_counts",
]
