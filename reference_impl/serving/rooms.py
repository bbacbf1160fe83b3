"""How the app factory finds the project rooms it mounts, by name, importing only those.

A *room* is one portfolio project's slice of the service (``serving/trades``, ``serving/kyc``): its
routers, its models and the state they need. The core talks to rooms only through the
:class:`~reference_impl.serving.state.Room` and :class:`~reference_impl.serving.state.RoomState`
protocols and imports a room only when it is mounted, so a service built with the trades room alone
never imports the KYC code and vice versa.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from reference_impl.errors import ConfigError
from reference_impl.serving.state import Room

#: Room name -> ``module:attribute`` of a zero-argument factory; the module is imported only when mounted.
ROOM_FACTORIES: dict[str, str] = {
    "trades": "reference_impl.serving.trades:TradesRoom",
    "kyc": "reference_impl.serving.kyc:KycRoom",
}


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


__all__ = ["ROOM_FACTORIES", "load_rooms"]
