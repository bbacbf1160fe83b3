"""Milestone 2: the detector — a threshold from the stated alert rate, rules that always flag, reasons, versions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from anomaly_lab import FEATURES, MAX_REASONS, AnomalyLabError, fit_detector, rules_only
from conftest import fitted, windows
from sklearn.metrics import roc_auc_score


def model_share(det, frame) -> float:
    return float((np.asarray(det.anomaly_score(frame)) >= det.threshold_).mean())


def ordinary_row():
    """The test window's most ordinary trade (lowest model score): a row no rule or model should flag."""
    det = fitted()
    test = windows()[1]
    row = test.iloc[[int(np.argmin(det.anomaly_score(test)))]].copy()
    assert not det.decide(row)[0].flagged, "precondition: the lowest-scoring trade of the test window is not flagged"
    return det, row


def test_the_threshold_flags_the_stated_share_of_training_rows():
    train = windows()[0]
    at_1, at_5 = fitted(0.01), fitted(0.05)
    got = (model_share(at_1, train), model_share(at_5, train))
    assert 0.005 <= got[0] <= 0.02 and 0.04 <= got[1] <= 0.06, (
        f"threshold from the alert rate: the model alone should flag ~1 % and ~5 % of the training rows at "
        f"alert_rate 0.01 and 0.05 (the upper tail of the scores), got {got[0]:.3f} and {got[1]:.3f}"
    )
    assert at_5.threshold_ < at_1.threshold_, (
        "a higher alert rate needs a lower threshold (higher score = more anomalous)"
    )


def test_scores_rank_planted_anomalies_above_normal_trades():
    _, test, y = windows()
    auc = roc_auc_score(y.to_numpy(), fitted().anomaly_score(test))
    assert auc >= 0.8, f"ROC AUC of the model score on the later window's planted anomalies: want >= 0.8, got {auc:.3f}"


def test_same_data_and_seed_give_the_same_model():
    train, test, _ = windows()
    a, b = (fit_detector(train, alert_rate=0.01, seed=3, n_estimators=20) for _ in range(2))
    other = fit_detector(train, alert_rate=0.01, seed=4, n_estimators=20)
    assert np.array_equal(a.anomaly_score(test), b.anomaly_score(test)), (
        "same rows + same seed must give the same scores"
    )
    assert a.model_version_ == b.model_version_, "same rows + same seed must give the same model_version_"
    assert other.model_version_ != a.model_version_, "another seed is another model: model_version_ must change"


def test_one_decision_per_row_with_everything_needed_to_replay_it():
    det = fitted()
    test = windows()[1].iloc[:200]
    decisions = det.decide(test)
    assert [d.trade_id for d in decisions] == test["trade_id"].astype(str).tolist(), "one decision per row, in order"
    for d in decisions:
        assert d.model_version == det.model_version_ and d.ruleset_version, f"{d.trade_id}: versions missing"
        assert d.threshold == pytest.approx(det.threshold_) and math.isfinite(d.score), f"{d.trade_id}: score/threshold"
        assert len(d.reasons) <= MAX_REASONS, f"{d.trade_id}: at most {MAX_REASONS} reasons, got {len(d.reasons)}"
        rule_flag = any(r["source"] == "rule" for r in d.reasons if r["code"] != "R_OFF_HOURS")
        assert d.flagged == (d.score >= d.threshold or rule_flag), (
            f"{d.trade_id}: flagged must be score >= threshold or a flagging rule (score {d.score:.3f}, "
            f"threshold {d.threshold:.3f}, reasons {d.reason_codes}, flagged {d.flagged})"
        )
        assert set(d.features) >= set(FEATURES), f"{d.trade_id}: the decision must record the features it used"


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"abs_price_deviation_bps": 120.0}, "R_PRICE_DEVIATION"),
        ({"notional_to_desk_limit": 1.5}, "R_NOTIONAL_LIMIT"),
        ({"booking_delay_sla_ratio": 3.0}, "R_LATE_BOOKING"),
        ({"opposite_side_matches_1h": 1.0}, "R_WASH_TRADE"),
        ({"notional_zscore_7d": 5.0, "counterparty_age_days": 10.0}, "R_NEW_CPTY_LARGE"),
    ],
)
def test_a_rule_flags_whatever_the_model_says(changes, code):
    det, row = ordinary_row()
    for column, value in changes.items():
        row[column] = value
    for how, decision in (("decide", det.decide(row)[0]), ("rules_only", rules_only(row)[0])):
        assert decision.flagged and code in decision.reason_codes, (
            f"{how}: {changes} must flag with reason {code}, got flagged={decision.flagged} {decision.reason_codes}"
        )
        reason = decision.reasons[decision.reason_codes.index(code)]
        assert reason["source"] == "rule", f"{code} is a rule reason (source 'rule'), got {reason['source']!r}"


def test_off_hours_is_context_for_a_reviewer_not_an_alert():
    det, row = ordinary_row()
    row["off_hours"] = 1.0
    assert not rules_only(row)[0].flagged, "off_hours alone must not flag (about 8 % of normal flow is pre/post-market)"
    row["abs_price_deviation_bps"] = 120.0
    codes = rules_only(row)[0].reason_codes
    assert codes[:1] == ["R_PRICE_DEVIATION"] and "R_OFF_HOURS" in codes, (
        f"a flagged trade lists flagging rules first, then context such as R_OFF_HOURS; got {codes}"
    )


def test_a_model_alert_says_which_features_made_it_unusual():
    det = fitted()
    test = windows()[1]
    rows = test[np.asarray(det.anomaly_score(test)) >= det.threshold_]
    assert len(rows), "precondition: the model flags some trades of the test window"
    for d in det.decide(rows):
        model = [r for r in d.reasons if r["source"] == "model"]
        assert d.flagged and (model or len(d.reasons) == MAX_REASONS), (
            f"{d.trade_id}: a model alert needs model reasons (source 'model', the features that raised the score), "
            f"got {d.reasons}"
        )
        assert all(r["feature"] in FEATURES for r in model), f"{d.trade_id}: model reasons name a model feature"


def test_missing_values_are_imputed_and_reported():
    det, row = ordinary_row()
    row["notional_zscore_7d"] = np.nan
    d = det.decide(row)[0]
    assert "notional_zscore_7d" in d.imputed, (
        f"a NaN feature is imputed and listed in Decision.imputed, got {d.imputed}"
    )
    assert math.isfinite(d.score), "an imputed row still gets a finite score"
    assert all(v is not None and math.isfinite(v) for v in d.features.values()), "features used are the imputed values"


def test_the_rules_only_fallback_has_no_score_and_says_so():
    det = fitted()
    test = windows()[1].iloc[:300]
    alone, via = rules_only(test), det.decide_rules_only(test)
    for d in alone + via:
        assert d.score is None and d.threshold is None, f"{d.trade_id}: a rules-only decision has no score/threshold"
        assert d.fallback_used and d.fallback_reason and d.model_version is None, (
            f"{d.trade_id}: a rules-only decision says fallback_used with a reason and no model version"
        )
    assert [d.flagged for d in alone] == [d.flagged for d in via], "rules_only and decide_rules_only must agree"
    assert 0 < sum(d.flagged for d in alone) < len(alone), "the rules flag some, not all, of the test window"


@pytest.mark.parametrize("rate", [0.0, -0.1, 0.6])
def test_an_impossible_alert_rate_is_refused(rate):
    with pytest.raises(AnomalyLabError, match="alert_rate"):
        fit_detector(windows()[0], alert_rate=rate)
