"""Exercise checks of the week 4 KYC section: the reference passes, plausible mistakes fail with a useful hint."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises import week04_kyc as kyc
from reference_impl.exercises.week04_kyc import check, reference
from reference_impl.exercises.mutants.week04_kyc import (  # the planted wrong answers, one definition
    global_threshold,
    strict_inequality,
    unsorted_prefix,
)


def as_learner(func):
    """A learner's copy of ``func``: ``check`` treats the reference itself as the not-started stand-in."""
    return lambda *args, **kwargs: func(*args, **kwargs)


@pytest.mark.parametrize("solution", ["reference", "solution"])
def test_reference_and_shown_solution_pass(capsys, solution):
    threshold, coverage = (
        (reference.precision_threshold, reference.auto_accept_coverage) if solution == "reference"
        else (kyc.solution_precision_threshold, kyc.solution_auto_accept_coverage))
    assert (kyc.EXERCISES["4.5"].evaluate(threshold), kyc.EXERCISES["4.6"].evaluate(coverage)) == (12, 10)
    check.precision_threshold(as_learner(threshold))
    check.auto_accept_coverage(as_learner(coverage))
    assert capsys.readouterr().out.splitlines() == [
        "Exercise 4.5 passed (12/12 cases)", "Exercise 4.6 passed (10/10 cases)",
    ]


# -- plausible wrong answers to 4.5 -------------------------------------------------------------------------
def marginal_precision(confidence, correct, target):
    """Accepts down to the last *correct* document while the running precision holds, ignoring the set."""
    pairs = sorted(zip(confidence, correct), reverse=True)
    best = math.inf
    for c, ok in pairs:
        if ok:
            best = c
        else:
            break
    return best


def splits_ties(confidence, correct, target):
    """Sorts with the correct documents first among ties, so a cut 'between' equal confidences looks fine."""
    order = sorted(range(len(confidence)), key=lambda i: (-confidence[i], not correct[i]))
    best, hits = math.inf, 0
    for k, i in enumerate(order, start=1):
        hits += correct[i]
        if hits / k >= target:
            best = confidence[i]
    return best


def one_instead_of_inf(confidence, correct, target):
    got = reference.precision_threshold(confidence, correct, target)
    return 1.0 if math.isinf(got) else got


@pytest.mark.parametrize(
    ("wrong", "case", "hint"),
    [
        (marginal_precision, "precision over the whole accepted set", "all accepted documents together"),
        (unsorted_prefix, "input not sorted", "sort them"),
        (splits_ties, "ties are accepted together", "cannot split"),
        (one_instead_of_inf, "nothing qualifies", "math.inf"),
    ],
)
def test_wrong_thresholds_fail(wrong, case, hint):
    with pytest.raises(ExerciseFailed) as info:
        check.precision_threshold(wrong)
    assert info.value.case == case and hint in str(info.value)


# -- plausible wrong answers to 4.6 -------------------------------------------------------------------------


def key_error_on_missing_class(proba, classes, thresholds):
    proba = np.asarray(proba, dtype=float)
    if len(proba) == 0:
        return float("nan")
    top = proba.argmax(axis=1)
    return float(np.mean([proba[i, j] >= thresholds[classes[j]] for i, j in enumerate(top)]))


def zero_for_empty(proba, classes, thresholds):
    proba = np.asarray(proba, dtype=float)
    return 0.0 if len(proba) == 0 else reference.auto_accept_coverage(proba, classes, thresholds)


@pytest.mark.parametrize(
    ("wrong", "case", "hint"),
    [
        (global_threshold, "per-class thresholds", "predicted (most probable) class"),
        (strict_inequality, "threshold is inclusive", "use >="),
        (key_error_on_missing_class, "class without a threshold", "thresholds.get"),
        (zero_for_empty, "empty batch", "NaN"),
    ],
)
def test_wrong_coverage_fails(wrong, case, hint):
    with pytest.raises(ExerciseFailed) as info:
        check.auto_accept_coverage(wrong)
    assert info.value.case == case and hint in str(info.value)


def test_namespaces_extend_week04():
    from reference_impl.exercises import week04

    assert set(dir(week04.check)) < set(dir(check)) and set(vars(week04.reference)) < set(vars(reference))
