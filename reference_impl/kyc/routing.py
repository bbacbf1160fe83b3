"""Turn calibrated probabilities into a route: auto-accept, manual review, or reject as unknown.

Each class gets its own confidence threshold, chosen on *validation* data so that the documents
auto-accepted as that class reach a target precision (say 99 %). Classes the model confuses need a
higher bar than classes it never gets wrong, so one global threshold would either waste reviewer time
or let errors through. The thresholds are a small, declarative table that is saved with the model,
reviewed like any other control and never tuned on test data.

Order of checks for one document (first match wins):

1. :class:`~reference_impl.kyc.guards.TextGuard` — empty, too short, garbled or too long text, or an
   unsupported language, never reaches auto-accept whatever the model says;
2. the model predicts an "unknown" label (e.g. ``out_of_scope``) → reject as unknown;
3. the top probability is below ``unknown_below`` → reject as unknown (it looks like none of our classes);
4. the top probability reaches the class threshold → auto-accept; otherwise → manual review.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from reference_impl.errors import ConfigError, DataValidationError
from reference_impl.evaluation import precision_cutoff
from reference_impl.kyc.guards import TextGuard

AUTO_ACCEPT = "auto_accept"
MANUAL_REVIEW = "manual_review"
REJECT_UNKNOWN = "reject_unknown"
ROUTES: tuple[str, ...] = (AUTO_ACCEPT, MANUAL_REVIEW, REJECT_UNKNOWN)

# Reason-code catalogue: every decision carries exactly one code; the text is what a reviewer reads.
REASONS: dict[str, tuple[str, str]] = {
    # code: (route, explanation)
    "above_class_threshold": (AUTO_ACCEPT, "confidence reaches the validated threshold for this class"),
    "below_class_threshold": (MANUAL_REVIEW, "confidence is below the validated threshold for this class"),
    "low_confidence": (REJECT_UNKNOWN, "no class is likely enough: the document looks like none we know"),
    "predicted_unknown": (REJECT_UNKNOWN, "the model recognises this as an out-of-scope document"),
    "empty_text": (REJECT_UNKNOWN, "the document has no text"),
    "too_short": (REJECT_UNKNOWN, "the text is too short to classify"),
    "mostly_non_letters": (REJECT_UNKNOWN, "the text is mostly symbols or digits (garbled or not a document)"),
    "not_text": (REJECT_UNKNOWN, "the input is not text"),
    "unsupported_language": (MANUAL_REVIEW, "the text is not in a language the model supports"),
    "text_too_long": (MANUAL_REVIEW, "the text exceeds the size the model accepts"),
    "unreadable_file": (MANUAL_REVIEW, "the file could not be read as text (type, encoding or size)"),
}
NEVER = math.inf  # threshold of a class that may never be auto-accepted
#: Guard failures for which the model's guess is still shown (to help the reviewer); the other guard
#: failures are not classified at all and carry no label.
CLASSIFIED_DESPITE_GUARD: frozenset[str] = frozenset({"unsupported_language"})


@dataclass(frozen=True)
class KycDecision:
    """The routed outcome for one document (JSON-safe through :meth:`to_dict`).

    ``label`` is the most probable class (``None`` when the text was not classified), ``confidence``
    its calibrated probability, ``threshold`` the class threshold it was compared with.
    """

    label: str | None
    confidence: float
    route: str
    reason: str
    threshold: float | None = None
    language: str | None = None
    doc_id: str | None = None
    probabilities: dict[str, float] = field(default_factory=dict, repr=False)

    @property
    def reason_text(self) -> str:
        """Plain-language explanation of :attr:`reason`."""
        return REASONS[self.reason][1]

    def to_dict(self) -> dict:
        """JSON-safe dict; an infinite threshold (class never auto-accepted) becomes ``None``."""
        out = asdict(self)
        out["reason_text"] = self.reason_text
        if out["threshold"] is not None and not math.isfinite(out["threshold"]):
            out["threshold"] = None
        return out


def _check_proba(proba: np.ndarray, classes: Sequence[str], n: int | None = None) -> np.ndarray:
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[1] != len(classes):
        raise DataValidationError(f"proba must have shape (n, {len(classes)}) to match classes, got {proba.shape}")
    if n is not None and proba.shape[0] != n:
        raise DataValidationError(f"proba has {proba.shape[0]} rows but {n} documents were given")
    if proba.size and (not np.isfinite(proba).all() or proba.min() < 0 or proba.max() > 1):
        raise DataValidationError("proba must hold finite probabilities in [0, 1]")
    return proba


def choose_thresholds(
    proba: np.ndarray,
    y_true: Sequence[str],
    classes: Sequence[str],
    target_precision: float = 0.99,
    *,
    min_support: int = 10,
    min_threshold: float = 0.9,
) -> dict[str, float]:
    """Per-class thresholds meeting ``target_precision`` on validation data (never test data).

    For each class, look at the validation documents *predicted* as that class and find the lowest
    cut-off on their top probability at which the share actually of that class reaches the target
    (:func:`reference_impl.evaluation.precision_cutoff`: precision over everything accepted, ties
    accepted together). Documents whose true label is not a class (out of scope)
    count as errors, which is what pushes thresholds up where such documents look familiar.

    Parameters
    ----------
    proba : array of shape (n, n_classes)
        Calibrated probabilities on validation documents.
    y_true : sequence of str
        True labels of the same documents.
    classes : sequence of str
        Column order of ``proba`` (the classifier's ``classes_``).
    target_precision : float
        Required precision of auto-accepted documents, per class.
    min_support : int
        Fewest validation documents a threshold must accept; classes with fewer get :data:`NEVER`.
    min_threshold : float
        Floor under every threshold. A small validation set can show 100 % precision down to a
        confidence of 0.6 by luck; but a *calibrated* 0.6 means four in ten such documents are wrong,
        and no precision target justifies auto-accepting one of them. (Measured here: with 80
        validation documents, a 0.57 threshold let 30 % of invoices through as bank statements.)

    Returns
    -------
    dict mapping class to threshold (``NEVER`` = always send to review).

    Examples
    --------
    >>> proba = np.array([[0.95, 0.05], [0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    >>> choose_thresholds(proba, ["a", "a", "b", "b"], ["a", "b"], 0.99, min_support=1, min_threshold=0.5)
    {'a': 0.9, 'b': 0.8}
    >>> choose_thresholds(proba, ["a", "a", "b", "b"], ["a", "b"], 0.99, min_support=1)
    {'a': 0.9, 'b': 0.9}
    """
    if not 0.0 < target_precision <= 1.0:
        raise ConfigError(f"target_precision must be in (0, 1], got {target_precision}")
    if not 0.0 <= min_threshold <= 1.0:
        raise ConfigError(f"min_threshold must be in [0, 1], got {min_threshold}")
    classes = [str(c) for c in classes]
    y = np.asarray([str(v) for v in y_true], dtype=object)
    proba = _check_proba(proba, classes, len(y))
    if len(set(classes)) != len(classes):
        raise DataValidationError(f"classes must be unique, got {classes}")
    pred_idx = np.argmax(proba, axis=1) if len(y) else np.zeros(0, dtype=int)
    conf = proba[np.arange(len(y)), pred_idx] if len(y) else np.zeros(0)
    thresholds: dict[str, float] = {}
    for j, cls in enumerate(classes):
        mask = pred_idx == j
        found = precision_cutoff(y[mask] == cls, conf[mask], target_precision, min_support=min_support)
        thresholds[cls] = max(found, min_threshold)
    return thresholds


def auto_accept_share(proba: np.ndarray, classes: Sequence[str], thresholds: Mapping[str, float]) -> float:
    """Coverage: the share of documents whose top probability reaches *its own class's* threshold.

    Guards are not applied (this is the model-only view used when choosing thresholds); a class
    missing from ``thresholds`` is never auto-accepted; an empty batch has no coverage (NaN).

    >>> auto_accept_share(np.array([[0.95, 0.05], [0.2, 0.8], [0.6, 0.4]]), ["a", "b"], {"a": 0.9, "b": 0.8})
    0.6666666666666666
    """
    classes = [str(c) for c in classes]
    proba = _check_proba(proba, classes)
    if len(proba) == 0:
        return float("nan")
    top = np.argmax(proba, axis=1)
    cut = np.array([float(thresholds.get(c, NEVER)) for c in classes])[top]
    return float(np.mean(proba[np.arange(len(proba)), top] >= cut))


@dataclass(frozen=True)
class ConfidenceRouter:
    """Routes documents from their text and calibrated probabilities (see the module docstring).

    Parameters
    ----------
    thresholds : mapping of class to float
        Auto-accept cut-offs from :func:`choose_thresholds`; a class missing here is never auto-accepted.
    unknown_below : float
        Top probability below this is ``reject_unknown`` / ``low_confidence``.
    unknown_labels : tuple of str
        Classes that mean "none of ours" (e.g. ``out_of_scope``); predicting one rejects the document.
    guard : TextGuard
        Pre-classification checks.

    Examples
    --------
    >>> router = ConfidenceRouter({"passport": 0.9, "utility_bill": 0.95})
    >>> text = "Passport of the United Kingdom, surname Smith, given names Anna, date of birth 1980"
    >>> d = router.route([text], np.array([[0.93, 0.07]]), ["passport", "utility_bill"])[0]
    >>> (d.label, d.route, d.reason)
    ('passport', 'auto_accept', 'above_class_threshold')
    >>> router.route([""], np.array([[0.99, 0.01]]), ["passport", "utility_bill"])[0].route
    'reject_unknown'
    """

    thresholds: Mapping[str, float]
    unknown_below: float = 0.4
    unknown_labels: tuple[str, ...] = ("out_of_scope",)
    guard: TextGuard = field(default_factory=TextGuard)

    def __post_init__(self) -> None:
        for cls, value in self.thresholds.items():
            if not (isinstance(value, (int, float)) and (value == NEVER or 0.0 <= value <= 1.0)):
                raise ConfigError(f"threshold for class {cls!r} must be in [0, 1] or inf, got {value!r}")
        if not 0.0 <= self.unknown_below <= 1.0:
            raise ConfigError(f"unknown_below must be in [0, 1], got {self.unknown_below}")

    def screen(self, texts: Sequence[str]) -> list[tuple[str | None, str | None]]:
        """Guard result ``(reason or None, language)`` per text; lets callers skip the model for refused texts."""
        return [self.guard.inspect(text) for text in texts]

    def route(
        self,
        texts: Sequence[str],
        proba: np.ndarray,
        classes: Sequence[str],
        doc_ids: Sequence[str] | None = None,
        *,
        screened: Sequence[tuple[str | None, str | None]] | None = None,
    ) -> list[KycDecision]:
        """One :class:`KycDecision` per text. Rows of ``proba`` for texts the guard refuses are ignored
        (except for :data:`CLASSIFIED_DESPITE_GUARD` reasons, where the model's guess helps the reviewer)."""
        classes = [str(c) for c in classes]
        proba = _check_proba(proba, classes, len(texts))
        if doc_ids is not None and len(doc_ids) != len(texts):
            raise DataValidationError(f"doc_ids has {len(doc_ids)} items but {len(texts)} texts were given")
        screened = self.screen(texts) if screened is None else screened
        out: list[KycDecision] = []
        for i, _text in enumerate(texts):
            doc_id = None if doc_ids is None else str(doc_ids[i])
            out.append(self._route_one(proba[i], classes, screened[i], doc_id))
        return out

    def _route_one(
        self, row: np.ndarray, classes: list[str], screened: tuple[str | None, str | None], doc_id: str | None
    ) -> KycDecision:
        guard_reason, language = screened
        j = int(np.argmax(row))
        label, confidence = classes[j], float(row[j])
        probabilities = {c: round(float(p), 6) for c, p in zip(classes, row)}
        threshold = float(self.thresholds.get(label, NEVER))
        if guard_reason is not None:
            route = REASONS[guard_reason][0]
            if guard_reason not in CLASSIFIED_DESPITE_GUARD:  # nothing meaningful to classify: no label
                return KycDecision(None, 0.0, route, guard_reason, None, language, doc_id)
            return KycDecision(label, confidence, route, guard_reason, threshold, language, doc_id, probabilities)
        if label in self.unknown_labels:
            reason = "predicted_unknown"
        elif confidence < self.unknown_below:
            reason = "low_confidence"
        elif confidence >= threshold:
            reason = "above_class_threshold"
        else:
            reason = "below_class_threshold"
        return KycDecision(label, confidence, REASONS[reason][0], reason, threshold, language, doc_id, probabilities)

    def to_dict(self) -> dict:
        """JSON-safe configuration (``NEVER`` thresholds as ``None``)."""
        return {
            "thresholds": {c: (None if not math.isfinite(t) else float(t)) for c, t in sorted(self.thresholds.items())},
            "unknown_below": self.unknown_below,
            "unknown_labels": list(self.unknown_labels),
            "guard": self.guard.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ConfidenceRouter:
        """Inverse of :meth:`to_dict`."""
        try:
            return cls(
                thresholds={c: (NEVER if t is None else float(t)) for c, t in data["thresholds"].items()},
                unknown_below=float(data["unknown_below"]),
                unknown_labels=tuple(data["unknown_labels"]),
                guard=TextGuard.from_dict(data["guard"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"routing configuration is malformed: {exc!r}") from None


__all__ = [
    "AUTO_ACCEPT",
    "MANUAL_REVIEW",
    "REJECT_UNKNOWN",
    "ROUTES",
    "REASONS",
    "NEVER",
    "CLASSIFIED_DESPITE_GUARD",
    "KycDecision",
    "ConfidenceRouter",
    "auto_accept_share",
    "choose_thresholds",
]
