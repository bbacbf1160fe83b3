"""The model a batch run scores with: ``name@alias`` resolved once, pinned by version number.

Resolving on the driver before any work starts means a promotion during the run cannot mix versions,
and a model whose input columns the batch features do not provide is refused before anything runs.
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
    pyfunc: Any = field(repr=False)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """The pyfunc's output for a feature frame, exactly as ``spark_udf`` would call it."""
        from reference_impl.lifecycle.pyfunc import to_signature_frame
        from reference_impl.lifecycle.tracking import quiet_mlflow

        with quiet_mlflow():
            out = self.pyfunc.predict(to_signature_frame(features[list(self.input_columns)]))
        return out[list(MODEL_OUTPUT_COLUMNS)]


def resolve_model(
    name: str = DEFAULT_MODEL,
    alias: str = DEFAULT_ALIAS,
    *,
    tracking_uri: str | None = None,
    workspace: Workspace | None = None,
) -> ResolvedModel:
    """Resolve ``name@alias`` to a version number and load that version's pyfunc once on the driver.

    Pinning the number (``models:/name/7``) means a promotion during the run cannot mix versions.

    Raises
    ------
    RegistryError
        The store is unusable, or the alias does not exist.
    """
    from reference_impl.lifecycle import ModelRegistry, mlflow_errors
    from reference_impl.lifecycle.pyfunc import native_from_pyfunc

    registry = ModelRegistry(tracking_uri, workspace=workspace)
    info = registry.by_alias(name, alias)
    if info is None:
        raise RegistryError(
            f"model {name} has no @{alias} alias in {registry.store.uri}; "
            "train and promote a version first (ibml train anomaly, ibml registry ...)"
        )
    uri = f"models:/{name}/{info.version}"
    with mlflow_errors(f"loading {name} v{info.version}"):
        import mlflow

        pyfunc = mlflow.pyfunc.load_model(uri)
    native = native_from_pyfunc(pyfunc)
    ruleset = getattr(getattr(native, "ruleset", None), "version", None) or getattr(native, "ruleset_version", "")
    schema = pyfunc.metadata.get_input_schema()
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
        pyfunc=pyfunc,
    )


__all__ = ["DEFAULT_ALIAS", "DEFAULT_MODEL", "ResolvedModel", "resolve_model"]
