"""m5 — the dashboard service: the daily report as JSON and the page as HTML, behind API keys."""

from __future__ import annotations

import html
import json

import pytest
from conftest import FALLBACK_DAY, SPIKE_DAY, auth, sim_log, sim_outcomes
from monitor_lab import daily_report, report_json

DAILY = f"/v1/monitoring/daily/{FALLBACK_DAY}"


def test_the_auditor_reads_the_daily_report(service):
    client = service()
    response = client.get(DAILY, headers=auth("auditor"))
    assert response.status_code == 200, f"auditor -> 200, got {response.status_code}: {response.text[:200]}"
    assert response.headers["content-type"].startswith("application/json")
    assert response.text == report_json(daily_report(sim_log(), sim_outcomes(), FALLBACK_DAY)), (
        "the body must be the report_json bytes of the day's report (read from home/logs)"
    )
    rules = [a["rule"] for a in response.json()["alerts"]]
    assert "fallback_rate_high" in rules, f"the fallback incident must be in the served report: {rules}"


def test_admin_may_read_too(service):
    assert service().get(DAILY, headers=auth("admin")).status_code == 200


@pytest.mark.parametrize("path", [DAILY, "/dashboard"])
def test_no_key_or_an_unknown_key_is_401(service, path):
    client = service()
    assert client.get(path).status_code == 401, f"{path} without a key must be 401"
    unknown = {"X-API-Key": "ibml_ffffffffffff_not-a-key"}
    assert client.get(path, headers=unknown).status_code == 401, f"{path} with an unknown key must be 401"


@pytest.mark.parametrize("role", ["scorer", "reviewer"])
@pytest.mark.parametrize("path", [DAILY, "/dashboard"])
def test_other_roles_are_403(service, role, path):
    response = service().get(path, headers=auth(role))
    assert response.status_code == 403, (
        f"a {role} key on {path} must be 403 (monitoring shows volumes and model weaknesses: auditor/admin only), "
        f"got {response.status_code}"
    )


def test_bad_and_empty_days(service):
    client = service()
    bad = client.get("/v1/monitoring/daily/2026-11-31", headers=auth("auditor"))
    assert bad.status_code == 422 and "day" in bad.json()["detail"], f"a malformed day is 422 naming it: {bad.text}"
    none = client.get("/v1/monitoring/daily/2026-12-25", headers=auth("auditor"))
    assert none.status_code == 404, f"a day without predictions is 404, got {none.status_code}: {none.text}"


def test_no_log_yet_is_404(service):
    client = service(with_logs=False)
    for path in (DAILY, "/dashboard"):
        response = client.get(path, headers=auth("auditor"))
        assert response.status_code == 404, f"{path} before any traffic must be 404, got {response.status_code}"
        assert response.json()["detail"], "with a one-line reason"


def test_the_dashboard_page_is_self_contained_html_with_the_active_alerts(service):
    client = service()
    response = client.get(
        "/dashboard",
        params={"reference_window": "2026-11-04/2026-11-11", "current_window": f"{SPIKE_DAY}/2026-11-12"},
        headers=auth("auditor"),
    )
    assert response.status_code == 200, f"auditor -> 200, got {response.status_code}: {response.text[:200]}"
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http://" not in page and "https://" not in page, (
        "the page must work offline in a locked-down browser: no scripts, no external requests"
    )
    served = json.loads(client.get(f"/v1/monitoring/daily/{SPIKE_DAY}", headers=auth("auditor")).text)
    for alert in served["alerts"]:
        if alert["severity"] == "critical":
            assert html.escape(alert["summary"]) in page, (
                f"the critical alert {alert['rule']!r} of {SPIKE_DAY} must be on the page: {alert['summary']!r}"
            )


def test_a_bad_window_is_422_naming_it(service):
    response = service().get("/dashboard", params={"current_window": "yesterday"}, headers=auth("auditor"))
    assert response.status_code == 422 and "current_window" in response.json()["detail"], response.text
