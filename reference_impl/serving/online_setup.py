"""Build the default :class:`~reference_impl.serving.online.OnlineFeatureSource` from the workspace.

Reference tables and recent prices come from the generated dataset (``<IBML_HOME>/data/*.parquet``),
trader and counterparty state from the online store (``<IBML_HOME>/features/online.db``). A missing
online store is not fatal (see the degraded mode in :mod:`reference_impl.serving.online`); missing
reference data is, because without desk hours and limits no rule can be evaluated.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reference_impl.errors import ConfigError
from reference_impl.serving.online import OnlineFeatureSource
from reference_impl.serving.settings import ServiceSettings

_REF_TABLES = ("desks", "calendar", "fx_rates", "instruments")
#: Only this much recent price history is kept in memory for request-time reference prices: a week, so
#: replaying an earlier day's events still finds the prices they were traded against (2 days did not).
PRICE_LOOKBACK = pd.Timedelta("7D")


def _read(data_dir: Path, name: str) -> pd.DataFrame | None:
    path = data_dir / f"{name}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def open_workspace_feature_source(settings: ServiceSettings) -> OnlineFeatureSource:
    from reference_impl.features import OnlineStore

    ws = settings.workspace
    ref = {name: frame for name in _REF_TABLES if (frame := _read(ws.data_dir, name)) is not None}
    if "desks" not in ref:
        raise ConfigError(f"no reference data in {ws.data_dir}: run `ibml data generate` first")
    prices = _read(ws.data_dir, "prices")
    if prices is not None and len(prices):
        prices = prices[prices["ts"] >= prices["ts"].max() - PRICE_LOOKBACK]
    store = OnlineStore.from_workspace(ws)
    error = None if store.path.exists() else f"online store {store.path.name} does not exist (run `ibml features materialize`)"
    return OnlineFeatureSource(store, ref, prices, store_error=error)


__all__ = ["PRICE_LOOKBACK", "open_workspace_feature_source"]
