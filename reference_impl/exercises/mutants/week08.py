"""Week 8 mutants: plausible wrong answers to exercises 8.1–8.3, each breaking one requirement.

8.3 is week 5's hash-chain exercise on the service's own logs: it reuses the 5.4 mutants and correct solutions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reference_impl.exercises import week08 as w
from reference_impl.exercises.mutants import week05 as m5
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
    *(Mutant("8.3", m.breaks, m.func) for m in m5.MUTANTS if m.exercise == "5.4"),
]

CORRECT = {
    "8.1": [w.reference.psi, psi_pandas],
    "8.2": [w.reference.kyc_backlog_rule, backlog_rule_critical],
    "8.3": [w.reference.first_bad_record, m5.chain_walk],
}
