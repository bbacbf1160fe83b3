"""``GET /dashboard``: the monitoring page, served by the scoring service to the ``auditor`` role.

Mount it with ``create_app(settings, extra_routers=[dashboard_router])``. The page is rebuilt from
the workspace's prediction log and outcome labels on each request (a few hundred milliseconds for a
day of traffic; a bank would cache it or precompute it on a schedule). Bad window parameters are a
422 naming the parameter; no log yet is a 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse

from reference_impl.errors import ConfigError, DataValidationError, WorkspaceError
from reference_impl.monitoring.dashboard import render_dashboard
from reference_impl.monitoring.logs import outcomes_path, parse_window
from reference_impl.monitoring.report import report_from_files
from reference_impl.serving.deps import AuditorDep

dashboard_router = APIRouter(tags=["monitoring"])

_WINDOW_HELP = "START/END in ISO-8601 UTC, e.g. 2026-11-02/2026-11-09"


@dashboard_router.get("/dashboard", response_class=HTMLResponse, summary="Monitoring dashboard (auditor role)")
def dashboard(
    request: Request,
    principal: AuditorDep,
    reference_window: Annotated[str | None, Query(description=_WINDOW_HELP)] = None,
    current_window: Annotated[str | None, Query(description=_WINDOW_HELP)] = None,
) -> HTMLResponse:
    """Drift, health, outcomes and business alerts over the prediction log, as one HTML page."""
    try:
        ref = parse_window(reference_window, what="reference_window") if reference_window else None
        cur = parse_window(current_window, what="current_window") if current_window else None
    except ConfigError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    ws = request.app.state.settings.workspace
    if not ws.prediction_log.exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no prediction log yet: score some trades first")
    try:
        report = report_from_files(ws.prediction_log, outcomes_path(ws), reference_window=ref, current_window=cur)
    except (DataValidationError, WorkspaceError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    return HTMLResponse(render_dashboard(report), headers={"Cache-Control": "no-store"})


__all__ = ["dashboard_router"]
