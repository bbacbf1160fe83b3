"""The tracking store: resolution, preflight refusals, the schema template and run lineage."""

from __future__ import annotations

import socket
import sqlite3
import time

import pytest

from reference_impl.errors import RegistryError
from reference_impl.lifecycle import tracking


def test_default_store_is_sqlite_in_the_workspace(workspace, monkeypatch):
    monkeypatch.delenv(tracking.TRACKING_URI_ENV, raising=False)
    store = tracking.resolve_store(workspace=workspace)
    assert store.uri == f"sqlite:///{workspace.mlflow_dir / 'mlflow.db'}"
    assert store.artifact_root == workspace.mlflow_dir / "artifacts"
    assert store.experiment_artifact_location("x") == (workspace.mlflow_dir / "artifacts" / "x").as_uri()


def test_env_var_selects_the_team_server(workspace, monkeypatch):
    monkeypatch.setenv(tracking.TRACKING_URI_ENV, "http://127.0.0.1:5000")
    store = tracking.resolve_store(workspace=workspace)
    assert store.uri == "http://127.0.0.1:5000" and store.artifact_root is None


@pytest.mark.parametrize(
    ("uri", "shown"),
    [("postgresql://u:secret@h:5432/db", "postgresql://u:***@h:5432/db"),
     ("postgresql://u@h/db", "postgresql://u@h/db"),
     ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db")],
)
def test_redact_uri_hides_passwords(uri, shown):
    assert tracking.redact_uri(uri) == shown


def test_locked_sqlite_store_is_refused_quickly(workspace, monkeypatch):
    monkeypatch.setattr(tracking, "PREFLIGHT_TIMEOUT_S", 0.2)
    db = workspace.mlflow_dir / "mlflow.db"
    tracking.prepare_sqlite_store(db)
    holder = sqlite3.connect(db)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(RegistryError, match="is unusable .*locked"):
            tracking.check_store(f"sqlite:///{db}")
    finally:
        holder.rollback()
        holder.close()
    tracking.check_store(f"sqlite:///{db}")  # released: fine again


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("scheme", ["postgresql", "http"])
def test_unreachable_store_is_refused_without_mlflow_retries(scheme):
    port = _free_port()
    uri = f"postgresql://u:pw@127.0.0.1:{port}/db" if scheme == "postgresql" else f"http://127.0.0.1:{port}"
    start = time.monotonic()
    with pytest.raises(RegistryError, match="unreachable"):
        tracking.check_store(tracking.normalise_db_uri(uri))
    assert time.monotonic() - start < 30  # MLflow's own retries would take ~100 s; not a timing benchmark


def test_file_store_is_refused():
    with pytest.raises(RegistryError, match="file store"):
        tracking.check_store("./mlruns")


def test_template_matches_installed_mlflow_schema():
    """After an MLflow upgrade this fails: run tracking.build_schema_template() and commit the file."""
    head = tracking._schema_head()
    assert (tracking.TEMPLATE_DIR / f"mlflow-schema-{head}.sqlite.gz").exists()


def test_prepared_store_opens_and_creates_default_experiment(workspace):
    client, store = tracking.open_client(workspace=workspace)
    assert (workspace.mlflow_dir / "mlflow.db").exists()
    with tracking.quiet_mlflow():
        default = client.get_experiment("0")
    assert default.artifact_location == (workspace.mlflow_dir / "artifacts" / "0").as_uri()


def test_training_run_records_lineage_and_dataset(workspace):
    import pandas as pd

    lineage = tracking.RunLineage("toy", 7, {"n": 3}, {"trade_features": "def-abc"}, {"train": "f" * 64})
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with tracking.training_run("lineage-test", lineage, workspace=workspace) as run:
        digest = tracking.log_dataset(frame, name="toy_train", source={"generator": "test", "seed": 7})
    client, _ = tracking.open_client(workspace=workspace)
    with tracking.quiet_mlflow():
        got = client.get_run(run.info.run_id)
    tags = got.data.tags
    assert got.info.status == "FINISHED"
    assert tags["ibml.seed"] == "7" and tags["ibml.recipe"] == "toy"
    assert tags["ibml.feature_view.trade_features"] == "def-abc"
    assert tags["ibml.data_digest.train"] == "f" * 64
    assert tags["ibml.package.scikit-learn"] != "not-installed"
    assert tags["ibml.git_commit"]
    assert got.data.params == {"seed": "7", "recipe": "toy", "n": "3"}
    (ds,) = got.inputs.dataset_inputs
    assert ds.dataset.digest == digest and "generator" in ds.dataset.source
    exp = client.get_experiment(got.info.experiment_id)
    assert exp.artifact_location == (workspace.mlflow_dir / "artifacts" / "lineage-test").as_uri()


def test_failed_training_marks_the_run_failed(workspace):
    lineage = tracking.RunLineage("toy", 1, {}, {}, {})
    with pytest.raises(ZeroDivisionError):
        with tracking.training_run("failing", lineage, workspace=workspace) as run:
            1 / 0  # noqa: B018
    client, _ = tracking.open_client(workspace=workspace)
    with tracking.quiet_mlflow():
        assert client.get_run(run.info.run_id).info.status == "FAILED"
