"""Mutant (planted bug, see ../../MUTANTS.toml): any reviewer may decide an item someone else claimed.

Adapter: the reference SQLite review queue (``reference_impl.kyc.review_queue``)."""

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
    """The reference queue, except that ``decide`` only checks the item is claimed, not by whom."""

    def decide(self, item_id: int, reviewer: str, label: str, comment: str = "", **kwargs) -> ReviewItem:
        # planted bug: a live claim by *anyone* is taken as good enough - the claim is moved to the decider
        with self._tx() as con:
            con.execute(
                "UPDATE items SET claimed_by = ? WHERE item_id = ? AND status = 'claimed'", (reviewer, int(item_id))
            )
        return super().decide(item_id, reviewer, label, comment, **kwargs)


__all__ = ["CLAIMED", "DECIDED", "PENDING", "REVIEWER_ROLES", "STATUSES", "ReviewEvent", "ReviewItem", "ReviewQueue"]
