"""Fault injection: the service degrades (rules only, 503 when nothing can decide), never 500s."""

from __future__ import annotations

import pytest

from reference_impl.governance import AuditLog
from reference_impl.serving.models import LoadedModel, load_from_file
from reference_impl.serving.trades.testing import FakeDetector, StaticFeatureSource, sample_event


def _missing() -> LoadedModel:
    return LoadedModel(name="trade-anomaly", obj=None, status="missing", source="local:trade-anomaly",
                       detail="no model file at trade-anomaly")


@pytest.mark.parametrize("kind", ["missing", "corrupt"])
def test_missing_or_corrupt_model_starts_degraded(make_service, tmp_path, kind):
    path = tmp_path / "trade-anomaly"
    if kind == "corrupt":
        path.write_bytes(b"\x00not a model")

    def loader(p):
        raise ValueError("bad magic number")

    model = load_from_file("trade-anomaly", path, loader)
    assert model.status == ("missing" if kind == "missing" else "error")
    svc = make_service(trade_model=model)
    ready = svc.client.get("/readyz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["ready"] is False and body["checks"]["trade_model"] is False
    assert any(r.startswith("trade_model:") for r in body["reasons"])
    r = svc.post("/v1/trades/score", json=sample_event())
    assert r.status_code == 200
    assert r.json()["metadata"]["fallback_used"] is True
    assert r.json()["metadata"]["fallback_reason"] == "model_missing"
    assert r.json()["metadata"]["model_version"] is None
    models = svc.get("/v1/models").json()["models"]
    assert models[0]["status"] == model.status and models[0]["detail"]


def test_model_that_raises_falls_back(make_service):
    svc = make_service(detector=FakeDetector(fail=True))
    r = svc.post("/v1/trades/score", json=sample_event())
    assert r.status_code == 200 and r.json()["metadata"]["fallback_reason"] == "model_error"
    metrics = svc.get("/metrics", role="auditor").text
    assert 'ibml_fallbacks_total{endpoint="trades.score",reason="model_error"} 1.0' in metrics


def test_slow_model_falls_back_inside_the_budget(make_service):
    slow = FakeDetector(delay_s=2.0)
    svc = make_service(detector=slow, latency_budget_ms=100)
    r = svc.post("/v1/trades/score", json=sample_event())
    assert r.status_code == 200
    meta = r.json()["metadata"]
    assert meta["fallback_reason"] == "model_timeout"
    assert meta["latency_ms"] < 2_000  # answered before the model finished (structural, not a benchmark)


def test_online_store_unavailable_is_documented_degraded_mode(make_service):
    detector = FakeDetector()
    svc = make_service(detector=detector, features=StaticFeatureSource(available=False))
    r = svc.post("/v1/trades/score", json=sample_event())
    assert r.status_code == 200
    assert r.json()["metadata"]["fallback_reason"] == "online_store_unavailable"
    assert r.json()["result"]["online_features"] == "unavailable"
    assert detector.calls == 0, "the model must not score imputed history"
    ready = svc.client.get("/readyz").json()
    assert ready["checks"]["online_store"] is False and "unreachable" in " ".join(ready["reasons"])


def test_feature_code_crash_is_503_not_500(make_service):
    svc = make_service(features=StaticFeatureSource(fail=True))
    r = svc.post("/v1/trades/score", json=sample_event())
    assert r.status_code == 503 and r.json()["request_id"]
    import json

    lines = [json.loads(x) for x in svc.settings.workspace.prediction_log.read_text().splitlines()]
    assert lines[-1]["status_code"] == 503 and lines[-1]["endpoint"] == "trades.score"
    assert lines[-1]["request_id"] == r.json()["request_id"] and lines[-1]["caller_role"] == "scorer"


def test_no_model_and_no_rules_is_503(make_service):
    from reference_impl.serving.testing import fake_rooms

    trades, kyc = fake_rooms(trade_model=_missing())
    trades.providers.rules_only = lambda: None
    svc = make_service(rooms=[trades, kyc])
    assert svc.post("/v1/trades/score", json=sample_event()).status_code == 503


def _break_audit(svc) -> None:
    """Replace the audit file by a directory: opening it fails even for root."""
    path = svc.state.audit.path
    svc.state.audit.close()
    if path.exists():
        path.unlink()
    path.mkdir(parents=True)


@pytest.mark.parametrize("path,body", [
    ("/v1/trades/score", sample_event()),
    ("/v1/trades/score-batch", {"events": [sample_event()]}),
    ("/v1/kyc/classify", {"doc_id": "D1", "text": "passport of someone"}),
])
def test_unwritable_audit_log_fails_closed(service, path, body):
    _break_audit(service)
    r = service.post(path, json=body)
    assert r.status_code == 503
    assert "audit" in r.json()["detail"] and "result" not in r.json()
    assert "ibml_audit_failures_total 1.0" in service.get("/metrics", role="auditor").text
    ready = service.client.get("/readyz").json()
    assert ready["checks"]["audit_log"] is False


def test_audit_recovers_after_the_fault_is_fixed(service):
    _break_audit(service)
    assert service.post("/v1/trades/score", json=sample_event()).status_code == 503
    service.state.audit.path.rmdir()
    assert service.post("/v1/trades/score", json=sample_event()).status_code == 200
    assert AuditLog(service.state.audit.path).verify().ok
