"""Matplotlib charts for the monitoring dashboard, returned as PNG bytes.

We build :class:`matplotlib.figure.Figure` objects directly (no ``pyplot``): no global state, so
the API can render the dashboard from several threads and tests never leak open figures.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reference_impl.monitoring.drift import DriftReport

_SIZE = (7.0, 3.2)
_DPI = 90


def figure_png(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes (deterministic: no timestamp metadata)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` so the HTML page is one self-contained file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def score_distribution_chart(reference: np.ndarray, current: np.ndarray) -> Figure:
    """Score histograms, reference vs current, on shared bins (densities, so window sizes don't matter)."""
    fig = Figure(figsize=_SIZE)
    ax = fig.subplots()
    both = np.concatenate([reference, current]) if len(reference) + len(current) else np.array([0.0, 1.0])
    low, high = float(np.min(both)), float(np.max(both))
    if high - low < 1e-12:  # every score equal (e.g. rules-only): give the bars some width
        low, high = low - 0.5, high + 0.5
    bins = np.linspace(low, high, 41).tolist()
    if len(reference):
        ax.hist(
            reference, bins=bins, density=True, alpha=0.55, label=f"reference (n={len(reference):,})", color="#4c72b0"
        )
    if len(current):
        ax.hist(current, bins=bins, density=True, alpha=0.55, label=f"current (n={len(current):,})", color="#dd8452")
    ax.set_xlabel("anomaly score")
    ax.set_ylabel("density")
    ax.set_title("Score distribution: reference vs current")
    ax.legend(loc="upper right", fontsize=8)
    return fig


def psi_chart(drift: DriftReport | None) -> Figure:
    """PSI per feature with the 0.1 / 0.25 bands; drifted features (by the verdict's test) in red."""
    fig = Figure(figsize=_SIZE, layout="constrained")
    ax = fig.subplots()
    rows = [f for f in (drift.features + ((drift.score,) if drift.score else ())) if f.psi is not None] if drift else []
    if drift is None or not rows:
        ax.text(0.5, 0.5, "no numeric features in the prediction log", ha="center", va="center")
        ax.set_axis_off()
        return fig
    names = [f.feature for f in rows]
    values = [float(f.psi or 0.0) for f in rows]  # rows all have a PSI
    colors = ["#c44e52" if f.drifted else "#55a868" for f in rows]
    ax.barh(names, values, color=colors)
    ax.axvline(drift.thresholds.psi_moderate, color="#dd8452", linestyle="--", linewidth=1, label="PSI 0.1 moderate")
    ax.axvline(
        drift.thresholds.psi_significant, color="#c44e52", linestyle="--", linewidth=1, label="PSI 0.25 significant"
    )
    ax.invert_yaxis()
    ax.set_xlabel("PSI (red = drifted by Wasserstein/KS verdict)")
    ax.set_title("Drift per feature")
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)  # below the axes: hides no bar
    return fig


def latency_chart(series: pd.DataFrame, slo_ms: float | None = None) -> Figure:
    """p50 / p95 / p99 latency per bucket, log scale, with the p99 SLO line."""
    fig = Figure(figsize=_SIZE)
    ax = fig.subplots()
    x = _x(series)
    for col, label in (("latency_p50_ms", "p50"), ("latency_p95_ms", "p95"), ("latency_p99_ms", "p99")):
        ax.plot(x, series[col].to_numpy(float), marker="o", markersize=3, label=label)
    if slo_ms:
        ax.axhline(slo_ms, color="#c44e52", linestyle="--", linewidth=1, label=f"p99 SLO {slo_ms:.0f} ms")
    ax.set_yscale("log")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Latency percentiles over time")
    ax.legend(loc="upper left", fontsize=8)
    _time_axis(fig, ax, x)
    return fig


def rates_chart(series: pd.DataFrame) -> Figure:
    """Error, fallback, flag and manual-review rates per bucket, over the request volume (grey bars)."""
    fig = Figure(figsize=_SIZE)
    ax = fig.subplots()
    x = _x(series)
    for col, label in (
        ("error_rate", "error (5xx)"),
        ("fallback_rate", "fallback"),
        ("flag_rate", "trade flag"),
        ("manual_review_rate", "KYC manual review"),
    ):
        ax.plot(x, 100 * series[col].to_numpy(float), marker="o", markersize=3, label=label)
    ax.set_ylabel("% of requests / decisions")
    ax.set_title("Request volume; error, fallback, flag and review rates")
    volume = ax.twinx()
    volume.bar(x, series["requests"].to_numpy(float), width=_bar_width(x), color="grey", alpha=0.15, label="requests")
    volume.set_ylabel("requests per bucket")
    ax.set_zorder(volume.get_zorder() + 1)
    ax.patch.set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = volume.get_legend_handles_labels()
    ax.legend(handles + more_handles, labels + more_labels, loc="upper left", fontsize=8)
    _time_axis(fig, ax, x)
    return fig


def outcomes_chart(series: pd.DataFrame) -> Figure:
    """Realised alert precision and KYC auto-accept accuracy per decision day, with label coverage."""
    fig = Figure(figsize=_SIZE)
    ax = fig.subplots()
    x = _x(series)
    if len(series):
        ax.plot(x, 100 * series["alert_precision"].to_numpy(float), marker="o", markersize=3, label="alert precision")
        ax.plot(
            x,
            100 * series["auto_accept_accuracy"].to_numpy(float),
            marker="s",
            markersize=3,
            label="KYC auto-accept accuracy",
        )
        ax.bar(
            x,
            100 * series["label_coverage"].to_numpy(float),
            alpha=0.2,
            color="grey",
            label="alerts labelled so far",
            width=_bar_width(x),
        )
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title("Outcomes (late labels joined back to decisions)")
    ax.legend(loc="lower left", fontsize=8)
    _time_axis(fig, ax, x)
    return fig


def _time_axis(fig: Figure, ax: Axes, x: Sequence) -> None:
    """Dates as a reader writes them (``06:20``, ``Nov 15``), never ``06:20.000000``; the zone in the label."""
    if not (len(x) and hasattr(x[0], "toordinal")):  # not a time axis (a series indexed by numbers)
        return
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("time (UTC)")
    fig.autofmt_xdate()


def _x(series: pd.DataFrame) -> Sequence:
    index = series.index
    if isinstance(index, pd.DatetimeIndex):
        return index.tz_convert("UTC").tz_localize(None).to_pydatetime()
    return list(index)


def _bar_width(x: Sequence) -> float:
    if len(x) > 1 and hasattr(x[0], "toordinal"):
        return 0.8 * min((b - a).total_seconds() for a, b in zip(x[:-1], x[1:])) / 86400.0
    return 0.8


__all__ = [
    "figure_png",
    "png_data_uri",
    "score_distribution_chart",
    "psi_chart",
    "latency_chart",
    "rates_chart",
    "outcomes_chart",
]
