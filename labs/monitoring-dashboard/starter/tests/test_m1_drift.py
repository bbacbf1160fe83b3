"""m1 — drift: PSI on the reference window's quantile bins, empty bins, out-of-range values, a drift table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from monitor_lab import (
    DRIFT_COLUMNS,
    EMPTY_BIN_PROPORTION,
    PSI_MODERATE,
    PSI_SIGNIFICANT,
    MonitorError,
    bin_proportions,
    drift_table,
    psi,
    psi_level,
    quantile_bin_edges,
)


def test_bin_edges_are_the_reference_deciles():
    edges = quantile_bin_edges(np.arange(1.0, 101.0), n_bins=10)
    expected = np.quantile(np.arange(1.0, 101.0), np.linspace(0, 1, 11)[1:-1])
    assert len(edges) == 9, f"10 bins need 9 inner edges, got {len(edges)}: {edges}"
    np.testing.assert_allclose(edges, expected, err_msg="inner edges must sit at the reference quantiles")


def test_tied_values_give_fewer_unique_edges():
    reference = np.array([0.0] * 80 + [1.0, 2.0, 3.0, 4.0, 5.0] * 4)
    edges = quantile_bin_edges(reference, n_bins=10)
    assert list(edges) == sorted(set(edges)), f"edges must be unique and sorted, got {edges}"
    assert len(edges) < 9, f"a column that is 80 % zeros cannot have 9 distinct deciles, got {edges}"


def test_values_outside_the_reference_range_land_in_the_outer_bins():
    props = bin_proportions(np.array([-1000.0, 1.0, 3.0, 1000.0]), np.array([2.0]))
    np.testing.assert_allclose(
        props, [0.5, 0.5], err_msg="bins are (-inf, 2] and (2, inf): -1000 and 1 left, 3 and 1000 right"
    )


def test_a_value_equal_to_an_edge_belongs_to_the_bin_on_its_left():
    props = bin_proportions(np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0]))
    np.testing.assert_allclose(props, [0.75, 0.25], err_msg="bins are closed on the right: (-inf, 2], (2, inf)")


def test_an_empty_bin_gets_a_small_proportion_not_zero():
    props = bin_proportions(np.array([1.0, 1.5, 1.8]), np.array([2.0, 3.0]))
    assert props[0] == pytest.approx(1.0), f"all three values are <= 2, got {props}"
    assert props[1] == pytest.approx(EMPTY_BIN_PROPORTION) and props[2] == pytest.approx(EMPTY_BIN_PROPORTION), (
        f"empty bins must get {EMPTY_BIN_PROPORTION} (so ln and division stay finite), got {props}"
    )


def test_psi_by_hand():
    reference = np.arange(1.0, 11.0)  # median 5.5: two bins of five
    current = np.array([1.0] * 8 + [9.0, 9.0])  # 80 % left, 20 % right
    expected = (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    assert psi(reference, current, n_bins=2) == pytest.approx(expected, rel=1e-9), (
        "PSI = sum((cur% - ref%) * ln(cur% / ref%)) on bins cut at the *reference* median (5.5): "
        f"expected {expected:.4f}"
    )


def test_bins_come_from_the_reference_window_not_the_current_one():
    rng = np.random.default_rng(1)
    reference = rng.normal(0.0, 1.0, 5000)
    current = rng.normal(0.0, 1.0, 5000) * 3.0  # same centre, three times the spread
    edges = quantile_bin_edges(reference, 10)
    expected_value = float(
        np.sum(
            (bin_proportions(current, edges) - bin_proportions(reference, edges))
            * np.log(bin_proportions(current, edges) / bin_proportions(reference, edges))
        )
    )
    assert psi(reference, current) == pytest.approx(expected_value, rel=1e-9), (
        "psi must bin both windows on the reference window's deciles"
    )


def test_identical_windows_are_stable_and_a_one_sd_shift_is_significant():
    rng = np.random.default_rng(0)
    same = psi(rng.normal(size=5000), rng.normal(size=5000))
    shifted = psi(rng.normal(size=5000), rng.normal(1.0, 1.0, size=5000))
    assert psi_level(same) == "stable", f"two samples of the same distribution must be 'stable', got PSI {same:.3f}"
    assert psi_level(shifted) == "significant", (
        f"a one-standard-deviation shift must be 'significant', got PSI {shifted:.3f}"
    )


def test_a_current_window_entirely_out_of_range_gives_a_large_finite_psi():
    rng = np.random.default_rng(2)
    value = psi(rng.uniform(0, 1, 2000), rng.uniform(5, 6, 2000))
    assert math.isfinite(value), f"PSI must stay finite when bins empty out (empty bins count as 1e-4), got {value}"
    assert value > 2.0, f"a window entirely above the reference range must give a very large PSI, got {value:.3f}"


def test_non_finite_values_are_ignored():
    rng = np.random.default_rng(3)
    reference, current = rng.normal(size=1000), rng.normal(size=1000)
    dirty = np.concatenate([current, [np.nan, np.inf, -np.inf]])
    assert psi(reference, dirty) == pytest.approx(psi(reference, current)), "NaN and inf must be dropped"


def test_an_empty_window_is_refused():
    with pytest.raises(MonitorError):
        psi(np.array([np.nan, np.nan]), np.array([1.0, 2.0]))
    with pytest.raises(MonitorError):
        bin_proportions(np.array([]), np.array([0.0]))


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0.0, "stable"),
        (PSI_MODERATE - 1e-9, "stable"),
        (PSI_MODERATE, "moderate"),
        (PSI_SIGNIFICANT - 1e-9, "moderate"),
        (PSI_SIGNIFICANT, "significant"),
        (3.0, "significant"),
    ],
)
def test_psi_bands(value, level):
    assert psi_level(value) == level, (
        f"PSI {value}: expected {level!r} (< {PSI_MODERATE} stable, < {PSI_SIGNIFICANT} moderate, else significant)"
    )


def _windows(n: int, seed: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    reference = pd.DataFrame(
        {
            "stable": rng.normal(size=n),
            "shifted": rng.normal(size=n),
            "desk": rng.choice(["rates", "fx", "equities"], size=n),
        }
    )
    current = pd.DataFrame(
        {
            "stable": rng.normal(size=n),
            "shifted": rng.normal(0.8, 1.0, size=n),
            "desk": rng.choice(["rates", "fx", "equities", "crypto"], size=n, p=[0.2, 0.2, 0.2, 0.4]),
        }
    )
    return reference, current


def test_drift_table_on_a_large_sample():
    reference, current = _windows(3000)
    table = drift_table(reference, current)
    assert list(table.columns) == list(DRIFT_COLUMNS), f"columns must be {DRIFT_COLUMNS}, got {list(table.columns)}"
    assert list(table["feature"]) == ["stable", "shifted", "desk"], "one row per feature, in column order"
    rows = table.set_index("feature")
    assert rows.loc["shifted", "drifted"] and not rows.loc["stable", "drifted"], (
        f"only 'shifted' moved: drifted = {dict(rows['drifted'])}"
    )
    assert rows.loc["shifted", "test"] == "wasserstein", (
        "above 1,000 reference rows a numeric column is judged by Wasserstein"
    )
    assert rows.loc["shifted", "psi_level"] == "significant", (
        f"a 0.8 sd shift is a significant PSI, got {rows.loc['shifted', 'psi']}"
    )
    assert rows.loc["shifted", "psi"] == pytest.approx(psi(reference["shifted"], current["shifted"])), (
        "the table's PSI must be psi() of the column"
    )
    assert rows.loc["desk", "kind"] == "categorical" and rows.loc["desk", "test"] == "jensenshannon", (
        "a text column is categorical, judged by Jensen-Shannon distance on a large sample"
    )
    assert rows.loc["desk", "drifted"], "a new desk taking 40 % of the flow is drift"
    assert pd.isna(rows.loc["desk", "psi"]), "PSI is not defined for a categorical column (NaN)"


def test_drift_table_on_a_small_sample_uses_p_values():
    reference, current = _windows(400)
    rows = drift_table(reference, current, columns=["shifted", "desk"]).set_index("feature")
    assert rows.loc["shifted", "test"] == "ks", "at most 1,000 reference rows: Kolmogorov-Smirnov"
    assert rows.loc["desk", "test"] == "chisquare", "at most 1,000 reference rows: chi-squared for categories"
    assert rows.loc["shifted", "drifted"] and rows.loc["desk", "drifted"]


def test_drift_table_refuses_a_missing_column_naming_it():
    reference, current = _windows(100)
    with pytest.raises(MonitorError, match="notional"):
        drift_table(reference, current, columns=["stable", "notional"])


def test_drift_table_refuses_an_empty_window():
    reference, current = _windows(100)
    with pytest.raises(MonitorError, match="current"):
        drift_table(reference, current.iloc[:0])
