"""Week 8 mutants: plausible wrong answers to exercises 8.1–8.4, each breaking one requirement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reference_impl.exercises import week08 as w
from reference_impl.exercises.mutants import week08_overrides as m84
from reference_impl.exercises.mutation import Mutant
from reference_impl.monitoring.alerts import AlertRule, C

# ---------------------------------------------------------------- alternative correct solutions


def psi_pandas(reference, current, n_bins=10):
    ref = pd.Series(reference, dtype=float)
    cur = pd.Series(current, dtype=float)
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    edges = np.unique(ref.quantile(np.linspace(0, 1, n_bins + 1)[1:-1]).to_numpy())
    bins = np.concatenate(([-np.inf], edges, [np.inf]))
    r = pd.cut(ref, bins, right=True).value_counts(normalize=True, sort=False).to_numpy()
    c = pd.cut(cur, bins, right=True).value_counts(normalize=True, sort=False).to_numpy()
    r, c = np.where(r == 0, 1e-4, r), np.where(c == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r)))


def backlog_rule_critical():
    return AlertRule(
        "kyc_backlog",
        "critical",
        (C("kyc_review_hours_needed", ">", "kyc_reviewer_hours_per_day"),),
        "backlog",
        "{kyc_review_hours_needed} h needed, {kyc_reviewer_hours_per_day} h available",
        "onboarding slows",
        "get cover from operations",
    )


def divergence_by_seq_field(records, checkpoints):
    """Find the record by its own ``seq`` field, then report the smallest contradicted checkpoint."""
    by_seq = {rec["seq"]: rec["hash"] for rec in records}
    bad = sorted({cp.seq for cp in checkpoints if by_seq.get(cp.seq) != cp.hash})
    return bad[0] if bad else None


# ---------------------------------------------------------------- plausible wrong solutions: 8.1


def _psi(
    reference,
    current,
    n_bins=10,
    *,
    finite=np.isfinite,
    side="right",
    floor=True,
    renorm=False,
    pooled=False,
    bins=None,
    formula="psi",
):
    with np.errstate(all="ignore"):
        return _psi_body(reference, current, n_bins, finite, side, floor, renorm, pooled, bins, formula)


def _psi_body(reference, current, n_bins, finite, side, floor, renorm, pooled, bins, formula):
    ref, cur = np.asarray(reference, float), np.asarray(current, float)
    ref, cur = ref[finite(ref)], cur[finite(cur)]
    n = n_bins if bins is None else bins
    base = np.concatenate([ref, cur]) if pooled else ref
    edges = np.unique(np.quantile(base, np.linspace(0, 1, n + 1)[1:-1]))

    def props(x):
        cuts = np.concatenate(([0], np.searchsorted(np.sort(x), edges, side), [x.size]))
        p = np.diff(cuts) / x.size
        if floor:
            p = np.where(p == 0, 1e-4, p)
        return p / p.sum() if renorm else p

    r, c = props(ref), props(cur)
    with np.errstate(divide="ignore", invalid="ignore"):
        if formula == "kl":
            return float(np.sum(c * np.log(c / r)))
        if formula == "log10":
            return float(np.sum((c - r) * np.log10(c / r)))
        return float(np.sum((c - r) * np.log(c / r)))


def psi_keeps_nan(reference, current, n_bins=10):
    return _psi(reference, current, n_bins, finite=lambda x: np.ones(x.shape, bool))


def psi_drops_nan_only(reference, current, n_bins=10):  # np.isnan misses inf
    return _psi(reference, current, n_bins, finite=lambda x: ~np.isnan(x))


def psi_equal_width(reference, current, n_bins=10):  # equal-width bins over the pooled range
    ref, cur = np.asarray(reference, float), np.asarray(current, float)
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins=n_bins)
    r = np.maximum(np.histogram(ref, edges)[0] / ref.size, 1e-4)
    c = np.maximum(np.histogram(cur, edges)[0] / cur.size, 1e-4)
    return float(np.sum((c - r) * np.log(c / r)))


def psi_pooled_quantiles(reference, current, n_bins=10):  # edges from both windows
    return _psi(reference, current, n_bins, pooled=True)


def psi_ignores_n_bins(reference, current, n_bins=10):
    return _psi(reference, current, n_bins, bins=10)


def psi_left_closed(reference, current, n_bins=10):
    return _psi(reference, current, n_bins, side="left")


def psi_no_floor(reference, current, n_bins=10):  # empty bins -> log(0)
    return _psi(reference, current, n_bins, floor=False)


def psi_renormalised(reference, current, n_bins=10):
    return _psi(reference, current, n_bins, renorm=True)


def psi_kl(reference, current, n_bins=10):  # one direction of the divergence only
    return _psi(reference, current, n_bins, formula="kl")


def psi_log10(reference, current, n_bins=10):
    return _psi(reference, current, n_bins, formula="log10")


# ---------------------------------------------------------------- plausible wrong solutions: 8.2


def _rule(**changes):
    fields = {
        "name": "kyc_backlog",
        "severity": "warning",
        "conditions": (C("kyc_review_hours_needed", ">", "kyc_reviewer_hours_per_day"),),
        "summary": "backlog",
        "evidence": "{kyc_review_hours_needed:.1f} h needed vs {kyc_reviewer_hours_per_day:.1f} h available",
        "impact": "onboarding slows",
        "runbook": "get cover from operations",
    }
    return AlertRule(**(fields | changes))


def rule_as_dict():  # the fields, but not an AlertRule
    return {"name": "kyc_backlog", "severity": "warning", "conditions": ()}


def rule_info():
    return _rule(severity="info")


def rule_no_runbook():
    return _rule(runbook=" ")


def rule_greater_equal():
    return _rule(conditions=(C("kyc_review_hours_needed", ">=", "kyc_reviewer_hours_per_day"),))


def rule_typo():
    return _rule(conditions=(C("kyc_hours_needed", ">", "kyc_reviewer_hours_per_day"),))


def rule_hard_coded():
    return _rule(conditions=(C("kyc_review_hours_needed", ">", 24.0),))


def rule_vague_evidence():
    return _rule(evidence="review backlog is growing")


def rule_evidence_one_number():
    return _rule(evidence="{kyc_review_hours_needed:.1f} review hours needed today")


# ---------------------------------------------------------------- plausible wrong solutions: 8.4


def _contradicted(records, checkpoints, *, lookup=None, past_end=True, strict_end=False):
    """Seqs of the contradicted checkpoints, in list order, with one rule changed."""
    out = []
    for cp in checkpoints:
        if cp.seq >= len(records) + strict_end:
            if past_end:
                out.append(cp.seq)
            continue
        got = lookup(records, cp.seq) if lookup else records[cp.seq]["hash"]
        if got != cp.hash:
            out.append(cp.seq)
    return out


def divergence_previous_record(records, checkpoints):  # records[seq - 1]: counts from 1
    bad = _contradicted(records, checkpoints, lookup=lambda r, s: r[s - 1]["hash"])
    return min(bad) if bad else None


def divergence_prev_hash(records, checkpoints):  # compares with the record's link, not its own hash
    bad = _contradicted(records, checkpoints, lookup=lambda r, s: r[s]["prev_hash"])
    return min(bad) if bad else None


def divergence_successor_link(records, checkpoints):  # the next record's prev_hash: nothing follows the last
    bad = _contradicted(records, checkpoints, lookup=lambda r, s: r[s + 1]["prev_hash"] if s + 1 < len(r) else None)
    return min(bad) if bad else None


def divergence_zip(records, checkpoints):  # the n-th checkpoint against the n-th record
    bad = [cp.seq for cp, rec in zip(checkpoints, records) if rec["hash"] != cp.hash]
    return min(bad) if bad else None


def divergence_skips_missing(records, checkpoints):  # a truncated log passes
    bad = _contradicted(records, checkpoints, past_end=False)
    return min(bad) if bad else None


def divergence_off_by_one_end(records, checkpoints):  # seq == len(records) is "just the head"
    bad = _contradicted(records, checkpoints, strict_end=True)
    return min(bad) if bad else None


def divergence_first_missing_position(records, checkpoints):  # reports where the log ends, not the checkpoint
    bad = _contradicted(records, checkpoints)
    if any(s >= len(records) for s in bad):
        bad = [min(s, len(records)) for s in bad]
    return min(bad) if bad else None


def divergence_length_must_match(records, checkpoints):  # records after the newest checkpoint look "extra"
    bad = _contradicted(records, checkpoints)
    newest = max((cp.seq for cp in checkpoints), default=None)
    if newest is not None and len(records) > newest + 1:
        bad.append(newest + 1)
    return min(bad) if bad else None


def divergence_list_order(records, checkpoints):  # first in list order: the list is not sorted
    bad = _contradicted(records, checkpoints)
    return bad[0] if bad else None


def divergence_newest_only(records, checkpoints):  # the newest checkpoint alone: says *that* but not *where*
    if not checkpoints:
        return None
    newest = max(checkpoints, key=lambda cp: cp.seq)
    bad = _contradicted(records, [newest])
    return bad[0] if bad else None


def divergence_last_wins(records, checkpoints):  # de-duplicated by seq: a conflicting copy is dropped
    latest = {cp.seq: cp for cp in checkpoints}
    bad = _contradicted(records, list(latest.values()))
    return min(bad) if bad else None


def divergence_largest(records, checkpoints):
    bad = _contradicted(records, checkpoints)
    return max(bad) if bad else None


def divergence_minus_one(records, checkpoints):  # -1 for "nothing wrong"
    bad = _contradicted(records, checkpoints)
    return min(bad) if bad else -1


def divergence_false(records, checkpoints):
    bad = _contradicted(records, checkpoints)
    return min(bad) if bad else False


def divergence_checkpoint_object(records, checkpoints):  # the Checkpoint, not its seq
    bad = [cp for cp in checkpoints if cp.seq in _contradicted(records, [cp])]
    return min(bad, key=lambda cp: cp.seq) if bad else None


def divergence_list_position(records, checkpoints):  # the checkpoint's position in the list, not its seq
    positions = [i for i, cp in enumerate(checkpoints) if _contradicted(records, [cp])]
    return min(positions, key=lambda i: checkpoints[i].seq) if positions else None


MUTANTS = [
    Mutant("8.1", "nan", psi_keeps_nan),
    Mutant("8.1", "nan", psi_drops_nan_only),
    Mutant("8.1", "edges", psi_equal_width),
    Mutant("8.1", "edges", psi_pooled_quantiles),
    Mutant("8.1", "edges", psi_ignores_n_bins),
    Mutant("8.1", "closed", psi_left_closed),
    Mutant("8.1", "floor", psi_no_floor),
    Mutant("8.1", "floor", psi_renormalised),
    Mutant("8.1", "formula", psi_kl),
    Mutant("8.1", "formula", psi_log10),
    Mutant("8.2", "rule", rule_as_dict),
    Mutant("8.2", "severity", rule_info),
    Mutant("8.2", "actionable", rule_no_runbook),
    Mutant("8.2", "fires", rule_greater_equal),
    Mutant("8.2", "fires", rule_typo),
    Mutant("8.2", "capacity", rule_hard_coded),
    Mutant("8.2", "evidence", rule_vague_evidence),
    Mutant("8.2", "evidence", rule_evidence_one_number),
    Mutant("8.4", "position", divergence_previous_record),
    Mutant("8.4", "position", divergence_prev_hash),
    Mutant("8.4", "position", divergence_successor_link),
    Mutant("8.4", "position", divergence_zip),
    Mutant("8.4", "truncated", divergence_skips_missing),
    Mutant("8.4", "truncated", divergence_off_by_one_end),
    Mutant("8.4", "truncated", divergence_first_missing_position),
    Mutant("8.4", "truncated", divergence_length_must_match),
    Mutant("8.4", "every", divergence_list_order),
    Mutant("8.4", "every", divergence_newest_only),
    Mutant("8.4", "every", divergence_last_wins),
    Mutant("8.4", "every", divergence_largest),
    Mutant("8.4", "result", divergence_minus_one),
    Mutant("8.4", "result", divergence_false),
    Mutant("8.4", "result", divergence_checkpoint_object),
    Mutant("8.4", "result", divergence_list_position),
    *m84.MUTANTS,
]

CORRECT = {
    "8.1": [w.reference.psi, psi_pandas],
    "8.2": [w.reference.kyc_backlog_rule, backlog_rule_critical],
    "8.4": [w.reference.first_unanchored_divergence, divergence_by_seq_field],
    "8.3": [w.reference.apply_overrides, *m84.CORRECT["8.3"]],
}
