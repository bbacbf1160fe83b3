"""`make demo` is the main job: run it end to end in a temporary workspace and check what it promises."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    import os

    home = tmp_path_factory.mktemp("demo-home")
    old = os.environ.get("IBML_HOME")
    os.environ["IBML_HOME"] = str(home)
    try:
        from reference_impl.demo import run_demo

        summary = run_demo(scale="small", seed=42, keep_serving=False)
    finally:
        if old is None:
            os.environ.pop("IBML_HOME", None)
        else:
            os.environ["IBML_HOME"] = old
    return home, summary


def test_demo_promotes_both_models_through_four_eyes(demo_run):
    home, summary = demo_run
    assert set(summary["champions"]) == {"trade-anomaly", "kyc-classifier"}
    events = [json.loads(line) for line in (home / "audit" / "audit.jsonl").read_text().splitlines()]
    kinds = {e.get("event_type") for e in events}
    assert any("approv" in str(k) for k in kinds), kinds


def test_demo_traffic_gets_no_server_errors_and_refuses_bad_requests(demo_run):
    _, summary = demo_run
    statuses = summary["requests"]
    assert not [k for k in statuses if k.split()[-1].startswith("5")], statuses
    assert statuses.get("malformed 422", 0) == 5
    assert statuses.get("malformed 413", 0) == 1
    assert statuses.get("unauthenticated 401", 0) == 1
    assert statuses.get("wrong role 403", 0) == 1
    assert statuses.get("dashboard 200", 0) == 1


def test_demo_outage_is_survived_with_rules_only_fallbacks(demo_run):
    _, summary = demo_run
    assert summary["fallback_decisions"] >= 60, "the model-store outage must produce rules-only decisions"


def test_demo_writes_report_with_alerts_and_an_intact_audit_chain(demo_run):
    home, summary = demo_run
    html = (home / "reports" / "report.html").read_text()
    assert "fallback_rate_high" in html or "fallback" in html
    assert html.count("<img") >= 5
    assert summary["audit"].startswith("ok")
    assert summary.get("service_stopped") is True
