"""The trade-scoring pipeline behind the routes: features, decision, audit, prediction log, metrics.

Order matters for the controls: the decision is computed, then **audited (fsync'd) before the
response is built**; if the audit write fails the request fails closed (503) and nothing is
acknowledged. The prediction log (monitoring data) is written after the audit and may fail softly.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.anomaly.rules import REQUEST_GROUP_COLUMN
from reference_impl.errors import FeatureStoreError, IbmlError
from reference_impl.governance import json_safe
from reference_impl.serving.audit_trail import AuditEvent, decision_dict, finite_or_none, write_audit
from reference_impl.serving.auth import principal_summary
from reference_impl.serving.context import CallContext
from reference_impl.serving.fallback import ONLINE_STORE_UNAVAILABLE, Outcome, ScoringUnavailable, decide_within_budget
from reference_impl.serving.http_errors import field_error, unavailable
from reference_impl.serving.models import LoadedModel
from reference_impl.serving.trades.features import FeatureResult, FeatureSource
from reference_impl.serving.trades.models import TRADE_MODEL_NAME, RulesOnly, TradeDetector
from reference_impl.serving.trades.schemas import TradeEventIn
from reference_impl.serving.trades.state import TradesState

log = logging.getLogger(__name__)


def shape_trade_result(d: Mapping[str, Any], online_status: str) -> dict[str, Any]:
    """A detector ``Decision`` dict as the API's ``TradeDecisionOut`` (finite numbers, at most 4 reasons)."""
    reasons = [
        {
            "code": str(r.get("code")),
            "text": str(r.get("text", "")),
            "source": r.get("source", "rule"),
            "feature": r.get("feature"),
            "value": finite_or_none(r.get("value")),
            "contribution": finite_or_none(r.get("contribution")),
        }
        for r in (d.get("reasons") or [])[:4]
    ]
    flagged = bool(d.get("flagged"))
    return {
        "trade_id": str(d.get("trade_id")),
        "score": finite_or_none(d.get("score")),
        "threshold": finite_or_none(d.get("threshold")),
        "flagged": flagged,
        "decision": "flag" if flagged else "clear",
        "reasons": reasons,
        "features_used": {str(k): finite_or_none(v) for k, v in (d.get("features") or {}).items()},
        "imputed": [str(x) for x in d.get("imputed") or []],
        "overrides": [str(x) for x in d.get("overrides") or []],
        "online_features": online_status,
    }


def audit_event_input(state: TradesState, event: TradeEventIn) -> dict[str, Any]:
    """The audited copy of an input event: identifiers of people and clients pseudonymised."""
    row = event.model_dump(mode="json")
    return state.core.pseudonymiser.pseudonymise_fields(row)


@dataclass(frozen=True)
class ScoreJob:
    """One request's events and call context, waiting for the trade scorer's next batch."""

    events: Sequence[TradeEventIn]
    ctx: CallContext


async def score_trades(state: TradesState, events: Sequence[TradeEventIn], ctx: CallContext) -> tuple[list[dict], dict]:
    """Score events; return (results, metadata) after the decisions are durably audited.

    Concurrent calls are micro-batched (:mod:`reference_impl.serving.batching`): they share one feature
    read, one model call and one audit ``fsync``, and each still gets its own answer and audit records.
    """
    return await state.scorer.submit(ScoreJob(events, ctx))  # score_jobs answers 503 when nothing can decide


async def score_jobs(state: TradesState, jobs: Sequence[ScoreJob]) -> list[tuple[list[dict], dict] | Exception]:
    """Score a micro-batch of requests: one result ``(results, metadata)`` or one HTTP error per job.

    The model snapshot is taken once, so a reload during the batch cannot mix versions. Rows carry
    their request's index in :data:`~reference_impl.anomaly.REQUEST_GROUP_COLUMN`, so the duplicate rule
    never pairs events of two different callers (a decision must not depend on who else was in the batch).
    """
    model = state.trade_model
    detector = model.obj if model is not None and model.ready else None
    rules = detector.decide_rules_only if detector is not None else state.rules_only
    out: list[Any] = [None] * len(jobs)
    if state.features is None:
        return [unavailable(f"feature computation unavailable: {state.features_error or 'not configured'}")] * len(jobs)
    if rules is None:
        return [unavailable("no model and no rules-only fallback are loaded")] * len(jobs)
    state.core.metrics.batch_events.observe(sum(len(job.events) for job in jobs))
    feats = _features_per_job(state.features, jobs, out)
    live = [i for i in range(len(jobs)) if out[i] is None]
    if not live:
        return out
    outcomes = await _decide_per_job(state, detector, rules, live, feats, out)
    audit_events, shaped = [], {}
    for i in outcomes:
        try:
            results, meta = _shape_job(jobs[i], feats[i], outcomes[i], model)
            job_audit = _audit_events(state, jobs[i], results, meta, model, outcomes[i].fallback_reason)
        except Exception as exc:  # noqa: BLE001 - one request's decision that cannot be shaped fails that request
            log.error("decision could not be shaped: %s", type(exc).__name__)
            out[i] = unavailable("the decision could not be recorded; the event was not scored")
            continue
        shaped[i] = (results, meta)
        audit_events.extend(job_audit)
    if not shaped:
        return out
    try:
        records = await write_audit(state.core, audit_events)
    except Exception as exc:  # noqa: BLE001 - the 503 (fail closed) goes to every job of this batch
        for i in shaped:
            out[i] = exc
        return out
    at = 0
    for i, (results, meta) in shaped.items():
        mine = records[at : at + len(results)]
        at += len(results)
        meta["audit_seq"] = mine[0]["seq"] if len(mine) == 1 else None
        meta["latency_ms"] = round(jobs[i].ctx.elapsed_ms(), 3)
        _count(state, jobs[i], results, outcomes[i])
        out[i] = (results, meta)
    state.core.prediction_log.write(
        row for i, (results, meta) in shaped.items() for row in _prediction_rows(jobs[i], results, meta)
    )
    return out


