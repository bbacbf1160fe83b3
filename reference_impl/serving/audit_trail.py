"""Writing decisions to the audit log from the service, failing closed.

Every room's pipeline computes its decision, then calls :func:`write_audit` **before** it builds the
response: the record is fsync'd first, and if that fails the request fails with 503 and nothing is
acknowledged. The prediction log (monitoring data) is written afterwards and may fail softly.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from reference_impl.errors import AuditError
from reference_impl.serving.http_errors import unavailable

if TYPE_CHECKING:
    from reference_impl.serving.state import ServiceState

log = logging.getLogger(__name__)

#: One audit event as the rooms hand it over: (event type, JSON-safe payload, actor key id).
AuditEvent = tuple[str, dict[str, Any], str]


async def write_audit(state: ServiceState, events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Append (fsync'd) on a worker thread; any failure becomes a 503 (fail closed)."""
    try:
        return await run_in_threadpool(state.audit.append_many, events)
    except AuditError as exc:
        state.metrics.audit_failures.inc()
        log.error("audit write failed, refusing the request: %s", exc)
        raise unavailable("audit log unavailable: the decision was not recorded, so it is not returned") from None


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


__all__ = ["AuditEvent", "decision_dict", "finite_or_none", "write_audit"]
