"""The global explanation: exact SHAP over a seeded sample, a ranking, figures and a report with fixed bytes."""

from __future__ import annotations

import hashlib
import json
import sys

import numpy as np
import pandas as pd
import pytest
from anomaly_fixtures import fitted, trade_data  # noqa: F401  (pytest fixtures)

from reference_impl.anomaly import REASON_CATALOGUE, ModelNotFittedError, TradeAnomalyDetector
from reference_impl.anomaly.global_explain import (
    IMPORTANCE_COLUMNS,
    SUMMARY_PNG,
    TABLE_JSON,
    dependence_png,
    global_explanation,
    importance_table,
    plot_shap_dependence,
    plot_shap_summary,
    write_explainability_report,
)
from reference_impl.errors import ModelInputError

SAMPLE = 120  # rows explained in these tests: ~0.5 s of SHAP on the 50-tree fixture forest


@pytest.fixture(scope="module")
def train_rows(trade_data):  # noqa: F811
    return trade_data["features"][trade_data["train"]].reset_index(drop=True)


@pytest.fixture(scope="module")
def explanation(fitted, train_rows):  # noqa: F811
    return global_explanation(fitted, train_rows, sample_size=SAMPLE, seed=5)


def test_contributions_are_the_reason_code_values_of_the_sampled_rows(fitted, explanation):  # noqa: F811
    # the global picture and the per-trade reason codes come from the same numbers
    assert explanation.contributions.shape == (SAMPLE, len(fitted.features_))
    np.testing.assert_allclose(explanation.contributions, fitted.explainer_.contributions(explanation.values))
    assert explanation.sample == {"rows_available": 2100, "rows_explained": SAMPLE, "seed": 5}


def test_importance_ranks_features_by_mean_absolute_shap(fitted, explanation):  # noqa: F811
    table = explanation.importance
    assert list(table.columns) == IMPORTANCE_COLUMNS
    assert table["rank"].tolist() == list(range(1, len(fitted.features_) + 1))
    assert sorted(table["feature"]) == sorted(fitted.features_)
    assert table["mean_abs_shap"].is_monotonic_decreasing
    expected = np.abs(explanation.contributions).mean(axis=0)
    by_feature = dict(zip(table["feature"], table["mean_abs_shap"]))
    for j, feature in enumerate(explanation.feature_names):
        assert by_feature[feature] == pytest.approx(expected[j], abs=1e-6)
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-4)
    assert explanation.top_features(3) == table["feature"].head(3).tolist()
    # every model feature has a catalogue code, so the card can cross-reference the reason codes analysts see
    assert table["code"].tolist() == [REASON_CATALOGUE[f].code for f in table["feature"]]


def test_ties_are_ranked_by_name_so_the_order_is_stable():
    c = np.array([[0.2, -0.2, 0.1], [-0.2, 0.2, 0.0]])
    table = importance_table(["zeta", "alpha", "mid"], c)
    assert table["feature"].tolist() == ["alpha", "zeta", "mid"]
    assert table["mean_shap"].tolist() == [0.0, 0.0, 0.05]


def test_all_zero_contributions_give_zero_shares_not_nan():
    table = importance_table(["a", "b"], np.zeros((3, 2)))
    assert table["share"].tolist() == [0.0, 0.0]


def test_same_seed_same_sample_other_seed_other_sample(fitted, train_rows, explanation):  # noqa: F811
    again = global_explanation(fitted, train_rows, sample_size=SAMPLE, seed=5)
    np.testing.assert_array_equal(again.values, explanation.values)
    np.testing.assert_array_equal(again.contributions, explanation.contributions)
    other = global_explanation(fitted, train_rows, sample_size=SAMPLE, seed=6)
    assert not np.array_equal(other.values, explanation.values)


def test_a_small_reference_frame_is_explained_whole(fitted, train_rows):  # noqa: F811
    small = global_explanation(fitted, train_rows.head(7), sample_size=SAMPLE)
    assert small.sample["rows_explained"] == 7
    raw = train_rows.head(7)[fitted.features_].to_numpy(dtype=float)
    np.testing.assert_array_equal(small.values, np.where(np.isnan(raw), fitted.medians_, raw))


