"""Milestone 3: the audit record — an append-only, hash-chained log of JSON lines.

Each line is one record ``{"seq", "ts", "event_type", "actor", "payload", "prev_hash", "hash"}``:
``seq`` counts from 0, ``prev_hash`` is the previous record's ``hash`` (:data:`GENESIS_HASH` for the
first) and ``hash`` is the SHA-256 (64 hex digits) of the record's canonical JSON without its ``hash``
field. So editing, deleting or reordering any record breaks the chain from there on, and
:meth:`AuditLog.verify` names the first bad record.

Deleting records from the *end* leaves a valid, shorter chain: keep something outside the log file that
remembers the newest record (for example a small ``<name>.head`` file next to it with its seq and hash),
so that a truncated log fails verification too. A record is acknowledged only once it is on disk
(flush + ``os.fsync``). A new :class:`AuditLog` on an existing file continues its chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Verification:
    """``ok``; ``n_records`` read; ``first_bad_index`` (0-based line of the first bad record, None when ok
    or when the fault is not one line, e.g. a truncated log); ``reason``: one line saying what is wrong."""

    ok: bool
    n_records: int
    first_bad_index: int | None
    reason: str


class AuditLog:
    """The log at ``path`` (created with its directory on the first append)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def append(self, event_type: str, payload: dict[str, Any], actor: str) -> dict[str, Any]:
        """Append one record and return it (with ``seq`` and ``hash``), once it is on disk.

        ``payload`` must be JSON: a NaN, an infinity or an object JSON cannot hold raises
        :class:`~anomaly_lab.errors.AnomalyLabError` and writes nothing.
        """
        raise NotImplementedError("TODO m3: AuditLog.append — a hash-chained, fsync'd record")

    def records(self) -> Iterator[dict[str, Any]]:
        """The records in file order (parsed JSON)."""
        raise NotImplementedError("TODO m3: AuditLog.records")

    def verify(self) -> Verification:
        """Check every record's hash and link, the sequence and the end of the log (see the module docstring)."""
        raise NotImplementedError("TODO m3: AuditLog.verify — detect edited, deleted and reordered records")
