"""Daily batch scoring of trade events on pandas or Apache Spark, with the same features and model.

``ibml batch ingest`` lays the dataset's trades out by booking date; ``ibml batch score --engine
pandas|spark --date D [--master URL]`` scores one day with the registered ``@champion`` and writes
decisions to ``<IBML_HOME>/batch/decisions/date=D`` plus a ``batch.scored`` audit record.

* :mod:`~reference_impl.batch.job` — the engine-independent job (inputs, feature composition,
  model resolution, atomic output, audit);
* :mod:`~reference_impl.batch.pandas_engine` / :mod:`~reference_impl.batch.spark_engine` — where it runs;
* :mod:`~reference_impl.batch.spark_session` — an offline ``local[2]`` session or a cluster master.

Importing this package imports neither pyspark nor MLflow.
"""

from reference_impl.batch.job import (
    DECISION_COLUMNS,
    DEFAULT_ALIAS,
    DEFAULT_MODEL,
    ENGINES,
    BatchResult,
    DayInputs,
    IngestResult,
    ResolvedModel,
    decisions_dir,
    features_for_day,
    ingest_trades,
    list_partitions,
    pair_history_rows,
    parse_day,
    plan_day,
    prior_pair_counts,
    read_decisions,
    resolve_model,
    run_batch,
    trade_store_dir,
)
from reference_impl.batch.spark_session import LOCAL_MASTER, check_master, quiet_spark, spark_session, start_session

__all__ = [
    "BatchResult",
    "DECISION_COLUMNS",
    "DEFAULT_ALIAS",
    "DEFAULT_MODEL",
    "DayInputs",
    "ENGINES",
    "IngestResult",
    "LOCAL_MASTER",
    "ResolvedModel",
    "check_master",
    "decisions_dir",
    "features_for_day",
    "ingest_trades",
    "list_partitions",
    "pair_history_rows",
    "parse_day",
    "plan_day",
    "prior_pair_counts",
    "quiet_spark",
    "read_decisions",
    "resolve_model",
    "run_batch",
    "spark_session",
    "start_session",
    "trade_store_dir",
]
