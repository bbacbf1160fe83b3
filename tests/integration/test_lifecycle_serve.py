"""`mlflow models serve` serves the registered ``@champion`` (no Docker; the venv's own environment)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reference_impl.lifecycle.identity import enrol_simulated_people


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_mlflow_models_serve_answers_invocations(workspace, tmp_path):
    from sklearn.ensemble import IsolationForest

    from reference_impl.lifecycle import ModelRegistry, RunLineage, log_native_model, training_run
    from reference_impl.lifecycle.validation import Threshold

    X = pd.DataFrame(np.random.default_rng(0).normal(size=(100, 3)), columns=["a", "b", "c"])
    model = IsolationForest(n_estimators=10, random_state=0).fit(X)
    with training_run("serve", RunLineage("toy", 0, {}, {}, {}), workspace=workspace) as run:
        logged = log_native_model(model, kind="estimator", input_example=X.head(2))
    reg = ModelRegistry(workspace=workspace)
    enrol_simulated_people({"alice": ["submitter"], "bob": ["model_validator"]}, directory=reg.people)
    reg.register("serve-toy", model_uri=logged.model_uri, run_id=run.info.run_id, submitter="alice",
                 model_digest=logged.model_digest, training_data_digest="d")
    reg.validate("serve-toy", "1", lambda m: {"recall": 1.0}, actor="alice", backtest="toy",
                 thresholds=[Threshold("recall", min_value=0.5)])
    reg.approve("serve-toy", "1", approver="bob")
    reg.promote("serve-toy", "1", actor="bob")

    port = _free_port()
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "MLFLOW_TRACKING_URI": reg.store.uri, "MLFLOW_DISABLE_TELEMETRY": "true",
           "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen([sys.executable, "-m", "mlflow", "models", "serve", "-m", "models:/serve-toy@champion",
                             "--env-manager", "local", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        body = json.dumps({"dataframe_split": X.head(3).to_dict(orient="split")}).encode()
        deadline = time.monotonic() + 180
        while True:
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=body,
                                             headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=5) as resp:
                    payload = json.loads(resp.read())
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("mlflow models serve did not answer:\n" + (tmp_path / "serve.log").read_text()[-3000:])
                time.sleep(0.5)
        preds = payload["predictions"]
        assert [round(p["score"], 9) for p in preds] == [round(s, 9) for s in -model.score_samples(X.head(3))]
        assert all(isinstance(p["flagged"], bool) for p in preds)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
