"""Running the API as a service (provided): ``uvicorn kyc_lab.api:app``.

Nothing happens at import. On the first request (or the lifespan event uvicorn sends at startup) the
app trains a model on generated documents, opens the review queue and reads the API keys:

* ``KYC_LAB_HOME`` — directory for the review queue (default ``./kyc-lab-home``);
* ``KYC_LAB_API_KEYS`` — ``role=key`` pairs separated by commas, e.g.
  ``scorer=ibml_0123456789ab_s3cret,reviewer=ibml_ba9876543210_t0ps3cret``. Without it no call is
  authorised (every request gets 401): the service fails closed;
* ``KYC_LAB_N_DOCS`` — how many generated documents to train on (default 2000).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class LazyApp:
    """An ASGI app built by ``factory`` on first use (so ``import kyc_lab.api`` trains nothing)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._app: Any = None
        self._lock = threading.Lock()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = self._factory()
        await self._app(scope, receive, send)


def parse_api_keys(spec: str) -> dict[str, str]:
    """``"role=key,role=key"`` → ``{key: role}``; a malformed pair is a ``ValueError`` naming it."""
    keys: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in spec.split(","))):
        role, sep, key = pair.partition("=")
        if not sep or not role.strip() or not key.strip():
            raise ValueError(f"KYC_LAB_API_KEYS: expected role=key, got {pair.split('=')[0]!r}=...")
        keys[key.strip()] = role.strip()
    return keys


def app_from_env(create_app: Callable[..., Any]) -> Any:
    """Train on generated documents and build the app with ``create_app`` (see the module docstring)."""
    from reference_impl.data import make_clients, make_kyc_documents

    from kyc_lab.review import ReviewQueue
    from kyc_lab.training import OUT_OF_SCOPE, train_routed_model

    home = Path(os.environ.get("KYC_LAB_HOME", "kyc-lab-home"))
    home.mkdir(parents=True, exist_ok=True)
    n_docs = int(os.environ.get("KYC_LAB_N_DOCS", "2000"))
    keys = parse_api_keys(os.environ.get("KYC_LAB_API_KEYS", ""))
    if not keys:
        log.warning("KYC_LAB_API_KEYS is empty: every request will get 401")
    docs = make_kyc_documents(make_clients(max(50, n_docs // 10), seed=0), n_docs=n_docs, seed=0)
    model = train_routed_model(docs, seed=0).model
    queue = ReviewQueue(home / "review_queue.db", labels=[*model.classes, OUT_OF_SCOPE])
    return create_app(model, queue, keys, home=home)


__all__ = ["LazyApp", "app_from_env", "parse_api_keys"]
