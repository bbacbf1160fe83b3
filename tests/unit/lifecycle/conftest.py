"""Fixtures for the lifecycle tests: a small tracking store with a few logged toy models.

Logging a model costs about a second, so each test module logs its toy models once into a
module-scoped workspace; each test then registers them under its own model name, which keeps the
tests independent (the registry and the audit log are filtered by name).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reference_impl.workspace import Workspace

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