@dataclass(frozen=True)
class _JobFeatures:
    """One job's rows ``start:stop`` of a feature result (shared by the batch when computed in one call)."""

    result: FeatureResult
    start: int
    stop: int

    @property
    def status(self) -> list[str]:
        return list(self.result.status[self.start : self.stop])

    @property
    def store_available(self) -> bool:
        return all(s != "unavailable" for s in self.status)


def _job_rows(job: ScoreJob) -> list[dict[str, Any]]:
    return [e.to_row() for e in job.events]


def _features_per_job(source: FeatureSource, jobs: Sequence[ScoreJob], out: list[Any]) -> dict[int, _JobFeatures]:
    """Features for every job in one call; if that fails, job by job so one bad event fails only its request.

    Everything that touches one request's data (its rows, its features) runs inside a per-job ``try``:
    an exception there becomes that job's own 422/503, never the batch's.
    """
    rows: dict[int, list[dict[str, Any]]] = {}
    for i, job in enumerate(jobs):
        try:
            rows[i] = _job_rows(job)
        except Exception as exc:  # noqa: BLE001 - one request's unusable event fails that request only
            log.warning("event could not be prepared: %s", type(exc).__name__)
            out[i] = field_error(("body",), "the event could not be prepared for scoring")
    if len(rows) > 1:
        try:
            whole = source.features_for([r for job_rows in rows.values() for r in job_rows])
        except Exception:  # noqa: BLE001 - isolate the culprit below
            whole = None
        if whole is not None:
            feats, at = {}, 0
            for i, job_rows in rows.items():
                feats[i] = _JobFeatures(whole, at, at + len(job_rows))
                at += len(job_rows)
            return feats
    feats = {}
    for i, job_rows in rows.items():
        try:
            result = source.features_for(job_rows)
            feats[i] = _JobFeatures(result, 0, len(job_rows))
        except FeatureStoreError as exc:
            out[i] = field_error(("body",), str(exc))
        except Exception as exc:  # noqa: BLE001 - no features means no rules either: 503, not 500
            log.error("feature computation failed: %s", type(exc).__name__)
            out[i] = unavailable("feature computation failed; the event could not be scored")
    return feats


async def _decide_per_job(
    state: TradesState,
    detector: TradeDetector | None,
    rules: RulesOnly,
    live: list[int],
    feats: dict[int, _JobFeatures],
    out: list[Any],
) -> dict[int, Outcome]:
    """One model call for the batch's jobs (those with online state), within the budget; rules-only for the rest.

    If the batch's call fails in a way that one job's data could cause (a model input error, or the
    rules failing), the jobs are decided one by one so only the culprit gets the error.
    """
    budget_s = state.settings.latency_budget_ms / 1000.0  # the model's share; features and audit are not optional
    groups = {
        ONLINE_STORE_UNAVAILABLE: [i for i in live if not feats[i].store_available],
        None: [i for i in live if feats[i].store_available],
    }
    outcomes: dict[int, Outcome] = {}
    for forced, members in groups.items():
        if not members:
            continue
        try:
            outcome = await _decide(state, detector, rules, [feats[i] for i in members], budget_s, forced)
        except (ScoringUnavailable, IbmlError) as exc:
            if len(members) == 1:
                out[members[0]] = (
                    unavailable(str(exc)) if isinstance(exc, ScoringUnavailable) else field_error(("body",), str(exc))
                )
                continue
            for i in members:  # isolate the job that caused it
                outcomes.update(await _decide_per_job(state, detector, rules, [i], feats, out))
            continue
        at = 0
        for i in members:
            n = feats[i].stop - feats[i].start
            outcomes[i] = Outcome(outcome.decisions[at : at + n], outcome.fallback_reason, outcome.model_seconds)
            at += n
    return outcomes


