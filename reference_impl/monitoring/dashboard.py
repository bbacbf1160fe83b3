"""Render a :class:`~reference_impl.monitoring.report.MonitoringReport` as one self-contained HTML page.

The same function serves ``GET /dashboard`` and writes ``ibml monitor report --out report.html``:
charts are embedded PNGs (``data:`` URIs), styles are inline, there are no scripts and no external
requests — the page works offline, inside a bank's locked-down browser, and as an e-mail attachment
kept with the audit evidence. Every piece of text from the log is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from reference_impl.monitoring import charts
from reference_impl.monitoring.report import MonitoringReport
from reference_impl.workspace import atomic_write

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5rem;color:#222;max-width:1200px}
h1{font-size:1.4rem;margin-bottom:.2rem} h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.85rem} table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top} th{background:#f4f4f4}
.sev-critical{background:#fde2e2} .sev-warning{background:#fff3d6} .sev-info{background:#e8f1fb}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:1rem}
figure{margin:0} figure img{max-width:100%;height:auto;border:1px solid #eee} figcaption{font-size:.8rem;color:#555}
.kpi{display:inline-block;margin:.3rem 1.2rem .3rem 0} .kpi b{display:block;font-size:1.2rem}
"""


def render_dashboard(report: MonitoringReport, *, title: str = "ibml model monitoring") -> str:
    """The dashboard page as an HTML string (charts rendered now, embedded as PNG data URIs)."""
    m = report.metrics
    figures = [
        (
            "score-distribution",
            "Score distribution, reference vs current",
            charts.score_distribution_chart(report.reference_scores, report.current_scores),
        ),
        (
            "psi",
            "PSI per feature (bars red when the Wasserstein/KS verdict says drifted)",
            charts.psi_chart(report.drift),
        ),
        (
            "latency",
            "Latency percentiles over time",
            charts.latency_chart(report.health_series, m.get("latency_slo_p99_ms")),
        ),
        (
            "rates",
            "Request volume with error, fallback, flag and manual-review rates",
            charts.rates_chart(report.health_series),
        ),
        (
            "outcomes",
            "Realised alert precision and KYC auto-accept accuracy (by decision day)",
            charts.outcomes_chart(report.outcomes_series),
        ),
    ]
    images = "\n".join(
        f'<figure><img id="chart-{cid}" class="chart" alt="{_e(caption)}" src="{charts.png_data_uri(charts.figure_png(fig))}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
        for cid, caption, fig in figures
    )
    ref, cur = report.reference_window, report.current_window
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">reference window {_e(_w(ref))} &middot; current window {_e(_w(cur))}</p>',
        _kpis(report),
        "<h2>Active alerts</h2>",
        _alerts_table(report),
        "<h2>Charts</h2>",
        f'<div class="grid">{images}</div>',
        "<h2>Drift per feature</h2>",
        _drift_table(report),
        "<h2>Service health</h2>",
        _health_table(report),
        '<p class="meta">Drift verdicts follow Evidently\'s defaults: KS p&le;0.05 (&le;1,000 reference rows) or '
        "normalised Wasserstein &ge;0.1 (above); chi-squared / Jensen-Shannon for categorical columns; dataset drift "
        "when &ge;50% of features drift. PSI uses reference-decile bins, empty bins count as 0.0001.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write_dashboard(report: MonitoringReport, out: Path | str, **kwargs: Any) -> Path:
    """Render and write the page atomically; returns the path written."""
    out = Path(out)
    page = render_dashboard(report, **kwargs)
    with atomic_write(out, "w") as fh:
        fh.write(page)
    return out


def _kpis(report: MonitoringReport) -> str:
    m = report.metrics
    items = [
        ("requests", f"{m['requests']:,}"),
        ("p99 latency", _fmt(m["latency_p99_ms"], "{:.0f} ms")),
        ("error rate", _fmt(m["error_rate"], "{:.2%}")),
        ("fallback rate", _fmt(m["fallback_rate"], "{:.2%}")),
        ("flag rate", _fmt(m["flag_rate"], "{:.2%}")),
        ("KYC manual review", _fmt(m["manual_review_rate"], "{:.1%}")),
        ("alert precision", _fmt(m["alert_precision"], "{:.0%}") + f" ({m['alert_labels']} labels)"),
        ("drifted features", _fmt(m["drift_share"], "{:.0%}")),
    ]
    return '<div id="kpis">' + "".join(f'<span class="kpi">{_e(k)}<b>{_e(v)}</b></span>' for k, v in items) + "</div>"


def _alerts_table(report: MonitoringReport) -> str:
    if not report.alerts:
        body = '<tr><td colspan="5">No alert is firing.</td></tr>'
    else:
        body = "".join(
            f'<tr class="sev-{_e(a.severity)}"><td>{_e(a.severity)}</td><td>{_e(a.summary)}</td>'
            f"<td>{_e(a.evidence)}</td><td>{_e(a.impact)}</td><td>{_e(a.runbook)}</td></tr>"
            for a in report.alerts
        )
    no_data = report.rules_without_data
    note = f'<p class="meta">No data to judge: {_e(", ".join(no_data))}</p>' if no_data else ""
    return (
        '<table id="alerts"><tr><th>severity</th><th>alert</th><th>evidence</th><th>business impact</th>'
        f"<th>runbook</th></tr>{body}</table>{note}"
    )


def _drift_table(report: MonitoringReport) -> str:
    if report.drift is None:
        return "<p>No trade features in either window.</p>"
    frame = report.drift.to_frame()
    rows = "".join(
        f"<tr><td>{_e(r.feature)}</td><td>{_e(r.test)}</td><td>{r.value:.4g}</td><td>{r.threshold:g}</td>"
        f"<td>{'DRIFT' if r.drifted else 'ok'}</td><td>{_fmt(r.psi, '{:.3f}')}</td><td>{_e(r.psi_level or '')}</td>"
        f"<td>{_fmt(r.ks_pvalue, '{:.3g}')}</td></tr>"
        for r in frame.itertuples()
    )
    verdict = "DATASET DRIFT" if report.drift.dataset_drift else "no dataset drift"
    return (
        f"<p>{verdict}: {len(report.drift.drifted_features)} of {len(report.drift.features)} features drifted "
        f"(threshold share {report.drift.drift_share_threshold:.0%}).</p>"
        '<table id="drift"><tr><th>feature</th><th>test</th><th>value</th><th>threshold</th><th>verdict</th>'
        f"<th>PSI</th><th>PSI band</th><th>KS p-value (context only)</th></tr>{rows}</table>"
    )


def _health_table(report: MonitoringReport) -> str:
    keys = (
        "requests",
        "latency_p50_ms",
        "latency_p95_ms",
        "latency_p99_ms",
        "error_rate",
        "fallback_rate",
        "flag_rate",
        "manual_review_rate",
        "auto_accept_rate",
    )
    rows = "".join(
        f"<tr><td>{_e(k)}</td><td>{_num(report.health_reference[k])}</td><td>{_num(report.health_current[k])}</td></tr>"
        for k in keys
    )
    return f'<table id="health"><tr><th>metric</th><th>reference</th><th>current</th></tr>{rows}</table>'


def _w(window) -> str:
    return f"{window[0]:%Y-%m-%d %H:%M} to {window[1]:%Y-%m-%d %H:%M} UTC"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return spec.format(value)


def _num(value: Any) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return _fmt(value, "{:.4g}")


__all__ = ["render_dashboard", "write_dashboard"]
