"""The trade anomaly detector: rules + isolation forest + reason codes + overrides -> one decision per trade.

Order of work for a batch of feature rows (from :func:`reference_impl.features.build_trade_features`):

1. check the frame (columns present, numeric, finite; NaN from late data is imputed with the training
   median and listed in the decision's ``imputed``);
2. score every row with the fast flat-array forest (identical to scikit-learn's scores);
3. evaluate the versioned rule set;
4. flag = model score >= threshold, or a flagging rule fired;
5. apply analyst overrides (suppress / force-flag; expired ones ignored and reported);
6. explain only the flagged rows with SHAP (it is the expensive step) and keep at most four reasons:
   overrides, then rule hits, then the features that pushed the score up most.

Every decision records the model version, the rule-set version, the feature values used, the score and
the threshold, so any alert can be replayed and defended later.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Sequence

import numpy as np
import pandas as pd

from reference_impl.anomaly.explain import ForestExplainer
from reference_impl.anomaly.forest import FastForestScorer, IsolationForestDetector
from reference_impl.anomaly.overrides import Override, OverrideSet
from reference_impl.anomaly.rules import DEFAULT_RULESET, RuleHit, RuleSet, evaluate_rules
from reference_impl.errors import DataValidationError, ModelError, ModelInputError
from reference_impl.evaluation.thresholds import ThresholdChoice, threshold_for_capacity

#: At most this many reasons per decision: a reviewer reads four, not fifteen.
MAX_REASONS = 4
RULES_ONLY = "rules_only"


def _model_features() -> list[str]:
    from reference_impl.features import MODEL_FEATURES

    return list(MODEL_FEATURES)


def _json_float(value: Any) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


@dataclass
class Decision:
    """The outcome for one trade event, with everything needed to replay and defend it.

    ``score`` is the paper's anomaly score (higher = more anomalous, ~0.5 ordinary); ``None`` on the
    rules-only fallback path. ``reasons`` holds at most four dicts with ``code``, ``text``, ``source``
    (``override|rule|model``), ``feature``, ``value`` and ``contribution`` (model reasons also carry
    ``direction``). ``expired_overrides`` names overrides that matched but had expired (ignored).
    """

    trade_id: str
    score: float | None
    threshold: float | None
    flagged: bool
    reasons: list[dict[str, Any]]
    model_version: str | None
    ruleset_version: str
    features: dict[str, float | None]
    overrides: list[str] = field(default_factory=list)
    imputed: list[str] = field(default_factory=list)
    fallback_used: bool = False
    fallback_reason: str | None = None
    expired_overrides: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (non-finite numbers become ``None``)."""
        return asdict(self)

    @property
    def reason_codes(self) -> list[str]:
        return [r["code"] for r in self.reasons]


def _rule_reason(hit: RuleHit) -> dict[str, Any]:
    value = hit.value if isinstance(hit.value, str) or hit.value is None else _json_float(hit.value)
    return {"code": hit.code, "text": hit.text, "source": "rule", "feature": hit.feature, "value": value, "contribution": None}


def _override_reason(o: Override) -> dict[str, Any]:
    verb = "suppressed" if o.action == "suppress" else "force-flagged"
    return {
        "code": "O_SUPPRESS" if o.action == "suppress" else "O_FORCE_FLAG",
        "text": f"{verb} by {o.override_id} ({o.created_by}, until {o.expires_at:%Y-%m-%d}): {o.reason}",
        "source": "override",
        "feature": ",".join(sorted(o.match)),
        "value": ",".join(str(o.match[k]) for k in sorted(o.match)),
        "contribution": None,
    }


def _trade_ids(features: pd.DataFrame) -> list[str]:
    if "trade_id" in features.columns:
        return features["trade_id"].astype(str).tolist()
    return [str(i) for i in features.index]


def _check_frame(features: Any) -> pd.DataFrame:
    if not isinstance(features, pd.DataFrame):
        raise ModelInputError(f"features must be a pandas DataFrame of feature rows, got {type(features).__name__}")
    if len(features) == 0:
        raise ModelInputError("empty batch: no feature rows to decide on")
    return features


