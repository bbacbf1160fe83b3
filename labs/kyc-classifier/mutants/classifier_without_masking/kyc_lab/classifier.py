"""Mutant (planted bug, see ../../MUTANTS.toml): the classifier vectorises raw text.

Adapter: the reference :class:`~reference_impl.kyc.KycClassifier` (masked, temperature-calibrated)."""

from __future__ import annotations

from reference_impl.kyc.classifier import KycClassifier


class DocumentClassifier(KycClassifier):
    """The reference classifier with the lab's two parameters and a :meth:`vocabulary` view."""

    def __init__(self, *, C: float = 10.0, calibration_cv: int = 3) -> None:
        super().__init__(C=C, calibration_cv=calibration_cv, mask=False)  # planted bug: raw text is vectorised

    def vocabulary(self) -> set[str]:
        """Terms of the word and character vectorisers of the fitted (single, ``ensemble=False``) pipeline."""
        pipeline = self.model_.calibrated_classifiers_[0].estimator
        union = pipeline.named_steps["features"]
        return {str(term) for _name, vectoriser in union.transformer_list for term in vectoriser.vocabulary_}


__all__ = ["DocumentClassifier"]
