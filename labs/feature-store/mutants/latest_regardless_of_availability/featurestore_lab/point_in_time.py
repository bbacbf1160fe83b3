"""Adapter: :func:`reference_impl.features.point_in_time_join`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from featurestore_lab.errors import call

from reference_impl.features import point_in_time_join as _reference_join


def point_in_time_join(
    entity_df: pd.DataFrame,
    feature_df: pd.DataFrame,
    *,
    keys: Sequence[str],
    features: Sequence[str],
    entity_timestamp: str = "event_timestamp",
    ttl: pd.Timedelta | None = None,
) -> pd.DataFrame:
    # BUG: availability is ignored: the latest row by event time wins, even if it arrived after the entity time
    feature_df = feature_df.assign(available_at=feature_df["event_ts"])
    return call(
        _reference_join, entity_df, feature_df, keys=keys, features=features, entity_timestamp=entity_timestamp, ttl=ttl
    )
