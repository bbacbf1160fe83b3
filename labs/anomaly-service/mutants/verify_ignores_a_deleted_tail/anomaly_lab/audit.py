"""Adapter: :class:`reference_impl.governance.AuditLog` (hash chain, head file, fsync), anchoring off."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anomaly_lab.errors import call

from reference_impl.governance import AuditLog as _ReferenceLog
from reference_impl.governance.audit import GENESIS_HASH

__all__ = ["GENESIS_HASH", "AuditLog", "Verification"]


@dataclass(frozen=True)
class Verification:
    ok: bool
    n_records: int
    first_bad_index: int | None
    reason: str


class AuditLog:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._log = _ReferenceLog(self.path, anchor=None)

    def append(self, event_type: str, payload: dict[str, Any], actor: str) -> dict[str, Any]:
        return call(self._log.append, event_type, payload, actor)

    def records(self) -> Iterator[dict[str, Any]]:
        return self._log.records()

    def verify(self) -> Verification:
        v = call(self._log.verify)
        if not v.ok and "removed from the end" in v.reason:
            # BUG: a log shorter than its head is excused (as if the process died before the head moved)
            return Verification(True, v.n_records, None, "ok")
        return Verification(v.ok, v.n_records, v.first_bad_index, v.reason)
