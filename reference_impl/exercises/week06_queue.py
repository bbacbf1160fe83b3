"""Week 6 exercise 6.7 (queues): a FastStream handler that scores trade events at least once, checked in memory.

* 6.7 :func:`register_scorer` — ``register_scorer(broker, score, audit)`` subscribes a handler to the ``trades``
  queue of a :class:`~faststream.rabbit.RabbitBroker`: it validates each message against :class:`TradeEvent`,
  scores it, appends the decision to the audit trail and only then publishes it to ``decisions``; a message that
  is not JSON or breaks the contract goes to ``trades.dlq`` with its reason; a failed audit write leaves the message
  unacknowledged (nacked with requeue) so the broker delivers it again; a redelivered event publishes the decision
  already recorded for its ``event_id`` without scoring it again or writing a second record.

How the check works: it builds a ``RabbitBroker`` (which never connects), subscribes its own collectors to
``decisions`` and ``trades.dlq``, calls your ``register_scorer`` with a scorer and an in-memory audit trail
(:class:`MemoryAudit`) it controls, and runs the broker under FastStream's ``TestRabbitBroker`` — in memory, no
network. It publishes each message as raw bytes (as a producer on another platform would) to ``trades`` and records,
per delivery, what reached ``decisions`` and ``trades.dlq``, which audit records were appended, how often ``score``
was called, and how the message was settled (acknowledged, nacked with requeue, dropped, or never settled).
``TestRabbitBroker`` does not redeliver by itself: where a real broker would deliver a requeued message again, the
check publishes the same bytes again. It can make ``audit.append`` raise (the audit store is down) or the
``decisions`` queue unreachable (the connection dropped after the audit write) for one delivery, and it can
promote another model version between two deliveries. Each delivery is compared with what the reference does on
the same stream; the first difference names the requirement it breaks. :func:`run_scorer` runs the same harness
for the notebook and prints one line per delivery.

The broker runs on an asyncio loop; the check is synchronous: it runs the loop itself, on a worker thread when the
caller already has one running (a Jupyter kernel does).

Examples
--------
>>> EXERCISES["6.7"].evaluate(register_scorer)  # fixed cases + seeded random streams
13
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from unittest import mock

import numpy as np
from faststream import AckPolicy
from faststream.exceptions import SubscriberNotFound
from faststream.rabbit import RabbitBroker, RabbitMessage, TestRabbitBroker
from faststream.rabbit.message import RabbitMessage as _RabbitMessageClass
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from reference_impl.exercises import week06_pytest
from reference_impl.exercises.framework import CheckBook, Exercise, ExerciseFailed, Requirement

TRADES, DECISIONS, DEAD_LETTERS = "trades", "decisions", "trades.dlq"
MODEL_V1, MODEL_V2 = "anomaly-v1", "anomaly-v2"
#: How long one delivery may take before the check gives up on it (a guard against a hung handler, not a test).
DELIVERY_TIMEOUT_S = 20.0

# --------------------------------------------------------------------------------------------------------------
# The contract, the scorer and the audit trail the handler is given
# --------------------------------------------------------------------------------------------------------------


class TradeEvent(BaseModel):
    """A trade event on the ``trades`` queue: the contract. Unknown fields are rejected, amounts are positive,
    timestamps carry a time zone. ``event_id`` identifies the event (a redelivery has the same one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str = Field(min_length=1)
    trade_id: str = Field(min_length=1)
    notional: float = Field(gt=0, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    booked_at: AwareDatetime


def score_trade(event: TradeEvent | dict, model_version: str = MODEL_V1) -> dict[str, Any]:
    """A stand-in model: the decision dict a handler publishes and audits (v2 flags from a lower score)."""
    if not isinstance(event, TradeEvent):
        event = TradeEvent.model_validate(event)
    score = round(min(1.0, event.notional / 10_000_000), 4)
    threshold = 0.5 if model_version == MODEL_V1 else 0.3
    return {
        "event_id": event.event_id,
        "trade_id": event.trade_id,
        "score": score,
        "decision": "flag" if score >= threshold else "clear",
        "model_version": model_version,
    }


class AuditUnavailable(OSError):
    """The audit store refused the write (disk full, database down): nothing was recorded."""


class MemoryAudit:
    """An in-memory audit trail: ``append(record)`` is the durable write, ``find(event_id)`` the idempotency look-up.

    In the service this is week 5's hash-chained ``AuditLog``; here it is a list, so the check can make one write
    fail (``fail_next = True``: the next ``append`` raises :class:`AuditUnavailable` and records nothing).
    """

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.fail_next = False

    def append(self, record: dict[str, Any]) -> None:
        if self.fail_next:
            self.fail_next = False
            raise AuditUnavailable("audit store unavailable: the record was not written")
        self.records.append(json.loads(json.dumps(record, default=str)))  # a copy, as a file would hold it

    def find(self, event_id: str) -> dict[str, Any] | None:
        """The record already written for ``event_id``, or ``None``."""
        for record in reversed(self.records):
            if isinstance(record, dict) and record.get("event_id") == event_id:
                return dict(record)
        return None


# --------------------------------------------------------------------------------------------------------------
# Reference solution (also what check.solution prints)
# --------------------------------------------------------------------------------------------------------------


def register_scorer(broker, score, audit):
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)  # an exception nacks: redelivered
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)  # bad JSON and a broken contract alike
        except ValidationError as exc:
            error = exc.errors()[0]
            reason = f"{'.'.join(map(str, error['loc'])) or 'body'}: {error['msg']}"
            dead = {"reason": reason, "body": message.body.decode("utf-8", "replace")}
            await broker.publish(dead, "trades.dlq")
            return  # acknowledged: a poison message must not come back
        decision = audit.find(event.event_id)  # a redelivery: the recorded decision, not a new score
        if decision is None:
            decision = score(event)
            audit.append(decision)  # raises when the store is down: nothing published, message nacked
        await broker.publish(decision, "decisions")


