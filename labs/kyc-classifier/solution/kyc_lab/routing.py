"""Adapter: the reference thresholds and :class:`~reference_impl.kyc.ConfidenceRouter`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from reference_impl.kyc.guards import TextGuard, guess_language
from reference_impl.kyc.routing import (
    AUTO_ACCEPT,
    MANUAL_REVIEW,
    NEVER,
    REJECT_UNKNOWN,
    ROUTES,
    ConfidenceRouter,
    choose_thresholds,
)
from reference_impl.kyc.routing import KycDecision as Decision


def route(
    texts: Sequence[str],
    proba: np.ndarray,
    classes: Sequence[str],
    thresholds: Mapping[str, float],
    *,
    unknown_below: float = 0.4,
    unknown_labels: Sequence[str] = ("out_of_scope",),
    supported_languages: Sequence[str] = ("en",),
    doc_ids: Sequence[str] | None = None,
) -> list[Decision]:
    """One decision per text: the reference router with these settings."""
    router = ConfidenceRouter(
        dict(thresholds),
        unknown_below=unknown_below,
        unknown_labels=tuple(unknown_labels),
        guard=TextGuard(supported_languages=tuple(supported_languages)),
    )
    return router.route(texts, proba, classes, doc_ids)


__all__ = [
    "AUTO_ACCEPT",
    "MANUAL_REVIEW",
    "NEVER",
    "REJECT_UNKNOWN",
    "ROUTES",
    "Decision",
    "choose_thresholds",
    "guess_language",
    "route",
]
