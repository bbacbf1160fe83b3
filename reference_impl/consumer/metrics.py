"""The consumer's Prometheus metrics and its tiny ``/ready`` + ``/metrics`` endpoint on 127.0.0.1.

The families sit on the service's registry (:class:`~reference_impl.serving.metrics.ServiceMetrics`),
so a consumer exports the same ``ibml_decisions``, ``ibml_model_latency_seconds``, ``ibml_fallbacks``
and ``ibml_audit_failures`` as the HTTP service (``endpoint="queue.trades"``), plus the queue's own.
The endpoint is a few lines of asyncio rather than a web framework: two GET routes, no input.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram

from reference_impl.serving.metrics import ServiceMetrics, latency_buckets

log = logging.getLogger(__name__)


@dataclass
class ConsumerMetrics:
    """Queue-side metric families, registered on the service metrics' registry."""

    service: ServiceMetrics
    messages: Counter
    dead_letters: Counter
    latency: Histogram
    connected: Gauge
    ready: Gauge

    @classmethod
    def create(cls, service: ServiceMetrics, latency_objective_s: float) -> ConsumerMetrics:
        reg = service.registry
        return cls(
            service=service,
            messages=Counter(
                "ibml_queue_messages",
                "Input messages by outcome: decided, redelivery, dead_lettered, retried",
                ["outcome"],
                registry=reg,
            ),
            dead_letters=Counter(
                "ibml_queue_dead_letters",
                "Messages sent to the dead-letter queue, by reason kind",
                ["reason"],
                registry=reg,
            ),
            latency=Histogram(
                "ibml_queue_latency_seconds",
                "Receipt of a message to its acknowledgement (score, audit, publish)",
                buckets=latency_buckets(latency_objective_s),
                registry=reg,
            ),
            connected=Gauge("ibml_queue_connected", "1 while the broker connection is up", registry=reg),
            ready=Gauge("ibml_queue_ready", "1 while the consumer is ready (see /ready)", registry=reg),
        )


class StatusServer:
    """``GET /ready`` (200 or 503 with the reasons) and ``GET /metrics`` on ``host:port``.

    ``checks`` returns ``(ready, reasons)``; it is called on every ``/ready``.
    """

    def __init__(
        self, metrics: ConsumerMetrics, checks: Callable[[], tuple[bool, list[str]]], host: str, port: int
    ) -> None:
        self.metrics, self.checks, self.host, self.port = metrics, checks, host, port
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen; returns the bound port (useful with port 0)."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), timeout=5.0)
            parts = line.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) >= 2 else ""
            method = parts[0] if parts else ""
            if method != "GET":
                status, ctype, body = "405 Method Not Allowed", "text/plain", b"GET only\n"
            elif path == "/metrics":
                body, ctype = self.metrics.service.render()
                status = "200 OK"
            elif path == "/ready":
                ok, reasons = self.checks()
                self.metrics.ready.set(1 if ok else 0)
                status = "200 OK" if ok else "503 Service Unavailable"
                ctype, body = "text/plain", (("ready" if ok else "not ready: " + "; ".join(reasons)) + "\n").encode()
            else:
                status, ctype, body = "404 Not Found", "text/plain", b"/ready or /metrics\n"
            head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            writer.write(head.encode("latin-1") + body)
            await writer.drain()
        except (TimeoutError, ConnectionError, OSError) as exc:
            log.debug("status request failed: %s", exc)
        finally:
            writer.close()


__all__ = ["ConsumerMetrics", "StatusServer"]
