"""Run the consumer: open the trade room as the service does, rebuild the index, connect, consume, stop.

Start-up refuses, with one line, what would make decisions wrong or silent: a trade model that does not
load (the HTTP service starts degraded on rules only; a consumer that nobody watches must not — set
``IBML_MODEL_SOURCE=none`` to choose rules only explicitly), no feature source (nothing could be
scored), a registry alias that does not exist, a
queue or exchange that does not exist (unless ``--declare``), a broker that stays unreachable through
the retries. SIGTERM (or SIGINT) stops taking messages, lets the in-flight ones finish (audit,
publish, acknowledge) and closes; unacknowledged prefetched messages go back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reference_impl.consumer.broker import RabbitConsumer
from reference_impl.consumer.handler import Action, Retry, TradeEventConsumer
from reference_impl.consumer.index import DecisionIndex
from reference_impl.consumer.metrics import ConsumerMetrics, StatusServer
from reference_impl.consumer.settings import ConsumerSettings
from reference_impl.errors import ConfigError, ErrorKind
from reference_impl.serving.models import LoadedModel, loaded
from reference_impl.serving.settings import ServiceSettings
from reference_impl.serving.state import ServiceState, build_state
from reference_impl.serving.trades import TRADE_MODEL_NAME, TradeDetector, TradesProviders, TradesRoom, TradesState
from reference_impl.serving.trades.models import load_trade_model

log = logging.getLogger(__name__)


def load_model_by_alias(settings: ConsumerSettings) -> Callable[[ServiceSettings], LoadedModel[TradeDetector]]:
    """The trade-model loader for ``settings``: the service's, or ``@<consumer_model_alias>`` from the registry.

    A registry alias that does not exist is a :class:`ConfigError` (one line), not a degraded start.
    """
    alias = settings.consumer_model_alias
    if settings.model_source != "registry" or alias == "champion":
        return load_trade_model

    def load(s: ServiceSettings) -> LoadedModel[TradeDetector]:
        from reference_impl.lifecycle.registry import ModelRegistry, load_version
        from reference_impl.serving.models import warm_up

        registry = ModelRegistry(s.mlflow_tracking_uri)
        info = registry.by_alias(TRADE_MODEL_NAME, alias)
        if info is None:
            raise ConfigError(
                f"model alias {TRADE_MODEL_NAME}@{alias} does not exist in the registry "
                f"(IBML_CONSUMER_MODEL_ALIAS; see `ibml registry list`)",
                kind=ErrorKind.NOT_FOUND,
            )
        obj, info = load_version(TRADE_MODEL_NAME, info.version, registry=registry)
        warm_up(obj)
        meta = {"version": info.version, "training_data_digest": getattr(info, "training_data_digest", None)}
        return loaded(
            TRADE_MODEL_NAME, obj, f"registry:{TRADE_MODEL_NAME}@{alias}", **{k: v for k, v in meta.items() if v}
        )

    return load


@dataclass
class ConsumerRuntime:
    """The opened pieces: the service core, the trade room, the index, the handler and its metrics."""

    settings: ConsumerSettings
    core: ServiceState
    trades: TradesState
    consumer: TradeEventConsumer
    metrics: ConsumerMetrics

    def checks(self, connected: bool, stopping: bool) -> tuple[bool, list[str]]:
        """Readiness: broker connected, model (when one is configured), features, audit log writable."""
        reasons = []
        if not connected:
            reasons.append("broker: not connected")
        if stopping:
            reasons.append("shutting down")
        for key, ok, detail in self.trades.checks():
            if key == "trade_model" and self.settings.model_source == "none":
                continue
            if not ok:
                reasons.append(detail)
        ok, detail = self.core.audit.health()
        if not ok:
            reasons.append(f"audit: {detail}")
        return not reasons, reasons

    def close(self) -> None:
        self.core.close()


def open_runtime(settings: ConsumerSettings, providers: TradesProviders | None = None) -> ConsumerRuntime:
    """Open the workspace pieces and the trade room exactly as ``ibml serve`` does, then the index."""
    if providers is None:
        providers = TradesProviders(trade_model=load_model_by_alias(settings))
    core = build_state(settings, [TradesRoom(providers)])
    try:
        trades = core.room("trades", TradesState)
        model = trades.trade_model
        if settings.model_source != "none" and (model is None or not model.ready):
            detail = f"{model.status}: {model.detail}" if model is not None else "missing"
            raise ConfigError(
                f"trade model not loaded from {model.source if model else settings.model_source} ({detail}); "
                "the consumer does not start degraded (IBML_MODEL_SOURCE=none decides on rules only)"
            )
        if trades.features is None:  # nothing could be scored: every message would only go round the queue
            raise ConfigError(f"feature source unavailable ({trades.features_error}); the consumer does not start")
        index = DecisionIndex.from_audit_file(core.audit.path)
        metrics = ConsumerMetrics.create(core.metrics, settings.latency_objective_ms / 1000.0)
        consumer = TradeEventConsumer(trades, index, metrics, queue=settings.consumer_queue)
    except BaseException:
        core.close()
        raise
    log.info("decision index rebuilt from the audit log: %d events already decided", len(index))
    return ConsumerRuntime(settings, core, trades, consumer, metrics)


async def consume(
    settings: ConsumerSettings,
    *,
    providers: TradesProviders | None = None,
    stop: asyncio.Event | None = None,
    started: Callable[[int], None] | None = None,
) -> int:
    """Run until ``stop`` is set (default: on SIGTERM/SIGINT); returns the exit status.

    ``started`` is called with the status port once the consumer is consuming (tests, the benchmark).
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)
    runtime = open_runtime(settings, providers)
    state = {"stopping": False}

    def connection(up: bool) -> None:
        runtime.metrics.connected.set(1 if up else 0)

    def done(action: Action, seconds: float) -> None:
        runtime.consumer.count(action)
        if not isinstance(action, Retry):
            runtime.metrics.latency.observe(seconds)

    rabbit = RabbitConsumer(settings, runtime.consumer.handle, done=done, on_connection=connection)
    status = StatusServer(
        runtime.metrics,
        lambda: runtime.checks(rabbit.connected, state["stopping"]),
        "127.0.0.1",
        settings.consumer_metrics_port,
    )
    try:
        port = await status.start()
        await rabbit.connect(settings.consumer_connect_attempts)
        await rabbit.prepare_topology()
        await rabbit.start()
        print(
            f"consuming {settings.consumer_queue} -> exchange {settings.consumer_exchange} "
            f"(dead letters: {settings.dead_letter_queue}, prefetch {settings.consumer_prefetch}); "
            f"/ready and /metrics on http://127.0.0.1:{port}",
            file=sys.stderr,
            flush=True,
        )
        if started is not None:
            started(port)
        await stop.wait()
        state["stopping"] = True
        log.warning("stopping: finishing in-flight messages")
    finally:
        state["stopping"] = True
        with contextlib.suppress(Exception):
            await rabbit.stop()
        await status.close()
        runtime.close()
    return 0


def run(settings: ConsumerSettings, **kwargs: Any) -> int:
    """:func:`consume` in a fresh event loop (what ``ibml consume`` calls)."""
    return asyncio.run(consume(settings, **kwargs))


__all__ = ["ConsumerRuntime", "consume", "load_model_by_alias", "open_runtime", "run"]
