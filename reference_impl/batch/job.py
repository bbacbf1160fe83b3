"""The daily batch-scoring job, independent of the engine that runs it.

One business day D of trade events goes through four steps::

    trade event store ──► features for day D ──► @champion model ──► decisions parquet + audit record
    (booking_date=...)     (same feature code)     (MLflow pyfunc)     (<IBML_HOME>/batch/decisions/date=D)

**Where the history comes from.** Rolling trader windows look back at most
:data:`~reference_impl.features.transforms.MAX_WINDOW` (7 days), so the job reads the partitions
D-7 … D, computes features on all of them and keeps day D's rows. The (book, counterparty) count
looks back over *all* history, so it is not recomputed from raw trades per row: it comes from the
``counterparty_pair`` feature history (``trades_to_date`` per pair and booking instant) through the
feature layer's own :func:`~reference_impl.features.point_in_time_join`, as of just before each
trade's booking — exactly what the online store hands the service at request time.

**No second implementation.** Every function here composes the pure transforms of
:mod:`reference_impl.features.transforms`; the pandas engine calls them on whole frames, the Spark
engine calls the *same* functions per desk inside ``groupBy("desk").cogroup(...).applyInPandas``
(a desk holds whole traders and whole (book, counterparty) pairs, so every window stays correct).
Both engines score through the registered model's pyfunc, so decisions are identical.

**Nothing half-written.** Output goes to a temporary directory that is renamed into place only
after the audit record is written; any failure leaves neither output nor a partial directory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from reference_impl.errors import ConfigError, DataValidationError, RegistryError
from reference_impl.features.point_in_time import point_in_time_join
from reference_impl.features.transforms import (
    CONTEXT_FEATURES,
    KEY_COLUMNS,
    MAX_PRICE_AGE,
    MAX_WINDOW,
    MODEL_FEATURES,
    TRADE_COLUMNS,
    assemble_trade_features,
    counterparty_pair_rows,
    duplicate_and_wash_counts,
    reference_price_at_exec,
    trader_rolling_features,
)
from reference_impl.workspace import Workspace, atomic_dir

ENGINES: tuple[str, ...] = ("pandas", "spark")
DEFAULT_MODEL = "trade-anomaly"
DEFAULT_ALIAS = "champion"
#: Hive-style partition column of the trade event store (UTC booking date).
PARTITION = "booking_date"
#: Label columns of generated trades: a scoring job must never see them.
LABEL_COLUMNS: tuple[str, ...] = ("is_anomaly", "anomaly_type")
#: Columns the features read from each trade event.
FEATURE_INPUT_COLUMNS: tuple[str, ...] = TRADE_COLUMNS
#: Columns the counterparty-pair history is built from.
PAIR_INPUT_COLUMNS: tuple[str, ...] = ("desk", "book", "counterparty_id", "booking_ts")
#: Columns of the counterparty-pair feature history (the ``counterparty_pair`` view rows plus desk).
PAIR_COLUMNS: tuple[str, ...] = ("desk", "book", "counterparty_id", "event_ts", "available_at", "trades_to_date")
#: Columns of the feature frame (what ``build_trade_features`` returns).
FEATURE_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, *MODEL_FEATURES, *CONTEXT_FEATURES)
#: Columns of the decisions parquet, in order.
DECISION_COLUMNS: tuple[str, ...] = ("trade_id", "desk", "booking_ts", "score", "threshold", "flagged",
                                     "reason_codes", "fallback_used", "model_name", "model_version",
                                     "ruleset_version")
#: What the detector's pyfunc returns per row (``reference_impl.lifecycle.pyfunc.predict_frame``).
MODEL_OUTPUT_COLUMNS: tuple[str, ...] = ("trade_id", "score", "threshold", "flagged", "reason_codes", "fallback_used")
_TIMESTAMPS = ("exec_ts", "booking_ts", "event_ts", "available_at")
_ONE_NS = pd.Timedelta(1, "ns")


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


def day_bounds(day: dt.date) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[00:00 UTC of day, 00:00 UTC of the next day)``.

    >>> [t.isoformat() for t in day_bounds(dt.date(2026, 1, 5))]
    ['2026-01-05T00:00:00+00:00', '2026-01-06T00:00:00+00:00']
    """
    start = pd.Timestamp(day).tz_localize("UTC")
    return start, start + pd.Timedelta(days=1)


