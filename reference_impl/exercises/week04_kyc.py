"""Week 4 exercises (KYC section): confidence thresholds and manual-review routing.

* 4.5 :func:`precision_threshold` — the lowest confidence cut-off whose auto-accepted set reaches a target
  precision: precision is measured on *everything* accepted (not just the marginal document), tied
  confidences are accepted together, and "no cut-off qualifies" is ``inf`` (never auto-accept), not 1.0.
* 4.6 :func:`auto_accept_coverage` — the share of documents that would be auto-accepted under per-class
  thresholds: each document is compared with the threshold of *its predicted class*, ``>=`` is inclusive,
  a class without a threshold is never auto-accepted, and an empty batch has no coverage (NaN).

Examples
--------
>>> EXERCISES["4.5"].evaluate(reference.precision_threshold)  # the number of cases passed
12
>>> EXERCISES["4.6"].evaluate(reference.auto_accept_coverage)  # the number of cases passed
10
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from reference_impl.evaluation import precision_cutoff
from reference_impl.exercises import week04
from reference_impl.exercises.framework import Case, CheckBook, Exercise, Requirement, with_requirements
from reference_impl.kyc import routing

# ----------------------------------------------------------------------------------------------------------
# Reference solutions (they delegate to reference_impl.kyc and reference_impl.evaluation)
# ----------------------------------------------------------------------------------------------------------


def precision_threshold(confidence: Sequence[float], correct: Sequence[bool], target_precision: float) -> float:
    """Lowest cut-off ``t`` such that documents with ``confidence >= t`` are right at least ``target_precision``
    of the time; ``math.inf`` when no cut-off qualifies.

    >>> precision_threshold([0.99, 0.95, 0.9, 0.6], [True, True, False, True], 0.9)
    0.95
    """
    return precision_cutoff(correct, confidence, target_precision)


def auto_accept_coverage(proba: Any, classes: Sequence[str], thresholds: Mapping[str, float]) -> float:
    """Share of rows of ``proba`` whose top probability reaches the threshold of the top class.

    >>> auto_accept_coverage([[0.95, 0.05], [0.2, 0.8]], ["a", "b"], {"a": 0.9, "b": 0.9})
    0.5
    """
    return routing.auto_accept_share(np.asarray(proba, dtype=float), classes, thresholds)


# Readable solutions: what check.solution(...) shows (the reference above delegates to the library, which
# also serves production code; these solve the exercise in a few plain lines and pass the same check)


def solution_precision_threshold(
    confidence: Sequence[float], correct: Sequence[bool], target_precision: float
) -> float:
    """Lowest cut-off ``t`` such that documents with ``confidence >= t`` are right at least
    ``target_precision`` of the time; ``math.inf`` when no cut-off qualifies."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=bool)
    best = math.inf  # never auto-accept
    for cut in np.unique(conf)[::-1]:  # distinct cut-offs, highest first; ties are accepted together
        accepted = conf >= cut
        if ok[accepted].mean() >= target_precision:  # precision of everything accepted, not of the last one
            best = float(cut)  # qualifies: keep going, a lower one may qualify too
    return best


def solution_auto_accept_coverage(proba: Any, classes: Sequence[str], thresholds: Mapping[str, float]) -> float:
    """Share of rows of ``proba`` whose top probability reaches the threshold of the top class."""
    p = np.asarray(proba, dtype=float)
    if len(p) == 0:
        return math.nan  # no documents: the share is undefined
    top = np.argmax(p, axis=1)  # each document's predicted class
    cut = np.array([thresholds.get(c, math.inf) for c in classes])[top]  # a class without a threshold: never
    return float(np.mean(p[np.arange(len(p)), top] >= cut))  # exactly at the threshold is accepted


# A superset of week04.reference / week04.check, so this section can be spliced anywhere into the week 4
# notebook: importing ``check, reference`` from here never hides the anomaly exercises' names.
reference = SimpleNamespace(
    **vars(week04.reference), precision_threshold=precision_threshold, auto_accept_coverage=auto_accept_coverage
)

# ----------------------------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------------------------


def precision_threshold_cases() -> list[Case]:
    conf = [0.99, 0.97, 0.95, 0.90, 0.80, 0.70]
    ok = [True, True, True, True, False, True]
    return [
        Case(
            "all correct: accept everything",
            ([0.9, 0.8, 0.7], [True, True, True], 0.99),
            hint="when every document is right, the lowest confidence is the best cut-off (most coverage)",
        ),
        Case(
            "one error in the middle",
            (conf, ok, 0.99),
            hint="sort by confidence, highest first, and keep the largest prefix whose precision meets the target",
        ),
        Case(
            "precision over the whole accepted set",
            (conf, ok, 0.8),
            hint="the target applies to all accepted documents together (5 of 6 right is 0.83 >= 0.8), "
            "not to the document at the cut-off",
        ),
        Case(
            "input not sorted",
            ([0.7, 0.99, 0.8, 0.95, 0.9, 0.97], [True, True, False, True, True, True], 0.99),
            hint="the confidences arrive in any order: sort them (keeping each with its correct flag)",
        ),
        Case(
            "ties are accepted together",
            ([0.95, 0.9, 0.9], [True, True, False], 1.0),
            hint="a threshold cannot split documents with equal confidence: a cut at 0.9 accepts both 0.9s",
        ),
        Case(
            "nothing qualifies",
            ([0.9, 0.8], [False, True], 0.99),
            expected=math.inf,
            compare=lambda got, exp: None if got == exp else f"expected inf (never auto-accept), got {got!r}",
            hint="when no cut-off reaches the target return math.inf: even 1.0 would accept a document "
            "with confidence exactly 1.0",
        ),
        Case(
            "no documents",
            ([], [], 0.99),
            expected=math.inf,
            compare=lambda got, exp: None if got == exp else f"expected inf for an empty class, got {got!r}",
            hint="a class never predicted on validation data has no evidence: never auto-accept it",
        ),
    ]


