"""The manual-review queue: documents the model would not auto-accept wait here for a human.

SQLite in the workspace (``Workspace.review_queue_db``) is enough for a team of reviewers and shows
the three properties that matter in a bank:

* **no double work** — claiming is one ``UPDATE ... WHERE status = 'pending'``; SQLite runs it
  atomically, so of two reviewers racing for an item exactly one gets it;
* **nothing lost** — a claim is a *lease*: if the reviewer's session dies before deciding, the claim
  expires and the item returns to ``pending`` (the next read of the queue releases it);
* **a full trail** — every state change is a row in ``events`` (who, when, what), and reviewer
  decisions export as labelled data for the next training run.

The document text lives only in this database. :class:`ReviewItem` never carries it; reading it
goes through :meth:`ReviewQueue.get_text`, which requires a reviewer role and records the access.
Nothing here logs document text.

Refusals raise :class:`~reference_impl.errors.ReviewQueueError` whose ``kind`` says why: ``NOT_FOUND``
(no such item), ``CONFLICT`` (not pending, claimed by someone else, claim expired) or ``INVALID`` (a bad
argument: empty reviewer, unknown label or status); a role without text access raises
:class:`~reference_impl.errors.AccessDeniedError` (``FORBIDDEN``).
"""

from __future__ import annotations

import builtins  # the class defines a method named `list`; annotations inside it use builtins.list
import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from reference_impl.errors import AccessDeniedError, ConfigError, ErrorKind, ReviewQueueError, WorkspaceError
from reference_impl.governance.lineage import text_digest
from reference_impl.workspace import atomic_write, private_file

log = logging.getLogger(__name__)

PENDING, CLAIMED, DECIDED = "pending", "claimed", "decided"
STATUSES: tuple[str, ...] = (PENDING, CLAIMED, DECIDED)
REVIEWER_ROLES: frozenset[str] = frozenset({"reviewer"})
EXPORT_COLUMNS: list[str] = [
    "doc_id",
    "text",
    "label",
    "predicted",
    "confidence",
    "reason",
    "reviewer",
    "decided_at",
    "comment",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    item_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id        TEXT NOT NULL,
    text          TEXT NOT NULL,           -- the only copy of the document text outside the source system
    text_sha256   TEXT NOT NULL,
    predicted     TEXT,
    confidence    REAL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'claimed', 'decided')),
    claimed_by    TEXT,
    lease_expires REAL,                    -- epoch seconds; a claim past this returns to pending
    decided_by    TEXT,
    decided_label TEXT,
    comment       TEXT,
    decided_at    REAL,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_status ON items (status, item_id);
