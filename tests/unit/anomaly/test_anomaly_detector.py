"""TradeAnomalyDetector: decisions carry what the contract promises; bad input is refused."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from reference_impl.anomaly import (
    MODEL_FEATURES,
    OverrideSet,
    TradeAnomalyDetector,
    decide_rules_only,
    load_detector,
    save_detector,
)
from reference_impl.errors import AccessDeniedError, ConfigError, ModelError, ModelInputError

from anomaly_fixtures import fitted, test_features, trade_data  # noqa: F401  (pytest fixtures)
from reference_impl.evaluation import roc_auc

NOW = datetime(2026, 2, 1, tzinfo=timezone.utc)
DECISION_KEYS = {
    "trade_id", "score", "threshold", "flagged", "reasons", "model_version", "ruleset_version", "features",
    "overrides", "imputed", "fallback_used", "fallback_reason", "expired_overrides",
}


def test_decisions_follow_the_contract(fitted, test_features):
    decisions = fitted.decide(test_features)
    assert len(decisions) == len(test_features)
    assert [d.trade_id for d in decisions] == test_features["trade_id"].astype(str).tolist()
    flagged = [d for d in decisions if d.flagged]
    assert 0 < len(flagged) < len(decisions)
    for d in decisions:
        payload = d.to_dict()
        assert set(payload) == DECISION_KEYS
        json.dumps(payload, allow_nan=False)
        assert payload["model_version"] == fitted.model_version_ and payload["ruleset_version"] == fitted.ruleset_version
        assert list(payload["features"]) == MODEL_FEATURES
        assert payload["threshold"] == fitted.threshold_
        assert len(d.reasons) <= 4
        assert d.flagged == bool(d.reasons) or not d.flagged
        for r in d.reasons:
            assert {"code", "text", "source", "feature", "value", "contribution"} <= set(r)
            assert r["source"] in {"rule", "model", "override"}
    for d in flagged:
        assert d.score >= d.threshold or any(r["source"] == "rule" for r in d.reasons)


def test_model_reasons_point_up_and_only_for_flagged(fitted, test_features):
    for d in fitted.decide(test_features):
        model = [r for r in d.reasons if r["source"] == "model"]
        if not d.flagged:
            assert d.reasons == []
        for r in model:
            assert r["contribution"] > 0 and r["direction"] in {"high", "low"}
        contributions = [r["contribution"] for r in model]
        assert contributions == sorted(contributions, reverse=True)


def test_scores_rank_anomalies_and_match_sklearn(fitted, trade_data, test_features):
    y = trade_data["trades"]["is_anomaly"].to_numpy()[~trade_data["train"]]
    scores = fitted.anomaly_score(test_features)
    assert roc_auc(y, scores) > 0.7
    X = test_features[MODEL_FEATURES].fillna(pd.Series(fitted.medians_, index=MODEL_FEATURES))
    np.testing.assert_allclose(scores, fitted.estimator_.anomaly_score(X), atol=1e-9)


def test_trade_id_does_not_change_score(fitted, test_features):
    """Invariance: renaming the trade leaves its score and flag unchanged."""
    renamed = test_features.assign(trade_id="X" + test_features["trade_id"].astype(str))
    a, b = fitted.decide(test_features.head(50)), fitted.decide(renamed.head(50))
    assert [d.score for d in a] == [d.score for d in b]
    assert [d.flagged for d in a] == [d.flagged for d in b]


def test_larger_price_deviation_never_lowers_its_weight(fitted, test_features):
    """Direction: pushing the price further from the reference raises the price reason's contribution."""
    row = test_features.head(1)
    contributions = []
    for bps in (0.0, 20.0, 200.0, 2000.0):
        frame = row.assign(price_deviation_bps=bps, abs_price_deviation_bps=bps)
        fitted_x = frame[MODEL_FEATURES].fillna(pd.Series(fitted.medians_, index=MODEL_FEATURES)).to_numpy()
        c = fitted.explainer_.contributions(fitted_x)[0]
        contributions.append(c[MODEL_FEATURES.index("abs_price_deviation_bps")])
    assert contributions == sorted(contributions)


def test_nan_is_imputed_and_recorded(fitted, test_features):
    frame = test_features.head(3).copy()
    frame.loc[1, "booking_delay_s"] = np.nan
    decisions = fitted.decide(frame)
    assert "booking_delay_s" in decisions[1].imputed
    assert decisions[1].features["booking_delay_s"] == pytest.approx(fitted.medians_[MODEL_FEATURES.index("booking_delay_s")])


@pytest.mark.parametrize(
    "mutate, error, match",
    [
        (lambda f: f.iloc[:0], ModelInputError, "empty"),
        (lambda f: f.drop(columns="booking_delay_s"), ModelInputError, "booking_delay_s"),
        (lambda f: f.assign(off_hours=np.inf), ModelInputError, "infinite value in feature off_hours"),
        (lambda f: f.assign(off_hours="yes"), ModelInputError, "numeric"),
        (lambda f: f.to_numpy(), ModelInputError, "DataFrame"),
    ],
)
def test_bad_input_is_refused(fitted, test_features, mutate, error, match):
    with pytest.raises(error, match=match):
        fitted.decide(mutate(test_features.head(5)))


def test_unfitted_detector_raises(test_features, tmp_path):
    det = TradeAnomalyDetector()
    with pytest.raises(ModelError, match="not fitted"):
        det.decide(test_features)
    with pytest.raises(ModelError, match="not fitted"):
        save_detector(det, tmp_path / "unfitted")


