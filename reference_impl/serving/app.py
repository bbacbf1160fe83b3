"""The FastAPI application factory.

``create_app(settings)`` does no work at import or construction time: the lifespan opens the
workspace pieces and loads the models (see :mod:`reference_impl.serving.state`), so tests can build
many apps with their own settings and swap any dependency with ``app.dependency_overrides``.

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
from typing import AsyncIterator, Iterable

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reference_impl import __version__
from reference_impl.serving.middleware import ServiceMiddleware
from reference_impl.serving.settings import ServiceSettings
from reference_impl.serving.state import Providers, build_state

log = logging.getLogger(__name__)

DESCRIPTION = """Trade anomaly scoring and KYC document routing, with the controls a bank needs:
versioned endpoints, strict contracts (unknown fields are rejected), API keys with roles,
a per-request latency budget with a rules-only fallback, inference metadata on every answer,
and an fsync'd, hash-chained audit record of every decision (`ibml audit verify`)."""


def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse({"detail": exc.detail, "request_id": _request_id(request)}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one entry per field at fault (``loc`` names it); inputs are not echoed back."""
    errors = [{k: v for k, v in err.items() if k in ("loc", "msg", "type")} for err in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


def create_app(
    settings: ServiceSettings | None = None,
    *,
    providers: Providers | None = None,
    extra_routers: Iterable[APIRouter] = (),
) -> FastAPI:
    """Build the service.

    Parameters
    ----------
    settings : ServiceSettings, optional
        Defaults to ``ServiceSettings()`` (read from ``IBML_*`` environment variables) — built here,
        when the app is created, never at import.
    providers : Providers, optional
        Factories for models, the feature source and the review queue (fakes in tests).
    extra_routers : iterable of APIRouter
        Routers from other packages; protect them with ``require_role(...)``/``AuditorDep``.
    """
    settings = settings or ServiceSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # read from app.state at startup, so a test may swap settings/providers before the lifespan runs
        state = build_state(app.state.settings, app.state.providers)
        app.state.services = state
        log.info("service ready: trade model %s, kyc model %s", state.trade_model.status if state.trade_model else "-",
                 state.kyc_model.status if state.kyc_model else "-")
        try:
            yield
        finally:
            state.close()
            app.state.services = None

    from reference_impl.serving.routes import ALL_ROUTERS

    app = FastAPI(title="ibml scoring service", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  telemetry={"tracing": False, "metrics": False, "logs": False},  # we export Prometheus metrics
                  openapi_tags=[{"name": "trades", "description": "trade anomaly scoring"},
                                {"name": "kyc", "description": "KYC document classification and routing"},
                                {"name": "kyc review", "description": "the manual-review queue"},
                                {"name": "models", "description": "what is loaded"},
                                {"name": "admin", "description": "operations (admin role)"}])
    app.state.settings = settings
    app.state.providers = providers
    app.state.services = None
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    for router in (*ALL_ROUTERS, *extra_routers):
        app.include_router(router)
    app.add_middleware(ServiceMiddleware, max_body_bytes=settings.max_body_bytes)
    return app


__all__ = ["create_app"]