reference = SimpleNamespace(register_scorer=register_scorer)

# --------------------------------------------------------------------------------------------------------------
# The harness: one broker session per stream of deliveries
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One message the check puts on ``trades``, and the fault it injects during that delivery.

    ``kind`` is what the delivery is for the requirements: ``new`` (a valid event not yet recorded),
    ``redelivery`` (its ``event_id`` was recorded before), ``malformed``, ``audit_down`` (``audit.append``
    raises) or ``decisions_down`` (publishing to ``decisions`` fails after the audit write).
    """

    body: bytes
    kind: str
    note: str
    model_version: str = MODEL_V1


@dataclass
class Seen:
    """What one delivery did."""

    decisions: list[Any] = field(default_factory=list)
    dead_letters: list[Any] = field(default_factory=list)
    appended: list[Any] = field(default_factory=list)
    scored: int = 0
    settled: str = "never settled"
    raised: str = ""

    def line(self) -> str:
        decided = ", ".join(_decision_text(d) for d in self.decisions) or "-"
        dead = ", ".join(_dead_text(d) for d in self.dead_letters) or "-"
        text = (
            f"decisions: {decided} | dlq: {dead} | audit +{len(self.appended)} | scored {self.scored} | {self.settled}"
        )
        return text + (f" | handler raised {self.raised}" if self.raised else "")


class SetupFailed(Exception):
    """``register_scorer`` did not give the broker a usable ``trades`` subscriber."""


def _decision_text(d: Any) -> str:
    if isinstance(d, dict) and {"event_id", "decision"} <= set(d):
        return f"{d['event_id']} {d['decision']} ({d.get('model_version', '?')})"
    return _short(d, 60)


def _dead_text(d: Any) -> str:
    reason = d.get("reason") if isinstance(d, dict) else None
    return repr(_clip(reason, 50)) if isinstance(reason, str) else _short(d, 50)


def _short(value: Any, limit: int = 160) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - whatever a learner published, it becomes a message
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())  # one line: pydantic's messages span several
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _wire(body: bytes) -> Any:
    """What a downstream consumer reads: the JSON value of the bytes, else the text."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", "replace")


_SETTLE_LOCK = threading.Lock()


