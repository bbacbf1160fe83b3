"""Lineage of a past decision and reproducing its score from the audit record."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from reference_impl.errors import AuditError, ModelError
from reference_impl.governance.audit import AuditLog
from reference_impl.monitoring.lineage_report import decision_lineage, find_decision, reproduce_decision

FEATURES = {"price_deviation_bps": 140.0, "notional_zscore": 3.5}


def weights_score(frame: pd.DataFrame) -> np.ndarray:
    return (frame["price_deviation_bps"] / 100 + frame["notional_zscore"] / 10).to_numpy()


@pytest.fixture
def audit(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl", clock=lambda: dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone.utc))
    for i, feats in enumerate([{"price_deviation_bps": 1.0, "notional_zscore": 0.1}, FEATURES]):
        score = float(weights_score(pd.DataFrame([feats]))[0])
        log.append("trade.decision", {
            "request_id": f"req-{i}", "received_at": "2026-11-02T09:00:00+00:00", "input": {"trade_id": f"T{i}"},
            "output": {"score": score, "flagged": score > 1, "reason_codes": ["PRICE_OFF_MARKET"], "features_used": feats},
            "model": {"name": "trade-anomaly", "version": "3", "ruleset_version": "r1", "training_data_digest": "abc123"},
        }, actor="svc")
    log.close()
    return list(log.records())


def test_lineage_chain_joins_audit_and_registry(audit):
    rec = find_decision(audit, trade_id="T1")
    lineage = decision_lineage(rec, version_info={"version": "3", "run_id": "run42", "model_digest": "m9",
                                                  "training_data_digest": "abc123"}, code_version="deadbeef")
    assert lineage.request_id == "req-1" and lineage.audit_seq == 1
    assert [v for _, v in lineage.chain()][1:] == ["trade-anomaly version 3, rules r1", "run42", "m9", "abc123", "deadbeef"]


def test_lineage_refuses_a_different_model_version(audit):
    with pytest.raises(ModelError, match="version '3'"):
        decision_lineage(audit[1], version_info={"version": "4"})


def test_missing_links_are_shown_as_unknown(audit):
    chain = dict(decision_lineage(audit[1]).chain())
    assert chain["training run"] == "unknown" and chain["code commit"] == "unknown"


def test_reproduce_gives_the_logged_score(audit):
    check = reproduce_decision(find_decision(audit, request_id="req-1"), weights_score,
                               reasons=lambda f: ["PRICE_OFF_MARKET"], feature_order=list(FEATURES))
    assert check.ok and check.abs_diff == 0.0 and check.reasons_match


def test_reproduce_detects_a_different_model(audit):
    check = reproduce_decision(audit[1], lambda f: weights_score(f) * 1.01)
    assert not check.ok and check.abs_diff > 0


@pytest.mark.parametrize(("kwargs", "match"), [({"trade_id": "T9"}, "T9"), ({}, "needs")])
def test_find_decision_errors(audit, kwargs, match):
    with pytest.raises(AuditError, match=match):
        find_decision(audit, **kwargs)


def test_fallback_decision_cannot_be_reproduced(audit):
    rec = dict(audit[1], payload=dict(audit[1]["payload"], output={"score": None, "features_used": {}}))
    with pytest.raises(AuditError, match="no logged features"):
        reproduce_decision(rec, weights_score)
