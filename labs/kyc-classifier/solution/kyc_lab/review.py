"""Adapter: the reference SQLite review queue (``reference_impl.kyc.review_queue``)."""

from reference_impl.kyc.review_queue import (
    CLAIMED,
    DECIDED,
    PENDING,
    REVIEWER_ROLES,
    STATUSES,
    ReviewEvent,
    ReviewItem,
    ReviewQueue,
)

__all__ = ["CLAIMED", "DECIDED", "PENDING", "REVIEWER_ROLES", "STATUSES", "ReviewEvent", "ReviewItem", "ReviewQueue"]
