"""What the consumer does with a batch of deliveries, independent of the broker.

For each message, in delivery order: parse (JSON, strictly), check the contract (the HTTP path's own
:class:`~reference_impl.serving.trades.schemas.TradeEventIn`), look the event id up in the
:class:`~reference_impl.consumer.index.DecisionIndex`, and score the new ones through the trade room's
:func:`~reference_impl.serving.trades.pipeline.score_jobs` — the same features, model, rules, reason
codes, fallback and ``trade.decision`` audit records (fsync'd) as ``POST /v1/trades/score``, one job per
event so a bad event fails only itself. The result is one :data:`Action` per delivery; the broker
adapter carries it out (publish, then acknowledge). Nothing here acknowledges anything, so every action
is taken only after its audit record is on disk:

* :class:`Publish` — a decision (new, or answered from the audit log for a redelivery, which gets a
  ``trade.redelivery`` record instead of a second decision);
* :class:`DeadLetter` — not JSON, no event id, or a contract violation: audited as
  ``trade.dead_lettered`` (with the body's SHA-256, never the body), published to the dead-letter queue;
* :class:`Retry` — nothing could decide or audit it now (audit log down, no features): the adapter
  gives it back to the broker after a pause, so it is never dropped and never decided unaudited.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from reference_impl.consumer.index import (
    DEAD_LETTER_EVENT,
    ENDPOINT,
    REDELIVERY_EVENT,
    DecisionIndex,
    decision_body,
)
from reference_impl.consumer.metrics import ConsumerMetrics
from reference_impl.governance.audit import strict_loads
from reference_impl.serving.audit_trail import AuditEvent, write_audit
from reference_impl.serving.auth import Principal
from reference_impl.serving.context import CallContext, utc_now_iso
from reference_impl.serving.trades.models import TRADE_MODEL_NAME
from reference_impl.serving.trades.pipeline import ScoreJob, score_jobs
from reference_impl.serving.trades.schemas import TradeEventIn
from reference_impl.serving.trades.state import TradesState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One input message as the handler needs it (the adapter maps the broker's message to this)."""

    body: bytes
    event_id: str | None  # AMQP message_id (Kafka: a header or the record key)
    routing_key: str = ""
    redelivered: bool = False  # the broker says it handed this message out before


@dataclass(frozen=True)
class Publish:
    """Publish ``body`` as the decision for ``event_id`` (``redelivery``: answered from the audit log).

    ``routing_key`` is ``trade.flag`` or ``trade.clear`` (:func:`decision_routing_key`), so a review
    desk can bind to the flags alone.
    """

    event_id: str
    body: dict[str, Any]
    routing_key: str
    redelivery: bool = False


@dataclass(frozen=True)
class DeadLetter:
    """Send the original bytes to the dead-letter queue with ``reason`` (``kind`` labels the metric)."""

    kind: str
    reason: str
    body: bytes
    event_id: str | None


@dataclass(frozen=True)
class Retry:
    """Give the message back to the broker (not acknowledged): nothing could decide or audit it now."""

    reason: str


Action = Publish | DeadLetter | Retry


def decision_routing_key(body: dict[str, Any]) -> str:
    """``trade.<decision>``: the topic a decision is published under.

    >>> decision_routing_key({"decision": "flag"})
    'trade.flag'
    """
    return f"trade.{body.get('decision') or 'unknown'}"


def _first_line(text: str, limit: int = 300) -> str:
    return (text.splitlines() or [""])[0][:limit]


