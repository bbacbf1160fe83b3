"""The online store: the latest value per entity per view, in an embedded SQLite file.

Materialisation is incremental: each view has a *high-water mark* (the largest ``available_at`` already
copied). A run copies rows with ``high_water_mark < available_at <= end`` and moves the mark, in one
SQLite transaction — if anything fails, the previous rows *and* the previous mark stay exactly as they
were. Because the mark is on ``available_at`` (when a row became known), a late-arriving event (old
``event_ts``, new ``available_at``) is still picked up by the next run.

An upsert only replaces a stored row with a newer one (later ``event_ts``, then later ``available_at``),
the same order the point-in-time join uses, so the online value equals the offline point-in-time value.

TTL policy (deliberately unlike Feast, which ignores TTL online): a read at ``now`` returns nothing for
a row whose ``event_ts`` is older than ``now - ttl`` — a stale value served as if fresh is worse than a
visible gap, which the caller must handle (impute and record it, or fall back).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.errors import FeatureStoreError
from reference_impl.features.definitions import get_view
from reference_impl.features.rows import validate_rows
from reference_impl.features.spec import FeatureView
from reference_impl.workspace import Workspace, ensure_writable_dir, private_dir, private_file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feature_values (
    view TEXT NOT NULL, entity_key TEXT NOT NULL,
    event_ts INTEGER NOT NULL, available_at INTEGER NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (view, entity_key)
);
CREATE TABLE IF NOT EXISTS high_water_marks (
    view TEXT PRIMARY KEY, high_water_mark INTEGER NOT NULL, rows_written INTEGER NOT NULL
);
"""
_UPSERT = """
INSERT INTO feature_values (view, entity_key, event_ts, available_at, payload) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (view, entity_key) DO UPDATE SET
    event_ts = excluded.event_ts, available_at = excluded.available_at, payload = excluded.payload
WHERE (excluded.event_ts, excluded.available_at) >= (feature_values.event_ts, feature_values.available_at)
"""
#: Rows per executemany batch during materialisation.
CHUNK_ROWS = 5_000
#: Characters that separate the parts of a composite key on the command line ("BOOK|CP00001").
KEY_SEPARATOR = "|"


@dataclass(frozen=True)
class MaterializeResult:
    """What one materialisation run did (``rows`` copied, ``keys`` touched, the marks before and after)."""

    view: str
    rows: int
    keys: int
    previous_high_water_mark: pd.Timestamp | None
    high_water_mark: pd.Timestamp | None


def _ts(ns: int | None) -> pd.Timestamp | None:
    return None if ns is None else pd.Timestamp(int(ns), unit="ns", tz="UTC")


def _ns(value: pd.Timestamp | str | None, what: str) -> int | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        raise FeatureStoreError(f"{what} must be a tz-aware UTC timestamp, got naive {ts}")
    return int(ts.tz_convert("UTC").as_unit("ns").value)


def _required_ns(value: pd.Timestamp | str | None, what: str) -> int:
    ns = _ns(value, what)
    if ns is None:
        raise FeatureStoreError(f"{what} must be a tz-aware UTC timestamp, got None")
    return ns


def encode_key(view: FeatureView, key: object) -> str:
    """The stored key of one entity: the string itself, or ``a|b`` for a composite key."""
    parts: Sequence[object]
    if isinstance(key, str):
        parts = key.split(KEY_SEPARATOR) if len(view.join_keys) > 1 else [key]
    elif isinstance(key, (tuple, list)):
        parts = key
    else:
        raise FeatureStoreError(f"key for view {view.name!r} must be a string, got {type(key).__name__} {key!r}")
    if len(parts) != len(view.join_keys) or not all(isinstance(p, str) and p for p in parts):
        want = KEY_SEPARATOR.join(view.join_keys)
        raise FeatureStoreError(f"key {key!r} does not match view {view.name!r}'s key ({want}); use strings")
    return KEY_SEPARATOR.join(str(p) for p in parts)  # every part was checked to be a non-empty string


def _json_value(value: float) -> float | None:
    return None if value != value else value  # NaN -> null: JSON has no NaN