@contextlib.contextmanager
def _recorded_settlements() -> Iterator[dict[str, str]]:
    """Record how each message (by ``message_id``) was settled first: FastStream's ack middleware and a manual
    ``message.ack()`` both call these methods (the in-memory broker's raw message ignores them)."""
    settled: dict[str, str] = {}

    def recorder(name: str) -> Callable[..., Any]:
        original = getattr(_RabbitMessageClass, name)

        async def record(self: Any, *args: Any, **kwargs: Any) -> Any:
            if name == "ack":
                outcome = "acknowledged"
            else:
                requeue = kwargs.get("requeue", args[1] if name == "nack" and len(args) > 1 else name == "nack")
                if name == "reject" and args and "requeue" not in kwargs:
                    requeue = args[0]
                outcome = "nacked, requeued" if requeue else "dropped (not requeued)"
            settled.setdefault(str(self.message_id), outcome)
            return await original(self, *args, **kwargs)

        return record

    with (
        _SETTLE_LOCK,
        mock.patch.object(_RabbitMessageClass, "ack", recorder("ack")),
        mock.patch.object(_RabbitMessageClass, "nack", recorder("nack")),
        mock.patch.object(_RabbitMessageClass, "reject", recorder("reject")),
    ):
        yield settled


def _trades_subscriber(broker: RabbitBroker) -> Any:
    for sub in broker.subscribers:
        queue = getattr(sub, "queue", None)
        exchange = getattr(sub, "exchange", None)
        if getattr(queue, "name", None) == TRADES and not getattr(exchange, "name", ""):
            return sub
    return None


async def _session(register: Any, deliveries: Sequence[Delivery]) -> list[Seen]:
    broker = RabbitBroker(logger=None)  # never connects: TestRabbitBroker patches the connection
    seen = Seen()
    state = SimpleNamespace(model_version=MODEL_V1, decisions_down=False)

    @broker.subscriber(DECISIONS)
    async def _decisions(message: RabbitMessage) -> None:
        if state.decisions_down:
            raise ConnectionError("the decisions queue is unreachable")
        seen.decisions.append(_wire(message.body))

    @broker.subscriber(DEAD_LETTERS)
    async def _dead_letters(message: RabbitMessage) -> None:
        seen.dead_letters.append(_wire(message.body))

    audit = MemoryAudit()

    def score(event: Any) -> dict[str, Any]:
        seen.scored += 1
        return score_trade(event, state.model_version)

    try:
        register(broker, score, audit)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
        raise SetupFailed(f"register_scorer raised {type(exc).__name__}: {_clip(str(exc), 200)}") from None
    subscriber = _trades_subscriber(broker)
    if subscriber is None:
        raise SetupFailed("after register_scorer(broker, score, audit) nothing is subscribed to the 'trades' queue")
    acked_on_delivery = getattr(subscriber, "ack_policy", None) is AckPolicy.ACK_FIRST
    out: list[Seen] = []
    with _recorded_settlements() as settled:
        async with TestRabbitBroker(broker) as test_broker:
            for i, delivery in enumerate(deliveries):
                seen = Seen()
                before = len(audit.records)
                state.model_version = delivery.model_version
                state.decisions_down = delivery.kind == "decisions_down"
                audit.fail_next = delivery.kind == "audit_down"
                message_id = f"delivery-{i + 1}"
                try:
                    await asyncio.wait_for(
                        test_broker.publish(delivery.body, TRADES, message_id=message_id), DELIVERY_TIMEOUT_S
                    )
                except NotImplementedError:
                    raise
                except TimeoutError:
                    seen.raised = f"nothing: it did not finish within {DELIVERY_TIMEOUT_S:.0f} s"
                except SubscriberNotFound:
                    seen.raised = "SubscriberNotFound (it published to a queue nobody reads: a typo in the name?)"
                except Exception as exc:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
                    seen.raised = f"{type(exc).__name__}: {_clip(str(exc), 120)}"
                audit.fail_next = False
                seen.appended = audit.records[before:]
                fallback = "acknowledged" if acked_on_delivery else "never settled"
                seen.settled = settled.get(message_id, fallback)
                out.append(seen)
    return out


