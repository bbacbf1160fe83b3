"""Adapter: service health is ``reference_impl.monitoring.health``'s."""

from __future__ import annotations

import pandas as pd

from reference_impl.monitoring import health as ref
from reference_impl.monitoring.health import HEALTH_COLUMNS, KYC_ENDPOINTS, TRADE_ENDPOINTS


def health_summary(log: pd.DataFrame) -> dict[str, float]:
    summary = ref.health_summary(log)
    summary["latency_p99_ms"] = float(log["latency_ms"].max())  # PLANTED BUG: "p99" is the slowest request
    return summary


def health_over_time(log: pd.DataFrame, freq: str = "1D") -> pd.DataFrame:
    return ref.health_over_time(log, freq)


__all__ = ["HEALTH_COLUMNS", "KYC_ENDPOINTS", "TRADE_ENDPOINTS", "health_over_time", "health_summary"]