def coverage_cases() -> list[Case]:
    classes = ["bank_statement", "passport", "utility_bill"]
    proba = [[0.95, 0.03, 0.02], [0.05, 0.85, 0.10], [0.10, 0.10, 0.80], [0.50, 0.40, 0.10]]
    return [
        Case(
            "per-class thresholds",
            (proba, classes, {"bank_statement": 0.9, "passport": 0.8, "utility_bill": 0.9}),
            hint="compare each document with the threshold of its predicted (most probable) class",
        ),
        Case(
            "not one global threshold",
            (proba, classes, {"bank_statement": 0.99, "passport": 0.5, "utility_bill": 0.5}),
            hint="use thresholds[predicted class], not the smallest or largest threshold for every document",
        ),
        Case(
            "threshold is inclusive",
            (proba, classes, {"bank_statement": 0.95, "passport": 0.85, "utility_bill": 0.8}),
            hint="a document exactly at its threshold is auto-accepted: use >=, not >",
        ),
        Case(
            "class without a threshold",
            (proba, classes, {"bank_statement": 0.9}),
            hint="a class missing from the thresholds is never auto-accepted (use thresholds.get(cls, inf))",
        ),
        Case(
            "never class",
            (proba, classes, {"bank_statement": math.inf, "passport": 0.8, "utility_bill": 0.8}),
            hint="an infinite threshold means that class is never auto-accepted",
        ),
        Case(
            "empty batch",
            (np.zeros((0, 3)), classes, {"bank_statement": 0.9}),
            expected=float("nan"),
            hint="with no documents the share is undefined: return NaN, not 0 or an error",
        ),
    ]


# ----------------------------------------------------------------------------------------------------------
# Requirements (the bullets the notebook shows) and random cases
# ----------------------------------------------------------------------------------------------------------

THRESHOLD_REQS = (
    Requirement(
        "whole",
        "precision is measured on everything accepted (`confidence >= cut-off`), not on the document at the cut-off",
        "the target applies to all accepted documents together, not to the document at the cut-off",
    ),
    Requirement(
        "lowest",
        "return the lowest cut-off that reaches the target (the most coverage); the input may be in any order",
        "sort by confidence, highest first (keeping each with its correct flag), and keep the largest prefix "
        "whose precision meets the target — not the first one that falls below it",
    ),
    Requirement(
        "ties",
        "documents with equal confidence are accepted together",
        "a threshold cannot split documents with equal confidence: a cut at 0.9 accepts every 0.9",
    ),
    Requirement(
        "never",
        "when no cut-off qualifies, or there are no documents, return `math.inf` (never auto-accept), not 1.0",
        "return math.inf: even 1.0 would accept a document with confidence exactly 1.0",
    ),
)
_THRESHOLD_TABLE = {
    "all correct: accept everything": "lowest",
    "one error in the middle": "lowest",
    "precision over the whole accepted set": "whole",
    "input not sorted": "lowest",
    "ties are accepted together": "ties",
    "nothing qualifies": "never",
    "no documents": "never",
    "a dip above the cut-off": "lowest",
}


def _extra_threshold_cases() -> list[Case]:
    return [
        Case(
            "a dip above the cut-off",
            ([0.99, 0.98, 0.97, 0.96, 0.95, 0.94], [True, False, True, True, True, True], 0.8),
            hint="precision may dip and recover as you go down: keep the LOWEST cut-off that meets the target, "
            "do not stop at the first prefix that misses it",
        )
    ]


def threshold_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k, target in enumerate([0.8, 0.9, 0.95, 1.0]):
        n = int(rng.integers(8, 40))
        conf = [float(c) for c in np.round(rng.uniform(0.5, 1.0, size=n), 2)]  # ties
        ok = [bool(v) for v in rng.random(n) < 0.88]
        cases.append(
            Case(
                f"random documents {k + 1}: {n} unsorted, tied confidences, target {target}",
                (conf, ok, target),
                req="lowest",
            )
        )
    return cases