def _resolve_overrides(
    overrides: OverrideSet | None, features: pd.DataFrame, now: datetime | None
) -> tuple[list[list[Override]], list[list[str]]]:
    if overrides is None or not overrides.overrides:
        return [[] for _ in range(len(features))], [[] for _ in range(len(features))]
    return overrides.apply(features, now or datetime.now(timezone.utc))


def _combine_flags(
    model_flag: np.ndarray, hits: list[list[RuleHit]], active: list[list[Override]]
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`final_flag` for a batch: (flagged, override applied) per row."""
    flagged = model_flag | np.fromiter((any(h.flags for h in row) for row in hits), dtype=bool, count=len(hits))
    applied = np.zeros(len(hits), dtype=bool)
    for i in (i for i, row in enumerate(active) if row):
        flagged[i] = final_flag(bool(model_flag[i]), hits[i], active[i])[0]
        applied[i] = True
    return flagged, applied


def _assemble(
    *,
    trade_ids: list[str],
    scores: Sequence[float | None],
    threshold: float | None,
    model_flag: np.ndarray,
    flagged: np.ndarray,
    applied: np.ndarray,
    hits: list[list[RuleHit]],
    active: list[list[Override]],
    expired: list[list[str]],
    feature_dicts: list[dict[str, float | None]],
    imputed: list[list[str]],
    model_reasons: dict[int, list[dict[str, Any]]],
    model_version: str | None,
    ruleset_version: str,
    fallback_reason: str | None,
    max_reasons: int,
) -> list[Decision]:
    out = []
    for i, tid in enumerate(trade_ids):
        reasons: list[dict[str, Any]] = []
        if flagged[i] or applied[i]:
            _, reasons = final_flag(bool(model_flag[i]), hits[i], active[i])
            if flagged[i]:
                reasons = reasons + model_reasons.get(i, [])
        out.append(
            Decision(
                trade_id=tid,
                score=scores[i],
                threshold=threshold,
                flagged=bool(flagged[i]),
                reasons=reasons[:max_reasons],
                model_version=model_version,
                ruleset_version=ruleset_version,
                features=feature_dicts[i],
                overrides=[o.override_id for o in active[i]],
                imputed=imputed[i],
                fallback_used=fallback_reason is not None,
                fallback_reason=fallback_reason,
                expired_overrides=expired[i],
            )
        )
    return out


def final_flag(model_flag: bool, hits: list[RuleHit], active: list[Override]) -> tuple[bool, list[dict[str, Any]]]:
    """Combine model, rules and overrides for one row: (flagged, reasons before model reasons).

    Force-flag beats suppress (when two analysts disagree, a human looks at it). A suppressed row keeps the
    override and the rule hits it hid as reasons, so the audit trail shows what was suppressed.
    """
    flagged = model_flag or any(h.flags for h in hits)
    forced = [o for o in active if o.action == "force_flag"]
    suppressed = [o for o in active if o.action == "suppress"]
    if forced:
        flagged = True
    elif suppressed:
        flagged = False
    applied = forced or suppressed
    if not flagged and not applied:
        return False, []
    rule_reasons = [_rule_reason(h) for h in hits if h.flags] + [_rule_reason(h) for h in hits if not h.flags]
    return flagged, [_override_reason(o) for o in applied] + rule_reasons


def decide_rules_only(
    features: pd.DataFrame,
    *,
    ruleset: RuleSet = DEFAULT_RULESET,
    overrides: OverrideSet | None = None,
    now: datetime | None = None,
    reason: str = RULES_ONLY,
    max_reasons: int = MAX_REASONS,
) -> list[Decision]:
    """Decisions from the rules (and overrides) alone: the fallback when the model is missing or too slow.

    ``score`` and ``threshold`` are ``None``; ``fallback_used`` is true with ``fallback_reason``.
    """
    features = _check_frame(features)
    hits = evaluate_rules(ruleset, features)
    active, expired = _resolve_overrides(overrides, features, now)
    cols = [c for c in ruleset.features if c in features.columns and pd.api.types.is_numeric_dtype(features[c])]
    values = features[cols].to_numpy(dtype=np.float64) if cols else np.empty((len(features), 0))
    feature_dicts = [{c: _json_float(v) for c, v in zip(cols, row)} for row in values]
    n = len(features)
    model_flag = np.zeros(n, dtype=bool)
    flagged, applied = _combine_flags(model_flag, hits, active)
    return _assemble(
        trade_ids=_trade_ids(features), scores=[None] * n, threshold=None, model_flag=model_flag, flagged=flagged,
        applied=applied, hits=hits, active=active, expired=expired, feature_dicts=feature_dicts, imputed=[[] for _ in range(n)], model_reasons={},
        model_version=None, ruleset_version=ruleset.version, fallback_reason=reason, max_reasons=max_reasons,
    )


class TradeAnomalyDetector:
    """Rules + isolation forest + SHAP reason codes + overrides, fitted on trade feature rows.

    Parameters
    ----------
    n_estimators, max_samples, random_state :
        Passed to :class:`IsolationForestDetector`.
    contamination : float, default=0.01
        Share of training rows above the initial threshold. Replace the threshold with
        :meth:`calibrate_threshold` (reviewer capacity) or :meth:`set_threshold` before go-live.
    features : list of str or None
        Model columns; default :data:`reference_impl.features.MODEL_FEATURES` (order is part of the model).
    ruleset : RuleSet
        The versioned rules evaluated next to the model.
    overrides : OverrideSet or None
        Analyst overrides applied after model and rules.
    max_reasons : int, default=4
        Reasons kept per decision (overrides, then rules, then model features).

    Attributes
    ----------
    model_version, training_digest, ruleset_version : str
        Recorded in every decision (``model_version`` and ``training_digest`` exist after ``fit``).
    threshold_ : float
        Alert threshold on the anomaly score; ``threshold_source_`` says how it was chosen.
    medians_ : ndarray
        Training medians, used to impute NaN at decision time and to call a value "high" or "low".
    estimator_ : IsolationForestDetector
        The fitted forest (scikit-learn API).
    scorer_ : FastForestScorer
        The same forest as flat arrays; every score in ``decide`` comes from it.

    See Also
    --------
    decide_rules_only : the fallback path without a model.

    Examples
    --------
    >>> from reference_impl import data, features
    >>> ref = data.make_reference_data(seed=1)
    >>> prices = data.make_prices(ref, n_days=5, seed=1)
    >>> trades = data.make_trades(ref, prices, n_trades=600, seed=1)
    >>> feats = features.build_trade_features(trades, ref, prices)
    >>> det = TradeAnomalyDetector(n_estimators=20, random_state=0).fit(feats)
    >>> decisions = det.decide(feats.head(3))
    >>> [sorted(d.to_dict())[:4] for d in decisions][0]
    ['expired_overrides', 'fallback_reason', 'fallback_used', 'features']
    """

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_samples: str | int | float = "auto",
        contamination: float = 0.01,
        random_state: int | None = None,
        features: Sequence[str] | None = None,
        ruleset: RuleSet = DEFAULT_RULESET,
        overrides: OverrideSet | None = None,
        max_reasons: int = MAX_REASONS,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.contamination = contamination
        self.random_state = random_state
        self.features = features
        self.ruleset = ruleset
        self.overrides = overrides
        self.max_reasons = max_reasons

    # -- fitting -------------------------------------------------------------------------------------------
    @property
    def feature_names(self) -> list[str]:
        return list(self.features) if self.features is not None else _model_features()

    def _matrix(self, features: pd.DataFrame) -> np.ndarray:
        names = self.feature_names
        missing = [c for c in names if c not in features.columns]
        if missing:
            raise ModelInputError(f"feature rows are missing model column(s): {missing}")
        try:
            X = features[names].to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ModelInputError(f"model columns must be numeric: {exc}") from None
        infinite = np.isinf(X)
        if infinite.any():
            row, col = np.argwhere(infinite)[0]
            raise ModelInputError(f"infinite value in feature {names[col]} for trade {_trade_ids(features)[row]}")
        return X

    def fit(self, features: pd.DataFrame, y: Any = None) -> "TradeAnomalyDetector":
        """Fit the forest on feature rows (unsupervised; ``y`` is ignored), set medians, threshold, versions."""
        features = _check_frame(features)
        if not 0 < float(self.contamination) <= 0.5:
            raise ModelInputError(f"contamination must be in (0, 0.5], got {self.contamination!r}")
        if self.max_reasons < 1:
            raise ModelInputError(f"max_reasons must be >= 1, got {self.max_reasons!r}")
        X = self._matrix(features)
        names = self.feature_names
        all_nan = np.isnan(X).all(axis=0)
        if all_nan.any():
            raise ModelInputError(f"feature(s) entirely NaN in training: {[n for n, b in zip(names, all_nan) if b]}")
        self.medians_ = np.nanmedian(X, axis=0)
        X = np.where(np.isnan(X), self.medians_, X)
        frame = pd.DataFrame(X, columns=names)
        self.estimator_ = IsolationForestDetector(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            contamination=float(self.contamination),
            random_state=self.random_state,
        ).fit(frame)
        self.scorer_ = FastForestScorer.from_estimator(self.estimator_)
        self.threshold_ = float(-self.estimator_.offset_)
        self.threshold_source_ = f"contamination={float(self.contamination):g} on {len(X)} training rows"
        digest = hashlib.sha256(",".join(names).encode())
        digest.update(np.ascontiguousarray(X).tobytes())
        self.training_digest_ = digest.hexdigest()
        params = f"{self.n_estimators}|{self.max_samples}|{self.contamination}|{self.random_state}"
        self.model_version_ = "iforest-" + hashlib.sha256((self.training_digest_ + params).encode()).hexdigest()[:12]
        self.explainer_ = ForestExplainer(self.estimator_.forest_, names, self.medians_)
        return self.warm_up()

    def warm_up(self) -> "TradeAnomalyDetector":
        """Build the SHAP explainer now, so the first flagged trade does not pay seconds for it.

        ``fit`` and :func:`~reference_impl.anomaly.load_detector` call it; the explainer itself is never
        pickled (it is rebuilt from the forest).
        """
        self._check_fitted()
        self.explainer_.warm_up()
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "scorer_"):
            raise ModelError("TradeAnomalyDetector is not fitted: call fit(features) or load a saved detector")

    @property
    def model_version(self) -> str:
        self._check_fitted()
        return self.model_version_

    @property
    def training_digest(self) -> str:
        self._check_fitted()
        return self.training_digest_

    @property
    def ruleset_version(self) -> str:
        return self.ruleset.version

    @property
    def threshold(self) -> float:
        self._check_fitted()
        return self.threshold_

    # -- thresholds ----------------------------------------------------------------------------------------
    def set_threshold(self, threshold: float | ThresholdChoice, source: str = "set by hand") -> "TradeAnomalyDetector":
        """Replace the alert threshold (a float, or a :class:`ThresholdChoice` from ``evaluation``)."""
        self._check_fitted()
        if isinstance(threshold, ThresholdChoice):
            source = f"{threshold.method}: {threshold.details} -> {threshold.expected_alerts_per_day:.2f} alerts/day"
            threshold = threshold.threshold
        if not math.isfinite(float(threshold)):
            raise ModelInputError(f"threshold must be finite, got {threshold!r}")
        self.threshold_ = float(threshold)
        self.threshold_source_ = source
        return self

    def calibrate_threshold(self, features: pd.DataFrame, *, alerts_per_day: float, n_days: float) -> ThresholdChoice:
        """Set the threshold from reviewer capacity over a representative history of ``n_days``.

        Rule alerts come first (they are controls, not negotiable), so the model gets the capacity they
        leave. The returned choice's ``expected_alerts_per_day`` counts both.
        """
        self._check_fitted()
        scores, _ = self._scores(features)
        rule_flag = np.array([any(h.flags for h in row) for row in evaluate_rules(self.ruleset, features)])
        rule_per_day = float(rule_flag.sum()) / n_days
        model_rows = scores[~rule_flag]
        if model_rows.size == 0:
            raise DataValidationError("every row is already flagged by a rule: nothing left to calibrate on")
        choice = threshold_for_capacity(model_rows, max(alerts_per_day - rule_per_day, 0.0), n_days)
        total = rule_per_day + choice.expected_alerts_per_day
        choice = ThresholdChoice(
            threshold=choice.threshold, method="capacity", expected_alerts_per_day=total, n_days=float(n_days),
            details={"capacity_per_day": float(alerts_per_day), "rule_alerts_per_day": rule_per_day,
                     "model_alerts_per_day": choice.expected_alerts_per_day},
        )
        self.set_threshold(choice)
        return choice

    # -- scoring -------------------------------------------------------------------------------------------
    def _scores(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(anomaly scores, imputed X) — NaN imputed with training medians."""
        X = self._matrix(_check_frame(features))
        nan = np.isnan(X)
        if nan.any():
            X = np.where(nan, self.medians_, X)
        return self.scorer_.anomaly_score(X), X

    def score(self, features: pd.DataFrame) -> np.ndarray:
        """Model anomaly scores only (higher = more anomalous), one per row."""
        self._check_fitted()
        return self._scores(features)[0]

    def decide(self, features: pd.DataFrame, *, now: datetime | None = None) -> list[Decision]:
        """One :class:`Decision` per feature row, in order. ``now`` decides which overrides are active."""
        self._check_fitted()
        features = _check_frame(features)
        names = self.feature_names
        raw = self._matrix(features)
        nan = np.isnan(raw)
        X = np.where(nan, self.medians_, raw) if nan.any() else raw
        scores = self.scorer_.anomaly_score(X)
        hits = evaluate_rules(self.ruleset, features)
        active, expired = _resolve_overrides(self.overrides, features, now)
        model_flag = scores >= self.threshold_
        flagged, applied = _combine_flags(model_flag, hits, active)
        flagged_rows = np.flatnonzero(flagged)
        model_reasons: dict[int, list[dict[str, Any]]] = {}
        if flagged_rows.size:  # SHAP only where a reviewer will look
            explained = self.explainer_.reasons(X[flagged_rows], self.max_reasons)
            model_reasons = dict(zip(flagged_rows.tolist(), explained))
        imputed: list[list[str]] = [[] for _ in range(len(X))]
        for i in np.flatnonzero(nan.any(axis=1)):
            imputed[i] = [names[j] for j in np.flatnonzero(nan[i])]
        feature_dicts = [dict(zip(names, row)) for row in X.tolist()]
        return _assemble(
            trade_ids=_trade_ids(features), scores=scores.tolist(), threshold=self.threshold_, model_flag=model_flag,
            flagged=flagged, applied=applied, hits=hits, active=active, expired=expired, feature_dicts=feature_dicts, imputed=imputed,
            model_reasons=model_reasons, model_version=self.model_version_, ruleset_version=self.ruleset.version,
            fallback_reason=None, max_reasons=self.max_reasons,
        )

    def decide_rules_only(self, features: pd.DataFrame, *, now: datetime | None = None, reason: str = RULES_ONLY) -> list[Decision]:
        """The fallback path with this detector's rule set and overrides (no model)."""
        return decide_rules_only(features, ruleset=self.ruleset, overrides=self.overrides, now=now, reason=reason,
                                 max_reasons=self.max_reasons)

    def with_overrides(self, overrides: OverrideSet | None) -> "TradeAnomalyDetector":
        """Swap the override set (overrides change without retraining; each decision records the ids)."""
        self.overrides = overrides
        return self

    def __repr__(self) -> str:
        state = f"model_version={self.model_version_!r}" if hasattr(self, "model_version_") else "unfitted"
        return f"TradeAnomalyDetector({state}, ruleset={self.ruleset.version!r})"


__all__ = ["Decision", "MAX_REASONS", "RULES_ONLY", "TradeAnomalyDetector", "decide_rules_only", "final_flag"]
