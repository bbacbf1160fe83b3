"""Which events the consumer has already decided, rebuilt from the audit log (the one source of truth).

Why not a separate table (SQLite) of event ids: the decision record and an index row would be two
writes, and a crash between them leaves them disagreeing — an event decided (audited) but not indexed
is decided again on redelivery, which is exactly the duplicate we must prevent. The hash-chained audit
log is already fsync'd before every acknowledgement, so the index is a *view* of it: read once at start
(one sequential scan), kept up to date in memory as the consumer appends, and caught up from the file
(from the last byte read) when the broker flags a message as redelivered — another consumer process
may have decided it. A decision record is found by its ``endpoint`` (:data:`ENDPOINT`) and carries the
event id as its ``request_id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from reference_impl.errors import AuditError
from reference_impl.governance.audit import strict_loads

#: The ``endpoint`` of every decision the consumer makes (HTTP decisions say ``trades.score`` etc.).
ENDPOINT = "queue.trades"
#: Audit event types the consumer writes.
DECISION_EVENT = "trade.decision"
REDELIVERY_EVENT = "trade.redelivery"
DEAD_LETTER_EVENT = "trade.dead_lettered"


def decision_body(
    *,
    event_id: str,
    trade_id: str,
    output: Mapping[str, Any],
    model_name: str | None,
    model_version: str | None,
    ruleset_version: str | None,
    fallback_reason: str | None,
    audit_seq: int | None,
) -> dict[str, Any]:
    """The decision message the consumer publishes: what the audit record holds, nothing more.

    Built from the audited fields only, so a redelivered event (answered from the audit log) gets a
    byte-identical decision. Reason *texts* are not audited, so the message carries the codes.
    """
    return {
        "event_id": event_id,
        "trade_id": trade_id,
        "decision": output.get("decision"),
        "flagged": output.get("flagged"),
        "score": output.get("score"),
        "threshold": output.get("threshold"),
        "reason_codes": list(output.get("reason_codes") or []),
        "imputed": list(output.get("imputed") or []),
        "overrides": list(output.get("overrides") or []),
        "model_name": model_name,
        "model_version": model_version,
        "ruleset_version": ruleset_version,
        "fallback_reason": fallback_reason,
        "audit_seq": audit_seq,
    }


def body_from_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`decision_body` of one audited ``trade.decision`` record of the consumer."""
    payload = record["payload"]
    model = payload.get("model") or {}
    return decision_body(
        event_id=str(payload["request_id"]),
        trade_id=str((payload.get("input") or {}).get("trade_id")),
        output=payload.get("output") or {},
        model_name=model.get("name"),
        model_version=model.get("version"),
        ruleset_version=model.get("ruleset_version"),
        fallback_reason=payload.get("fallback_reason"),
        audit_seq=record.get("seq"),
    )


def is_consumer_decision(record: Mapping[str, Any]) -> bool:
    """Whether an audit record is a decision this consumer made (not an HTTP one)."""
    payload = record.get("payload")
    return (
        record.get("event_type") == DECISION_EVENT
        and isinstance(payload, Mapping)
        and payload.get("endpoint") == ENDPOINT
        and payload.get("request_id") is not None
    )


class DecisionIndex:
    """Event id -> the published decision body, for every event decided so far.

    >>> idx = DecisionIndex()
    >>> idx.add({"event_id": "e1", "decision": "clear"})
    >>> idx.get("e1")["decision"], idx.get("e2"), len(idx)
    ('clear', None, 1)
    """

    def __init__(self) -> None:
        self._bodies: dict[str, dict[str, Any]] = {}
        self._offset = 0  # bytes of the audit file already read by catch_up

    @classmethod
    def from_audit_file(cls, path: Path) -> DecisionIndex:
        """Rebuild from the audit log file (what ``ibml consume`` does at start)."""
        index = cls()
        index.catch_up(path)
        return index

    def catch_up(self, path: Path) -> int:
        """Read the records appended to the audit file since the last call; returns the decisions added.

        Incremental (it remembers the byte offset), so a consumer can afford to call it whenever a
        message arrives flagged as redelivered: another consumer process may have decided it. A
        file shorter than the offset (a torn last line was repaired) is read again from the start.
        """
        if not path.exists():
            return 0
        if path.stat().st_size < self._offset:
            self._offset = 0
        added = 0
        with path.open("rb") as fh:
            fh.seek(self._offset)
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break  # a record still being written: read it next time
                try:
                    record = strict_loads(raw)
                except ValueError as exc:
                    raise AuditError(f"audit log {path} at byte {self._offset} is not valid JSON") from exc
                self._offset += len(raw)
                added += self.refresh([record])
        return added

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> DecisionIndex:
        """Rebuild from audit records (the first decision of an event id wins; there should be only one)."""
        index = cls()
        index.refresh(records)
        return index

    def refresh(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add the consumer decisions in ``records`` not yet known; returns how many were added."""
        added = 0
        for record in records:
            if is_consumer_decision(record):
                event_id = str(record["payload"]["request_id"])
                if event_id not in self._bodies:
                    self._bodies[event_id] = body_from_record(record)
                    added += 1
        return added

    def add(self, body: dict[str, Any]) -> None:
        self._bodies[str(body["event_id"])] = body

    def get(self, event_id: str) -> dict[str, Any] | None:
        return self._bodies.get(event_id)

    def __len__(self) -> int:
        return len(self._bodies)


__all__ = [
    "DEAD_LETTER_EVENT",
    "DECISION_EVENT",
    "ENDPOINT",
    "REDELIVERY_EVENT",
    "DecisionIndex",
    "body_from_record",
    "decision_body",
    "is_consumer_decision",
]
