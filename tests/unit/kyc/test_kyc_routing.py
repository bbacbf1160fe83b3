from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.errors import ConfigError, DataValidationError
from reference_impl.evaluation import precision_cutoff
from reference_impl.kyc import (
    AUTO_ACCEPT,
    MANUAL_REVIEW,
    NEVER,
    REASONS,
    REJECT_UNKNOWN,
    ConfidenceRouter,
    TextGuard,
    choose_thresholds,
)

CLASSES = ["bank_statement", "passport", "utility_bill"]
GOOD = "Statement of your account for the period with the opening balance and the closing balance"


def threshold_for_precision(confidence, correct, target, **kwargs):
    """The per-class cut-off of the routing (argument order of the exercise): the shared precision_cutoff."""
    return precision_cutoff(correct, confidence, target, **kwargs)


def test_threshold_picks_lowest_cut_meeting_target():
    conf = [0.99, 0.97, 0.95, 0.90, 0.80, 0.70]
    ok = [True, True, True, True, False, True]
    assert threshold_for_precision(conf, ok, 1.0) == 0.90
    assert threshold_for_precision(conf, ok, 0.8) == 0.70  # 5/6 >= 0.8
    assert threshold_for_precision(conf, ok, 0.9) == 0.90  # 4/5 < 0.9 and 5/6 < 0.9


def test_ties_are_accepted_together():
    # the cut at 0.9 would accept both tied documents, one of them wrong
    assert threshold_for_precision([0.95, 0.9, 0.9], [True, True, False], 1.0) == 0.95


def test_min_support_and_never():
    assert threshold_for_precision([0.99, 0.98], [True, True], 0.99, min_support=3) == NEVER
    assert threshold_for_precision([], [], 0.99) == NEVER
    assert threshold_for_precision([0.9], [False], 0.5) == NEVER


@pytest.mark.parametrize("target", [0.0, -0.1, 1.01])
def test_bad_target(target):
    with pytest.raises(ConfigError, match="target_precision"):  # a routing setting
        choose_thresholds(np.array([[0.9, 0.1]]), ["a"], ["a", "b"], target)
    with pytest.raises(DataValidationError, match="target_precision"):
        threshold_for_precision([0.9], [True], target)


def test_mismatched_lengths():
    with pytest.raises(DataValidationError):
        threshold_for_precision([0.9, 0.8], [True], 0.9)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0]), st.booleans()), min_size=1, max_size=40),
    st.sampled_from([0.5, 0.8, 0.9, 0.99, 1.0]),
)
def test_threshold_meets_target_and_is_minimal(pairs, target):
    conf = np.array([c for c, _ in pairs])
    ok = np.array([o for _, o in pairs])
    t = threshold_for_precision(conf, ok, target)
    if math.isfinite(t):
        assert ok[conf >= t].mean() >= target - 1e-12
    for lower in sorted(set(conf)):
        if lower < t:  # every lower cut (or all cuts, when NEVER) misses the target
            assert ok[conf >= lower].mean() < target


def test_choose_thresholds_per_class_and_out_of_scope_counts_as_error():
    proba = np.array([
        [0.95, 0.03, 0.02], [0.90, 0.05, 0.05], [0.85, 0.10, 0.05],  # predicted bank_statement
        [0.05, 0.90, 0.05], [0.10, 0.80, 0.10],                      # predicted passport
    ])
    y = ["bank_statement", "bank_statement", "out_of_scope", "passport", "passport"]
    got = choose_thresholds(proba, y, CLASSES, 0.99, min_support=1, min_threshold=0.5)
    assert got == {"bank_statement": 0.90, "passport": 0.80, "utility_bill": NEVER}
    floored = choose_thresholds(proba, y, CLASSES, 0.99, min_support=1, min_threshold=0.85)
    assert floored == {"bank_statement": 0.90, "passport": 0.85, "utility_bill": NEVER}


def test_bad_floor():
    with pytest.raises(ConfigError, match="min_threshold"):
        choose_thresholds(np.ones((1, 3)) / 3, ["passport"], CLASSES, min_threshold=1.5)


