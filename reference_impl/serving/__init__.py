"""The FastAPI scoring service: a core (app factory, auth, audit trail, fallbacks, health, metrics) and
one room per project (``trades`` for project A, ``kyc`` for project B) that the factory mounts.

Run it with ``ibml serve``; create keys with ``ibml apikey create --role scorer``. The rooms'
own names live in their packages (``reference_impl.serving.trades``, ``reference_impl.serving.kyc``),
which this module does not import, so mounting one room never imports the other.
"""

from reference_impl.serving.app import create_app
from reference_impl.serving.auth import ApiKeyStore, Principal, create_api_key, require_role
from reference_impl.serving.context import CallContext, call_context
from reference_impl.serving.deps import AdminDep, AuditorDep, ReviewerDep, ScorerDep, StateDep
from reference_impl.serving.models import LoadedModel
from reference_impl.serving.rooms import load_rooms
from reference_impl.serving.settings import ServiceSettings
from reference_impl.serving.state import Room, RoomState, ServiceState

__all__ = [
    "AdminDep",
    "ApiKeyStore",
    "AuditorDep",
    "CallContext",
    "LoadedModel",
    "Principal",
    "ReviewerDep",
    "Room",
    "RoomState",
    "ScorerDep",
    "ServiceSettings",
    "ServiceState",
    "StateDep",
    "call_context",
    "create_api_key",
    "create_app",
    "load_rooms",
    "require_role",
]
