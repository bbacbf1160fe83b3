"""Mutant (planted bug, see ../../MUTANTS.toml): a claim never expires.

Adapter: the reference SQLite review queue (``reference_impl.kyc.review_queue``)."""

import sqlite3

from reference_impl.kyc.review_queue import (
    CLAIMED,
    DECIDED,
    PENDING,
    REVIEWER_ROLES,
    STATUSES,
    ReviewEvent,
    ReviewItem,
)
from reference_impl.kyc.review_queue import ReviewQueue as _ReferenceQueue


class ReviewQueue(_ReferenceQueue):
    """The reference queue, except that expired leases are never released."""

    def _release_expired(self, con: sqlite3.Connection, now: float) -> None:
        # planted bug: the lease is written but never enforced, so an absent reviewer's items are stuck
        return None


__all__ = ["CLAIMED", "DECIDED", "PENDING", "REVIEWER_ROLES", "STATUSES", "ReviewEvent", "ReviewItem", "ReviewQueue"]
