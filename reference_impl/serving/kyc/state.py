"""The KYC room's live objects: the classifier slot and the review queue."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reference_impl.serving.kyc.models import KycDecider, ReviewQueueStore, default_review_queue, load_kyc_model
from reference_impl.serving.models import LoadedModel
from reference_impl.serving.settings import ServiceSettings

if TYPE_CHECKING:
    from reference_impl.serving.state import ServiceState


@dataclass
class KycProviders:
    """Factories for the KYC room's pieces; override any of them in tests."""

    kyc_model: Callable[[ServiceSettings], LoadedModel[KycDecider]] = load_kyc_model
    review_queue: Callable[[ServiceSettings], ReviewQueueStore] = default_review_queue


@dataclass
class KycState:
    """What the KYC routes use (``ServiceState.room("kyc", KycState)``)."""

    core: ServiceState
    providers: KycProviders
    kyc_model: LoadedModel[KycDecider] | None = None
    review_queue: ReviewQueueStore | None = None
    review_queue_error: str | None = None
    _reload_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def settings(self) -> ServiceSettings:
        return self.core.settings

    def models(self) -> list[LoadedModel]:
        return [self.kyc_model] if self.kyc_model is not None else []

    def load_models(self) -> None:
        """(Re)load the classifier; the slot is swapped atomically, so in-flight requests keep the old one."""
        with self._reload_lock:
            self.kyc_model = self.providers.kyc_model(self.settings)

    def checks(self) -> list[tuple[str, bool, str]]:
        model = self.kyc_model.check("kyc_model") if self.kyc_model else ("kyc_model", False, "kyc_model: missing")
        ok = self.review_queue is not None
        return [model, ("review_queue", ok, f"review_queue: {self.review_queue_error or 'not configured'}")]

    def close(self) -> None:
        """Nothing to release: the queue opens a SQLite connection per call."""


__all__ = ["KycProviders", "KycState"]
