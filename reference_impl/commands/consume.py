"""``ibml consume``: score trade events from a RabbitMQ queue, publish decisions, audit everything."""

from __future__ import annotations

import argparse
import logging
import os

from reference_impl.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "consume",
        help="score trade events from a RabbitMQ queue and publish the decisions",
        description="Reads TradeEventIn JSON messages (message_id = event id) from IBML_CONSUMER_QUEUE, "
        "scores them with the service's features, model, rules and audit trail, publishes each decision "
        "to IBML_CONSUMER_EXCHANGE and dead-letters what cannot be scored. Settings come from IBML_* "
        "environment variables (see docs/queue.md); flags override them. SIGTERM stops it gracefully.",
    )
    p.add_argument("--url", default=None, help="broker URL (default IBML_AMQP_URL or amqp://guest:***@127.0.0.1:5672/)")
    p.add_argument("--queue", default=None, help="input queue (default IBML_CONSUMER_QUEUE or ibml.trades)")
    p.add_argument(
        "--exchange", default=None, help="decisions exchange (default IBML_CONSUMER_EXCHANGE or ibml.decisions)"
    )
    p.add_argument("--dead-letter-queue", default=None, help="default <queue>.dlq")
    p.add_argument("--prefetch", type=int, default=None, help="unacknowledged messages at once (default 32)")
    p.add_argument(
        "--declare",
        action="store_true",
        default=None,
        help="create the queues and exchange (durable) instead of failing when they do not exist",
    )
    p.add_argument("--metrics-port", type=int, default=None, help="port of /ready and /metrics on 127.0.0.1")
    p.add_argument(
        "--model-source",
        choices=["local", "registry", "none"],
        default=None,
        help="where the trade model comes from (default IBML_MODEL_SOURCE or local; none = rules only)",
    )
    p.add_argument("--model-alias", default=None, help="registry alias with --model-source registry (default champion)")
    p.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=run_consume)


def run_consume(args: argparse.Namespace) -> int:
    from reference_impl.consumer import ConsumerSettings, run

    overrides = {
        key: value
        for key, value in (
            ("amqp_url", args.url),
            ("consumer_queue", args.queue),
            ("consumer_exchange", args.exchange),
            ("consumer_dead_letter_queue", args.dead_letter_queue),
            ("consumer_prefetch", args.prefetch),
            ("consumer_declare", args.declare),
            ("consumer_metrics_port", args.metrics_port),
            ("model_source", args.model_source),
            ("consumer_model_alias", args.model_alias),
        )
        if value is not None
    }
    try:
        settings = ConsumerSettings(**overrides)
    except ValueError as exc:
        raise ConfigError(f"invalid consumer setting {_field_error(exc)}") from None
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    return run(settings)


def _field_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(x) for x in first['loc'])}: {first['msg']}"
    return str(exc)