def test_rules_only_fallback(test_features):
    decisions = decide_rules_only(test_features)
    assert all(d.fallback_used and d.fallback_reason == "rules_only" and d.score is None for d in decisions)
    assert any(d.flagged for d in decisions)
    for d in decisions:
        assert all(r["source"] == "rule" for r in d.reasons)
        json.dumps(d.to_dict(), allow_nan=False)


def test_threshold_for_capacity_respects_capacity(fitted, trade_data, test_features):
    n_days = 4.5
    choice = fitted.threshold_for_capacity(test_features, alerts_per_day=10, n_days=n_days)
    det = fitted.with_threshold(choice)  # a new detector; `fitted` keeps its threshold
    flagged = sum(d.flagged for d in det.decide(test_features))
    assert flagged / n_days == pytest.approx(choice.expected_alerts_per_day)
    assert choice.expected_alerts_per_day <= 10 + 1e-9 or choice.details["model_alerts_per_day"] == 0
    assert det.threshold_ == choice.threshold and "capacity" in det.threshold_source_


def _overrides():
    return OverrideSet(authorised_users=frozenset({"ops.lead"}))


def test_overrides_suppress_force_and_expire(fitted, test_features):
    import copy

    det = copy.deepcopy(fitted)
    decisions = det.decide(test_features)
    flagged = next(d for d in decisions if d.flagged)
    quiet = next(d for d in decisions if not d.flagged)
    row_f = test_features[test_features["trade_id"].astype(str) == flagged.trade_id].iloc[0]
    row_q = test_features[test_features["trade_id"].astype(str) == quiet.trade_id].iloc[0]
    ovr = _overrides().add(
        action="suppress", match={"counterparty_id": row_f["counterparty_id"], "instrument_id": row_f["instrument_id"], "trader_id": row_f["trader_id"]},
        reason="known month-end rebalancing flow", actor="ops.lead", expires_at=NOW + timedelta(days=30), now=NOW,
    ).add(
        action="force_flag", match={"counterparty_id": row_q["counterparty_id"], "instrument_id": row_q["instrument_id"], "trader_id": row_q["trader_id"]},
        reason="counterparty under investigation", actor="ops.lead", expires_at=NOW + timedelta(days=5), now=NOW,
    )
    assert ovr.version == 2
    det.set_params(overrides=ovr)  # a parameter read at decision time: no refit
    by_id = {d.trade_id: d for d in det.decide(test_features, now=NOW + timedelta(days=1))}
    s, f = by_id[flagged.trade_id], by_id[quiet.trade_id]
    assert not s.flagged and s.overrides == ["OVR-0001"] and s.reasons[0]["code"] == "O_SUPPRESS"
    assert s.score == flagged.score  # the model's score is kept for audit
    assert f.flagged and f.overrides == ["OVR-0002"] and f.reasons[0]["source"] == "override"
    later = {d.trade_id: d for d in det.decide(test_features, now=NOW + timedelta(days=10))}
    assert later[quiet.trade_id].flagged is False and later[quiet.trade_id].expired_overrides == ["OVR-0002"]
    assert [o.override_id for o in ovr.expired(NOW + timedelta(days=10))] == ["OVR-0002"]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"actor": "intern"}, AccessDeniedError, "not authorised"),
        ({"expires_at": NOW + timedelta(days=365)}, ConfigError, "capped"),
        ({"expires_at": NOW - timedelta(days=1)}, ConfigError, "after"),
        ({"expires_at": "2026-03-01"}, ConfigError, "timezone"),
        ({"reason": "ok"}, ConfigError, "reason"),
        ({"match": {}}, ConfigError, "match"),
        ({"match": {"notional_usd": "1"}}, ConfigError, "cannot match"),
        ({"action": "delete"}, ConfigError, "action"),
    ],
)
def test_override_safety_checks(kwargs, error, match):
    args = dict(action="suppress", match={"counterparty_id": "CP1"}, reason="benign known pattern", actor="ops.lead",
                expires_at=NOW + timedelta(days=10), now=NOW)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        _overrides().add(**args)


def test_override_roundtrip_and_revoke(tmp_path):
    from reference_impl.anomaly import load_overrides, save_overrides

    s = _overrides().add(action="suppress", match={"counterparty_id": "CP1"}, reason="benign known pattern",
                         actor="ops.lead", expires_at=NOW + timedelta(days=10), now=NOW)
    s = s.revoke("OVR-0001", actor="ops.lead", now=NOW + timedelta(days=1))
    save_overrides(s, tmp_path / "o.json")
    back = load_overrides(tmp_path / "o.json")
    assert back.version == 2 and [h["event"] for h in back.history] == ["added", "revoked"]
    assert back.expired(NOW + timedelta(days=2))[0].override_id == "OVR-0001"


def test_save_load_roundtrip_and_tamper(fitted, test_features, tmp_path):
    path = save_detector(fitted, tmp_path / "trade-anomaly")
    back = load_detector(path)
    assert back.model_version_ == fitted.model_version_ and back.training_digest_ == fitted.training_digest_
    a, b = fitted.decide(test_features.head(40)), back.decide(test_features.head(40))
    assert [d.to_dict() for d in a] == [d.to_dict() for d in b]
    meta = json.loads((path / "metadata.json").read_text())
    assert meta["ruleset_version"] == fitted.ruleset_version
    with (path / "detector.joblib").open("ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(ModelError, match="integrity"):
        load_detector(path)
    with pytest.raises(ModelError, match="no saved detector"):
        load_detector(tmp_path / "missing")
