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


def divergence_sorted_walk(records, checkpoints):
    """A learner's: sort the checkpoints, walk them, stop at the first the log does not bear out."""
    for cp in sorted(checkpoints, key=lambda c: c.seq):
        if cp.seq >= len(records) or records[cp.seq]["hash"] != cp.hash:
            return cp.seq
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


def divergence_newest_only(records, checkpoints):  # says *that* the log was rewritten, not *where*
    newest = max(checkpoints, key=lambda cp: cp.seq, default=None)
    if newest is None or (newest.seq < len(records) and records[newest.seq]["hash"] == newest.hash):
        return None
    return newest.seq


def divergence_ignores_truncation(records, checkpoints):
    bad = [cp.seq for cp in checkpoints if cp.seq < len(records) and records[cp.seq]["hash"] != cp.hash]
    return min(bad) if bad else None


def divergence_recomputes_only(records, checkpoints):  # the chain check again: blind to a full re-chain
    bad = [i for i, rec in enumerate(records) if record_hash(rec) != rec["hash"]]
    return bad[0] if bad else None


def divergence_checkpoint(records, checkpoints):  # returns the Checkpoint itself
    bad = [cp for cp in checkpoints if cp.seq >= len(records) or records[cp.seq]["hash"] != cp.hash]
    return min(bad, key=lambda cp: cp.seq) if bad else None


# ---------------------------------------------------------------- tests


def as_learner(func):
    """A learner's copy of ``func``: ``check`` treats the reference itself as the not-started stand-in."""
    return lambda *args, **kwargs: func(*args, **kwargs)




@pytest.mark.parametrize(("check", "func"), [
    (w.check_psi, w.reference.psi), (w.check_psi, psi_pandas),
    (w.check_kyc_backlog_rule, w.reference.kyc_backlog_rule), (w.check_kyc_backlog_rule, backlog_rule_critical),
    (w.check_first_unanchored_divergence, w.reference.first_unanchored_divergence),
    (w.check_first_unanchored_divergence, divergence_sorted_walk),
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
    (w.check_first_unanchored_divergence, divergence_newest_only,
     "insider rewrote record 0, a checkpoint on every record", "min("),
    (w.check_first_unanchored_divergence, divergence_ignores_truncation, "last two records removed", "len(records)"),
    (w.check_first_unanchored_divergence, divergence_recomputes_only,
     "insider rewrote record 0, a checkpoint on every record", "only the checkpoints give it away"),
    (w.check_first_unanchored_divergence, divergence_checkpoint,
     "insider rewrote record 0, a checkpoint on every record", "not the Checkpoint"),
])
def test_wrong_solutions_fail_with_the_right_case(check, func, case, hint):
    with pytest.raises(ExerciseFailed) as info:
        check(func)
    assert info.value.case == case
    assert hint in str(info.value)


def test_pass_lines_are_exact(capsys):
    assert [w.EXERCISES[i].evaluate(f) for i, f in [("8.1", w.reference.psi), ("8.2", w.reference.kyc_backlog_rule),
                                                    ("8.4", w.reference.first_unanchored_divergence)]] == [16, 16, 35]
    w.check.psi(as_learner(w.reference.psi))
    w.check.kyc_backlog_rule(as_learner(w.reference.kyc_backlog_rule))
    w.check.first_unanchored_divergence(as_learner(w.reference.first_unanchored_divergence))
    assert capsys.readouterr().out.splitlines() == [
        "Exercise 8.1 passed (16/16 cases)", "Exercise 8.2 passed (16/16 cases)", "Exercise 8.4 passed (35/35 cases)"]


def test_the_reference_agrees_with_the_verifier_on_an_insiders_rewrite(tmp_path):
    """8.4 teaches what AuditLog.verify does with an anchor: same record, on a log rewritten end to end."""
    import json

    from reference_impl.governance.anchor import AuditAnchor
    from reference_impl.governance.audit import AuditLog, canonical_json

    anchor = AuditAnchor(b"k" * 32, tmp_path / "outside" / "checkpoints.jsonl", every=2)
    log = AuditLog(tmp_path / "audit.jsonl", anchor=anchor)
    for i in range(7):
        log.append("kyc.review.decided", {"item_id": i, "label": "passport"}, actor="key:reviewer1")
    log.close()
    records = list(log.records())
    chain = records[0]["hash"]
    records[2]["payload"]["label"] = "utility_bill"
    forged = w.rechain(records, 2)
    log.path.write_text("".join(canonical_json(rec) + "\n" for rec in forged))
    log.head_path.write_bytes(json.dumps({"seq": 6, "hash": forged[-1]["hash"]}).encode().ljust(255) + b"\n")

    assert AuditLog(log.path, anchor=None).verify().ok  # the chain and the head are consistent again
    verdict = AuditLog(log.path, anchor=anchor).verify()
    assert not verdict.ok and "anchored checkpoint" in verdict.reason
    found = w.first_unanchored_divergence(forged, anchor.checkpoints(chain))
    assert found == 3  # record 2 was edited, but the first checkpoint vouching for it is on record 3
    assert f"record {found} " in verdict.reason