CREATE INDEX IF NOT EXISTS items_doc ON items (doc_id);
CREATE TABLE IF NOT EXISTS events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id  INTEGER NOT NULL REFERENCES items (item_id),
    ts       REAL NOT NULL,
    event    TEXT NOT NULL,                -- enqueued | claimed | released | lease_expired | decided | text_viewed
    actor    TEXT NOT NULL,
    detail   TEXT NOT NULL                 -- JSON; never document text
);
CREATE INDEX IF NOT EXISTS events_item ON events (item_id, event_id);
"""


def _utc(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=UTC)


def _utc_required(epoch: float) -> datetime:
    """A timestamp column declared NOT NULL."""
    return datetime.fromtimestamp(epoch, tz=UTC)


@dataclass(frozen=True)
class ReviewItem:
    """One queued document, without its text (see :meth:`ReviewQueue.get_text`)."""

    item_id: int
    doc_id: str
    predicted: str | None
    confidence: float | None
    reason: str
    status: str
    claimed_by: str | None
    lease_expires: datetime | None
    decided_by: str | None
    decided_label: str | None
    comment: str | None
    created_at: datetime
    text_sha256: str

    def to_dict(self) -> dict:
        """JSON-safe dict (timestamps as ISO-8601 UTC)."""
        out = asdict(self)
        for key in ("lease_expires", "created_at"):
            out[key] = None if out[key] is None else out[key].isoformat()
        return out


@dataclass(frozen=True)
class ReviewEvent:
    """One state change of an item."""

    event_id: int
    item_id: int
    ts: datetime
    event: str
    actor: str
    detail: dict


def _require_name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ReviewQueueError(f"{field} must be a non-empty string, got {value!r}", kind=ErrorKind.INVALID)
    return value.strip()


#: Called with the item inside the queue's transaction, after the change and before COMMIT. It writes the
#: audit record (fsync'd); if it raises, the transaction rolls back and the queue is unchanged. So a queue
#: change never commits without its audit record. The reverse can happen only if the process dies between
#: the audit fsync and the COMMIT: an audit record of a change that did not commit (over-recording, visible
#: by comparing the audit trail with the queue's own event table), never a change without a record.
AuditHook = Callable[["ReviewItem"], object]

#: The label a reviewer gives a document that is none of our classes (always valid).
OUT_OF_SCOPE_LABEL = "out_of_scope"


def review_labels(classes: Sequence[str] | None = None) -> frozenset[str]:
    """The labels a reviewer may assign: the classifier's ``classes`` plus ``out_of_scope``.

    Without a loaded model (``classes`` is ``None`` or empty), the data contract's ``DocClass``.

    >>> sorted(review_labels(["passport", "utility_bill"]))
    ['out_of_scope', 'passport', 'utility_bill']
    >>> "banana" in review_labels()
    False
    """
    if classes:
        return frozenset(str(c) for c in classes) | {OUT_OF_SCOPE_LABEL}
    from typing import get_args

    from reference_impl.data.schemas import DocClass

    return frozenset(get_args(DocClass)) | {OUT_OF_SCOPE_LABEL}


class ReviewQueue:
    """A SQLite-backed manual-review queue with leased claims and an event trail.

    Each call opens its own connection, so one instance may be shared by threads and several
    processes may use the same file.

    Parameters
    ----------
    db_path : path
        SQLite file, normally ``Workspace.from_env().review_queue_db``; created on first use.
    lease_seconds : float
        How long a claim lasts before the item returns to ``pending``.
    labels : sequence of str, optional
        Labels a reviewer may assign; ``None`` accepts any non-empty label.
    reviewer_roles : set of str
        Roles allowed to read document text through :meth:`get_text`.
    clock : callable
        Returns the time in epoch seconds; tests pass a fake clock to expire leases.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> q = ReviewQueue(pathlib.Path(tempfile.mkdtemp()) / "q.db")
    >>> item = q.enqueue("doc-1", "Statement of account ...", predicted="bank_statement", confidence=0.71,
    ...                  reason="below_class_threshold")
    >>> q.claim(item.item_id, "alice").status
    'claimed'
    >>> q.decide(item.item_id, "alice", "bank_statement").decided_label
    'bank_statement'
    >>> [e.event for e in q.history(item.item_id)]
    ['enqueued', 'claimed', 'decided']
    """

    def __init__(
        self,
        db_path: Path | str,
        *,
        lease_seconds: float = 900.0,
        labels: Sequence[str] | None = None,
        reviewer_roles: frozenset[str] | set[str] = REVIEWER_ROLES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not lease_seconds > 0:
            raise ConfigError(f"lease_seconds must be > 0, got {lease_seconds}")
        self.db_path = Path(db_path)
        self.lease_seconds = float(lease_seconds)
        self.labels = None if labels is None else frozenset(str(label) for label in labels)
        self.reviewer_roles = frozenset(reviewer_roles)
        self.clock = clock
        try:
            private_file(self.db_path)  # raw document text: 0600 (SQLite gives -wal/-shm the same mode)
            with contextlib.closing(sqlite3.connect(self.db_path, timeout=30)) as con:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot open review queue {self.db_path}: {exc}") from None

    # -- plumbing ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken up front (``BEGIN IMMEDIATE``) so check-then-act is race free."""
        con = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            con.execute("PRAGMA busy_timeout = 30000")
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    def _event(
        self, con: sqlite3.Connection, item_id: int, event: str, actor: str, now: float, **detail: object
    ) -> None:
        con.execute(
            "INSERT INTO events (item_id, ts, event, actor, detail) VALUES (?, ?, ?, ?, ?)",
            (item_id, now, event, actor, json.dumps(detail, sort_keys=True)),
        )
        log.info("review item %s %s by %s", item_id, event, actor)

    def _release_expired(self, con: sqlite3.Connection, now: float) -> None:
        expired = con.execute(
            "SELECT item_id, claimed_by FROM items WHERE status = 'claimed' AND lease_expires < ?", (now,)
        ).fetchall()
        for row in expired:
            con.execute(
                "UPDATE items SET status = 'pending', claimed_by = NULL, lease_expires = NULL, updated_at = ? "
                "WHERE item_id = ? AND status = 'claimed'",
                (now, row["item_id"]),
            )
            self._event(con, row["item_id"], "lease_expired", "system", now, previous_reviewer=row["claimed_by"])

    @staticmethod
    def _item(row: sqlite3.Row) -> ReviewItem:
        return ReviewItem(
            item_id=row["item_id"],
            doc_id=row["doc_id"],
            predicted=row["predicted"],
            confidence=row["confidence"],
            reason=row["reason"],
            status=row["status"],
            claimed_by=row["claimed_by"],
            lease_expires=_utc(row["lease_expires"]),
            decided_by=row["decided_by"],
            decided_label=row["decided_label"],
            comment=row["comment"],
            created_at=_utc_required(row["created_at"]),
            text_sha256=row["text_sha256"],
        )

    def _get(self, con: sqlite3.Connection, item_id: int) -> sqlite3.Row:
        row = con.execute("SELECT * FROM items WHERE item_id = ?", (int(item_id),)).fetchone()
        if row is None:
            raise ReviewQueueError(f"review item {item_id} does not exist", kind=ErrorKind.NOT_FOUND)
        return row

    # -- public API -------------------------------------------------------------------------------
    def enqueue(
        self,
        doc_id: str,
        text: str,
        *,
        predicted: str | None,
        confidence: float | None,
        reason: str,
        actor: str = "system",
        audit: AuditHook | None = None,
    ) -> ReviewItem:
        """Add a document for review; idempotent per ``doc_id`` while an item for it is still open.

        ``audit``, when given, is called with the (new or already open) item inside the transaction,
        before it commits; if it raises, nothing is queued (see :data:`AuditHook`).
        """
        doc_id = _require_name(doc_id, "doc_id")
        if not isinstance(text, str):
            raise ReviewQueueError(
                f"text of document {doc_id} must be a str, got {type(text).__name__}", kind=ErrorKind.INVALID
            )
        now = self.clock()
        with self._tx() as con:
            row = con.execute(
                "SELECT * FROM items WHERE doc_id = ? AND status != 'decided' ORDER BY item_id LIMIT 1", (doc_id,)
            ).fetchone()
            if row is not None:
                existing = self._item(row)
                if audit is not None:
                    audit(existing)
                return existing
            cur = con.execute(
                "INSERT INTO items (doc_id, text, text_sha256, predicted, confidence, reason, status, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (
                    doc_id,
                    text,
                    text_digest(text),
                    predicted,
                    None if confidence is None else float(confidence),
                    str(reason),
                    now,
                    now,
                ),
            )
            item_id = int(cur.lastrowid or 0)  # sqlite always sets it after an INSERT
            self._event(con, item_id, "enqueued", actor, now, predicted=predicted, reason=str(reason))
            item = self._item(self._get(con, item_id))
            if audit is not None:
                audit(item)
            return item

    def list(self, status: str | None = PENDING, *, limit: int = 100) -> list[ReviewItem]:
        """Items with ``status`` (``None`` = all), oldest first; expired claims are released first."""
        if status is not None and status not in STATUSES:
            raise ReviewQueueError(f"status must be one of {list(STATUSES)}, got {status!r}", kind=ErrorKind.INVALID)
        with self._tx() as con:
            self._release_expired(con, self.clock())
            if status is None:
                rows = con.execute("SELECT * FROM items ORDER BY item_id LIMIT ?", (int(limit),)).fetchall()
            else:
                rows = con.execute(
                    "SELECT * FROM items WHERE status = ? ORDER BY item_id LIMIT ?", (status, int(limit))
                ).fetchall()
        return [self._item(r) for r in rows]

    def get(self, item_id: int) -> ReviewItem:
        """One item (without its text)."""
        with self._tx() as con:
            self._release_expired(con, self.clock())
            return self._item(self._get(con, item_id))

    def counts(self) -> dict[str, int]:
        """Number of items per status (all statuses present, zero when empty)."""
        with self._tx() as con:
            self._release_expired(con, self.clock())
            rows = con.execute("SELECT status, COUNT(*) AS n FROM items GROUP BY status").fetchall()
        out = dict.fromkeys(STATUSES, 0)
        out.update({r["status"]: int(r["n"]) for r in rows})
        return out

    def claim(self, item_id: int, reviewer: str, *, audit: AuditHook | None = None) -> ReviewItem:
        """Claim a pending item for ``reviewer`` for ``lease_seconds``; refuses if anyone holds it.

        ``audit`` is called with the claimed item before the claim commits; if it raises, the claim is rolled back.
        """
        reviewer = _require_name(reviewer, "reviewer")
        now = self.clock()
        with self._tx() as con:
            self._release_expired(con, now)
            cur = con.execute(
                "UPDATE items SET status = 'claimed', claimed_by = ?, lease_expires = ?, updated_at = ? "
                "WHERE item_id = ? AND status = 'pending'",
                (reviewer, now + self.lease_seconds, now, int(item_id)),
            )
            if cur.rowcount != 1:
                row = self._get(con, item_id)
                holder = f" by {row['claimed_by']}" if row["status"] == CLAIMED else ""
                raise ReviewQueueError(
                    f"review item {item_id} is not pending (it is {row['status']}{holder})", kind=ErrorKind.CONFLICT
                )
            self._event(con, int(item_id), "claimed", reviewer, now, lease_seconds=self.lease_seconds)
            item = self._item(self._get(con, item_id))
            if audit is not None:
                audit(item)
            return item

    def claim_next(self, reviewer: str) -> ReviewItem | None:
        """Claim the oldest pending item, or return ``None`` when there is none."""
        reviewer = _require_name(reviewer, "reviewer")
        with self._tx() as con:
            self._release_expired(con, self.clock())
            row = con.execute("SELECT item_id FROM items WHERE status = 'pending' ORDER BY item_id LIMIT 1").fetchone()
        if row is None:
            return None
        try:
            return self.claim(row["item_id"], reviewer)
        except ReviewQueueError as exc:  # someone else took it between the two transactions: try the next one
            if exc.kind is not ErrorKind.CONFLICT:
                raise
            return self.claim_next(reviewer)

    def release(self, item_id: int, reviewer: str) -> ReviewItem:
        """Give a claimed item back to the queue without deciding it."""
        reviewer = _require_name(reviewer, "reviewer")
        now = self.clock()
        with self._tx() as con:
            self._release_expired(con, now)
            cur = con.execute(
                "UPDATE items SET status = 'pending', claimed_by = NULL, lease_expires = NULL, updated_at = ? "
                "WHERE item_id = ? AND status = 'claimed' AND claimed_by = ?",
                (now, int(item_id), reviewer),
            )
            if cur.rowcount != 1:
                row = self._get(con, item_id)
                raise ReviewQueueError(
                    f"review item {item_id} is not claimed by {reviewer} (it is {row['status']})",
                    kind=ErrorKind.CONFLICT,
                )
            self._event(con, int(item_id), "released", reviewer, now)
            return self._item(self._get(con, item_id))

    def decide(
        self, item_id: int, reviewer: str, label: str, comment: str = "", *, audit: AuditHook | None = None
    ) -> ReviewItem:
        """Record the reviewer's label; only the reviewer holding a live claim may decide.

        ``audit`` is called with the decided item before the decision commits; if it raises, it is rolled back.
        """
        reviewer = _require_name(reviewer, "reviewer")
        label = _require_name(label, "label")
        if self.labels is not None and label not in self.labels:
            raise ReviewQueueError(
                f"label {label!r} is not one of {', '.join(sorted(self.labels))}", kind=ErrorKind.INVALID
            )
        if not isinstance(comment, str):
            raise ReviewQueueError(f"comment must be a string, got {type(comment).__name__}", kind=ErrorKind.INVALID)
        now = self.clock()
        with self._tx() as con:
            self._release_expired(con, now)
            cur = con.execute(
                "UPDATE items SET status = 'decided', decided_by = ?, decided_label = ?, comment = ?, decided_at = ?, "
                "lease_expires = NULL, updated_at = ? WHERE item_id = ? AND status = 'claimed' AND claimed_by = ?",
                (reviewer, label, comment, now, now, int(item_id), reviewer),
            )
            if cur.rowcount != 1:
                row = self._get(con, item_id)
                raise ReviewQueueError(
                    f"review item {item_id} is not claimed by {reviewer} (it is {row['status']}; "
                    "an expired claim must be claimed again)",
                    kind=ErrorKind.CONFLICT,
                )
            row = self._get(con, item_id)
            self._event(
                con, int(item_id), "decided", reviewer, now, label=label, agrees_with_model=(label == row["predicted"])
            )
            item = self._item(row)
            if audit is not None:
                audit(item)
            return item

    def get_text(self, item_id: int, role: str, *, actor: str) -> str:
        """The document text, for a caller holding a reviewer role; every read is recorded as an event."""
        actor = _require_name(actor, "actor")
        if role not in self.reviewer_roles:
            raise AccessDeniedError(
                f"role {role!r} may not read document text (needs one of {sorted(self.reviewer_roles)})"
            )
        now = self.clock()
        with self._tx() as con:
            row = self._get(con, item_id)
            self._event(con, int(item_id), "text_viewed", actor, now, role=role)
            return str(row["text"])

    def history(self, item_id: int) -> builtins.list[ReviewEvent]:
        """Every recorded state change of ``item_id``, oldest first."""
        with self._tx() as con:
            self._get(con, item_id)
            rows = con.execute("SELECT * FROM events WHERE item_id = ? ORDER BY event_id", (int(item_id),)).fetchall()
        return [
            ReviewEvent(
                r["event_id"], r["item_id"], _utc_required(r["ts"]), r["event"], r["actor"], json.loads(r["detail"])
            )
            for r in rows
        ]

    def decided_labels(self) -> pd.DataFrame:
        """Reviewer decisions as labelled training data (columns :data:`EXPORT_COLUMNS`), oldest first."""
        with self._tx() as con:
            rows = con.execute(
                "SELECT doc_id, text, decided_label AS label, predicted, confidence, reason, decided_by AS reviewer, "
                "decided_at, comment FROM items WHERE status = 'decided' ORDER BY decided_at, item_id"
            ).fetchall()
        frame = pd.DataFrame([dict(r) for r in rows], columns=EXPORT_COLUMNS)
        frame["decided_at"] = pd.to_datetime(frame["decided_at"].astype(float), unit="s", utc=True)
        return frame

    def export_labels(self, path: Path | str) -> int:
        """Write :meth:`decided_labels` to ``path`` (``.parquet`` or ``.csv``) atomically; return the row count."""
        path = Path(path)
        if path.suffix not in (".parquet", ".csv"):
            raise ConfigError(f"export path {path} must end in .parquet or .csv")
        frame = self.decided_labels()
        with atomic_write(path, "wb", private=True) as fh:
            if path.suffix == ".parquet":
                frame.to_parquet(fh, index=False)
            else:
                frame.to_csv(fh, index=False)
        log.info("exported %d reviewed labels to %s", len(frame), path)
        return len(frame)


__all__ = [
    "PENDING",
    "CLAIMED",
    "DECIDED",
    "STATUSES",
    "REVIEWER_ROLES",
    "EXPORT_COLUMNS",
    "ReviewItem",
    "ReviewEvent",
    "AuditHook",
    "OUT_OF_SCOPE_LABEL",
    "ReviewQueue",
    "review_labels",
]
