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

Two outputs share every step above: :meth:`TradeAnomalyDetector.decide` (one :class:`Decision` per row, for
the service and the audit trail) and :meth:`TradeAnomalyDetector.decide_frame` (the columns batch scoring
stores, :data:`DECISION_FRAME_COLUMNS`). Steps 1-5 are numpy over the whole frame (``_Verdicts``);
Python objects are built only for rows that are flagged or touched by an override (about 1 %), which is
what makes ``decide_frame`` fast enough for millions of trades.

:class:`TradeAnomalyDetector` is a scikit-learn estimator (``get_params``, ``clone``, ``check_is_fitted``,
``predict`` with -1 for a flagged trade). What it does not share with scikit-learn's estimators is its input:
a trade feature frame whose columns it picks by name, not an anonymous numeric matrix.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from reference_impl.anomaly.explain import ForestExplainer
from reference_impl.anomaly.forest import FastForestScorer, IsolationForestDetector
from reference_impl.anomaly.overrides import Override, OverrideSet
from reference_impl.anomaly.rules import DEFAULT_RULESET, RuleHit, RuleSet, flagging_rows, rule_hits, rule_masks
from reference_impl.errors import DataValidationError, ModelError, ModelInputError
from reference_impl.evaluation.thresholds import ThresholdChoice, threshold_for_capacity
from reference_impl.governance.lineage import frame_digest, text_digest

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
    return {
        "code": hit.code,
        "text": hit.text,
        "source": "rule",
        "feature": hit.feature,
        "value": value,
        "contribution": None,
    }


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
        ids = features["trade_id"]
        if isinstance(ids.dtype, pd.StringDtype) and ids.dtype.na_value is np.nan:  # already str: astype is a copy
            return ids.tolist()
        return ids.astype(str).tolist()
    return [str(i) for i in features.index]


def _check_frame(features: Any) -> pd.DataFrame:
    if not isinstance(features, pd.DataFrame):
        raise ModelInputError(f"features must be a pandas DataFrame of feature rows, got {type(features).__name__}")
    if len(features) == 0:
        raise ModelInputError("empty batch: no feature rows to decide on")
    return features


#: The columns of :meth:`TradeAnomalyDetector.decide_frame` (and of the detector's pyfunc output).
DECISION_FRAME_COLUMNS = ("trade_id", "score", "threshold", "flagged", "reason_codes", "fallback_used")


def _resolve_overrides(
    overrides: OverrideSet | None, features: pd.DataFrame, now: datetime | None
) -> tuple[dict[int, list[Override]], dict[int, list[str]]]:
    """Active and expired overrides by row position, only for rows they match (most rows have none)."""
    if overrides is None or not overrides.overrides:
        return {}, {}
    active, expired = overrides.apply(features, now or datetime.now(UTC))
    return {i: a for i, a in enumerate(active) if a}, {i: e for i, e in enumerate(expired) if e}


@dataclass
class _Verdicts:
    """Flags for a whole frame, before any per-row object: what ``decide`` and ``decide_frame`` share.

    ``masks`` is :func:`~reference_impl.anomaly.rules.rule_masks`' (rules x rows) matrix; ``active`` and
    ``expired`` map row positions to the overrides that matched them; ``applied`` marks rows with an
    active override. ``hits`` holds the :class:`RuleHit` lists of the rows that need reasons.
    """

    model_flag: np.ndarray
    flagged: np.ndarray
    applied: np.ndarray
    masks: np.ndarray
    active: dict[int, list[Override]]
    expired: dict[int, list[str]]
    hits: dict[int, list[RuleHit]]

    @property
    def reviewed_rows(self) -> np.ndarray:
        """Positions of the rows that carry reasons (flagged, or an override applied)."""
        return np.flatnonzero(self.flagged | self.applied)


