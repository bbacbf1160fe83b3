"""Week 8 exercises: monitoring and governance.

* 8.1 :func:`psi` — the population stability index on reference-quantile bins, with the empty-bin rule
  (an empty bin must not make PSI infinite) and NaN ignored.
* 8.2 :func:`kyc_backlog_rule` — write a business alert as a declarative rule: it fires when the KYC
  manual-review workload exceeds the team's capacity, reads the capacity from the metrics (no hard-coded
  number), says what it costs and what to do.
* 8.3 :func:`first_bad_record` — verify a hash-chained audit log yourself: the index of the first
  record that was edited, removed or reordered, or ``None``.

The notebook imports ``check`` and ``reference`` from here.

Examples
--------
>>> check.psi(reference.psi)
Exercise 8.1 passed (8/8 cases)
>>> check.first_bad_record(reference.first_bad_record)
Exercise 8.3 passed (8/8 cases)
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from reference_impl.exercises.framework import Case, ExerciseFailed, run_cases
from reference_impl.governance.audit import GENESIS_HASH, AuditLog, record_hash
from reference_impl.monitoring import drift
from reference_impl.monitoring.alerts import AlertRule, C

# --------------------------------------------------------------------------------------------------------------
# Reference solutions
# --------------------------------------------------------------------------------------------------------------


def psi(reference: np.ndarray, current: np.ndarray, n_bins: int = 10) -> float:
    """PSI of ``current`` against ``reference``: reference-decile bins, empty bins count as 1e-4, NaN ignored."""
    return drift.psi(reference, current, n_bins=n_bins)


def kyc_backlog_rule() -> AlertRule:
    """KYC manual-review hours needed per day above the team's capacity -> a warning with evidence and runbook."""
    return AlertRule(
        name="kyc_review_backlog",
        severity="warning",
        conditions=(C("kyc_review_hours_needed", ">", "kyc_reviewer_hours_per_day"),),
        summary="KYC manual reviews need more hours than the team has",
        evidence="{kyc_review_hours_needed:.1f} review hours/day needed vs {kyc_reviewer_hours_per_day:.1f} available",
        impact="Documents wait longer each day: client onboarding slows and SLAs are missed",
        runbook="Ask onboarding operations for cover; check why the auto-accept rate fell (drift panel).",
    )


def first_bad_record(records: list[dict]) -> int | None:
    """Index of the first record whose sequence number, link to its predecessor or own hash is wrong."""
    prev = GENESIS_HASH
    for i, rec in enumerate(records):
        if rec.get("seq") != i or rec.get("prev_hash") != prev or record_hash(rec) != rec.get("hash"):
            return i
        prev = rec["hash"]
    return None


reference = SimpleNamespace(psi=psi, kyc_backlog_rule=kyc_backlog_rule, first_bad_record=first_bad_record)

# --------------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------------


def _close(got: Any, expected: Any) -> str | None:
    try:
        value = float(got)
    except (TypeError, ValueError):
        return f"expected a float, got {type(got).__name__}"
    if not math.isfinite(value):
        return f"expected a finite PSI, got {value!r}"
    return (
        None
        if math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-9)
        else f"expected {expected:.6f}, got {value:.6f}"
    )


