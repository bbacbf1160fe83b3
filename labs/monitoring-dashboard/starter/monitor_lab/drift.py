"""m1 — drift between a reference window and a current window.

PSI (population stability index) is the number a bank's model-risk team asks for first:
``PSI = sum((cur% - ref%) * ln(cur% / ref%))`` over bins. The bins come from the **reference**
window (its quantiles), never from the current one: the question is "has the population moved away
from what the model was validated on?", so the yardstick must not move with the population.
Bands: below :data:`PSI_MODERATE` stable, below :data:`PSI_SIGNIFICANT` moderate, else significant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

#: Proportion given to an empty bin so PSI's log and division stay finite (Evidently's choice).
EMPTY_BIN_PROPORTION = 1e-4
#: The conventional PSI bands (the reference implementation's ``DriftThresholds`` defaults).
PSI_MODERATE = 0.1
PSI_SIGNIFICANT = 0.25
#: Columns of :func:`drift_table`, in order.
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
    """The ``n_bins - 1`` inner edges at the reference window's quantiles, de-duplicated and sorted.

    Ties give fewer bins (a column that is mostly zeros has few distinct deciles). Non-finite values
    are ignored; a reference with no finite value raises :class:`~monitor_lab.errors.MonitorError`.
    """
    raise NotImplementedError("TODO m1: quantile_bin_edges — reference quantiles, de-duplicated")


def bin_proportions(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of ``values`` in each bin ``(-inf, e0], (e0, e1], ..., (e_last, +inf)`` (``len(edges) + 1`` bins).

    The outer bins are open, so values outside the reference range land in the first or last bin,
    never nowhere. An empty bin gets :data:`EMPTY_BIN_PROPORTION` instead of 0. Non-finite values are
    ignored; no finite value at all raises :class:`~monitor_lab.errors.MonitorError`.
    """
    raise NotImplementedError("TODO m1: bin_proportions — open outer bins, empty bins get 1e-4")


def psi(reference: np.ndarray, current: np.ndarray, n_bins: int = 10) -> float:
    """PSI of ``current`` against ``reference`` on the reference window's quantile bins (always finite)."""
    raise NotImplementedError("TODO m1: psi — reference-quantile bins, sum((c - r) * ln(c / r))")


def psi_level(value: float) -> str:
    """``"stable"`` (< :data:`PSI_MODERATE`), ``"moderate"`` (< :data:`PSI_SIGNIFICANT`) or ``"significant"``."""
    raise NotImplementedError("TODO m1: psi_level — the three conventional bands")


def drift_table(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    categorical: Iterable[str] = (),
) -> pd.DataFrame:
    """One row per feature (in ``columns`` order, default: the columns both frames share) with :data:`DRIFT_COLUMNS`.

    The verdict follows Evidently's default preset: a numeric column (more than 5 distinct values)
    is judged by Kolmogorov-Smirnov (``test == "ks"``, p-value <= 0.05) when the reference has at most
    1,000 rows, else by the Wasserstein distance in reference standard deviations
    (``"wasserstein"``, >= 0.1); a categorical column (or one in ``categorical``) by chi-squared
    (``"chisquare"``, p-value < 0.05) or Jensen-Shannon distance (``"jensenshannon"``, >= 0.1). ``psi``/``psi_level`` are
    shown for numeric columns (NaN / None for categorical ones) and are not part of the verdict.
    A missing column or an empty window raises :class:`~monitor_lab.errors.MonitorError` naming it.
    You may compute the statistical tests with ``reference_impl.monitoring.drift`` (the lab is about
    the monitor, not about re-deriving scipy); PSI and the binning above are yours.
    """
    raise NotImplementedError("TODO m1: drift_table — one row per feature, verdict + PSI")


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
