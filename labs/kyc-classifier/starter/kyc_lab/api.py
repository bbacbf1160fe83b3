"""The HTTP API: classify a document, list the review queue, claim and decide an item.

Every call carries an API key in the ``X-API-Key`` header; ``api_keys`` maps each key to one role.

=====================================  ======================  =========================================
route                                  roles                   answers
=====================================  ======================  =========================================
``POST /v1/kyc/classify``              scorer, admin           200 decision; a ``manual_review`` document
                                                               is queued and ``review_item_id`` is set
``GET /v1/kyc/review?status=pending``  reviewer, admin         200 ``{"items": [...]}`` (never the text)
``POST /v1/kyc/review/{id}/claim``     reviewer *only*         200 item, 404, 409
``POST /v1/kyc/review/{id}/decide``    reviewer *only*         200 item, 404, 409, 422 for a bad label
=====================================  ======================  =========================================

* no key or an unknown key → **401**; a known key whose role is not allowed → **403**. An admin
  administers the service; it does not decide cases (least privilege): claim/decide refuse it.
* bodies are strict (pydantic, ``extra="forbid"``, ``text`` must be a string) → **422** otherwise.
  Classify body: ``{"doc_id": str, "client_id": str | null, "text": str}``; decide body:
  ``{"label": str, "comment": str}``, where ``label`` must be one of ``model.classes`` or
  ``out_of_scope`` (else 422 naming ``label``).
* classify response: ``{"doc_id", "label", "confidence", "route", "reason", "threshold",
  "review_item_id"}``. If the model raises, the document is not lost and not guessed: it goes to
  ``manual_review`` with reason ``model_error`` (fail closed) and is queued.
* review items are :meth:`kyc_lab.review.ReviewItem.to_dict` without any text; the reviewer's name in the
  queue is derived from their key (never the key itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from kyc_lab.review import ReviewQueue
from kyc_lab.service import LazyApp, app_from_env

API_KEY_HEADER = "X-API-Key"
ROLES: tuple[str, ...] = ("scorer", "reviewer", "auditor", "admin")


def create_app(model: Any, queue: ReviewQueue, api_keys: Mapping[str, str], *, home: Path | None = None) -> FastAPI:
    """Build the API around a model (``.classes``, ``.decide``), a review queue and ``{key: role}``.

    ``home`` is a directory the app may write to (audit records, for example); optional.
    """
    raise NotImplementedError("TODO m5: create_app — routes, API-key auth, roles, strict bodies")


#: What ``uvicorn kyc_lab.api:app`` serves: built on first use from environment variables (see
#: :func:`kyc_lab.service.app_from_env`), so importing this module does no work.
app = LazyApp(lambda: app_from_env(create_app))

__all__ = ["API_KEY_HEADER", "ROLES", "app", "create_app"]
