"""m4 — the daily report: one UTC day against the week before it, as deterministic JSON.

This is what the monitoring job files every morning as ongoing-monitoring evidence (SR 11-7 asks for
it): the same log must give the same bytes tomorrow and in two years, so an auditor can reproduce it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from monitor_lab.alerts import BusinessContext

#: Keys of the dictionary :func:`daily_report` returns.
REPORT_KEYS: tuple[str, ...] = (
    "day",
    "timezone",
    "current_window",
    "reference_window",
    "health_current",
    "health_reference",
    "drift",
    "metrics",
    "alerts",
    "rules_without_data",
)


def daily_report(
    log: pd.DataFrame,
    outcomes: pd.DataFrame | None,
    day: dt.date | str,
    *,
    reference_days: int = 7,
    context: BusinessContext = BusinessContext(),
) -> dict[str, Any]:
    """Drift, health, business metrics and fired alerts for ``day`` (``YYYY-MM-DD``), JSON-ready.

    * ``timezone`` is ``"UTC"``: the current window is ``[day 00:00 UTC, next day 00:00 UTC)``; the
      reference window is the ``reference_days`` days right before it (``[day - 7 days, day)``); each is
      ``{"start": iso, "end": iso}`` (ISO-8601 with ``+00:00``; end exclusive);
    * ``health_current`` / ``health_reference`` — :func:`~monitor_lab.health.health_summary` of each window;
    * ``drift`` — the drift table of the *trade features* and the score (successful trade rows; one dict
      per row of :func:`~monitor_lab.drift.drift_table`, ``score`` last), ``[]`` when a window has none;
    * ``metrics`` — the business metrics, drift keys filled in; ``alerts`` — ``Alert.to_dict()`` of every
      fired alert, most severe first; ``rules_without_data`` — as :func:`~monitor_lab.alerts.rules_without_data`;
    * every float is finite or ``None`` (NaN becomes ``None``), so ``json.dumps(..., allow_nan=False)`` works.

    A malformed ``day`` raises :class:`~monitor_lab.errors.MonitorError` naming ``day``; a window without
    predictions raises it naming the window. The prediction log and outcome frames are as
    ``reference_impl.monitoring.load_prediction_log`` / ``load_outcomes`` return them; you may build
    the report on ``reference_impl.monitoring.build_monitoring_report``'s analysis.
    """
    raise NotImplementedError("TODO m4: daily_report — UTC day vs the week before, alerts with owners")


def report_json(report: dict[str, Any]) -> str:
    """The report as canonical JSON: sorted keys, two-space indent, no NaN (the bytes an auditor files)."""
    raise NotImplementedError("TODO m4: report_json — canonical, byte-stable JSON")


__all__ = ["REPORT_KEYS", "daily_report", "report_json"]
