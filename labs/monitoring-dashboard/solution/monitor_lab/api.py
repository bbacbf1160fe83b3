"""Adapter: the reference service (``reference_impl.serving``) with no scoring room, the reference
``/dashboard`` page, and the lab's daily report as JSON — behind the reference's API-key auth.

Keys are written to the workspace's key file as the reference stores them (keyed hashes, never the keys).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response, status
from monitor_lab.errors import MonitorError
from monitor_lab.report import daily_report, parse_day, report_json
from monitor_lab.service import LazyApp, app_from_env

from reference_impl.errors import DataValidationError, WorkspaceError
from reference_impl.governance import load_or_create_key
from reference_impl.monitoring.logs import load_outcomes, load_prediction_log, outcomes_path
from reference_impl.monitoring.routes import dashboard_router
from reference_impl.serving.app import create_app as create_service
from reference_impl.serving.auth import ApiKeyStore, KeyEntry, hash_key, key_id_of, keyed_hash, secret_path_for
from reference_impl.serving.deps import AuditorDep
from reference_impl.serving.settings import ServiceSettings

API_KEY_HEADER = "X-API-Key"
ROLES: tuple[str, ...] = ("scorer", "reviewer", "auditor", "admin")

daily_router = APIRouter(tags=["monitoring"])


@daily_router.get("/v1/monitoring/daily/{day}", summary="Daily monitoring report (auditor role)")
def daily(day: str, request: Request, principal: AuditorDep) -> Response:
    """The daily report of ``day`` as canonical JSON."""
    try:
        parsed = parse_day(day)
    except MonitorError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    ws = request.app.state.settings.workspace
    if not ws.prediction_log.exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no prediction log yet: score some trades first")
    try:
        log = load_prediction_log(ws.prediction_log)
        outcomes = load_outcomes(outcomes_path(ws))
    except (DataValidationError, WorkspaceError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    start = dt.datetime.combine(parsed, dt.time(), tzinfo=dt.UTC)
    if not ((log["ts"] >= start) & (log["ts"] < start + dt.timedelta(days=1))).any():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no predictions on {parsed.isoformat()} (UTC)")
    try:
        body = report_json(daily_report(log, outcomes, parsed))
    except MonitorError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def _write_keys(path: Path, api_keys: Mapping[str, str]) -> None:
    secret = load_or_create_key(secret_path_for(path))
    now = dt.datetime.now(dt.UTC).isoformat()
    entries = {}
    for key, role in api_keys.items():
        key_id = key_id_of(key)
        if key_id is None:
            raise MonitorError(f"api_keys: a key must look like ibml_<12 hex digits>_<secret>, got {key[:8]!r}...")
        if role not in ROLES:
            raise MonitorError(f"api_keys: role {role!r} is not one of {', '.join(ROLES)}")
        entries[key_id] = KeyEntry(key_id, role, keyed_hash(secret, hash_key(key)), now)
    ApiKeyStore(entries, secret).save(path)


def create_app(home: Path, api_keys: Mapping[str, str]) -> FastAPI:
    settings = ServiceSettings(home=Path(home), rooms="")
    settings.api_keys_path.parent.mkdir(parents=True, exist_ok=True)
    _write_keys(settings.api_keys_path, api_keys)
    return create_service(settings, rooms=[], extra_routers=[daily_router, dashboard_router])


app = LazyApp(lambda: app_from_env(create_app))

__all__ = ["API_KEY_HEADER", "ROLES", "app", "create_app"]
