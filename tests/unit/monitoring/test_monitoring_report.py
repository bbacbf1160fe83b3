"""End to end on the simulated log: every planted incident is found; the page is self-contained."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from reference_impl.cli import main
from reference_impl.errors import DataValidationError
from reference_impl.monitoring.dashboard import render_dashboard
from reference_impl.monitoring.logs import outcomes_path, write_jsonl
from reference_impl.monitoring.report import build_monitoring_report

REF = (pd.Timestamp("2026-11-02", tz="UTC"), pd.Timestamp("2026-11-06", tz="UTC"))
CUR = (pd.Timestamp("2026-11-07", tz="UTC"), pd.Timestamp("2026-11-08", tz="UTC"))


@pytest.fixture(scope="module")
def report(sim_log, sim_outcomes):
    return build_monitoring_report(sim_log, sim_outcomes, reference_window=REF, current_window=CUR)


def test_planted_drift_is_found_and_only_it(report):
    assert set(report.drift.drifted_features) == {"price_deviation_bps", "booking_delay_min"}
    assert report.drift.score.drifted


def test_planted_incidents_fire_business_alerts(report):
    rules = {a.rule for a in report.alerts}
    assert {"alert_volume_over_review_capacity", "error_rate_high", "latency_p99_over_slo",
            "price_deviation_drift", "kyc_auto_accept_down"} <= rules
    assert "fallback_rate_high" not in rules  # the fallback episode was on day 4, outside the current window


def test_fallback_episode_alerts_when_its_day_is_current(sim_log, sim_outcomes):
    day4 = (pd.Timestamp("2026-11-06", tz="UTC"), pd.Timestamp("2026-11-07", tz="UTC"))
    report = build_monitoring_report(sim_log, sim_outcomes, reference_window=REF, current_window=day4)
    assert "fallback_rate_high" in {a.rule for a in report.alerts}


def test_empty_window_is_an_error_naming_it(sim_log):
    empty = (pd.Timestamp("2030-01-01", tz="UTC"), pd.Timestamp("2030-01-02", tz="UTC"))
    with pytest.raises(DataValidationError, match="current window"):
        build_monitoring_report(sim_log, None, reference_window=REF, current_window=empty)


def test_dashboard_is_self_contained_with_all_charts(report):
    page = render_dashboard(report)
    assert page.startswith("<!DOCTYPE html>")
    charts = re.findall(r'<img id="chart-([a-z-]+)" class="chart" alt="[^"]*" src="data:image/png;base64,', page)
    assert charts == ["score-distribution", "psi", "latency", "rates", "outcomes"]
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert 'id="alerts"' in page and "reviewer hours/day" in page


def test_log_text_is_escaped(sim_log, sim_outcomes):
    from reference_impl.monitoring.alerts import AlertRule, C

    rule = AlertRule("x", "info", (C("requests", ">=", 0),), "<script>alert(1)</script>", "e", "i", "r")
    report = build_monitoring_report(sim_log, sim_outcomes, reference_window=REF, current_window=CUR, rules=[rule])
    page = render_dashboard(report)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_cli_writes_report(workspace, simulated, tmp_path, capsys):
    write_jsonl(simulated.predictions, workspace.prediction_log)
    write_jsonl(simulated.outcomes, outcomes_path(workspace))
    out = tmp_path / "report.html"
    code = main(["monitor", "report", "--out", str(out), "--reference-window", "2026-11-02/2026-11-06",
                 "--current-window", "2026-11-07/2026-11-08"])
    assert code == 0 and out.read_text().count('class="chart"') == 5
    assert "alerts firing" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "match"), [
    (["--current-window", "2026-11-07"], "--current-window"),
    (["--freq", "fortnightly"], "--freq"),
    (["--log", "/nonexistent/p.jsonl"], "does not exist"),
])
def test_cli_errors_are_one_line(workspace, simulated, tmp_path, capsys, args, match):
    write_jsonl(simulated.predictions, workspace.prediction_log)
    code = main(["monitor", "report", "--out", str(tmp_path / "r.html"), *args])
    err = capsys.readouterr().err
    assert code != 0 and match in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_simulate_then_report(workspace, tmp_path, capsys):
    assert main(["monitor", "simulate", "--days", "5", "--trades-per-day", "300", "--kyc-per-day", "40"]) == 0
    assert workspace.prediction_log.exists() and outcomes_path(workspace).exists()
    assert main(["monitor", "simulate", "--days", "5"]) != 0  # refuses to overwrite
    assert "--force" in capsys.readouterr().err
    assert main(["monitor", "report", "--out", str(tmp_path / "r.html")]) == 0


def _tiny_log(n):
    from reference_impl.monitoring.logs import records_to_frame

    return records_to_frame([{"ts": f"2026-11-02T10:00:0{i}Z", "endpoint": "trades.score", "status_code": 200,
                              "latency_ms": 5.0, "score": 0.1 * i, "flagged": False, "features": {"a": float(i)}}
                             for i in range(n)])


def test_tiny_log_with_few_distinct_scores_still_renders():
    # four scores -> the categorical test for the score, which has no PSI: rules must see "no data", not crash
    report = build_monitoring_report(_tiny_log(4))
    assert report.drift.score.kind == "categorical" and render_dashboard(report).count('class="chart"') == 5


def test_single_instant_log_is_a_clear_error():
    with pytest.raises(DataValidationError, match="single instant"):
        build_monitoring_report(_tiny_log(1))
