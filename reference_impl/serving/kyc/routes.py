"""The KYC routes: ``POST /v1/kyc/classify`` (scorer role) and the manual-review queue (reviewer role).

Claiming and deciding a case take the ``reviewer`` role exactly: ``admin`` administers the service, it
does not decide cases (least privilege; 403). A decision's label must be one of the loaded classifier's
classes or ``out_of_scope`` (the data contract's ``DocClass`` when no model is loaded); anything else is
a 422 naming ``label``.

Every action is audited: a classification, a claim, a reviewer's decision. A claim or decision commits to
the queue only together with its audit record (written inside the queue's transaction, before COMMIT);
if the audit log cannot be written the answer is 503 and the queue is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from starlette.concurrency import run_in_threadpool

from reference_impl.errors import HTTP_STATUS_BY_KIND, ErrorKind, IbmlError
from reference_impl.kyc.review_queue import review_labels
from reference_impl.serving.audit_trail import AuditEvent, with_audit
from reference_impl.serving.auth import Principal, principal_summary, require_role
from reference_impl.serving.context import call_context
from reference_impl.serving.deps import ReviewerDep, ScorerDep, StateDep
from reference_impl.serving.http_errors import error_responses, field_error
from reference_impl.serving.kyc.models import ReviewQueueStore
from reference_impl.serving.kyc.pipeline import classify_document
from reference_impl.serving.kyc.schemas import (
    KycClassifyRequest,
    KycClassifyResponse,
    ReviewDecisionRequest,
    ReviewItemOut,
    ReviewListResponse,
)
from reference_impl.serving.kyc.state import KycState


async def get_kyc(state: StateDep) -> KycState:
    """The KYC room's state (mounted by the app factory)."""
    return state.room("kyc", KycState)


KycDep = Annotated[KycState, Depends(get_kyc)]
#: Deciding a case is the reviewer's job alone: admin does not pass (``admin=False``).
CaseReviewerDep = Annotated[Principal, Depends(require_role("reviewer", admin=False))]


def valid_labels(state: KycState) -> frozenset[str]:
    """The labels a reviewer may assign: the loaded model's classes plus ``out_of_scope``, else ``DocClass``."""
    slot = state.kyc_model
    classes = getattr(slot.obj, "classes", None) if slot is not None and slot.ready else None
    try:
        listed = [str(c) for c in classes] if classes is not None and not callable(classes) else None
    except (TypeError, AttributeError):  # a learner's model without classes: fall back to the contract
        listed = None
    return review_labels(listed)


router = APIRouter(prefix="/v1/kyc", tags=["kyc"], responses=error_responses(400, 401, 403, 413, 503))


@router.post("/classify", response_model=KycClassifyResponse, summary="Classify and route one KYC document")
async def classify(body: KycClassifyRequest, request: Request, state: KycDep, principal: ScorerDep) -> dict:
    """Auto-accept, manual review (queued) or reject; the text is never logged, only its digest."""
    if len(body.text) > state.settings.max_kyc_text_chars:
        raise field_error(
            ("body", "text"),
            f"{len(body.text)} characters exceeds the limit of {state.settings.max_kyc_text_chars}",
            "too_long",
        )
    ctx = call_context(request, principal, "kyc.classify")
    return await classify_document(state, body.doc_id, body.client_id, body.text, ctx)


review_router = APIRouter(prefix="/v1/kyc/review", tags=["kyc review"], responses=error_responses(401, 403, 503))
ItemId = Path(ge=1, le=2**62, description="review item id")


def _queue(state: KycState) -> ReviewQueueStore:
    if state.review_queue is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"review queue unavailable: {state.review_queue_error or 'not configured'}",
        )
    return state.review_queue


def _item_out(item: Any) -> dict[str, Any]:
    d = item.to_dict() if hasattr(item, "to_dict") else dict(item)
    d.pop("text", None)
    return d


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return await run_in_threadpool(fn, *args)
    except IbmlError as exc:  # the error's kind says which status: not found 404, conflict 409, forbidden 403...
        if exc.kind is ErrorKind.INVALID:
            raise field_error(("body",), str(exc)) from None
        raise HTTPException(HTTP_STATUS_BY_KIND[exc.kind], detail=str(exc)) from None


async def _call_audited(
    state: KycState, events: Callable[[Any], list[AuditEvent]], fn: Callable[..., Any], *args: Any
) -> Any:
    """A queue change that commits only together with its audit record (503 and no change if the audit fails)."""
    try:
        item, _records = await with_audit(state.core, fn, *args, audit_events=events)
    except IbmlError as exc:
        if exc.kind is ErrorKind.INVALID:
            raise field_error(("body",), str(exc)) from None
        raise HTTPException(HTTP_STATUS_BY_KIND[exc.kind], detail=str(exc)) from None
    return item


def _reviewer(p: Principal) -> str:
    return f"key:{p.key_id}"


@review_router.get("", response_model=ReviewListResponse, summary="List review items by status")
async def list_items(
    state: KycDep,
    principal: ReviewerDep,
    status_: Literal["pending", "claimed", "decided"] = Query("pending", alias="status"),
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    items = await _call(lambda: _queue(state).list(status_, limit=limit))
    return {"items": [_item_out(i) for i in items]}


@review_router.post(
    "/{item_id}/claim",
    response_model=ReviewItemOut,
    responses=error_responses(404, 409),
    summary="Claim a pending item (a lease; expires if not decided)",
)
async def claim(state: KycDep, principal: CaseReviewerDep, item_id: int = ItemId) -> dict:
    def events(item: Any) -> list[AuditEvent]:
        return [
            (
                "kyc.review.claimed",
                {"item_id": item_id, "doc_id": item.doc_id, "caller": principal_summary(principal)},
                principal.key_id,
            )
        ]

    item = await _call_audited(state, events, _queue(state).claim, item_id, _reviewer(principal))
    return _item_out(item)


@review_router.post(
    "/{item_id}/decide",
    response_model=ReviewItemOut,
    responses=error_responses(400, 404, 409, 413),
    summary="Record the reviewer's label for a claimed item",
)
async def decide(body: ReviewDecisionRequest, state: KycDep, principal: CaseReviewerDep, item_id: int = ItemId) -> dict:
    allowed = valid_labels(state)
    if body.label not in allowed:
        raise field_error(("body", "label"), f"label {body.label!r} is not one of {', '.join(sorted(allowed))}")

    def events(item: Any) -> list[AuditEvent]:
        return [
            (
                "kyc.review.decided",
                {
                    "item_id": item_id,
                    "doc_id": item.doc_id,
                    "label": body.label,
                    "predicted": getattr(item, "predicted", None),
                    "comment_chars": len(body.comment),
                    "caller": principal_summary(principal),
                },
                principal.key_id,
            )
        ]

    item = await _call_audited(
        state, events, _queue(state).decide, item_id, _reviewer(principal), body.label, body.comment
    )
    return _item_out(item)


__all__ = ["KycDep", "get_kyc", "review_router", "router"]
