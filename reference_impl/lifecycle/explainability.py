"""The global explainability report of a model version, kept with its training run in MLflow.

Training computes it once (:mod:`reference_impl.anomaly.global_explain`: mean |SHAP| ranking, summary and
dependence plots over a seeded sample of the training rows) and logs it under ``explainability/`` of the
run, so it is as immutable as the model it describes. The model card reads the ranking from there and
copies the PNGs next to itself, linking them by relative paths that work both on disk and among the run's
artifacts (``model_card/<name>-v<version>-explainability/``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from reference_impl.lifecycle.tracking import mlflow_errors, quiet_mlflow

#: Artifact directory of a run holding the report.
ARTIFACT_DIR = "explainability"


def log_global_explanation(explanation: Any, *, client: Any = None, run_id: str | None = None) -> list[str]:
    """Write the report of ``explanation`` and log its files under ``explainability/``.

    Into the active run by default; pass ``client`` and ``run_id`` to attach it to a finished run.
    Returns the artifact paths logged.
    """
    from reference_impl.anomaly.global_explain import write_explainability_report

    with tempfile.TemporaryDirectory(prefix="ibml-explain-") as tmp:
        report = write_explainability_report(explanation, Path(tmp))
        with quiet_mlflow(), mlflow_errors("logging the global explainability report"):
            if client is not None and run_id:
                client.log_artifacts(run_id, tmp, ARTIFACT_DIR)
            else:
                import mlflow

                mlflow.log_artifacts(tmp, ARTIFACT_DIR)
        return [f"{ARTIFACT_DIR}/{p.name}" for p in report.files()]


def has_global_explanation(client: Any, run_id: str) -> bool:
    """Whether the run logged a report (runs from before it existed, and KYC runs, have none)."""
    from reference_impl.anomaly.global_explain import TABLE_JSON

    with mlflow_errors(f"listing the artifacts of run {run_id}"):
        return any(a.path == f"{ARTIFACT_DIR}/{TABLE_JSON}" for a in client.list_artifacts(run_id, ARTIFACT_DIR))


def download_global_explanation(client: Any, run_id: str, dest: Path) -> dict[str, Any] | None:
    """Copy the run's report files into ``dest`` (replacing its contents) and return the ranking payload.

    ``None`` (and nothing written) when the run has no report.
    """
    from reference_impl.anomaly.global_explain import TABLE_JSON

    if not run_id or not has_global_explanation(client, run_id):
        return None
    dest = Path(dest)
    with tempfile.TemporaryDirectory(prefix="ibml-explain-") as tmp:
        with quiet_mlflow(), mlflow_errors(f"downloading the explainability report of run {run_id}"):
            local = Path(client.download_artifacts(run_id, ARTIFACT_DIR, tmp))
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(local, dest)
    payload: dict[str, Any] = json.loads((dest / TABLE_JSON).read_text(encoding="utf-8"))
    return payload


def read_global_explanation(client: Any, run_id: str) -> dict[str, Any] | None:
    """The ranking payload of the run's report (``mean_abs_shap.json``), or ``None`` without one."""
    from reference_impl.anomaly.global_explain import TABLE_JSON

    if not run_id or not has_global_explanation(client, run_id):
        return None
    with tempfile.TemporaryDirectory(prefix="ibml-explain-") as tmp:
        with quiet_mlflow(), mlflow_errors(f"reading the explainability report of run {run_id}"):
            local = Path(client.download_artifacts(run_id, f"{ARTIFACT_DIR}/{TABLE_JSON}", tmp))
        payload: dict[str, Any] = json.loads(local.read_text(encoding="utf-8"))
    return payload


def card_link_dir(name: str, version: str) -> str:
    """Directory next to a model card holding its explainability PNGs (the card links into it)."""
    return f"{name}-v{version}-explainability"


__all__ = [
    "ARTIFACT_DIR",
    "card_link_dir",
    "download_global_explanation",
    "has_global_explanation",
    "log_global_explanation",
    "read_global_explanation",
]
