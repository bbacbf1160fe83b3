"""Adapter: the reference :class:`~reference_impl.kyc.KycModel` built from the lab's arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reference_impl.kyc.guards import TextGuard
from reference_impl.kyc.model import KycModel
from reference_impl.kyc.routing import ConfidenceRouter

from kyc_lab.classifier import DocumentClassifier


class DocumentModel(KycModel):
    """``KycModel(classifier, ConfidenceRouter(thresholds, ...))``; ``decide`` and ``classes`` are the reference's."""

    def __init__(
        self,
        classifier: DocumentClassifier,
        thresholds: Mapping[str, float],
        *,
        unknown_below: float = 0.4,
        unknown_labels: Sequence[str] = ("out_of_scope",),
        supported_languages: Sequence[str] = ("en",),
    ) -> None:
        guard = TextGuard(supported_languages=tuple(supported_languages))
        router = ConfidenceRouter(dict(thresholds), unknown_below, tuple(unknown_labels), guard)
        super().__init__(classifier, router)

    @property
    def thresholds(self) -> dict[str, float]:
        return dict(self.router.thresholds)


__all__ = ["DocumentModel"]
