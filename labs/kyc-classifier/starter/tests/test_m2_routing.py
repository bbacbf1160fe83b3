"""Milestone 2: per-class thresholds chosen for a target precision, and routing that fails closed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kyc_lab import NEVER, choose_thresholds, route

CLASSES = ["bank_statement", "passport", "utility_bill"]
TEXT = "Statement of account for the holder, with the sort code and the account number and the closing balance"
GERMAN = "Kontoauszug der Sparkasse für das Konto von Anna Schmidt mit dem Zeitraum und der Kontostand ist neu"


def _rows(confidences, column=1, n_classes=3):
    """Probability rows whose top class is ``column`` with the given confidences."""
    rows = np.full((len(confidences), n_classes), 0.0)
    for i, c in enumerate(confidences):
        rows[i, :] = (1.0 - c) / (n_classes - 1)
        rows[i, column] = c
    return rows


# five documents predicted "passport"; the one at 0.96 is really an out-of-scope letter
VALIDATION_CONF = [0.99, 0.98, 0.97, 0.96, 0.95]
VALIDATION_TRUE = ["passport", "passport", "passport", "out_of_scope", "passport"]


def _one(text, row, thresholds, **kw):
    return route([text], np.asarray([row], dtype=float), CLASSES, thresholds, **kw)[0]


def test_threshold_is_the_lowest_cut_reaching_the_target_precision():
    proba = _rows(VALIDATION_CONF)
    got = choose_thresholds(proba, VALIDATION_TRUE, CLASSES, 0.99, min_support=1, min_threshold=0.5)["passport"]
    assert got == pytest.approx(0.97), f"choose_thresholds: at 99 % precision the passport cut is 0.97 (3 of 3 right), got {got}"
    got = choose_thresholds(proba, VALIDATION_TRUE, CLASSES, 0.8, min_support=1, min_threshold=0.5)["passport"]
    assert got == pytest.approx(0.95), f"choose_thresholds: at 80 % precision the cut is 0.95 (4 of 5 accepted are right), got {got}"


def test_threshold_never_goes_below_the_floor():
    got = choose_thresholds(_rows(VALIDATION_CONF), VALIDATION_TRUE, CLASSES, 0.8, min_support=1, min_threshold=0.975)
    assert got["passport"] == pytest.approx(0.975), f"choose_thresholds: the cut must be raised to min_threshold 0.975, got {got['passport']}"


def test_a_class_without_enough_validation_support_is_never_auto_accepted():
    got = choose_thresholds(_rows(VALIDATION_CONF), VALIDATION_TRUE, CLASSES, 0.8, min_support=6, min_threshold=0.5)
    assert got["passport"] == NEVER, f"choose_thresholds: 5 documents < min_support 6 must give NEVER (inf), got {got['passport']}"
    assert math.isinf(got["utility_bill"]), f"choose_thresholds: a class never predicted must give NEVER, got {got['utility_bill']}"
    assert set(got) == set(CLASSES), f"choose_thresholds: expected a threshold for every class, got {sorted(got)}"


@pytest.mark.parametrize(
    "bad", [np.full((5, 3), np.nan), np.ones((4, 3)) / 3, np.ones((5, 2)) / 2], ids=["nan", "rows", "columns"]
)
def test_malformed_probabilities_are_refused(bad):
    with pytest.raises(ValueError):
        choose_thresholds(bad, VALIDATION_TRUE, CLASSES, 0.99, min_support=1)
    with pytest.raises(ValueError):
        route([TEXT] * 5, bad, CLASSES, {"passport": 0.9})


def test_confidence_at_the_threshold_is_auto_accepted():
    d = _one(TEXT, [0.05, 0.9, 0.05], {"passport": 0.9})
    assert (d.route, d.reason) == ("auto_accept", "above_class_threshold"), f"route: confidence 0.9 >= threshold 0.9 must auto-accept, got {d.route}/{d.reason}"
    assert d.label == "passport" and d.confidence == pytest.approx(0.9), f"route: expected passport at 0.9, got {d.label} at {d.confidence}"


@pytest.mark.parametrize(
    ("row", "thresholds", "expected"),
    [
        ([0.1, 0.85, 0.05], {"passport": 0.9}, ("manual_review", "below_class_threshold")),
        ([0.01, 0.01, 0.98], {"passport": 0.9}, ("manual_review", "below_class_threshold")),
        ([0.01, 0.98, 0.01], {"passport": math.inf}, ("manual_review", "below_class_threshold")),
        ([0.35, 0.33, 0.32], {"bank_statement": 0.3}, ("reject_unknown", "low_confidence")),
    ],
    ids=["below-threshold", "class-without-threshold", "never-threshold", "low-confidence"],
)
def test_uncertain_documents_are_not_auto_accepted(row, thresholds, expected):
    d = _one(TEXT, row, thresholds)
    assert (d.route, d.reason) == expected, f"route: expected {expected[0]}/{expected[1]}, got {d.route}/{d.reason}"


def test_a_predicted_unknown_document_is_rejected():
    d = route([TEXT], np.asarray([[0.01, 0.01, 0.01, 0.97]]), [*CLASSES, "out_of_scope"], {"out_of_scope": 0.5})[0]
    assert (d.route, d.reason) == ("reject_unknown", "predicted_unknown"), f"route: an out_of_scope prediction must be rejected, got {d.route}/{d.reason}"


@pytest.mark.parametrize(
    "text",
    ["", "   \n ", "a passport", "#### 1234 %%%% //// 9999 ---- **** 5555", None, 42],
    ids=["empty", "blank", "too-short", "garbled", "none", "not-a-string"],
)
def test_text_that_cannot_be_classified_fails_closed(text):
    d = _one(text, [0.005, 0.99, 0.005], {"passport": 0.9})
    assert d.route == "reject_unknown", f"route: {text!r} must be reject_unknown even at confidence 0.99, got {d.route}/{d.reason}"
    assert d.label is None, f"route: a text that was not classified must carry no label, got {d.label!r}"


def test_an_unsupported_language_goes_to_a_reviewer():
    d = _one(GERMAN, [0.98, 0.01, 0.01], {"bank_statement": 0.9})
    assert (d.route, d.reason) == ("manual_review", "unsupported_language"), f"route: German text with supported_languages=('en',) must go to review, got {d.route}/{d.reason}"
    d = _one(GERMAN, [0.98, 0.01, 0.01], {"bank_statement": 0.9}, supported_languages=("en", "de"))
    assert d.route == "auto_accept", f"route: German is supported here, expected auto_accept, got {d.route}/{d.reason}"


def test_one_decision_per_text_in_order():
    proba = np.asarray([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05], [0.96, 0.02, 0.02]])
    got = route([TEXT, TEXT, TEXT], proba, CLASSES, {"passport": 0.9, "bank_statement": 0.95}, doc_ids=["a", "b", "c"])
    assert [d.doc_id for d in got] == ["a", "b", "c"], f"route: doc_ids must follow the input order, got {[d.doc_id for d in got]}"
    assert [d.route for d in got] == ["auto_accept", "manual_review", "auto_accept"], f"route: wrong routes {[d.route for d in got]}"
