"""Adapter: the reference service (``reference_impl.serving``) with only its trade room mounted.

Routes, auth, the strict event schema, the latency budget and rules-only fallback, and the fail-closed
audit trail are the reference's; this module wires in the lab's detector, ``{key: role}`` mapping (written
to the workspace's key file as the reference stores keys: keyed hashes) and the in-memory trade history
(in place of the reference's online store).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from anomaly_lab.history import TradeHistory
from anomaly_lab.service import LazyApp, app_from_env
from fastapi import FastAPI

from reference_impl.governance import load_or_create_key
from reference_impl.serving.app import create_app as create_service
from reference_impl.serving.auth import ApiKeyStore, KeyEntry, hash_key, key_id_of, keyed_hash, secret_path_for
from reference_impl.serving.models import LoadedModel, failed, loaded
from reference_impl.serving.settings import ServiceSettings
from reference_impl.serving.trades import TradesRoom
from reference_impl.serving.trades.features import FeatureResult
from reference_impl.serving.trades.models import TRADE_MODEL_NAME
from reference_impl.serving.trades.state import TradesProviders
from reference_impl.workspace import Workspace

API_KEY_HEADER = "X-API-Key"
ROLES: tuple[str, ...] = ("scorer", "reviewer", "auditor", "admin")
#: The model may take this long before the answer falls back to rules (explanations run on flagged trades).
LATENCY_BUDGET_MS = 250.0


def audit_log_path(home: Path | str) -> Path:
    return Workspace(Path(home)).audit_log


class HistoryFeatures:
    """The reference trade room's ``FeatureSource`` over a :class:`TradeHistory` (always available)."""

    def __init__(self, history: TradeHistory) -> None:
        self.history = history

    def check(self) -> tuple[bool, str]:
        return True, "ok"

    def features_for(self, rows: Sequence[Mapping[str, Any]]) -> FeatureResult:
        return FeatureResult(self.history.features_for(rows), ["ok"] * len(rows))


def _write_keys(path: Path, api_keys: Mapping[str, str]) -> None:
    secret = load_or_create_key(secret_path_for(path))
    now = dt.datetime.now(dt.UTC).isoformat()
    entries = {}
    for key, role in api_keys.items():
        if role not in ("scorer", "admin"):
            continue  # BUG: only keys that may score are loaded, so a reviewer's key is "unknown" (401, not 403)
        key_id = key_id_of(key)
        if key_id is None:
            raise ValueError(f"api_keys: a key must look like ibml_<12 hex digits>_<secret>, got {key[:8]!r}...")
        entries[key_id] = KeyEntry(key_id, role, keyed_hash(secret, hash_key(key)), now)
    ApiKeyStore(entries, secret).save(path)


def _model_slot(detector: Any | None) -> LoadedModel:
    if detector is None:
        return failed(TRADE_MODEL_NAME, "anomaly_lab", None, missing=True, detail="no detector given")
    return loaded(TRADE_MODEL_NAME, detector, "anomaly_lab", approval_state="approved")


def create_app(detector: Any | None, api_keys: Mapping[str, str], *, home: Path, history: TradeHistory) -> FastAPI:
    from anomaly_lab.detector import rules_only

    settings = ServiceSettings(home=Path(home), rooms="trades", latency_budget_ms=LATENCY_BUDGET_MS)
    settings.api_keys_path.parent.mkdir(parents=True, exist_ok=True)
    _write_keys(settings.api_keys_path, api_keys)
    providers = TradesProviders(
        trade_model=lambda s: _model_slot(detector),
        feature_source=lambda s: HistoryFeatures(history),
        rules_only=lambda: rules_only,
    )
    return create_service(settings, rooms=[TradesRoom(providers)])


app = LazyApp(lambda: app_from_env(create_app))

__all__ = ["API_KEY_HEADER", "ROLES", "app", "audit_log_path", "create_app"]
