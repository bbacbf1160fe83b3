"""``POST /v1/trades/score`` and ``/v1/trades/score-batch``.

Both routes return their JSON already serialised. The body is built by ``score_trades`` in exactly
the shape of the declared ``response_model`` (which still documents the response in OpenAPI), so
FastAPI's second validation pass of every response would only cost time on the hottest path.
Conformance is proved by tests instead: the contract
tests validate responses against the models, and schemathesis checks every response against the schema.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from reference_impl.serving.context import call_context
from reference_impl.serving.deps import ScorerDep, StateDep
from reference_impl.serving.http_errors import error_responses, field_error
from reference_impl.serving.trades.pipeline import score_trades
from reference_impl.serving.trades.schemas import ScoreBatchRequest, ScoreBatchResponse, ScoreResponse, TradeEventIn
from reference_impl.serving.trades.state import TradesState

router = APIRouter(prefix="/v1/trades", tags=["trades"], responses=error_responses(400, 401, 403, 413, 503))


async def get_trades(state: StateDep) -> TradesState:
    """The trade room's state (mounted by the app factory)."""
    return state.room("trades", TradesState)


TradesDep = Annotated[TradesState, Depends(get_trades)]


@router.post("/score", response_model=ScoreResponse, summary="Score one trade event")
async def score(event: TradeEventIn, request: Request, state: TradesDep, principal: ScorerDep) -> Response:
    """Online features + model (rules-only fallback within the latency budget) + reason codes, audited."""
    ctx = call_context(request, principal, "trades.score")
    results, meta = await score_trades(state, [event], ctx)
    return shaped_json({"result": results[0], "metadata": meta})


@router.post("/score-batch", response_model=ScoreBatchResponse, summary="Score up to IBML_MAX_BATCH_SIZE events")
async def score_batch(body: ScoreBatchRequest, request: Request, state: TradesDep, principal: ScorerDep) -> Response:
    """Same as ``/score`` for a bounded list; one audit record per event, written with one fsync."""
    limit = state.settings.max_batch_size
    if len(body.events) > limit:
        raise field_error(
            ("body", "events"), f"batch of {len(body.events)} events exceeds the limit of {limit}", "too_long"
        )
    ctx = call_context(request, principal, "trades.score_batch")
    results, meta = await score_trades(state, body.events, ctx)
    return shaped_json({"results": results, "metadata": meta})


def shaped_json(content: dict[str, Any]) -> Response:
    """A response body already in its ``response_model``'s shape, as JSON (a NaN fails loudly, never leaks)."""
    return Response(json.dumps(content, allow_nan=False, separators=(",", ":")), media_type="application/json")
