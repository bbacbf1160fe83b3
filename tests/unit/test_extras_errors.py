"""Without the ``spark`` or ``postgres`` extra, the commands that need it stop with one line naming the extra."""

from __future__ import annotations

import sys

import pytest

from reference_impl.cli import main
from reference_impl.errors import ConfigError


@pytest.fixture
def no_pyspark(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` raises ImportError, find_spec is None


@pytest.fixture
def no_postgres_driver(monkeypatch):
    for name in ("psycopg2", "psycopg"):
        monkeypatch.setitem(sys.modules, name, None)


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_batch_score_on_spark_without_pyspark_names_the_extra(workspace, no_pyspark, capsys):
    code = main(["batch", "score", "--date", "2024-01-02", "--engine", "spark"])
    assert code == 2
    assert _one_line_error(capsys) == (
        "ibml: error: the Spark engine needs the 'spark' extra: pip install 'ibml[spark]'")
    assert not workspace.root.exists(), "nothing is read or written before the check"


def test_start_session_without_pyspark_names_the_extra(no_pyspark):
    from reference_impl.batch.spark_session import start_session

    with pytest.raises(ConfigError, match=r"needs the 'spark' extra: pip install 'ibml\[spark\]'"):
        start_session("local[1]")


@pytest.mark.parametrize("uri", ["postgresql://ibml:secret@127.0.0.1:1/db",
                                 "postgresql+psycopg2://ibml:secret@127.0.0.1:1/db"])
def test_mlflow_server_on_postgresql_without_the_driver_names_the_extra(workspace, no_postgres_driver, capsys, uri):
    code = main(["mlflow-server", "--backend-store-uri", uri, "--dry-run"])
    assert code == 2
    line = _one_line_error(capsys)
    assert line.startswith("ibml: error: the PostgreSQL store postgresql")
    assert line.endswith("needs the 'postgres' extra: pip install 'ibml[postgres]'")
    assert "secret" not in line


def test_a_postgresql_tracking_uri_without_the_driver_names_the_extra(workspace, no_postgres_driver):
    from reference_impl.lifecycle.tracking import check_store

    with pytest.raises(ConfigError, match=r"pip install 'ibml\[postgres\]'"):
        check_store("postgresql://ibml@127.0.0.1:1/db")


def test_the_driver_check_passes_when_a_driver_is_installed(monkeypatch):
    from reference_impl.lifecycle import tracking

    monkeypatch.setattr("importlib.util.find_spec", lambda name: object() if name == "psycopg2" else None)
    tracking.require_db_driver("postgresql://ibml@127.0.0.1:1/db")
    tracking.require_db_driver("sqlite:///x.db")
    with pytest.raises(ConfigError):
        tracking.require_db_driver("postgresql+psycopg://ibml@127.0.0.1:1/db")  # names psycopg 3, which is absent
