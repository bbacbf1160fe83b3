"""Adapter: PSI, bins and the drift table are ``reference_impl.monitoring.drift``'s."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from monitor_lab.errors import MonitorError, call

from reference_impl.monitoring import drift as ref
from reference_impl.monitoring.drift import EMPTY_BIN_PROPORTION, DriftThresholds

PSI_MODERATE = DriftThresholds().psi_moderate
PSI_SIGNIFICANT = DriftThresholds().psi_significant

DRIFT_COLUMNS: tuple[str, ...] = (
    "feature",
    "kind",
    "n_reference",
    "n_current",
    "test",
    "value",
    "threshold",
    "drifted",
    "psi",
    "psi_level",
)


def quantile_bin_edges(reference: np.ndarray, n_bins: int = 10) -> np.ndarray:
    return call(ref.quantile_bin_edges, np.asarray(reference, dtype=float), n_bins)


def bin_proportions(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return call(ref.bin_proportions, np.asarray(values, dtype=float), np.asarray(edges, dtype=float))


def psi(reference: np.ndarray, current: np.ndarray, n_bins: int = 10) -> float:
    # PLANTED BUG: the bins are cut at the *current* window's quantiles, so the yardstick moves with the population
    ref_values, cur_values = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = quantile_bin_edges(cur_values, n_bins)
    ref_p, cur_p = bin_proportions(ref_values, edges), bin_proportions(cur_values, edges)
    return float(np.sum((cur_p - ref_p) * np.log(cur_p / ref_p)))


def psi_level(value: float) -> str:
    return ref.psi_level(value)


def drift_table(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    categorical: Iterable[str] = (),
) -> pd.DataFrame:
    report = call(ref.detect_drift, reference, current, columns=columns, categorical=categorical)
    return table_of(report)


def table_of(report: ref.DriftReport) -> pd.DataFrame:
    """The lab's columns of a reference :class:`DriftReport` (features, then the score if tested)."""
    frame = report.to_frame()
    if frame.empty:
        raise MonitorError("drift table: no columns to compare")
    return frame[list(DRIFT_COLUMNS)].reset_index(drop=True)


__all__ = [
    "DRIFT_COLUMNS",
    "EMPTY_BIN_PROPORTION",
    "PSI_MODERATE",
    "PSI_SIGNIFICANT",
    "bin_proportions",
    "drift_table",
    "psi",
    "psi_level",
    "quantile_bin_edges",
]
