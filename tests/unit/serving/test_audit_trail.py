"""Every decision is audited with versions and caller; identifiers are pseudonymised everywhere."""

from __future__ import annotations

import json

from reference_impl.governance import AuditLog
from reference_impl.serving.trades.testing import sample_event

RAW_IDS = ("CP0042", "EQ_LDN_T03", "C00017")


def test_score_writes_one_verified_record_per_decision(service):
    r = service.post("/v1/trades/score", json=sample_event(), headers={"X-Request-ID": "req-1"})
    batch = service.post("/v1/trades/score-batch", json={"events": [sample_event(trade_id=f"B{i}") for i in range(3)]})
    assert r.status_code == batch.status_code == 200
    log = AuditLog(service.settings.workspace.audit_log)
    records = [x for x in log.records() if x["event_type"] == "trade.decision"]
    assert len(records) == 4 and log.verify().ok
    first = records[0]
    assert first["seq"] == r.json()["metadata"]["audit_seq"]
    p = first["payload"]
    assert p["request_id"] == "req-1" and p["endpoint"] == "trades.score"
    assert p["model"]["version"] == "fake-1" and p["model"]["ruleset_version"] == "fake-rules-1"
    assert p["model"]["training_data_digest"] == "sha256:fake"
    assert p["caller"] == {"key_id": first["actor"], "role": "scorer"}
    assert p["input"]["quantity"] == 2500.0 and p["output"]["decision"] in ("flag", "clear")
    assert p["input"]["counterparty_id"].startswith("ps_") and p["input"]["trader_id"].startswith("ps_")
    assert [x["payload"]["input"]["trade_id"] for x in records[1:]] == ["B0", "B1", "B2"]


def test_no_raw_identifiers_or_text_in_any_log(service):
    service.post("/v1/trades/score", json=sample_event())
    text = "Utility bill for Mrs Example, 1 High Street"
    service.post("/v1/kyc/classify", json={"doc_id": "D1", "client_id": "C00017", "text": text})
    ws = service.settings.workspace
    for path in (ws.audit_log, ws.prediction_log):
        content = path.read_text()
        for raw in RAW_IDS:
            assert raw not in content, f"{raw} leaked into {path.name}"
        assert "High Street" not in content


def test_pseudonyms_are_stable_across_requests(service):
    service.post("/v1/trades/score", json=sample_event(trade_id="A"))
    service.post("/v1/trades/score", json=sample_event(trade_id="B"))
    recs = [x for x in AuditLog(service.settings.workspace.audit_log).records() if x["event_type"] == "trade.decision"]
    assert recs[0]["payload"]["input"]["counterparty_id"] == recs[1]["payload"]["input"]["counterparty_id"]


def test_prediction_log_follows_the_contract(service):
    from reference_impl.serving.prediction_log import PREDICTION_LOG_FIELDS

    service.post("/v1/trades/score", json=sample_event())
    service.post("/v1/kyc/classify", json={"doc_id": "D2", "text": "passport of X"})
    lines = [json.loads(x) for x in service.settings.workspace.prediction_log.read_text().splitlines()]
    assert [x["endpoint"] for x in lines] == ["trades.score", "kyc.classify"]
    for line in lines:
        assert set(PREDICTION_LOG_FIELDS) <= set(line)
        assert line["status_code"] == 200 and line["latency_ms"] >= 0 and line["caller_role"] == "scorer"
    assert lines[1]["decision"] == "auto_accept" and lines[1]["confidence"] == 0.97
    assert lines[1]["label"] == "passport" and lines[1]["doc_id"] == "D2" and lines[0]["trade_id"] == "T000001"
