"""Week 8 checks: the reference passes, independent correct answers pass, plausible wrong answers fail helpfully."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises import week08 as w
from reference_impl.governance.audit import record_hash
from reference_impl.monitoring.alerts import AlertRule, C
from reference_impl.exercises.mutants.week08 import (  # the planted wrong answers, one definition
    backlog_rule_critical,
)

# ---------------------------------------------------------------- independent correct solutions (a learner's)


def psi_pandas(reference, current, n_bins=10):
    ref = pd.Series(reference)
    cur = pd.Series(current)
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]  # NaN and inf: "non-finite"
    edges = np.unique(ref.quantile(np.linspace(0, 1, n_bins + 1)[1:-1]).to_numpy())
    bins = np.concatenate(([-np.inf], edges, [np.inf]))
    r = pd.cut(ref, bins, right=True).value_counts(normalize=True, sort=False).to_numpy()
    c = pd.cut(cur, bins, right=True).value_counts(normalize=True, sort=False).to_numpy()
    r, c = np.where(r == 0, 1e-4, r), np.where(c == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r)))


def first_bad_loop(records):
    prev = "0" * 64
    for i, rec in enumerate(records):
        ok = rec["seq"] == i and rec["prev_hash"] == prev and record_hash(rec) == rec["hash"]
        if not ok:
            return i
        prev = rec["hash"]
    return None


# ---------------------------------------------------------------- plausible wrong solutions


def psi_no_floor(reference, current, n_bins=10):  # empty bins -> log(0)
    ref, cur = np.asarray(reference, float), np.asarray(current, float)
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, n_bins + 1)[1:-1]))
    r = np.diff(np.concatenate(([0], np.searchsorted(np.sort(ref), edges, "right"), [ref.size]))) / ref.size
    c = np.diff(np.concatenate(([0], np.searchsorted(np.sort(cur), edges, "right"), [cur.size]))) / cur.size
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum((c - r) * np.log(c / r)))


def psi_equal_width(reference, current, n_bins=10):  # equal-width bins over the pooled range
    ref, cur = np.asarray(reference, float), np.asarray(current, float)
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins=n_bins)
    r = np.maximum(np.histogram(ref, bins)[0] / ref.size, 1e-4)
    c = np.maximum(np.histogram(cur, bins)[0] / cur.size, 1e-4)
    return float(np.sum((c - r) * np.log(c / r)))


def psi_keeps_nan(reference, current, n_bins=10):  # NaN poisons the quantiles
    ref, cur = np.sort(np.asarray(reference, float)), np.sort(np.asarray(current, float))
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, n_bins + 1)[1:-1]))
    r = np.maximum(np.diff(np.concatenate(([0], np.searchsorted(ref, edges, "right"), [ref.size]))) / ref.size, 1e-4)
    c = np.maximum(np.diff(np.concatenate(([0], np.searchsorted(cur, edges, "right"), [cur.size]))) / cur.size, 1e-4)
    return float(np.sum((c - r) * np.log(c / r)))


def rule_hard_coded():
    return AlertRule("kyc_backlog", "warning", (C("kyc_review_hours_needed", ">", 24.0),), "backlog",
                     "{kyc_review_hours_needed:.1f} vs {kyc_reviewer_hours_per_day:.1f}", "slow onboarding", "get cover")


def rule_greater_equal():
    return AlertRule("kyc_backlog", "warning", (C("kyc_review_hours_needed", ">=", "kyc_reviewer_hours_per_day"),),
                     "backlog", "{kyc_review_hours_needed:.1f} vs {kyc_reviewer_hours_per_day:.1f}", "slow", "get cover")


def rule_no_runbook():
    return AlertRule("kyc_backlog", "warning", (C("kyc_review_hours_needed", ">", "kyc_reviewer_hours_per_day"),),
                     "backlog", "{kyc_review_hours_needed:.1f} vs {kyc_reviewer_hours_per_day:.1f}", "slow", " ")


def rule_info():
    return AlertRule("kyc_backlog", "info", (C("kyc_review_hours_needed", ">", "kyc_reviewer_hours_per_day"),),
                     "backlog", "{kyc_review_hours_needed:.1f} vs {kyc_reviewer_hours_per_day:.1f}", "slow", "cover")


def rule_typo():
    return AlertRule("kyc_backlog", "warning", (C("kyc_hours_needed", ">", "kyc_reviewer_hours_per_day"),),
                     "backlog", "evidence", "slow", "cover")


def first_bad_hash_only(records):  # misses a re-hashed edit
    return next((i for i, r in enumerate(records) if record_hash(r) != r["hash"]), None)


def first_bad_links_only(records):  # misses an edit of the last record
    prev = "0" * 64
    for i, r in enumerate(records):
        if r["seq"] != i or r["prev_hash"] != prev:
            return i
        prev = r["hash"]
    return None


def first_bad_one_based(records):
    i = w.first_bad_record(records)
    return None if i is None else i + 1


# ---------------------------------------------------------------- tests


def as_learner(func):
    """A learner's copy of ``func``: ``check`` treats the reference itself as the not-started stand-in."""
    return lambda *args, **kwargs: func(*args, **kwargs)