def test_missing_values_are_imputed_with_training_medians_as_at_decision_time(fitted, train_rows):  # noqa: F811
    rows = train_rows.head(5).copy()
    rows["booking_delay_s"] = np.nan
    explained = global_explanation(fitted, rows)
    j = fitted.features_.index("booking_delay_s")
    assert np.all(explained.values[:, j] == fitted.medians_[j])
    assert np.isfinite(explained.contributions).all()


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (lambda rows: rows.head(0), "has no rows"),
        (lambda rows: rows.drop(columns=["off_hours"]), "off_hours"),
    ],
    ids=["empty sample", "missing model column"],
)
def test_bad_reference_samples_are_refused_with_the_reason(fitted, train_rows, make_input, message):  # noqa: F811
    with pytest.raises(ModelInputError, match=message):
        global_explanation(fitted, make_input(train_rows))


def test_sample_size_must_be_positive(fitted, train_rows):  # noqa: F811
    with pytest.raises(ModelInputError, match="sample_size"):
        global_explanation(fitted, train_rows, sample_size=0)


def test_an_unfitted_detector_is_refused(train_rows):
    with pytest.raises(ModelNotFittedError):
        global_explanation(TradeAnomalyDetector(), train_rows)


def test_summary_figure_shows_the_ranking_and_every_row(explanation):
    fig = plot_shap_summary(explanation, max_features=5)
    bar_ax, swarm_ax = fig.axes[:2]
    top = explanation.importance.head(5)
    labels = [t.get_text() for t in bar_ax.get_yticklabels()]
    heights = [p.get_width() for p in bar_ax.patches]
    ypos = [p.get_y() + p.get_height() / 2 for p in bar_ax.patches]
    assert [labels[i] for i in np.argsort(ypos)[::-1]] == top["feature"].tolist()  # most important on top
    np.testing.assert_allclose(sorted(heights, reverse=True), top["mean_abs_shap"])
    dots = [c.get_offsets() for c in swarm_ax.collections]
    assert len(dots) == 5 and all(len(d) == SAMPLE for d in dots)
    first = explanation.feature_names.index(top["feature"].iloc[0])
    np.testing.assert_allclose(np.asarray(dots[0])[:, 0], explanation.contributions[:, first])


def test_dependence_figure_plots_value_against_contribution(explanation):
    feature = explanation.top_features(1)[0]
    fig = plot_shap_dependence(explanation, feature)
    j = explanation.feature_names.index(feature)
    points = np.asarray(fig.axes[0].collections[0].get_offsets())
    np.testing.assert_allclose(points[:, 0], explanation.values[:, j])
    np.testing.assert_allclose(points[:, 1], explanation.contributions[:, j])
    with pytest.raises(ModelInputError, match="not_a_feature"):
        plot_shap_dependence(explanation, "not_a_feature")


def test_figures_leave_no_pyplot_state_behind(explanation):
    before = sys.modules["matplotlib.pyplot"].get_fignums() if "matplotlib.pyplot" in sys.modules else []
    plot_shap_summary(explanation)
    plot_shap_dependence(explanation, explanation.top_features(1)[0])
    after = sys.modules["matplotlib.pyplot"].get_fignums() if "matplotlib.pyplot" in sys.modules else []
    assert after == before


def _digests(paths):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_report_writes_pngs_and_the_ranking_with_the_same_bytes_every_time(fitted, train_rows, explanation, tmp_path):  # noqa: F811
    report = write_explainability_report(explanation, tmp_path / "a", top_k=2)
    top = explanation.top_features(2)
    assert [p.name for p in report.files()] == [SUMMARY_PNG, *map(dependence_png, top), TABLE_JSON]
    for png in (report.summary, *report.dependence.values()):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = json.loads(report.table.read_text())
    assert pd.DataFrame(payload["importance"])[IMPORTANCE_COLUMNS].equals(explanation.importance)
    assert payload["dependence_png"] == [{"feature": f, "png": dependence_png(f)} for f in top]
    # recomputed from scratch (same rows, same seed): byte-identical files, so a report can be re-derived
    again = global_explanation(fitted, train_rows, sample_size=SAMPLE, seed=5)
    second = write_explainability_report(again, tmp_path / "b", top_k=2)
    assert _digests(second.files()) == _digests(report.files())
