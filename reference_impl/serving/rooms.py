"""What the core needs from a project room, and how the factory finds the rooms it mounts.

A *room* is one portfolio project's slice of the service (``serving/trades``, ``serving/kyc``): its
routers, its models and the state they need. The core (app factory, auth, audit trail, health,
metrics) talks to rooms only through the two protocols below, and imports a room only when it is
mounted, so a service built with the trades room alone never imports the KYC code and vice versa.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from fastapi import APIRouter

from reference_impl.errors import ConfigError

if TYPE_CHECKING:
    from reference_impl.serving.models import LoadedModel
    from reference_impl.serving.state import ServiceState

#: Room name -> ``module:attribute`` of a zero-argument factory; the module is imported only when mounted.
ROOM_FACTORIES: dict[str, str] = {
    "trades": "reference_impl.serving.trades:TradesRoom",
    "kyc": "reference_impl.serving.kyc:KycRoom",
}


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


def load_rooms(names: Sequence[str]) -> list[Room]:
    """The rooms named in ``IBML_ROOMS``, in order, each built with its default providers."""
    rooms: list[Room] = []
    for name in names:
        target = ROOM_FACTORIES.get(name)
        if target is None:
            raise ConfigError(f"IBML_ROOMS: unknown room {name!r}; expected some of {', '.join(ROOM_FACTORIES)}")
        module, attr = target.split(":")
        rooms.append(getattr(importlib.import_module(module), attr)())
    return rooms


__all__ = ["ROOM_FACTORIES", "Room", "RoomState", "load_rooms"]