def _run_sync(coro_fn: Callable[[], Any]) -> Any:
    """Run a coroutine to completion from synchronous code, also inside a running loop (a Jupyter kernel)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro_fn())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ibml-week06-broker") as pool:
        return pool.submit(asyncio.run, coro_fn()).result()


def deliver(register: Any, deliveries: Sequence[Delivery]) -> list[Seen]:
    """Run ``register(broker, score, audit)`` on a fresh in-memory broker and publish ``deliveries`` in order."""
    return _run_sync(lambda: _session(register, list(deliveries)))


def run_scorer(register: Any, deliveries: Sequence[Delivery] | None = None) -> list[Seen]:
    """Try your ``register_scorer`` on a stream (default: :func:`sample_stream`); print one line per delivery."""
    deliveries = sample_stream() if deliveries is None else list(deliveries)
    try:
        seen = deliver(register, deliveries)
    except SetupFailed as exc:
        print(f"setup failed: {exc}")
        return []
    for i, (d, s) in enumerate(zip(deliveries, seen), 1):
        print(f"{i}. {d.note}\n   {s.line()}")
    return seen


# --------------------------------------------------------------------------------------------------------------
# Streams of deliveries
# --------------------------------------------------------------------------------------------------------------


def event(event_id: str = "E1", **changes: Any) -> dict[str, Any]:
    """A valid trade event as a dict (``changes`` override fields; ``None`` removes one)."""
    base = {
        "event_id": event_id,
        "trade_id": "T" + event_id.lstrip("E"),
        "notional": 6_000_000.0,
        "currency": "EUR",
        "booked_at": "2026-11-02T14:30:00+00:00",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def body(payload: Any) -> bytes:
    """The bytes a producer puts on the queue (a string is sent as it is: it may be broken JSON)."""
    return payload.encode("utf-8") if isinstance(payload, str) else json.dumps(payload).encode("utf-8")


def sample_stream() -> list[Delivery]:
    """A short stream with one of everything: what the notebook runs after the exercise."""
    return [
        Delivery(body(event("E1")), "new", "E1, a valid event"),
        Delivery(body("{not json"), "malformed", "a message that is not JSON"),
        Delivery(body(event("E2", notional=-5.0)), "malformed", "E2 with a negative notional (breaks the contract)"),
        Delivery(body(event("E3", notional=900_000.0)), "audit_down", "E3 while the audit store is down"),
        Delivery(body(event("E3", notional=900_000.0)), "new", "E3 again: the broker redelivers it"),
        Delivery(body(event("E1")), "redelivery", "E1 again, after a model promotion to v2", MODEL_V2),
    ]


def _fixed_streams() -> list[tuple[str, str, list[Delivery]]]:
    """(case name, requirement it is written for, deliveries), in the order the check runs them."""
    e1, e2 = event("E1"), event("E2", notional=2_000_000.0, booked_at="2026-11-02T20:30:00+01:00")
    return [
        ("a valid event", "decide", [Delivery(body(e1), "new", "E1, a valid event")]),
        (
            "two valid events",
            "decide",
            [Delivery(body(e2), "new", "E2, a valid event"), Delivery(body(e1), "new", "E1, a valid event")],
        ),
        (
            "not JSON",
            "dlq",
            [
                Delivery(body("{not json"), "malformed", "a message that is not JSON"),
                Delivery(b"", "malformed", "an empty message"),
                Delivery(body(e1), "new", "E1, a valid event after them"),
            ],
        ),
        (
            "breaks the contract",
            "dlq",
            [
                Delivery(body(event("E4", notional=-5.0)), "malformed", "E4 with a negative notional"),
                Delivery(body({**event("E5"), "desk": "rates"}), "malformed", "E5 with an unknown field"),
                Delivery(body(event("E6", booked_at="2026-11-02T14:30:00")), "malformed", "E6 with a naive time"),
                Delivery(body(event("E7", trade_id=None)), "malformed", "an event without trade_id"),
                Delivery(body([e1]), "malformed", "a JSON list instead of an object"),
            ],
        ),
        (
            "the audit store is down",
            "audit_first",
            [
                Delivery(body(e1), "audit_down", "E1 while audit.append raises"),
                Delivery(body(e1), "new", "E1 redelivered by the broker, the audit store back"),
            ],
        ),
        (
            "decisions unreachable after the audit write",
            "requeue",
            [
                Delivery(body(e2), "decisions_down", "E2 while publishing to decisions fails"),
                Delivery(body(e2), "redelivery", "E2 redelivered by the broker, decisions back"),
            ],
        ),
        (
            "a redelivery after a model promotion",
            "idempotent",
            [
                Delivery(body(e1), "new", "E1 scored by v1"),
                Delivery(body(e2), "new", "E2 scored by v1"),
                Delivery(body(e1), "redelivery", "E1 delivered again after v2 was promoted", MODEL_V2),
            ],
        ),
    ]


_CORRUPTIONS: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("truncated JSON", lambda e: json.dumps(e)[: len(json.dumps(e)) // 2]),
    ("a zero notional", lambda e: {**e, "notional": 0.0}),
    ("a notional as text", lambda e: {**e, "notional": "lots"}),
    ("a lower-case currency", lambda e: {**e, "currency": e["currency"].lower()}),
    ("a naive timestamp", lambda e: {**e, "booked_at": e["booked_at"][:19]}),
    ("an empty event_id", lambda e: {**e, "event_id": ""}),
    ("no trade_id", lambda e: {k: v for k, v in e.items() if k != "trade_id"}),
    ("an unknown field", lambda e: {**e, "source": "fix"}),
    ("a JSON string", lambda e: json.dumps(json.dumps(e))),
)


def _random_stream(rng: np.random.Generator, n: int) -> list[Delivery]:
    """A seeded stream: valid events, redeliveries, malformed messages and faults, with the broker's redeliveries."""
    out: list[Delivery] = []
    recorded: dict[str, dict[str, Any]] = {}
    version = MODEL_V1
    for k in range(n):
        roll = rng.random()
        if rng.random() < 0.15:
            version = MODEL_V2 if version == MODEL_V1 else MODEL_V1  # a promotion (or a rollback) mid-stream
        if roll < 0.2 and recorded:
            event_id = sorted(recorded)[int(rng.integers(len(recorded)))]
            out.append(Delivery(body(recorded[event_id]), "redelivery", f"{event_id} delivered again", version))
            continue
        offset = int(rng.integers(-5, 10))
        e = event(
            f"E{k + 1}",
            notional=float(np.round(10 ** rng.uniform(3, 7.3), 2)),
            currency=str(rng.choice(["EUR", "USD", "GBP", "CHF"])),
            booked_at=f"2026-11-0{int(rng.integers(1, 9))}T{int(rng.integers(0, 24)):02d}:15:00{offset:+03d}:00",
        )
        if roll < 0.45:
            name, corrupt = _CORRUPTIONS[int(rng.integers(len(_CORRUPTIONS)))]
            out.append(Delivery(body(corrupt(e)), "malformed", f"E{k + 1} with {name}", version))
        elif roll < 0.55:
            out.append(Delivery(body(e), "audit_down", f"E{k + 1} while the audit store is down", version))
            out.append(Delivery(body(e), "new", f"E{k + 1} redelivered", version))
            recorded[e["event_id"]] = e
        elif roll < 0.62:
            out.append(Delivery(body(e), "decisions_down", f"E{k + 1} while decisions is unreachable", version))
            out.append(Delivery(body(e), "redelivery", f"E{k + 1} redelivered", version))
            recorded[e["event_id"]] = e
        else:
            out.append(Delivery(body(e), "new", f"E{k + 1}", version))
            recorded[e["event_id"]] = e
    return out


