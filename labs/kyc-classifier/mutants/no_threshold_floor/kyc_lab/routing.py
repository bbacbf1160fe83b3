"""Mutant (planted bug, see ../../MUTANTS.toml): the threshold floor (min_threshold) is ignored.

Adapter: the reference thresholds and :class:`~reference_impl.kyc.ConfidenceRouter`."""

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
)
from reference_impl.kyc.routing import choose_thresholds as _reference_choose
from reference_impl.kyc.routing import KycDecision as Decision


def choose_thresholds(
    proba: np.ndarray,
    y_true: Sequence[str],
    classes: Sequence[str],
    target_precision: float = 0.99,
    *,
    min_support: int = 10,
    min_threshold: float = 0.9,
) -> dict[str, float]:
    # planted bug: min_threshold is accepted but not applied (the cut may sit at any confidence)
    return _reference_choose(proba, y_true, classes, target_precision, min_support=min_support, min_threshold=0.0)


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
