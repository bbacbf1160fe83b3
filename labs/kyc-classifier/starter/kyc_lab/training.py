"""Fit the routed model end to end: split, train the classifier, choose thresholds on validation, test once.

The three-way split is the point. The classifier learns on *train*; the per-class thresholds are chosen on
*validation* (so the precision they promise is measured on documents the model never saw); *test* is
touched once, at the end, to report what the routed model really does. Thresholds tuned on test would
make the reported precision a promise the model cannot keep.

Out-of-scope documents (label ``out_of_scope``) are kept out of the classifier's training: a real inbox
sees letters of every kind, and a model that learned our few out-of-scope templates would look better
than it is. They stay in validation (where they push thresholds up) and in test (where we count how
many slip through).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class TrainingResult:
    """The fitted model and the three splits (provided)."""

    model: Any  # a DocumentModel (anything with .classes and .decide)
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame


def train_routed_model(
    docs: pd.DataFrame,
    *,
    target_precision: float = 0.99,
    min_support: int = 10,
    min_threshold: float = 0.9,
    seed: int = 0,
) -> TrainingResult:
    """Train and calibrate the routed model on ``docs`` (columns ``doc_id, text, label, language, subset``).

    Split 60/20/20, stratified by label and deterministic for ``seed`` (every document in exactly one
    split); fit a :class:`~kyc_lab.classifier.DocumentClassifier` on the in-scope training documents;
    choose thresholds on the validation split (leaving out documents the text checks refuse: they are
    never auto-accepted, so they must not set the bar); support the languages seen in training.
    """
    raise NotImplementedError("TODO m3: train_routed_model — split, fit on train, thresholds on validation")


__all__ = ["OUT_OF_SCOPE", "TrainingResult", "train_routed_model"]
