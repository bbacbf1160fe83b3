"""``/healthz`` (the process is up) and ``/readyz`` (models loaded, stores reachable, audit writable).

The audit check reports the sink's health, not only file permissions: after an append failed (a full
disk), ``/readyz`` is 503 with the reason until a probe append succeeds, so traffic is held off while
the service cannot record decisions and comes back by itself when space returns.
"""

from __future__ import annotations

import os

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from reference_impl.serving.deps import StateDep
from reference_impl.serving.schemas import HealthResponse, ReadinessResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse, summary="Liveness: the process answers")
async def healthz() -> dict:
    return {"status": "ok"}


def _audit_writable(path: os.PathLike) -> tuple[bool, str]:
    from pathlib import Path

    p = Path(path)
    if p.exists():
        return (p.is_file() and os.access(p, os.W_OK)), f"audit log {p.name} is not a writable file"
    parent = next((q for q in p.parents if q.exists()), None)
    ok = parent is not None and parent.is_dir() and os.access(parent, os.W_OK)
    return ok, "audit log directory is not writable"


@router.get(
    "/readyz",
    response_model=ReadinessResponse,
    responses={
        503: {
            "model": ReadinessResponse,
            "description": "not ready; `reasons` says why (the service still answers, degraded)",
        }
    },
    summary="Readiness: models loaded, stores reachable, audit log writable",
)
async def readyz(state: StateDep) -> JSONResponse:
    checks: dict[str, bool] = {}
    reasons: list[str] = []
    for room in state.rooms.values():
        for name, ok, reason in room.checks():
            checks[name] = ok
            if not ok:
                reasons.append(reason)
    ok, detail = _audit_writable(state.audit.path)
    if ok:
        # after a failed append the sink probes itself (one audit.sink.recovered record): not ready until it works
        ok, detail = await run_in_threadpool(state.audit.health)
    checks["audit_log"] = ok
    if not ok:
        reasons.append(detail)
    ready = all(checks.values())
    return JSONResponse({"ready": ready, "checks": checks, "reasons": reasons}, status_code=200 if ready else 503)
