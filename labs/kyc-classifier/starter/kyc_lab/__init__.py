"""KYC document classifier with manual-review routing (ibml portfolio lab, project B).

Milestones (``tests/test_m<N>_*.py``):

1. :func:`mask_text` and :class:`DocumentClassifier` — a masked, calibrated text classifier;
2. :func:`choose_thresholds` and :func:`route` — per-class thresholds, fail-closed routing;
3. :class:`DocumentModel` and :func:`train_routed_model` — train, thresholds on validation, test once;
4. :class:`ReviewQueue` — claims, leases, only the holder decides, an event trail;
5. :func:`create_app` — the FastAPI service with API-key roles (401/403/422).
"""

from kyc_lab.classifier import DocumentClassifier
from kyc_lab.masking import LEXICON, mask_text
from kyc_lab.model import DocumentModel
from kyc_lab.review import ReviewEvent, ReviewItem, ReviewQueue
from kyc_lab.routing import AUTO_ACCEPT, MANUAL_REVIEW, NEVER, REJECT_UNKNOWN, ROUTES, Decision, choose_thresholds, route
from kyc_lab.training import TrainingResult, train_routed_model

__all__ = [
    "AUTO_ACCEPT",
    "LEXICON",
    "MANUAL_REVIEW",
    "NEVER",
    "REJECT_UNKNOWN",
    "ROUTES",
    "Decision",
    "DocumentClassifier",
    "DocumentModel",
    "ReviewEvent",
    "ReviewItem",
    "ReviewQueue",
    "TrainingResult",
    "choose_thresholds",
    "mask_text",
    "route",
    "train_routed_model",
]