class OnlineStore:
    """Latest feature values per entity, in SQLite at ``path`` (``<IBML_HOME>/features/online.db``)."""

    def __init__(self, path: Path | str, *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout = timeout

    @classmethod
    def from_workspace(cls, workspace: Workspace | None = None) -> OnlineStore:
        ws = workspace or Workspace.from_env()
        return cls(ws.features_dir / "online.db")

    # ------------------------------------------------------------------ connections and errors

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        if not write and not self.path.exists():
            raise FeatureStoreError(f"online store {self.path} does not exist; run `ibml features materialize` first")
        if write:
            ensure_writable_dir(private_dir(self.path.parent))
            private_file(self.path)  # keyed by trader and counterparty: 0600, and so are its -wal/-shm
        conn = None
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            if write:
                conn.executescript(_SCHEMA)
            yield conn
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise FeatureStoreError(f"online store {self.path} is locked by another writer; retry later") from None
            raise FeatureStoreError(f"online store {self.path} cannot be used: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise FeatureStoreError(f"online store {self.path} is corrupt or not a SQLite database: {exc}") from None
        finally:
            if conn is not None:
                conn.close()

    # ------------------------------------------------------------------ materialisation

    def high_water_mark(self, view: FeatureView | str) -> pd.Timestamp | None:
        """The largest ``available_at`` already materialised for ``view`` (``None``: never)."""
        view = view if isinstance(view, FeatureView) else get_view(view)
        if not self.path.exists():
            return None
        with self._connect(write=False) as conn:
            try:
                row = conn.execute(
                    "SELECT high_water_mark FROM high_water_marks WHERE view = ?", (view.name,)
                ).fetchone()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return None
                raise
        return _ts(row[0]) if row else None

    def materialize(
        self, view: FeatureView | str, rows: pd.DataFrame, *, end: pd.Timestamp | None = None
    ) -> MaterializeResult:
        """Copy rows with ``high_water_mark < available_at <= end`` (latest per key) in one transaction."""
        view = view if isinstance(view, FeatureView) else get_view(view)
        rows = validate_rows(view, rows)
        event = rows["event_ts"].astype("int64").to_numpy()
        avail = np.maximum(rows["available_at"].astype("int64").to_numpy(), event)
        end_ns = _ns(end, "end") if end is not None else (int(avail.max()) if len(avail) else None)
        previous = self.high_water_mark(view)
        prev_ns = _ns(previous, "high-water mark")
        window = np.ones(len(rows), dtype=bool)
        if prev_ns is not None:
            window &= avail > prev_ns
        if end_ns is not None:
            window &= avail <= end_ns
        batch = rows[window].assign(_event=event[window], _avail=avail[window])
        # only the newest row per key can win the upsert: skip the rest before touching SQLite
        batch = batch.sort_values(["_event", "_avail"], kind="stable")
        batch = batch.drop_duplicates(list(view.join_keys), keep="last")
        new_mark = prev_ns if end_ns is None or (prev_ns is not None and end_ns <= prev_ns) else end_ns
        with self._connect(write=True) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for start in range(0, len(batch), CHUNK_ROWS):
                    self._write_chunk(conn, view, batch.iloc[start : start + CHUNK_ROWS])
                if new_mark is not None:
                    conn.execute(
                        "INSERT INTO high_water_marks (view, high_water_mark, rows_written) VALUES (?, ?, ?) "
                        "ON CONFLICT (view) DO UPDATE SET high_water_mark = excluded.high_water_mark, "
                        "rows_written = high_water_marks.rows_written + excluded.rows_written",
                        (view.name, new_mark, int(window.sum())),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return MaterializeResult(view.name, int(window.sum()), len(batch), previous, _ts(new_mark))

    def _write_chunk(self, conn: sqlite3.Connection, view: FeatureView, chunk: pd.DataFrame) -> None:
        keys = [chunk[k].astype(str).tolist() for k in view.join_keys]
        encoded = keys[0] if len(keys) == 1 else [KEY_SEPARATOR.join(parts) for parts in zip(*keys)]
        names = list(view.feature_names)
        columns = [
            [_json_value(v) for v in chunk[n].tolist()] if view.feature(n).dtype == "float64" else chunk[n].tolist()
            for n in names
        ]
        dumps = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
        records = [
            (view.name, key, ev, av, dumps(dict(zip(names, values))))
            for key, ev, av, values in zip(encoded, chunk["_event"].tolist(), chunk["_avail"].tolist(), zip(*columns))
        ]
        conn.executemany(_UPSERT, records)

    # ------------------------------------------------------------------ reads

    def read(
        self,
        view: FeatureView | str,
        keys: Sequence[object] | str,
        *,
        now: pd.Timestamp | Sequence[pd.Timestamp] | None = None,
        features: Sequence[str] | None = None,
    ) -> list[dict | None]:
        """The stored row for each key (``None`` when absent or older than the view's TTL at ``now``).

        Each row is a dict with the join keys, ``event_ts``, ``available_at`` and the features
        (missing floats are NaN). ``now`` defaults to the wall clock (UTC); a sequence gives each key
        its own "as of" time (one query for many events, each read as of its own booking time).
        """
        view = view if isinstance(view, FeatureView) else get_view(view)
        if isinstance(keys, (str, tuple)):
            keys = [keys]
        encoded = [encode_key(view, k) for k in keys]
        names = list(view.feature_names) if features is None else [view.feature(f).name for f in features]
        if now is None:
            now = pd.Timestamp.now(tz="UTC")
        if isinstance(now, (pd.Timestamp, str)) or not isinstance(now, Sequence):
            now_each = [_required_ns(now, "now")] * len(encoded)
        elif len(now) != len(encoded):
            raise FeatureStoreError(f"read got {len(now)} 'now' times for {len(encoded)} keys")
        else:
            now_each = [_required_ns(t, "now") for t in now]
        found: dict[str, tuple[int, int, str]] = {}
        with self._connect(write=False) as conn:
            for start in range(0, len(encoded), 500):
                part = encoded[start : start + 500]
                marks = ",".join("?" * len(part))
                try:
                    cursor = conn.execute(
                        f"SELECT entity_key, event_ts, available_at, payload FROM feature_values "
                        f"WHERE view = ? AND entity_key IN ({marks})",
                        (view.name, *part),
                    )
                except sqlite3.OperationalError as exc:
                    if "no such table" in str(exc):
                        raise FeatureStoreError(
                            f"online store {self.path} has no feature tables; run `ibml features materialize` first"
                        ) from None
                    raise
                for key, ev, av, payload in cursor:
                    found[key] = (ev, av, payload)
        ttl_ns = None if view.ttl is None else pd.Timedelta(view.ttl).value
        is_float = {n: view.feature(n).dtype == "float64" for n in names}
        out: list[dict | None] = []
        for key, now_ns in zip(encoded, now_each):
            hit = found.get(key)
            if hit is None or (ttl_ns is not None and hit[0] < now_ns - ttl_ns) or hit[1] > now_ns:
                out.append(None)
                continue
            payload = json.loads(hit[2])
            row: dict = dict(zip(view.join_keys, key.split(KEY_SEPARATOR)))
            row["event_ts"], row["available_at"] = _ts(hit[0]), _ts(hit[1])
            for n in names:
                value = payload.get(n)
                row[n] = (math.nan if value is None else float(value)) if is_float[n] else value
            out.append(row)
        return out

    def read_frame(
        self,
        view: FeatureView | str,
        keys: Sequence[object] | str,
        *,
        now: pd.Timestamp | None = None,
        features: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """:meth:`read` as a DataFrame, one row per requested key in order (nulls where nothing is served)."""
        view = view if isinstance(view, FeatureView) else get_view(view)
        if isinstance(keys, (str, tuple)):
            keys = [keys]
        names = list(view.feature_names) if features is None else [view.feature(f).name for f in features]
        rows = self.read(view, keys, now=now, features=names)
        records = []
        for key, row in zip(keys, rows):
            parts = encode_key(view, key).split(KEY_SEPARATOR)
            base: dict[str, Any] = dict(zip(view.join_keys, parts))
            if row is None:
                base.update({"event_ts": pd.NaT, "available_at": pd.NaT})
                base.update({n: (math.nan if view.feature(n).dtype == "float64" else None) for n in names})
            else:
                base.update(row)
            records.append(base)
        frame = pd.DataFrame.from_records(records, columns=[*view.join_keys, "event_ts", "available_at", *names])
        for col in ("event_ts", "available_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True)
        return frame


__all__ = ["CHUNK_ROWS", "KEY_SEPARATOR", "MaterializeResult", "OnlineStore", "encode_key"]
