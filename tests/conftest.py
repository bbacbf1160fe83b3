"""Shared fixtures: every test gets a private HOME and a private IBML_HOME workspace.

Jupyter, matplotlib and MLflow write under HOME; the project writes under IBML_HOME. Pointing
both at temporary directories keeps tests hermetic and lets them run in parallel.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

from reference_impl.serving import ServiceSettings, create_api_key, create_app
from reference_impl.serving.testing import fake_rooms, test_client
from reference_impl.workspace import Workspace

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MPLBACKEND", "Agg")

_SESSION_HOME = tempfile.mkdtemp(prefix="ibml-test-home-")
os.environ["HOME"] = _SESSION_HOME
os.environ.setdefault("MPLCONFIGDIR", os.path.join(_SESSION_HOME, ".matplotlib"))

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def _private_workspace_env(tmp_path, monkeypatch):
    """Every test's default ``IBML_HOME`` is private (the same path :func:`workspace` uses), so nothing a test
    saves (a detector, its seal key beside the workspace) lands in the checkout's ``./.ibml``."""
    monkeypatch.setenv("IBML_HOME", str(tmp_path / "ibml-home"))


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A fresh, empty workspace (``IBML_HOME``) for one test."""
    from reference_impl.workspace import Workspace

    home = tmp_path / "ibml-home"
    monkeypatch.setenv("IBML_HOME", str(home))
    return Workspace(home)


def shared_dataset(relpath: str) -> Path:
    """Path to a file in ../shared/datasets; skip outside CI when absent, fail in CI."""
    path = SHARED_DATASETS / relpath
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared dataset {path} is missing in CI")
        pytest.skip(f"shared dataset {path} not available on this machine")
    return path


# --------------------------------------------------------------------------- the service on fakes
# Shared by tests/unit/serving and tests/security: an app on fake models, with one API key per role.

ROLES = ("scorer", "reviewer", "auditor", "admin")


class Service:
    """A running TestClient plus the keys, settings and state behind it."""

    def __init__(self, client: Any, keys: dict[str, str], settings: ServiceSettings) -> None:
        self.client, self.keys, self.settings = client, keys, settings

    @property
    def state(self) -> Any:
        return self.client.app.state.services

    @property
    def trades(self) -> Any:
        """The trade room's state (detector slot, feature source, micro-batcher)."""
        from reference_impl.serving.trades import TradesState

        return self.state.room("trades", TradesState)

    def headers(self, role: str = "scorer", **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role], **extra}

    def post(self, path: str, role: str = "scorer", **kw: Any) -> Any:
        return self.client.post(path, headers=self.headers(role, **kw.pop("headers", {})), **kw)

    def get(self, path: str, role: str = "auditor", **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(role, **kw.pop("headers", {})), **kw)


@pytest.fixture
def make_service(workspace) -> Callable[..., Service]:
    """Build a service on fakes; keyword arguments go to ``fake_rooms`` or ``ServiceSettings``."""
    stack = contextlib.ExitStack()
    provider_keys = {"detector", "trade_model", "features", "kyc"}

    def _make(rooms: Any = None, **kw: Any) -> Service:
        pkw = {k: kw.pop(k) for k in list(kw) if k in provider_keys}
        kw.setdefault("latency_budget_ms", 5_000)  # generous: only the timeout tests shrink it
        settings = ServiceSettings(home=workspace.root, **kw)
        keys = {role: create_api_key(settings.api_keys_path, role)[0] for role in ROLES}
        app = create_app(settings, rooms=rooms or fake_rooms(**pkw))
        client = stack.enter_context(test_client(app))
        return Service(client, keys, settings)

    yield _make
    stack.close()


@pytest.fixture
def service(make_service) -> Service:
    return make_service()


# --------------------------------------------------------------------------- a toy MLflow registry
# Shared by tests/unit/lifecycle and tests/security: four tiny logged models in a module-scoped store.

_names = itertools.count()


@dataclass(frozen=True)
class ToyModel:
    run_id: str
    model_uri: str
    model_digest: str
    quality: float  # what the toy evaluator reports for this model


@dataclass
class ToyStore:
    workspace: Workspace
    models: list[ToyModel]
    X: pd.DataFrame

    def registry(self, **kwargs):
        from reference_impl.lifecycle.registry import ModelRegistry

        return ModelRegistry(workspace=self.workspace, **kwargs)

    def new_name(self) -> str:
        return f"toy-{next(_names)}"

    def evaluator(self):
        return toy_evaluator(self)

    @staticmethod
    def thresholds():
        return thresholds()

    def register(self, reg, name: str, index: int, submitter: str = "alice"):
        m = self.models[index]
        return reg.register(name, model_uri=m.model_uri, run_id=m.run_id, submitter=submitter,
                            model_digest=m.model_digest, training_data_digest="d" * 64)


def toy_evaluator(store: ToyStore):
    """Metrics by model: the toy 'backtest' reads the quality recorded for each n_estimators."""
    by_trees = {5 + i: m.quality for i, m in enumerate(store.models)}

    def evaluate(model) -> dict[str, float]:
        q = by_trees[model.n_estimators]
        return {"recall": q, "precision": q}

    return evaluate




def thresholds():
    from reference_impl.lifecycle.validation import Threshold

    return [Threshold("recall", min_value=0.5, max_drop=0.05), Threshold("precision", min_value=0.5)]


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory) -> ToyStore:
    from sklearn.ensemble import IsolationForest

    from reference_impl.lifecycle.pyfunc import log_native_model
    from reference_impl.lifecycle.tracking import RunLineage, log_dataset, training_run

    ws = Workspace(Path(tmp_path_factory.mktemp("lifecycle")) / "ibml-home")
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(120, 3)), columns=["a", "b", "c"])
    models = []
    # qualities: v1 good, v2 good, v3 fails validation, v4 good
    for i, quality in enumerate([0.8, 0.82, 0.3, 0.85]):
        lineage = RunLineage("toy", i, {"n_estimators": 5 + i}, {"toy_view": "1"}, {"train": "d" * 64})
        with training_run("toy", lineage, workspace=ws) as run:
            log_dataset(X, name="toy_train", source={"generator": "rng.normal", "seed": 0})
            model = IsolationForest(n_estimators=5 + i, random_state=i).fit(X)
            logged = log_native_model(model, kind="estimator", input_example=X.head(2))
        models.append(ToyModel(run.info.run_id, logged.model_uri, logged.model_digest, quality))
    enrol_toy_people(ws)
    return ToyStore(ws, models, X)


def enrol_toy_people(ws: Workspace) -> None:
    """Simulated people: alice submits and validates (so four eyes is what stops her), bob and carol validate."""
    from reference_impl.lifecycle.identity import (
        MODEL_VALIDATOR,
        SUBMITTER,
        PeopleDirectory,
        enrol_simulated_people,
    )

    enrol_simulated_people(
        {"alice": [SUBMITTER, MODEL_VALIDATOR], "bob": [MODEL_VALIDATOR], "carol": [MODEL_VALIDATOR]},
        directory=PeopleDirectory.for_workspace(ws),
    )