RANDOM_STREAMS = 6
SEED = 607


def _streams() -> list[tuple[str, str, list[Delivery]]]:
    rng = np.random.default_rng(SEED)
    randoms = [
        (f"random stream {i + 1}", "", _random_stream(rng, int(rng.integers(6, 12)))) for i in range(RANDOM_STREAMS)
    ]
    return _fixed_streams() + randoms


# --------------------------------------------------------------------------------------------------------------
# Requirements and the runner
# --------------------------------------------------------------------------------------------------------------

QUEUE_REQS = (
    Requirement(
        "subscribe",
        "`register_scorer(broker, score, audit)` subscribes a handler to the `trades` queue of the `broker` it is "
        "given",
        "decorate an async function inside register_scorer with @broker.subscriber('trades', ...) — the broker the "
        "check passes in, not one of your own",
    ),
    Requirement(
        "decide",
        "for a valid event the handler calls `score(event)` once, appends the decision it returns with "
        "`audit.append(decision)`, publishes that same decision to the `decisions` queue, and the message is "
        "acknowledged",
        "decision = score(event); audit.append(decision); await broker.publish(decision, 'decisions') — publish "
        "the dict itself; FastStream encodes it as JSON",
    ),
    Requirement(
        "audit_first",
        "the decision is published only after `audit.append` returned: when the append raises, nothing reaches "
        "`decisions`",
        "an unaudited decision must never leave the service: call audit.append(decision) before broker.publish, "
        "and let its exception stop the handler",
    ),
    Requirement(
        "requeue",
        "when the append (or the publish) raises, the message is not acknowledged but nacked with requeue, so the "
        "broker delivers it again: subscribe with `ack_policy=AckPolicy.NACK_ON_ERROR` and let the exception "
        "propagate",
        "FastStream's default for RabbitMQ rejects a message whose handler raised (it is dropped), ACK_FIRST acks "
        "before your code runs, and a try/except that swallows the error acks it: use "
        "@broker.subscriber('trades', ack_policy=AckPolicy.NACK_ON_ERROR) and do not catch the audit error",
    ),
    Requirement(
        "dlq",
        "a message that is not valid JSON or breaks the `TradeEvent` contract is published to `trades.dlq` as "
        '`{"reason": <why, a non-empty string>, "body": <the message as text>}` and never reaches `score` or the '
        "audit trail",
        "take the raw message (message: RabbitMessage) and parse message.body yourself with "
        "TradeEvent.model_validate_json — it raises ValidationError for bad JSON and a broken contract alike; a "
        "handler typed `event: TradeEvent` fails inside FastStream, before your code can dead-letter anything",
    ),
    Requirement(
        "dlq_ack",
        "a dead-lettered message is acknowledged: a poison message that is nacked comes back forever and blocks "
        "the queue",
        "after publishing to trades.dlq, return normally (do not re-raise): the bad message is now safe in the "
        "dead-letter queue, so the original must be acknowledged",
    ),
    Requirement(
        "idempotent",
        "a redelivered event (`audit.find(event_id)` returns its record) publishes the recorded decision again, "
        "without calling `score` and without a second `audit.append`",
        "decision = audit.find(event.event_id); only when it is None score and append. Publish in both cases: if "
        "the first delivery died after the audit write, this redelivery is the decision's only way out",
    ),
)

