"""Outcomes analysis: join late reviewer labels back to the decisions they judge.

Drift says the inputs changed; only outcomes say whether the *decisions* got worse. Labels are late
(a reviewer closes an alert days after it was raised) and partial (only flagged trades, manually
reviewed documents and an audit sample of auto-accepted ones get labelled), so every rate here comes
with the number of labels behind it and the share of decisions labelled so far (``label_coverage``).
Read a recent day's precision with its coverage in mind: the alerts closed first are not a random sample.

Trade labels: ``anomaly``/``confirmed``/``true_positive`` count as a true alert,
``normal``/``dismissed``/``false_positive`` as a false one. KYC labels are the true document class.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from reference_impl.errors import DataValidationError
from reference_impl.monitoring.health import KYC_ENDPOINTS, TRADE_ENDPOINTS

POSITIVE_TRADE_LABELS = frozenset({"anomaly", "confirmed", "true_positive"})
NEGATIVE_TRADE_LABELS = frozenset({"normal", "dismissed", "false_positive"})
OUTCOME_SERIES_COLUMNS: tuple[str, ...] = (
    "flagged",
    "flagged_labelled",
    "label_coverage",
    "alert_precision",
    "auto_accepted",
    "auto_accept_labelled",
    "auto_accept_accuracy",
)


def join_outcomes(log: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Successful decisions from ``log`` with their latest label (``label``, ``label_ts``, ``label_delay_h``).

    An outcome matches on its trade/doc id when it carries one (exact even inside a batch request),
    else on ``request_id``.
    When a decision was labelled twice the later label wins (reviewers correct each other).
    """
    decisions = log.loc[log["status_code"] < 400].copy()
    labels = outcomes.sort_values("ts", kind="stable")
    # an item id is exact; a request id is ambiguous for batch requests, so it is only the fallback
    by_item = labels.dropna(subset=["item_id"]).drop_duplicates("item_id", keep="last").set_index("item_id")
    by_request = (
        labels.loc[labels["item_id"].isna()]
        .dropna(subset=["request_id"])
        .drop_duplicates("request_id", keep="last")
        .set_index("request_id")
    )
    label = pd.Series(None, index=decisions.index, dtype=object)
    label_ts = pd.Series(pd.NaT, index=decisions.index, dtype=labels["ts"].dtype)
    for keys, table in ((decisions["item_id"], by_item), (decisions["request_id"], by_request)):
        hit = label.isna() & keys.isin(table.index)
        if hit.any():
            label[hit] = keys[hit].map(table["label"])
            label_ts[hit] = keys[hit].map(table["ts"])
    decisions["label"] = label
    decisions["label_ts"] = label_ts
    decisions["label_delay_h"] = (decisions["label_ts"] - decisions["ts"]).dt.total_seconds() / 3600.0
    trade_rows = decisions["endpoint"].isin(TRADE_ENDPOINTS)
    unknown = set(decisions.loc[trade_rows, "label"].dropna()) - POSITIVE_TRADE_LABELS - NEGATIVE_TRADE_LABELS
    if unknown:
        raise DataValidationError(
            f"unknown trade outcome label {sorted(unknown)[0]!r}; use one of {sorted(POSITIVE_TRADE_LABELS | NEGATIVE_TRADE_LABELS)}"
        )
    return decisions


def outcome_summary(joined: pd.DataFrame) -> dict[str, float]:
    """Realised alert precision and KYC auto-accept accuracy over a window, with counts and coverage."""
    flagged, true_alert = _trade_alerts(joined)
    auto, correct = _auto_accepts(joined)
    labelled = flagged & joined["label"].notna().to_numpy()
    auto_labelled = auto & joined["label"].notna().to_numpy()
    delay = joined["label_delay_h"].dropna()
    return {
        "alerts": int(flagged.sum()),
        "alert_labels": int(labelled.sum()),
        "label_coverage": _ratio(labelled.sum(), flagged.sum()),
        "alert_precision": _ratio((true_alert & labelled).sum(), labelled.sum()),
        "auto_accepted": int(auto.sum()),
        "auto_accept_labels": int(auto_labelled.sum()),
        "auto_accept_accuracy": _ratio((correct & auto_labelled).sum(), auto_labelled.sum()),
        "median_label_delay_h": float(delay.median()) if len(delay) else float("nan"),
    }


def outcomes_over_time(joined: pd.DataFrame, freq: str = "1D") -> pd.DataFrame:
    """Per bucket of *decision* time: alerts, labels, coverage, precision, auto-accepts and their accuracy."""
    if joined.empty:
        return pd.DataFrame(columns=list(OUTCOME_SERIES_COLUMNS))
    buckets = joined["ts"].dt.floor(freq)
    rows = {}
    for bucket, group in joined.groupby(buckets, sort=True):
        s = outcome_summary(group)
        rows[bucket] = {
            "flagged": s["alerts"],
            "flagged_labelled": s["alert_labels"],
            "label_coverage": s["label_coverage"],
            "alert_precision": s["alert_precision"],
            "auto_accepted": s["auto_accepted"],
            "auto_accept_labelled": s["auto_accept_labels"],
            "auto_accept_accuracy": s["auto_accept_accuracy"],
        }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(OUTCOME_SERIES_COLUMNS))
    frame.index.name = "bucket"
    return frame


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion — honest error bars on a precision from few labels.

    >>> tuple(round(v, 3) for v in wilson_interval(8, 10))
    (0.49, 0.943)
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _trade_alerts(joined: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    trades = joined["endpoint"].isin(TRADE_ENDPOINTS).to_numpy()
    flagged = trades & joined["flagged"].fillna(False).to_numpy(dtype=bool)
    true_alert = joined["label"].isin(POSITIVE_TRADE_LABELS).to_numpy()
    return flagged, true_alert


def _auto_accepts(joined: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    auto = joined["endpoint"].isin(KYC_ENDPOINTS).to_numpy() & (joined["route"] == "auto_accept").to_numpy(dtype=bool)
    correct = (joined["label"].astype(object) == joined["decision"].astype(object)).to_numpy(dtype=bool)
    return auto, correct


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


__all__ = [
    "POSITIVE_TRADE_LABELS",
    "NEGATIVE_TRADE_LABELS",
    "OUTCOME_SERIES_COLUMNS",
    "join_outcomes",
    "outcome_summary",
    "outcomes_over_time",
    "wilson_interval",
]
