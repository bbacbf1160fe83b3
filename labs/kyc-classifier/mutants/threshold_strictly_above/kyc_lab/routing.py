"""Mutant (planted bug, see ../../MUTANTS.toml): a confidence exactly at the threshold is not auto-accepted.

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
    # planted bug: auto-accept needs confidence strictly above the threshold (> instead of >=)
    strict = {c: t if t >= 1.0 else float(np.nextafter(t, 1.0)) for c, t in dict(thresholds).items()}
    router = ConfidenceRouter(
        strict,
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
