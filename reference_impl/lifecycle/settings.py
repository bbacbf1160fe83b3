"""Model-lifecycle configuration, read from ``IBML_*`` environment variables (pydantic-settings).

Which MLflow stores the commands use and who is acting. Built afresh on every call that needs it
(cheap), so a changed environment — a test's ``monkeypatch.setenv`` — is always seen. Explicit
arguments (``--tracking-uri``, ``--as``) win over these.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LifecycleSettings(BaseSettings):
    """``IBML_MLFLOW_TRACKING_URI``, ``IBML_MLFLOW_BACKEND_URI``, ``IBML_USER`` and ``IBML_IDENTITY_DIR``.

    Examples
    --------
    >>> LifecycleSettings(mlflow_tracking_uri="http://127.0.0.1:5000").mlflow_tracking_uri
    'http://127.0.0.1:5000'
    """

    model_config = SettingsConfigDict(env_prefix="IBML_", extra="ignore", frozen=True, env_ignore_empty=True)

    mlflow_tracking_uri: str | None = Field(
        None, description="tracking store every command (and the service) uses; default the workspace SQLite file"
    )
    mlflow_backend_uri: str | None = Field(
        None, description="database `ibml mlflow-server` serves; default the workspace SQLite file"
    )
    model_digest: str | None = Field(
        None, description="digest a served pyfunc model must have (mlflow models serve); default the registry's tag"
    )
    user: str | None = Field(
        None, description="acting person id for approvals, promotions and batch runs; default the OS login name"
    )
    identity_dir: str | None = Field(
        None,
        description="people directory (public keys, roles) and private keys; default <IBML_HOME>-identity, "
        "outside the workspace",
    )


__all__ = ["LifecycleSettings"]
