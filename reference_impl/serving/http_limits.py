"""HTTP-level limits for the service under uvicorn: header size, request read timeout, keep-alive, concurrency.

What each one stops (issue 16, finding 8):

* ``IBML_HTTP_MAX_HEADER_BYTES``: the request line and headers are parsed by h11 with this cap
  (``h11_max_incomplete_event_size``): a header still incomplete beyond it is answered 400 and the connection
  closed, so it is never buffered; a complete header that arrived in one read (at most one socket read,
  ~256 KiB) and is larger than the cap is answered 431 before the app sees it. The default ``auto`` protocol would pick httptools, which buffers headers without a cap
  (a 200 MB header raised RSS by 250 MB), so the service always runs h11.
* ``IBML_HTTP_REQUEST_TIMEOUT_S``: a client has this long to send a complete request (headers and body)
  once it connects or starts a request; then the connection is closed. uvicorn has no such timer (a
  connection that sends nothing, or half a header, was held for as long as the client liked).
* ``IBML_HTTP_KEEPALIVE_TIMEOUT_S``: an idle keep-alive connection is closed after this (uvicorn's own timer).
* ``IBML_HTTP_MAX_CONCURRENCY``: above this many connections or tasks, uvicorn answers 503 at once instead of
  queueing (``limit_concurrency``).

A bank puts a reverse proxy or load balancer (with its own limits, TLS and rate limiting) in front as well;
these settings make the service safe on its own, e.g. on a developer's machine or behind a plain TCP proxy.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from reference_impl.serving.settings import ServiceSettings

#: h11 states in which the peer has not finished sending its current request.
_READING = (h11.IDLE, h11.SEND_BODY)


def _header_bytes(scope: Any) -> int:
    """Size of the request line and headers as sent (method, target, each ``name: value`` line)."""
    line = len(scope.get("method", "")) + len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) + 12
    return line + sum(len(k) + len(v) + 4 for k, v in scope.get("headers", ()))


def _cap_headers(app: Any, max_bytes: int) -> Any:
    """``app`` behind a check: a request whose headers exceed ``max_bytes`` gets 431 and never reaches it."""

    async def capped(scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and _header_bytes(scope) > max_bytes:
            body = b'{"detail":"request headers too large"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 431,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return capped


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol plus a request read timeout (set per server by :func:`bounded_h11_protocol`)
    and a hard cap on the header size (h11's cap alone applies only to a header still incomplete)."""

    request_timeout_s: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cap = self.config.h11_max_incomplete_event_size
        if cap is not None:
            self.app = _cap_headers(self.app, cap)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._read_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm_read_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state in _READING:
            self._arm_read_timer()  # started, or still sending: the clock runs from the first byte
        else:
            self._cancel_read_timer()  # the whole request is in; the app's time is the latency budget's

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_read_timer()
        super().connection_lost(exc)

    def _arm_read_timer(self) -> None:
        if getattr(self, "_read_timer", None) is None and not self.transport.is_closing():
            self._read_timer = self.loop.call_later(self.request_timeout_s, self._read_timed_out)

    def _cancel_read_timer(self) -> None:
        timer = getattr(self, "_read_timer", None)
        if timer is not None:
            timer.cancel()
            self._read_timer = None

    def _read_timed_out(self) -> None:
        self._read_timer = None
        if self.conn.their_state in _READING and not self.transport.is_closing():
            self.logger.warning("closing a connection that did not send a complete request in time")
            self.transport.close()


def bounded_h11_protocol(request_timeout_s: float) -> type[BoundedH11Protocol]:
    """A :class:`BoundedH11Protocol` subclass with this server's read timeout."""
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"request_timeout_s": float(request_timeout_s)})


def uvicorn_options(settings: ServiceSettings) -> dict[str, Any]:
    """The keyword arguments ``uvicorn.run`` gets from the settings (``ibml serve`` and the test server share them)."""
    return {
        "http": bounded_h11_protocol(settings.http_request_timeout_s),
        "h11_max_incomplete_event_size": settings.http_max_header_bytes,
        "timeout_keep_alive": settings.http_keepalive_timeout_s,
        "limit_concurrency": settings.http_max_concurrency,
        "workers": 1,
        "timeout_graceful_shutdown": 5,
    }


def run_server(app: Any, settings: ServiceSettings, *, log_level: str = "warning") -> None:
    """Serve ``app`` on ``settings.host:settings.port`` with the limits above."""
    import uvicorn

    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level, **uvicorn_options(settings))


__all__ = ["BoundedH11Protocol", "bounded_h11_protocol", "run_server", "uvicorn_options"]
