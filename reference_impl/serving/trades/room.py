"""The trade room: ``/v1/trades/*`` on the core, with its detector, feature source and micro-batcher."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import APIRouter

from reference_impl.serving.batching import MicroBatcher
from reference_impl.serving.trades.pipeline import score_jobs
from reference_impl.serving.trades.routes import router
from reference_impl.serving.trades.state import TradesProviders, TradesState

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from reference_impl.serving.state import ServiceState


@dataclass
class TradesRoom:
    """Project A's slice of the service; ``create_app(settings, rooms=[TradesRoom()])`` serves it alone."""

    providers: TradesProviders = field(default_factory=TradesProviders)
    name: str = "trades"
    openapi_tags: Sequence[dict[str, str]] = ({"name": "trades", "description": "trade anomaly scoring"},)

    def routers(self) -> Sequence[APIRouter]:
        return (router,)

    def open(self, core: ServiceState) -> TradesState:
        """Load the detector, open the feature source (degraded if it fails) and start the micro-batcher."""
        settings = core.settings
        state = TradesState(
            core=core,
            providers=self.providers,
            model_executor=ThreadPoolExecutor(max_workers=4, thread_name_prefix="ibml-model"),
        )
        state.scorer = MicroBatcher(
            lambda jobs: score_jobs(state, jobs),
            max_weight=settings.micro_batch_max_events,
            weight=lambda job: len(job.events),
        )
        state.load_models()
        try:
            state.features = self.providers.feature_source(settings)
        except Exception as exc:  # noqa: BLE001 - serve degraded; /readyz explains
            state.features_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            log.warning("feature source unavailable: %s", state.features_error)
        state.rules_only = self.providers.rules_only()
        return state


__all__ = ["TradesRoom"]
