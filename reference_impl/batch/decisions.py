"""The decisions a batch run writes, declared once: column names and types, then everything derived from them.

:data:`DECISION_SCHEMA` is the one declaration. The pandas frame (:func:`decisions_frame` casts each
column to its declared type), the column order (:data:`DECISION_COLUMNS`), what the model returns per
row (:data:`MODEL_OUTPUT_COLUMNS`) and the Spark DDL strings (:func:`spark_ddl`) all come from it, so
adding a column is one line here; ``tests/unit/batch/test_batch_decisions.py`` checks the derived
forms agree with it and with the frame the pandas engine writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pandas as pd

from reference_impl.errors import DataValidationError, RegistryError
from reference_impl.workspace import Workspace

#: The decisions parquet, in column order: (name, type). Types are Spark SQL names (see :data:`PANDAS_DTYPES`).
DECISION_SCHEMA: tuple[tuple[str, str], ...] = (
    ("trade_id", "string"),
    ("desk", "string"),
    ("booking_ts", "timestamp"),  # UTC, microseconds
    ("score", "double"),
    ("threshold", "double"),
    ("flagged", "boolean"),
    ("reason_codes", "string"),  # ";"-joined
    ("fallback_used", "boolean"),
    ("model_name", "string"),
    ("model_version", "string"),
    ("ruleset_version", "string"),
)
#: Columns of the decisions parquet, in order.
DECISION_COLUMNS: tuple[str, ...] = tuple(name for name, _ in DECISION_SCHEMA)
#: What the detector's pyfunc returns per row (``reference_impl.lifecycle.pyfunc.predict_frame``): trade_id plus
#: the decision columns the model decides (the rest name the trade and the versions that decided).
MODEL_OUTPUT_COLUMNS: tuple[str, ...] = ("trade_id", "score", "threshold", "flagged", "reason_codes", "fallback_used")
#: The pandas dtype of each declared type, as the pandas engine writes it.
PANDAS_DTYPES: dict[str, str] = {
    "string": "str",
    "timestamp": "datetime64[us, UTC]",
    "double": "float64",
    "boolean": "bool",
}

_TYPES = dict(DECISION_SCHEMA)


def spark_ddl(columns: Sequence[str]) -> str:
    """A Spark DDL schema string for decision columns, with their declared types.

    >>> spark_ddl(("trade_id", "booking_ts", "score", "flagged"))
    'trade_id string, booking_ts timestamp, score double, flagged boolean'
    """
    return ", ".join(f"{c} {_TYPES[c]}" for c in columns)


#: The decisions as a Spark DDL string.
DECISION_DDL: str = spark_ddl(DECISION_COLUMNS)
#: The model's output struct, as ``mlflow.pyfunc.spark_udf(result_type=...)`` takes it.
MODEL_OUTPUT_DDL: str = spark_ddl(MODEL_OUTPUT_COLUMNS)


class ModelVersion(Protocol):
    """What a decision records of the model that made it."""

    name: str
    version: str
    ruleset_version: str


def decisions_dir(workspace: Workspace, day: dt.date) -> Path:
    """Where the decisions of ``day`` are written: ``<IBML_HOME>/batch/decisions/date=YYYY-MM-DD``."""
    return workspace.root / "batch" / "decisions" / f"date={day.isoformat()}"


def decisions_frame(features: pd.DataFrame, model_output: pd.DataFrame, model: ModelVersion) -> pd.DataFrame:
    """The decisions parquet's rows: the model's answer per trade plus the versions that produced it."""
    if len(model_output) != len(features):
        raise RegistryError(f"{model.name} v{model.version} returned {len(model_output)} rows for {len(features)}")
    out = pd.DataFrame(
        {
            "trade_id": features["trade_id"].astype(str).to_numpy(),
            "desk": features["desk"].astype(str).to_numpy(),
            "booking_ts": pd.to_datetime(features["booking_ts"], utc=True).dt.as_unit("us").array,
        }
    )
    for col in MODEL_OUTPUT_COLUMNS[1:]:
        out[col] = model_output[col].to_numpy()
    out["model_name"] = model.name
    out["model_version"] = model.version
    out["ruleset_version"] = model.ruleset_version
    for col, kind in DECISION_SCHEMA:
        out[col] = out[col].astype(PANDAS_DTYPES[kind])
    return out[list(DECISION_COLUMNS)]


def read_decisions(path: Path) -> pd.DataFrame:
    """A decisions directory as one frame sorted by ``trade_id`` (whichever engine wrote it)."""
    files = sorted(Path(path).glob("*.parquet"))
    if not files:
        raise DataValidationError(f"no decisions parquet under {path}")
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return frame.sort_values("trade_id", kind="stable").reset_index(drop=True)[list(DECISION_COLUMNS)]


__all__ = [
    "DECISION_COLUMNS",
    "DECISION_DDL",
    "DECISION_SCHEMA",
    "MODEL_OUTPUT_COLUMNS",
    "MODEL_OUTPUT_DDL",
    "ModelVersion",
    "PANDAS_DTYPES",
    "decisions_dir",
    "decisions_frame",
    "read_decisions",
    "spark_ddl",
]
