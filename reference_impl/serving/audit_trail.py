"""Writing decisions to the audit log from the service, failing closed.

Every room's pipeline computes its decision, then calls :func:`write_audit` **before** it builds the
response: the record is fsync'd first, and if that fails the request fails with 503 and nothing is
acknowledged. The prediction log (monitoring data) is written afterwards and may fail softly.

A change to a store that humans act on (the review queue) goes through :func:`with_audit`: the audit
record is written inside the store's transaction, before its COMMIT, so the change commits only together
with its record; an audit failure rolls it back and answers 503.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import HTTPException
from starlette.concurrency import run_in_threadpool

from reference_impl.errors import AuditError, ErrorKind
from reference_impl.serving.http_errors import unavailable

if TYPE_CHECKING:
    from reference_impl.serving.state import ServiceState

log = logging.getLogger(__name__)

#: One audit event as the rooms hand it over: (event type, JSON-safe payload, actor key id).
AuditEvent = tuple[str, dict[str, Any], str]
T = TypeVar("T")


async def write_audit(state: ServiceState, events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Append (fsync'd) on a worker thread; any failure becomes a 503 (fail closed)."""
    try:
        return await run_in_threadpool(state.audit.append_many, events)
    except AuditError as exc:
        raise audit_unavailable(state, exc) from None


def audit_unavailable(state: ServiceState, exc: AuditError) -> HTTPException:
    """Count and log a failed audit write; the 503 to raise (nothing was acknowledged)."""
    state.metrics.audit_failures.inc()
    log.error("audit write failed, refusing the request: %s", exc)
    return unavailable("audit log unavailable: the decision was not recorded, so it is not returned")


async def with_audit(
    state: ServiceState, change: Callable[..., T], *args: Any, **kwargs: Any
) -> tuple[T, list[dict[str, Any]]]:
    """Run a store change on a worker thread that commits only together with its audit record.

    ``change`` receives ``audit=`` (see ``ReviewQueueStore``): a hook it calls inside its transaction,
    before COMMIT, with the changed item. ``kwargs['audit_events']`` (a function of that item) gives the
    records to append. If the append fails, the hook raises, the store rolls back and the caller gets 503.
    Returns the change's result and the audit records written.
    """
    events_for: Callable[[Any], list[AuditEvent]] = kwargs.pop("audit_events")
    written: list[dict[str, Any]] = []

    def hook(item: Any) -> None:
        written[:] = state.audit.append_many(events_for(item))

    try:
        result = await run_in_threadpool(lambda: change(*args, audit=hook, **kwargs))
    except AuditError as exc:
        if exc.kind is not ErrorKind.UNAVAILABLE:
            raise
        raise audit_unavailable(state, exc) from None
    return result, written


def decision_dict(decision: Any) -> dict[str, Any]:
    """A decision's fields, shallow: the results are read, never mutated (``asdict`` deep-copies every reason)."""
    if dataclasses.is_dataclass(decision) and not isinstance(decision, type):
        return {f.name: getattr(decision, f.name) for f in dataclasses.fields(decision)}
    return decision.to_dict() if hasattr(decision, "to_dict") else dict(decision)


def finite_or_none(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` (JSON has no NaN; a response never carries one)."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


__all__ = ["AuditEvent", "audit_unavailable", "decision_dict", "finite_or_none", "with_audit", "write_audit"]