COVERAGE_REQS = (
    Requirement(
        "own",
        "compare each document's top probability with the threshold of its own predicted (most probable) class",
        "use thresholds[predicted class], not the smallest or largest threshold for every document",
    ),
    Requirement(
        "inclusive",
        "a document exactly at its threshold is auto-accepted (`>=`)",
        "a document exactly at its threshold is auto-accepted: use >=, not >",
    ),
    Requirement(
        "missing",
        "a class without a threshold is never auto-accepted",
        "a class missing from the thresholds is never auto-accepted (use thresholds.get(cls, inf))",
    ),
    Requirement(
        "empty",
        "return the share as a float; an empty batch gives NaN",
        "with no documents the share is undefined: return NaN, not 0 or an error",
    ),
)
_COVERAGE_TABLE = {
    "empty batch": "empty",
    "per-class thresholds": "own",
    "not one global threshold": "own",
    "threshold is inclusive": "inclusive",
    "class without a threshold": "missing",
    "never class": "missing",
}


def coverage_random_cases(rng: np.random.Generator) -> list[Case]:
    classes = ["bank_statement", "passport", "utility_bill", "payslip"]
    cases = []
    for k in range(4):
        n = int(rng.integers(5, 30))
        raw = rng.dirichlet([0.6] * 4, size=n)
        proba = np.round(raw, 2)
        present = sorted({float(v) for v in proba.max(axis=1)})
        thresholds = {
            c: float(rng.choice(present))
            for c in classes
            if rng.random() < 0.8  # exact values: ties at the cut
        }
        cases.append(
            Case(
                f"random batch {k + 1}: {n} documents, thresholds equal to some top probabilities",
                (proba.tolist(), classes, thresholds),
                req="own",
            )
        )
    return cases


def _threshold_cases() -> list[Case]:
    cases = precision_threshold_cases()
    cases[4:4] = _extra_threshold_cases()  # before the ties case: a dip is a different mistake
    return with_requirements(cases, _THRESHOLD_TABLE)


# Graded hints (check.hint(id)): a nudge, then the trap the requirements name, then the key lines.
_HINTS = {
    "4.5": (
        "Try each distinct confidence as the cut-off: accept every document with `confidence >= cut` "
        "and measure the precision of all of them together (`correct[accepted].mean()`).",
        "Precision need not fall steadily as the cut-off drops: keep the lowest cut-off that meets "
        "the target, not the one just before the first dip. Cut only at distinct values (equal "
        "confidences are accepted together), and when nothing qualifies, or there are no documents, "
        "return `math.inf`: even 1.0 would accept a document at exactly 1.0.",
        "conf, ok = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool)\n"
        "best = math.inf\n"
        "for cut in np.unique(conf)[::-1]:          # highest first\n"
        "    if ok[conf >= cut].mean() >= target_precision:\n"
        "        best = float(cut)                  # qualifies: a lower one may too\n"
        "return best",
    ),
    "4.6": (
        "Each document's predicted class is the column with the highest probability "
        "(`np.argmax(proba, axis=1)`); compare that top probability with that class's threshold and "
        "take the share that reach it.",
        "Use the predicted class's own threshold (not the smallest or largest one for every "
        "document), `>=` so a document exactly at its threshold is accepted, and "
        "`thresholds.get(cls, math.inf)` so a class without a threshold is never accepted. An empty "
        "batch has no share: NaN.",
        "p = np.asarray(proba, dtype=float)\n"
        "if len(p) == 0:\n"
        "    return math.nan\n"
        "top = np.argmax(p, axis=1)\n"
        "cut = np.array([thresholds.get(c, math.inf) for c in classes])[top]\n"
        "return float(np.mean(p[np.arange(len(p)), top] >= cut))",
    ),
}


EXERCISES = {
    "4.5": Exercise(
        "4.5",
        "the lowest confidence threshold meeting a target precision",
        THRESHOLD_REQS,
        cases=_threshold_cases,
        reference=precision_threshold,
        random_cases=threshold_random_cases,
        seed=405,
        hints=_HINTS["4.5"],
        solution=solution_precision_threshold,
        fallback=precision_threshold,  # later cells keep the library-backed reference
    ),
    "4.6": Exercise(
        "4.6",
        "the share of documents auto-accepted under per-class thresholds",
        COVERAGE_REQS,
        cases=lambda: with_requirements(coverage_cases(), _COVERAGE_TABLE),
        reference=auto_accept_coverage,
        random_cases=coverage_random_cases,
        seed=406,
        hints=_HINTS["4.6"],
        solution=solution_auto_accept_coverage,
        fallback=auto_accept_coverage,  # later cells keep the library-backed reference
    ),
}

# ----------------------------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------------------------


def check_precision_threshold(func: Callable[..., Any]) -> Any:
    """Exercise 4.5: ``func(confidence, correct, target_precision)``."""
    return EXERCISES["4.5"].check(func)


def check_auto_accept_coverage(func: Callable[..., Any]) -> Any:
    """Exercise 4.6: ``func(proba, classes, thresholds)``."""
    return EXERCISES["4.6"].check(func)


check = CheckBook(
    {**week04.EXERCISES, **EXERCISES},
    **week04.check._checks,
    precision_threshold="4.5",
    auto_accept_coverage="4.6",
)

__all__ = [
    "EXERCISES",
    "auto_accept_coverage",
    "check",
    "check_auto_accept_coverage",
    "check_precision_threshold",
    "precision_threshold",
    "reference",
]