def lookback_days(day: dt.date, window: pd.Timedelta = MAX_WINDOW) -> list[dt.date]:
    """The booking dates whose trades the rolling windows of day ``day`` can reach, oldest first.

    A trade booked at ``t`` on day D looks at ``[t - window, t)``, which starts no earlier than
    00:00 of D - window.

    >>> [d.day for d in lookback_days(dt.date(2026, 1, 10), pd.Timedelta(days=2))]
    [8, 9, 10]
    """
    n = int(np.ceil(window / pd.Timedelta(days=1)))
    return [day - dt.timedelta(days=k) for k in range(n, -1, -1)]


def trade_store_dir(workspace: Workspace) -> Path:
    """The date-partitioned trade event store ``<IBML_HOME>/batch/trades``."""
    return workspace.root / "batch" / "trades"


def decisions_dir(workspace: Workspace, day: dt.date) -> Path:
    """Where the decisions of ``day`` are written: ``<IBML_HOME>/batch/decisions/date=YYYY-MM-DD``."""
    return workspace.root / "batch" / "decisions" / f"date={day.isoformat()}"


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
            raise DataValidationError(f"trades column {col!r} has sub-microsecond timestamps; the store keeps microseconds")
        frame[col] = frame[col].dt.tz_convert("UTC").dt.as_unit("us")
    days = frame["booking_ts"].dt.floor("D").dt.date
    with atomic_dir(store) as tmp:
        for day, part in frame.groupby(days.to_numpy(), sort=True):
            target = partition_dir(tmp, day)
            target.mkdir()
            write_table(part.reset_index(drop=True), target / "part-00000.parquet")
    unique = sorted(set(days))
    return IngestResult(store=Path(store), days=len(unique), rows=len(frame),
                        first_day=unique[0] if unique else None, last_day=unique[-1] if unique else None)


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


