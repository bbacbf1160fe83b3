"""Model monitoring over the service's prediction log: drift, outcomes, health, business alerts, dashboard.

Data flow: ``logs`` reads the prediction log and the late outcome labels; ``drift``, ``health`` and
``outcomes`` each compute one family of signals; ``report`` combines them into business metrics and
evaluates the declarative rules in ``alerts``; ``dashboard`` renders the result as one HTML page
(``routes`` serves it at ``/dashboard``). ``simulate`` writes a synthetic log with planted incidents.
"""

from reference_impl.monitoring.alerts import (
    DEFAULT_RULES,
    Alert,
    AlertRule,
    BusinessContext,
    C,
    Condition,
    evaluate_alerts,
)
from reference_impl.monitoring.dashboard import render_dashboard, write_dashboard
from reference_impl.monitoring.drift import (
    DriftReport,
    DriftThresholds,
    FeatureDrift,
    detect_drift,
    js_distance,
    psi,
    wasserstein_norm,
)
from reference_impl.monitoring.health import health_over_time, health_summary
from reference_impl.monitoring.logs import (
    load_outcomes,
    load_prediction_log,
    outcomes_path,
    outcomes_to_frame,
    parse_window,
    records_to_frame,
    write_jsonl,
)
from reference_impl.monitoring.outcomes import join_outcomes, outcome_summary, outcomes_over_time
from reference_impl.monitoring.report import MonitoringReport, build_monitoring_report, report_from_files
from reference_impl.monitoring.simulate import SimulatedLog, simulate_prediction_log

__all__ = [
    "Alert",
    "AlertRule",
    "BusinessContext",
    "C",
    "Condition",
    "DEFAULT_RULES",
    "DriftReport",
    "DriftThresholds",
    "FeatureDrift",
    "MonitoringReport",
    "SimulatedLog",
    "build_monitoring_report",
    "detect_drift",
    "evaluate_alerts",
    "health_over_time",
    "health_summary",
    "join_outcomes",
    "js_distance",
    "load_outcomes",
    "load_prediction_log",
    "outcome_summary",
    "outcomes_over_time",
    "outcomes_path",
    "outcomes_to_frame",
    "parse_window",
    "psi",
    "records_to_frame",
    "render_dashboard",
    "report_from_files",
    "simulate_prediction_log",
    "wasserstein_norm",
    "write_dashboard",
    "write_jsonl",
]
