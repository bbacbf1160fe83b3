"""Each IBML_* variable has one name, read by a pydantic-settings class (README's Configuration table)."""

from __future__ import annotations

import pytest

from reference_impl.errors import ConfigError
from reference_impl.serving.settings import ServiceSettings


def test_the_service_reads_the_same_tracking_uri_variable_as_the_commands(monkeypatch, tmp_path):
    monkeypatch.setenv("IBML_MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    monkeypatch.setenv("IBML_TRACKING_URI", "http://old-name:1")  # the old service-only name is not read
    settings = ServiceSettings(home=tmp_path)
    assert settings.mlflow_tracking_uri == "http://127.0.0.1:5000"
    assert not hasattr(settings, "tracking_uri")


def test_lifecycle_settings_read_the_tracking_and_backend_uris_and_the_user(monkeypatch):
    from reference_impl.lifecycle.registry import current_user
    from reference_impl.lifecycle.settings import LifecycleSettings
    from reference_impl.lifecycle.tracking import default_tracking_uri

    monkeypatch.setenv("IBML_MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    monkeypatch.setenv("IBML_MLFLOW_BACKEND_URI", "postgresql://ibml@db/mlflow")
    monkeypatch.setenv("IBML_USER", "carol")
    settings = LifecycleSettings()
    assert (settings.mlflow_tracking_uri, settings.mlflow_backend_uri, settings.user) == (
        "http://127.0.0.1:5000", "postgresql://ibml@db/mlflow", "carol")
    assert default_tracking_uri() == "http://127.0.0.1:5000"
    assert current_user() == "carol"
    monkeypatch.setenv("IBML_USER", "")  # empty counts as unset: the login name
    assert current_user() != ""


def test_a_bad_spark_driver_memory_is_one_config_error(monkeypatch):
    from reference_impl.batch.spark_session import session_config

    monkeypatch.setenv("IBML_SPARK_DRIVER_MEMORY", "lots")
    with pytest.raises(ConfigError, match="IBML_SPARK_DRIVER_MEMORY"):
        session_config("local[2]")
    monkeypatch.setenv("IBML_SPARK_DRIVER_MEMORY", "4096m")
    assert session_config("local[2]")["spark.driver.memory"] == "4096m"
