"""Master validation and the preflight that refuses an unreachable Spark master in one line (no JVM started)."""

from __future__ import annotations

import socket

import pytest

from reference_impl.batch.spark_session import (
    LOCAL_DRIVER_MEMORY,
    check_java,
    check_master,
    is_local,
    local_cores,
    session_config,
)
from reference_impl.errors import ConfigError


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on exit: nothing listens there


@pytest.mark.parametrize("master", ["local", "local[2]", "local[*]", "local[4,2]", "local-cluster[2,1,1024]", "yarn"])
def test_local_and_yarn_masters_are_accepted_without_probing(master):
    assert check_master(master) == master


@pytest.mark.parametrize("master, cores", [("local", 1), ("local[2]", 2), ("local[3,1]", 3)])
def test_local_cores(master, cores):
    assert is_local(master) and local_cores(master) == cores


@pytest.mark.parametrize("master", ["mesos://h:5050", "local[0]", "lokal[2]", "spark://", "spark://host", "k8s://"])
def test_unsupported_or_malformed_masters_are_refused_naming_them(master):
    with pytest.raises(ConfigError, match="Spark master") as info:
        check_master(master)
    assert "\n" not in str(info.value)


def test_an_unreachable_master_is_refused_at_once_naming_host_and_port():
    port = _closed_port()
    with pytest.raises(ConfigError, match=rf"cannot be reached: 127\.0\.0\.1:{port}"):
        check_master(f"spark://127.0.0.1:{port}", timeout=1.0)


def test_a_reachable_master_passes_the_preflight():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert check_master(f"spark://127.0.0.1:{port}") == f"spark://127.0.0.1:{port}"


def test_missing_java_is_a_config_error(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    with pytest.raises(ConfigError, match="Java runtime"):
        check_java()


def test_local_sessions_stay_on_loopback_and_a_cluster_session_does_not():
    local = session_config("local[2]")
    assert local["spark.driver.bindAddress"] == "127.0.0.1" and local["spark.ui.enabled"] == "false"
    assert local["spark.sql.session.timeZone"] == "UTC" and local["spark.sql.shuffle.partitions"] == "2"
    cluster = session_config("spark://10.0.0.5:7077")
    assert "spark.driver.bindAddress" not in cluster and cluster["spark.sql.session.timeZone"] == "UTC"


def test_local_sessions_get_a_heap_that_holds_a_desk_and_the_operator_can_change_it(monkeypatch):
    monkeypatch.delenv("IBML_SPARK_DRIVER_MEMORY", raising=False)
    assert session_config("local[2]")["spark.driver.memory"] == LOCAL_DRIVER_MEMORY != "1g"
    monkeypatch.setenv("IBML_SPARK_DRIVER_MEMORY", "2g")
    assert session_config("local[2]")["spark.driver.memory"] == "2g"
    # a cluster's memory is the cluster's business (spark-submit --driver-memory / --executor-memory)
    assert "spark.driver.memory" not in session_config("spark://10.0.0.5:7077")
