"""KYC document classification with confidence thresholds and manual-review routing.

A calibrated text classifier (:class:`KycClassifier`) proposes a document type; a routing table of
per-class thresholds chosen on validation data (:class:`ConfidenceRouter`) decides whether that
proposal is auto-accepted, sent to a human (:class:`ReviewQueue`) or rejected as unknown; text
guards keep empty, garbled, oversized and foreign-language documents away from auto-accept.

>>> from reference_impl.kyc import ROUTES
>>> ROUTES
('auto_accept', 'manual_review', 'reject_unknown')
"""

from reference_impl.kyc.classifier import KycClassifier, validate_texts
from reference_impl.kyc.evaluation import (
    KycEvaluation,
    brier_score,
    confusion_frame,
    coverage_accuracy_curve,
    evaluate_kyc,
    per_class_report,
    plot_coverage_accuracy,
    plot_reliability,
    reliability_curve,
    routing_summary,
)
from reference_impl.kyc.guards import TextGuard, guess_language
from reference_impl.kyc.io import Document, load_documents, read_document
from reference_impl.kyc.model import KycModel
from reference_impl.kyc.persistence import default_model_dir, load_classifier, save_classifier
from reference_impl.kyc.review_queue import ReviewEvent, ReviewItem, ReviewQueue
from reference_impl.kyc.routing import (
    AUTO_ACCEPT,
    MANUAL_REVIEW,
    NEVER,
    REASONS,
    REJECT_UNKNOWN,
    ROUTES,
    ConfidenceRouter,
    KycDecision,
    auto_accept_share,
    choose_thresholds,
)
from reference_impl.kyc.training import KycTrainingResult, calibrate_router, split_documents, train_kyc_model

__all__ = [
    "AUTO_ACCEPT",
    "MANUAL_REVIEW",
    "REJECT_UNKNOWN",
    "ROUTES",
    "REASONS",
    "NEVER",
    "KycClassifier",
    "KycModel",
    "KycDecision",
    "ConfidenceRouter",
    "TextGuard",
    "ReviewQueue",
    "ReviewItem",
    "ReviewEvent",
    "Document",
    "KycEvaluation",
    "KycTrainingResult",
    "auto_accept_share",
    "brier_score",
    "calibrate_router",
    "choose_thresholds",
    "confusion_frame",
    "coverage_accuracy_curve",
    "default_model_dir",
    "evaluate_kyc",
    "guess_language",
    "load_classifier",
    "load_documents",
    "per_class_report",
    "plot_coverage_accuracy",
    "plot_reliability",
    "read_document",
    "reliability_curve",
    "routing_summary",
    "save_classifier",
    "split_documents",
    "train_kyc_model",
    "validate_texts",
]
