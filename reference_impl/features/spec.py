"""The building blocks of a feature declaration: entity, source, field and feature view.

These are the types; :mod:`reference_impl.features.definitions` holds the declarations themselves
(Feast keeps the same split: the library gives you ``Entity``/``FeatureView``, your repo declares them).
One declaration drives every path — training-set joins, materialisation and online reads read the
keys, timestamps, TTL and schema from here, so there is no second copy of that logic to drift.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from reference_impl.errors import FeatureStoreError

#: Value types a feature may have. ``json`` holds small lists/dicts (stored as text in SQLite/parquet).
FeatureType = Literal["float64", "string", "timestamp", "json"]

#: A transformation turns the loaded dataset (``trades``, reference tables, ``prices``) into feature rows.
Transformation = Callable[[Mapping[str, pd.DataFrame]], pd.DataFrame]


@dataclass(frozen=True)
class Entity:
    """The business object a feature describes, identified by one or more join keys (all strings)."""

    name: str
    join_keys: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Source:
    """Where rows come from and which columns say *when* each fact happened and became known.

    ``event_timestamp`` is business time (the trade executed); ``created_timestamp`` is when the
    row became available to us (the trade was booked). The gap between them is what makes an event
    "late-arriving", and only the second one may be compared with the time of a prediction.
    """

    name: str
    table: str
    event_timestamp: str
    created_timestamp: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Field:
    """One typed column of a feature view."""

    name: str
    dtype: FeatureType = "float64"
    description: str = ""


@dataclass(frozen=True)
class FeatureView:
    """A named, typed group of features for one entity, with its timestamps, TTL and transformation.

    Feature rows produced by ``transformation`` carry the entity's join keys, ``event_ts`` (when the
    value was true) and ``available_at`` (when it could first be read), plus one column per field.
    ``ttl`` bounds how old (by ``event_ts``) a value may be and still be served; ``None`` means forever.
    ``snapshot`` views keep only the latest row per entity (serving state, not a training history)
    and are refused by point-in-time joins.
    """

    name: str
    entity: Entity
    source: Source
    schema: tuple[Field, ...]
    transformation: Transformation
    ttl: pd.Timedelta | None = None
    owner: str = ""
    description: str = ""
    snapshot: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def join_keys(self) -> tuple[str, ...]:
        return self.entity.join_keys

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.schema)

    def feature(self, name: str) -> Field:
        """The field called ``name``; :class:`FeatureStoreError` naming the view if there is none."""
        for f in self.schema:
            if f.name == name:
                return f
        raise FeatureStoreError(
            f"feature view {self.name!r} has no feature {name!r}; known: {', '.join(self.feature_names)}"
        )

    def columns(self) -> list[str]:
        """Column order of this view's feature rows (keys, timestamps, features)."""
        return [*self.join_keys, "event_ts", "available_at", *self.feature_names]


__all__ = ["Entity", "FeatureType", "FeatureView", "Field", "Source", "Transformation"]
