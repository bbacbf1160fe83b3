"""Everything the routes share, built once in the app's lifespan (never at import time).

:class:`Providers` says *how* to build each piece (models, feature source, review queue); tests and
notebooks pass fakes here, or swap a single dependency with ``app.dependency_overrides``.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import pandas as pd

from reference_impl.governance import AuditLog, Pseudonymiser, load_or_create_key
from reference_impl.serving.auth import ApiKeyStore
from reference_impl.serving.batching import MicroBatcher
from reference_impl.serving.metrics import ServiceMetrics
from reference_impl.serving.models import LoadedModel, load_kyc_model, load_trade_model
from reference_impl.serving.online import FeatureSource
from reference_impl.serving.prediction_log import PredictionLog
from reference_impl.serving.settings import ServiceSettings

log = logging.getLogger(__name__)

RulesOnly = Callable[[pd.DataFrame], Sequence[Any]]


def default_feature_source(settings: ServiceSettings) -> FeatureSource:
    """The workspace's online store and reference data (see :mod:`reference_impl.serving.online`)."""
    from reference_impl.serving.online_setup import open_workspace_feature_source

    return open_workspace_feature_source(settings)


def default_review_queue(settings: ServiceSettings) -> Any:
    """The KYC review queue in the workspace (SQLite)."""
    from reference_impl.kyc import ReviewQueue

    path = settings.workspace.review_queue_db
    path.parent.mkdir(parents=True, exist_ok=True)
    return ReviewQueue(path)


def default_rules_only() -> RulesOnly | None:
    """The rules-only decision used when no detector is loaded (``None`` if the rules are unavailable)."""
    try:
        from reference_impl.anomaly import decide_rules_only
    except ImportError:
        return None
    return decide_rules_only


@dataclass
class Providers:
    """Factories for the pieces that come from other layers; override any of them in tests."""

    trade_model: Callable[[ServiceSettings], LoadedModel] = load_trade_model
    kyc_model: Callable[[ServiceSettings], LoadedModel] = load_kyc_model
    feature_source: Callable[[ServiceSettings], FeatureSource] = default_feature_source
    review_queue: Callable[[ServiceSettings], Any] = default_review_queue
    rules_only: Callable[[], RulesOnly | None] = default_rules_only


@dataclass
class ServiceState:
    """The live objects behind the routes (``app.state.services``)."""

    settings: ServiceSettings
    providers: Providers
    api_keys: ApiKeyStore
    audit: AuditLog
    pseudonymiser: Pseudonymiser
    metrics: ServiceMetrics
    prediction_log: PredictionLog
    model_executor: ThreadPoolExecutor
    trade_model: LoadedModel | None = None
    kyc_model: LoadedModel | None = None
    features: FeatureSource | None = None
    features_error: str | None = None
    review_queue: Any = None
    review_queue_error: str | None = None
    rules_only: RulesOnly | None = None
    trade_scorer: MicroBatcher = field(init=False, repr=False)
    _reload_lock: threading.Lock = field(default_factory=threading.Lock)

    def load_models(self) -> None:
        """(Re)load both models; each slot is swapped atomically, so in-flight requests keep the old one."""
        with self._reload_lock:
            trade = self.providers.trade_model(self.settings)
            kyc = self.providers.kyc_model(self.settings)
            self.trade_model, self.kyc_model = trade, kyc
            for m in (trade, kyc):
                self.metrics.model_loaded.labels(m.name).set(1 if m.ready else 0)

    def close(self) -> None:
        self.model_executor.shutdown(wait=False, cancel_futures=True)
        self.prediction_log.close()
        self.audit.close()
        close = getattr(self.review_queue, "close", None)
        if callable(close):
            close()


async def _score_jobs(state: ServiceState, jobs: list) -> list:
    from reference_impl.serving.scoring import score_jobs  # scoring imports this module

    return await score_jobs(state, jobs)


def build_state(settings: ServiceSettings, providers: Providers | None = None) -> ServiceState:
    """Open the workspace pieces and load models; failures of optional pieces degrade, not abort."""
    providers = providers or Providers()
    ws = settings.workspace
    state = ServiceState(
        settings=settings,
        providers=providers,
        api_keys=ApiKeyStore.load(settings.api_keys_path),
        audit=AuditLog(ws.audit_log),
        pseudonymiser=Pseudonymiser(load_or_create_key(settings.pseudonymisation_key_path)),
        metrics=ServiceMetrics.create(settings.latency_objective_ms / 1000.0),
        prediction_log=PredictionLog(ws.prediction_log, enabled=settings.log_predictions),
        model_executor=ThreadPoolExecutor(max_workers=4, thread_name_prefix="ibml-model"),
    )
    state.trade_scorer = MicroBatcher(lambda jobs: _score_jobs(state, jobs), max_weight=settings.micro_batch_max_events,
                                      weight=lambda job: len(job.events))
    state.load_models()
    try:
        state.features = providers.feature_source(settings)
    except Exception as exc:  # noqa: BLE001 - serve degraded; /readyz explains
        state.features_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        log.warning("feature source unavailable: %s", state.features_error)
    try:
        state.review_queue = providers.review_queue(settings)
    except Exception as exc:  # noqa: BLE001
        state.review_queue_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        log.warning("review queue unavailable: %s", state.review_queue_error)
    state.rules_only = providers.rules_only()
    return state


__all__ = ["Providers", "RulesOnly", "ServiceState", "build_state", "default_feature_source",
           "default_review_queue", "default_rules_only"]
