"""What every route shares, built once in the app's lifespan (never at import time), and what a room provides.

The core state holds the controls every room uses (API keys, the audit log, pseudonymisation,
metrics, the prediction log) and the mounted rooms' own states by name. A room's models, stores and
executors live in its state (``serving/trades/state.py``, ``serving/kyc/state.py``), not here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from fastapi import APIRouter

from reference_impl.governance import AuditLog, Pseudonymiser, load_or_create_key
from reference_impl.serving.auth import ApiKeyStore
from reference_impl.serving.metrics import ServiceMetrics
from reference_impl.serving.models import LoadedModel
from reference_impl.serving.prediction_log import PredictionLog
from reference_impl.serving.settings import ServiceSettings

log = logging.getLogger(__name__)


@runtime_checkable
class RoomState(Protocol):
    """A mounted room's live objects (built in the lifespan, closed at shutdown)."""

    def models(self) -> list[LoadedModel[Any]]:
        """The room's model slots, for ``GET /v1/models`` and ``/readyz``."""
        ...

    def load_models(self) -> None:
        """(Re)load the room's models; each slot is swapped atomically."""
        ...

    def checks(self) -> list[tuple[str, bool, str]]:
        """Readiness checks, models included: ``(name, ok, reason when not ok)``."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Room(Protocol):
    """One project's routes and how to build its state from the core's."""

    name: str
    #: OpenAPI tags for the room's routers (``{"name": ..., "description": ...}``).
    openapi_tags: Sequence[dict[str, str]]

    def routers(self) -> Sequence[APIRouter]: ...

    def open(self, core: ServiceState) -> RoomState:
        """Build the room's state; optional pieces that fail must degrade (``checks`` says why), not raise."""
        ...


RoomStateT = TypeVar("RoomStateT", bound=RoomState)


@dataclass
class ServiceState:
    """The live objects behind the routes (``app.state.services``)."""

    settings: ServiceSettings
    api_keys: ApiKeyStore
    audit: AuditLog
    pseudonymiser: Pseudonymiser
    metrics: ServiceMetrics
    prediction_log: PredictionLog
    rooms: dict[str, RoomState] = field(default_factory=dict)

    def room(self, name: str, kind: type[RoomStateT]) -> RoomStateT:
        """The mounted room ``name``'s state (``KeyError`` if the room is not mounted)."""
        state = self.rooms[name]
        if not isinstance(state, kind):
            raise TypeError(f"room {name!r} holds {type(state).__name__}, not {kind.__name__}")
        return state

    def models(self) -> list[LoadedModel]:
        """Every mounted room's model slots, in mount order."""
        return [m for room in self.rooms.values() for m in room.models()]

    def reload_api_keys(self) -> int:
        """Re-read the key file (revoked keys stop working now); returns how many keys are live.

        A malformed file raises ``ConfigError`` and leaves the current store in place.
        """
        store = ApiKeyStore.load(self.settings.api_keys_path)
        self.api_keys = store  # one attribute swap: requests in flight keep the store they started with
        return len(store)

    def load_models(self) -> None:
        """(Re)load every room's models and publish which are loaded."""
        for room in self.rooms.values():
            room.load_models()
        for m in self.models():
            self.metrics.model_loaded.labels(m.name).set(1 if m.ready else 0)

    def close(self) -> None:
        for room in self.rooms.values():
            room.close()
        self.prediction_log.close()
        self.audit.close()


def build_state(settings: ServiceSettings, rooms: Sequence[Room]) -> ServiceState:
    """Open the core's workspace pieces, then each room's; optional pieces degrade, they do not abort."""
    ws = settings.workspace
    state = ServiceState(
        settings=settings,
        api_keys=ApiKeyStore.load(settings.api_keys_path),
        audit=AuditLog(ws.audit_log),
        pseudonymiser=Pseudonymiser(load_or_create_key(settings.pseudonymisation_key_path)),
        metrics=ServiceMetrics.create(settings.latency_objective_ms / 1000.0),
        prediction_log=PredictionLog(ws.prediction_log, enabled=settings.log_predictions),
    )
    for room in rooms:
        state.rooms[room.name] = room.open(state)
    for m in state.models():
        state.metrics.model_loaded.labels(m.name).set(1 if m.ready else 0)
    return state


__all__ = ["Room", "RoomState", "ServiceState", "build_state"]