def _verdicts(
    ruleset: RuleSet,
    overrides: OverrideSet | None,
    features: pd.DataFrame,
    model_flag: np.ndarray,
    now: datetime | None,
    floats: dict[str, np.ndarray] | None = None,
) -> _Verdicts:
    """Rules, model flag and overrides combined for every row with numpy; hits only where reasons are due.

    ``floats``: feature columns already converted to float64 (the model matrix), reused by the rules.
    """
    masks = rule_masks(ruleset, features, floats)
    flagged = model_flag | flagging_rows(ruleset, masks)
    active, expired = _resolve_overrides(overrides, features, now)
    applied = np.zeros(len(model_flag), dtype=bool)
    applied[list(active)] = True
    touched = np.flatnonzero(flagged | applied).tolist()
    hits = dict(zip(touched, rule_hits(ruleset, features, masks, touched)))
    for i, row in active.items():
        flagged[i] = final_flag(bool(model_flag[i]), hits[i], row)[0]
    return _Verdicts(model_flag, flagged, applied, masks, active, expired, hits)


def _row_reasons(
    v: _Verdicts, model_reasons: dict[int, list[dict[str, Any]]], max_reasons: int
) -> dict[int, list[dict[str, Any]]]:
    """Reasons of every reviewed row: overrides, then rule hits (flagging first), then model reasons."""
    out = {}
    for i in v.reviewed_rows.tolist():
        _, reasons = final_flag(bool(v.model_flag[i]), v.hits[i], v.active.get(i, []))
        if v.flagged[i]:
            reasons = reasons + model_reasons.get(i, [])
        out[i] = reasons[:max_reasons]
    return out


def _assemble(
    *,
    trade_ids: list[str],
    scores: Sequence[float | None],
    threshold: float | None,
    verdict: _Verdicts,
    reasons: dict[int, list[dict[str, Any]]],
    feature_dicts: list[dict[str, float | None]],
    imputed: dict[int, list[str]],
    model_version: str | None,
    ruleset_version: str,
    fallback_reason: str | None,
) -> list[Decision]:
    flagged = verdict.flagged.tolist()
    return [
        Decision(
            trade_id=tid,
            score=scores[i],
            threshold=threshold,
            flagged=flagged[i],
            reasons=reasons.get(i, []),
            model_version=model_version,
            ruleset_version=ruleset_version,
            features=feature_dicts[i],
            overrides=[o.override_id for o in verdict.active.get(i, [])],
            imputed=imputed.get(i, []),
            fallback_used=fallback_reason is not None,
            fallback_reason=fallback_reason,
            expired_overrides=list(verdict.expired.get(i, [])),
        )
        for i, tid in enumerate(trade_ids)
    ]


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
    v = _verdicts(ruleset, overrides, features, np.zeros(len(features), dtype=bool), now)
    cols = [c for c in ruleset.features if c in features.columns and pd.api.types.is_numeric_dtype(features[c])]
    values = features[cols].to_numpy(dtype=np.float64) if cols else np.empty((len(features), 0))
    feature_dicts = [{c: _json_float(v) for c, v in zip(cols, row)} for row in values]
    return _assemble(
        trade_ids=_trade_ids(features),
        scores=[None] * len(features),
        threshold=None,
        verdict=v,
        reasons=_row_reasons(v, {}, max_reasons),
        feature_dicts=feature_dicts,
        imputed={},
        model_version=None,
        ruleset_version=ruleset.version,
        fallback_reason=reason,
    )


