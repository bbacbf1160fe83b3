"""The queue consumer's settings: the service's (same workspace, model source, budgets) plus the broker's.

A subclass of :class:`~reference_impl.serving.settings.ServiceSettings`, so the trade room's pipeline,
model loader and feature source take it unchanged; ``IBML_<NAME>`` in the environment overrides each field.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from reference_impl.serving.settings import ServiceSettings


# BaseSettings is named as well (it is already ServiceSettings' base, so the MRO is unchanged) so that
# tests/unit/test_configuration_docs.py, which reads class definitions rather than importing them,
# sees the IBML_* variables this class adds.
class ConsumerSettings(ServiceSettings, BaseSettings):
    """Every knob of ``ibml consume``.

    Examples
    --------
    >>> s = ConsumerSettings(home="/tmp/x", consumer_queue="trades.in")
    >>> s.consumer_queue, s.dead_letter_queue, s.consumer_prefetch
    ('trades.in', 'trades.in.dlq', 32)
    """

    model_config = SettingsConfigDict(env_prefix="IBML_", extra="ignore", frozen=True, env_ignore_empty=True)

    amqp_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/", description="broker URL (amqp://user:password@host:port/vhost)"
    )
    consumer_queue: str = Field("ibml.trades", min_length=1, description="input queue of trade events")
    consumer_exchange: str = Field(
        "ibml.decisions", min_length=1, description="topic exchange the decisions are published to"
    )
    consumer_dead_letter_queue: str | None = Field(
        None, description="queue for malformed or unscorable messages; default <consumer_queue>.dlq"
    )
    consumer_prefetch: int = Field(
        32, ge=1, le=1000, description="unacknowledged messages the broker may hand over at once (back-pressure)"
    )
    consumer_declare: bool = Field(
        False, description="declare the queues and exchange (durable) instead of requiring that they exist"
    )
    consumer_metrics_port: int = Field(
        9464, ge=0, le=65535, description="port of /ready and /metrics on 127.0.0.1 (0: any free port)"
    )
    consumer_connect_attempts: int = Field(
        6, ge=1, le=100, description="connection attempts at start (exponential backoff, 0.5 s doubling to 8 s)"
    )
    consumer_model_alias: str = Field(
        "champion", min_length=1, description="registry alias of the trade model when model_source=registry"
    )
    consumer_shutdown_timeout_s: float = Field(
        15.0, gt=0, le=300, description="SIGTERM: time in-flight messages get to finish before the consumer exits"
    )

    @property
    def dead_letter_queue(self) -> str:
        """The dead-letter queue's name (``<consumer_queue>.dlq`` unless configured)."""
        return self.consumer_dead_letter_queue or f"{self.consumer_queue}.dlq"

    @property
    def decisions_queue(self) -> str:
        """The queue ``consumer_declare`` binds to the decisions exchange (``<consumer_exchange>.all``)."""
        return f"{self.consumer_exchange}.all"


__all__ = ["ConsumerSettings"]
