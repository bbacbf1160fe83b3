"""Latency budgets and the rules-only fallback.

The model is an optimisation on top of the rules, not a single point of failure: if it is missing,
raises, or overruns the request's latency budget, the service answers with the rules-only decision
and says so (``fallback_used`` with a reason). Only when the rules themselves cannot run is there
nothing to degrade to, and then the caller gets a 503 — never a 500.

The model runs on a small dedicated thread pool so a timeout can be enforced from the event loop.
Python cannot kill a thread, so a runaway model call finishes in the background; the pool is
bounded, so a model that hangs every call saturates the pool and every later call falls back at
once (queueing time counts against the budget) instead of piling up threads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MODEL_MISSING = "model_missing"
MODEL_ERROR = "model_error"
MODEL_TIMEOUT = "model_timeout"
ONLINE_STORE_UNAVAILABLE = "online_store_unavailable"
#: Every reason the service may put in ``fallback_reason``.
FALLBACK_REASONS: tuple[str, ...] = (MODEL_MISSING, MODEL_ERROR, MODEL_TIMEOUT, ONLINE_STORE_UNAVAILABLE)


class ScoringUnavailable(RuntimeError):
    """Neither the model nor the rules could decide: the route answers 503."""


@dataclass(frozen=True)
class Outcome:
    """Decisions plus how they were reached."""

    decisions: Sequence[Any]
    fallback_reason: str | None
    model_seconds: float

    @property
    def fallback_used(self) -> bool:
        return self.fallback_reason is not None


async def decide_within_budget(
    model_call: Callable[[], Sequence[Any]] | None,
    rules_call: Callable[[], Sequence[Any]],
    *,
    budget_s: float,
    executor: ThreadPoolExecutor,
    forced_reason: str | None = None,
) -> Outcome:
    """Run ``model_call`` within ``budget_s`` on ``executor``; on any failure run ``rules_call``.

    Parameters
    ----------
    model_call : callable or None
        Zero-argument call returning decisions; ``None`` when no model is loaded.
    rules_call : callable
        Zero-argument rules-only decision; runs inline (it is cheap and must not be able to hang).
    budget_s : float
        Seconds the model may take, including time queued for a worker thread.
    forced_reason : str, optional
        Skip the model and fall back for this reason (e.g. the online store was unavailable, so the
        model would be scoring imputed history).
    """
    start = time.perf_counter()
    reason = forced_reason
    if reason is None and model_call is None:
        reason = MODEL_MISSING
    if reason is None and budget_s <= 0:
        reason = MODEL_TIMEOUT
    if reason is None:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(executor, model_call)  # type: ignore[arg-type]
        try:
            decisions = await asyncio.wait_for(future, timeout=budget_s)
            return Outcome(decisions, None, time.perf_counter() - start)
        except TimeoutError:
            reason = MODEL_TIMEOUT
            log.warning("model exceeded its %.0f ms budget; answering with rules only", budget_s * 1e3)
        except Exception as exc:  # noqa: BLE001 - any model failure degrades to rules
            reason = MODEL_ERROR
            log.warning("model failed (%s); answering with rules only", type(exc).__name__)
    try:
        decisions = rules_call()
    except Exception as exc:
        raise ScoringUnavailable(f"rules-only fallback failed after {reason}: {type(exc).__name__}") from exc
    return Outcome(decisions, reason, time.perf_counter() - start)


__all__ = [
    "FALLBACK_REASONS",
    "MODEL_ERROR",
    "MODEL_MISSING",
    "MODEL_TIMEOUT",
    "ONLINE_STORE_UNAVAILABLE",
    "Outcome",
    "ScoringUnavailable",
    "decide_within_budget",
]
