"""The manual-review queue: documents the model would not auto-accept wait here for a human.

A small SQLite database (the standard library's ``sqlite3``) is enough, and shows the properties a
bank's control owner asks about:

* **no double work** — claiming is one ``UPDATE ... WHERE status = 'pending'``: of two reviewers
  racing for an item exactly one gets it;
* **only the holder decides** — a decision needs a live claim *by that reviewer*;
* **nothing lost** — a claim is a lease: if the reviewer never decides, it expires after
  ``lease_seconds`` and the item is ``pending`` again the next time the queue is read;
* **a full trail** — every state change is an event (who, when, what);
* **the text stays inside** — :class:`ReviewItem` never carries the document text; reading it goes
  through :meth:`ReviewQueue.get_text`, which needs the ``reviewer`` role and is recorded as an event.

Refusals raise :class:`~kyc_lab.errors.ReviewQueueError` with ``kind`` ``NOT_FOUND`` (no such item),
``CONFLICT`` (wrong state or holder) or ``INVALID`` (empty reviewer or doc id, label not allowed);
a role without text access raises :class:`~kyc_lab.errors.AccessDeniedError`.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

PENDING, CLAIMED, DECIDED = "pending", "claimed", "decided"
STATUSES: tuple[str, ...] = (PENDING, CLAIMED, DECIDED)
REVIEWER_ROLES: frozenset[str] = frozenset({"reviewer"})


@dataclass(frozen=True)
class ReviewItem:
    """One queued document, without its text (provided)."""

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
        """JSON-safe dict (timestamps as ISO-8601)."""
        out = asdict(self)
        for key in ("lease_expires", "created_at"):
            out[key] = None if out[key] is None else out[key].isoformat()
        return out


@dataclass(frozen=True)
class ReviewEvent:
    """One state change of an item (provided)."""

    event_id: int
    item_id: int
    ts: datetime
    event: str  # enqueued | claimed | lease_expired | decided | text_viewed
    actor: str
    detail: dict


class ReviewQueue:
    """A SQLite-backed manual-review queue with leased claims and an event trail.

    Parameters
    ----------
    db_path : path
        SQLite file, created on first use.
    lease_seconds : float
        How long a claim lasts before the item returns to ``pending``.
    labels : sequence of str, optional
        Labels a reviewer may assign; ``None`` accepts any non-empty label.
    reviewer_roles : set of str
        Roles allowed to read document text through :meth:`get_text`.
    clock : callable
        Returns the time in epoch seconds; tests pass a fake clock to expire leases.
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
        self.db_path = Path(db_path)
        self.lease_seconds = float(lease_seconds)
        self.labels = None if labels is None else frozenset(str(label) for label in labels)
        self.reviewer_roles = frozenset(reviewer_roles)
        self.clock = clock
        # TODO m4: create the tables here (items, events) if they do not exist

    def enqueue(
        self, doc_id: str, text: str, *, predicted: str | None, confidence: float | None, reason: str,
        actor: str = "system",
    ) -> ReviewItem:
        """Add a document for review (status ``pending``, event ``enqueued``).

        Idempotent per ``doc_id`` while an item for it is still open (pending or claimed): the open item
        is returned and nothing is added.
        """
        raise NotImplementedError("TODO m4: ReviewQueue.enqueue")

    def list(self, status: str | None = PENDING, *, limit: int = 100) -> builtins.list[ReviewItem]:
        """Items with ``status`` (``None`` = all), oldest first; expired claims are released first."""
        raise NotImplementedError("TODO m4: ReviewQueue.list")

    def get(self, item_id: int) -> ReviewItem:
        """One item (expired claims released first); ``NOT_FOUND`` if there is none."""
        raise NotImplementedError("TODO m4: ReviewQueue.get")

    def claim(self, item_id: int, reviewer: str) -> ReviewItem:
        """Claim a pending item for ``reviewer`` for ``lease_seconds`` (event ``claimed``).

        ``CONFLICT`` if it is not pending (claimed by anyone, or decided); ``NOT_FOUND``; ``INVALID`` for an
        empty reviewer.
        """
        raise NotImplementedError("TODO m4: ReviewQueue.claim")

    def decide(self, item_id: int, reviewer: str, label: str, comment: str = "") -> ReviewItem:
        """Record the reviewer's label (status ``decided``, event ``decided``).

        Only the reviewer holding a live claim may decide: anyone else, an unclaimed, expired or already
        decided item is ``CONFLICT``; a label outside ``labels`` is ``INVALID``.
        """
        raise NotImplementedError("TODO m4: ReviewQueue.decide")

    def get_text(self, item_id: int, role: str, *, actor: str) -> str:
        """The document text, for a caller whose ``role`` is in ``reviewer_roles`` (event ``text_viewed``)."""
        raise NotImplementedError("TODO m4: ReviewQueue.get_text")

    def history(self, item_id: int) -> builtins.list[ReviewEvent]:
        """Every recorded state change of ``item_id``, oldest first."""
        raise NotImplementedError("TODO m4: ReviewQueue.history")


__all__ = ["CLAIMED", "DECIDED", "PENDING", "REVIEWER_ROLES", "STATUSES", "ReviewEvent", "ReviewItem", "ReviewQueue"]
