"""Week 4 (KYC section) mutants: plausible wrong answers to exercises 4.5 and 4.6."""

from __future__ import annotations

import math

import numpy as np

from reference_impl.exercises import week04_kyc as w
from reference_impl.exercises.mutation import Mutant

# ---------------------------------------------------------------- alternative correct solutions


def threshold_loop(confidence, correct, target):
    best = math.inf
    for t in sorted(set(confidence)):  # lowest first: the first that qualifies is the answer
        accepted = [ok for c, ok in zip(confidence, correct) if c >= t]
        if accepted and sum(accepted) / len(accepted) >= target:
            return float(t)
    return best


def coverage_loop(proba, classes, thresholds):
    rows = np.asarray(proba, dtype=float)
    if len(rows) == 0:
        return math.nan
    hits = 0
    for row in rows:
        j = int(np.argmax(row))
        hits += row[j] >= thresholds.get(classes[j], math.inf)
    return hits / len(rows)


# ---------------------------------------------------------------- plausible wrong solutions


def marginal_precision(confidence, correct, target):
    """Accepts down to the last *correct* document, ignoring the precision of the set."""
    best = math.inf
    for c, ok in sorted(zip(confidence, correct), reverse=True):
        if not ok:
            break
        best = c
    return best


def unsorted_prefix(confidence, correct, target):
    """Forgets to sort: walks the input order."""
    best, hits = math.inf, 0
    for k, (c, ok) in enumerate(zip(confidence, correct), start=1):
        hits += ok
        if hits / k >= target:
            best = c
    return best


def stops_at_first_miss(confidence, correct, target):
    """Walks down from the top and stops at the first prefix below the target."""
    best, hits = math.inf, 0
    pairs = sorted(zip(confidence, correct), key=lambda p: -p[0])
    for k, (c, ok) in enumerate(pairs, start=1):
        hits += ok
        if hits / k < target:
            break
        best = c
    return best


def splits_ties(confidence, correct, target):
    """Sorts the correct documents first among ties, so a cut 'between' equal confidences looks fine."""
    order = sorted(range(len(confidence)), key=lambda i: (-confidence[i], not correct[i]))
    best, hits = math.inf, 0
    for k, i in enumerate(order, start=1):
        hits += correct[i]
        if hits / k >= target:
            best = confidence[i]
    return best


def one_instead_of_inf(confidence, correct, target):
    got = w.precision_threshold(confidence, correct, target)
    return 1.0 if math.isinf(got) else got


def global_threshold(proba, classes, thresholds):
    proba = np.asarray(proba, dtype=float)
    if len(proba) == 0:
        return float("nan")
    return float(np.mean(proba.max(axis=1) >= min(thresholds.values())))


def strict_inequality(proba, classes, thresholds):
    proba = np.asarray(proba, dtype=float)
    if len(proba) == 0:
        return float("nan")
    top = proba.argmax(axis=1)
    return float(np.mean([proba[i, j] > thresholds.get(classes[j], math.inf) for i, j in enumerate(top)]))


def missing_class_accepted(proba, classes, thresholds):
    proba = np.asarray(proba, dtype=float)
    if len(proba) == 0:
        return float("nan")
    top = proba.argmax(axis=1)
    return float(np.mean([proba[i, j] >= thresholds.get(classes[j], 0.0) for i, j in enumerate(top)]))


def zero_for_empty(proba, classes, thresholds):
    proba = np.asarray(proba, dtype=float)
    return 0.0 if len(proba) == 0 else w.auto_accept_coverage(proba, classes, thresholds)


def any_class_over_threshold(proba, classes, thresholds):
    """Accepts a document when ANY class's probability reaches that class's threshold."""
    proba = np.asarray(proba, dtype=float)
    if len(proba) == 0:
        return float("nan")
    t = np.array([thresholds.get(c, math.inf) for c in classes])
    return float(np.mean((proba >= t).any(axis=1)))


MUTANTS = [
    Mutant("4.5", "whole", marginal_precision),
    Mutant("4.5", "lowest", unsorted_prefix),
    Mutant("4.5", "lowest", stops_at_first_miss),
    Mutant("4.5", "ties", splits_ties),
    Mutant("4.5", "never", one_instead_of_inf),
    Mutant("4.6", "own", global_threshold),
    Mutant("4.6", "own", any_class_over_threshold),
    Mutant("4.6", "inclusive", strict_inequality),
    Mutant("4.6", "missing", missing_class_accepted),
    Mutant("4.6", "empty", zero_for_empty),
]

CORRECT = {
    "4.5": [w.reference.precision_threshold, threshold_loop],
    "4.6": [w.reference.auto_accept_coverage, coverage_loop],
}
