"""``GET /v1/models``: what is loaded, from where, trained on what, approved or not."""

from __future__ import annotations

from fastapi import APIRouter

from reference_impl.serving.deps import AuditorDep, StateDep
from reference_impl.serving.http_errors import error_responses
from reference_impl.serving.schemas import ModelsResponse

router = APIRouter(prefix="/v1", tags=["models"], responses=error_responses(401, 403))


@router.get("/models", response_model=ModelsResponse, summary="Loaded model versions and their provenance")
async def list_models(state: StateDep, principal: AuditorDep) -> dict:
    return {"models": [m.info() for m in state.models()]}
