"""Milestone 2: the point-in-time join (Feast semantics, plus an explicit availability guard).

For an entity row with key ``k`` and timestamp ``T``, a feature row of ``k`` qualifies when
``available_at <= T`` (we knew it) and, with a TTL, ``T - ttl <= event_ts`` (not too old, boundary
included). The winner is the qualifying row with the latest ``event_ts``; ties go to the latest
``available_at`` (a correction re-issued later wins). No qualifying row: nulls (a left join).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def point_in_time_join(
    entity_df: pd.DataFrame,
    feature_df: pd.DataFrame,
    *,
    keys: Sequence[str],
    features: Sequence[str],
    entity_timestamp: str = "event_timestamp",
    ttl: pd.Timedelta | None = None,
) -> pd.DataFrame:
    """``entity_df`` (same index, same order, same columns) plus ``features`` as known at each row's timestamp.

    ``feature_df`` has ``keys``, ``event_ts``, ``available_at`` and the features. Every timestamp must be
    tz-aware (compared in UTC): a naive one raises :class:`~featurestore_lab.errors.FeatureStoreError`
    naming the column; so does a missing column.
    """
    raise NotImplementedError("TODO m2: the point-in-time join")
