"""The Spark engine: the same feature functions per desk, the verified registered model in a pandas UDF.

The plan for day D (nothing here computes a feature itself)::

    partitions <= D ─► groupBy(desk).applyInPandas(pair_history_rows) ──────────┐  counterparty-pair history
    partitions D-7..D ─► groupBy(desk) ─cogroup─────────────────────────────────┴► applyInPandas(features_for_day)
                                                                                   │  (point-in-time join inside)
                              pandas_udf(ResolvedModel.predict) (digest-verified) ◄┘
                                                                                   │
                                                      decisions parquet (one file per partition)

Grouping by desk keeps every rolling window and every (book, counterparty) pair inside one task
(a trader books into one book, a book belongs to one desk), so the per-group results equal the
whole-frame results. Data crosses the JVM/Python boundary as Arrow record batches.

The model is not loaded with ``mlflow.pyfunc.spark_udf``: that would run the artifact's ``python_model.py``
on every worker, code the registration digest does not cover. The driver loads the native model once,
verified against the digest recorded at registration (:func:`~reference_impl.batch.model.resolve_model`),
and the UDF calls :meth:`ResolvedModel.predict` — what the pyfunc's ``predict`` computes — on each batch.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from reference_impl.batch.decisions import DECISION_SCHEMA, MODEL_OUTPUT_COLUMNS, MODEL_OUTPUT_DDL
from reference_impl.batch.inputs import DayInputs
from reference_impl.batch.model import ResolvedModel
from reference_impl.batch.spark_session import LOCAL_MASTER, quiet_spark, spark_session
from reference_impl.features.columns import FEATURE_COLUMNS, TIMESTAMP_COLUMNS
from reference_impl.features.day import (
    FEATURE_INPUT_COLUMNS,
    PAIR_COLUMNS,
    PAIR_INPUT_COLUMNS,
    features_for_day,
    pair_history_rows,
)

_STRING_COLUMNS = {"trade_id", "trader_id", "book", "counterparty_id", "desk", "instrument_id", "event_type"}


def ddl(columns: tuple[str, ...]) -> str:
    """A Spark DDL schema string for feature and pair-history columns (strings, UTC timestamps, doubles).

    The decisions' DDL comes from their declaration instead (:func:`reference_impl.batch.decisions.spark_ddl`).

    >>> ddl(("trade_id", "booking_ts", "notional_usd"))
    'trade_id string, booking_ts timestamp, notional_usd double'
    """

    def kind(c: str) -> str:
        if c in _STRING_COLUMNS:
            return "string"
        if c in TIMESTAMP_COLUMNS:
            return "timestamp"
        return "double"

    return ", ".join(f"{c} {kind(c)}" for c in columns)


def plain_strings(frame: Any) -> Any:
    """String columns as numpy ``object`` arrays before a frame goes back to Spark.

    pandas 3 keeps strings in Arrow, often in several chunks after filtering and concatenation;
    pyspark 4.3 builds record batches with ``pa.RecordBatch.from_arrays``, which refuses chunked
    arrays ("Cannot convert pyarrow.lib.ChunkedArray to pyarrow.lib.Array").
    """
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col].dtype) and not pd.api.types.is_object_dtype(out[col].dtype):
            out[col] = out[col].astype(object)
    return out


def spark_pair_history_rows(trades: Any) -> Any:
    """:func:`~reference_impl.features.day.pair_history_rows` for ``applyInPandas`` (Arrow-safe output)."""
    return plain_strings(pair_history_rows(trades))


def spark_features_for_day(trades: Any, pair_rows: Any, *, ref: Any, prices: Any, day: Any) -> Any:
    """:func:`~reference_impl.features.day.features_for_day` for ``cogroup(...).applyInPandas`` (Arrow-safe output)."""
    return plain_strings(features_for_day(trades, pair_rows, ref=ref, prices=prices, day=day))


def model_udf(model: ResolvedModel) -> Any:
    """A scalar pandas UDF returning the struct :data:`MODEL_OUTPUT_DDL` from the verified native model.

    It takes the model's input columns in order (as ``spark_udf`` did) and ships ``model`` — the object
    verified on the driver — to the workers; nothing is loaded from the artifact store there.
    """
    from pyspark.sql.functions import pandas_udf

    columns = list(model.input_columns)

    def predict(*series: pd.Series) -> pd.DataFrame:  # Spark reads these hints: a scalar UDF returning a struct
        frame = pd.DataFrame(dict(zip(columns, series, strict=True)))
        return model.predict(frame).reset_index(drop=True)

    return pandas_udf(predict, returnType=MODEL_OUTPUT_DDL)  # type: ignore[call-overload]


def decisions_dataframe(spark: Any, inputs: DayInputs, model: ResolvedModel) -> Any:
    """The lazy Spark DataFrame of day D's decisions (:data:`~reference_impl.batch.decisions.DECISION_SCHEMA`)."""
    from pyspark.sql import functions as F

    history = spark.read.parquet(*[str(p) for p in inputs.history_paths]).select(*PAIR_INPUT_COLUMNS)
    pairs = history.groupBy("desk").applyInPandas(spark_pair_history_rows, schema=ddl(PAIR_COLUMNS))
    window = spark.read.parquet(*[str(p) for p in inputs.window_paths]).select(*FEATURE_INPUT_COLUMNS)
    day_features = functools.partial(spark_features_for_day, ref=dict(inputs.ref), prices=inputs.prices, day=inputs.day)
    features = (
        window.groupBy("desk").cogroup(pairs.groupBy("desk")).applyInPandas(day_features, schema=ddl(FEATURE_COLUMNS))
    )
    udf = model_udf(model)
    scored = features.withColumn("_decision", udf(*[F.col(c) for c in model.input_columns]))
    model_cols = [F.col(f"_decision.{c}").alias(c) for c in MODEL_OUTPUT_COLUMNS[1:]]
    return scored.select(
        F.col("trade_id"),
        F.col("desk"),
        F.col("booking_ts"),
        *model_cols,
        F.lit(model.name).alias("model_name"),
        F.lit(model.version).alias("model_version"),
        F.lit(model.ruleset_version).alias("ruleset_version"),
    ).select(*[F.col(c).cast(kind).alias(c) for c, kind in DECISION_SCHEMA])  # the declared types (no-op casts)


