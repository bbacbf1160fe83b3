"""Week 6 (queue) check: the learner's FastStream handler runs on the in-memory broker; the harness sees how each
message was settled, works inside a running event loop (a Jupyter kernel), and its streams are deterministic."""

from __future__ import annotations

import asyncio

import pytest
from faststream import AckPolicy
from faststream.rabbit import RabbitMessage
from faststream.rabbit.message import RabbitMessage as RabbitMessageClass

from reference_impl.exercises import week06_queue as q
from reference_impl.exercises.framework import NOT_STARTED, ExerciseFailed, ExerciseNotStarted
from reference_impl.exercises.mutants import week06_queue as m

EX = q.EXERCISES["6.7"]
DOWN = [q.Delivery(q.body(q.event("E1")), "audit_down", "E1 while the audit store is down")]


def _failing(policy, manual_settle=None):
    """A handler whose audit append fails on the check's signal, under ``policy``."""

    def setup(broker, score, audit):
        @broker.subscriber("trades", ack_policy=policy)
        async def handle(message: RabbitMessage):
            if manual_settle is not None:
                await manual_settle(message)
                return
            audit.append(score(q.TradeEvent.model_validate_json(message.body)))

    return setup


@pytest.mark.parametrize(
    ("policy", "settled"),
    [
        (AckPolicy.NACK_ON_ERROR, "nacked, requeued"),
        (AckPolicy.REJECT_ON_ERROR, "dropped (not requeued)"),
        (AckPolicy.ACK, "acknowledged"),
        (AckPolicy.ACK_FIRST, "acknowledged"),  # the consumer runs with no_ack: the broker forgets it on delivery
        (AckPolicy.MANUAL, "never settled"),
    ],
)
def test_the_harness_reports_how_a_failed_message_was_settled(policy, settled):
    (seen,) = q.deliver(_failing(policy), DOWN)
    assert seen.settled == settled
    assert seen.appended == [] and seen.scored == 1
    if policy is not AckPolicy.ACK_FIRST and policy is not AckPolicy.MANUAL:
        assert seen.raised.startswith("AuditUnavailable")


@pytest.mark.parametrize(
    ("settle", "settled"),
    [
        (lambda msg: msg.nack(requeue=False), "dropped (not requeued)"),
        (lambda msg: msg.reject(requeue=True), "nacked, requeued"),
        (lambda msg: msg.ack(), "acknowledged"),
    ],
)
def test_a_manual_settlement_is_recorded_with_its_requeue_flag(settle, settled):
    (seen,) = q.deliver(_failing(AckPolicy.MANUAL, settle), DOWN)
    assert seen.settled == settled


def test_the_settlement_patch_is_removed_after_a_run():
    before = (RabbitMessageClass.ack, RabbitMessageClass.nack, RabbitMessageClass.reject)
    q.deliver(q.register_scorer, q.sample_stream())
    assert (RabbitMessageClass.ack, RabbitMessageClass.nack, RabbitMessageClass.reject) == before


def test_the_reference_on_the_sample_stream():
    seen = q.deliver(q.register_scorer, q.sample_stream())
    assert [s.settled for s in seen] == ["acknowledged"] * 3 + ["nacked, requeued"] + ["acknowledged"] * 2
    assert [len(s.decisions) for s in seen] == [1, 0, 0, 0, 1, 1]
    assert [len(s.dead_letters) for s in seen] == [0, 1, 1, 0, 0, 0]
    assert seen[5].decisions == seen[0].decisions  # the recorded v1 decision, not a v2 score
    assert seen[5].scored == 0 and seen[5].appended == []
    assert seen[1].dead_letters[0]["body"] == "{not json" and seen[1].dead_letters[0]["reason"]


def test_the_check_runs_inside_a_running_event_loop():
    """A Jupyter kernel runs its cells inside an event loop: the check must not call asyncio.run on it."""

    async def in_a_kernel():
        asyncio.get_running_loop()
        return EX.evaluate(q.register_scorer)

    assert asyncio.run(in_a_kernel()) == len(q._streams())


def test_passes_the_reference_and_ships_not_started(capsys):
    assert EX.evaluate(q.register_scorer) == len(q._fixed_streams()) + q.RANDOM_STREAMS

    def register_scorer(broker, score, audit):
        raise NotImplementedError("Exercise 6.7: replace this line with your code")

    assert q.check.register_scorer(register_scorer) is q.register_scorer
    assert capsys.readouterr().out.strip() == NOT_STARTED.format(id="6.7")
    with pytest.raises(ExerciseNotStarted):
        EX.evaluate(register_scorer)


def test_a_register_that_raises_or_subscribes_nothing_fails_on_subscribe():
    def raises(broker, score, audit):
        raise KeyError("oops")

    for func in (raises, lambda broker, score, audit: None):
        with pytest.raises(ExerciseFailed) as exc:
            EX.evaluate(func)
        assert exc.value.req == "subscribe"


def test_random_streams_are_deterministic_and_cover_every_kind():
    first, second = q._streams(), q._streams()
    assert [(n, [(d.body, d.kind, d.model_version) for d in ds]) for n, _, ds in first] == [
        (n, [(d.body, d.kind, d.model_version) for d in ds]) for n, _, ds in second
    ]
    kinds = {d.kind for _, _, ds in first[len(q._fixed_streams()) :] for d in ds}
    assert kinds == {"new", "redelivery", "malformed", "audit_down", "decisions_down"}


def test_a_failure_names_the_delivery_and_what_the_handler_raised():
    with pytest.raises(ExerciseFailed) as exc:
        EX.evaluate(m.register_dead_letter_reraises)
    text = str(exc.value)
    assert "delivery 1 of 3 (a message that is not JSON)" in text
    assert "nacked, requeued; expected: acknowledged" in text and "ValidationError" in text
    assert exc.value.req == "dlq_ack"
