"""A model monitoring dashboard (ibml portfolio lab, project D).

Milestones (``tests/test_m<N>_*.py``):

1. :func:`psi`, :func:`quantile_bin_edges`, :func:`bin_proportions`, :func:`drift_table` — drift on reference bins;
2. :func:`health_summary`, :func:`health_over_time` — latency percentiles, error/fallback/flag rates per window;
3. :func:`evaluate_alerts`, :func:`business_metrics` — alert rules tied to business impact, with owners;
4. :func:`daily_report`, :func:`report_json` — one UTC day against the week before, deterministic JSON;
5. :func:`monitor_lab.api.create_app` — the dashboard service (JSON + HTML) behind API keys.
"""

from monitor_lab.alerts import (
    DEFAULT_RULES,
    AlertRule,
    BusinessContext,
    C,
    Condition,
    business_metrics,
    evaluate_alerts,
    rules_without_data,
)
from monitor_lab.catalog import OWNERS, Alert
from monitor_lab.drift import (
    DRIFT_COLUMNS,
    EMPTY_BIN_PROPORTION,
    PSI_MODERATE,
    PSI_SIGNIFICANT,
    bin_proportions,
    drift_table,
    psi,
    psi_level,
    quantile_bin_edges,
)
from monitor_lab.errors import MonitorError
from monitor_lab.health import HEALTH_COLUMNS, health_over_time, health_summary
from monitor_lab.report import REPORT_KEYS, daily_report, report_json

__all__ = [
    "DEFAULT_RULES",
    "DRIFT_COLUMNS",
    "EMPTY_BIN_PROPORTION",
    "HEALTH_COLUMNS",
    "OWNERS",
    "PSI_MODERATE",
    "PSI_SIGNIFICANT",
    "REPORT_KEYS",
    "Alert",
    "AlertRule",
    "BusinessContext",
    "C",
    "Condition",
    "MonitorError",
    "bin_proportions",
    "business_metrics",
    "daily_report",
    "drift_table",
    "evaluate_alerts",
    "health_over_time",
    "health_summary",
    "psi",
    "psi_level",
    "quantile_bin_edges",
    "report_json",
    "rules_without_data",
]
