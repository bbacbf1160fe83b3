"""The one module that knows the broker: RabbitMQ through FastStream (aio-pika underneath).

Everything else works on :class:`~reference_impl.consumer.handler.Delivery` and the handler's actions;
moving to Kafka means a ``KafkaBroker`` adapter with the same four duties (docs/queue.md has the
mapping): deliver messages **in order**, in batches of at most the prefetch; publish a decision (with
publisher confirms) or a dead letter; *then* acknowledge; give a message back on :class:`Retry`.

Ordering: aio-pika starts one task per delivered message, so handlers would race. Deliveries are put
back in order by their delivery tag (consecutive from 1 on each channel, a fresh channel after a
reconnect) and handed to a single worker, which scores whatever is waiting as one batch (one feature
read, one model call, one audit fsync) and publishes and acknowledges in delivery order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from faststream import AckPolicy
from faststream.rabbit import Channel, ExchangeType, RabbitBroker, RabbitExchange, RabbitMessage, RabbitQueue

from reference_impl.consumer.handler import Action, DeadLetter, Delivery, Publish, Retry
from reference_impl.consumer.settings import ConsumerSettings
from reference_impl.errors import ConfigError, ErrorKind, IbmlError

log = logging.getLogger(__name__)

#: Headers on what the consumer publishes.
REASON_HEADER = "x-ibml-dead-letter-reason"
KIND_HEADER = "x-ibml-dead-letter-kind"
SOURCE_HEADER = "x-ibml-source-queue"
REDELIVERY_HEADER = "x-ibml-redelivery"
#: Pause before a message that could not be decided is given back (no hot loop while the audit log is down).
RETRY_PAUSE_S = 1.0


class BrokerUnavailable(IbmlError):
    """The broker could not be reached (after the configured retries)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind=ErrorKind.UNAVAILABLE)


@dataclass
class _Pending:
    message: RabbitMessage
    delivery: Delivery
    received: float
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class _InOrder:
    """Release deliveries of each channel in delivery-tag order (tags count up from 1 per channel)."""

    def __init__(self, release: Callable[[_Pending], None]) -> None:
        self._release = release
        self._next: dict[int, int] = {}
        self._held: dict[int, dict[int, _Pending]] = {}

    def put(self, channel_key: int | None, tag: int | None, item: _Pending) -> None:
        if channel_key is None or not isinstance(tag, int):  # no tag (the in-memory test broker): as it comes
            self._release(item)
            return
        expected = self._next.setdefault(channel_key, 1)
        held = self._held.setdefault(channel_key, {})
        held[tag] = item
        if tag < expected:  # cannot happen on a well-behaved channel; never hold a message back forever
            expected = tag
        while expected in held:
            self._release(held.pop(expected))
            expected += 1
        self._next[channel_key] = expected


