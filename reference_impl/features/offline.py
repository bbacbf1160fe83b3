"""The offline store: one parquet file per feature view, the history that training sets are cut from.

Writes are atomic (a temporary sibling renamed into place), so a failed build leaves the previous
file untouched. Reads validate against the view's declaration. :func:`get_historical_features` is the
training-set builder: a point-in-time join of an entity frame against one or more views.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from reference_impl.errors import FeatureStoreError
from reference_impl.features.definitions import get_view
from reference_impl.features.point_in_time import point_in_time_join
from reference_impl.features.rows import validate_rows
from reference_impl.features.spec import FeatureView
from reference_impl.workspace import Workspace, atomic_write


def _as_view(view: FeatureView | str) -> FeatureView:
    return view if isinstance(view, FeatureView) else get_view(view)


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Column-by-column conversion (UTC timestamps kept tz-aware, strings as strings, floats as float64)."""
    arrays = {}
    for name in frame.columns:
        col = frame[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            arrays[name] = pa.array(
                col.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]"), type=pa.timestamp("ns", tz="UTC")
            )
        elif pd.api.types.is_float_dtype(col.dtype):
            arrays[name] = pa.array(col.to_numpy(dtype="float64"), type=pa.float64())
        else:
            arrays[name] = pa.array([None if pd.isna(v) else str(v) for v in col.tolist()], type=pa.string())
    return pa.table(arrays)


class OfflineStore:
    """Parquet files under ``root`` (``<IBML_HOME>/features/offline`` by default), one per view."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @classmethod
    def from_workspace(cls, workspace: Workspace | None = None) -> OfflineStore:
        ws = workspace or Workspace.from_env()
        return cls(ws.features_dir / "offline")

    def path(self, view: FeatureView | str) -> Path:
        return self.root / f"{_as_view(view).name}.parquet"

    def write(self, view: FeatureView | str, rows: pd.DataFrame) -> Path:
        """Validate ``rows`` against the view and replace its parquet file atomically."""
        view = _as_view(view)
        rows = validate_rows(view, rows)
        for f in view.schema:
            if f.dtype == "json":
                rows[f.name] = [json.dumps(v, separators=(",", ":")) for v in rows[f.name]]
        table = _to_arrow(rows)
        path = self.path(view)
        with atomic_write(path, private=True) as fh:  # trader and counterparty ids
            pq.write_table(table, fh)
        return path

    def read(self, view: FeatureView | str) -> pd.DataFrame:
        """The view's rows; :class:`FeatureStoreError` naming the file if it is missing or unreadable."""
        view = _as_view(view)
        path = self.path(view)
        if not path.exists():
            raise FeatureStoreError(
                f"offline store has no data for view {view.name!r} ({path}); run `ibml features materialize` first"
            )
        try:
            rows = pq.read_table(path).to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise FeatureStoreError(f"offline store file {path} is unreadable: {exc}") from None
        for f in view.schema:
            if f.dtype == "json" and f.name in rows.columns:
                rows[f.name] = [json.loads(v) for v in rows[f.name]]
        return validate_rows(view, rows)

    def exists(self, view: FeatureView | str) -> bool:
        return self.path(view).exists()


def parse_feature_refs(refs: Sequence[str]) -> dict[str, list[str]]:
    """``["view", "view:feature", ...]`` to ``{view: [features]}``; unknown names raise, naming them."""
    if isinstance(refs, str):
        refs = [refs]
    wanted: dict[str, list[str]] = {}
    for ref in refs:
        name, _, feature = str(ref).partition(":")
        view = get_view(name)
        chosen = wanted.setdefault(view.name, [])
        names = [view.feature(feature).name] if feature else list(view.feature_names)
        chosen.extend(n for n in names if n not in chosen)
    if not wanted:
        raise FeatureStoreError("no feature views requested")
    return wanted


def get_historical_features(
    entity_df: pd.DataFrame,
    features: Sequence[str],
    source: OfflineStore | Mapping[str, pd.DataFrame],
    *,
    entity_timestamp: str = "event_timestamp",
    full_feature_names: bool = False,
) -> pd.DataFrame:
    """A point-in-time correct training frame: ``entity_df`` plus the requested features as of each row.

    Parameters
    ----------
    entity_df : DataFrame
        The join keys of every requested view and ``entity_timestamp`` (tz-aware).
    features : sequence of str
        ``"view"`` (all its features) or ``"view:feature"`` references.
    source : OfflineStore or mapping of view name to feature rows
        Where the feature rows come from (a mapping is handy in notebooks and tests).
    full_feature_names : bool
        Name columns ``view__feature`` (needed when two views share a feature name).
    """
    out = entity_df
    for name, names in parse_feature_refs(features).items():
        view = get_view(name)
        if view.snapshot:
            raise FeatureStoreError(
                f"view {view.name!r} is a serving snapshot (latest state only) and "
                "cannot build training sets; use its history view instead"
            )
        if isinstance(source, OfflineStore):
            rows = source.read(view)
        else:
            if name not in source:
                raise FeatureStoreError(f"no feature rows given for view {name!r}")
            rows = validate_rows(view, source[name])
        if full_feature_names:
            rows = rows.rename(columns={n: f"{name}__{n}" for n in names})
            names = [f"{name}__{n}" for n in names]
        out = point_in_time_join(
            out, rows, keys=view.join_keys, features=names, entity_timestamp=entity_timestamp, ttl=view.ttl
        )
    return out


__all__ = ["OfflineStore", "get_historical_features", "parse_feature_refs"]
