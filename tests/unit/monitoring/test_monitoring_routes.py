"""``GET /dashboard`` mounted on the real service (fakes for models): auditor only, built from the log."""

from __future__ import annotations

import contextlib

import pytest

from reference_impl.monitoring.logs import write_jsonl
from reference_impl.monitoring.routes import dashboard_router
from reference_impl.serving import ServiceSettings, create_api_key, create_app
from reference_impl.serving.testing import fake_rooms, test_client
from reference_impl.serving.trades.testing import sample_event


@pytest.fixture
def service(workspace):
    settings = ServiceSettings(home=workspace.root, latency_budget_ms=5_000)
    keys = {role: create_api_key(settings.api_keys_path, role)[0] for role in ("scorer", "auditor")}
    app = create_app(settings, rooms=fake_rooms(), extra_routers=[dashboard_router])
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(test_client(app))
        yield client, keys, workspace


def test_auditor_gets_the_page_from_the_simulated_log(service, simulated):
    client, keys, ws = service
    write_jsonl(simulated.predictions, ws.prediction_log)
    resp = client.get("/dashboard", headers={"X-API-Key": keys["auditor"]},
                      params={"reference_window": "2026-11-02/2026-11-06", "current_window": "2026-11-07/2026-11-08"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    assert resp.text.count('class="chart"') == 5 and "alert_volume_over_review_capacity" not in resp.text
    assert "alert queue exceeds reviewer capacity" in resp.text


def test_other_roles_are_refused_and_bad_windows_named(service, simulated):
    client, keys, ws = service
    write_jsonl(simulated.predictions, ws.prediction_log)
    assert client.get("/dashboard").status_code == 401
    assert client.get("/dashboard", headers={"X-API-Key": keys["scorer"]}).status_code == 403
    resp = client.get("/dashboard", headers={"X-API-Key": keys["auditor"]}, params={"current_window": "soon"})
    assert resp.status_code == 422 and "current_window" in resp.json()["detail"]


def test_no_log_yet_is_404(service):
    client, keys, ws = service
    assert not ws.prediction_log.exists()
    assert client.get("/dashboard", headers={"X-API-Key": keys["auditor"]}).status_code == 404


def test_dashboard_reads_what_the_service_itself_logged(service):
    client, keys, _ = service
    for i in range(12):
        resp = client.post("/v1/trades/score", headers={"X-API-Key": keys["scorer"]},
                           json=sample_event(trade_id=f"T{i:06d}", quantity=1000.0 + 250 * i))
        assert resp.status_code == 200, resp.text
    resp = client.get("/dashboard", headers={"X-API-Key": keys["auditor"]})
    assert resp.status_code == 200 and resp.text.count('class="chart"') == 5
