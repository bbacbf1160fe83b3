"""Turn calibrated probabilities into a route: auto-accept, manual review, or reject as unknown.

Each class gets its own confidence threshold, chosen on *validation* data so that the documents
auto-accepted as that class reach a target precision (say 99 %): classes the model confuses need a
higher bar than classes it never gets wrong.

The router **fails closed**: anything uncertain, unknown or malformed never reaches auto-accept.
Order of checks for one document (first match wins):

1. text checks (nothing else is looked at): not a ``str`` → ``not_text``; empty or blank →
   ``empty_text``; fewer than 20 non-space characters or 4 words → ``too_short``; under half of the
   non-space characters letters → ``mostly_non_letters`` (all ``reject_unknown``, label ``None``);
   a language outside ``supported_languages`` (use :func:`guess_language`; ``"und"`` passes) →
   ``manual_review`` / ``unsupported_language`` (the model's guess is kept to help the reviewer);
2. the top class is an unknown label (e.g. ``out_of_scope``) → ``reject_unknown`` / ``predicted_unknown``;
3. the top probability is below ``unknown_below`` → ``reject_unknown`` / ``low_confidence``;
4. the top probability reaches (``>=``) the class threshold → ``auto_accept`` / ``above_class_threshold``;
   otherwise (including a class with no threshold) → ``manual_review`` / ``below_class_threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from reference_impl.kyc.guards import guess_language  # provided: stop-word language guess ("en", "de", "fr", "und")

AUTO_ACCEPT = "auto_accept"
MANUAL_REVIEW = "manual_review"
REJECT_UNKNOWN = "reject_unknown"
ROUTES: tuple[str, ...] = (AUTO_ACCEPT, MANUAL_REVIEW, REJECT_UNKNOWN)
NEVER = math.inf  #: the threshold of a class that may never be auto-accepted


@dataclass(frozen=True)
class Decision:
    """The routed outcome for one document (provided).

    ``label`` is the most probable class (``None`` when the text was not classified), ``confidence``
    its calibrated probability (0.0 when not classified), ``threshold`` the class threshold it was
    compared with, ``reason`` one reason code from the module docstring.
    """

    label: str | None
    confidence: float
    route: str
    reason: str
    threshold: float | None = None
    language: str | None = None
    doc_id: str | None = None
    probabilities: dict[str, float] = field(default_factory=dict, repr=False)


def choose_thresholds(
    proba: np.ndarray,
    y_true: Sequence[str],
    classes: Sequence[str],
    target_precision: float = 0.99,
    *,
    min_support: int = 10,
    min_threshold: float = 0.9,
) -> dict[str, float]:
    """Per-class auto-accept thresholds meeting ``target_precision`` on validation data.

    For each class, take the validation documents *predicted* as that class (argmax of ``proba``) and
    find the lowest cut-off ``t`` on their top probability such that, of all of them with
    confidence ``>= t``, the share whose true label is that class reaches ``target_precision``
    (tied confidences are accepted together, so a cut only sits at a confidence that occurs).
    The cut must accept at least ``min_support`` documents, otherwise the class gets :data:`NEVER`;
    no threshold is ever below ``min_threshold`` (a calibrated 0.6 means four in ten are wrong).
    A true label that is not one of ``classes`` (out of scope) counts as an error.

    Raises :class:`~kyc_lab.errors.DataValidationError` when ``proba`` is not ``(len(y_true), len(classes))``
    or holds values outside [0, 1] or NaN.
    """
    raise NotImplementedError("TODO m2: choose_thresholds — lowest cut-off per class reaching the target precision")


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
    """One :class:`Decision` per text, in order, following the checks in the module docstring.

    ``proba`` row ``i`` holds the calibrated probabilities of ``texts[i]`` in ``classes`` order.
    Malformed probabilities (wrong shape, NaN, outside [0, 1]) are refused with
    :class:`~kyc_lab.errors.DataValidationError`, never routed.
    """
    raise NotImplementedError("TODO m2: route — text checks, unknown labels, low confidence, per-class thresholds")


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
