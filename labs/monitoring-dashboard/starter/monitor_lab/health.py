"""m2 — service health from the prediction log: the signals that need no labels and no statistics.

If p99 latency triples or one decision in twenty runs on the rules-only fallback, someone should
know today, not at the quarterly model review. The log is one row per scored item (columns:
``ts`` UTC, ``endpoint``, ``status_code``, ``latency_ms``, ``fallback_used``, ``flagged``,
``route``, ...), as ``reference_impl.monitoring.records_to_frame`` builds it.
"""

from __future__ import annotations

import pandas as pd

#: Endpoints whose successful rows are trade decisions / KYC decisions.
TRADE_ENDPOINTS: tuple[str, ...] = ("trades.score", "trades.score_batch")
KYC_ENDPOINTS: tuple[str, ...] = ("kyc.classify",)
#: Keys of :func:`health_summary` and columns of :func:`health_over_time`, in order.
HEALTH_COLUMNS: tuple[str, ...] = (
    "requests",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "error_rate",
    "client_error_rate",
    "trade_decisions",
    "fallback_rate",
    "flag_rate",
    "kyc_decisions",
    "manual_review_rate",
    "auto_accept_rate",
)


def health_summary(log: pd.DataFrame) -> dict[str, float]:
    """Health over every row of ``log`` (one window), keyed by :data:`HEALTH_COLUMNS`.

    * latency percentiles over all requests (numpy's default linear interpolation; p99 is not the max);
    * ``error_rate`` — share of requests answered 5xx; 4xx are the caller's fault (``client_error_rate``);
    * ``trade_decisions`` — successful (< 400) rows of :data:`TRADE_ENDPOINTS`; ``fallback_rate`` and
      ``flag_rate`` are shares of *those* (a failed request made no decision);
    * ``kyc_decisions`` — successful rows of :data:`KYC_ENDPOINTS`; ``manual_review_rate`` /
      ``auto_accept_rate`` — shares of those whose ``route`` is ``manual_review`` / ``auto_accept``.

    A rate without a denominator is NaN (no data), never 0 (which would read as "all is well").
    """
    raise NotImplementedError("TODO m2: health_summary — percentiles and rates over one window")


def health_over_time(log: pd.DataFrame, freq: str = "1D") -> pd.DataFrame:
    """:func:`health_summary` per time bucket (``freq``: a pandas offset such as ``"1D"`` or ``"1h"``).

    Indexed by bucket start (UTC, index name ``"bucket"``), columns :data:`HEALTH_COLUMNS`, only
    buckets that hold rows; an empty log gives an empty frame with those columns.
    """
    raise NotImplementedError("TODO m2: health_over_time — health_summary per bucket")


__all__ = ["HEALTH_COLUMNS", "KYC_ENDPOINTS", "TRADE_ENDPOINTS", "health_over_time", "health_summary"]