@pytest.mark.parametrize(
    ("proba", "y", "classes"),
    [
        (np.ones((2, 2)) / 2, ["a"], ["a", "b"]),
        (np.ones((1, 3)) / 3, ["a"], ["a", "b"]),
        (np.array([[np.nan, 1.0]]), ["a"], ["a", "b"]),
        (np.ones((1, 2)) / 2, ["a"], ["a", "a"]),
    ],
)
def test_choose_thresholds_rejects_bad_input(proba, y, classes):
    with pytest.raises(DataValidationError):
        choose_thresholds(proba, y, classes)


@pytest.fixture
def router():
    return ConfidenceRouter({"bank_statement": 0.9, "passport": 0.8, "utility_bill": NEVER}, unknown_below=0.4)


@pytest.mark.parametrize(
    ("text", "row", "route", "reason", "label"),
    [
        (GOOD, [0.95, 0.03, 0.02], AUTO_ACCEPT, "above_class_threshold", "bank_statement"),
        (GOOD, [0.90, 0.05, 0.05], AUTO_ACCEPT, "above_class_threshold", "bank_statement"),  # >= is inclusive
        (GOOD, [0.85, 0.10, 0.05], MANUAL_REVIEW, "below_class_threshold", "bank_statement"),
        (GOOD, [0.01, 0.01, 0.98], MANUAL_REVIEW, "below_class_threshold", "utility_bill"),  # NEVER class
        (GOOD, [0.35, 0.33, 0.32], REJECT_UNKNOWN, "low_confidence", "bank_statement"),
        ("", [0.99, 0.005, 0.005], REJECT_UNKNOWN, "empty_text", None),
        ("%%%% 1234 5678 #### 9999 ////", [0.99, 0.005, 0.005], REJECT_UNKNOWN, "mostly_non_letters", None),
        ("Estimado cliente, le informamos que su cuenta ha sido bloqueada por motivos de seguridad.",
         [0.99, 0.005, 0.005], MANUAL_REVIEW, "unsupported_language", "bank_statement"),
    ],
)
def test_route(router, text, row, route, reason, label):
    d = router.route([text], np.array([row]), CLASSES, ["doc-1"])[0]
    assert (d.route, d.reason, d.label, d.doc_id) == (route, reason, label, "doc-1")
    assert REASONS[d.reason][0] == d.route
    assert d.reason_text


def test_unknown_label_is_rejected():
    router = ConfidenceRouter({"a": 0.5, "out_of_scope": 0.5})
    d = router.route([GOOD], np.array([[0.01, 0.99]]), ["a", "out_of_scope"])[0]
    assert (d.route, d.reason) == (REJECT_UNKNOWN, "predicted_unknown")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), st.integers(0, 2))
def test_guard_failures_are_never_auto_accepted(text, j):
    router = ConfidenceRouter(dict.fromkeys(CLASSES, 0.0), unknown_below=0.0)
    row = np.zeros((1, 3))
    row[0, j] = 1.0
    d = router.route([text], row, CLASSES)[0]
    if TextGuard().check(text) is not None:
        assert d.route != AUTO_ACCEPT


def test_to_dict_round_trip_and_json_safe(router):
    import json

    data = json.loads(json.dumps(router.to_dict()))
    assert data["thresholds"]["utility_bill"] is None
    assert ConfidenceRouter.from_dict(data) == router
    d = router.route([GOOD], np.array([[0.01, 0.01, 0.98]]), CLASSES)[0]
    assert json.loads(json.dumps(d.to_dict()))["threshold"] is None


@pytest.mark.parametrize(
    "kwargs", [{"thresholds": {"a": 1.5}}, {"thresholds": {"a": "high"}}, {"thresholds": {}, "unknown_below": 2.0}]
)
def test_bad_router_config(kwargs):
    with pytest.raises(ConfigError):
        ConfidenceRouter(**kwargs)


def test_malformed_saved_config():
    with pytest.raises(ConfigError, match="malformed"):
        ConfidenceRouter.from_dict({"thresholds": {}})


def test_route_length_mismatch(router):
    with pytest.raises(DataValidationError):
        router.route([GOOD, GOOD], np.array([[1.0, 0, 0]]), CLASSES)
    with pytest.raises(DataValidationError):
        router.route([GOOD], np.array([[1.0, 0, 0]]), CLASSES, doc_ids=["a", "b"])
