"""KYC classification, the review queue workflow, /v1/models, reload and metrics."""

from __future__ import annotations

import pytest

from reference_impl.governance import AuditLog
from reference_impl.serving.models import loaded
from reference_impl.serving.testing import fake_rooms
from reference_impl.serving.trades.testing import FakeDetector, sample_event


def test_classify_routes_and_queues_manual_review(service):
    auto = service.post("/v1/kyc/classify", json={"doc_id": "D1", "text": "Passport of Anna"})
    manual = service.post("/v1/kyc/classify", json={"doc_id": "D2", "text": "some ambiguous letter"})
    assert auto.json()["route"] == "auto_accept" and auto.json()["review_item_id"] is None
    assert manual.json()["route"] == "manual_review" and manual.json()["review_item_id"] is not None
    assert manual.json()["metadata"]["model_version"] == "fake-kyc-1"


def test_review_workflow_list_claim_decide(service):
    item_id = service.post("/v1/kyc/classify", json={"doc_id": "D2", "text": "ambiguous letter"}).json()["review_item_id"]
    listing = service.get("/v1/kyc/review", role="reviewer").json()["items"]
    assert [i["item_id"] for i in listing] == [item_id] and "text" not in listing[0]
    claimed = service.post(f"/v1/kyc/review/{item_id}/claim", role="reviewer")
    assert claimed.status_code == 200 and claimed.json()["status"] == "claimed"
    assert service.post(f"/v1/kyc/review/{item_id}/claim", role="admin").status_code == 403  # admin does not decide cases
    decided = service.post(f"/v1/kyc/review/{item_id}/decide", role="reviewer",
                           json={"label": "utility_bill", "comment": "checked"})
    assert decided.status_code == 200 and decided.json()["status"] == "decided"
    assert service.get("/v1/kyc/review", role="reviewer", params={"status": "decided"}).json()["items"][0]["item_id"] == item_id
    events = [r["event_type"] for r in AuditLog(service.settings.workspace.audit_log).records()]
    assert events == ["kyc.decision", "kyc.review.claimed", "kyc.review.decided"]


def test_review_errors_map_to_404_409_422(service):
    assert service.post("/v1/kyc/review/999/claim", role="reviewer").status_code == 404
    item_id = service.post("/v1/kyc/classify", json={"doc_id": "D3", "text": "a letter"}).json()["review_item_id"]
    r = service.post(f"/v1/kyc/review/{item_id}/decide", role="reviewer", json={"label": "passport"})
    assert r.status_code == 409  # not claimed
    bad = service.post(f"/v1/kyc/review/{item_id}/decide", role="reviewer", json={"label": "Passport!"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "label"]


def test_kyc_without_model_sends_everything_to_review(make_service):
    from reference_impl.serving.models import LoadedModel

    svc = make_service(kyc=LoadedModel(name="kyc-classifier", obj=None, status="missing", source="none"))
    r = svc.post("/v1/kyc/classify", json={"doc_id": "D9", "text": "Passport of Anna"})
    assert r.status_code == 200
    assert r.json()["route"] == "manual_review" and r.json()["metadata"]["fallback_reason"] == "model_missing"


def test_models_endpoint_reports_provenance(service):
    models = {m["name"]: m for m in service.get("/v1/models").json()["models"]}
    trade = models["trade-anomaly"]
    assert trade["status"] == "loaded" and trade["version"] == "fake-1"
    assert trade["training_data_digest"] == "sha256:fake" and trade["approval_state"] == "approved"
    assert trade["ruleset_version"] == "fake-rules-1"


def test_admin_reload_swaps_the_model_and_is_audited(make_service):
    versions = iter(["1", "2"])

    class Versioned(FakeDetector):
        def __init__(self, v):
            super().__init__()
            self.model_version_ = v

    trades, kyc = fake_rooms()
    trades.providers.trade_model = lambda s: loaded("trade-anomaly", Versioned(next(versions)), "fake")
    svc = make_service(rooms=[trades, kyc])
    assert svc.post("/v1/trades/score", json=sample_event()).json()["metadata"]["model_version"] == "1"
    r = svc.post("/v1/admin/reload", role="admin")
    assert r.status_code == 200
    assert {m["name"]: m["version"] for m in r.json()["models"]}["trade-anomaly"] == "2"
    rec = [x for x in AuditLog(svc.settings.workspace.audit_log).records() if x["event_type"] == "service.models_reloaded"]
    assert rec[0]["payload"]["before"]["trade-anomaly"] == "1" and rec[0]["payload"]["after"]["trade-anomaly"] == "2"


def test_metrics_have_a_bucket_at_the_objective(make_service):
    svc = make_service(latency_objective_ms=30)
    from reference_impl.serving.trades.testing import sample_event

    svc.post("/v1/trades/score", json=sample_event())
    text = svc.get("/metrics", role="auditor").text
    assert 'ibml_request_latency_seconds_bucket{endpoint="/v1/trades/score",le="0.03"}' in text  # count depends on timing
    assert 'ibml_request_latency_seconds_bucket{endpoint="/v1/trades/score",le="+Inf"} 1.0' in text
    assert 'ibml_requests_total{endpoint="/v1/trades/score",method="POST",status="200"} 1.0' in text
    assert 'ibml_model_loaded{model="trade-anomaly"} 1.0' in text
    assert 'ibml_decisions_total{decision="clear",endpoint="trades.score"} 1.0' in text


def test_settings_read_ibml_environment(monkeypatch, tmp_path):
    from reference_impl.serving import ServiceSettings

    monkeypatch.setenv("IBML_LATENCY_BUDGET_MS", "12.5")
    monkeypatch.setenv("IBML_MODEL_SOURCE", "registry")
    monkeypatch.setenv("IBML_HOME", str(tmp_path))
    s = ServiceSettings()
    assert s.latency_budget_ms == 12.5 and s.model_source == "registry" and s.home == tmp_path
    assert s.host == "127.0.0.1"


def test_registry_failure_is_reported_not_raised():
    from reference_impl.serving.models import load_from_registry

    m = load_from_registry("trade-anomaly", "sqlite:////nonexistent/dir/mlflow.db")
    assert m.status == "error" and m.obj is None and m.detail


class _ModelNeedingWarmUp:
    """Stands in for a registry-loaded detector whose SHAP explainer is built by ``warm_up``."""

    model_version = "7"

    def __init__(self, fail: bool = False) -> None:
        self.fail, self.warmed = fail, 0

    def warm_up(self) -> "_ModelNeedingWarmUp":
        if self.fail:
            raise RuntimeError("explainer could not be built")
        self.warmed += 1
        return self


@pytest.mark.parametrize("fail", [False, True])
def test_registry_models_are_warmed_up_before_they_serve(monkeypatch, fail):
    """The first flagged trade must not pay the explainer's set-up inside its latency budget."""
    import reference_impl.lifecycle as lifecycle
    from reference_impl.serving.models import load_from_registry

    model = _ModelNeedingWarmUp(fail=fail)
    monkeypatch.setattr(lifecycle, "load_champion", lambda name, tracking_uri=None: (model, None))
    m = load_from_registry("trade-anomaly", None)
    if fail:
        assert (m.ready, m.status) == (False, "error") and "explainer could not be built" in m.detail
    else:
        assert m.ready and model.warmed == 1 and m.version == "7"
