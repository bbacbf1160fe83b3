"""The contract pieces every room shares: strict request bases, identifiers, inference metadata, errors.

Strict where it matters to a bank: bounded identifiers with a safe alphabet, timezone-aware
timestamps (a naive one is an error, not a guess), and **unknown fields rejected**
(``extra="forbid"``). MLflow's scoring server drops a misspelt extra column and scores the rest; we
answer 422 naming the field instead. Each room declares its own request and response models
(``serving/trades/schemas.py``, ``serving/kyc/schemas.py``) from these pieces.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reference_impl.data.schemas import Identifier


class StrictModel(BaseModel):
    """Unknown fields rejected; field types below are strict (no epoch integers for timestamps, no "5" for 5)."""

    model_config = ConfigDict(extra="forbid")


class InferenceMetadata(BaseModel):
    """What an auditor needs to reproduce a decision, returned with every answer."""

    request_id: str
    model_name: str
    model_version: str | None = Field(description="None when no model was loaded (rules-only)")
    ruleset_version: str | None = None
    latency_ms: float
    fallback_used: bool
    fallback_reason: str | None = Field(
        None, description="model_missing | model_error | model_timeout | online_store_unavailable"
    )
    audit_seq: int | None = Field(None, description="sequence number of the audit record of this decision")


class ModelInfoOut(BaseModel):
    """A loaded (or failed) model as ``GET /v1/models`` reports it."""

    name: str
    status: Literal["loaded", "missing", "error"]
    source: str
    version: str | None = None
    ruleset_version: str | None = None
    training_data_digest: str | None = None
    approval_state: str | None = None
    loaded_at: str | None = None
    detail: str | None = Field(None, description="why the model is missing or failed to load")


class ModelsResponse(BaseModel):
    models: list[ModelInfoOut]


class HealthResponse(BaseModel):
    status: Literal["ok"]


class ReadinessResponse(BaseModel):
    ready: bool
    checks: dict[str, bool]
    reasons: list[str]


class ErrorResponse(BaseModel):
    """Body of every 4xx/5xx the service itself produces (validation errors use FastAPI's shape)."""

    detail: str
    request_id: str | None = None


__all__ = [
    "ErrorResponse",
    "HealthResponse",
    "Identifier",
    "InferenceMetadata",
    "ModelInfoOut",
    "ModelsResponse",
    "ReadinessResponse",
    "StrictModel",
]
