"""Fit a KYC model end to end: split, train the classifier, choose thresholds on validation, test once.

The three-way split is the point. The classifier learns on *train*; the per-class thresholds are
chosen on *validation* (so the precision they promise is measured on documents the model never saw);
*test* is touched once, at the end, to report what the routed model really does. Choosing thresholds
on test data would make the reported precision a promise the model cannot keep.

Out-of-scope documents (label ``out_of_scope``) are kept out of training by default: a real queue sees
letters of every kind, and a model that learned our few out-of-scope templates would look better than
it is. They stay in validation (where they push thresholds up) and in test (where we count how many
slip through).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from reference_impl.errors import ConfigError, DataValidationError
from reference_impl.governance.lineage import frame_digest
from reference_impl.kyc.classifier import KycClassifier, validate_texts
from reference_impl.kyc.evaluation import KycEvaluation, evaluate_kyc
from reference_impl.kyc.guards import TextGuard
from reference_impl.kyc.model import KycModel
from reference_impl.kyc.routing import ConfidenceRouter, choose_thresholds

log = logging.getLogger(__name__)
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class KycTrainingResult:
    """The fitted model, the three splits (as frames) and the test evaluation."""

    model: KycModel
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    evaluation: KycEvaluation


def split_documents(
    docs: pd.DataFrame, *, val_size: float = 0.2, test_size: float = 0.2, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stratified (by label) train / validation / test split, deterministic for a seed."""
    if not (0 < val_size < 1 and 0 < test_size < 1 and val_size + test_size < 1):
        raise ConfigError(f"val_size and test_size must be in (0, 1) with a sum below 1, got {val_size}, {test_size}")
    if "label" not in docs.columns or "text" not in docs.columns:
        raise DataValidationError(f"documents need 'text' and 'label' columns, got {list(docs.columns)}")
    labels = docs["label"].astype(str)
    stratify = labels if labels.value_counts().min() >= 3 else None
    rest, test = train_test_split(docs, test_size=test_size, random_state=seed, stratify=stratify)
    rest_labels = rest["label"].astype(str)
    stratify = rest_labels if stratify is not None and rest_labels.value_counts().min() >= 2 else None
    train, val = train_test_split(rest, test_size=val_size / (1 - test_size), random_state=seed, stratify=stratify)
    return train.reset_index(drop=True), val.reset_index(drop=True), test.reset_index(drop=True)


def calibrate_router(
    classifier: KycClassifier,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    target_precision: float = 0.99,
    min_support: int = 10,
    min_threshold: float = 0.9,
    unknown_below: float = 0.4,
    guard: TextGuard | None = None,
) -> ConfidenceRouter:
    """Choose per-class thresholds for a fitted ``classifier`` on validation ``texts``/``labels``.

    Documents the guard refuses are left out: they are never auto-accepted, so they must not
    influence how high the bar is for the rest.
    """
    texts = validate_texts(texts)
    labels = [str(label) for label in labels]
    if len(labels) != len(texts):
        raise DataValidationError(f"{len(texts)} validation texts but {len(labels)} labels")
    guard = guard or TextGuard()
    keep = [i for i, text in enumerate(texts) if guard.check(text) is None]
    proba = classifier.predict_proba([texts[i] for i in keep]) if keep else np.zeros((0, len(classifier.classes_)))
    thresholds = choose_thresholds(
        proba,
        [labels[i] for i in keep],
        list(classifier.classes_),
        target_precision,
        min_support=min_support,
        min_threshold=min_threshold,
    )
    return ConfidenceRouter(thresholds, unknown_below=unknown_below, guard=guard)


def train_kyc_model(
    docs: pd.DataFrame,
    *,
    target_precision: float = 0.99,
    min_support: int = 10,
    min_threshold: float = 0.9,
    unknown_below: float = 0.4,
    seed: int = 0,
    val_size: float = 0.2,
    test_size: float = 0.2,
    supported_languages: Sequence[str] | None = None,
    train_out_of_scope: bool = False,
    classifier: KycClassifier | None = None,
) -> KycTrainingResult:
    """Train, calibrate the routing on validation and evaluate on test (see the module docstring).

    ``supported_languages`` defaults to the languages in the training split's ``language`` column
    (or English when there is none).
    """
    train, val, test = split_documents(docs, val_size=val_size, test_size=test_size, seed=seed)
    fit_frame = train if train_out_of_scope else train[train["label"].astype(str) != OUT_OF_SCOPE]
    if supported_languages is None:
        supported_languages = sorted(fit_frame["language"].astype(str).unique()) if "language" in fit_frame else ["en"]
    guard = TextGuard(supported_languages=tuple(supported_languages))
    clf = KycClassifier() if classifier is None else classifier
    clf.fit(fit_frame["text"].astype(str).tolist(), fit_frame["label"].astype(str).tolist())
    router = calibrate_router(
        clf,
        val["text"].astype(str).tolist(),
        val["label"].astype(str).tolist(),
        target_precision=target_precision,
        min_support=min_support,
        min_threshold=min_threshold,
        unknown_below=unknown_below,
        guard=guard,
    )
    digest = frame_digest(fit_frame[["text", "label"]].astype(str))
    metadata = {
        "model_version": f"kyc-{digest[:12]}",
        "training_digest": digest,
        "n_train": len(fit_frame),
        "n_validation": len(val),
        "n_test": len(test),
        "target_precision": target_precision,
        "min_support": min_support,
        "min_threshold": min_threshold,
        "seed": seed,
        "temperature": clf.temperature_,
    }
    model = KycModel(clf, router, metadata)
    evaluation = evaluate_kyc(model, test)
    model.metadata["test"] = {
        "brier": evaluation.brier,
        "ece": evaluation.ece,
        "by_subset": evaluation.to_dict()["by_subset"],
    }
    log.info("trained KYC model %s on %d documents", model.model_version, len(fit_frame))
    return KycTrainingResult(model, train, val, test, evaluation)


__all__ = ["KycTrainingResult", "calibrate_router", "split_documents", "train_kyc_model"]
