"""Milestone 4: the HTTP API — score a trade event, with keys, roles, strict bodies, a fallback and an audit trail.

=============================  =====================  ==============================================================
route                          roles                  answers
=============================  =====================  ==============================================================
``POST /v1/trades/score``      scorer, admin          200 ``{"result": {...}, "metadata": {...}}``
=============================  =====================  ==============================================================

* The API key travels in the ``X-API-Key`` header; ``api_keys`` maps each key to one of :data:`ROLES`.
  No key or an unknown key -> **401**; a known key whose role may not score (reviewer, auditor) -> **403**.
* The body is one trade event: the fields of ``reference_impl.data.schemas.TradeEventFields`` (you may
  import it: it is the data layer's contract) plus an optional ``notional_usd``. Unknown fields, a
  missing field, a wrong type, a non-positive quantity or a booking before execution -> **422** with
  ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``, where ``loc`` names the field at fault.
* Features come from ``history.features_for([event])`` (:class:`anomaly_lab.history.TradeHistory`).
* ``result``: ``trade_id``, ``score`` (None on the fallback), ``threshold``, ``flagged``, ``decision``
  (``"flag"``/``"clear"``), ``reasons`` (at most four, each with ``code`` and ``source``),
  ``features_used``. ``metadata``: ``request_id``, ``model_version``, ``fallback_used``,
  ``fallback_reason``, ``audit_seq`` (the ``seq`` of the decision's audit record).
* Rules-only fallback: with ``detector=None`` the decision is :func:`anomaly_lab.detector.rules_only`'s
  (``fallback_reason="model_missing"``); if ``detector.decide`` raises, it is
  ``detector.decide_rules_only``'s (``fallback_reason="model_error"``). Never a 500.
* Every decision — fallback ones included — is appended to the audit log at :func:`audit_log_path` before the
  response is sent: ``event_type="trade.decision"``, ``actor`` an identifier of the caller (never the key),
  and a payload with ``input`` (the event; ``trade_id`` as sent, people and client ids may be pseudonymised),
  ``output`` (``flagged``, ``score``, ``reason_codes``), ``model`` (``version``) and ``fallback_reason``.
  If the record cannot be written, the call fails (503): an unaudited decision is never returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from anomaly_lab.history import TradeHistory
from anomaly_lab.service import LazyApp, app_from_env

API_KEY_HEADER = "X-API-Key"
ROLES: tuple[str, ...] = ("scorer", "reviewer", "auditor", "admin")


def audit_log_path(home: Path | str) -> Path:
    """Where the app built with ``home`` appends its audit records."""
    return Path(home) / "audit" / "audit.jsonl"


def create_app(detector: Any | None, api_keys: Mapping[str, str], *, home: Path, history: TradeHistory) -> FastAPI:
    """The API around ``detector`` (``decide``/``decide_rules_only``, or None), ``{key: role}`` and ``history``.

    ``home`` is a directory the app owns (its audit log lives there).
    """
    raise NotImplementedError("TODO m4: create_app — the score route, keys and roles, fallback, audit")


#: What ``uvicorn anomaly_lab.api:app`` serves: built on first use from environment variables
#: (see :mod:`anomaly_lab.service`), so importing this module does no work.
app = LazyApp(lambda: app_from_env(create_app))

__all__ = ["API_KEY_HEADER", "ROLES", "app", "audit_log_path", "create_app"]