class RabbitConsumer:
    """Wire a batch handler to RabbitMQ: subscribe, order, batch, publish, acknowledge, reconnect.

    ``handle`` is :meth:`TradeEventConsumer.handle`; ``done`` (optional) is called with each action
    after it was carried out (metrics).
    """

    def __init__(
        self,
        settings: ConsumerSettings,
        handle: Callable[[Sequence[Delivery]], Awaitable[list[Action]]],
        *,
        done: Callable[[Action, float], None] | None = None,
        on_connection: Callable[[bool], None] | None = None,
    ) -> None:
        self.settings = settings
        self._handle = handle
        self._done = done or (lambda action, seconds: None)
        self._on_connection = on_connection or (lambda up: None)
        self.connected = False
        declare = settings.consumer_declare
        self.queue = RabbitQueue(settings.consumer_queue, durable=True, declare=declare)
        self.dead_letters = RabbitQueue(settings.dead_letter_queue, durable=True, declare=declare)
        self.exchange = RabbitExchange(
            settings.consumer_exchange, type=ExchangeType.TOPIC, durable=True, declare=declare
        )
        self.broker = RabbitBroker(
            settings.amqp_url,
            fail_fast=True,
            reconnect_interval=1.0,
            timeout=10.0,
            graceful_timeout=settings.consumer_shutdown_timeout_s,
            # confirms: publish returns once the broker has the message; an unroutable decision raises
            default_channel=Channel(publisher_confirms=True, on_return_raises=True),
            on_close=[self._closed],
            on_reconnected=[self._reconnected],
            log_level=logging.WARNING,
        )
        self.subscriber = self.broker.subscriber(
            self.queue,
            channel=Channel(prefetch_count=settings.consumer_prefetch),
            ack_policy=AckPolicy.MANUAL,
            no_reply=True,
            title="trade events",
            description="trade-capture events to score (the TradeEventIn contract; message_id = event id)",
        )
        self.subscriber(self._on_message)
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._order = _InOrder(self._queue.put_nowait)
        self._worker: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ connection

    def _closed(self, *_: Any) -> None:
        self.connected = False
        self._on_connection(False)
        log.warning("broker connection lost; reconnecting")

    def _reconnected(self, *_: Any) -> None:
        self.connected = True
        self._on_connection(True)
        log.warning("broker connection restored")

    async def connect(self, attempts: int, *, first_pause_s: float = 0.5, max_pause_s: float = 8.0) -> None:
        """Connect, retrying with exponential backoff; :class:`BrokerUnavailable` after ``attempts``."""
        pause = first_pause_s
        for attempt in range(1, attempts + 1):
            try:
                await self.broker.connect()
                break
            except Exception as exc:  # noqa: BLE001 - any connection failure is retried, then reported
                last = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
                if attempt == attempts:
                    raise BrokerUnavailable(
                        f"broker at {_redact(self.settings.amqp_url)} unreachable after {attempts} attempts: {last}"
                    ) from None
                log.warning("broker unreachable (attempt %d of %d, next in %.1f s): %s", attempt, attempts, pause, last)
                await asyncio.sleep(pause)
                pause = min(pause * 2, max_pause_s)
        self.connected = True
        self._on_connection(True)

    async def prepare_topology(self) -> None:
        """Declare (``consumer_declare``) or passively check the dead-letter queue and the exchange.

        A missing one is a :class:`ConfigError` naming it. The input queue is checked by :meth:`start`,
        on the subscriber's own channel: FastStream caches a declared queue with the channel it was
        declared on, so declaring it here (on the publishing channel) would make the subscriber consume
        on that channel, without its prefetch limit.
        """
        for what, coro in (
            (f"dead-letter queue {self.dead_letters.name!r}", lambda: self.broker.declare_queue(self.dead_letters)),
            (f"exchange {self.exchange.name!r}", lambda: self.broker.declare_exchange(self.exchange)),
        ):
            try:
                await coro()
            except Exception as exc:  # noqa: BLE001 - aio-pika raises ChannelNotFoundEntity for a missing one
                raise _topology_error(what, exc) from None
        if self.settings.consumer_declare:  # a queue to read the decisions from, so none is unroutable
            decisions = RabbitQueue(self.settings.decisions_queue, durable=True, routing_key="#")
            queue = await self.broker.declare_queue(decisions)
            await queue.bind(await self.broker.declare_exchange(self.exchange), routing_key="#")

    async def start(self) -> None:
        """Check (or declare) the input queue and start consuming (after :meth:`prepare_topology`).

        A missing input queue is a :class:`ConfigError`: listening to a queue no one publishes to
        would be the silent drop this consumer must not allow.
        """
        self._worker = asyncio.create_task(self._work(), name="ibml-consume-worker")
        try:
            await self.broker.start()
        except Exception as exc:  # noqa: BLE001 - translated into one line below
            await self.stop()
            raise _topology_error(f"queue {self.queue.name!r}", exc) from None

    async def stop(self) -> None:
        """Stop taking messages, let the in-flight ones finish (publish + ack), then close."""
        await self.broker.stop()  # cancels the consumer, waits (graceful timeout) for running handlers
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None

    # ------------------------------------------------------------------ messages

    async def _on_message(self, message: RabbitMessage) -> None:
        raw = message.raw_message
        delivery = Delivery(
            body=bytes(message.body),
            # the raw AMQP property: FastStream's ``message.message_id`` invents a uuid when it is missing
            event_id=getattr(raw, "message_id", None) or None,
            routing_key=str(getattr(raw, "routing_key", "") or ""),
            redelivered=bool(getattr(raw, "redelivered", False)),
        )
        item = _Pending(message, delivery, time.perf_counter())
        self._order.put(_channel_key(raw), getattr(raw, "delivery_tag", None), item)
        await item.done  # the handler returns (and FastStream's graceful stop waits) until it is acked

    async def _work(self) -> None:
        limit = self.settings.consumer_prefetch
        while True:
            batch = [await self._queue.get()]
            while len(batch) < limit and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                actions = await self._handle([p.delivery for p in batch])
            except Exception as exc:
                log.exception("handler failed; returning %d messages to the queue", len(batch))
                actions = [Retry(f"handler failed: {type(exc).__name__}")] * len(batch)
            if any(isinstance(a, Retry) for a in actions):
                await asyncio.sleep(RETRY_PAUSE_S)  # once per batch: no hot loop while the audit log is down
            settled = True
            for item, action in zip(batch, actions):
                try:
                    settled &= await self._carry_out(item, action)
                finally:
                    if not item.done.done():
                        item.done.set_result(None)
            if not settled:
                await asyncio.sleep(RETRY_PAUSE_S)  # e.g. an unroutable decision: do not spin on it

    async def _carry_out(self, item: _Pending, action: Action) -> bool:
        """Publish (or dead-letter), then acknowledge; or give back. ``False`` if it could not be published."""
        try:
            if isinstance(action, Publish):
                await self.publish_decision(action)
            elif isinstance(action, DeadLetter):
                await self.publish_dead_letter(action)
            else:
                log.warning(
                    "message %s not decided now, returning it to the queue: %s", item.delivery.event_id, action.reason
                )
                await item.message.nack(requeue=True)
                self._done(action, time.perf_counter() - item.received)
                return True
            await item.message.ack()
        except Exception as exc:  # noqa: BLE001 - not acknowledged: the broker redelivers it
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            log.error("could not publish/acknowledge %s (it will be redelivered): %s", item.delivery.event_id, detail)
            try:
                await item.message.nack(requeue=True)
            except Exception:  # noqa: BLE001 - the channel is gone; the broker requeues unacked messages itself
                pass
            return False
        self._done(action, time.perf_counter() - item.received)
        return True

    async def publish_decision(self, action: Publish) -> None:
        await self.broker.publish(
            json.dumps(action.body, sort_keys=True, separators=(",", ":"), allow_nan=False).encode(),
            exchange=self.exchange,
            routing_key=action.routing_key,
            message_id=action.event_id,
            correlation_id=action.event_id,
            headers={REDELIVERY_HEADER: "true" if action.redelivery else "false"},
            content_type="application/json",
            persist=True,
            mandatory=True,
        )

    async def publish_dead_letter(self, action: DeadLetter) -> None:
        await self.broker.publish(
            action.body,
            queue=self.dead_letters,
            message_id=action.event_id,
            headers={REASON_HEADER: action.reason, KIND_HEADER: action.kind, SOURCE_HEADER: self.queue.name},
            persist=True,
            mandatory=True,
        )


def _topology_error(what: str, exc: BaseException) -> IbmlError:
    """A missing queue or exchange as a :class:`ConfigError`; anything else as :class:`BrokerUnavailable`."""
    if "NOT_FOUND" in str(exc) or type(exc).__name__ == "ChannelNotFoundEntity":
        return ConfigError(
            f"{what} does not exist on the broker; create it or run `ibml consume --declare`",
            kind=ErrorKind.NOT_FOUND,
        )
    return BrokerUnavailable(f"declaring {what} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")


def _channel_key(raw: Any) -> int | None:
    """Identity of the channel a message came on; ``None`` when it is closed or absent (in-memory broker).

    ``None`` releases the message as it comes: a closed channel's message cannot be acknowledged anyway
    (the broker requeues it), so holding it back for its predecessors would only delay the worker.
    """
    try:
        channel = raw.channel
    except Exception:  # noqa: BLE001 - aio-pika raises ChannelInvalidStateError for a closed channel
        return None
    return id(channel) if channel is not None else None


def _redact(url: str) -> str:
    """``amqp://user:***@host/`` (never log a password)."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


__all__ = ["BrokerUnavailable", "KIND_HEADER", "REASON_HEADER", "REDELIVERY_HEADER", "RabbitConsumer"]