def contract_violation(exc: ValidationError) -> str:
    """A validation error as one line naming each field at fault (input values are not echoed)."""
    parts = [f"{'.'.join(str(x) for x in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5]]
    more = len(exc.errors()) - 5
    return "contract violation: " + "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


class TradeEventConsumer:
    """Turns deliveries into actions with the trade room's pipeline (see the module docstring).

    ``state`` is an opened :class:`TradesState` (``TradesRoom().open(build_state(...))``); ``index`` the
    decided event ids, rebuilt from the same audit log at start.
    """

    def __init__(self, state: TradesState, index: DecisionIndex, metrics: ConsumerMetrics, *, queue: str) -> None:
        self.state, self.index, self.metrics, self.queue = state, index, metrics, queue
        self.principal = Principal(key_id=f"queue:{queue}", role="scorer", label="ibml consume")

    def _context(self, event_id: str, started: float) -> CallContext:
        return CallContext(
            request_id=event_id, endpoint=ENDPOINT, principal=self.principal, started=started, received_at=utc_now_iso()
        )

    def refresh_index(self) -> int:
        """Read decisions another consumer process may have appended since the index was built."""
        return self.index.catch_up(self.state.core.audit.path)

    async def handle(self, deliveries: Sequence[Delivery]) -> list[Action]:
        """One action per delivery, in order; every Publish and DeadLetter is audited before it is returned."""
        started = time.perf_counter()
        actions: list[Action | None] = [None] * len(deliveries)
        dead: dict[int, DeadLetter] = {}
        redeliveries: dict[int, dict[str, Any]] = {}
        repeats: dict[int, int] = {}  # the same event id twice in one batch: later ones follow the first
        first_of: dict[str, int] = {}
        jobs: dict[int, ScoreJob] = {}
        refreshed = False
        for i, d in enumerate(deliveries):
            event_id = (d.event_id or "").strip()
            if not event_id:
                dead[i] = DeadLetter(
                    "no_event_id", "message has no message_id (the event id idempotency needs)", d.body, None
                )
                continue
            try:
                raw = strict_loads(d.body)
            except (ValueError, UnicodeDecodeError) as exc:
                dead[i] = DeadLetter("not_json", f"body is not JSON: {_first_line(str(exc))}", d.body, event_id)
                continue
            try:
                event = TradeEventIn.model_validate(raw)
            except ValidationError as exc:
                dead[i] = DeadLetter("contract", contract_violation(exc), d.body, event_id)
                continue
            known = self.index.get(event_id)
            if known is None and d.redelivered and not refreshed:
                refreshed = True  # another consumer process may have decided it before its connection dropped
                self.refresh_index()
                known = self.index.get(event_id)
            if known is not None:
                redeliveries[i] = known
            elif event_id in first_of:
                repeats[i] = first_of[event_id]
            else:
                first_of[event_id] = i
                jobs[i] = ScoreJob([event], self._context(event_id, started))
        if jobs:
            await self._score(deliveries, jobs, actions, dead)
        for i, first in repeats.items():
            done = actions[first]
            if isinstance(done, Publish):
                redeliveries[i] = done.body
            elif isinstance(done, DeadLetter):
                dead[i] = done
            else:
                actions[i] = done
        await self._audit_the_rest(deliveries, redeliveries, dead, actions)
        return [a if a is not None else Retry("internal: no action decided") for a in actions]

    async def _score(
        self,
        deliveries: Sequence[Delivery],
        jobs: dict[int, ScoreJob],
        actions: list[Action | None],
        dead: dict[int, DeadLetter],
    ) -> None:
        order = list(jobs)
        outcomes = await score_jobs(self.state, [jobs[i] for i in order])
        for i, outcome in zip(order, outcomes):
            d = deliveries[i]
            event_id = jobs[i].ctx.request_id
            if isinstance(outcome, RequestValidationError):  # the event's data cannot be scored: a 422 on HTTP
                errors = outcome.errors()
                detail = "; ".join(str(e.get("msg", "")) for e in errors) or "unscorable event"
                dead[i] = DeadLetter("unscorable", f"unscorable: {_first_line(detail)}", d.body, event_id)
            elif isinstance(outcome, Exception):
                detail = outcome.detail if isinstance(outcome, HTTPException) else type(outcome).__name__
                actions[i] = Retry(_first_line(str(detail)))
            else:
                results, meta = outcome
                result = results[0]
                body = decision_body(
                    event_id=event_id,
                    trade_id=result["trade_id"],
                    output={
                        **{k: result[k] for k in ("score", "threshold", "flagged", "decision", "imputed", "overrides")},
                        "reason_codes": [r["code"] for r in result["reasons"]],
                    },
                    model_name=TRADE_MODEL_NAME,
                    model_version=meta["model_version"],
                    ruleset_version=meta["ruleset_version"],
                    fallback_reason=meta["fallback_reason"],
                    audit_seq=meta["audit_seq"],
                )
                self.index.add(body)
                actions[i] = Publish(event_id, body, decision_routing_key(body))

    async def _audit_the_rest(
        self,
        deliveries: Sequence[Delivery],
        redeliveries: dict[int, dict[str, Any]],
        dead: dict[int, DeadLetter],
        actions: list[Action | None],
    ) -> None:
        """One fsync'd append for the batch's redelivery and dead-letter records; on failure they retry."""
        events: list[AuditEvent] = []
        actor = self.principal.key_id
        now = utc_now_iso()
        for i, body in redeliveries.items():
            events.append(
                (
                    REDELIVERY_EVENT,
                    {
                        "request_id": body["event_id"],
                        "endpoint": ENDPOINT,
                        "queue": self.queue,
                        "received_at": now,
                        "decision_seq": body["audit_seq"],
                        "broker_redelivered": deliveries[i].redelivered,
                    },
                    actor,
                )
            )
        for letter in dead.values():
            events.append(
                (
                    DEAD_LETTER_EVENT,
                    {
                        "request_id": letter.event_id,
                        "endpoint": ENDPOINT,
                        "queue": self.queue,
                        "received_at": now,
                        "reason_kind": letter.kind,
                        "reason": letter.reason,
                        "body_sha256": hashlib.sha256(letter.body).hexdigest(),
                        "body_bytes": len(letter.body),
                    },
                    actor,
                )
            )
        if not events:
            return
        try:
            await write_audit(self.state.core, events)
        except HTTPException as exc:
            for i in (*redeliveries, *dead):
                actions[i] = Retry(_first_line(str(exc.detail)))
            return
        for i, body in redeliveries.items():
            actions[i] = Publish(body["event_id"], body, decision_routing_key(body), redelivery=True)
        for i, letter in dead.items():
            actions[i] = letter

    def count(self, action: Action) -> None:
        """Count an action once the adapter has carried it out."""
        if isinstance(action, Publish):
            self.metrics.messages.labels("redelivery" if action.redelivery else "decided").inc()
        elif isinstance(action, DeadLetter):
            self.metrics.messages.labels("dead_lettered").inc()
            self.metrics.dead_letters.labels(action.kind).inc()
        else:
            self.metrics.messages.labels("retried").inc()


__all__ = [
    "Action",
    "DeadLetter",
    "Delivery",
    "Publish",
    "Retry",
    "TradeEventConsumer",
    "contract_violation",
    "decision_routing_key",
]