_REQS = {r.id: r for r in QUEUE_REQS}

#: Which requirement a difference breaks, by delivery kind and by what differed.
_BLAME: dict[str, dict[str, str]] = {
    "new": {"scored": "decide", "appended": "decide", "decisions": "decide", "dead_letters": "decide"},
    "redelivery": {"scored": "idempotent", "appended": "idempotent", "decisions": "idempotent"},
    "malformed": {"scored": "dlq", "appended": "dlq", "decisions": "dlq", "dead_letters": "dlq"},
    "audit_down": {"scored": "decide", "decisions": "audit_first", "appended": "audit_first"},
    "decisions_down": {"scored": "decide", "appended": "audit_first"},
}
_SETTLE_BLAME = {
    "new": "decide",
    "redelivery": "idempotent",
    "malformed": "dlq_ack",
    "audit_down": "requeue",
    "decisions_down": "requeue",
}


def _dead_letter_shape(got: list[Any], expected: list[Any]) -> str | None:
    if len(got) != len(expected):
        return f"expected {len(expected)} message(s) on trades.dlq, got {len(got)}: {_short(got)}"
    for g, e in zip(got, expected):
        if not isinstance(g, dict) or set(g) != {"reason", "body"}:
            return f'a dead letter must be {{"reason": ..., "body": ...}}, got {_short(g)}'
        if not isinstance(g["reason"], str) or not g["reason"].strip():
            return f"the dead letter's reason must be a non-empty string, got {_short(g['reason'])}"
        if g["body"] != e["body"]:
            return f"the dead letter's body must be the original message as text {_short(e['body'])}, got {_short(g['body'])}"
    return None


def _difference(got: Seen, expected: Seen, kind: str) -> tuple[str, str] | None:
    """(what differed, a short description), or ``None``: the fields in the order a learner should fix them."""
    if got.scored != expected.scored:
        return "scored", f"score was called {got.scored} time(s), expected {expected.scored}"
    if got.appended != expected.appended:
        return "appended", (
            f"audit.append recorded {len(got.appended)} record(s), expected {len(expected.appended)}: "
            f"{_short(got.appended)}"
        )
    if got.decisions != expected.decisions:
        return "decisions", f"expected on decisions {_short(expected.decisions)}, got {_short(got.decisions)}"
    reason = _dead_letter_shape(got.dead_letters, expected.dead_letters)
    if reason is not None:
        return "dead_letters", reason
    if got.settled != expected.settled:
        return "settled", f"the message was {got.settled}; expected: {expected.settled}"
    return None