def _batch_frame(parts: list[_JobFeatures]) -> pd.DataFrame:
    """The parts' feature rows in order, each tagged with its request's index (the duplicate rule's group)."""
    groups = np.repeat(np.arange(len(parts)), [p.stop - p.start for p in parts])
    first = parts[0].result
    if all(p.result is first for p in parts):
        positions = np.concatenate([np.arange(p.start, p.stop) for p in parts])
        if len(positions) == len(first.frame) and (positions == np.arange(len(positions))).all():
            frame = first.frame  # the whole batch: tag it in place (it was built for this batch alone)
        else:
            frame = first.frame.iloc[positions].reset_index(drop=True)
    else:
        frame = pd.concat([p.result.frame.iloc[p.start : p.stop] for p in parts], ignore_index=True)
    if len(parts) > 1:  # one request is one group: the column would change nothing
        frame[REQUEST_GROUP_COLUMN] = groups
    return frame


async def _decide(
    state: TradesState,
    detector: TradeDetector | None,
    rules: RulesOnly,
    parts: list[_JobFeatures],
    budget_s: float,
    forced: str | None,
) -> Outcome:
    frame = _batch_frame(parts)
    outcome = await decide_within_budget(
        (lambda: detector.decide(frame)) if detector is not None else None,
        lambda: rules(frame),
        budget_s=budget_s,
        executor=state.model_executor,
        forced_reason=forced,
    )
    state.core.metrics.model_latency.labels(TRADE_MODEL_NAME).observe(outcome.model_seconds)
    return outcome


def _shape_job(
    job: ScoreJob, feats: _JobFeatures, outcome: Outcome, model: LoadedModel[TradeDetector] | None
) -> tuple[list[dict], dict]:
    decisions = [decision_dict(d) for d in outcome.decisions]
    status = feats.status
    results = [shape_trade_result(d, status[i]) for i, d in enumerate(decisions)]
    first = decisions[0] if decisions else {}
    meta = {
        "request_id": job.ctx.request_id,
        "model_name": TRADE_MODEL_NAME,
        "model_version": None
        if outcome.fallback_used
        else (model.version if model else None) or first.get("model_version"),
        "ruleset_version": first.get("ruleset_version") or (model.ruleset_version if model else None),
        "fallback_used": outcome.fallback_used,
        "fallback_reason": outcome.fallback_reason,
    }
    return results, meta


def _audit_events(
    state: TradesState,
    job: ScoreJob,
    results: list[dict],
    meta: dict,
    model: LoadedModel[TradeDetector] | None,
    fallback_reason: str | None,
) -> list[AuditEvent]:
    ctx = job.ctx
    caller = principal_summary(ctx.principal)
    events = []
    for event, result in zip(job.events, results):
        payload = {
            "request_id": ctx.request_id,
            "endpoint": ctx.endpoint,
            "received_at": ctx.received_at,
            "input": audit_event_input(state, event),
            "output": {k: result[k] for k in ("score", "threshold", "flagged", "decision", "imputed", "overrides")}
            | {"reason_codes": [r["code"] for r in result["reasons"]], "features_used": result["features_used"]},
            "model": {
                "name": TRADE_MODEL_NAME,
                "version": meta["model_version"],
                "ruleset_version": meta["ruleset_version"],
                "training_data_digest": model.training_data_digest if model else None,
            },
            "fallback_reason": fallback_reason,
            "caller": caller,
        }
        events.append(("trade.decision", json_safe(payload), ctx.principal.key_id))
    return events


def _count(state: TradesState, job: ScoreJob, results: list[dict], outcome: Outcome) -> None:
    for result in results:
        state.core.metrics.decisions.labels(job.ctx.endpoint, result["decision"]).inc()
    if outcome.fallback_reason:
        state.core.metrics.fallbacks.labels(job.ctx.endpoint, outcome.fallback_reason).inc(len(results))


def _prediction_rows(job: ScoreJob, results: list[dict], meta: dict) -> Iterator[dict[str, Any]]:
    ctx = job.ctx
    for r in results:
        yield {
            "ts": ctx.received_at,
            "request_id": ctx.request_id,
            "endpoint": ctx.endpoint,
            "status_code": 200,
            "latency_ms": meta["latency_ms"],
            "model_name": TRADE_MODEL_NAME,
            "model_version": meta["model_version"],
            "ruleset_version": meta["ruleset_version"],
            "fallback_used": meta["fallback_used"],
            "fallback_reason": meta["fallback_reason"],
            "score": r["score"],
            "flagged": r["flagged"],
            "decision": r["decision"],
            "confidence": None,
            "reason_codes": [x["code"] for x in r["reasons"]],
            "features": r["features_used"],
            "caller_role": ctx.principal.role,
            "trade_id": r["trade_id"],
        }


__all__ = ["ScoreJob", "audit_event_input", "score_jobs", "score_trades", "shape_trade_result"]
