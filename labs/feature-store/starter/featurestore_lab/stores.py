"""Milestone 3: an offline store (parquet, one file per view) and an online store (SQLite, latest per key).

Online materialisation is incremental: per view, a *high-water mark* is the largest ``available_at``
already copied; a run copies rows with ``mark < available_at <= end`` (``end`` defaults to the largest
``available_at`` given) and moves the mark, in one transaction. A stored row is replaced only by a row
with a later ``event_ts`` (ties: later ``available_at``) — the order the point-in-time join uses.
A read at ``now`` returns ``None`` for a key with no row, a row not yet available at ``now``, or a row
older than the view's TTL (``event_ts < now - ttl``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd


class OfflineStore:
    """Parquet files under ``root``, one per view: the history training sets are cut from."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def write(self, view: str, rows: pd.DataFrame) -> Path:
        """Replace the view's file with ``rows`` (validated: the view's columns, UTC timestamps)."""
        raise NotImplementedError("TODO m3: write a view's rows to parquet")

    def read(self, view: str) -> pd.DataFrame:
        """The view's rows as written; :class:`FeatureStoreError` naming the view if there is no file."""
        raise NotImplementedError("TODO m3: read a view's rows from parquet")


class OnlineStore:
    """The latest value per entity per view, in a SQLite file at ``path``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def materialize(self, view: str, rows: pd.DataFrame, *, end: pd.Timestamp | None = None) -> int:
        """Copy rows with ``high_water_mark < available_at <= end``; return how many rows were copied."""
        raise NotImplementedError("TODO m3: incremental materialisation")

    def high_water_mark(self, view: str) -> pd.Timestamp | None:
        """The largest ``available_at`` already materialised for ``view`` (``None``: never)."""
        raise NotImplementedError("TODO m3: the high-water mark")

    def read(self, view: str, keys: Sequence[str], *, now: pd.Timestamp) -> list[dict | None]:
        """Per key, a dict of the keys, ``event_ts``, ``available_at`` and the features, or ``None``."""
        raise NotImplementedError("TODO m3: online reads with TTL")
