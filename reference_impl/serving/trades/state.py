"""The trade room's live objects: the detector slot, the feature source, the rules fallback, the batcher.

:class:`TradesProviders` says *how* to build each piece; tests and notebooks pass fakes there (see
``reference_impl.serving.trades.testing``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reference_impl.serving.batching import MicroBatcher
from reference_impl.serving.models import LoadedModel
from reference_impl.serving.settings import ServiceSettings
from reference_impl.serving.trades.features import FeatureSource, open_workspace_feature_source
from reference_impl.serving.trades.models import RulesOnly, TradeDetector, default_rules_only, load_trade_model

if TYPE_CHECKING:
    from reference_impl.serving.state import ServiceState

log = logging.getLogger(__name__)


@dataclass
class TradesProviders:
    """Factories for the trade room's pieces; override any of them in tests."""

    trade_model: Callable[[ServiceSettings], LoadedModel[TradeDetector]] = load_trade_model
    feature_source: Callable[[ServiceSettings], FeatureSource] = open_workspace_feature_source
    rules_only: Callable[[], RulesOnly | None] = default_rules_only


@dataclass
class TradesState:
    """What the trade routes use (``ServiceState.room("trades", TradesState)``)."""

    core: ServiceState
    providers: TradesProviders
    model_executor: ThreadPoolExecutor
    trade_model: LoadedModel[TradeDetector] | None = None
    features: FeatureSource | None = None
    features_error: str | None = None
    rules_only: RulesOnly | None = None
    scorer: MicroBatcher = field(init=False, repr=False)
    _reload_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def settings(self) -> ServiceSettings:
        return self.core.settings

    def models(self) -> list[LoadedModel]:
        return [self.trade_model] if self.trade_model is not None else []

    def load_models(self) -> None:
        """(Re)load the detector; the slot is swapped atomically, so in-flight requests keep the old one."""
        with self._reload_lock:
            self.trade_model = self.providers.trade_model(self.settings)

    def checks(self) -> list[tuple[str, bool, str]]:
        model = (
            self.trade_model.check("trade_model")
            if self.trade_model
            else ("trade_model", False, "trade_model: missing")
        )
        if self.features is None:
            return [model, ("online_store", False, f"online_store: {self.features_error or 'not configured'}")]
        ok, detail = self.features.check()
        return [model, ("online_store", ok, f"online_store: {detail}")]

    def close(self) -> None:
        self.model_executor.shutdown(wait=False, cancel_futures=True)


__all__ = ["TradesProviders", "TradesState"]
