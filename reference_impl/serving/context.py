"""Per-request facts every decision record carries: who called, which endpoint, when, and the request id."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from fastapi import Request

from reference_impl.serving.auth import Principal


@dataclass(frozen=True)
class CallContext:
    """Per-request facts every record carries."""

    request_id: str
    endpoint: str
    principal: Principal
    started: float  # perf_counter at request start
    received_at: str  # ISO UTC

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000.0


def utc_now_iso() -> str:
    """Now, as ISO 8601 UTC with microseconds (the format of every ``received_at``)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def call_context(request: Request, principal: Principal, endpoint: str) -> CallContext:
    """Request id and start time (set by the middleware) plus who is calling."""
    st = request.scope.get("state", {})
    return CallContext(
        request_id=st.get("request_id", ""),
        endpoint=endpoint,
        principal=principal,
        started=st.get("started", time.perf_counter()),
        received_at=utc_now_iso(),
    )


__all__ = ["CallContext", "call_context", "utc_now_iso"]
