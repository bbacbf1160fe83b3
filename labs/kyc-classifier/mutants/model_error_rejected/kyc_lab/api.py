"""Mutant (planted bug, see ../../MUTANTS.toml): a model error answers reject_unknown instead of failing closed to manual review.

Adapter: the reference service (``reference_impl.serving``) with only its KYC room mounted.

The routes, auth, strict schemas, fail-closed pipeline and audit trail are the reference's; this module
only wires the lab's model, queue and ``{key: role}`` mapping into it (keys are written to the
workspace's key file as the reference stores them: keyed hashes, never the keys).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from reference_impl.governance import load_or_create_key
from reference_impl.serving.app import create_app as create_service
from reference_impl.serving.auth import ApiKeyStore, KeyEntry, hash_key, key_id_of, keyed_hash, secret_path_for
from reference_impl.serving.kyc import KycRoom
from reference_impl.serving.kyc.models import KYC_MODEL_NAME
from reference_impl.serving.kyc.state import KycProviders
from reference_impl.serving.models import loaded
from reference_impl.serving.settings import ServiceSettings

from kyc_lab.review import ReviewQueue
from kyc_lab.service import LazyApp, app_from_env

API_KEY_HEADER = "X-API-Key"
ROLES: tuple[str, ...] = ("scorer", "reviewer", "auditor", "admin")


def _write_keys(path: Path, api_keys: Mapping[str, str]) -> None:
    secret = load_or_create_key(secret_path_for(path))
    now = dt.datetime.now(dt.UTC).isoformat()
    entries = {}
    for key, role in api_keys.items():
        key_id = key_id_of(key)
        if key_id is None:
            raise ValueError(f"api_keys: a key must look like ibml_<12 hex digits>_<secret>, got {key[:8]!r}...")
        entries[key_id] = KeyEntry(key_id, role, keyed_hash(secret, hash_key(key)), now)
    ApiKeyStore(entries, secret).save(path)


class _DropOnError:
    """Wraps the model: a model error answers reject_unknown (planted bug - the document is dropped, not reviewed)."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.classes = model.classes

    def decide(self, texts: Any, doc_ids: Any = None) -> list:
        from reference_impl.kyc.routing import KycDecision

        try:
            return self._model.decide(texts, doc_ids)
        except Exception:
            ids = [None] * len(texts) if doc_ids is None else list(doc_ids)
            return [KycDecision(None, 0.0, "reject_unknown", "low_confidence", None, None, i) for i in ids]


def create_app(model: Any, queue: ReviewQueue, api_keys: Mapping[str, str], *, home: Path | None = None) -> FastAPI:
    """The reference app, KYC room only, serving ``model`` and ``queue`` to the holders of ``api_keys``."""
    home = Path(tempfile.mkdtemp(prefix="kyc-lab-")) if home is None else Path(home)
    settings = ServiceSettings(home=home, rooms="kyc")
    settings.api_keys_path.parent.mkdir(parents=True, exist_ok=True)
    _write_keys(settings.api_keys_path, api_keys)
    providers = KycProviders(
        kyc_model=lambda s: loaded(KYC_MODEL_NAME, _DropOnError(model), "kyc_lab", approval_state="approved"),
        review_queue=lambda s: queue,
    )
    return create_service(settings, rooms=[KycRoom(providers)])


app = LazyApp(lambda: app_from_env(create_app))

__all__ = ["API_KEY_HEADER", "ROLES", "app", "create_app"]
