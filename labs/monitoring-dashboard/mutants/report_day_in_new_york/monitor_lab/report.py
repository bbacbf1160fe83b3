"""Adapter: the daily report is ``reference_impl.monitoring.build_monitoring_report`` on a UTC day, as JSON."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pandas as pd
from monitor_lab.alerts import evaluate_alerts
from monitor_lab.drift import table_of
from monitor_lab.errors import MonitorError, call

from reference_impl.monitoring.alerts import BusinessContext
from reference_impl.monitoring.report import build_monitoring_report

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
    start = pd.Timestamp(parse_day(day).isoformat(), tz="America/New_York")  # PLANTED BUG: the desk's local day
    current = (start, start + pd.Timedelta(days=1))
    reference = (start - pd.Timedelta(days=reference_days), start)
    report = call(
        build_monitoring_report, log, outcomes, reference_window=reference, current_window=current, context=context
    )
    return plain(
        {
            "day": start.date().isoformat(),
            "timezone": "UTC",
            "current_window": _window(current),
            "reference_window": _window(reference),
            "health_current": report.health_current,
            "health_reference": report.health_reference,
            "drift": table_of(report.drift).to_dict("records") if report.drift is not None else [],
            "metrics": report.metrics,
            "alerts": [a.to_dict() for a in evaluate_alerts(report.metrics, report.rules)],
            "rules_without_data": report.rules_without_data,
        }
    )


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(plain(report), sort_keys=True, indent=2, allow_nan=False)


def parse_day(day: dt.date | str) -> dt.date:
    """``day`` as a date; a malformed string is a :class:`MonitorError` naming ``day``."""
    if isinstance(day, dt.datetime):
        raise MonitorError(f"day {day.isoformat()!r} must be a date (YYYY-MM-DD), not a timestamp")
    if isinstance(day, dt.date):
        return day
    try:
        return dt.date.fromisoformat(str(day))
    except ValueError:
        raise MonitorError(f"day {day!r} is not a date like 2026-11-10 (YYYY-MM-DD)") from None


def plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN/inf to ``None``, tuples to lists, keys to strings."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _window(window: tuple[pd.Timestamp, pd.Timestamp]) -> dict[str, str]:
    return {"start": window[0].isoformat(), "end": window[1].isoformat()}


__all__ = ["REPORT_KEYS", "daily_report", "report_json"]