def psi_cases() -> list[Case]:
    rng = np.random.default_rng(8)
    ref = rng.normal(size=2000)
    skewed = rng.lognormal(0.0, 1.0, size=2000)
    return [
        Case("identical samples", (ref, ref.copy()), compare=_close, hint="PSI of a sample with itself is 0."),
        Case(
            "hand-worked 2 bins",
            (np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0, 1.0, 4.0])),
            {"n_bins": 2},
            compare=_close,
            hint="Median 2.5 splits 50/50 vs 75/25; sum (cur-ref)*ln(cur/ref).",
        ),
        Case(
            "mean shift of one sd",
            (ref, rng.normal(1.0, 1.0, size=2000)),
            compare=_close,
            hint="Bins are the *reference* quantiles (np.quantile(reference, [0.1, ..., 0.9])), not equal widths.",
        ),
        Case(
            "skewed reference, bins must come from it",
            (skewed, skewed * 1.5),
            compare=_close,
            hint="Build the edges from the reference window only; the current window is what you measure.",
        ),
        Case(
            "a bin left empty",
            (ref, np.full(500, -5.0)),
            compare=_close,
            hint="An empty bin would give log(0): give it proportion 1e-4 instead (and do not renormalise).",
        ),
        Case(
            "NaN values are ignored",
            (np.append(ref, [np.nan] * 50), np.append(rng.normal(0.5, 1.0, size=1000), np.nan)),
            compare=_close,
            hint="Drop non-finite values from both windows before binning.",
        ),
        Case(
            "ties in the reference",
            (
                np.array([0.0] * 80 + list(range(1, 21)), dtype=float),
                np.array([0.0] * 50 + list(range(1, 51)), dtype=float),
            ),
            compare=_close,
            hint="Repeated quantiles give duplicate edges: de-duplicate them (np.unique). Values equal to an edge go "
            "in the lower bin (right-closed bins: np.searchsorted(sorted_values, edges, side='right')).",
        ),
        Case(
            "n_bins respected",
            (ref, rng.normal(0.2, 1.0, size=2000)),
            {"n_bins": 5},
            compare=_close,
            hint="Use n_bins quantile bins: edges at 1/n, 2/n, ..., (n-1)/n.",
        ),
    ]


def _backlog_metrics(needed: float, capacity: float) -> dict[str, Any]:
    return {
        "kyc_review_hours_needed": needed,
        "kyc_reviewer_hours_per_day": capacity,
        "kyc_per_day": 300.0,
        "manual_review_rate": 0.4,
        "auto_accept_rate": 0.6,
        "flag_rate": 0.02,
        "requests": 5000,
    }


def backlog_rule_cases() -> list[Case]:
    fires = "The rule should fire: review hours needed exceed the capacity in the metrics."
    return [
        Case("30 h needed, 24 h capacity", (_backlog_metrics(30.0, 24.0),), expected=True, hint=fires),
        Case(
            "20 h needed, 24 h capacity",
            (_backlog_metrics(20.0, 24.0),),
            expected=False,
            hint="Within capacity: no alert.",
        ),
        Case(
            "exactly at capacity",
            (_backlog_metrics(24.0, 24.0),),
            expected=False,
            hint="At capacity the team copes: use '>' not '>='.",
        ),
        Case(
            "bigger team (capacity 40 h)",
            (_backlog_metrics(30.0, 40.0),),
            expected=False,
            hint="Compare with the metric 'kyc_reviewer_hours_per_day', not a hard-coded number: C(..., '>', 'kyc_reviewer_hours_per_day').",
        ),
        Case("smaller team (capacity 10 h)", (_backlog_metrics(12.0, 10.0),), expected=True, hint=fires),
        Case(
            "no data (no KYC traffic)",
            (_backlog_metrics(float("nan"), 24.0),),
            expected=False,
            hint="A NaN metric means 'no data': the rule must not fire.",
        ),
    ]


def _tampered_logs() -> list[tuple[str, list[dict], str]]:
    """(name, records, hint) for an intact log and each kind of tampering."""
    clock = iter(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=i) for i in range(100))
    with tempfile.TemporaryDirectory(prefix="week08-audit-") as tmp:
        log = AuditLog(Path(tmp) / "audit.jsonl", clock=lambda: next(clock))
        for i in range(6):
            log.append(
                "trade.decision", {"trade_id": f"T{i:06d}", "score": round(0.1 * i, 2), "flagged": i == 4}, actor="svc"
            )
        log.close()
        intact = list(log.records())
    edited = copy.deepcopy(intact)
    edited[3]["payload"]["flagged"] = True
    rehashed = copy.deepcopy(intact)
    rehashed[2]["payload"]["score"] = 0.0
    rehashed[2]["hash"] = record_hash(rehashed[2])
    last = copy.deepcopy(intact)
    last[5]["payload"]["flagged"] = True
    removed = copy.deepcopy(intact[:2] + intact[3:])
    swapped = copy.deepcopy([intact[0], intact[2], intact[1], *intact[3:]])
    forged_first = copy.deepcopy(intact)
    forged_first[0]["prev_hash"] = "f" * 64
    forged_first[0]["hash"] = record_hash(forged_first[0])
    return [
        ("intact log", intact, "Nothing was changed: return None."),
        (
            "payload of record 3 edited",
            edited,
            "Recompute each record's hash (record_hash) and compare with its 'hash'.",
        ),
        (
            "record 2 edited and re-hashed",
            rehashed,
            "An attacker can recompute one record's hash; the *next* record's prev_hash still names the old hash.",
        ),
        ("last record edited", last, "The last record has no successor: its own hash must be checked too."),
        ("record 2 removed", removed, "Check 'seq' counts 0, 1, 2, ... and each prev_hash equals the previous hash."),
        ("records 1 and 2 swapped", swapped, "Order matters: seq and prev_hash must follow the file order."),
        ("first record forged", forged_first, "The first record links to GENESIS_HASH ('0' * 64)."),
        ("empty log", [], "An empty log is intact: None."),
    ]


