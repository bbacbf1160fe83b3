"""One pure-ASGI middleware: request id, payload size cap (413), latency and request metrics.

Pure ASGI (not ``BaseHTTPMiddleware``) because it runs on every request and adds no task or
stream copy: it only wraps ``receive`` and ``send``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_impl.serving.prediction_log import ENDPOINT_NAMES

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")  # the whole header must match: see fullmatch


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's ``X-Request-ID`` when it is a sane token, else a fresh UUID4 hex."""
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _VALID_REQUEST_ID.fullmatch(text):  # `match` with `$` would accept a trailing newline
                return text
            break
    return uuid.uuid4().hex


class ServiceMiddleware:
    """Adds ``X-Request-ID`` to every response, refuses oversized bodies (declared or streamed), records metrics."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_from(scope.get("headers", []))
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["started"] = started
        status_holder = {"code": 500}
        if self.max_body_bytes is not None and _declared_length(scope) > self.max_body_bytes:
            # refuse before reading a byte; a streamed body is cut off below once it passes the cap
            await _send_413(send, request_id, self.max_body_bytes)
            self._observe(scope, 413, started)
            return
        rid_header = (b"x-request-id", request_id.encode("latin-1"))

        received = 0
        overflow = False
        limit = self.max_body_bytes

        async def limited_receive() -> Message:
            nonlocal received, overflow
            if overflow:
                return {"type": "http.disconnect"}
            message = await receive()
            if limit is not None and message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflow = True  # stop reading; whatever the app answers is replaced by a 413
                    return {"type": "http.disconnect"}
            return message

        async def send_wrapper(message: Message) -> None:
            if overflow:
                if message["type"] == "http.response.start" and status_holder["code"] != 413:
                    status_holder["code"] = 413
                    await _send_413(send, request_id, limit or 0)
                return
            if message["type"] == "http.response.start":
                status_holder["code"] = message["status"]
                message["headers"] = [*message.get("headers", []), rid_header]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_wrapper)
        except Exception:
            if not overflow:
                raise
            if status_holder["code"] != 413:
                status_holder["code"] = 413
                await _send_413(send, request_id, limit or 0)
        finally:
            self._observe(scope, status_holder["code"], started)

    @staticmethod
    def _observe(scope: Scope, code: int, started: float) -> None:
        metrics = _metrics(scope)
        if metrics is None:
            return
        route = scope.get("route")
        endpoint = getattr(route, "path", None) or "unmatched"
        elapsed = time.perf_counter() - started
        metrics.requests.labels(endpoint, scope.get("method", ""), str(code)).inc()
        metrics.latency.labels(endpoint).observe(elapsed)
        if code >= 500 and endpoint in ENDPOINT_NAMES:  # monitoring's error rate needs failed requests too
            services = scope["app"].state.services
            services.prediction_log.write(
                [
                    {
                        "ts": _utc_now(),
                        "request_id": scope.get("state", {}).get("request_id"),
                        "endpoint": ENDPOINT_NAMES[endpoint],
                        "status_code": code,
                        "latency_ms": round(elapsed * 1e3, 3),
                        "fallback_used": None,
                        "caller_role": getattr(scope.get("state", {}).get("principal"), "role", None),
                    }
                ]
            )


def _utc_now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1
    return -1


async def _send_413(send: Send, request_id: str, limit: int) -> None:
    body = json.dumps({"detail": f"request body exceeds {limit} bytes", "request_id": request_id}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode("latin-1")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _metrics(scope: Scope) -> Any:
    app = scope.get("app")
    services = getattr(getattr(app, "state", None), "services", None)
    return getattr(services, "metrics", None)


__all__ = ["REQUEST_ID_HEADER", "ServiceMiddleware", "request_id_from"]
