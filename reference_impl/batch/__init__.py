"""Daily batch scoring of trade events on pandas or Apache Spark, with the same features and model.

``ibml batch ingest`` lays the dataset's trades out by booking date; ``ibml batch score --engine
pandas|spark --date D [--master URL]`` scores one day with the registered ``@champion`` and writes
decisions to ``<IBML_HOME>/batch/decisions/date=D`` plus a ``batch.scored`` audit record.

* :mod:`~reference_impl.batch.inputs` — the trade event store and the plan of one day;
* :mod:`~reference_impl.batch.model` — the ``@champion`` resolved once and pinned by version;
* :mod:`~reference_impl.batch.decisions` — the decision columns, declared once (pandas dtypes and Spark DDL
  derive from the declaration), built and read back;
* :mod:`~reference_impl.batch.pandas_engine` / :mod:`~reference_impl.batch.spark_engine` — where it runs;
  both call :mod:`reference_impl.features.day` for the features and share the three modules above;
* :mod:`~reference_impl.batch.job` — :func:`run_batch`, the dispatcher (the only module that imports an engine);
* :mod:`~reference_impl.batch.spark_session` — an offline ``local[2]`` session or a cluster master.

Importing this package imports neither pyspark nor MLflow.
"""

from reference_impl.batch.decisions import DECISION_COLUMNS, DECISION_SCHEMA, decisions_dir, read_decisions
from reference_impl.batch.inputs import (
    DayInputs,
    IngestResult,
    ingest_trades,
    list_partitions,
    parse_day,
    plan_day,
    trade_store_dir,
)
from reference_impl.batch.job import ENGINES, BatchResult, run_batch
from reference_impl.batch.model import DEFAULT_ALIAS, DEFAULT_MODEL, ResolvedModel, resolve_model
from reference_impl.batch.spark_session import LOCAL_MASTER, check_master, quiet_spark, spark_session, start_session

# The day's feature functions live in the feature layer; re-exported here for code written against the old layout.
from reference_impl.features.day import features_for_day, pair_history_rows, prior_pair_counts

__all__ = [
    "BatchResult",
    "DECISION_COLUMNS",
    "DECISION_SCHEMA",
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
