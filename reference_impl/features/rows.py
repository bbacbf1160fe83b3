"""Feature rows of a view: build them with the view's transformation and check them against its schema.

The offline store, the online store and the consistency check all call :func:`validate_rows`, so a
row that is wrong (missing column, naive timestamp, non-string key) is stopped at the first door.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from reference_impl.errors import FeatureStoreError
from reference_impl.features.spec import FeatureView
from reference_impl.features.transforms import require_columns


def validate_rows(view: FeatureView, rows: pd.DataFrame) -> pd.DataFrame:
    """Return ``rows`` restricted to the view's columns, typed as declared; raise naming what is wrong."""
    require_columns(rows, view.columns(), f"feature rows of view {view.name!r}")
    out = rows[view.columns()].copy()
    for key in view.join_keys:
        dtype = out[key].dtype
        if not (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)):
            raise FeatureStoreError(f"key column {key!r} of view {view.name!r} must be strings, got {dtype}")
        if out[key].isna().any():
            raise FeatureStoreError(f"key column {key!r} of view {view.name!r} has missing values")
        out[key] = out[key].astype(str)
    for col in ("event_ts", "available_at"):
        if not isinstance(out[col].dtype, pd.DatetimeTZDtype):
            raise FeatureStoreError(f"column {col!r} of view {view.name!r} must be tz-aware UTC timestamps, "
                                    f"got {out[col].dtype}")
        if out[col].isna().any():
            raise FeatureStoreError(f"column {col!r} of view {view.name!r} has missing timestamps")
        out[col] = out[col].dt.tz_convert("UTC").dt.as_unit("ns")
    for f in view.schema:
        if f.dtype == "float64":
            try:
                out[f.name] = out[f.name].astype("float64")
            except (TypeError, ValueError) as exc:
                raise FeatureStoreError(f"feature {f.name!r} of view {view.name!r} is not numeric: {exc}") from None
    return out.reset_index(drop=True)


def build_view_rows(view: FeatureView, data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Run the view's transformation on the dataset and validate the result."""
    return validate_rows(view, view.transformation(data))


__all__ = ["build_view_rows", "validate_rows"]
