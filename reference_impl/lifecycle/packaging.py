"""Package the champion as a container: the Docker build context MLflow generates, made reproducible.

MLflow offers two routes (both need the tracking store to resolve ``models:/NAME@champion``)::

    MLFLOW_TRACKING_URI=sqlite:///.ibml/mlflow/mlflow.db \\
        mlflow models build-docker -m models:/trade-anomaly@champion -n trade-anomaly:champion
    MLFLOW_TRACKING_URI=sqlite:///.ibml/mlflow/mlflow.db \\
        mlflow models generate-dockerfile -m models:/trade-anomaly@champion -d build/trade-anomaly

``build-docker`` needs a Docker engine; ``generate-dockerfile`` only writes the build context (a
``Dockerfile`` plus the model directory ``model_dir/``), which a CI job with a Docker engine — or a
bank's image factory — then builds and scans. :func:`generate_docker_context` does the latter in
process, resolving the alias to a *version* first so the context records exactly which model it
contains (``ibml-model.json``); the image then serves ``POST /invocations`` on port 8080.

The logged model carries its own copy of ``reference_impl`` (``code_paths``) and pinned pip
requirements, so the image does not depend on this checkout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from reference_impl.errors import ErrorKind, RegistryError
from reference_impl.lifecycle.registry import CHAMPION, ModelRegistry, ModelVersionInfo
from reference_impl.lifecycle.tracking import mlflow_errors, quiet_mlflow
from reference_impl.workspace import atomic_dir


@dataclass(frozen=True)
class DockerContext:
    """A generated build context: its directory, the Dockerfile and the model version inside."""

    directory: Path
    dockerfile: Path
    model: ModelVersionInfo


def generate_docker_context(
    name: str,
    out_dir: Path | str,
    *,
    alias: str = CHAMPION,
    registry: ModelRegistry | None = None,
    install_mlflow: bool = False,
) -> DockerContext:
    """Write the Docker build context of ``name@alias`` into ``out_dir`` (replaced atomically)."""
    reg = registry or ModelRegistry()
    info = reg.by_alias(name, alias)
    if info is None:
        raise RegistryError(f"{name} has no @{alias} to package", kind=ErrorKind.NOT_FOUND)
    model_uri = f"models:/{name}/{info.version}"
    out = Path(out_dir)
    with atomic_dir(out) as tmp, mlflow_errors(f"generating the Docker context of {model_uri}"), quiet_mlflow():
        from mlflow.models.flavor_backend_registry import get_flavor_backend

        backend = get_flavor_backend(model_uri, docker_build=True, env_manager="virtualenv")
        if backend is None or not backend.can_build_image():
            raise RegistryError(f"{model_uri} has no flavour MLflow can build an image for", kind=ErrorKind.INVALID)
        backend.generate_dockerfile(model_uri, str(tmp), install_mlflow=install_mlflow)
        (tmp / "ibml-model.json").write_text(
            json.dumps({**info.to_dict(), "model_uri": model_uri}, indent=2, sort_keys=True)
        )
    dockerfile = out / "Dockerfile"
    if not dockerfile.exists():
        raise RegistryError(f"MLflow did not write a Dockerfile into {out}", kind=ErrorKind.UNAVAILABLE)
    return DockerContext(directory=out, dockerfile=dockerfile, model=info)


__all__ = ["DockerContext", "generate_docker_context"]
