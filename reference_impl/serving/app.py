"""The FastAPI application factory: the core plus the project rooms it mounts.

``create_app(settings)`` does no work at import or construction time: the lifespan opens the
workspace pieces and each room's state and models (see :mod:`reference_impl.serving.state`), so
tests can build many apps with their own settings and swap any dependency with
``app.dependency_overrides``. Which rooms are mounted comes from ``rooms=`` or ``IBML_ROOMS``
(see :mod:`reference_impl.serving.rooms`); a room that is not mounted is never imported.

Adding routes from another package (e.g. the monitoring dashboard)::

    from reference_impl.serving import AuditorDep, create_app
    router = APIRouter()

    @router.get("/dashboard")
    def dashboard(principal: AuditorDep): ...

    app = create_app(settings, extra_routers=[router])
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Sequence

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reference_impl import __version__
from reference_impl.serving.middleware import ServiceMiddleware
from reference_impl.serving.rooms import load_rooms
from reference_impl.serving.routes import CORE_ROUTERS
from reference_impl.serving.settings import ServiceSettings
from reference_impl.serving.state import Room, build_state

log = logging.getLogger(__name__)

DESCRIPTION = """Trade anomaly scoring and KYC document routing, with the controls a bank needs:
versioned endpoints, strict contracts (unknown fields are rejected), API keys with roles,
a per-request latency budget with a rules-only fallback, inference metadata on every answer,
and an fsync'd, hash-chained audit record of every decision (`ibml audit verify`)."""


def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse(
        {"detail": exc.detail, "request_id": _request_id(request)},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one entry per field at fault (``loc`` names it); inputs are not echoed back."""
    errors = [{k: v for k, v in err.items() if k in ("loc", "msg", "type")} for err in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


def create_app(
    settings: ServiceSettings | None = None,
    *,
    rooms: Sequence[Room] | None = None,
    extra_routers: Iterable[APIRouter] = (),
) -> FastAPI:
    """Build the service.

    Parameters
    ----------
    settings : ServiceSettings, optional
        Defaults to ``ServiceSettings()`` (read from ``IBML_*`` environment variables) — built here,
        when the app is created, never at import.
    rooms : sequence of Room, optional
        The project rooms to mount (``TradesRoom()``, ``KycRoom()``, with fakes in their providers in
        tests). Defaults to the rooms named in ``settings.rooms`` (``IBML_ROOMS``), with real providers.
    extra_routers : iterable of APIRouter
        Routers from other packages; protect them with ``require_role(...)``/``AuditorDep``.
    """
    settings = settings or ServiceSettings()
    mounted = list(rooms) if rooms is not None else load_rooms(settings.room_names)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # read from app.state at startup, so a test may swap settings/rooms before the lifespan runs
        state = build_state(app.state.settings, app.state.rooms)
        app.state.services = state
        log.info("service ready: %s", ", ".join(f"{m.name} {m.status}" for m in state.models()) or "no models")
        try:
            yield
        finally:
            state.close()
            app.state.services = None

    tags = [tag for room in mounted for tag in room.openapi_tags]
    app = FastAPI(
        title="ibml scoring service",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False},  # we export Prometheus metrics
        openapi_tags=[
            *tags,
            {"name": "models", "description": "what is loaded"},
            {"name": "admin", "description": "operations (admin role)"},
        ],
    )
    app.state.settings = settings
    app.state.rooms = mounted
    app.state.services = None
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    for router in (*CORE_ROUTERS, *(r for room in mounted for r in room.routers()), *extra_routers):
        app.include_router(router)
    app.add_middleware(ServiceMiddleware, max_body_bytes=settings.max_body_bytes)
    return app


__all__ = ["create_app"]
