"""``POST /v1/admin/reload``: reload API keys (revocations take effect) and models (admin role, audited)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from reference_impl.serving.audit_trail import write_audit
from reference_impl.serving.auth import principal_summary
from reference_impl.serving.deps import AdminDep, StateDep
from reference_impl.serving.http_errors import error_responses
from reference_impl.serving.schemas import ModelsResponse

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=error_responses(401, 403, 503))


@router.post("/reload", response_model=ModelsResponse, summary="Reload models (e.g. after a champion alias move)")
async def reload_models(state: StateDep, principal: AdminDep) -> dict:
    before = {m.name: m.version for m in state.models()}
    keys_live = await run_in_threadpool(state.reload_api_keys)
    await run_in_threadpool(state.load_models)
    models = [m.info() for m in state.models()]
    await write_audit(
        state,
        [
            (
                "service.models_reloaded",
                {
                    "before": before,
                    "after": {m["name"]: m["version"] for m in models},
                    "api_keys_live": keys_live,
                    "caller": principal_summary(principal),
                },
                principal.key_id,
            )
        ],
    )
    return {"models": models}
