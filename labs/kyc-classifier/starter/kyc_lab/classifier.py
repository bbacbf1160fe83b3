"""A calibrated text classifier for KYC documents (scikit-learn estimator API).

Word n-grams carry a document type's vocabulary ("sort code", "registered office"); character n-grams
survive OCR noise. A logistic regression over both is a strong, fast baseline; its probabilities are
then *calibrated* (temperature scaling or Platt on out-of-fold scores, e.g.
``sklearn.calibration.CalibratedClassifierCV``), because the routing in milestone 2 puts thresholds on
them and a threshold on an uncalibrated score promises nothing.

Every text is masked (:func:`kyc_lab.masking.mask_text`) before it is vectorised, in ``fit`` *and* in
``predict_proba``, so the fitted vocabulary cannot hold a name or a document number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class DocumentClassifier(ClassifierMixin, BaseEstimator):
    """Masked word + character TF-IDF into a calibrated logistic regression.

    ``__init__`` only stores its arguments (scikit-learn's ``clone`` relies on it); the work is in ``fit``.

    Parameters
    ----------
    C : float, default=10.0
        Inverse regularisation strength of the logistic regression.
    calibration_cv : int, default=3
        Folds for the out-of-fold scores the calibration is fitted on.

    Attributes
    ----------
    classes_ : ndarray of str
        The labels seen in ``fit``, sorted; the column order of :meth:`predict_proba`.
    """

    def __init__(self, *, C: float = 10.0, calibration_cv: int = 3) -> None:
        self.C = C
        self.calibration_cv = calibration_cv

    def fit(self, X: Sequence[str], y: Sequence[Any]) -> DocumentClassifier:
        """Fit on texts ``X`` and labels ``y``; return ``self``.

        Raises :class:`~kyc_lab.errors.DataValidationError` (a ``ValueError``) when ``X`` is a bare
        string (iterating it would make one "document" per character), an item is not a ``str``, or
        ``X`` and ``y`` differ in length.
        """
        raise NotImplementedError("TODO m1: DocumentClassifier.fit — mask, vectorise, fit and calibrate")

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(X), len(classes_))``, each row summing to 1.

        The same input checks as :meth:`fit`; an empty list gives an array of shape ``(0, n_classes)``.
        """
        raise NotImplementedError("TODO m1: DocumentClassifier.predict_proba — mask, then the calibrated model")

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """The most probable class of each text (provided)."""
        proba = self.predict_proba(X)
        return np.asarray(self.classes_)[np.argmax(proba, axis=1)] if len(proba) else np.asarray([], dtype=object)

    def vocabulary(self) -> set[str]:
        """Every term the fitted model stores (word *and* character n-grams).

        This is what a saved model file would carry: the test reads it to prove that no holder name
        or document number made it in.
        """
        raise NotImplementedError("TODO m1: DocumentClassifier.vocabulary — the fitted vectorisers' terms")


__all__ = ["DocumentClassifier"]
