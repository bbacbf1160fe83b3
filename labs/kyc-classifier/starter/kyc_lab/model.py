"""The deployable model: a fitted classifier plus its thresholds, used as one object.

The API, the validation gate and the tests all call :meth:`DocumentModel.decide`, so the text checks,
the thresholds and the classifier can never be applied in a different order in different places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kyc_lab.classifier import DocumentClassifier
from kyc_lab.routing import Decision


class DocumentModel:
    """A fitted :class:`~kyc_lab.classifier.DocumentClassifier` and the thresholds validated for it.

    Parameters
    ----------
    classifier : DocumentClassifier
        Fitted.
    thresholds : mapping of class to float
        From :func:`~kyc_lab.routing.choose_thresholds`.
    unknown_below, unknown_labels, supported_languages
        As for :func:`~kyc_lab.routing.route`.
    """

    def __init__(
        self,
        classifier: DocumentClassifier,
        thresholds: Mapping[str, float],
        *,
        unknown_below: float = 0.4,
        unknown_labels: Sequence[str] = ("out_of_scope",),
        supported_languages: Sequence[str] = ("en",),
    ) -> None:
        self.classifier = classifier
        self.thresholds = dict(thresholds)
        self.unknown_below = unknown_below
        self.unknown_labels = tuple(unknown_labels)
        self.supported_languages = tuple(supported_languages)

    @property
    def classes(self) -> list[str]:
        """Class labels in probability-column order (provided)."""
        return [str(c) for c in self.classifier.classes_]

    def decide(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None) -> list[Decision]:
        """Check, classify and route ``texts``: one :class:`~kyc_lab.routing.Decision` each, in input order.

        Texts the text checks refuse (empty, too short, mostly non-letters) are routed without their
        probabilities mattering; for every other text the decision is exactly
        ``route(texts, classifier.predict_proba(texts), classifier.classes_, thresholds, ...)`` with this
        model's settings. A batch holding a non-``str`` (or a bare string instead of a list) is refused with
        :class:`~kyc_lab.errors.DataValidationError`, as the classifier refuses it.
        """
        raise NotImplementedError("TODO m3: DocumentModel.decide — classify the texts that pass the checks, then route")


__all__ = ["DocumentModel"]
