"""m5 — the dashboard service: the daily report as JSON and the monitoring page as HTML, behind API keys.

The service reads the prediction log ``<home>/logs/predictions.jsonl`` and the outcome labels
``<home>/logs/outcomes.jsonl`` (optional) on every request — nothing is cached, so the page shows
what the log says now. Every call carries an API key in the ``X-API-Key`` header; ``api_keys`` maps
each key (``ibml_<12 hex digits>_<secret>``) to one role.

======================================  ================  ===============================================
route                                   roles             answers
======================================  ================  ===============================================
``GET /v1/monitoring/daily/{day}``      auditor, admin    200 the :func:`~monitor_lab.report.daily_report`
                                                          of ``day`` (``YYYY-MM-DD``) as JSON (the bytes of
                                                          :func:`~monitor_lab.report.report_json`);
                                                          404 no log yet, or no predictions that day;
                                                          422 a malformed ``day`` (the message names it)
``GET /dashboard``                      auditor, admin    200 one self-contained HTML page (no scripts, no
                                                          external requests): drift, health, outcomes and
                                                          active alerts; optional query parameters
                                                          ``reference_window`` / ``current_window``
                                                          (``START/END``, ISO-8601 UTC) else the last day
                                                          against the first week; 404 no log; 422 bad window
======================================  ================  ===============================================

* no key or an unknown key -> **401**; a known key whose role may not read monitoring (``scorer``,
  ``reviewer``) -> **403**. Monitoring data shows business volumes and model weaknesses: it is for
  the auditor (model risk, internal audit) and the administrator, not for every caller.
* error bodies are ``{"detail": "<one line>"}``.

You may build the service on ``reference_impl.serving.create_app`` (its auth, ``require_role`` and
``AuditorDep``) and ``reference_impl.monitoring.render_dashboard`` — the lab is about what the
dashboard shows and who may see it, not about drawing charts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import FastAPI

from monitor_lab.service import LazyApp, app_from_env

API_KEY_HEADER = "X-API-Key"
ROLES: tuple[str, ...] = ("scorer", "reviewer", "auditor", "admin")


def create_app(home: Path, api_keys: Mapping[str, str]) -> FastAPI:
    """The dashboard service over the logs under ``home`` for the holders of ``api_keys`` (``{key: role}``)."""
    raise NotImplementedError("TODO m5: create_app — JSON report + HTML page, API-key auth, 401/403/404/422")


#: What ``uvicorn monitor_lab.api:app`` serves: built on first use from environment variables (see
#: :func:`monitor_lab.service.app_from_env`), so importing this module does no work.
app = LazyApp(lambda: app_from_env(create_app))

__all__ = ["API_KEY_HEADER", "ROLES", "app", "create_app"]
