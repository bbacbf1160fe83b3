"""The deployable KYC model: a fitted classifier plus its routing table, used as one object.

The service, the CLI and the notebook all call :meth:`KycModel.decide`, so the guards, the class
thresholds and the classifier can never be applied in a different order in different places.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from reference_impl.errors import DataValidationError, ModelError
from reference_impl.kyc.classifier import KycClassifier, validate_texts
from reference_impl.kyc.io import Document
from reference_impl.kyc.routing import CLASSIFIED_DESPITE_GUARD, MANUAL_REVIEW, ConfidenceRouter, KycDecision

log = logging.getLogger(__name__)


@dataclass
class KycModel:
    """A fitted :class:`KycClassifier` and the :class:`ConfidenceRouter` validated for it.

    ``metadata`` holds JSON-safe facts saved with the model (version, training digest, target
    precision, validation metrics); :func:`~reference_impl.kyc.persistence.save_classifier` writes it.
    """

    classifier: KycClassifier
    router: ConfidenceRouter
    metadata: dict = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        """Class labels in probability-column order."""
        if not hasattr(self.classifier, "classes_"):
            raise ModelError("the KYC classifier is not fitted")
        return [str(c) for c in self.classifier.classes_]

    @property
    def model_version(self) -> str:
        """Version string from the metadata (``"unversioned"`` when trained in memory)."""
        return str(self.metadata.get("model_version", "unversioned"))

    def decide(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None) -> list[KycDecision]:
        """Screen, classify and route ``texts``; one :class:`KycDecision` each, in input order."""
        texts = validate_texts(texts)
        if doc_ids is not None and len(doc_ids) != len(texts):
            raise DataValidationError(f"doc_ids has {len(doc_ids)} items but {len(texts)} texts were given")
        classes = self.classes
        screened = self.router.screen(texts)
        proba = np.zeros((len(texts), len(classes)))
        run = [i for i, (reason, _) in enumerate(screened) if reason is None or reason in CLASSIFIED_DESPITE_GUARD]
        if run:
            proba[run] = self.classifier.predict_proba([texts[i] for i in run])
        decisions = self.router.route(texts, proba, classes, doc_ids, screened=screened)
        log.info(
            "kyc decided %d documents: %s", len(decisions), dict(sorted(Counter(d.route for d in decisions).items()))
        )
        return decisions

    def decide_documents(self, documents: Sequence[Document]) -> list[KycDecision]:
        """Like :meth:`decide` for files: unreadable ones go to manual review with ``unreadable_file``."""
        readable = [d for d in documents if d.text is not None]
        decided = iter(self.decide([d.text for d in readable], [d.doc_id for d in readable]))  # type: ignore[misc]
        return [
            next(decided)
            if d.text is not None
            else KycDecision(None, 0.0, MANUAL_REVIEW, "unreadable_file", None, None, d.doc_id)
            for d in documents
        ]


__all__ = ["KycModel"]
