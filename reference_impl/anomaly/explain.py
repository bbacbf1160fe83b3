"""Reason codes for the model's part of a decision: SHAP TreeExplainer over the isolation forest.

SHAP's TreeExplainer gives the exact Shapley values of an isolation forest's output, the mean path length
(in path-length units; the contributions add up to the row's path length minus the average one). A
*negative* value shortens the path, i.e. pushes the row towards "anomalous", so we report
``contribution = -shap_value``: positive means "made this trade look more anomalous".

The catalogue below maps each model feature to a stable reason code and a sentence a reviewer can read
(flat declarations, one per feature, like the rule set). Codes are what downstream systems count and
alert on; texts can be reworded without breaking anyone.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ReasonCode:
    """Catalogue entry: a stable code and the reviewer-facing text for a high or a low value."""

    code: str
    feature: str
    text_high: str
    text_low: str

    def text(self, value: float, direction: str) -> str:
        """The sentence for one explanation (``direction`` is ``high`` or ``low``)."""
        template = self.text_high if direction == "high" else self.text_low
        return template.format(value=value)


# ----------------------------------------------------------------------------------------------------------
# Reason-code catalogue: one entry per model feature (reference_impl.features.MODEL_FEATURES).
# ----------------------------------------------------------------------------------------------------------
REASON_CATALOGUE: dict[str, ReasonCode] = {
    rc.feature: rc
    for rc in (
        # size of the trade in USD (log10): fat fingers and unusually large tickets
        ReasonCode(
            "M_NOTIONAL_SIZE",
            "log_notional_usd",
            "unusually large notional (10^{value:.1f} USD)",
            "unusually small notional (10^{value:.1f} USD)",
        ),
        ReasonCode(
            "M_NOTIONAL_VS_LIMIT",
            "notional_to_desk_limit",
            "large share of the desk limit ({value:.0%})",
            "unusually small share of the desk limit ({value:.2%})",
        ),
        # size relative to the trader's own recent trades
        ReasonCode(
            "M_SIZE_VS_TRADER_1H",
            "notional_zscore_1h",
            "size far above the trader's last hour (z = {value:.1f})",
            "size far below the trader's last hour (z = {value:.1f})",
        ),
        ReasonCode(
            "M_SIZE_VS_TRADER_1D",
            "notional_zscore_1d",
            "size far above the trader's last day (z = {value:.1f})",
            "size far below the trader's last day (z = {value:.1f})",
        ),
        ReasonCode(
            "M_SIZE_VS_TRADER_7D",
            "notional_zscore_7d",
            "size far above the trader's last week (z = {value:.1f})",
            "size far below the trader's last week (z = {value:.1f})",
        ),
        # activity bursts (or silence) of the trader
        ReasonCode(
            "M_ACTIVITY_1H",
            "trader_trade_count_1h",
            "burst of trades by this trader in the last hour ({value:.0f})",
            "trader unusually inactive in the last hour ({value:.0f} trades)",
        ),
        ReasonCode(
            "M_ACTIVITY_1D",
            "trader_trade_count_1d",
            "many trades by this trader today ({value:.0f})",
            "few trades by this trader today ({value:.0f})",
        ),
        ReasonCode(
            "M_ACTIVITY_7D",
            "trader_trade_count_7d",
            "many trades by this trader this week ({value:.0f})",
            "few trades by this trader this week ({value:.0f})",
        ),
        # price against the market reference
        ReasonCode(
            "M_PRICE_ABOVE_REF",
            "price_deviation_bps",
            "price above the reference ({value:+.0f} bps)",
            "price below the reference ({value:+.0f} bps)",
        ),
        ReasonCode(
            "M_PRICE_OFF_MARKET",
            "abs_price_deviation_bps",
            "price far from the reference ({value:.0f} bps)",
            "price unusually close to the reference ({value:.1f} bps)",
        ),
        ReasonCode("M_TIME_OF_DAY", "off_hours", "executed outside trading hours", "executed inside trading hours"),
        # counterparty novelty
        ReasonCode(
            "M_NEW_COUNTERPARTY", "is_new_counterparty", "new counterparty for this book", "established counterparty"
        ),
        ReasonCode(
            "M_COUNTERPARTY_AGE",
            "counterparty_age_days",
            "long-standing counterparty ({value:.0f} days)",
            "recently onboarded counterparty ({value:.0f} days)",
        ),
        ReasonCode(
            "M_COUNTERPARTY_HISTORY",
            "counterparty_prior_trades",
            "many prior trades with this counterparty ({value:.0f})",
            "little history with this counterparty ({value:.0f} prior trades)",
        ),
        # booking timeliness
        ReasonCode(
            "M_BOOKING_DELAY",
            "booking_delay_s",
            "slow booking ({value:,.0f} s after execution)",
            "unusually fast booking ({value:,.0f} s)",
        ),
        ReasonCode(
            "M_BOOKING_VS_SLA",
            "booking_delay_sla_ratio",
            "booking delay at {value:.1f}x the desk SLA",
            "booking delay at {value:.2f}x the desk SLA",
        ),
        # repeated economics: duplicates and the second leg of a wash trade
        ReasonCode(
            "M_REPEATED_BOOKING",
            "duplicate_prior_bookings_1d",
            "same economics booked {value:.0f} time(s) earlier today",
            "no earlier booking with the same economics",
        ),
        ReasonCode(
            "M_OPPOSITE_MATCH",
            "opposite_side_matches_1h",
            "reverses {value:.0f} earlier trade(s) within the hour",
            "no reversing trade within the hour",
        ),
    )
}


def reason_code_for(feature: str) -> ReasonCode:
    """The catalogue entry for ``feature``, or a generic one for features outside the catalogue."""
    if feature in REASON_CATALOGUE:
        return REASON_CATALOGUE[feature]
    code = "M_" + "".join(ch if ch.isalnum() else "_" for ch in feature.upper())
    return ReasonCode(
        code, feature, f"unusually high {feature} ({{value:.4g}})", f"unusually low {feature} ({{value:.4g}})"
    )


def _tree_explainer(forest: Any) -> Any:
    with warnings.catch_warnings():
        # import-time notices only: shap's plotting module calls a matplotlib API pending deprecation, and
        # tqdm warns about missing Jupyter widgets
        warnings.simplefilter("ignore")
        import shap

        return shap.TreeExplainer(forest)


class ForestExplainer:
    """Top reasons for isolation-forest scores, from exact SHAP values.

    Parameters
    ----------
    forest : sklearn.ensemble.IsolationForest
        The fitted forest (``IsolationForestDetector.forest_``).
    feature_names : sequence of str
        Column names in the forest's order.
    medians : array-like
        Training medians: a value above its median is reported as ``high``, below as ``low``.

    Notes
    -----
    The SHAP explainer is built on first use and never pickled (it is rebuilt after loading), so a saved
    detector stays small and does not depend on SHAP's internal classes.
    """

    def __init__(self, forest: Any, feature_names: Sequence[str], medians: Any) -> None:
        self.forest = forest
        self.feature_names = [str(f) for f in feature_names]
        self.medians = np.asarray(medians, dtype=np.float64)
        self._explainer: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_explainer"] = None
        return state

    def warm_up(self) -> ForestExplainer:
        """Build the SHAP explainer now (importing shap and walking the trees takes seconds, once)."""
        if self._explainer is None:
            self._explainer = _tree_explainer(self.forest)
        return self

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-feature push towards "anomalous" (``-shap``), shape (n_rows, n_features)."""
        self.warm_up()
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # X without feature names for a named forest
            values = self._explainer.shap_values(X.astype(np.float32).astype(np.float64), check_additivity=False)
        return -np.asarray(values, dtype=np.float64).reshape(X.shape)

    def reasons(self, X: np.ndarray, k: int) -> list[list[dict[str, Any]]]:
        """The ``k`` strongest positive contributions per row, as reason dicts (source ``model``).

        Each reason: ``code``, ``text``, ``source``, ``feature``, ``value``, ``direction``, ``contribution``.
        Features that pushed towards "normal" are never reported as reasons.
        """
        if k <= 0 or len(X) == 0:
            return [[] for _ in range(len(X))]
        X = np.asarray(X, dtype=np.float64)
        contrib = self.contributions(X)
        out: list[list[dict[str, Any]]] = []
        for row, c in zip(X, contrib):
            order = np.argsort(-c, kind="stable")[:k]
            reasons = []
            for j in order:
                if c[j] <= 0:
                    break
                feature = self.feature_names[j]
                direction = "high" if row[j] >= self.medians[j] else "low"
                rc = reason_code_for(feature)
                reasons.append(
                    {
                        "code": rc.code,
                        "text": rc.text(float(row[j]), direction),
                        "source": "model",
                        "feature": feature,
                        "value": float(row[j]),
                        "direction": direction,
                        "contribution": round(float(c[j]), 6),
                    }
                )
            out.append(reasons)
        return out


__all__ = ["ForestExplainer", "REASON_CATALOGUE", "ReasonCode", "reason_code_for"]