#: Session settings while a day is scored. Each Arrow batch that ``spark_udf`` hands the model is a whole
#: partition — no record limit, and a byte limit near Arrow's 2 GiB ceiling instead of Spark's internal
#: 64 MiB, which split a desk at a million trades — and a partition of the by-desk grouping holds whole
#: desks, so the duplicate rule sees every earlier copy of a trade, as in the pandas engine's per-desk
#: calls. More shuffle partitions than desks, not coalesced by adaptive execution, keep a partition to a
#: desk or two: a Python worker holds one partition at a time (memory). A desk's day beyond ~2 GB of
#: features would be split again: compute duplicates in the feature step before then.
SCORING_CONF: dict[str, str] = {
    "spark.sql.execution.arrow.maxRecordsPerBatch": "0",
    "spark.sql.execution.arrow.maxBytesPerBatch": "2000m",
    "spark.sql.shuffle.partitions": "16",
    "spark.sql.adaptive.coalescePartitions.enabled": "false",
}


@contextlib.contextmanager
def session_conf(spark: Any, settings: dict[str, str]) -> Iterator[None]:
    """Set runtime SQL settings for the duration of a block, then put the previous values back."""
    previous = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def score_day(spark: Any, inputs: DayInputs, model: ResolvedModel, out_dir: Path) -> None:
    """Write the decisions of ``inputs.day`` as parquet part files into ``out_dir`` (replaced)."""
    with quiet_spark(), session_conf(spark, SCORING_CONF):
        decisions_dataframe(spark, inputs, model).write.mode("overwrite").parquet(str(out_dir))


def score_day_on(spark: Any, master: str | None, inputs: DayInputs, model: ResolvedModel, out_dir: Path) -> str:
    """Score on ``spark`` if given (its master is reported), else on a session started and stopped here."""
    if spark is not None:
        score_day(spark, inputs, model, out_dir)
        return str(spark.sparkContext.master)
    master = master or LOCAL_MASTER
    with spark_session(master) as session:
        score_day(session, inputs, model, out_dir)
    return master


__all__ = [
    "SCORING_CONF",
    "ddl",
    "decisions_dataframe",
    "plain_strings",
    "score_day",
    "score_day_on",
    "session_conf",
    "spark_features_for_day",
    "spark_pair_history_rows",
]
