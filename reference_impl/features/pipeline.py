"""Build every feature view from the dataset, write the offline store, materialise the online store.

One function, used by ``ibml features materialize``, notebooks and tests. Each view goes through the
same steps, all driven by its declaration: transformation -> validation -> atomic parquet write ->
incremental online upsert from the high-water mark (one SQLite transaction per view).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from reference_impl.features.definitions import FEATURE_VIEWS, get_view
from reference_impl.features.offline import OfflineStore
from reference_impl.features.online import MaterializeResult, OnlineStore
from reference_impl.features.rows import build_view_rows
from reference_impl.features.spec import FeatureView
from reference_impl.features.validation import require_columns, utc_ns


def data_as_of(data: Mapping[str, pd.DataFrame], view: FeatureView, end: pd.Timestamp | None) -> dict:
    """The dataset as it was known at ``end``: source rows created after it are dropped."""
    out = dict(data)
    if end is None:
        return out
    source = view.source
    table = data[source.table]
    column = source.created_timestamp or source.event_timestamp
    require_columns(table, (column,), f"table {source.table!r}")
    cut = pd.Timestamp(end).tz_convert("UTC").tz_localize(None).as_unit("ns").to_datetime64()
    out[source.table] = table[utc_ns(table[column], column) <= cut]
    return out


def materialize_features(
    data: Mapping[str, pd.DataFrame],
    offline: OfflineStore,
    online: OnlineStore,
    *,
    views: Sequence[str] | None = None,
    end: pd.Timestamp | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[MaterializeResult]:
    """Build, store offline and materialise online each view (all by default), as known at ``end``."""
    say = progress or (lambda _msg: None)
    chosen = [get_view(v) for v in views] if views else list(FEATURE_VIEWS.values())
    results = []
    for view in chosen:
        start = time.perf_counter()
        rows = build_view_rows(view, data_as_of(data, view, end))
        say(f"{view.name}: built {len(rows):,} rows")
        path = offline.write(view, rows)
        say(f"{view.name}: offline store {path.name} written")
        result = online.materialize(view, rows, end=end)
        mark = result.high_water_mark.isoformat() if result.high_water_mark is not None else "none"
        say(
            f"{view.name}: online store +{result.rows:,} rows ({result.keys:,} keys), high-water mark {mark} "
            f"in {time.perf_counter() - start:.1f}s"
        )
        results.append(result)
    return results


__all__ = ["data_as_of", "materialize_features"]
