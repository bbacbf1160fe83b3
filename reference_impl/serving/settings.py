"""Service configuration, read from ``IBML_*`` environment variables (pydantic-settings).

Nothing is read at import time: :func:`reference_impl.serving.app.create_app` takes a
:class:`ServiceSettings` (tests build one explicitly; ``ibml serve`` builds it from the environment).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from reference_impl.workspace import Workspace, default_home

#: Where models come from: the MLflow registry's ``@champion`` alias, files saved in the workspace, or nowhere.
ModelSource = Literal["registry", "local", "none"]


class ServiceSettings(BaseSettings):
    """Every knob of the scoring service; ``IBML_<NAME>`` in the environment overrides the default.

    Examples
    --------
    >>> ServiceSettings(home="/tmp/x", latency_budget_ms=40).latency_budget_ms
    40.0
    """

    model_config = SettingsConfigDict(env_prefix="IBML_", extra="ignore", frozen=True, env_ignore_empty=True)

    home: Path = Field(default_factory=default_home, description="workspace root (IBML_HOME)")
    host: str = Field("127.0.0.1", description="bind address; loopback unless you mean to expose it")
    port: int = Field(8000, ge=0, le=65535)
    model_source: ModelSource = "local"
    mlflow_tracking_uri: str | None = Field(
        None, description="MLflow tracking URI for model_source=registry (IBML_MLFLOW_TRACKING_URI, as the commands)"
    )
    trade_model_path: Path | None = Field(None, description="detector file; default <home>/models/trade-anomaly")
    kyc_model_path: Path | None = Field(None, description="classifier file; default <home>/models/kyc-classifier")
    latency_budget_ms: float = Field(50.0, gt=0, description="time the model may take before we answer with rules only")
    latency_objective_ms: float = Field(
        25.0, gt=0, description="p99 service-level objective; a histogram bucket sits here"
    )
    max_body_bytes: int = Field(65_536, gt=0, description="requests above this size get 413")
    max_batch_size: int = Field(100, ge=1, le=100, description="events per score-batch call (the schema allows 100)")
    micro_batch_max_events: int = Field(
        64,
        ge=1,
        le=1000,
        description="concurrent score requests share one feature read, model call and audit fsync, up to this many "
        "events per batch; 1 scores every request on its own",
    )
    max_kyc_text_chars: int = Field(20_000, ge=1, le=20_000)
    log_predictions: bool = Field(True, description="append to the prediction log that monitoring reads")
    rooms: str = Field("trades,kyc", description="comma-separated project rooms to mount: trades, kyc")
    http_max_header_bytes: int = Field(
        16_384, ge=1_024, le=1_048_576, description="request line + headers above this get 400 and a closed connection"
    )
    http_request_timeout_s: float = Field(
        10.0, gt=0, le=300, description="time a client has to send a complete request; then the connection is closed"
    )
    http_keepalive_timeout_s: float = Field(5.0, gt=0, le=300, description="an idle keep-alive connection is closed")
    http_max_concurrency: int = Field(
        256,
        ge=1,
        description="connections or requests in flight above this get 503 at once (uvicorn limit_concurrency)",
    )

    @property
    def room_names(self) -> tuple[str, ...]:
        """``rooms`` as a tuple of names, in mount order."""
        return tuple(name.strip() for name in self.rooms.split(",") if name.strip())

    @property
    def workspace(self) -> Workspace:
        """The workspace these settings point at."""
        return Workspace(Path(self.home))

    @property
    def api_keys_path(self) -> Path:
        """Where hashed API keys live (``ibml apikey create`` writes it)."""
        return Path(self.home) / "serving" / "api_keys.json"

    @property
    def pseudonymisation_key_path(self) -> Path:
        return Path(self.home) / "secrets" / "pseudonymisation.key"

    def resolved_trade_model_path(self) -> Path:
        return self.trade_model_path or self.workspace.models_dir / "trade-anomaly"

    def resolved_kyc_model_path(self) -> Path:
        return self.kyc_model_path or self.workspace.models_dir / "kyc-classifier"


__all__ = ["ModelSource", "ServiceSettings"]
