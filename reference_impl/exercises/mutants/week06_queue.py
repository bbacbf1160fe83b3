"""Week 6 (queue) mutants: plausible wrong handlers for exercise 6.7, and correct alternatives.

Each mutant is what a learner could hand in: a typo in the queue name, the event published instead of the
decision, the decision published before the audit write, FastStream's default ack policy (a failed message is
rejected: dropped), ``ACK_FIRST``, an ``except`` that swallows the audit error, a handler typed with the pydantic
model (FastStream rejects the bad message before the handler can dead-letter it), a dead letter without the
original body, a dead letter that re-raises (a poison message comes back forever), a redelivery scored again or
not published at all. Each is caught naming the requirement it breaks.
"""

from __future__ import annotations

import json

from faststream import AckPolicy
from faststream.exceptions import AckMessage, NackMessage
from faststream.rabbit import RabbitMessage
from pydantic import ValidationError

from reference_impl.exercises.mutation import Mutant
from reference_impl.exercises.week06_queue import TradeEvent


async def _dead_letter(broker, message, exc):
    await broker.publish({"reason": str(exc).splitlines()[0], "body": message.body.decode()}, "trades.dlq")


# ---------------------------------------------------------------- correct alternatives


def register_scorer_manual_ack(broker, score, audit):
    """Settles every message itself (AckPolicy.MANUAL): ack on success and dead letter, nack on failure."""

    @broker.subscriber("trades", ack_policy=AckPolicy.MANUAL)
    async def on_trade(message: RabbitMessage):
        try:
            trade = TradeEvent.model_validate(json.loads(message.body))
        except (ValueError, ValidationError) as exc:  # json's JSONDecodeError is a ValueError
            await _dead_letter(broker, message, exc)
            await message.ack()
            return
        try:
            recorded = audit.find(trade.event_id)
            if recorded is None:
                recorded = score(trade)
                audit.append(recorded)
            await broker.publish(recorded, "decisions")
        except Exception:
            await message.nack(requeue=True)  # redelivered: at least once
            raise
        await message.ack()


def register_scorer_exceptions(broker, score, audit):
    """Uses FastStream's control exceptions: AckMessage for a dead letter, NackMessage when the write fails."""

    async def handle(message: RabbitMessage):
        try:
            trade = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await broker.publish(
                {"reason": "; ".join(e["msg"] for e in exc.errors()), "body": message.body.decode()}, "trades.dlq"
            )
            raise AckMessage() from None
        previous = audit.find(trade.event_id)
        decision = previous if previous is not None else score(trade)
        if previous is None:
            try:
                audit.append(decision)
            except OSError:
                raise NackMessage() from None  # requeue=True is its default
        await broker.publish(decision, "decisions")

    broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)(handle)


# ---------------------------------------------------------------- mutants


