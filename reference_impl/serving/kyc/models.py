"""The KYC room's collaborators: the document classifier (:class:`KycDecider`) and the review queue."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from reference_impl.serving.models import LoadedModel, load_configured
from reference_impl.serving.settings import ServiceSettings

KYC_MODEL_NAME = "kyc-classifier"


@runtime_checkable
class KycDecider(Protocol):
    """What the KYC pipeline needs from a model (``reference_impl.kyc.KycModel`` is one).

    ``decide`` returns one decision per text (a ``KycDecision`` or a dict with ``label``,
    ``confidence``, ``route``, ``reason``, ``reason_text`` and ``threshold``), in order.
    """

    def decide(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None) -> Sequence[Any]: ...


class ReviewItemLike(Protocol):
    """A queued document as the routes return it (never its text)."""

    @property
    def item_id(self) -> int: ...

    @property
    def doc_id(self) -> str: ...

    def to_dict(self) -> Mapping[str, Any]: ...


#: Writes the audit record of a queue change; the queue calls it inside its transaction, before COMMIT,
#: and rolls the change back if it raises. No queue change commits without its audit record.
QueueAuditHook = Callable[[Any], object]


@runtime_checkable
class ReviewQueueStore(Protocol):
    """The manual-review queue as the routes use it (``reference_impl.kyc.ReviewQueue`` is one).

    Every mutating method takes ``audit``: called with the changed item before the change commits; an
    exception from it must leave the queue unchanged (the routes pass a hook that writes the audit record).
    """

    def enqueue(
        self,
        doc_id: str,
        text: str,
        *,
        predicted: str | None,
        confidence: float,
        reason: str,
        actor: str,
        audit: QueueAuditHook | None = ...,
    ) -> ReviewItemLike: ...

    def list(self, status: str | None = ..., *, limit: int = ...) -> Sequence[ReviewItemLike]: ...

    def claim(self, item_id: int, reviewer: str, *, audit: QueueAuditHook | None = ...) -> ReviewItemLike: ...

    def decide(
        self, item_id: int, reviewer: str, label: str, comment: str = ..., *, audit: QueueAuditHook | None = ...
    ) -> ReviewItemLike: ...


def _load_classifier(path: Path) -> KycDecider:
    from reference_impl.kyc import load_classifier

    return load_classifier(path)


def load_kyc_model(settings: ServiceSettings) -> LoadedModel[KycDecider]:
    """The KYC classifier (with its router) from the configured source."""
    return load_configured(settings, KYC_MODEL_NAME, settings.resolved_kyc_model_path(), _load_classifier)


def default_review_queue(settings: ServiceSettings) -> ReviewQueueStore:
    """The KYC review queue in the workspace (SQLite)."""
    from reference_impl.kyc import ReviewQueue

    return ReviewQueue(settings.workspace.review_queue_db)  # it makes its file 0600 in a 0700 directory


__all__ = [
    "KYC_MODEL_NAME",
    "KycDecider",
    "QueueAuditHook",
    "ReviewItemLike",
    "ReviewQueueStore",
    "default_review_queue",
    "load_kyc_model",
]
