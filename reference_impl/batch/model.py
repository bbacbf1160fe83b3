"""The model a batch run scores with: ``name@alias`` resolved once, pinned by version number.

Resolving on the driver before any work starts means a promotion during the run cannot mix versions,
and a model whose input columns the batch features do not provide is refused before anything runs.

Loading goes through :func:`reference_impl.lifecycle.registry.load_version`: the artifact's bytes are checked
against the digest recorded at registration *before* they are unpickled, and MLflow's pyfunc loader (which
would execute the artifact's ``python_model.py``) is never called. Both engines score with that verified
native object through :func:`~reference_impl.lifecycle.pyfunc.predict_frame`, the function the pyfunc
wrapper's ``predict`` calls; the Spark engine ships it to its workers in its own pandas UDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reference_impl.batch.decisions import MODEL_OUTPUT_COLUMNS
from reference_impl.errors import RegistryError
from reference_impl.features.columns import FEATURE_COLUMNS
from reference_impl.workspace import Workspace

DEFAULT_MODEL = "trade-anomaly"
DEFAULT_ALIAS = "champion"


@dataclass
class ResolvedModel:
    """The registered model version an alias pointed at when the job started (pinned by number)."""

    name: str
    alias: str
    version: str
    uri: str
    model_digest: str
    ruleset_version: str
    input_columns: tuple[str, ...]
    native: Any = field(repr=False)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """The pyfunc's output for a feature frame (its ``predict`` is this same call), from the verified model."""
        from reference_impl.lifecycle.pyfunc import predict_frame, to_signature_frame

        out = predict_frame("detector", self.native, to_signature_frame(features[list(self.input_columns)]))
        return out[list(MODEL_OUTPUT_COLUMNS)]


def resolve_model(
    name: str = DEFAULT_MODEL,
    alias: str = DEFAULT_ALIAS,
    *,
    tracking_uri: str | None = None,
    workspace: Workspace | None = None,
) -> ResolvedModel:
    """Resolve ``name@alias`` to a version number and load that version once on the driver, verified.

    Pinning the number (``models:/name/7``) means a promotion during the run cannot mix versions. The
    artifact's digest is checked against the one recorded at registration before it is unpickled; only
    the ``MLmodel`` file's signature is read otherwise (YAML, no code).

    Raises
    ------
    RegistryError
        The store is unusable, or the alias does not exist.
    ModelError
        The artifact does not match the digest recorded at registration (or none was recorded).
    """
    from reference_impl.lifecycle import ModelRegistry, mlflow_errors
    from reference_impl.lifecycle.registry import load_version

    registry = ModelRegistry(tracking_uri, workspace=workspace)
    info = registry.by_alias(name, alias)
    if info is None:
        raise RegistryError(
            f"model {name} has no @{alias} alias in {registry.store.uri}; "
            "train and promote a version first (ibml train anomaly, ibml registry ...)"
        )
    uri = f"models:/{name}/{info.version}"
    native, info = load_version(name, info.version, registry=registry)
    with mlflow_errors(f"reading the signature of {name} v{info.version}"):
        from mlflow.models import get_model_info

        from reference_impl.lifecycle.tracking import quiet_mlflow

        with quiet_mlflow():
            signature = get_model_info(uri).signature
    ruleset = getattr(getattr(native, "ruleset", None), "version", None) or getattr(native, "ruleset_version", "")
    schema = signature.inputs if signature is not None else None
    columns = tuple(schema.input_names()) if schema is not None else FEATURE_COLUMNS
    missing = [c for c in columns if c not in FEATURE_COLUMNS]
    if missing:
        raise RegistryError(
            f"{name} v{info.version} expects input column(s) the batch features do not have: {', '.join(missing[:5])}"
        )
    return ResolvedModel(
        name=name,
        alias=alias,
        version=info.version,
        uri=uri,
        model_digest=info.model_digest,
        ruleset_version=str(ruleset),
        input_columns=columns,
        native=native,
    )


__all__ = ["DEFAULT_ALIAS", "DEFAULT_MODEL", "ResolvedModel", "resolve_model"]
