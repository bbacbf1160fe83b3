"""``GET /metrics`` in the Prometheus text format (unauthenticated, as scrapers expect; loopback by default)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from reference_impl.serving.deps import StateDep

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "exposition text"}},
)
async def metrics(state: StateDep) -> Response:
    body, content_type = state.metrics.render()
    return Response(content=body, media_type=content_type)
