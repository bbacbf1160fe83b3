"""What a day's batch scoring reads: the date-partitioned trade event store and the plan of one day.

``ibml batch ingest`` lays the dataset's trades out by UTC booking date (:func:`ingest_trades`);
:func:`plan_day` checks that day D can be scored and gathers what an engine needs — the partitions of
the 7-day lookback (rolling windows), every partition up to D (counterparty-pair history), reference
tables and the day's prices. Both engines read their inputs from here; nothing here computes a feature.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reference_impl.errors import ConfigError, DataValidationError
from reference_impl.features.columns import MAX_PRICE_AGE
from reference_impl.features.day import FEATURE_INPUT_COLUMNS, day_bounds, lookback_days
from reference_impl.workspace import Workspace, atomic_dir

#: Hive-style partition column of the trade event store (UTC booking date).
PARTITION = "booking_date"
#: Label columns of generated trades: a scoring job must never see them.
LABEL_COLUMNS: tuple[str, ...] = ("is_anomaly", "anomaly_type")


# --------------------------------------------------------------------------- days and paths


def parse_day(value: str | dt.date) -> dt.date:
    """A business date from ``YYYY-MM-DD`` (a ``date`` passes through); ConfigError otherwise.

    >>> parse_day("2026-01-05")
    datetime.date(2026, 1, 5)
    """
    if isinstance(value, dt.datetime):
        raise ConfigError(f"--date must be a date (YYYY-MM-DD), got the timestamp {value.isoformat()}")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"--date must be YYYY-MM-DD, got {value!r}") from None


def trade_store_dir(workspace: Workspace) -> Path:
    """The date-partitioned trade event store ``<IBML_HOME>/batch/trades``."""
    return workspace.root / "batch" / "trades"


def partition_dir(store: Path, day: dt.date) -> Path:
    return Path(store) / f"{PARTITION}={day.isoformat()}"


def list_partitions(store: Path) -> list[dt.date]:
    """Booking dates present in the store, oldest first (directories without parquet files are ignored)."""
    store = Path(store)
    if not store.is_dir():
        return []
    out = []
    for child in store.iterdir():
        name, sep, value = child.name.partition("=")
        if sep and name == PARTITION and child.is_dir() and any(child.glob("*.parquet")):
            try:
                out.append(dt.date.fromisoformat(value))
            except ValueError:
                continue
    return sorted(out)


# --------------------------------------------------------------------------- the trade event store


@dataclass(frozen=True)
class IngestResult:
    """What :func:`ingest_trades` wrote."""

    store: Path
    days: int
    rows: int
    first_day: dt.date | None
    last_day: dt.date | None


def ingest_trades(trades: pd.DataFrame, store: Path) -> IngestResult:
    """Write trade events into a store partitioned by UTC booking date (replaces the store as a whole).

    Why a separate store: trade capture lands one file per business day, and both engines read
    just the partitions a day needs. Timestamps are stored in microseconds (the data's precision;
    Spark cannot read nanosecond parquet timestamps); label columns are dropped.
    """
    from reference_impl.data.io import write_table

    missing = [c for c in FEATURE_INPUT_COLUMNS if c not in trades.columns]
    if missing:
        raise DataValidationError(f"trades is missing column(s): {', '.join(missing)}")
    frame = trades.drop(columns=[c for c in LABEL_COLUMNS if c in trades.columns])
    for col in ("exec_ts", "booking_ts"):
        if not isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            raise DataValidationError(f"trades column {col!r} must hold tz-aware UTC timestamps")
        ns = frame[col].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64)
        if (ns % 1000 != 0).any():
            raise DataValidationError(
                f"trades column {col!r} has sub-microsecond timestamps; the store keeps microseconds"
            )
        frame[col] = frame[col].dt.tz_convert("UTC").dt.as_unit("us")
    days = frame["booking_ts"].dt.floor("D").dt.date
    with atomic_dir(store) as tmp:
        for day, part in frame.groupby(days.to_numpy(), sort=True):
            target = partition_dir(tmp, day)
            target.mkdir()
            write_table(part.reset_index(drop=True), target / "part-00000.parquet")
    unique = sorted(set(days))
    return IngestResult(
        store=Path(store),
        days=len(unique),
        rows=len(frame),
        first_day=unique[0] if unique else None,
        last_day=unique[-1] if unique else None,
    )


def read_partitions(paths: Sequence[Path], columns: Sequence[str]) -> pd.DataFrame:
    """Read the parquet files of the given partition directories into one frame (pandas engine)."""
    files = [f for p in paths for f in sorted(Path(p).glob("*.parquet"))]
    if not files:
        raise DataValidationError(f"no parquet files under {', '.join(str(p) for p in paths)}")
    frames = [pd.read_parquet(f, columns=list(columns)) for f in files]
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- inputs of one day


@dataclass(frozen=True)
class DayInputs:
    """Everything an engine needs to score day ``day``; small frames are held, large ones are paths."""

    day: dt.date
    store: Path
    window_paths: tuple[Path, ...]  # partitions D-7 .. D that exist: rolling windows
    history_paths: tuple[Path, ...]  # every partition up to D: counterparty-pair history
    ref: Mapping[str, pd.DataFrame]  # desks, calendar, counterparties
    prices: pd.DataFrame  # reference prices covering day D's execution times
    rows_on_day: int


def plan_day(day: dt.date, store: Path, data_dir: Path | None = None) -> DayInputs:
    """Check that day ``day`` can be scored and gather its inputs; nothing is written.

    Raises
    ------
    DataValidationError
        The store or the day's partition is missing or empty.
    """
    from reference_impl.data.io import Manifest, load_dataset, read_table

    store = Path(store)
    available = list_partitions(store)
    if not available:
        raise DataValidationError(f"no trade event store at {store}; run `ibml batch ingest` first")
    here = partition_dir(store, day)
    if day not in available:
        raise DataValidationError(
            f"no trade partition {here.name} in {store} (partitions cover {available[0]} .. {available[-1]})"
        )
    day_exec = read_partitions([here], ["exec_ts"])["exec_ts"]
    if day_exec.empty:
        raise DataValidationError(f"trade partition {here} holds no events")
    data = Path(data_dir) if data_dir is not None else Workspace.from_env().data_dir
    ref = load_dataset(data, tables=["desks", "calendar", "counterparties"])
    manifest = Manifest.read(data)
    start, end = day_bounds(day)
    lo = day_exec.min() - MAX_PRICE_AGE
    prices = read_table(data / manifest.files["prices"]["file"])
    prices = prices[(prices["ts"] >= lo) & (prices["ts"] < end)].reset_index(drop=True)
    wanted = set(lookback_days(day))
    return DayInputs(
        day=day,
        store=store,
        window_paths=tuple(partition_dir(store, d) for d in available if d in wanted),
        history_paths=tuple(partition_dir(store, d) for d in available if d <= day),
        ref=ref,
        prices=prices,
        rows_on_day=len(day_exec),
    )


__all__ = [
    "DayInputs",
    "IngestResult",
    "LABEL_COLUMNS",
    "PARTITION",
    "ingest_trades",
    "list_partitions",
    "parse_day",
    "partition_dir",
    "plan_day",
    "read_partitions",
    "trade_store_dir",
]
