"""The catalogue of labelled trade anomalies and the rules that create them.

Each anomaly is *injected* into otherwise normal trade flow by a documented rule. The rules are
relative (to a trader's usual size, to the reference price at execution, to the desk's local
hours and SLA), so no single raw column separates anomalies from normal trades: a detector
needs features such as "quantity / trader median" or "bps from reference".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from reference_impl.errors import ConfigError


@dataclass(frozen=True)
class AnomalySpec:
    """One anomaly type: its name, the rule that generates it and the signal a detector needs."""

    name: str
    rule: str
    signal: str


#: The seven anomaly types, in a fixed order (the order matters for determinism).
ANOMALY_TYPES: tuple[AnomalySpec, ...] = (
    AnomalySpec(
        "fat_finger",
        "quantity set to 10-1000x (log-uniform) the trader's own median quantity",
        "quantity relative to the trader's history, not the global quantity",
    ),
    AnomalySpec(
        "off_market_price",
        "price set 8-30 standard deviations of the asset class's normal price scatter "
        "away from the reference price at execution (e.g. 50-180 bps for equities)",
        "bps distance from the reference price, scaled by the asset class's usual scatter",
    ),
    AnomalySpec(
        "off_hours",
        "executed (and booked) 2 h or more outside the desk's local trading hours, in the "
        "desk's own time zone (normal flow includes pre-/post-market trades up to 1 h out)",
        "execution time in the desk's local time zone",
    ),
    AnomalySpec(
        "large_new_counterparty",
        "notional 5-20x the trader's median with a counterparty onboarded at most 30 days "
        "earlier (normal trades with new counterparties stay below 3x)",
        "counterparty age at execution combined with size relative to the trader",
    ),
    AnomalySpec(
        "wash_trade",
        "a pair of trades by one trader in one instrument with one counterparty, opposite "
        "sides, identical quantity, within 1-20 minutes at nearly the same price (both legs "
        "labelled)",
        "matching opposite-side pairs per trader/instrument/counterparty in a short window",
    ),
    AnomalySpec(
        "duplicate_booking",
        "a second booking of an existing trade (same economics and execution time, new "
        "trade id) 1 minute to 4 hours later, half of them via the MANUAL system (the "
        "duplicate is labelled, the original is not)",
        "identical economics and exec_ts under two trade ids",
    ),
    AnomalySpec(
        "late_booking",
        "booked later than the desk's booking SLA: 1.5-6x the SLA, or the next morning "
        "(normal bookings are always inside the SLA)",
        "booking delay (booking_ts - exec_ts) relative to the desk's SLA",
    ),
)
ANOMALY_NAMES: tuple[str, ...] = tuple(spec.name for spec in ANOMALY_TYPES)
DEFAULT_ANOMALY_RATE = 0.007
#: Normal price scatter (standard deviation, bps) around the reference price per asset class.
PRICE_SCATTER_BPS: dict[str, float] = {"equity": 6.0, "fx": 1.5, "govt_bond": 3.0, "irs": 4.0}


def anomaly_rates(anomaly_rate: float | Mapping[str, float]) -> dict[str, float]:
    """Per-type rates from a total rate (split evenly) or an explicit mapping.

    >>> anomaly_rates(0.007)["fat_finger"]
    0.001
    >>> anomaly_rates({"wash_trade": 0.01})["fat_finger"]
    0.0
    """
    if isinstance(anomaly_rate, Mapping):
        unknown = sorted(set(anomaly_rate) - set(ANOMALY_NAMES))
        if unknown:
            raise ConfigError(f"unknown anomaly type(s) {unknown}; known: {list(ANOMALY_NAMES)}")
        rates = {name: float(anomaly_rate.get(name, 0.0)) for name in ANOMALY_NAMES}
    else:
        if isinstance(anomaly_rate, bool) or not isinstance(anomaly_rate, (int, float)):
            raise ConfigError(f"anomaly_rate must be a number or a mapping, got {anomaly_rate!r}")
        rates = {name: round(float(anomaly_rate) / len(ANOMALY_NAMES), 12) for name in ANOMALY_NAMES}
    bad = {k: v for k, v in rates.items() if not 0.0 <= v <= 0.2 or v != v}
    if bad:
        raise ConfigError(f"anomaly rates must be within [0, 0.2], got {bad}")
    if sum(rates.values()) > 0.5:
        raise ConfigError(f"total anomaly rate must be <= 0.5, got {sum(rates.values()):.3f}")
    return rates


def anomaly_counts(n_events: int, rates: Mapping[str, float]) -> dict[str, int]:
    """Labelled rows per type for ``n_events`` events (wash trades come in pairs, so even)."""
    counts = {name: int(round(rates[name] * n_events)) for name in ANOMALY_NAMES}
    counts["wash_trade"] -= counts["wash_trade"] % 2
    return counts


def fat_finger_quantity(rng: np.random.Generator, trader_median: np.ndarray) -> np.ndarray:
    """10-1000x the trader's median quantity, log-uniform."""
    return trader_median * 10.0 ** rng.uniform(1.0, 3.0, len(trader_median))


def off_market_price(rng: np.random.Generator, reference: np.ndarray, scatter_bps: np.ndarray) -> np.ndarray:
    """A price 8-30 scatter-sigmas above or below the reference price."""
    k = rng.uniform(8.0, 30.0, len(reference)) * rng.choice(np.array([-1.0, 1.0]), len(reference))
    return reference * (1.0 + k * scatter_bps / 1e4)


def off_hours_minutes(rng: np.random.Generator, open_min: np.ndarray, close_min: np.ndarray) -> np.ndarray:
    """Local minutes after the day's start, >= 2 h after close and >= 2 h before the next open.

    Values >= 1440 fall on the next calendar day (the caller adds the day).
    """
    closed_span = 1440 - (close_min - open_min) - 240
    return close_min + 120 + rng.uniform(0.0, 1.0, len(open_min)) * closed_span


def late_booking_delay_s(
    rng: np.random.Generator, sla_min: np.ndarray, exec_local_min: np.ndarray, open_min: np.ndarray
) -> np.ndarray:
    """Delay in seconds: 1.5-6x the SLA (60 %) or the next local morning after the open (40 %)."""
    n = len(sla_min)
    multiple = sla_min * rng.uniform(1.5, 6.0, n)
    next_morning = 1440 - exec_local_min + open_min + rng.uniform(0.0, 120.0, n)
    delay_min = np.where(rng.random(n) < 0.6, multiple, np.maximum(next_morning, 1.5 * sla_min))
    return delay_min * 60.0


__all__ = [
    "ANOMALY_NAMES",
    "ANOMALY_TYPES",
    "AnomalySpec",
    "DEFAULT_ANOMALY_RATE",
    "PRICE_SCATTER_BPS",
    "anomaly_counts",
    "anomaly_rates",
    "fat_finger_quantity",
    "late_booking_delay_s",
    "off_hours_minutes",
    "off_market_price",
]
