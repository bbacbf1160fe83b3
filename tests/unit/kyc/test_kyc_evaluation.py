from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.errors import DataValidationError
from reference_impl.evaluation import expected_calibration_error
from reference_impl.kyc import (
    KycDecision,
    brier_score,
    confusion_frame,
    coverage_accuracy_curve,
    evaluate_kyc,
    per_class_report,
    plot_coverage_accuracy,
    plot_reliability,
    reliability_curve,
    routing_summary,
)


@pytest.mark.parametrize(
    ("proba", "y", "expected"),
    [
        ([[1.0, 0.0]], ["a"], 0.0),
        ([[0.0, 1.0]], ["a"], 2.0),
        ([[0.5, 0.5]], ["a"], 0.5),
        ([[0.7, 0.3]], ["out_of_scope"], 0.58),  # not a class: all probability mass was misplaced
    ],
)
def test_brier(proba, y, expected):
    assert brier_score(np.array(proba), y, ["a", "b"]) == pytest.approx(expected)


def test_brier_shape_mismatch():
    with pytest.raises(DataValidationError):
        brier_score(np.ones((2, 2)), ["a"], ["a", "b"])


def test_reliability_and_ece_of_perfectly_calibrated_bins():
    conf = [0.75] * 4 + [0.25] * 4
    ok = [True, True, True, False, True, False, False, False]
    curve = reliability_curve(conf, ok, n_bins=4)
    assert curve["accuracy"].tolist() == [0.25, 0.75] and curve["count"].tolist() == [4, 4]
    assert expected_calibration_error(ok, conf, n_bins=4) == pytest.approx(0.0)
    assert expected_calibration_error([False, False], [0.9, 0.9]) == pytest.approx(0.9)


def test_confidence_of_one_lands_in_last_bin():
    assert reliability_curve([1.0], [True], n_bins=10)["bin_upper"].tolist() == [1.0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=50))
def test_coverage_never_increases_with_threshold(pairs):
    curve = coverage_accuracy_curve([c for c, _ in pairs], [o for _, o in pairs])
    assert (np.diff(curve["coverage"]) <= 1e-12).all()
    assert curve["coverage"].iloc[0] == 1.0


def test_per_class_and_confusion():
    y = ["a", "a", "b", "out_of_scope"]
    p = ["a", "b", "b", "b"]
    report = per_class_report(y, p, ["a", "b"])
    assert report.set_index("class").loc["b", "precision"] == pytest.approx(1 / 3)
    assert report.set_index("class").loc["a", "recall"] == pytest.approx(0.5)
    cm = confusion_frame(y, p, ["a", "b", "out_of_scope"])
    assert cm.loc["out_of_scope", "b"] == 1 and cm.to_numpy().sum() == 4


def _d(label, route):
    return KycDecision(label, 0.9, route, "above_class_threshold" if route == "auto_accept" else "below_class_threshold")


def test_routing_summary_per_group():
    decisions = [_d("a", "auto_accept"), _d("b", "auto_accept"), _d("a", "manual_review"), _d(None, "reject_unknown")]
    out = routing_summary(decisions, ["a", "a", "a", "x"], ["clean", "clean", "noisy", "noisy"]).set_index("group")
    assert out.loc["all", "n"] == 4
    assert out.loc["clean", "auto_accept"] == 1.0 and out.loc["clean", "auto_accept_precision"] == 0.5
    assert out.loc["clean", "n_auto_accept_wrong"] == 1
    assert math.isnan(out.loc["noisy", "auto_accept_precision"])
    assert out.loc["noisy", "reject_unknown"] == 0.5


def test_evaluate_kyc_and_plots(kyc_model, corpus_factory):
    import matplotlib

    matplotlib.use("Agg")
    texts, labels = corpus_factory(10, seed=9, noise=0.35)
    frame = pd.DataFrame({"text": texts + [""], "label": labels + ["out_of_scope"],
                          "subset": ["clean"] * len(texts) + ["out_of_scope"]})
    ev = evaluate_kyc(kyc_model, frame)
    assert 0 <= ev.brier < 1 and 0 <= ev.ece < 0.3
    assert ev.reliability["count"].sum() == len(texts)  # the empty text is not a calibration sample
    assert set(ev.by_subset["group"]) == {"all", "clean", "out_of_scope"}
    assert ev.confusion.loc["out_of_scope"].sum() == 1
    assert ev.confusion.loc["out_of_scope", "(not classified)"] == 1
    assert ev.to_dict()["confusion"]["labels"][-2:] == ["out_of_scope", "(not classified)"]
    assert plot_reliability(ev.reliability).get_title() == "Reliability"
    assert plot_coverage_accuracy(ev.coverage_accuracy).get_xlabel().startswith("coverage")
    with pytest.raises(DataValidationError, match="label"):
        evaluate_kyc(kyc_model, frame.drop(columns="label"))
