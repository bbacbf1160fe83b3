"""The trade room's model: what the pipeline calls (:class:`TradeDetector`) and how it is loaded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from reference_impl.serving.models import LoadedModel, load_configured
from reference_impl.serving.settings import ServiceSettings

TRADE_MODEL_NAME = "trade-anomaly"

#: A rules-only decision over a feature frame: the fallback when no detector is loaded.
RulesOnly = Callable[[pd.DataFrame], Sequence[Any]]


@runtime_checkable
class TradeDetector(Protocol):
    """What the trade pipeline needs from a model (``reference_impl.anomaly.TradeAnomalyDetector`` is one).

    Both methods take the request-time feature frame (one row per event, ``trade_id`` included) and
    return one ``reference_impl.anomaly.Decision`` (or a dict with its fields) per row, in order.
    """

    def decide(self, features: pd.DataFrame) -> Sequence[Any]: ...

    def decide_rules_only(self, features: pd.DataFrame) -> Sequence[Any]: ...


def _load_detector(path: Path) -> TradeDetector:
    from reference_impl.anomaly import load_detector

    return load_detector(path)


def load_trade_model(settings: ServiceSettings) -> LoadedModel[TradeDetector]:
    """The trade-anomaly detector from the configured source (registry ``@champion``, workspace file, none)."""
    return load_configured(settings, TRADE_MODEL_NAME, settings.resolved_trade_model_path(), _load_detector)


def default_rules_only() -> RulesOnly:
    """The rules-only decision used when no detector is loaded."""
    from reference_impl.anomaly import decide_rules_only

    return decide_rules_only


__all__ = ["TRADE_MODEL_NAME", "RulesOnly", "TradeDetector", "default_rules_only", "load_trade_model"]
