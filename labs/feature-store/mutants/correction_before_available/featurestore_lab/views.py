"""Adapter: the lab's declarations read from ``reference_impl.features.definitions`` (the one source)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from featurestore_lab.errors import FeatureStoreError, call

from reference_impl.features import CREDIT_FEATURE_VIEWS, build_view_rows

VIEW_NAMES: tuple[str, ...] = tuple(CREDIT_FEATURE_VIEWS)


@dataclass(frozen=True)
class ViewSpec:
    """One feature view's declaration."""

    name: str
    keys: tuple[str, ...]
    features: tuple[str, ...]
    source_table: str
    event_timestamp: str
    created_timestamp: str
    ttl: pd.Timedelta | None
    owner: str
    description: str = ""

    def columns(self) -> list[str]:
        return [*self.keys, "event_ts", "available_at", *self.features]


def credit_views() -> dict[str, ViewSpec]:
    return {
        name: ViewSpec(
            name=v.name,
            keys=v.join_keys,
            features=v.feature_names,
            source_table=v.source.table,
            event_timestamp=v.source.event_timestamp,
            created_timestamp=v.source.created_timestamp or v.source.event_timestamp,
            ttl=v.ttl,
            owner=v.owner,
            description=v.description,
        )
        for name, v in CREDIT_FEATURE_VIEWS.items()
    }


def reference_view(name: str):
    if name not in CREDIT_FEATURE_VIEWS:
        raise FeatureStoreError(f"unknown feature view {name!r}; known: {', '.join(CREDIT_FEATURE_VIEWS)}")
    return CREDIT_FEATURE_VIEWS[name]


def view_rows(name: str, data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    rows = call(build_view_rows, reference_view(name), data)
    # BUG: every version is treated as known at the close it values, so a correction is used before it arrived
    return rows.assign(available_at=rows["event_ts"])
