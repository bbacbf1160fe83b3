"""Finding 5: a malicious pickle in a registered model's artifacts never runs.

The attacker replaces ``native.joblib`` with a pickle whose ``__reduce__`` writes a marker file and
edits the ``model_digest`` in the ``MLmodel`` file beside it. Every load path compares the artifact with
the digest recorded at registration *before* deserialising, so the load is refused with a one-line
error and the marker is never created.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from reference_impl.errors import ModelError
from reference_impl.governance.lineage import file_digest



class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _poison(store, tmp_path: Path, index: int) -> Path:
    """Replace the model's native artifact with a malicious pickle and fix up the MLmodel digest."""
    from mlflow.models import Model

    from reference_impl.lifecycle.pyfunc import NATIVE_FILE

    import mlflow

    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=store.models[index].model_uri))
    # the artifact store is a local directory: find the stored copy of this model's native file
    root = Path(store.workspace.root)
    stored = [p for p in root.rglob(NATIVE_FILE) if file_digest(p) == store.models[index].model_digest]
    assert stored, f"no stored {NATIVE_FILE} under {root} (downloaded to {local})"
    marker = tmp_path / "PWNED"
    for native in stored:
        native.write_bytes(pickle.dumps(_Evil(marker)))
        mlmodel = native.parent.parent / "MLmodel"
        model = Model.load(str(mlmodel))
        model.flavors["python_function"]["config"]["model_digest"] = file_digest(native)
        model.save(str(mlmodel))
    return marker


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text, text
    return text


def test_load_version_refuses_a_malicious_artifact_before_unpickling(toy_store, tmp_path):
    from reference_impl.lifecycle.registry import load_champion, load_version

    reg = toy_store.registry()
    name = toy_store.new_name()
    info = toy_store.register(reg, name, 3)
    marker = _poison(toy_store, tmp_path, 3)
    with pytest.raises(ModelError) as err:
        load_version(name, info.version, registry=reg)
    assert "does not match the digest recorded at registration" in _one_line(err.value)
    assert not marker.exists()
    reg.client.set_registered_model_alias(name, "champion", info.version)
    with pytest.raises(ModelError):
        load_champion(name, tracking_uri=reg.store.uri)
    assert not marker.exists()


def test_registry_validate_refuses_a_malicious_artifact(toy_store, tmp_path):
    reg = toy_store.registry()
    name = toy_store.new_name()
    info = toy_store.register(reg, name, 2)
    marker = _poison(toy_store, tmp_path, 2)
    with pytest.raises(ModelError):
        reg.validate(
            name, info.version, toy_store.evaluator(), actor="val", backtest="toy", thresholds=toy_store.thresholds()
        )
    assert not marker.exists()


def test_pyfunc_loader_refuses_a_malicious_artifact(toy_store, tmp_path, monkeypatch):
    """``mlflow.pyfunc.load_model`` (batch, ``mlflow models serve``): the digest comes from the registry or the env."""
    import mlflow

    from reference_impl.lifecycle.pyfunc import DIGEST_ENV, expect_digest

    reg = toy_store.registry()
    name = toy_store.new_name()
    info = toy_store.register(reg, name, 1)
    marker = _poison(toy_store, tmp_path, 1)
    uri = f"models:/{name}/{info.version}"
    with expect_digest(info.model_digest), pytest.raises(Exception, match="refusing to load"):
        mlflow.pyfunc.load_model(uri)
    monkeypatch.setenv(DIGEST_ENV, info.model_digest)
    with pytest.raises(Exception, match="refusing to load"):
        mlflow.pyfunc.load_model(uri)
    monkeypatch.delenv(DIGEST_ENV)
    with pytest.raises(Exception, match="refusing to load"):  # the registration's tag, found through the run
        mlflow.pyfunc.load_model(uri)
    assert not marker.exists()


def test_untampered_versions_still_load_on_every_path(toy_store):
    import mlflow

    from reference_impl.lifecycle.pyfunc import expect_digest, native_from_pyfunc
    from reference_impl.lifecycle.registry import load_version

    reg = toy_store.registry()
    name = toy_store.new_name()
    info = toy_store.register(reg, name, 0)
    native, got = load_version(name, info.version, registry=reg)
    assert native.n_estimators == 5 and got.version == info.version
    with expect_digest(info.model_digest):
        pm = mlflow.pyfunc.load_model(f"models:/{name}/{info.version}")
    assert native_from_pyfunc(pm, info.model_digest).n_estimators == 5
    assert native_from_pyfunc(mlflow.pyfunc.load_model(f"models:/{name}/{info.version}")).n_estimators == 5
    with pytest.raises(ModelError, match="not verified"):
        native_from_pyfunc(pm, "0" * 64)