def _matrix(features: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """The model columns ``names`` of a feature frame as a float64 matrix (NaN kept; infinity refused)."""
    missing = [c for c in names if c not in features.columns]
    if missing:
        raise ModelInputError(f"feature rows are missing model column(s): {missing}")
    try:  # column by column: a third cheaper than features[names] on the service's few-row frames
        X = np.column_stack([features[c].to_numpy(dtype=np.float64) for c in names])
    except (TypeError, ValueError) as exc:
        raise ModelInputError(f"model columns must be numeric: {exc}") from None
    infinite = np.isinf(X)
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise ModelInputError(f"infinite value in feature {names[col]} for trade {_trade_ids(features)[row]}")
    return X


class ModelNotFittedError(ModelError, NotFittedError):
    """A detector was asked to decide before ``fit`` (or ``load_detector``).

    Both a :class:`~reference_impl.errors.ModelError` (the CLI prints one line; a service holding an unfitted
    model answers 503, ``ErrorKind.UNAVAILABLE``: the fault is the deployment's, not the caller's) and
    scikit-learn's :class:`~sklearn.exceptions.NotFittedError` (what ``check_is_fitted`` raises and
    scikit-learn tools expect). It lives here, not in :mod:`reference_impl.errors`, because that module is
    imported by every CLI command and must stay cheap to import (scikit-learn adds about a second).
    """


def _check_threshold(threshold: Any) -> tuple[float, str] | None:
    """``threshold`` parameter -> (value, how it was chosen); ``None`` when it is left to ``contamination``."""
    if threshold is None:
        return None
    if isinstance(threshold, ThresholdChoice):
        source = f"{threshold.method}: {threshold.details} -> {threshold.expected_alerts_per_day:.2f} alerts/day"
        value = threshold.threshold
    else:
        source = "set by hand"
        value = threshold
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ModelInputError(f"threshold must be a number, a ThresholdChoice or None, got {threshold!r}") from None
    if not math.isfinite(value):
        raise ModelInputError(f"threshold must be finite, got {threshold!r}")
    return value, source


class TradeAnomalyDetector(OutlierMixin, BaseEstimator):
    """Rules + isolation forest + SHAP reason codes + overrides, fitted on trade feature rows.

    A scikit-learn estimator: ``get_params``/``set_params``/``clone`` work, ``fit`` returns the detector,
    fitted values end in ``_``, and deciding before ``fit`` raises :class:`ModelNotFittedError` (a
    scikit-learn ``NotFittedError``). Its input is a *trade feature frame* (a DataFrame from
    :func:`reference_impl.features.build_trade_features`), not any numeric matrix: the model columns are
    picked by name and the rules read further columns.

    Parameters
    ----------
    n_estimators : int, default=100
        Number of isolation trees (passed to :class:`IsolationForestDetector`).
    max_samples : "auto", int or float, default="auto"
        Rows drawn to grow each tree (passed to :class:`IsolationForestDetector`).
    contamination : float in (0, 0.5], default=0.01
        Share of training rows above the threshold when ``threshold`` is ``None``.
    threshold : float, ThresholdChoice or None, default=None
        Alert threshold on the anomaly score. ``None``: the one ``contamination`` gives on the training
        rows. Choose it before go-live from reviewer capacity (:meth:`threshold_for_capacity`) or with
        :mod:`reference_impl.evaluation.thresholds`; a ``ThresholdChoice`` also records how it was chosen.
    random_state : int or None, default=None
        Seed of the forest; fix it for reproducible models.
    features : list of str or None, default=None
        Model columns, in order (the order is part of the model). ``None``:
        :data:`reference_impl.features.MODEL_FEATURES`.
    ruleset : RuleSet or None, default=None
        The versioned rules evaluated next to the model. ``None``: :data:`~reference_impl.anomaly.DEFAULT_RULESET`.
    overrides : OverrideSet or None, default=None
        Analyst overrides applied after model and rules.
    max_reasons : int, default=4
        Reasons kept per decision (overrides, then rules, then model features).

    Attributes
    ----------
    features_ : list of str
        The model columns in fit order.
    medians_ : ndarray of shape (n_features,)
        Training medians, used to impute NaN at decision time and to call a value "high" or "low".
    estimator_ : IsolationForestDetector
        The fitted forest (scikit-learn API).
    scorer_ : FastForestScorer
        The same forest as flat arrays; every score in ``decide`` comes from it.
    explainer_ : ForestExplainer
        SHAP reasons for flagged rows (built lazily; see :meth:`warm_up`).
    threshold_ : float
        Alert threshold in use; ``threshold_source_`` says how it was chosen.
    threshold_source_ : str
        ``"contamination=... on N training rows"``, ``"set by hand"`` or the capacity/precision/cost choice.
    training_digest_ : str
        SHA-256 of the model columns' names and the imputed training matrix.
    model_version_ : str
        ``iforest-`` + 12 hex digits of the training digest and the forest's parameters; recorded in every
        decision (the threshold is not part of it).

    See Also
    --------
    decide_rules_only : the fallback path without a model.
    IsolationForestDetector : the forest alone, on any numeric matrix.

    Notes
    -----
    ``fit`` reads ``n_estimators``, ``max_samples``, ``contamination``, ``threshold``, ``random_state`` and
    ``features``; changing one of them with ``set_params`` takes effect at the next ``fit``, as for any
    scikit-learn estimator. To move the threshold of a fitted detector without refitting, use
    :meth:`with_threshold`, which returns a new detector and leaves this one as it is. ``ruleset``,
    ``overrides`` and ``max_reasons`` are read at decision time: overrides change without retraining
    (``detector.set_params(overrides=...)``), and every decision records the override ids it applied.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> from reference_impl import data, features
    >>> ref = data.make_reference_data(seed=1)
    >>> prices = data.make_prices(ref, n_days=5, seed=1)
    >>> trades = data.make_trades(ref, prices, n_trades=600, seed=1)
    >>> feats = features.build_trade_features(trades, ref, prices)
    >>> det = TradeAnomalyDetector(n_estimators=20, random_state=0).fit(feats)
    >>> decisions = det.decide(feats.head(3))
    >>> [sorted(d.to_dict())[:4] for d in decisions][0]
    ['expired_overrides', 'fallback_reason', 'fallback_used', 'features']
    >>> strict = det.with_threshold(0.6)
    >>> strict.threshold_, det.threshold_ == strict.threshold_
    (0.6, False)
    >>> clone(strict).get_params()["threshold"]
    0.6
    """

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_samples: str | int | float = "auto",
        contamination: float = 0.01,
        threshold: float | ThresholdChoice | None = None,
        random_state: int | None = None,
        features: Sequence[str] | None = None,
        ruleset: RuleSet | None = None,
        overrides: OverrideSet | None = None,
        max_reasons: int = MAX_REASONS,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.contamination = contamination
        self.threshold = threshold
        self.random_state = random_state
        self.features = features
        self.ruleset = ruleset
        self.overrides = overrides
        self.max_reasons = max_reasons

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # NaN (late data) is imputed with the training median and reported
        return tags

    # -- fitting -------------------------------------------------------------------------------------------
    def fit(self, features: pd.DataFrame, y: Any = None) -> TradeAnomalyDetector:
        """Fit the forest on feature rows (unsupervised; ``y`` is ignored); set medians, threshold, versions.

        Returns
        -------
        self : TradeAnomalyDetector
        """
        features = _check_frame(features)
        if not 0 < float(self.contamination) <= 0.5:
            raise ModelInputError(f"contamination must be in (0, 0.5], got {self.contamination!r}")
        if self.max_reasons < 1:
            raise ModelInputError(f"max_reasons must be >= 1, got {self.max_reasons!r}")
        chosen = _check_threshold(self.threshold)
        names = list(self.features) if self.features is not None else _model_features()
        X = _matrix(features, names)
        all_nan = np.isnan(X).all(axis=0)
        if all_nan.any():
            raise ModelInputError(f"feature(s) entirely NaN in training: {[n for n, b in zip(names, all_nan) if b]}")
        medians = np.nanmedian(X, axis=0)
        X = np.where(np.isnan(X), medians, X)
        training = pd.DataFrame(X, columns=names)
        estimator = IsolationForestDetector(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            contamination=float(self.contamination),
            random_state=self.random_state,
        ).fit(training)
        params = f"{self.n_estimators}|{self.max_samples}|{self.contamination}|{self.random_state}"

        self.features_ = names
        self.medians_ = medians
        self.estimator_ = estimator
        self.scorer_ = FastForestScorer.from_estimator(estimator)
        self.threshold_, self.threshold_source_ = chosen or (
            float(-estimator.offset_),
            f"contamination={float(self.contamination):g} on {len(X)} training rows",
        )
        self.training_digest_ = frame_digest(training)  # the one training-data digest (governance.lineage)
        self.model_version_ = "iforest-" + text_digest(self.training_digest_ + params)[:12]
        self.explainer_ = ForestExplainer(estimator.forest_, names, medians)
        return self.warm_up()

    def warm_up(self) -> TradeAnomalyDetector:
        """Build the SHAP explainer now, so the first flagged trade does not pay seconds for it.

        ``fit`` and :func:`~reference_impl.anomaly.load_detector` call it; the explainer itself is never
        pickled (it is rebuilt from the forest). It changes no parameter and no fitted value.
        """
        self._check_is_fitted()
        self.explainer_.warm_up()
        return self

    def _check_is_fitted(self) -> None:
        try:
            check_is_fitted(self, msg="This %(name)s is not fitted yet: call fit(features) or load a saved detector")
        except NotFittedError as exc:
            raise ModelNotFittedError(str(exc)) from None

    def _rules(self) -> RuleSet:
        return DEFAULT_RULESET if self.ruleset is None else self.ruleset

    @property
    def ruleset_version(self) -> str:
        """Version of the rule set in use (``ruleset``, or :data:`DEFAULT_RULESET` when it is ``None``)."""
        return self._rules().version

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle, upgrading a detector saved before it was a scikit-learn estimator (ibml < issue 15).

        Those have no ``threshold`` parameter and no ``features_``: the threshold they were saved with
        becomes the parameter (``None`` when it came from ``contamination``), so ``clone`` + ``fit`` on the
        same rows gives the same detector.
        """
        state = dict(state)
        if "scorer_" in state and "features_" not in state:
            by_hand = not str(state.get("threshold_source_", "")).startswith("contamination=")
            state.setdefault("threshold", state["threshold_"] if by_hand else None)
            features = state.get("features")
            state["features_"] = list(features) if features is not None else _model_features()
        state.setdefault("threshold", None)
        super().__setstate__(state)

    # -- thresholds ----------------------------------------------------------------------------------------
    def with_threshold(self, threshold: float | ThresholdChoice) -> TradeAnomalyDetector:
        """A new fitted detector that alerts at ``threshold``; this one is left unchanged.

        The forest is not refitted: the new detector shares it (nothing in it changes after ``fit``). Its
        ``threshold`` parameter is set too, so ``clone(new).fit(same rows)`` gives the same detector.

        Parameters
        ----------
        threshold : float or ThresholdChoice
            As the ``threshold`` parameter. (To go back to the ``contamination`` threshold, refit:
            ``clone(detector).set_params(threshold=None).fit(rows)``.)

        Returns
        -------
        TradeAnomalyDetector
        """
        self._check_is_fitted()
        chosen = _check_threshold(threshold)
        if chosen is None:
            raise ModelInputError(
                "with_threshold needs a number or a ThresholdChoice; to go back to the "
                "contamination threshold, refit with threshold=None"
            )
        new = copy.copy(self)
        new.threshold = threshold
        new.threshold_, new.threshold_source_ = chosen
        return new

    def threshold_for_capacity(
        self, features: pd.DataFrame, *, alerts_per_day: float, n_days: float
    ) -> ThresholdChoice:
        """The threshold that fits reviewer capacity over a representative history of ``n_days``.

        Rule alerts come first (they are controls, not negotiable), so the model gets the capacity they
        leave. The returned choice's ``expected_alerts_per_day`` counts both. Nothing is changed: apply
        the choice with ``detector.with_threshold(choice)``.
        """
        self._check_is_fitted()
        scores, _ = self._scores(features)
        ruleset = self._rules()
        rule_flag = flagging_rows(ruleset, rule_masks(ruleset, features))
        rule_per_day = float(rule_flag.sum()) / n_days
        model_rows = scores[~rule_flag]
        if model_rows.size == 0:
            raise DataValidationError("every row is already flagged by a rule: nothing left to calibrate on")
        choice = threshold_for_capacity(model_rows, max(alerts_per_day - rule_per_day, 0.0), n_days)
        total = rule_per_day + choice.expected_alerts_per_day
        return ThresholdChoice(
            threshold=choice.threshold,
            method="capacity",
            expected_alerts_per_day=total,
            n_days=float(n_days),
            details={
                "capacity_per_day": float(alerts_per_day),
                "rule_alerts_per_day": rule_per_day,
                "model_alerts_per_day": choice.expected_alerts_per_day,
            },
        )

    # -- scoring -------------------------------------------------------------------------------------------
    def _scores(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(anomaly scores, imputed X) — NaN imputed with training medians."""
        X = _matrix(_check_frame(features), self.features_)
        nan = np.isnan(X)
        if nan.any():
            X = np.where(nan, self.medians_, X)
        return self.scorer_.anomaly_score(X), X

    def anomaly_score(self, features: pd.DataFrame) -> np.ndarray:
        """Model anomaly scores only (higher = more anomalous, about 0.5 ordinary), one per row."""
        self._check_is_fitted()
        return self._scores(features)[0]

    def predict(self, features: pd.DataFrame, *, now: datetime | None = None) -> np.ndarray:
        """-1 for a flagged trade, +1 otherwise (scikit-learn's outlier convention).

        The flag is the decision's: model, rules and overrides together (``now`` decides which overrides
        are active), so ``predict(f)`` equals ``np.where(decide_frame(f)["flagged"], -1, 1)``.
        """
        verdicts = self._decide_core(features, now)[3]
        return np.where(verdicts.flagged, -1, 1)

    def _decide_core(
        self, features: pd.DataFrame, now: datetime | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Verdicts, dict[int, list[dict[str, Any]]]]:
        """(scores, imputed X, NaN mask, verdicts, reasons by row): all of a decision but its packaging."""
        self._check_is_fitted()
        features = _check_frame(features)
        raw = _matrix(features, self.features_)
        nan = np.isnan(raw)
        X = np.where(nan, self.medians_, raw) if nan.any() else raw
        scores = self.scorer_.anomaly_score(X)
        converted = dict(zip(self.features_, raw.T))  # the rules read several model columns
        v = _verdicts(self._rules(), self.overrides, features, scores >= self.threshold_, now, converted)
        flagged_rows = np.flatnonzero(v.flagged)
        model_reasons: dict[int, list[dict[str, Any]]] = {}
        if flagged_rows.size:  # SHAP only where a reviewer will look
            explained = self.explainer_.reasons(X[flagged_rows], self.max_reasons)
            model_reasons = dict(zip(flagged_rows.tolist(), explained))
        return scores, X, nan, v, _row_reasons(v, model_reasons, self.max_reasons)

    def decide(self, features: pd.DataFrame, *, now: datetime | None = None) -> list[Decision]:
        """One :class:`Decision` per feature row, in order. ``now`` decides which overrides are active."""
        scores, X, nan, v, reasons = self._decide_core(features, now)
        names = self.features_
        imputed = {i: [names[j] for j in np.flatnonzero(nan[i])] for i in np.flatnonzero(nan.any(axis=1)).tolist()}
        return _assemble(
            trade_ids=_trade_ids(features),
            scores=scores.tolist(),
            threshold=self.threshold_,
            verdict=v,
            reasons=reasons,
            feature_dicts=[dict(zip(names, row)) for row in X.tolist()],
            imputed=imputed,
            model_version=self.model_version_,
            ruleset_version=self.ruleset_version,
            fallback_reason=None,
        )

    def decide_frame(self, features: pd.DataFrame, *, now: datetime | None = None) -> pd.DataFrame:
        """The decisions as columns (:data:`DECISION_FRAME_COLUMNS`): what batch scoring stores.

        Same flags, scores and reason codes as :meth:`decide` (``;``-joined, same order and truncation),
        without a Python object per row: use it for large frames, where ``decide`` spends most of its
        time building :class:`Decision` objects nobody reads.
        """
        scores, _, _, v, reasons = self._decide_core(features, now)
        codes = np.full(len(scores), "", dtype=object)
        for i, row in reasons.items():
            codes[i] = ";".join(str(r["code"]) for r in row)
        return pd.DataFrame(
            {
                "trade_id": [str(t) for t in _trade_ids(features)],
                "score": scores.astype(np.float64),
                "threshold": np.full(len(scores), float(self.threshold_)),
                "flagged": v.flagged.astype(bool),
                "reason_codes": codes.tolist(),
                "fallback_used": np.zeros(len(scores), dtype=bool),
            }
        )

    def decide_rules_only(
        self, features: pd.DataFrame, *, now: datetime | None = None, reason: str = RULES_ONLY
    ) -> list[Decision]:
        """The fallback path with this detector's rule set and overrides (no model)."""
        return decide_rules_only(
            features,
            ruleset=self._rules(),
            overrides=self.overrides,
            now=now,
            reason=reason,
            max_reasons=self.max_reasons,
        )


__all__ = [
    "DECISION_FRAME_COLUMNS",
    "Decision",
    "MAX_REASONS",
    "ModelNotFittedError",
    "RULES_ONLY",
    "TradeAnomalyDetector",
    "decide_rules_only",
    "final_flag",
]
