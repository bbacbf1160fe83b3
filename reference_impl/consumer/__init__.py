"""Event-driven scoring: ``ibml consume`` reads trade events from a queue and scores them like the API.

Read in this order: ``handler.py`` (parse, contract, idempotency, the trade room's pipeline, audit),
``index.py`` (decided event ids, rebuilt from the audit log), ``broker.py`` (the one RabbitMQ/FastStream
adapter: order, batch, publish, acknowledge), ``runner.py`` (start-up checks, readiness, SIGTERM),
``settings.py``. docs/queue.md has the delivery guarantees and the Kafka mapping.
"""

from reference_impl.consumer.broker import BrokerUnavailable, RabbitConsumer
from reference_impl.consumer.handler import Action, DeadLetter, Delivery, Publish, Retry, TradeEventConsumer
from reference_impl.consumer.index import ENDPOINT, DecisionIndex, decision_body
from reference_impl.consumer.metrics import ConsumerMetrics, StatusServer
from reference_impl.consumer.runner import ConsumerRuntime, consume, open_runtime, run
from reference_impl.consumer.settings import ConsumerSettings

__all__ = [
    "ENDPOINT",
    "Action",
    "BrokerUnavailable",
    "ConsumerMetrics",
    "ConsumerRuntime",
    "ConsumerSettings",
    "DeadLetter",
    "DecisionIndex",
    "Delivery",
    "Publish",
    "RabbitConsumer",
    "Retry",
    "StatusServer",
    "TradeEventConsumer",
    "consume",
    "decision_body",
    "open_runtime",
    "run",
]
