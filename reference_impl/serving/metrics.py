"""Prometheus metrics for the service, on a registry owned by one app (tests build many apps).

Latency buckets always include the latency objective, so "share of requests under the SLO" is an
exact bucket count in PromQL (``le="0.025"``), not an interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_BASE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def latency_buckets(objective_s: float) -> tuple[float, ...]:
    """Default buckets plus the objective (sorted, no duplicates).

    >>> latency_buckets(0.03)[:7]
    (0.001, 0.0025, 0.005, 0.01, 0.025, 0.03, 0.05)
    """
    return tuple(sorted(set(_BASE_BUCKETS) | {round(objective_s, 6)}))


@dataclass
class ServiceMetrics:
    """The service's metric families, registered on their own :class:`CollectorRegistry`."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    model_latency: Histogram
    fallbacks: Counter
    decisions: Counter
    audit_failures: Counter
    model_loaded: Gauge
    batch_events: Histogram

    @classmethod
    def create(cls, latency_objective_s: float) -> ServiceMetrics:
        reg = CollectorRegistry(auto_describe=True)
        buckets = latency_buckets(latency_objective_s)
        return cls(
            registry=reg,
            requests=Counter(
                "ibml_requests",
                "HTTP requests by route template and status code",
                ["endpoint", "method", "status"],
                registry=reg,
            ),
            latency=Histogram(
                "ibml_request_latency_seconds",
                "End-to-end request latency (server side)",
                ["endpoint"],
                buckets=buckets,
                registry=reg,
            ),
            model_latency=Histogram(
                "ibml_model_latency_seconds",
                "Time spent in the model (or rules fallback)",
                ["model"],
                buckets=buckets,
                registry=reg,
            ),
            fallbacks=Counter(
                "ibml_fallbacks",
                "Decisions answered by the rules-only fallback, by reason",
                ["endpoint", "reason"],
                registry=reg,
            ),
            decisions=Counter(
                "ibml_decisions",
                "Decisions by outcome (flagged/clear, KYC route)",
                ["endpoint", "decision"],
                registry=reg,
            ),
            audit_failures=Counter(
                "ibml_audit_failures", "Requests refused because the audit write failed", registry=reg
            ),
            model_loaded=Gauge("ibml_model_loaded", "1 when the model is loaded and usable", ["model"], registry=reg),
            batch_events=Histogram(
                "ibml_score_batch_events",
                "Events scored together in one micro-batch (one feature read, model call and audit fsync)",
                buckets=(1, 2, 4, 8, 16, 32, 64, 128),
                registry=reg,
            ),
        )

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


__all__ = ["ServiceMetrics", "latency_buckets"]
