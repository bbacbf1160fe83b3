"""The team option: MLflow tracking and registry on a real PostgreSQL server.

The server is found through ``IBML_TEST_POSTGRES_DSN``, default
``postgresql://ibml:ibml@127.0.0.1:5432/ibml_test`` — what ``.ci/start-postgres`` creates (CI runs it).
Outside CI the tests skip, printing why, when no server answers; in CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import numpy as np
import pandas as pd
import pytest

from reference_impl.errors import RegistryError
from reference_impl.lifecycle.identity import enrol_simulated_people
from reference_impl.serving.testing import free_port, wait_for_http

pytestmark = [pytest.mark.postgres]

DEFAULT_DSN = "postgresql://ibml:ibml@127.0.0.1:5432/ibml_test"


@pytest.fixture(scope="module")
def dsn() -> str:
    from reference_impl.lifecycle.tracking import check_store, normalise_db_uri, redact_uri

    uri = normalise_db_uri(os.environ.get("IBML_TEST_POSTGRES_DSN", DEFAULT_DSN))
    try:
        check_store(uri)
    except RegistryError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL required in CI (.ci/start-postgres): {exc}")
        pytest.skip(f"no PostgreSQL server at {redact_uri(uri)} (run .ci/start-postgres or set IBML_TEST_POSTGRES_DSN): {exc}")
    return uri


def _log_toy(tracking_uri: str, workspace, experiment: str, seed: int):
    from sklearn.ensemble import IsolationForest

    from reference_impl.lifecycle.pyfunc import log_native_model
    from reference_impl.lifecycle.tracking import RunLineage, training_run

    X = pd.DataFrame(np.random.default_rng(seed).normal(size=(80, 2)), columns=["a", "b"])
    with training_run(experiment, RunLineage("toy", seed, {}, {}, {}), tracking_uri=tracking_uri,
                      workspace=workspace) as run:
        logged = log_native_model(IsolationForest(n_estimators=5, random_state=seed).fit(X),
                                  kind="estimator", input_example=X.head(2))
    return run.info.run_id, logged, X


def _change_control(tracking_uri: str, workspace) -> None:
    from reference_impl.lifecycle.registry import ModelRegistry, load_champion
    from reference_impl.lifecycle.validation import Threshold

    name = f"pg-toy-{uuid.uuid4().hex[:8]}"
    reg = ModelRegistry(tracking_uri, workspace=workspace)
    enrol_simulated_people({"alice": ["submitter"], "bob": ["model_validator"]}, directory=reg.people)
    for seed in (1, 2):
        run_id, logged, X = _log_toy(tracking_uri, workspace, name, seed)
        info = reg.register(name, model_uri=logged.model_uri, run_id=run_id, submitter="alice",
                            model_digest=logged.model_digest, training_data_digest="d")
        reg.validate(name, info.version, lambda m: {"recall": 0.9}, actor="alice", backtest="toy",
                     thresholds=[Threshold("recall", min_value=0.5)])
        with pytest.raises(RegistryError, match="four-eyes"):
            reg.approve(name, info.version, approver="alice")
        reg.approve(name, info.version, approver="bob")
        reg.promote(name, info.version, actor="bob")
    assert reg.rollback(name, actor="carol").version == "1"
    model, champion = load_champion(name, tracking_uri=tracking_uri)
    assert champion.version == "1" and model.random_state == 1
    assert [(m["from_version"], m["to_version"]) for m in reg.alias_history(name) if m["alias"] == "champion"] == [
        (None, "1"), ("1", "2"), ("2", "1")]


def test_registry_directly_on_postgresql(dsn, workspace):
    _change_control(dsn, workspace)


@pytest.mark.slow
def test_tracking_server_on_postgresql(dsn, workspace, tmp_path):
    """`ibml mlflow-server` on PostgreSQL; clients talk HTTP only (artifacts proxied by the server)."""
    port = free_port()
    env = {**os.environ, "IBML_HOME": str(workspace.root)}
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "reference_impl.cli", "mlflow-server", "--backend-store-uri", dsn,
         "--artifacts-destination", str(tmp_path / "server-artifacts"), "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_http(f"{uri}/health", proc)
        except RuntimeError as exc:
            pytest.fail(f"mlflow server did not start: {exc}\n" + (tmp_path / "server.log").read_text()[-3000:])
        _change_control(uri, workspace)
        assert any((tmp_path / "server-artifacts").rglob("MLmodel"))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