@pytest.mark.parametrize(("check", "func"), [
    (w.check_psi, w.reference.psi), (w.check_psi, psi_pandas),
    (w.check_kyc_backlog_rule, w.reference.kyc_backlog_rule), (w.check_kyc_backlog_rule, backlog_rule_critical),
    (w.check_first_bad_record, w.reference.first_bad_record), (w.check_first_bad_record, first_bad_loop),
    (w.check_psi, w.solution_psi),  # what check.solution shows
])
def test_correct_solutions_pass(check, func, capsys):
    check(as_learner(func))
    out = capsys.readouterr().out.strip()
    assert out.startswith("Exercise 8.") and out.endswith("cases)") and "passed" in out


@pytest.mark.parametrize(("check", "func", "case", "hint"), [
    (w.check_psi, psi_no_floor, "a bin left empty", "1e-4"),
    (w.check_psi, psi_equal_width, "mean shift of one sd", "reference"),
    (w.check_psi, psi_keeps_nan, "NaN values are ignored", "finite"),
    (w.check_kyc_backlog_rule, rule_hard_coded, "bigger team (capacity 40 h)", "hard-codes"),
    (w.check_kyc_backlog_rule, rule_greater_equal, "exactly at capacity", "'>'"),
    (w.check_kyc_backlog_rule, rule_no_runbook, "impact and runbook", "noise"),
    (w.check_kyc_backlog_rule, rule_info, "severity", "warning"),
    (w.check_kyc_backlog_rule, rule_typo, "30 h needed, 24 h capacity", "spell both metric names"),
    (w.check_first_bad_record, first_bad_hash_only, "last record re-numbered and re-hashed", "seq"),
    (w.check_first_bad_record, first_bad_links_only, "last record edited", "record_hash"),
    (w.check_first_bad_record, first_bad_one_based, "last record edited", "record_hash"),
])
def test_wrong_solutions_fail_with_the_right_case(check, func, case, hint):
    with pytest.raises(ExerciseFailed) as info:
        check(func)
    assert info.value.case == case
    assert hint in str(info.value)


def test_pass_lines_are_exact(capsys):
    assert [w.EXERCISES[i].evaluate(f) for i, f in [("8.1", w.reference.psi), ("8.2", w.reference.kyc_backlog_rule),
                                                    ("8.3", w.reference.first_bad_record)]] == [16, 16, 23]
    w.check.psi(as_learner(w.reference.psi))
    w.check.kyc_backlog_rule(as_learner(w.reference.kyc_backlog_rule))
    w.check.first_bad_record(as_learner(w.reference.first_bad_record))
    assert capsys.readouterr().out.splitlines() == [
        "Exercise 8.1 passed (16/16 cases)", "Exercise 8.2 passed (16/16 cases)", "Exercise 8.3 passed (23/23 cases)"]
