"""``run_batch``: score one business day on the chosen engine and record the run.

One business day D of trade events goes through four steps::

    trade event store ──► features for day D ──► @champion model ──► decisions parquet + audit record
    (booking_date=...)     (features.day)          (MLflow pyfunc)     (<IBML_HOME>/batch/decisions/date=D)

This module is the dispatcher only: it plans the day (:mod:`~reference_impl.batch.inputs`), pins the
model (:mod:`~reference_impl.batch.model`), hands both to an engine
(:mod:`~reference_impl.batch.pandas_engine` or :mod:`~reference_impl.batch.spark_engine`, imported when
chosen) and writes the audit record. The engines share those modules and
:mod:`reference_impl.features.day` — the same feature functions on whole frames or per desk — and never
import this one, so the package has no import cycle.

**Nothing half-written.** Output goes to a temporary directory that is renamed into place only
after the audit record is written; any failure leaves neither output nor a partial directory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from reference_impl.batch.decisions import decisions_dir
from reference_impl.batch.inputs import parse_day, plan_day, trade_store_dir
from reference_impl.batch.model import DEFAULT_ALIAS, DEFAULT_MODEL, resolve_model
from reference_impl.errors import ConfigError, DataValidationError
from reference_impl.workspace import Workspace, atomic_dir

#: Where a day can be scored.
ENGINES: tuple[str, ...] = ("pandas", "spark")


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
        return (
            f"scored {self.rows:,} trades of {self.day} with {self.model_name} v{self.model_version} "
            f"(rules {self.ruleset_version}) on {self.engine}{where} in {self.seconds:.1f}s: "
            f"{self.flagged:,} flagged -> {self.output}"
        )


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
        result = BatchResult(
            day=day,
            engine=engine,
            master=master,
            output=out,
            rows=rows,
            flagged=flagged,
            files=files,
            model_name=model.name,
            model_version=model.version,
            ruleset_version=model.ruleset_version,
            seconds=time.perf_counter() - started,
        )
        payload = {
            "date": day.isoformat(),
            "engine": engine,
            "master": master,
            "model": {
                "name": model.name,
                "alias": alias,
                "version": model.version,
                "model_digest": model.model_digest,
                "ruleset_version": model.ruleset_version,
            },
            "input": {
                "store": str(inputs.store),
                "partitions": [p.name for p in inputs.window_paths],
                "history_partitions": len(inputs.history_paths),
                "rows_on_day": inputs.rows_on_day,
            },
            "output": {"path": str(out), "files": list(files), "rows": rows, "flagged": flagged},
            "seconds": round(result.seconds, 3),
        }
        (tmp / "_run.json").write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        record = AuditLog(ws.audit_log).append("batch.scored", payload, actor=actor or current_user())
    return dataclasses.replace(result, audit_seq=record.get("seq"))


__all__ = ["BatchResult", "ENGINES", "run_batch"]
