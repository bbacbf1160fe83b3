"""``GET /metrics`` in the Prometheus text format, for the ``auditor`` role (or admin).

The counters are business information (how many trades were flagged and cleared, per model), so the
endpoint needs a key like every other read. A Prometheus scraper sends one in a header::

    scrape_configs:
      - job_name: ibml
        static_configs: [{targets: ["127.0.0.1:8000"]}]
        http_headers:                       # Prometheus >= 2.55 / 3.x
          X-API-Key: {files: [/etc/prometheus/ibml_auditor.key]}
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from reference_impl.serving.deps import AuditorDep, StateDep
from reference_impl.serving.http_errors import error_responses

router = APIRouter(tags=["metrics"], responses=error_responses(401, 403))


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "exposition text"}},
)
async def metrics(state: StateDep, principal: AuditorDep) -> Response:
    body, content_type = state.metrics.render()
    return Response(content=body, media_type=content_type)