def _utc(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as tz-aware UTC. Spark hands pandas UDFs naive values in the session zone (UTC)."""
    out = frame
    for col in _TIMESTAMPS:
        if col in frame.columns and not isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            if out is frame:
                out = frame.copy()
            out[col] = pd.to_datetime(frame[col]).dt.tz_localize("UTC")
    return out


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
        raise DataValidationError(f"no trade partition {here.name} in {store} "
                                  f"(partitions cover {available[0]} .. {available[-1]})")
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
        day=day, store=store,
        window_paths=tuple(partition_dir(store, d) for d in available if d in wanted),
        history_paths=tuple(partition_dir(store, d) for d in available if d <= day),
        ref=ref, prices=prices, rows_on_day=len(day_exec),
    )


# --------------------------------------------------------------------------- the feature functions both engines run


def pair_history_rows(trades: pd.DataFrame) -> pd.DataFrame:
    """The ``counterparty_pair`` feature history of some trades, with each pair's desk.

    Runs on the whole history (pandas) or on one desk's trades (Spark): a (book, counterparty)
    pair lives in one book, a book in one desk.
    """
    trades = _utc(trades)
    if len(trades) == 0:
        return _empty(PAIR_COLUMNS)
    rows = counterparty_pair_rows(trades)
    desk_of_book = dict(zip(trades["book"].astype(str), trades["desk"].astype(str)))
    rows.insert(0, "desk", rows["book"].map(desk_of_book).astype(str))
    return rows[list(PAIR_COLUMNS)].reset_index(drop=True)


def prior_pair_counts(events: pd.DataFrame, pair_rows: pd.DataFrame) -> pd.Series:
    """For each event, how many events of its (book, counterparty) were booked strictly before it.

    A point-in-time join of the pair history as of one nanosecond before each booking (the join
    takes rows known *at or before* its timestamp; the pair's own instant must not count). Never
    seen -> 0.
    """
    if len(events) == 0:
        return pd.Series(dtype="float64", index=events.index, name="counterparty_prior_trades")
    entity = pd.DataFrame({"book": events["book"].astype(str).to_numpy(),
                           "counterparty_id": events["counterparty_id"].astype(str).to_numpy(),
                           "as_of": events["booking_ts"].to_numpy()}, index=events.index)
    entity["as_of"] = pd.to_datetime(entity["as_of"], utc=True) - _ONE_NS
    history = _utc(pair_rows) if len(pair_rows) else _empty(PAIR_COLUMNS)
    history = history.assign(book=history["book"].astype(str), counterparty_id=history["counterparty_id"].astype(str))
    joined = point_in_time_join(entity, history[["book", "counterparty_id", "event_ts", "available_at", "trades_to_date"]],
                                keys=["book", "counterparty_id"], features=["trades_to_date"], entity_timestamp="as_of")
    return joined["trades_to_date"].fillna(0.0).astype("float64").rename("counterparty_prior_trades")


def features_for_day(trades: pd.DataFrame, pair_rows: pd.DataFrame, *, ref: Mapping[str, pd.DataFrame],
                     prices: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Feature rows of the trades booked on ``day``, from trades of the lookback window and pair history.

    ``trades`` must hold whole traders and whole (book, counterparty) pairs — all trades, or one
    desk's — booked from 00:00 of D-7 to the end of D. This is
    :func:`~reference_impl.features.build_trade_features` with one change: the (book, counterparty)
    count comes from the pair history (:func:`prior_pair_counts`) instead of the frame, because the
    frame holds only a week. Output rows are sorted by ``trade_id``.
    """
    trades = _utc(trades).reset_index(drop=True)
    if len(trades) == 0:
        return _empty(FEATURE_COLUMNS)
    start, end = day_bounds(day)
    today = ((trades["booking_ts"] >= start) & (trades["booking_ts"] < end)).to_numpy()
    if not today.any():
        return _empty(FEATURE_COLUMNS)
    rolling = trader_rolling_features(trades).loc[today]
    patterns = duplicate_and_wash_counts(trades).loc[today]
    events = trades.loc[today]
    prior = prior_pair_counts(events, pair_rows)
    reference = reference_price_at_exec(events, prices)
    features = assemble_trade_features(events, ref, reference, prior, rolling, patterns)
    return features.sort_values("trade_id", kind="stable").reset_index(drop=True)[list(FEATURE_COLUMNS)]


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    out = {}
    for col in columns:
        if col in _TIMESTAMPS:
            out[col] = pd.Series(dtype="datetime64[us, UTC]")
        elif col in (*MODEL_FEATURES, *CONTEXT_FEATURES, "trades_to_date"):
            out[col] = pd.Series(dtype="float64")
        else:
            out[col] = pd.Series(dtype="object")
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- the model


@dataclass
class ResolvedModel:
    """The registered model version an alias pointed at when the job started (pinned by number)."""

    name: str
    alias: str
    version: str
    uri: str
    model_digest: str
    ruleset_version: str
    input_columns: tuple[str, ...]
    pyfunc: Any = field(repr=False)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """The pyfunc's output for a feature frame, exactly as ``spark_udf`` would call it."""
        from reference_impl.lifecycle.pyfunc import to_signature_frame
        from reference_impl.lifecycle.tracking import quiet_mlflow

        with quiet_mlflow():
            out = self.pyfunc.predict(to_signature_frame(features[list(self.input_columns)]))
        return out[list(MODEL_OUTPUT_COLUMNS)]


def resolve_model(name: str = DEFAULT_MODEL, alias: str = DEFAULT_ALIAS, *, tracking_uri: str | None = None,
                  workspace: Workspace | None = None) -> ResolvedModel:
    """Resolve ``name@alias`` to a version number and load that version's pyfunc once on the driver.

    Pinning the number (``models:/name/7``) means a promotion during the run cannot mix versions.

    Raises
    ------
    RegistryError
        The store is unusable, or the alias does not exist.
    """
    from reference_impl.lifecycle.pyfunc import native_from_pyfunc
    from reference_impl.lifecycle.registry import ModelRegistry, _mlflow_errors

    registry = ModelRegistry(tracking_uri, workspace=workspace)
    info = registry.by_alias(name, alias)
    if info is None:
        raise RegistryError(f"model {name} has no @{alias} alias in {registry.store.uri}; "
                            "train and promote a version first (ibml train anomaly, ibml registry ...)")
    uri = f"models:/{name}/{info.version}"
    with _mlflow_errors(f"loading {name} v{info.version}"):
        import mlflow

        pyfunc = mlflow.pyfunc.load_model(uri)
    native = native_from_pyfunc(pyfunc)
    ruleset = getattr(getattr(native, "ruleset", None), "version", None) or getattr(native, "ruleset_version", "")
    schema = pyfunc.metadata.get_input_schema()
    columns = tuple(schema.input_names()) if schema is not None else FEATURE_COLUMNS
    missing = [c for c in columns if c not in FEATURE_COLUMNS]
    if missing:
        raise RegistryError(f"{name} v{info.version} expects input column(s) the batch features do not have: "
                            f"{', '.join(missing[:5])}")
    return ResolvedModel(name=name, alias=alias, version=info.version, uri=uri, model_digest=info.model_digest,
                         ruleset_version=str(ruleset), input_columns=columns, pyfunc=pyfunc)


def decisions_frame(features: pd.DataFrame, model_output: pd.DataFrame, model: ResolvedModel) -> pd.DataFrame:
    """The decisions parquet's rows: the model's answer per trade plus the versions that produced it."""
    if len(model_output) != len(features):
        raise RegistryError(f"{model.name} v{model.version} returned {len(model_output)} rows for {len(features)}")
    out = pd.DataFrame({
        "trade_id": features["trade_id"].astype(str).to_numpy(),
        "desk": features["desk"].astype(str).to_numpy(),
        "booking_ts": pd.to_datetime(features["booking_ts"], utc=True).dt.as_unit("us").array,
    })
    for col in MODEL_OUTPUT_COLUMNS[1:]:
        out[col] = model_output[col].to_numpy()
    out["score"] = out["score"].astype("float64")
    out["threshold"] = out["threshold"].astype("float64")
    out["flagged"] = out["flagged"].astype(bool)
    out["fallback_used"] = out["fallback_used"].astype(bool)
    out["reason_codes"] = out["reason_codes"].astype(str)
    out["model_name"] = model.name
    out["model_version"] = model.version
    out["ruleset_version"] = model.ruleset_version
    return out[list(DECISION_COLUMNS)]


def read_decisions(path: Path) -> pd.DataFrame:
    """A decisions directory as one frame sorted by ``trade_id`` (whichever engine wrote it)."""
    files = sorted(Path(path).glob("*.parquet"))
    if not files:
        raise DataValidationError(f"no decisions parquet under {path}")
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return frame.sort_values("trade_id", kind="stable").reset_index(drop=True)[list(DECISION_COLUMNS)]


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class BatchResult:
    """What one run produced; also the payload of its ``batch.scored`` audit record."""

    day: dt.date
    engine: str
    master: str | None
    output: Path
    rows: int
    flagged: int
    files: tuple[str, ...]
    model_name: str
    model_version: str
    ruleset_version: str
    seconds: float
    audit_seq: int | None = None

    def summary(self) -> str:
        where = f" on {self.master}" if self.master else ""
        return (f"scored {self.rows:,} trades of {self.day} with {self.model_name} v{self.model_version} "
                f"(rules {self.ruleset_version}) on {self.engine}{where} in {self.seconds:.1f}s: "
                f"{self.flagged:,} flagged -> {self.output}")


def _count_output(out_dir: Path) -> tuple[int, int, tuple[str, ...]]:
    files = sorted(p for p in Path(out_dir).glob("*.parquet"))
    if not files:
        raise DataValidationError(f"the engine wrote no decisions under {out_dir}")
    rows = flagged = 0
    for f in files:
        table = pq.read_table(f, columns=["flagged"])
        rows += table.num_rows
        flagged += int(np.asarray(table.column("flagged").to_numpy(zero_copy_only=False), dtype=bool).sum())
    return rows, flagged, tuple(f.name for f in files)


def run_batch(
    day: str | dt.date,
    *,
    engine: str = "pandas",
    master: str | None = None,
    model_name: str = DEFAULT_MODEL,
    alias: str = DEFAULT_ALIAS,
    workspace: Workspace | None = None,
    data_dir: Path | None = None,
    tracking_uri: str | None = None,
    spark: Any = None,
    actor: str | None = None,
) -> BatchResult:
    """Score every trade booked on ``day`` and write decisions plus one audit record.

    Parameters
    ----------
    day : str or date
        Business date ``YYYY-MM-DD`` (UTC booking date).
    engine : {"pandas", "spark"}
        Where the features and the model run.
    master : str, optional
        Spark master (default ``local[2]``); ignored by the pandas engine. A running ``spark``
        session may be passed instead (tests and notebooks share one).

    Returns
    -------
    BatchResult

    Raises
    ------
    ConfigError, DataValidationError, RegistryError, AuditError
        Bad date, engine or master; missing partition; missing alias; audit write failed.
        Nothing is left under the output path in any of these cases.
    """
    from reference_impl.governance import AuditLog
    from reference_impl.lifecycle.registry import current_user

    started = time.perf_counter()
    if engine not in ENGINES:
        raise ConfigError(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    day = parse_day(day)
    ws = workspace or Workspace.from_env()
    inputs = plan_day(day, trade_store_dir(ws), data_dir if data_dir is not None else ws.data_dir)
    if engine == "spark" and spark is None:
        from reference_impl.batch.spark_session import LOCAL_MASTER, check_master

        master = check_master(master or LOCAL_MASTER)
    model = resolve_model(model_name, alias, tracking_uri=tracking_uri, workspace=ws)
    out = decisions_dir(ws, day)
    with atomic_dir(out) as tmp:
        if engine == "pandas":
            from reference_impl.batch.pandas_engine import score_day as pandas_score_day

            master = None
            pandas_score_day(inputs, model, tmp)
        else:
            from reference_impl.batch.spark_engine import score_day_on

            master = score_day_on(spark, master, inputs, model, tmp)
        rows, flagged, files = _count_output(tmp)
        result = BatchResult(day=day, engine=engine, master=master, output=out, rows=rows, flagged=flagged,
                             files=files, model_name=model.name, model_version=model.version,
                             ruleset_version=model.ruleset_version, seconds=time.perf_counter() - started)
        payload = {
            "date": day.isoformat(), "engine": engine, "master": master,
            "model": {"name": model.name, "alias": alias, "version": model.version,
                      "model_digest": model.model_digest, "ruleset_version": model.ruleset_version},
            "input": {"store": str(inputs.store), "partitions": [p.name for p in inputs.window_paths],
                      "history_partitions": len(inputs.history_paths), "rows_on_day": inputs.rows_on_day},
            "output": {"path": str(out), "files": list(files), "rows": rows, "flagged": flagged},
            "seconds": round(result.seconds, 3),
        }
        (tmp / "_run.json").write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        record = AuditLog(ws.audit_log).append("batch.scored", payload, actor=actor or current_user())
    return dataclasses.replace(result, audit_seq=record.get("seq"))


__all__ = [
    "BatchResult",
    "DECISION_COLUMNS",
    "DEFAULT_ALIAS",
    "DEFAULT_MODEL",
    "DayInputs",
    "ENGINES",
    "FEATURE_COLUMNS",
    "FEATURE_INPUT_COLUMNS",
    "IngestResult",
    "PAIR_COLUMNS",
    "PAIR_INPUT_COLUMNS",
    "ResolvedModel",
    "day_bounds",
    "decisions_dir",
    "decisions_frame",
    "features_for_day",
    "ingest_trades",
    "list_partitions",
    "lookback_days",
    "pair_history_rows",
    "parse_day",
    "plan_day",
    "prior_pair_counts",
    "read_decisions",
    "read_partitions",
    "resolve_model",
    "run_batch",
    "trade_store_dir",
]
