"""A calibrated text classifier for KYC documents that works on any list of texts with labels.

Word n-grams carry the vocabulary of a document type ("sort code", "registered office"); character
n-grams survive OCR noise, typos and inflections. A logistic regression over both is a strong, fast
baseline. Its raw probabilities are then *temperature-scaled* on out-of-fold predictions: one
parameter for all classes, so calibration stays good with many classes and prediction costs a single
model (measured here: sklearn's default sigmoid calibration was badly under-confident with many
classes and 20x slower, because it averages a 5-fold ensemble).

By default every text is *masked* before it is vectorised (:mod:`reference_impl.kyc.masking`): words
outside a reviewed document lexicon become shape placeholders (``<name>``, ``<num9>``, ``<id>``), so
the fitted vocabulary, and the saved model, cannot hold a holder's name or a document number. The
accuracy this costs is measured by ``benchmarks/bench_kyc_pii.py``; ``mask=False`` restores raw text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from reference_impl.errors import DataValidationError
from reference_impl.kyc.masking import KYC_LEXICON, mask_texts


def validate_texts(texts: Any, *, field: str = "texts") -> list[str]:
    """Return ``texts`` as a list of ``str``; raise :class:`DataValidationError` naming the bad item.

    A bare string is refused: iterating it would classify one character per "document".

    >>> validate_texts(("a", "b"))
    ['a', 'b']
    """
    if isinstance(texts, (str, bytes)):
        raise DataValidationError(f"{field} must be a list of strings, not a single {type(texts).__name__}")
    try:
        items = list(texts)
    except TypeError:
        raise DataValidationError(f"{field} must be a list of strings, got {type(texts).__name__}") from None
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise DataValidationError(f"{field}[{i}] must be a str, got {type(text).__name__}")
    return items


class KycClassifier(ClassifierMixin, BaseEstimator):
    """Word + character TF-IDF into a temperature-calibrated logistic regression.

    Parameters
    ----------
    word_ngram_range : tuple of int, default=(1, 2)
        Word n-gram sizes.
    char_ngram_range : tuple of int, default=(2, 4)
        Character n-gram sizes (within word boundaries), robust to typos and OCR noise.
    min_df : int, default=1
        Ignore terms seen in fewer documents than this (per vectorizer).
    max_features : int or None, default=20_000
        Vocabulary cap per vectorizer; bounds memory and model size.
    C : float, default=10.0
        Inverse regularisation strength of the logistic regression.
    calibration_cv : int, default=3
        Folds used to produce the out-of-fold scores the temperature is fitted on (one parameter
        needs few: 3 folds cost 4 fits in all, against 6 for 5 folds). Lowered
        automatically to the size of the smallest class (at least 2).
    max_iter : int, default=1000
        Solver iterations for the logistic regression.
    mask : bool, default=True
        Mask texts before vectorising (see the module docstring). ``False`` vectorises raw text, so
        the vocabulary memorises names and numbers: for comparison only.
    lexicon : sequence of str or None, default=None
        The words masking keeps; ``None`` means :data:`~reference_impl.kyc.masking.KYC_LEXICON`.
        Pass your own for another document domain (never one holding names).

    Attributes
    ----------
    classes_ : ndarray of str
        Class labels, sorted.
    model_ : CalibratedClassifierCV
        The fitted, calibrated pipeline.
    temperature_ : float
        The fitted temperature (> 1 softens over-confident scores, < 1 sharpens timid ones).
    lexicon_ : tuple of str or None
        The lexicon the texts were masked with (sorted, stored with the model so that a saved model
        masks exactly as it did when fitted); ``None`` when ``mask=False``.

    Notes
    -----
    Fitting runs with BLAS limited to one thread: the heavy work is sparse and single-threaded
    anyway, and on a busy two-core machine idle BLAS threads made training 5x slower (72 s against
    13 s for 1,800 documents, measured here). Prediction is not wrapped: it uses no BLAS, and
    entering ``threadpool_limits`` costs about 4 ms, more than classifying one document.

    Examples
    --------
    >>> texts = ["passport number nationality", "passport surname given names"] * 3 + [
    ...     "electricity bill amount due", "gas bill account number"] * 3
    >>> labels = ["passport"] * 6 + ["utility_bill"] * 6
    >>> clf = KycClassifier(calibration_cv=2).fit(texts, labels)
    >>> clf.predict(["passport of the holder"]).tolist()
    ['passport']
    """

    def __init__(
        self,
        *,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 4),
        min_df: int = 1,
        max_features: int | None = 20_000,
        C: float = 10.0,
        calibration_cv: int = 3,
        max_iter: int = 1000,
        mask: bool = True,
        lexicon: Sequence[str] | None = None,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.calibration_cv = calibration_cv
        self.max_iter = max_iter
        self.mask = mask
        self.lexicon = lexicon

    def _build_pipeline(self) -> Pipeline:
        features = FeatureUnion(
            [
                (
                    "word",
                    TfidfVectorizer(
                        analyzer="word",
                        ngram_range=tuple(self.word_ngram_range),
                        **({"token_pattern": r"\S+", "lowercase": False} if self.mask else {}),
                        min_df=self.min_df,
                        max_features=self.max_features,
                        sublinear_tf=True,
                        dtype=np.float32,
                    ),
                ),
                (
                    "char",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=tuple(self.char_ngram_range),
                        min_df=self.min_df,
                        max_features=self.max_features,
                        sublinear_tf=True,
                        dtype=np.float32,
                    ),
                ),
            ]
        )
        return Pipeline([("features", features), ("model", LogisticRegression(C=self.C, max_iter=self.max_iter))])

    def fit(self, X: Sequence[str], y: Sequence[Any]) -> KycClassifier:
        """Fit the pipeline and its temperature on ``X`` (texts) and ``y`` (labels)."""
        texts = validate_texts(X, field="X")
        labels = np.asarray([str(label) for label in y], dtype=object)
        if len(labels) != len(texts):
            raise DataValidationError(f"X has {len(texts)} texts but y has {len(labels)} labels")
        counts = Counter(labels.tolist())
        if len(counts) < 2:
            raise DataValidationError(f"y must hold at least 2 classes, got {sorted(counts)}")
        smallest = min(counts.values())
        if smallest < 2:
            rare = sorted(label for label, n in counts.items() if n < 2)
            raise DataValidationError(f"every class needs at least 2 examples for calibration; too few: {rare}")
        if int(self.calibration_cv) < 2:
            raise DataValidationError(f"calibration_cv must be >= 2, got {self.calibration_cv}")
        cv = min(int(self.calibration_cv), smallest)
        lexicon = KYC_LEXICON if self.lexicon is None else self.lexicon
        self.lexicon_ = tuple(sorted({str(word).lower() for word in lexicon})) if self.mask else None
        texts = self._masked(texts)
        model = CalibratedClassifierCV(self._build_pipeline(), method="temperature", cv=cv, ensemble=False)
        with threadpool_limits(limits=1):  # see Notes: BLAS threads only contend on these small dense steps
            model.fit(texts, labels)
        self.model_ = model
        self.classes_ = model.classes_
        beta = float(np.ravel(model.calibrated_classifiers_[0].calibrators[0].beta_)[0])
        self.temperature_ = 1.0 / beta if beta else float("inf")
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities, one row per text, columns in ``classes_`` order."""
        check_is_fitted(self, "model_")
        texts = validate_texts(X, field="X")
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return self.model_.predict_proba(self._masked(texts))

    def _masked(self, texts: list[str]) -> list[str]:
        """``texts`` as the pipeline sees them: masked with ``lexicon_`` (unchanged when ``mask=False``)."""
        lexicon = getattr(self, "lexicon_", None)  # None also for a model saved before masking existed
        return texts if lexicon is None else mask_texts(texts, lexicon)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """The most probable class of each text."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)] if len(proba) else np.asarray([], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


__all__ = ["KycClassifier", "validate_texts"]
