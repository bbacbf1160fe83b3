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
