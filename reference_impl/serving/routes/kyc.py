"""``POST /v1/kyc/classify``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from reference_impl.serving.deps import ScorerDep, StateDep, call_context
from reference_impl.serving.http_errors import field_error
from reference_impl.serving.routes import error_responses
from reference_impl.serving.schemas import KycClassifyRequest, KycClassifyResponse
from reference_impl.serving.scoring import classify_document

router = APIRouter(prefix="/v1/kyc", tags=["kyc"], responses=error_responses(400, 401, 403, 413, 503))


@router.post("/classify", response_model=KycClassifyResponse, summary="Classify and route one KYC document")
async def classify(body: KycClassifyRequest, request: Request, state: StateDep, principal: ScorerDep) -> dict:
    """Auto-accept, manual review (queued) or reject; the text is never logged, only its digest."""
    if len(body.text) > state.settings.max_kyc_text_chars:
        raise field_error(("body", "text"), f"{len(body.text)} characters exceeds the limit of "
                          f"{state.settings.max_kyc_text_chars}", "too_long")
    ctx = call_context(request, principal, "kyc.classify")
    return await classify_document(state, body.doc_id, body.client_id, body.text, ctx)
