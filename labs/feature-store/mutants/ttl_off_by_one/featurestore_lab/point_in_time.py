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
    # BUG: the TTL boundary is exclusive (a value exactly ttl old is dropped): event_ts > T - ttl
    if ttl is not None:
        ttl = pd.Timedelta(ttl) - pd.Timedelta(1, "ns")
    return call(
        _reference_join, entity_df, feature_df, keys=keys, features=features, entity_timestamp=entity_timestamp, ttl=ttl
    )
