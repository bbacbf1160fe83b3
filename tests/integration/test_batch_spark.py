"""The Spark engine gives exactly the pandas engine's decisions (one local[2] session for the module).

Equality is the claim: the same feature functions run per desk under ``cogroup(...).applyInPandas``
and the same registered pyfunc runs under ``spark_udf``, so flags and reason codes must be equal
and scores equal within 1e-9 (they come out bit-identical here).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from reference_impl.batch import read_decisions, run_batch
from reference_impl.batch.decisions import DECISION_SCHEMA
from reference_impl.batch.demo import build_batch_demo
from reference_impl.errors import ConfigError
from reference_impl.governance import AuditLog
from reference_impl.workspace import Workspace

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark():
    from reference_impl.batch.spark_session import check_java, spark_session

    try:
        check_java()
    except ConfigError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Spark tests need Java in CI: {exc}")
        pytest.skip(f"no Java runtime on this machine: {exc}")
    with spark_session("local[2]", app_name="ibml-tests") as session:
        yield session


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_batch_demo(Workspace(tmp_path_factory.mktemp("batch-spark") / "ibml-home"), n_trades=3000, n_days=10)


@pytest.fixture(scope="module")
def demo_with_copies(tmp_path_factory):
    """The demo plus five re-bookings of the busiest day's first new trades, a minute later (duplicates)."""
    from reference_impl.batch.inputs import ingest_trades, trade_store_dir
    from reference_impl.data import load_dataset

    built = build_batch_demo(Workspace(tmp_path_factory.mktemp("batch-copies") / "ibml-home"), n_trades=3000, n_days=10)
    trades = load_dataset(built.data_dir, tables=["trades"])["trades"]
    on_day = trades[(trades["booking_ts"].dt.date == built.busiest_day) & (trades["event_type"] == "new")
                    & (trades["booking_ts"].dt.hour < 22)]
    originals = on_day.sort_values("booking_ts").head(5)
    copies = originals.assign(trade_id="ZZ" + originals["trade_id"],
                              booking_ts=originals["booking_ts"] + pd.Timedelta(minutes=1))
    ingest_trades(pd.concat([trades, copies], ignore_index=True), trade_store_dir(built.workspace))
    return built, set(originals["trade_id"]), set(copies["trade_id"])


def test_engines_agree_on_duplicates_whatever_the_arrow_batch_size(demo_with_copies, spark):
    """A copy far from its original in the day's order is still a duplicate, in both engines.

    The session is set to five-record (and 2 kB) Arrow batches, so the job must score whole partitions per
    call (as it does: ``SCORING_CONF``); with fixed-size batches the copies below would go unseen.
    """
    built, originals, copies = demo_with_copies
    day = built.busiest_day
    small = {"spark.sql.execution.arrow.maxRecordsPerBatch": "5", "spark.sql.execution.arrow.maxBytesPerBatch": "2k"}
    for key, value in small.items():
        spark.conf.set(key, value)
    try:
        by_pandas = read_decisions(run_batch(day, engine="pandas", workspace=built.workspace).output)
        by_spark = read_decisions(run_batch(day, engine="spark", workspace=built.workspace, spark=spark).output)
        assert {key: spark.conf.get(key) for key in small} == small  # the job put the session's settings back
    finally:
        for key in small:
            spark.conf.unset(key)
    duplicates = by_pandas.loc[by_pandas["reason_codes"].str.contains("R_DUPLICATE"), "trade_id"]
    assert set(duplicates) == copies and not originals & set(duplicates)
    for copy in copies:  # each copy is more than one 5-record batch away from its original, within its desk
        desk = by_pandas.loc[by_pandas["trade_id"] == copy, "desk"].iloc[0]
        ids = by_pandas.loc[by_pandas["desk"] == desk, "trade_id"].tolist()
        assert ids.index(copy) - ids.index(copy[2:]) > 5
    pd.testing.assert_frame_equal(by_spark, by_pandas, check_exact=True)


def test_spark_and_pandas_engines_give_identical_decisions(demo, spark):
    day = demo.busiest_day
    by_pandas = read_decisions(run_batch(day, engine="pandas", workspace=demo.workspace).output)
    result = run_batch(day, engine="spark", workspace=demo.workspace, spark=spark)
    by_spark = read_decisions(result.output)
    assert result.master == "local[2]" and result.rows == len(by_pandas) > 100
    assert by_spark["trade_id"].tolist() == by_pandas["trade_id"].tolist()
    assert by_spark["flagged"].tolist() == by_pandas["flagged"].tolist()
    assert by_spark["reason_codes"].tolist() == by_pandas["reason_codes"].tolist()
    assert by_spark["score"].tolist() == pytest.approx(by_pandas["score"].tolist(), rel=0, abs=1e-9)
    assert by_pandas["flagged"].any() and (by_pandas["reason_codes"] != "").any()  # not a vacuous comparison
    pd.testing.assert_frame_equal(by_spark, by_pandas, check_exact=True)  # in fact bit-identical
    written = spark.read.parquet(str(result.output)).schema  # the declared columns and types, nothing else
    assert [(f.name, f.dataType.simpleString()) for f in written.fields] == list(DECISION_SCHEMA)
    record = [r for r in AuditLog(demo.workspace.audit_log).records() if r["event_type"] == "batch.scored"][-1]
    assert record["payload"]["engine"] == "spark" and record["payload"]["output"]["rows"] == result.rows
    assert len(result.files) >= 1


def test_the_cli_runs_the_spark_engine_end_to_end(demo, spark):
    """``ibml batch score --engine spark`` as a user runs it: its own session, the pandas engine's decisions."""
    import subprocess
    import sys

    day = demo.busiest_day
    by_pandas = read_decisions(run_batch(day, engine="pandas", workspace=demo.workspace).output)
    env = {**os.environ, "IBML_HOME": str(demo.workspace.root), "MLFLOW_DISABLE_TELEMETRY": "true"}
    done = subprocess.run([sys.executable, "-m", "reference_impl.cli", "batch", "score", "--engine", "spark",
                           "--date", day.isoformat()], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "spark" in done.stdout and f"{len(by_pandas):,}" in done.stdout, done.stdout
    record = [r for r in AuditLog(demo.workspace.audit_log).records() if r["event_type"] == "batch.scored"][-1]
    assert record["payload"]["engine"] == "spark" and record["payload"]["master"] == "local[2]"
    by_cli = read_decisions(Path(record["payload"]["output"]["path"]))
    pd.testing.assert_frame_equal(by_cli, by_pandas, check_exact=True)
