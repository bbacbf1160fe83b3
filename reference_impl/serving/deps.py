"""``Annotated`` dependency aliases so route signatures read as what they need.

``StateDep`` is the live :class:`~reference_impl.serving.state.ServiceState` (rooms add their own,
e.g. ``TradesDep``); ``ScorerDep`` etc. are
the authenticated caller holding that role (401 without a key, 403 with the wrong role). Swap any of
them in a test with ``app.dependency_overrides[get_state] = ...``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from reference_impl.serving.auth import Principal, require_role
from reference_impl.serving.state import ServiceState


async def get_state(request: Request) -> ServiceState:
    """The state built in the lifespan (503 if the app is used without its lifespan).

    ``async`` so FastAPI calls it on the event loop, not on a worker thread (see ``get_principal``).
    """
    services = getattr(request.app.state, "services", None)
    if services is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="service is starting")
    return services


StateDep = Annotated[ServiceState, Depends(get_state)]
require_scorer = require_role("scorer")
require_reviewer = require_role("reviewer")
require_auditor = require_role("auditor")
require_admin = require_role("admin")
ScorerDep = Annotated[Principal, Depends(require_scorer)]
ReviewerDep = Annotated[Principal, Depends(require_reviewer)]
AuditorDep = Annotated[Principal, Depends(require_auditor)]
AdminDep = Annotated[Principal, Depends(require_admin)]


__all__ = [
    "AdminDep",
    "AuditorDep",
    "ReviewerDep",
    "ScorerDep",
    "StateDep",
    "get_state",
    "require_admin",
    "require_auditor",
    "require_reviewer",
    "require_scorer",
]
