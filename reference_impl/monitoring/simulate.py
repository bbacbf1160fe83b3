"""A synthetic prediction log with known incidents, to develop and teach monitoring against.

The real log comes from the service; this one has the incidents planted on purpose so a test or a
notebook can check that monitoring finds them:

* a **drift episode** from ``drift_start_day``: market volatility doubles ``price_deviation_bps`` and
  booking delays lengthen, so more trades are flagged and more of the flags are false positives;
  a new document template lowers KYC confidence, so fewer documents are auto-accepted;
* a **fallback episode** on ``fallback_day``: the model is unavailable for a few hours and decisions
  run on rules only;
* a **latency spike** and a burst of 5xx errors on ``latency_spike_day``;
* **late labels**: reviewers label flagged trades and manually-reviewed documents (plus a 5 % audit
  sample of auto-accepted ones) one to five days after the decision, so the last days are only
  partly labelled when the log is read.

Every draw comes from ``numpy.random.default_rng(seed)``: same arguments, same records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reference_impl.errors import ConfigError

#: Numeric features the simulated trade model logs (names follow the serving contract's ``features`` dict).
TRADE_FEATURES: tuple[str, ...] = (
    "price_deviation_bps",
    "notional_usd_log",
    "notional_zscore",
    "booking_delay_min",
    "minutes_outside_hours",
    "counterparty_trades_30d",
    "trader_trades_today",
    "quantity_lot_ratio",
)
KYC_CLASSES: tuple[str, ...] = (
    "passport",
    "national_id",
    "utility_bill",
    "bank_statement",
    "certificate_of_incorporation",
    "register_of_directors",
    "proof_of_address",
)
TRADE_THRESHOLD = 0.5
MODEL_VERSION = "trade-anomaly/3"
KYC_MODEL_VERSION = "kyc-classifier/2"


@dataclass(frozen=True)
class SimulatedLog:
    """The records the service would have written, and the outcome labels reviewers sent later."""

    predictions: list[dict]
    outcomes: list[dict]


def simulate_prediction_log(
    *,
    n_days: int = 14,
    trades_per_day: int = 1500,
    kyc_per_day: int = 200,
    start: str = "2026-11-02",
    drift_start_day: int | None = 11,
    fallback_day: int | None = 12,
    latency_spike_day: int | None = 13,
    seed: int = 0,
) -> SimulatedLog:
    """Simulate ``n_days`` of trade scoring and KYC classification with the incidents described above.

    Examples
    --------
    >>> log = simulate_prediction_log(n_days=2, trades_per_day=10, kyc_per_day=5, drift_start_day=None,
    ...                               fallback_day=None, latency_spike_day=None)
    >>> len(log.predictions), sorted(log.predictions[0])[:4]
    (30, ['caller_role', 'confidence', 'decision', 'endpoint'])
    """
    if n_days < 1 or trades_per_day < 0 or kyc_per_day < 0:
        raise ConfigError(
            f"simulate_prediction_log: n_days={n_days}, trades_per_day={trades_per_day}, kyc_per_day={kyc_per_day} must be positive"
        )
    rng = np.random.default_rng(seed)
    day0 = pd.Timestamp(start, tz="UTC")
    end = day0 + pd.Timedelta(days=n_days)
    predictions: list[dict] = []
    outcomes: list[dict] = []
    for day in range(n_days):
        drifting = drift_start_day is not None and day >= drift_start_day
        predictions_day: list[dict] = []
        outcomes_day: list[dict] = []
        _trades(
            rng,
            day0 + pd.Timedelta(days=day),
            day,
            trades_per_day,
            drifting,
            day == fallback_day,
            day == latency_spike_day,
            end,
            predictions_day,
            outcomes_day,
        )
        _kyc(rng, day0 + pd.Timedelta(days=day), day, kyc_per_day, drifting, end, predictions_day, outcomes_day)
        predictions.extend(predictions_day)
        outcomes.extend(outcomes_day)
    predictions.sort(key=lambda r: (r["ts"], r["request_id"]))
    outcomes.sort(key=lambda r: (r["ts"], r["request_id"]))
    return SimulatedLog(predictions=predictions, outcomes=outcomes)


def _iso(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _times(rng: np.random.Generator, day_start: pd.Timestamp, n: int) -> list[pd.Timestamp]:
    # business-hours heavy intraday profile: most traffic 07:00-17:00 UTC
    hours = np.clip(rng.normal(12.0, 3.0, size=n), 0.0, 23.999)
    return [day_start + pd.Timedelta(seconds=float(h) * 3600.0) for h in np.sort(hours)]


def _latency(rng: np.random.Generator, n: int, spike: np.ndarray) -> np.ndarray:
    base = rng.lognormal(np.log(9.0), 0.35, size=n)
    return np.round(np.where(spike, base * rng.uniform(8, 25, size=n), base), 3)


def _trades(rng, day_start, day, n, drifting, fallback_day, spike_day, end, predictions, outcomes) -> None:
    vol = 2.0 if drifting else 1.0
    f = {
        "price_deviation_bps": rng.normal(0.0, 12.0 * vol, size=n),
        "notional_usd_log": rng.normal(14.0, 1.2, size=n),
        "notional_zscore": rng.standard_normal(n),
        "booking_delay_min": rng.exponential(12.0 if drifting else 8.0, size=n),
        "minutes_outside_hours": np.where(rng.random(n) < 0.9, 0.0, rng.exponential(45.0, size=n)),
        "counterparty_trades_30d": rng.poisson(40, size=n).astype(float),
        "trader_trades_today": rng.poisson(25, size=n).astype(float),
        "quantity_lot_ratio": rng.lognormal(3.0, 0.8, size=n),
    }
    anomalous = rng.random(n) < 0.008
    f["price_deviation_bps"] = np.where(
        anomalous & (rng.random(n) < 0.5), rng.normal(0, 150, size=n), f["price_deviation_bps"]
    )
    f["notional_zscore"] = np.where(anomalous, f["notional_zscore"] + rng.uniform(3, 6, size=n), f["notional_zscore"])
    z = (
        np.abs(f["price_deviation_bps"]) / 12.0 * 0.9
        + np.maximum(f["notional_zscore"], 0) * 0.9
        + f["booking_delay_min"] / 30.0
        + f["minutes_outside_hours"] / 120.0
        + rng.normal(0, 0.3, size=n)
    )
    score = np.round(1.0 / (1.0 + np.exp(-(z - 3.6) * 2.2)), 6)
    times = _times(rng, day_start, n)
    hour = np.array([t.hour for t in times])
    fallback = fallback_day & (hour >= 9) & (hour < 12)
    fallback |= rng.random(n) < 0.002
    spike = spike_day & (hour >= 13) & (hour < 15)
    errors = rng.random(n) < (0.04 if spike_day else 0.002)
    errors &= ~fallback
    latency = _latency(rng, n, spike)
    for i in range(n):
        trade_id = f"T{day:03d}{i:06d}"
        rec = {
            "ts": _iso(times[i]),
            "request_id": f"req-t-{day:03d}-{i:06d}",
            "trade_id": trade_id,
            "endpoint": "trades.score",
            "status_code": 200,
            "latency_ms": float(latency[i]),
            "model_name": "trade-anomaly",
            "model_version": MODEL_VERSION,
            "ruleset_version": "rules-2026.10",
            "fallback_used": False,
            "fallback_reason": None,
            "score": None,
            "flagged": None,
            "decision": None,
            "route": None,
            "confidence": None,
            "reason_codes": [],
            "features": {k: round(float(v[i]), 4) for k, v in f.items()},
            "caller_role": "service",
        }
        if errors[i]:
            rec.update(status_code=500, features={})
            predictions.append(rec)
            continue
        flagged = bool(score[i] >= TRADE_THRESHOLD)
        if fallback[i]:
            # rules only: flag the obvious off-market prices, nothing else
            flagged = bool(abs(f["price_deviation_bps"][i]) > 100)
            rec.update(fallback_used=True, fallback_reason="model_unavailable", model_version=None)
        else:
            rec["score"] = float(score[i])
        rec.update(
            flagged=flagged,
            decision="flag" if flagged else "clear",
            reason_codes=(["PRICE_OFF_MARKET"] if abs(f["price_deviation_bps"][i]) > 40 else ["NOTIONAL_OUTLIER"])
            if flagged
            else [],
        )
        predictions.append(rec)
        if flagged:
            # noisy flags raised by volatility are mostly false positives
            p_true = 0.85 if anomalous[i] else 0.18
            delay = pd.Timedelta(hours=float(rng.uniform(24, 120)))
            label = "anomaly" if rng.random() < p_true else "normal"
            if times[i] + delay < end:
                outcomes.append(
                    {
                        "request_id": rec["request_id"],
                        "trade_id": trade_id,
                        "ts": _iso(times[i] + delay),
                        "label": label,
                        "reviewer": f"rev-{int(rng.integers(1, 7)):02d}",
                    }
                )


def _kyc(rng, day_start, day, n, drifting, end, predictions, outcomes) -> None:
    times = _times(rng, day_start, n)
    true = rng.integers(0, len(KYC_CLASSES), size=n)
    confidence = np.clip(rng.beta(9 if not drifting else 4, 1.2, size=n), 0.05, 0.9999)
    correct = rng.random(n) < np.clip(confidence + 0.02, 0, 0.999)
    wrong = (true + rng.integers(1, len(KYC_CLASSES), size=n)) % len(KYC_CLASSES)
    predicted = np.where(correct, true, wrong)
    latency = _latency(rng, n, np.zeros(n, dtype=bool)) * 1.5
    for i in range(n):
        route = (
            "auto_accept" if confidence[i] >= 0.9 else ("reject_unknown" if confidence[i] < 0.2 else "manual_review")
        )
        doc_id = f"D{day:03d}{i:05d}"
        rec = {
            "ts": _iso(times[i]),
            "request_id": f"req-k-{day:03d}-{i:05d}",
            "doc_id": doc_id,
            "endpoint": "kyc.classify",
            "status_code": 200,
            "latency_ms": float(np.round(latency[i], 3)),
            "model_name": "kyc-classifier",
            "model_version": KYC_MODEL_VERSION,
            "ruleset_version": None,
            "fallback_used": False,
            "fallback_reason": None,
            "score": None,
            "flagged": None,
            "decision": route,
            "label": KYC_CLASSES[predicted[i]],
            "confidence": round(float(confidence[i]), 4),
            "reason_codes": [],
            "features": {},
            "caller_role": "service",
        }
        predictions.append(rec)
        audited = route == "auto_accept" and rng.random() < 0.05
        if route == "manual_review" or audited:
            delay = pd.Timedelta(hours=float(rng.uniform(12, 96)))
            if times[i] + delay < end:
                outcomes.append(
                    {
                        "request_id": rec["request_id"],
                        "doc_id": doc_id,
                        "ts": _iso(times[i] + delay),
                        "label": KYC_CLASSES[true[i]],
                        "reviewer": f"kyc-{int(rng.integers(1, 5)):02d}",
                    }
                )


__all__ = ["SimulatedLog", "simulate_prediction_log", "TRADE_FEATURES", "KYC_CLASSES", "TRADE_THRESHOLD"]
