"""The KYC room: ``/v1/kyc/classify`` and ``/v1/kyc/review/*`` on the core, with the classifier and the queue."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import APIRouter

from reference_impl.serving.kyc.routes import review_router, router
from reference_impl.serving.kyc.state import KycProviders, KycState

if TYPE_CHECKING:
    from reference_impl.serving.state import ServiceState

log = logging.getLogger(__name__)


@dataclass
class KycRoom:
    """Project B's slice of the service; ``create_app(settings, rooms=[KycRoom()])`` serves it alone."""

    providers: KycProviders = field(default_factory=KycProviders)
    name: str = "kyc"
    openapi_tags: Sequence[dict[str, str]] = (
        {"name": "kyc", "description": "KYC document classification and routing"},
        {"name": "kyc review", "description": "the manual-review queue"},
    )

    def routers(self) -> Sequence[APIRouter]:
        return (router, review_router)

    def open(self, core: ServiceState) -> KycState:
        """Load the classifier and open the review queue (degraded if it fails: /readyz says why)."""
        state = KycState(core=core, providers=self.providers)
        state.load_models()
        try:
            state.review_queue = self.providers.review_queue(core.settings)
        except Exception as exc:  # noqa: BLE001 - serve degraded; /readyz explains
            state.review_queue_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            log.warning("review queue unavailable: %s", state.review_queue_error)
        return state


__all__ = ["KycRoom"]
