"""Adapter: the reference parquet and SQLite stores (``reference_impl.features.offline`` / ``.online``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from featurestore_lab.errors import call
from featurestore_lab.views import reference_view

from reference_impl.features import OfflineStore as _Offline
from reference_impl.features import OnlineStore as _Online


class OfflineStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._store = _Offline(self.root)

    def write(self, view: str, rows: pd.DataFrame) -> Path:
        return call(self._store.write, reference_view(view), rows)

    def read(self, view: str) -> pd.DataFrame:
        return call(self._store.read, reference_view(view))


class OnlineStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._store = _Online(self.path)

    def materialize(self, view: str, rows: pd.DataFrame, *, end: pd.Timestamp | None = None) -> int:
        # BUG: the high-water mark advances on event time, so a late correction of an old close is never copied
        return call(
            self._store.materialize, reference_view(view), rows.assign(available_at=rows["event_ts"]), end=end
        ).rows

    def high_water_mark(self, view: str) -> pd.Timestamp | None:
        return call(self._store.high_water_mark, reference_view(view))

    def read(self, view: str, keys: Sequence[str], *, now: pd.Timestamp) -> list[dict | None]:
        return call(self._store.read, reference_view(view), list(keys), now=now)