def check_psi(func: Callable[..., Any]) -> None:
    """Exercise 8.1."""
    run_cases("8.1", func, psi_cases(), reference=psi)


def check_kyc_backlog_rule(make_rule: Callable[[], Any]) -> None:
    """Exercise 8.2: ``make_rule()`` returns an :class:`AlertRule`; we evaluate it on several days' metrics."""
    try:
        rule = make_rule()
    except Exception as exc:  # noqa: BLE001 - learner code may raise anything
        raise ExerciseFailed("8.2", "setup", f"your function raised {type(exc).__name__}: {exc}") from None
    if not isinstance(rule, AlertRule):
        raise ExerciseFailed(
            "8.2",
            "setup",
            f"expected an AlertRule, got {type(rule).__name__}",
            "Return AlertRule(name=..., severity=..., conditions=(C(...),), summary=..., ...).",
        )
    if rule.severity not in ("warning", "critical"):
        raise ExerciseFailed(
            "8.2",
            "severity",
            f"severity {rule.severity!r} is too low for a growing backlog",
            "Use 'warning' (or 'critical' if clients are already affected).",
        )
    if not rule.runbook.strip() or not rule.impact.strip():
        raise ExerciseFailed(
            "8.2",
            "runbook",
            "impact and runbook must say what it costs and what to do first",
            "An alert nobody knows how to act on is noise.",
        )
    n = run_cases("8.2", lambda metrics: rule.evaluate(metrics) is not None, backlog_rule_cases(), quiet=True)
    fired = rule.evaluate(_backlog_metrics(30.0, 24.0))
    if fired is None or "30.0" not in fired.evidence or "24.0" not in fired.evidence:
        raise ExerciseFailed(
            "8.2",
            "evidence",
            f"evidence {getattr(fired, 'evidence', None)!r} should quote both numbers (30.0 and 24.0)",
            "Use templates such as '{kyc_review_hours_needed:.1f} h needed vs {kyc_reviewer_hours_per_day:.1f} h'.",
        )
    print(f"Exercise 8.2 passed ({n}/{n} cases)")


def check_first_bad_record(func: Callable[..., Any]) -> None:
    """Exercise 8.3."""
    cases = [Case(name, (records,), hint=hint) for name, records, hint in _tampered_logs()]
    for case in cases:
        case.expected = first_bad_record(case.args[0])
    run_cases("8.3", func, [_with_none(c) for c in cases])


def _with_none(case: Case) -> Case:
    # the framework treats expected=None as "ask the reference"; here None is a real answer
    if case.expected is None:
        case.compare = lambda got, _expected: None if got is None else f"expected None (log intact), got {got!r}"
    return case


check = SimpleNamespace(psi=check_psi, kyc_backlog_rule=check_kyc_backlog_rule, first_bad_record=check_first_bad_record)

__all__ = [
    "check",
    "check_first_bad_record",
    "check_kyc_backlog_rule",
    "check_psi",
    "first_bad_record",
    "kyc_backlog_rule",
    "psi",
    "reference",
]
