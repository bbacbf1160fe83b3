"""The service on the real feature, anomaly and KYC-queue code (no fakes), loaded from workspace files."""

from __future__ import annotations

import pytest

from reference_impl.features import MODEL_FEATURES
from reference_impl.governance import AuditLog
from reference_impl.serving import ServiceSettings, create_app
from reference_impl.serving.demo import build_demo_deployment
from reference_impl.serving.testing import test_client

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    home = tmp_path_factory.mktemp("ibml-real")
    settings = ServiceSettings(home=home, latency_budget_ms=10_000)
    return build_demo_deployment(settings, n_trades=2_000, n_events=40, with_kyc=False)


@pytest.fixture(scope="module")
def client(deployment):
    with test_client(create_app(deployment.settings)) as c:
        yield c


def _score(client, deployment, body):
    return client.post("/v1/trades/score", json=body, headers={"X-API-Key": deployment.keys["scorer"]})


def test_ready_except_the_missing_kyc_model(client):
    body = client.get("/readyz").json()
    assert body["checks"]["trade_model"] and body["checks"]["online_store"] and body["checks"]["audit_log"]
    assert body["checks"]["kyc_model"] is False and any("kyc_model" in r for r in body["reasons"])


def test_real_events_are_scored_by_the_model_with_online_features(client, deployment):
    for body in deployment.events[:10]:
        r = _score(client, deployment, body)
        assert r.status_code == 200, r.text
        meta, result = r.json()["metadata"], r.json()["result"]
        assert meta["fallback_used"] is False and meta["model_version"].startswith("iforest-")
        assert set(MODEL_FEATURES) <= set(result["features_used"])
        assert result["online_features"] == "ok" and result["score"] is not None
    assert AuditLog(deployment.settings.workspace.audit_log).verify().ok


def test_invariance_trade_id_does_not_change_the_score(client, deployment):
    body = deployment.events[0]
    a = _score(client, deployment, body).json()["result"]
    b = _score(client, deployment, {**body, "trade_id": "RENAMED-1"}).json()["result"]
    assert a["score"] == pytest.approx(b["score"], abs=1e-12) and a["flagged"] == b["flagged"]


def test_direction_a_fat_finger_is_flagged(client, deployment):
    body = next(e for e in deployment.events if e["event_type"] == "new")
    big = {**body, "quantity": body["quantity"] * 1_000, "notional_usd": body["notional_usd"] * 1_000}
    normal = _score(client, deployment, body).json()["result"]
    fat = _score(client, deployment, big).json()["result"]
    assert fat["flagged"] and fat["reasons"]
    assert fat["score"] >= normal["score"]


def test_batch_matches_single_scoring(client, deployment):
    events = deployment.events[10:15]
    batch = client.post("/v1/trades/score-batch", json={"events": events},
                        headers={"X-API-Key": deployment.keys["scorer"]}).json()["results"]
    singles = [_score(client, deployment, e).json()["result"] for e in events]
    assert [b["score"] for b in batch] == pytest.approx([s["score"] for s in singles], abs=1e-12)
