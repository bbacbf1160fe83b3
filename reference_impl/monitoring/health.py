"""Service health from the prediction log: latency percentiles, error, fallback, flag and review rates.

These are the signals that need no labels and no statistics: if p99 latency triples or one decision
in twenty runs on the rules-only fallback, someone should know today, not at the quarterly review.

Definitions (all over the rows of a window or time bucket):

* ``error_rate`` — share of requests answered 5xx (4xx are the caller's fault: ``client_error_rate``);
* ``fallback_rate`` — share of successful *trade* decisions taken by the rules-only fallback;
* ``flag_rate`` — share of successful trade decisions flagged for review;
* ``manual_review_rate`` / ``auto_accept_rate`` — share of successful KYC classifications routed so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRADE_ENDPOINTS: tuple[str, ...] = ("trades.score", "trades.score_batch")
KYC_ENDPOINTS: tuple[str, ...] = ("kyc.classify",)
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
    """Health metrics over all rows of ``log`` (one window); rates are NaN when there is no denominator.

    >>> from reference_impl.monitoring.logs import records_to_frame
    >>> rows = [{"ts": "2026-11-02T09:00:00Z", "endpoint": "trades.score", "status_code": s, "latency_ms": 10.0,
    ...          "flagged": f, "fallback_used": False} for s, f in [(200, True), (200, False), (500, None)]]
    >>> h = health_summary(records_to_frame(rows))
    >>> h["requests"], round(h["error_rate"], 3), h["flag_rate"]
    (3, 0.333, 0.5)
    """
    status = log["status_code"].to_numpy()
    ok = status < 400
    trades = log["endpoint"].isin(TRADE_ENDPOINTS).to_numpy() & ok
    kyc = log["endpoint"].isin(KYC_ENDPOINTS).to_numpy() & ok
    latency = log["latency_ms"].to_numpy(dtype=float)
    p50, p95, p99 = np.percentile(latency, [50, 95, 99]) if len(latency) else (np.nan,) * 3
    route = log["route"].to_numpy(dtype=object)
    return {
        "requests": int(len(log)),
        "latency_p50_ms": float(p50),
        "latency_p95_ms": float(p95),
        "latency_p99_ms": float(p99),
        "error_rate": _rate(status >= 500, np.ones(len(log), dtype=bool)),
        "client_error_rate": _rate((status >= 400) & (status < 500), np.ones(len(log), dtype=bool)),
        "trade_decisions": int(trades.sum()),
        "fallback_rate": _rate(log["fallback_used"].to_numpy(dtype=bool), trades),
        "flag_rate": _rate(log["flagged"].fillna(False).to_numpy(dtype=bool), trades),
        "kyc_decisions": int(kyc.sum()),
        "manual_review_rate": _rate(route == "manual_review", kyc),
        "auto_accept_rate": _rate(route == "auto_accept", kyc),
    }


def health_over_time(log: pd.DataFrame, freq: str = "1D") -> pd.DataFrame:
    """:func:`health_summary` per time bucket (``freq`` is a pandas offset: ``"1h"``, ``"1D"``), indexed by bucket start."""
    if log.empty:
        return pd.DataFrame(columns=list(HEALTH_COLUMNS))
    buckets = log["ts"].dt.floor(freq)
    rows = {bucket: health_summary(group) for bucket, group in log.groupby(buckets, sort=True)}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(HEALTH_COLUMNS))
    frame.index.name = "bucket"
    return frame


def _rate(event: np.ndarray, population: np.ndarray) -> float:
    n = int(population.sum())
    return float((event & population).sum() / n) if n else float("nan")


__all__ = ["HEALTH_COLUMNS", "TRADE_ENDPOINTS", "KYC_ENDPOINTS", "health_summary", "health_over_time"]