def _blame(kind: str, what: str, got: Seen) -> str:
    if what == "settled":
        return _SETTLE_BLAME[kind]
    if what == "dead_letters" and kind in ("audit_down", "decisions_down"):
        return "requeue"  # a valid event whose write failed was dead-lettered instead of redelivered
    return _BLAME.get(kind, {}).get(what, "decide")


_EXPECTED: dict[str, list[Seen]] = {}


def _expected(name: str, deliveries: list[Delivery]) -> list[Seen]:
    if name not in _EXPECTED:
        _EXPECTED[name] = deliver(register_scorer, deliveries)
    return _EXPECTED[name]


def _queue_runner(register: Any) -> int:
    if not callable(register):
        req = _REQS["subscribe"]
        raise ExerciseFailed("6.7", "setup", f"expected a function, got {type(register).__name__}", req.hint, req)
    streams = _streams()
    for name, _, deliveries in streams:
        try:
            seen = deliver(register, deliveries)
        except SetupFailed as exc:
            req = _REQS["subscribe"]
            raise ExerciseFailed("6.7", name, str(exc), req.hint, req) from None
        for i, (d, got, exp) in enumerate(zip(deliveries, seen, _expected(name, deliveries)), 1):
            diff = _difference(got, exp, d.kind)
            if diff is None:
                continue
            what, detail = diff
            req = _REQS[_blame(d.kind, what, got)]
            raised = f"; your handler raised {got.raised}" if got.raised else ""
            where = f"{name}, delivery {i} of {len(deliveries)} ({d.note})"
            raise ExerciseFailed("6.7", where, detail + raised, req.hint, req)
    return len(streams)


_HINTS = (
    "Inside register_scorer, define an async handler and decorate it with @broker.subscriber('trades', "
    "ack_policy=AckPolicy.NACK_ON_ERROR). Take the raw message (message: RabbitMessage) so that you parse the "
    "bytes yourself: run_scorer(register_scorer) shows what each delivery did.",
    "Parse with TradeEvent.model_validate_json(message.body). On ValidationError publish {'reason': ..., 'body': "
    "message.body.decode()} to 'trades.dlq' and return (the message is then acknowledged).",
    "For a valid event: decision = audit.find(event.event_id); if it is None, decision = score(event) and "
    "audit.append(decision). Then await broker.publish(decision, 'decisions'). Do not catch the audit's error: "
    "NACK_ON_ERROR turns it into a nack with requeue.",
    "@broker.subscriber('trades', ack_policy=AckPolicy.NACK_ON_ERROR)\nasync def handle(message: RabbitMessage):\n"
    "    try:\n        event = TradeEvent.model_validate_json(message.body)\n    except ValidationError as exc:\n"
    "        await broker.publish({'reason': str(exc.errors()[0]['msg']), 'body': message.body.decode()}, "
    "'trades.dlq')\n        return\n    decision = audit.find(event.event_id)\n    if decision is None:\n"
    "        decision = score(event)\n        audit.append(decision)\n    await broker.publish(decision, 'decisions')",
)

EXERCISES = {
    "6.7": Exercise(
        "6.7",
        "a queue consumer that scores at least once",
        QUEUE_REQS,
        runner=_queue_runner,
        hints=_HINTS,
        solution=register_scorer,
        fallback=register_scorer,  # later cells run the reference handler
    ),
}

check = CheckBook(
    {**week06_pytest.check._exercises, **EXERCISES},
    **week06_pytest.check._checks,
    register_scorer="6.7",
)

__all__ = [
    "DEAD_LETTERS",
    "DECISIONS",
    "EXERCISES",
    "MODEL_V1",
    "MODEL_V2",
    "TRADES",
    "AuditUnavailable",
    "Delivery",
    "MemoryAudit",
    "Seen",
    "TradeEvent",
    "body",
    "check",
    "deliver",
    "event",
    "reference",
    "register_scorer",
    "run_scorer",
    "sample_stream",
    "score_trade",
]
