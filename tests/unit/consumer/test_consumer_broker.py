"""The broker adapter without a broker: FastStream's in-memory ``TestRabbitBroker``, and a port nobody listens on.

What the adapter must do whatever the handler decided: publish a decision (or a dead letter) *before*
acknowledging, give a message back when it could not be published, release deliveries in order, and
at start retry an unreachable broker with backoff while ``/ready`` says why it is not ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any
from unittest import mock

import pytest
from faststream.rabbit import RabbitMessage, RabbitQueue, TestRabbitBroker
from faststream.rabbit.message import RabbitMessage as RabbitMessageClass

from reference_impl.consumer import (
    BrokerUnavailable,
    ConsumerSettings,
    DeadLetter,
    Delivery,
    Publish,
    RabbitConsumer,
    Retry,
    consume,
)
from reference_impl.consumer import broker as broker_module
from reference_impl.consumer.broker import _InOrder, _redact
from reference_impl.serving.testing import free_port
from reference_impl.serving.trades.testing import fake_trades_providers


@contextlib.contextmanager
def settlements(journal: list[str]) -> Iterator[None]:
    """Append ``ack <id>`` / ``nack <id>`` to ``journal`` whenever an input message is settled."""

    def recorder(name: str) -> Any:
        original = getattr(RabbitMessageClass, name)

        async def record(self: Any, *args: Any, **kwargs: Any) -> Any:
            if self.raw_message.routing_key == "trades.in":  # not the collectors' own acknowledgements
                journal.append(f"{name} {self.raw_message.message_id}")
            return await original(self, *args, **kwargs)

        return record

    with (
        mock.patch.object(RabbitMessageClass, "ack", recorder("ack")),
        mock.patch.object(RabbitMessageClass, "nack", recorder("nack")),
    ):
        yield


async def scripted(deliveries: Sequence[Delivery]) -> list[Any]:
    """A handler: ``bad`` bodies are dead letters, ``later`` bodies are given back, the rest are flags."""
    out: list[Any] = []
    for d in deliveries:
        if d.body == b"bad":
            out.append(DeadLetter("not_json", "body is not JSON: Expecting value", d.body, d.event_id))
        elif d.body == b"later":
            out.append(Retry("audit log unavailable"))
        else:
            out.append(Publish(str(d.event_id), {"event_id": d.event_id, "decision": "flag"}, "trade.flag"))
    return out


def run_in_memory(messages: list[tuple[str, bytes]], *, bind: str | None = "trade.#") -> tuple[list[str], list[Any]]:
    """Publish ``(message_id, body)`` to the input queue; returns (journal of publishes and settlements, done)."""
    journal: list[str] = []
    done: list[Any] = []

    async def main() -> None:
        settings = ConsumerSettings(home="/nonexistent", consumer_queue="trades.in", consumer_exchange="decisions")
        rabbit = RabbitConsumer(settings, scripted, done=lambda action, seconds: done.append(action))
        if bind is not None:

            @rabbit.broker.subscriber(RabbitQueue("decisions.review", routing_key=bind), exchange=rabbit.exchange)
            async def decisions(m: RabbitMessage) -> None:
                journal.append(f"decision {m.message_id} {m.raw_message.routing_key} {m.headers['x-ibml-redelivery']}")

        @rabbit.broker.subscriber(rabbit.dead_letters)
        async def dead_letters(m: RabbitMessage) -> None:
            h = m.headers
            journal.append(f"dead-letter {m.message_id} {h['x-ibml-dead-letter-kind']} {h['x-ibml-source-queue']}")

        with settlements(journal), mock.patch.object(broker_module, "RETRY_PAUSE_S", 0.0):
            async with TestRabbitBroker(rabbit.broker) as test_broker:
                await rabbit.start()
                for message_id, body in messages:
                    await test_broker.publish(body, queue="trades.in", message_id=message_id)
                await rabbit.stop()

    asyncio.run(main())
    return journal, done


def test_a_decision_is_published_under_its_topic_before_the_message_is_acknowledged():
    journal, done = run_in_memory([("E1", json.dumps({"x": 1}).encode())])
    assert journal == ["decision E1 trade.flag false", "ack E1"]
    assert [type(a).__name__ for a in done] == ["Publish"]


def test_a_dead_letter_carries_its_reason_and_source_queue_and_is_acknowledged_after():
    journal, _ = run_in_memory([("E2", b"bad")])
    assert journal == ["dead-letter E2 not_json trades.in", "ack E2"]


def test_a_message_given_back_is_nacked_for_redelivery_and_nothing_is_published():
    journal, done = run_in_memory([("E3", b"later")])
    assert journal == ["nack E3"]
    assert [type(a).__name__ for a in done] == ["Retry"]


def test_a_decision_that_cannot_be_routed_is_not_acknowledged():
    journal, done = run_in_memory([("E4", b"{}")], bind=None)  # no queue bound to the decisions exchange
    assert journal == ["nack E4"]  # the broker keeps it; nothing was lost, nothing counted as done
    assert done == []


class _Item:
    def __init__(self, name: str) -> None:
        self.name = name


def test_deliveries_are_released_in_delivery_tag_order_per_channel():
    released: list[str] = []
    order = _InOrder(lambda item: released.append(item.name))  # type: ignore[arg-type, attr-defined]
    for channel, tag in [(1, 2), (1, 3), (2, 1), (1, 1), (2, 3), (2, 2)]:
        order.put(channel, tag, _Item(f"c{channel}-{tag}"))  # type: ignore[arg-type]
    assert released == ["c2-1", "c1-1", "c1-2", "c1-3", "c2-2", "c2-3"]


def test_a_delivery_without_a_tag_is_released_at_once():
    released: list[str] = []
    order = _InOrder(lambda item: released.append(item.name))  # type: ignore[arg-type, attr-defined]
    order.put(None, None, _Item("untagged"))  # type: ignore[arg-type]
    assert released == ["untagged"]


def test_the_broker_password_never_reaches_an_error_message():
    assert _redact("amqp://svc:s3cret@mq.bank.internal:5671/risk") == "amqp://svc:***@mq.bank.internal:5671/risk"
    assert _redact("amqp://localhost/") == "amqp://localhost/"


def _ready(port: int) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_an_unreachable_broker_is_retried_with_backoff_while_ready_says_why_then_a_one_line_error(workspace):
    status_port, dead_port = free_port(), free_port()
    settings = ConsumerSettings(
        home=workspace.root,
        amqp_url=f"amqp://guest:hunter2@127.0.0.1:{dead_port}/",
        consumer_connect_attempts=3,
        consumer_metrics_port=status_port,
    )
    pauses: list[float] = []
    real_sleep = asyncio.sleep

    async def record_pause(seconds: float, *args: Any) -> None:
        pauses.append(seconds)
        await real_sleep(min(seconds, 0.05))

    async def main() -> tuple[tuple[int, str], BaseException]:
        with mock.patch.object(broker_module.asyncio, "sleep", record_pause):
            task = asyncio.create_task(consume(settings, providers=fake_trades_providers()))
            while not pauses:  # the first attempt failed: the consumer is waiting to retry
                await real_sleep(0.01)
            ready = await asyncio.to_thread(_ready, status_port)
            try:
                await task
            except BaseException as exc:  # noqa: BLE001 - the error is what this test is about
                return ready, exc
        raise AssertionError("consume() returned without a broker")

    ready, error = asyncio.run(main())
    assert ready == (503, "not ready: broker: not connected\n")
    assert pauses == [0.5, 1.0]  # three attempts, the pause doubling
    assert isinstance(error, BrokerUnavailable) and error.exit_code != 0
    text = str(error)
    assert text.startswith(f"broker at amqp://guest:***@127.0.0.1:{dead_port}/ unreachable after 3 attempts: ")
    assert "\n" not in text and "hunter2" not in text


def test_connect_gives_up_after_the_configured_attempts():
    settings = ConsumerSettings(home="/nonexistent", amqp_url=f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    rabbit = RabbitConsumer(settings, scripted)
    with pytest.raises(BrokerUnavailable, match="unreachable after 1 attempts"):
        asyncio.run(rabbit.connect(1))
    assert rabbit.connected is False


def test_a_missing_queue_or_exchange_is_a_config_error_naming_it_and_anything_else_a_broker_error():
    from aio_pika.exceptions import ChannelNotFoundEntity  # re-exported from aiormq

    from reference_impl.consumer.broker import _topology_error
    from reference_impl.errors import ConfigError

    missing = _topology_error("dead-letter queue 'trades.dlq'", ChannelNotFoundEntity("NOT_FOUND - no queue"))
    assert isinstance(missing, ConfigError)
    assert str(missing) == (
        "dead-letter queue 'trades.dlq' does not exist on the broker; create it or run `ibml consume --declare`"
    )
    other = _topology_error("queue 'trades'", RuntimeError("PRECONDITION_FAILED - inequivalent arg 'durable'\nmore"))
    assert isinstance(other, BrokerUnavailable)
    assert str(other) == "declaring queue 'trades' failed: RuntimeError: PRECONDITION_FAILED - inequivalent arg 'durable'"
