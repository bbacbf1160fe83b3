"""How good is the KYC model, and how much work does it save? Metrics for classifier *and* routing.

Accuracy alone hides the two numbers a KYC operations head asks for: how many documents go
straight through (coverage) and how often those are wrong (auto-accept precision). This module
reports both, per class and per data subset (clean, noisy, ambiguous, second language, out of scope),
with the calibration evidence (Brier score, reliability curve, ECE) that justifies trusting a
probability threshold at all.

The reliability binning and the ECE come from the shared toolkit (:mod:`reference_impl.evaluation`:
top-label ECE is ``expected_calibration_error(correct, confidence)``); what is KYC-specific here is
the multi-class and routing view (top-label confidence, Brier over classes, coverage against
accuracy, route shares per subset).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from reference_impl.errors import DataValidationError
from reference_impl.evaluation import calibration_curve, expected_calibration_error
from reference_impl.kyc.routing import AUTO_ACCEPT, MANUAL_REVIEW, REJECT_UNKNOWN, KycDecision

NOT_CLASSIFIED = "(not classified)"  # confusion-matrix column for documents the guards kept from the model

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from reference_impl.kyc.model import KycModel


def _one_hot(y_true: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    index = {c: j for j, c in enumerate(classes)}
    out = np.zeros((len(y_true), len(classes)))
    for i, label in enumerate(y_true):
        if label in index:  # an out-of-scope label is a row of zeros: every probability was misplaced
            out[i, index[label]] = 1.0
    return out


def brier_score(proba: np.ndarray, y_true: Sequence[str], classes: Sequence[str]) -> float:
    """Multi-class Brier score: mean over documents of the squared error summed over classes (0 is perfect).

    >>> brier_score(np.array([[1.0, 0.0], [0.5, 0.5]]), ["a", "b"], ["a", "b"])
    0.25
    """
    proba = np.asarray(proba, dtype=float)
    if proba.shape != (len(y_true), len(classes)):
        raise DataValidationError(
            f"proba shape {proba.shape} does not match {len(y_true)} labels x {len(classes)} classes"
        )
    if len(y_true) == 0:
        return float("nan")
    return float(np.mean(np.sum((proba - _one_hot(y_true, classes)) ** 2, axis=1)))


def reliability_curve(confidence: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> pd.DataFrame:
    """Top-label reliability: per confidence bin, mean confidence against observed accuracy.

    A calibrated model's points lie on the diagonal; that is what makes "auto-accept above 0.97"
    mean "about 97 % of these are right". Empty bins are omitted. This is the shared
    :func:`reference_impl.evaluation.calibration_curve` applied to (top-label confidence, was it right).

    >>> reliability_curve([0.9, 0.9, 0.6, 0.4], [True, True, True, False], n_bins=2)
       bin_lower  bin_upper  mean_confidence  accuracy  count
    0        0.0        0.5              0.4       0.0      1
    1        0.5        1.0              0.8       1.0      3
    """
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=bool)
    if conf.shape != ok.shape:
        raise DataValidationError(f"confidence and correct differ in length: {conf.shape} vs {ok.shape}")
    columns = ["bin_lower", "bin_upper", "mean_confidence", "accuracy", "count"]
    if conf.size == 0:
        return pd.DataFrame(columns=columns)
    curve = calibration_curve(ok.astype(int), conf, n_bins=n_bins)
    curve = curve.rename(columns={"mean_predicted": "mean_confidence", "observed": "accuracy"})[columns]
    return curve.round({"mean_confidence": 12, "accuracy": 12}).reset_index(drop=True)


def coverage_accuracy_curve(
    confidence: Sequence[float], correct: Sequence[bool], thresholds: Sequence[float] | None = None
) -> pd.DataFrame:
    """For each global threshold, the share of documents at or above it (coverage) and their accuracy.

    >>> coverage_accuracy_curve([0.9, 0.8, 0.6, 0.3], [True, True, False, True], [0.5, 0.85])
       threshold  coverage  accuracy  n_accepted
    0       0.50      0.75  0.666667           3
    1       0.85      0.25  1.000000           1
    """
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=bool)
    if conf.shape != ok.shape:
        raise DataValidationError(f"confidence and correct differ in length: {conf.shape} vs {ok.shape}")
    grid = np.round(np.linspace(0.0, 1.0, 21), 2) if thresholds is None else np.asarray(thresholds, dtype=float)
    rows = []
    for t in grid:
        accepted = conf >= t
        n = int(accepted.sum())
        rows.append(
            (
                float(t),
                n / conf.size if conf.size else float("nan"),
                float(ok[accepted].mean()) if n else float("nan"),
                n,
            )
        )
    return pd.DataFrame(rows, columns=["threshold", "coverage", "accuracy", "n_accepted"])


def per_class_report(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]) -> pd.DataFrame:
    """Precision, recall, F1 and support per class (labels outside ``classes`` count as errors)."""
    precision, recall, f1, support = precision_recall_fscore_support(
        list(y_true), list(y_pred), labels=list(classes), zero_division=0
    )
    return pd.DataFrame(
        {"class": list(classes), "precision": precision, "recall": recall, "f1": f1, "support": support.astype(int)}
    )


def confusion_frame(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> pd.DataFrame:
    """Confusion matrix as a frame: rows are true labels, columns predicted labels."""
    matrix = confusion_matrix(list(y_true), list(y_pred), labels=list(labels))
    return pd.DataFrame(
        matrix, index=pd.Index(list(labels), name="true"), columns=pd.Index(list(labels), name="predicted")
    )


def routing_summary(
    decisions: Sequence[KycDecision], y_true: Sequence[str], groups: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per group (e.g. data subset) and overall: route shares, classifier accuracy and auto-accept precision.

    ``auto_accept_precision`` is the share of auto-accepted documents whose label was right — the
    number the thresholds were chosen to protect; ``accuracy`` is the classifier's top label on all
    documents, whatever their route.
    """
    if len(decisions) != len(y_true) or (groups is not None and len(groups) != len(y_true)):
        raise DataValidationError("decisions, y_true and groups must have the same length")
    frame = pd.DataFrame(
        {
            "group": ["all"] * len(y_true) if groups is None else [str(g) for g in groups],
            "route": [d.route for d in decisions],
            "correct": [d.label == y for d, y in zip(decisions, y_true)],
        }
    )
    parts = [frame] if groups is None else [frame.assign(group="all"), frame]
    frame = pd.concat(parts, ignore_index=True)
    rows = []
    for group, g in frame.groupby("group", sort=True):
        auto = g["route"] == AUTO_ACCEPT
        rows.append(
            {
                "group": group,
                "n": len(g),
                "auto_accept": float(auto.mean()),
                "manual_review": float((g["route"] == MANUAL_REVIEW).mean()),
                "reject_unknown": float((g["route"] == REJECT_UNKNOWN).mean()),
                "accuracy": float(g["correct"].mean()),
                "auto_accept_precision": float(g.loc[auto, "correct"].mean()) if auto.any() else float("nan"),
                "n_auto_accept_wrong": int((auto & ~g["correct"]).sum()),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class KycEvaluation:
    """Everything :func:`evaluate_kyc` measured on one labelled set."""

    brier: float
    ece: float
    reliability: pd.DataFrame
    coverage_accuracy: pd.DataFrame
    per_class: pd.DataFrame
    confusion: pd.DataFrame
    by_subset: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (frames as lists of records, NaN as ``None``)."""

        def records(frame: pd.DataFrame) -> list[dict]:
            return [
                {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
                for row in frame.to_dict("records")
            ]

        return {
            "brier": self.brier,
            "ece": self.ece,
            "reliability": records(self.reliability),
            "coverage_accuracy": records(self.coverage_accuracy),
            "per_class": records(self.per_class),
            "confusion": {"labels": list(self.confusion.columns), "matrix": self.confusion.to_numpy().tolist()},
            "by_subset": records(self.by_subset),
        }


def evaluate_kyc(model: KycModel, docs: pd.DataFrame, *, n_bins: int = 10) -> KycEvaluation:
    """Evaluate ``model`` on a labelled frame with ``text`` and ``label`` (``subset`` optional).

    Calibration (Brier, reliability, ECE) and the per-class/confusion figures use the in-scope
    documents that pass the text guards (what the classifier is responsible for); the routing
    summary uses every document, so out-of-scope ones show up as auto-accepted errors if any slip through.
    """
    for column in ("text", "label"):
        if column not in docs.columns:
            raise DataValidationError(f"evaluation frame is missing column {column!r}")
    texts = docs["text"].astype(str).tolist()
    y_true = docs["label"].astype(str).tolist()
    decisions = model.decide(texts, docs["doc_id"].astype(str).tolist() if "doc_id" in docs.columns else None)
    classes = model.classes
    in_scope = np.array([y in classes and bool(d.probabilities) for d, y in zip(decisions, y_true)], dtype=bool)
    proba = np.array([[d.probabilities.get(c, 0.0) for c in classes] for d in decisions]).reshape(
        len(decisions), len(classes)
    )
    conf = proba.max(axis=1) if len(decisions) else np.zeros(0)
    pred = [d.label or NOT_CLASSIFIED for d in decisions]
    correct = np.array([p == y for p, y in zip(pred, y_true)], dtype=bool)
    yin = [y for y, keep in zip(y_true, in_scope) if keep]
    pin = [p for p, keep in zip(pred, in_scope) if keep]
    labels = list(classes) + sorted(set(y_true) - set(classes)) + ([NOT_CLASSIFIED] if NOT_CLASSIFIED in pred else [])
    return KycEvaluation(
        brier=brier_score(proba[in_scope], yin, classes),
        ece=expected_calibration_error(correct[in_scope], conf[in_scope], n_bins=n_bins)
        if in_scope.any()
        else math.nan,
        reliability=reliability_curve(conf[in_scope], correct[in_scope], n_bins),
        coverage_accuracy=coverage_accuracy_curve(conf[in_scope], correct[in_scope]),
        per_class=per_class_report(yin, pin, classes),
        confusion=confusion_frame(y_true, pred, labels),
        by_subset=routing_summary(
            decisions, y_true, docs["subset"].astype(str).tolist() if "subset" in docs.columns else None
        ),
    )


def plot_reliability(curve: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Reliability diagram (confidence vs accuracy, with the diagonal of perfect calibration)."""
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.subplots(figsize=(4, 4))[1]
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(curve["mean_confidence"], curve["accuracy"], marker="o", label="model")
    ax.set(
        xlabel="mean predicted confidence", ylabel="observed accuracy", xlim=(0, 1), ylim=(0, 1), title="Reliability"
    )
    ax.legend(loc="upper left")
    return ax


def plot_coverage_accuracy(curve: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Accuracy of auto-routed documents against the share auto-routed, one point per threshold."""
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.subplots(figsize=(4, 4))[1]
    ax.plot(curve["coverage"], curve["accuracy"], marker=".")
    ax.set(
        xlabel="coverage (share auto-routed)",
        ylabel="accuracy of auto-routed",
        xlim=(0, 1),
        title="Coverage vs accuracy",
    )
    return ax


__all__ = [
    "NOT_CLASSIFIED",
    "KycEvaluation",
    "brier_score",
    "confusion_frame",
    "coverage_accuracy_curve",
    "evaluate_kyc",
    "per_class_report",
    "plot_coverage_accuracy",
    "plot_reliability",
    "reliability_curve",
    "routing_summary",
]
