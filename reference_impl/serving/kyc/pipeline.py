"""The KYC pipeline behind ``POST /v1/kyc/classify``: classify, route, queue for review, audit.

The document text goes to the model and, when a human must look at it, to the review queue; the
audit record and the logs carry only its digest. The decision is audited (fsync'd) before the
response is built; without an audit record there is no answer (503). A document routed to review is
queued in the same step: the audit record is written inside the queue's transaction, before its
COMMIT, so a failed audit write leaves nothing queued.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from reference_impl.errors import IbmlError
from reference_impl.governance import json_safe
from reference_impl.governance.lineage import text_digest as _sha256_hex
from reference_impl.serving.audit_trail import AuditEvent, decision_dict, finite_or_none, with_audit, write_audit
from reference_impl.serving.auth import principal_summary
from reference_impl.serving.context import CallContext
from reference_impl.serving.http_errors import field_error, unavailable
from reference_impl.serving.kyc.models import (
    KYC_MODEL_NAME,
    KycDecider,
    QueueAuditHook,
    ReviewItemLike,
    ReviewQueueStore,
)
from reference_impl.serving.kyc.state import KycState

log = logging.getLogger(__name__)


def text_digest(text: str) -> str:
    """Reference to a document's text that can be logged (SHA-256), instead of the text itself."""
    return "sha256:" + _sha256_hex(text)


async def classify_document(
    state: KycState, doc_id: str, client_id: str | None, text: str, ctx: CallContext
) -> dict[str, Any]:
    """Classify and route one KYC document; enqueue it for review when routed there; audit it."""
    model = state.kyc_model
    classifier = model.obj if model is not None and model.ready else None
    if classifier is None:
        # there is no rules-only KYC decision worth giving: every document goes to a human
        decision = {
            "label": None,
            "confidence": 0.0,
            "route": "manual_review",
            "reason": "model_unavailable",
            "reason_text": "the classifier is not loaded; a reviewer must classify this document",
            "threshold": None,
        }
        fallback = "model_missing"
    else:
        try:
            decision = await run_in_threadpool(_classify, classifier, doc_id, text)
            fallback = None
        except IbmlError as exc:
            raise field_error(("body", "text"), str(exc)) from None
        except Exception as exc:  # noqa: BLE001
            log.warning("KYC model failed (%s); routing to manual review", type(exc).__name__)
            decision = {
                "label": None,
                "confidence": 0.0,
                "route": "manual_review",
                "reason": "model_error",
                "reason_text": "the classifier failed on this document; a reviewer must classify it",
                "threshold": None,
            }
            fallback = "model_error"
    pseudo_client = state.core.pseudonymiser.pseudonymise(client_id) if client_id else None
    meta: dict[str, Any] = {
        "request_id": ctx.request_id,
        "model_name": KYC_MODEL_NAME,
        "model_version": model.version if model and fallback is None else None,
        "ruleset_version": None,
        "fallback_used": fallback is not None,
        "fallback_reason": fallback,
    }

    def events(review_item_id: int | None) -> list[AuditEvent]:
        return [("kyc.decision", json_safe(_payload(review_item_id)), ctx.principal.key_id)]

    def _payload(review_item_id: int | None) -> dict[str, Any]:
        return {
            "request_id": ctx.request_id,
            "endpoint": ctx.endpoint,
            "received_at": ctx.received_at,
            "input": {
                "doc_id": doc_id,
                "client_id": pseudo_client,
                "text_ref": text_digest(text),
                "text_chars": len(text),
            },
            "output": {k: decision.get(k) for k in ("label", "confidence", "route", "reason", "threshold")}
            | {"review_item_id": review_item_id},
            "model": {
                "name": KYC_MODEL_NAME,
                "version": meta["model_version"],
                "training_data_digest": model.training_data_digest if model else None,
            },
            "fallback_reason": fallback,
            "caller": principal_summary(ctx.principal),
        }

    review_item_id = None
    if decision["route"] == "manual_review":
        if state.review_queue is None:
            raise unavailable(f"review queue unavailable: {state.review_queue_error or 'not configured'}")
        # the queue row commits only together with the decision's audit record (written before its COMMIT)
        item, records = await with_audit(
            state.core,
            _enqueue,
            state.review_queue,
            doc_id,
            text,
            decision,
            audit_events=lambda item: events(int(item.item_id)),
        )
        review_item_id = int(item.item_id)
    else:
        records = await write_audit(state.core, events(None))
    meta["audit_seq"] = records[0]["seq"]
    meta["latency_ms"] = round(ctx.elapsed_ms(), 3)
    state.core.metrics.decisions.labels(ctx.endpoint, decision["route"]).inc()
    if fallback:
        state.core.metrics.fallbacks.labels(ctx.endpoint, fallback).inc()
    state.core.prediction_log.write(
        [
            {
                "ts": ctx.received_at,
                "request_id": ctx.request_id,
                "endpoint": ctx.endpoint,
                "status_code": 200,
                "latency_ms": meta["latency_ms"],
                "model_name": KYC_MODEL_NAME,
                "model_version": meta["model_version"],
                "ruleset_version": None,
                "fallback_used": fallback is not None,
                "fallback_reason": fallback,
                "score": None,
                "flagged": None,
                "decision": decision["route"],
                "confidence": decision.get("confidence"),
                "reason_codes": [decision["reason"]],
                "features": {},
                "caller_role": ctx.principal.role,
                "doc_id": doc_id,
                "label": decision.get("label"),
            }
        ]
    )
    return {
        "doc_id": doc_id,
        "label": decision.get("label"),
        "confidence": float(decision.get("confidence") or 0.0),
        "route": decision["route"],
        "reason": decision["reason"],
        "reason_text": decision.get("reason_text", ""),
        "threshold": finite_or_none(decision.get("threshold")),
        "review_item_id": review_item_id,
        "metadata": meta,
    }


def _classify(model: KycDecider, doc_id: str, text: str) -> dict[str, Any]:
    """Run the KYC model on one document (``KycModel.decide``: classifier, guards and per-class thresholds)."""
    return decision_dict(model.decide([text], doc_ids=[doc_id])[0])


def _enqueue(
    queue: ReviewQueueStore, doc_id: str, text: str, decision: Mapping[str, Any], *, audit: QueueAuditHook
) -> ReviewItemLike:
    """Queue the document (the queue keeps the text; nothing else does); ``audit`` runs before the commit."""
    return queue.enqueue(
        doc_id,
        text,
        predicted=decision.get("label"),
        confidence=float(decision.get("confidence") or 0.0),
        reason=str(decision.get("reason")),
        actor="service",
        audit=audit,
    )


__all__ = ["classify_document", "text_digest"]
