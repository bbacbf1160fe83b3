"""Train a recipe, log everything to MLflow, register the model as ``@challenger``.

This is what ``ibml train anomaly|kyc`` runs. The run records params, metrics (overall and per
anomaly type or document class), plots, the global explainability report (anomaly), dataset lineage (``mlflow.data`` digest and source), git
commit, seed, package versions and feature-view versions; the model is logged as a pyfunc with
signature, input example and explicit pip requirements.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reference_impl.lifecycle.explainability import log_global_explanation
from reference_impl.lifecycle.pyfunc import log_native_model
from reference_impl.lifecycle.recipes import MODEL_NAMES, RecipeResult, train_recipe
from reference_impl.lifecycle.registry import ModelRegistry, ModelVersionInfo
from reference_impl.lifecycle.tracking import (
    RunLineage,
    log_dataset,
    log_figure,
    mlflow_errors,
    open_client,
    quiet_mlflow,
    training_run,
)
from reference_impl.workspace import Workspace

EXPERIMENTS = {"anomaly": "trade-anomaly", "kyc": "kyc-classifier"}


@dataclass
class TrainingOutcome:
    """Result of :func:`train_and_log`: ids, digests, metrics and where the time went."""

    recipe: str
    run_id: str
    model_uri: str
    model_digest: str
    data_digest: str
    metrics: dict[str, float]
    version: ModelVersionInfo | None = None
    timings: dict[str, float] = field(default_factory=dict)
    result: RecipeResult | None = field(default=None, repr=False)


def log_recipe_result(result: RecipeResult) -> tuple[str, str]:
    """Log datasets, metrics, plots and the model of ``result`` into the active run.

    Returns ``(model_uri, model_digest)``.
    """
    for name, (frame, source) in result.datasets.items():
        context = "training" if name.endswith("_train") else "evaluation"
        log_dataset(frame, name=name, source=source, context=context)
    with quiet_mlflow():
        import mlflow

        mlflow.log_metrics({k: v for k, v in result.metrics.items() if math.isfinite(v)})
        mlflow.set_tag("ibml.training_data_digest", result.data_digest)
        mlflow.set_tag("ibml.model_kind", result.kind)
    for path, fig in result.figures.items():
        log_figure(fig, path)
    if result.explanation is not None:
        log_global_explanation(result.explanation)
    logged = log_native_model(result.model, kind=result.kind, input_example=result.input_example)
    with quiet_mlflow():
        mlflow.set_tag("ibml.model_digest", logged.model_digest)
    return logged.model_uri, logged.model_digest


def train_and_log(
    recipe: str,
    *,
    seed: int = 42,
    overrides: Mapping[str, Any] | None = None,
    submitter: str | None = None,
    register: bool = True,
    tracking_uri: str | None = None,
    workspace: Workspace | None = None,
    run_name: str | None = None,
    extra_tags: Mapping[str, str] | None = None,
    registry: ModelRegistry | None = None,
) -> TrainingOutcome:
    """Train ``recipe``, log the run and (unless ``register=False``) register it as ``@challenger``.

    ``registry`` (optional) is the registry to register into, with its audit log and clock; by
    default one is opened on the same store and workspace.
    """
    from reference_impl.lifecycle.model_card import DEFAULT_PROFILE, PROFILES
    from reference_impl.lifecycle.registry import current_user

    timings: dict[str, float] = {}
    open_client(tracking_uri, workspace)  # refuse a locked or unreachable store before training
    t0 = time.perf_counter()
    result = train_recipe(recipe, seed, overrides)
    timings["train_s"] = time.perf_counter() - t0
    lineage = RunLineage(
        recipe=recipe,
        seed=seed,
        params=result.params,
        feature_views=result.feature_views,
        data_digests={"train": result.data_digest},
    )
    t1 = time.perf_counter()
    with training_run(
        EXPERIMENTS[recipe], lineage, run_name=run_name, tracking_uri=tracking_uri, workspace=workspace
    ) as run:
        if extra_tags:
            with quiet_mlflow():
                import mlflow

                mlflow.set_tags(dict(extra_tags))
        model_uri, digest = log_recipe_result(result)
    timings["log_s"] = time.perf_counter() - t1
    outcome = TrainingOutcome(
        recipe=recipe,
        run_id=run.info.run_id,
        model_uri=model_uri,
        model_digest=digest,
        data_digest=result.data_digest,
        metrics=result.metrics,
        timings=timings,
        result=result,
    )
    if register:
        t2 = time.perf_counter()
        name = MODEL_NAMES[recipe]
        registry = registry or ModelRegistry(tracking_uri, workspace=workspace)
        outcome.version = registry.register(
            name,
            model_uri=model_uri,
            run_id=outcome.run_id,
            submitter=submitter or current_user(),
            model_digest=digest,
            training_data_digest=result.data_digest,
            model_tags=PROFILES.get(name, DEFAULT_PROFILE).to_tags(),
        )
        timings["register_s"] = time.perf_counter() - t2
    return outcome


def validate_with_recipe(registry: ModelRegistry, name: str, version: str | int, *, actor: str) -> Any:
    """Validate a version on the backtest of the recipe that trained it (same rows for the champion).

    Reads the recipe, seed and parameters from the version's run, rebuilds that backtest and lets
    :meth:`ModelRegistry.validate` score the version and the current champion on it.
    """
    from reference_impl.errors import ErrorKind, RegistryError
    from reference_impl.lifecycle.recipes import DEFAULT_PARAMS, backtest_evaluator, backtest_name

    info = registry.get(name, version)
    with mlflow_errors(f"reading the run of {name} v{version}"):
        run = registry.client.get_run(info.run_id)
    recipe = run.data.tags.get("ibml.recipe", "")
    if recipe not in DEFAULT_PARAMS:
        raise RegistryError(
            f"{name} v{version} was not trained by an ibml recipe; validate it from Python with an evaluator",
            kind=ErrorKind.INVALID,
        )
    seed = int(run.data.tags.get("ibml.seed", "0"))
    params = {k: v for k, v in run.data.params.items() if k in DEFAULT_PARAMS[recipe]}
    evaluate = backtest_evaluator(recipe, seed, params)
    return registry.validate(name, version, evaluate, actor=actor, backtest=backtest_name(recipe, seed, params))


__all__ = ["EXPERIMENTS", "TrainingOutcome", "log_recipe_result", "train_and_log", "validate_with_recipe"]