def register_wrong_queue(broker, score, audit):  # "trade": nothing consumes the queue the producer writes to
    @broker.subscriber("trade", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        event = TradeEvent.model_validate_json(message.body)
        decision = score(event)
        audit.append(decision)
        await broker.publish(decision, "decisions")


def register_publishes_event(broker, score, audit):  # publishes the input, not the decision
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await _dead_letter(broker, message, exc)
            return
        decision = audit.find(event.event_id)
        if decision is None:
            decision = score(event)
            audit.append(decision)
        await broker.publish(event.model_dump(mode="json"), "decisions")


def register_never_audits(broker, score, audit):  # scores and publishes, but no audit record
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await _dead_letter(broker, message, exc)
            return
        await broker.publish(audit.find(event.event_id) or score(event), "decisions")


def register_publish_then_audit(broker, score, audit):  # a decision leaves before it is recorded
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await _dead_letter(broker, message, exc)
            return
        decision = audit.find(event.event_id)
        if decision is None:
            decision = score(event)
            await broker.publish(decision, "decisions")
            audit.append(decision)
            return
        await broker.publish(decision, "decisions")


def _correct_body(broker, score, audit):
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await _dead_letter(broker, message, exc)
            return
        decision = audit.find(event.event_id)
        if decision is None:
            decision = score(event)
            audit.append(decision)
        await broker.publish(decision, "decisions")

    return handle


def register_default_ack_policy(broker, score, audit):  # RabbitMQ default REJECT_ON_ERROR: a failure is dropped
    broker.subscriber("trades")(_correct_body(broker, score, audit))


def register_ack_first(broker, score, audit):  # acknowledged on delivery: a crash after it loses the event
    broker.subscriber("trades", ack_policy=AckPolicy.ACK_FIRST)(_correct_body(broker, score, audit))


def register_ack_always(broker, score, audit):  # AckPolicy.ACK acknowledges even when the handler raised
    broker.subscriber("trades", ack_policy=AckPolicy.ACK)(_correct_body(broker, score, audit))


def register_swallows_audit_error(broker, score, audit):  # logs the failure and carries on: acked, no decision
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await _dead_letter(broker, message, exc)
            return
        decision = audit.find(event.event_id)
        if decision is None:
            decision = score(event)
            try:
                audit.append(decision)
            except OSError:
                return  # "logged and carried on"
        await broker.publish(decision, "decisions")


def register_typed_handler(broker, score, audit):  # FastStream validates first: a bad message never reaches it
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(event: TradeEvent):
        decision = audit.find(event.event_id)
        if decision is None:
            decision = score(event)
            audit.append(decision)
        await broker.publish(decision, "decisions")


def register_json_errors_only(broker, score, audit):  # dead-letters bad JSON, but a contract breach raises
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        try:
            data = json.loads(message.body)
        except ValueError as exc:
            await _dead_letter(broker, message, exc)
            return
        event = TradeEvent.model_validate(data)
        decision = audit.find(event.event_id)
        if decision is None:
            decision = score(event)
            audit.append(decision)
        await broker.publish(decision, "decisions")


def register_dead_letter_without_body(broker, score, audit):  # the reason alone: nobody can inspect or replay it
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await broker.publish({"reason": str(exc.errors()[0]["msg"])}, "trades.dlq")
            return
        decision = audit.find(event.event_id)
        if decision is None:
            decision = score(event)
            audit.append(decision)
        await broker.publish(decision, "decisions")


def register_dead_letter_reraises(broker, score, audit):  # "make the failure visible": nacked, back forever
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await _dead_letter(broker, message, exc)
            raise
        decision = audit.find(event.event_id)
        if decision is None:
            decision = score(event)
            audit.append(decision)
        await broker.publish(decision, "decisions")


def register_rescores_redelivery(broker, score, audit):  # no look-up: a second score and a second record
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await _dead_letter(broker, message, exc)
            return
        decision = score(event)
        audit.append(decision)
        await broker.publish(decision, "decisions")


def register_rescores_without_append(broker, score, audit):  # one record, but a new model's answer goes out
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await _dead_letter(broker, message, exc)
            return
        decision = score(event)
        if audit.find(event.event_id) is None:
            audit.append(decision)
        await broker.publish(decision, "decisions")


def register_skips_redelivery(broker, score, audit):  # "already done": but the decision may never have gone out
    @broker.subscriber("trades", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage):
        try:
            event = TradeEvent.model_validate_json(message.body)
        except ValidationError as exc:
            await _dead_letter(broker, message, exc)
            return
        if audit.find(event.event_id) is not None:
            return
        decision = score(event)
        audit.append(decision)
        await broker.publish(decision, "decisions")


MUTANTS = [
    Mutant("6.7", "subscribe", register_wrong_queue),
    Mutant("6.7", "decide", register_publishes_event),
    Mutant("6.7", "decide", register_never_audits),
    Mutant("6.7", "audit_first", register_publish_then_audit),
    Mutant("6.7", "requeue", register_default_ack_policy),
    Mutant("6.7", "requeue", register_ack_first),
    Mutant("6.7", "requeue", register_ack_always),
    Mutant("6.7", "requeue", register_swallows_audit_error),
    Mutant("6.7", "dlq", register_typed_handler),
    Mutant("6.7", "dlq", register_json_errors_only),
    Mutant("6.7", "dlq", register_dead_letter_without_body),
    Mutant("6.7", "dlq_ack", register_dead_letter_reraises),
    Mutant("6.7", "idempotent", register_rescores_redelivery),
    Mutant("6.7", "idempotent", register_rescores_without_append),
    Mutant("6.7", "idempotent", register_skips_redelivery),
]

CORRECT = {"6.7": [register_scorer_manual_ack, register_scorer_exceptions]}
