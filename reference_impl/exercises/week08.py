"""Week 8 exercises: monitoring and governance.

* 8.1 :func:`psi` — the population stability index on reference-quantile bins, with the empty-bin rule
  (an empty bin must not make PSI infinite) and NaN ignored.
* 8.2 :func:`kyc_backlog_rule` — write a business alert as a declarative rule: it fires when the KYC
  manual-review workload exceeds the team's capacity, reads the capacity from the metrics (no hard-coded
  number), says what it costs and what to do.
* 8.3 :func:`apply_overrides` (:mod:`.week08_overrides`) — analyst overrides on the model's decisions: active
  ones only, every match column, force-flag beats suppress, the model's own flag and score kept for audit.
* 8.4 :func:`first_unanchored_divergence` — what only anchored checkpoints catch: an insider who edits a
  record and recomputes the whole chain (and the head) passes the chain check; the seq of the first signed
  checkpoint the log contradicts (another hash there, or the log ends before it), or ``None``.

The notebook imports ``check`` and ``reference`` from here.

Examples
--------
>>> EXERCISES["8.1"].evaluate(reference.psi)  # the number of cases passed
16
>>> EXERCISES["8.4"].evaluate(reference.first_unanchored_divergence)  # the number of cases passed
35
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from reference_impl.exercises import week08_overrides
from reference_impl.exercises.framework import Case, CheckBook, Exercise, Requirement, Structural
from reference_impl.governance.anchor import AuditAnchor, Checkpoint
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


def first_unanchored_divergence(records: list[dict], checkpoints: list[Checkpoint]) -> int | None:
    """Seq of the first checkpoint the log contradicts: another hash at that position, or the log ends before it."""
    contradicted = [cp.seq for cp in checkpoints if cp.seq >= len(records) or records[cp.seq]["hash"] != cp.hash]
    return min(contradicted) if contradicted else None


# Readable solutions: what check.solution(...) shows (the reference above delegates to the library, which
# also serves production code; these solve the exercise in a few plain lines and pass the same check)


def solution_psi(reference: np.ndarray, current: np.ndarray, n_bins: int = 10) -> float:
    """PSI of ``current`` against ``reference``: reference-quantile bins, empty bins count as 1e-4."""
    ref, cur = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    ref, cur = np.sort(ref[np.isfinite(ref)]), np.sort(cur[np.isfinite(cur)])  # drop NaN and +-inf first
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, n_bins + 1)[1:-1]))  # from the reference only

    def proportions(x: np.ndarray) -> np.ndarray:
        # bins (-inf, e0], (e0, e1], ..., (e_last, inf): a value on an edge goes in the lower bin
        cuts = np.concatenate(([0], np.searchsorted(x, edges, side="right"), [len(x)]))
        p = np.diff(cuts) / len(x)
        return np.where(p == 0, 1e-4, p)  # an empty bin would give log(0); not renormalised

    p_ref, p_cur = proportions(ref), proportions(cur)
    return float(np.sum((p_cur - p_ref) * np.log(p_cur / p_ref)))


apply_overrides = week08_overrides.apply_overrides

reference = SimpleNamespace(
    psi=psi,
    kyc_backlog_rule=kyc_backlog_rule,
    first_unanchored_divergence=first_unanchored_divergence,
    apply_overrides=apply_overrides,
)

# --------------------------------------------------------------------------------------------------------------
# 8.1 PSI
# --------------------------------------------------------------------------------------------------------------

PSI_REQS = (
    Requirement(
        "nan",
        "drop non-finite values (NaN, `inf`, `-inf`) from both windows before anything else",
        "keep only finite values: x = x[np.isfinite(x)], in both windows, before the quantiles",
    ),
    Requirement(
        "edges",
        "put the bin edges at the *reference* quantiles `1/n, …, (n-1)/n` for `n = n_bins` (`np.quantile`, its "
        "default linear method), de-duplicated with `np.unique` because ties repeat a quantile",
        "edges = np.unique(np.quantile(reference, np.linspace(0, 1, n_bins + 1)[1:-1])): from the reference window "
        "only, n_bins of them, not equal widths",
    ),
    Requirement(
        "closed",
        "bins are right-closed: a value equal to an edge goes in the lower bin",
        "count with np.searchsorted(sorted_values, edges, side='right'), or pd.cut(..., right=True)",
    ),
    Requirement(
        "floor",
        "an empty bin counts as proportion `1e-4` (and the proportions are not renormalised)",
        "an empty bin would give log(0): give it proportion 1e-4 instead, and do not renormalise",
    ),
    Requirement(
        "formula",
        "return `sum((cur - ref) * ln(cur / ref))` over the bins, as a float",
        "PSI = sum((cur - ref) * np.log(cur / ref)) with natural logarithms; it is 0 for identical windows",
    ),
)


def _close(got: Any, expected: Any) -> str | None:
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating)):
        return Structural(f"expected a float, got {type(got).__name__}")
    value = float(got)
    if not math.isfinite(value):
        return f"expected a finite PSI ({expected:.6f}), got {value!r}"
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
        Case("identical samples", (ref, ref.copy()), compare=_close, req="formula"),
        Case(
            "hand-worked 2 bins",
            (np.array([0.0] * 50 + [1.0] * 50), np.array([0.0] * 75 + [1.0] * 25)),
            {"n_bins": 2},
            compare=_close,
            req="formula",
            hint="The median 0.5 splits 50/50 vs 75/25: (0.75-0.5)*ln(0.75/0.5) + (0.25-0.5)*ln(0.25/0.5) = 0.2747; "
            "natural logarithms, and both terms (cur - ref) times ln(cur / ref).",
        ),
        Case("mean shift of one sd", (ref, rng.normal(1.0, 1.0, size=2000)), compare=_close, req="edges"),
        Case(
            "small windows, 2 bins",
            (np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0, 1.0, 4.0])),
            {"n_bins": 2},
            compare=_close,
            req="edges",
            hint="The reference median 2.5 is the edge (not the median of both windows together).",
        ),
        Case("skewed reference, bins must come from it", (skewed, skewed * 1.5), compare=_close, req="edges"),
        Case(
            "n_bins respected",
            (ref, rng.normal(0.2, 1.0, size=2000)),
            {"n_bins": 5},
            compare=_close,
            req="edges",
            hint="Use n_bins quantile bins: edges at 1/n, 2/n, ..., (n-1)/n.",
        ),
        Case(
            "NaN values are ignored",
            (np.append(ref, [np.nan] * 50), np.append(rng.normal(0.5, 1.0, size=1000), np.nan)),
            compare=_close,
            req="nan",
        ),
        Case(
            "infinite values are ignored",
            (np.append(ref, [np.inf] * 300), np.append(rng.normal(0.5, 1.0, size=1000), [-np.inf] * 200)),
            compare=_close,
            req="nan",
            hint="np.isnan misses inf: keep x[np.isfinite(x)]",
        ),
        Case("a bin left empty", (ref, np.full(500, -5.0)), compare=_close, req="floor"),
        Case(
            "ties in the reference",
            (
                np.array([0.0] * 80 + list(range(1, 21)), dtype=float),
                np.array([0.0] * 50 + list(range(1, 51)), dtype=float),
            ),
            compare=_close,
            req="edges",
            hint="Repeated quantiles give duplicate edges: de-duplicate them (np.unique).",
        ),
        Case(
            "values on an edge",
            (np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([3.0, 3.0, 3.0, 4.0])),
            {"n_bins": 2},
            compare=_close,
            req="closed",
            hint="The median 3.0 is the edge: 3.0 goes in the lower bin (<= 3.0), so ref is 60/40 and cur 75/25.",
        ),
    ]


def psi_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k, kind in enumerate(["normal", "lognormal", "poisson", "uniform", "poisson"]):
        n_ref, n_cur = int(rng.integers(80, 1500)), int(rng.integers(40, 1200))
        n_bins = int(rng.choice([2, 4, 5, 10, 20]))
        if kind == "poisson":  # integer values: ties, and values sitting exactly on the edges
            lam = float(rng.uniform(1, 6))
            ref_v, cur_v = rng.poisson(lam, n_ref).astype(float), rng.poisson(lam * 1.4, n_cur).astype(float)
        elif kind == "lognormal":
            ref_v, cur_v = rng.lognormal(0, 1, n_ref), rng.lognormal(0.3, 1.2, n_cur)
        elif kind == "uniform":  # the current window reaches far outside the reference: empty bins
            ref_v, cur_v = rng.uniform(0, 1, n_ref), rng.uniform(0.5, 3, n_cur)
        else:
            ref_v, cur_v = rng.normal(0, 1, n_ref), rng.normal(float(rng.uniform(-1, 1)), 1.3, n_cur)
        for values in (ref_v, cur_v):
            bad = rng.choice(values.size, size=int(rng.integers(0, 6)), replace=False)
            values[bad] = rng.choice([np.nan, np.inf, -np.inf], size=bad.size)
        cases.append(
            Case(
                f"random windows {k + 1}: {kind}, {n_ref} vs {n_cur} values, {n_bins} bins",
                (ref_v, cur_v),
                {"n_bins": n_bins},
                compare=_close,
                req="edges",
            )
        )
    return cases


# --------------------------------------------------------------------------------------------------------------
# 8.2 a business alert as a rule
# --------------------------------------------------------------------------------------------------------------

BACKLOG_REQS = (
    Requirement(
        "rule",
        "return an `AlertRule` (name, severity, conditions, summary, evidence, impact, runbook)",
        "return AlertRule(name=..., severity=..., conditions=(C(...),), summary=..., evidence=..., impact=..., "
        "runbook=...)",
    ),
    Requirement(
        "severity",
        "severity `warning` (or `critical` when clients are already affected)",
        "a growing backlog is at least a 'warning'",
    ),
    Requirement(
        "actionable",
        "an impact and a runbook line that say what it costs and what to do first",
        "an alert nobody knows how to act on is noise: fill impact and runbook",
    ),
    Requirement(
        "fires",
        "it fires when `kyc_review_hours_needed` exceeds `kyc_reviewer_hours_per_day` (not at exactly capacity), "
        "and not when a metric is missing (NaN)",
        "C('kyc_review_hours_needed', '>', 'kyc_reviewer_hours_per_day'): spell both metric names exactly, and "
        "use '>' (at capacity the team copes)",
    ),
    Requirement(
        "capacity",
        "compare with the capacity *metric*, not a number, so that a bigger team needs no code change",
        "C(..., '>', 'kyc_reviewer_hours_per_day') compares with the metric; C(..., '>', 24.0) hard-codes today's team",
    ),
    Requirement(
        "evidence",
        "the evidence quotes both numbers (hours needed and hours available)",
        "use templates such as '{kyc_review_hours_needed:.1f} h needed vs {kyc_reviewer_hours_per_day:.1f} h'",
    ),
)


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


def _rule_adapter(make_rule: Callable[[], Any]) -> Callable[..., Any]:
    """Turn the learner's factory into ``probe(what, needed, capacity)`` so each requirement is a plain case."""

    def probe(what: str, needed: float = 30.0, capacity: float = 24.0) -> Any:
        rule = make_rule()
        if what == "type":
            return type(rule).__name__
        if what == "severity":
            return rule.severity
        if what == "actionable":
            return bool(str(rule.impact).strip()) and bool(str(rule.runbook).strip())
        fired = rule.evaluate(_backlog_metrics(needed, capacity))
        if what == "fires":
            return fired is not None
        return None if fired is None else fired.evidence

    return probe


def _severity_ok(got: Any, expected: Any) -> str | None:
    return None if got in ("warning", "critical") else f"severity {got!r} is too low for a growing backlog"


def _renderings(v: float) -> set[str]:
    return {f"{v:.0f}", f"{v:.1f}", f"{v:.2f}", f"{v:g}", str(v)}


def _quotes_both(got: Any, expected: Any) -> str | None:
    needed, capacity = expected
    if got is None:
        return f"the rule did not fire on {needed} h needed vs {capacity} h available, so there is no evidence"
    if not isinstance(got, str):
        return f"expected the evidence text, got {type(got).__name__}"
    missing = [v for v in (needed, capacity) if not any(r in got for r in _renderings(v))]
    return f"evidence {got[:120]!r} does not quote {missing}" if missing else None


def backlog_rule_cases() -> list[Case]:
    return [
        Case("returns an AlertRule", ("type",), expected="AlertRule", req="rule"),
        Case("severity", ("severity",), expected="warning", compare=_severity_ok, req="severity"),
        Case("impact and runbook", ("actionable",), expected=True, req="actionable"),
        Case("30 h needed, 24 h capacity", ("fires", 30.0, 24.0), expected=True, req="fires"),
        Case("20 h needed, 24 h capacity", ("fires", 20.0, 24.0), expected=False, req="fires"),
        Case(
            "exactly at capacity",
            ("fires", 24.0, 24.0),
            expected=False,
            req="fires",
            hint="at capacity the team copes: use '>' not '>='",
        ),
        Case(
            "no data (no KYC traffic)",
            ("fires", float("nan"), 24.0),
            expected=False,
            req="fires",
            hint="a NaN metric means 'no data': the rule must not fire",
        ),
        Case("bigger team (capacity 40 h)", ("fires", 30.0, 40.0), expected=False, req="capacity"),
        Case("smaller team (capacity 10 h)", ("fires", 12.0, 10.0), expected=True, req="capacity"),
        Case(
            "evidence for 30 h vs 24 h",
            ("evidence", 30.0, 24.0),
            expected=(30.0, 24.0),
            compare=_quotes_both,
            req="evidence",
        ),
        Case(
            "evidence for 41.5 h vs 32 h",
            ("evidence", 41.5, 32.0),
            expected=(41.5, 32.0),
            compare=_quotes_both,
            req="evidence",
        ),
    ]


def backlog_random_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for k in range(5):
        capacity = float(rng.choice([8.0, 16.0, 24.0, 36.0, 60.0, 7.5]))
        needed = float(rng.choice([capacity, capacity - 0.5, capacity + 0.5, round(float(rng.uniform(0, 80)), 1)]))
        cases.append(
            Case(
                f"random day {k + 1}: {needed} h needed, {capacity} h capacity",
                ("fires", needed, capacity),
                expected=needed > capacity,
                req="capacity",
            )
        )
    return cases


# --------------------------------------------------------------------------------------------------------------
# 8.4 the first checkpoint the log contradicts (anchored checkpoints catch an insider's full re-chain)
# --------------------------------------------------------------------------------------------------------------

ANCHOR_REQS = (
    Requirement(
        "position",
        "a checkpoint `(seq, hash)` vouches for the record at position `seq` of the log (file order, from 0): "
        "compare its `hash` with that record's stored `hash`",
        "look the record up by position: records[cp.seq]['hash'] == cp.hash; not the record before it, not its "
        "prev_hash, not the n-th record for the n-th checkpoint",
    ),
    Requirement(
        "truncated",
        "a checkpoint whose `seq` is at or past the end of the log contradicts it (records were removed from the "
        "end); records written after the newest checkpoint contradict nothing",
        "cp.seq >= len(records) means the record the checkpoint vouches for is gone: that checkpoint is contradicted "
        "(return its seq). A log longer than the newest checkpoint is normal: those records are simply not anchored yet",
    ),
    Requirement(
        "every",
        "check every checkpoint, in whatever order and however often they come (the file and the database table are "
        "both read), and return the smallest contradicted `seq`",
        "collect the seq of every contradicted checkpoint and return min(...): the list is not sorted, may repeat a "
        "seq, and two checkpoints of one seq may disagree (then one of them contradicts the log)",
    ),
    Requirement(
        "result",
        "return that `seq` as an `int`, or `None` when no checkpoint is contradicted (also for no checkpoints)",
        "return the checkpoint's seq (an int, not the Checkpoint, not its position in the list), and None (not -1 or "
        "False) when every checkpoint agrees",
    ),
)


@functools.cache
def _anchored_base() -> tuple[tuple[dict, ...], tuple[Checkpoint, ...]]:
    """Twelve decision records and a checkpoint after each, written by the real AuditLog and AuditAnchor (once)."""
    clock = iter(dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=i) for i in range(100))
    with tempfile.TemporaryDirectory(prefix="week08-anchor-") as tmp:
        anchor = AuditAnchor(b"week08-exercise-anchor-key-32bytes!", Path(tmp) / "checkpoints.jsonl", every=1)
        log = AuditLog(Path(tmp) / "audit.jsonl", anchor=anchor, clock=lambda: next(clock))
        for i in range(12):
            log.append("kyc.review.decided", {"item_id": i, "label": "passport"}, actor="key:reviewer1")
        log.close()
        records = tuple(log.records())
        checkpoints = tuple(anchor.checkpoints(records[0]["hash"]))
    return records, checkpoints


def _log(n: int, every: int = 1) -> tuple[list[dict], list[Checkpoint]]:
    """The first ``n`` records and the checkpoints an anchor with ``every`` would have written for them."""
    records, checkpoints = _anchored_base()
    return copy.deepcopy(list(records[:n])), [cp for cp in checkpoints if cp.seq < n and cp.seq % every == every - 1]


def rechain(records: list[dict], start: int = 0) -> list[dict]:
    """What the insider does after an edit: relink and rehash every record from ``start`` on (seq unchanged)."""
    out = copy.deepcopy(records)
    for i in range(start, len(out)):
        out[i]["prev_hash"] = out[i - 1]["hash"] if i else GENESIS_HASH
        out[i]["hash"] = record_hash(out[i])
    return out


def _rewritten(records: list[dict], k: int) -> list[dict]:
    """An insider's edit of record ``k``, with the whole chain recomputed: the chain check passes."""
    out = copy.deepcopy(records)
    out[k]["payload"]["label"] = "utility_bill"
    return rechain(out, k)


def _extended(records: list[dict], extra: int) -> list[dict]:
    """``extra`` further (genuine) records appended after the given ones."""
    out = copy.deepcopy(records)
    for _ in range(extra):
        nxt = copy.deepcopy(out[-1]) | {"seq": len(out), "payload": {"item_id": 100 + len(out), "label": "passport"}}
        out.append(nxt)
        out[:] = rechain(out, len(out) - 1)
    return out


def _seq_answer(got: Any, expected: Any) -> str | None:
    if expected is None:
        return None if got is None else f"expected None (every checkpoint agrees with the log), got {_short(got)}"
    if got is None:
        return (
            f"expected seq {expected}, got None: the log contradicts checkpoint {expected} (a re-chained log passes "
            "every hash check; only the checkpoints give it away)"
        )
    if type(got) is not int:
        return Structural(
            f"expected the checkpoint's seq, an int ({expected}), got {type(got).__name__}: {_short(got)}"
        )
    return None if got == expected else f"expected seq {expected}, got {got}"


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - learner code may return anything; it becomes a failed case
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _anchor_case(name: str, records: list[dict], checkpoints: list[Checkpoint], req: str, hint: str = "") -> Case:
    expected = first_unanchored_divergence(records, checkpoints)
    return Case(name, (records, checkpoints), expected=expected, compare=_seq_answer, req=req, hint=hint)


def anchor_cases() -> list[Case]:
    # ordered so the first case a mistake fails names that mistake's requirement: answers first, then lookups
    full, every_cp = _log(8)
    _, second_cp = _log(8, every=2)  # checkpoints on records 1, 3, 5, 7
    six, six_cp = _log(6, every=3)  # checkpoints on records 2 and 5
    _, third_cp = _log(8, every=3)
    seven, seven_cp = _log(7, every=2)  # checkpoints on records 1, 3 and 5: record 6 is not anchored yet
    conflicting = [*every_cp[:4], dataclasses.replace(every_cp[3], hash=_rewritten(full, 3)[3]["hash"])]
    return [
        _anchor_case("intact log, no checkpoints at all", full, [], "result"),
        _anchor_case("empty log, no checkpoints", [], [], "result"),
        _anchor_case("insider rewrote record 0, a checkpoint on every record", _rewritten(full, 0), every_cp, "every"),
        _anchor_case(
            "insider rewrote record 0, checkpoints on records 1, 3, 5, 7",
            _rewritten(full, 0),
            second_cp,
            "result",
            hint="the answer is the seq of the first contradicted *checkpoint* (1 here, although record 0 was "
            "edited: nothing vouched for record 0): cp.seq, an int",
        ),
        _anchor_case("intact log, a checkpoint on every record", full, every_cp, "position"),
        _anchor_case("intact log, a checkpoint on every second record", full, second_cp, "position"),
        _anchor_case("intact log, checkpoints on records 2 and 5", six, six_cp, "position"),
        _anchor_case("insider rewrote record 3 and re-chained the rest", _rewritten(full, 3), every_cp, "position"),
        _anchor_case("insider rewrote the last record only", _rewritten(full, 7), every_cp, "position"),
        _anchor_case("rewrite of record 3, checkpoints on records 2 and 5", _rewritten(full, 3), third_cp, "position"),
        _anchor_case("last two records removed", full[:6], every_cp, "truncated"),
        _anchor_case("log cut just before a checkpointed record", full[:5], third_cp, "truncated"),
        _anchor_case("log cut to four records, checkpoints on 1, 3, 5, 7", full[:4], second_cp, "truncated"),
        _anchor_case("every record removed", [], second_cp, "truncated"),
        _anchor_case("records written after the newest checkpoint", _extended(full, 3), every_cp, "truncated"),
        _anchor_case(
            "rewrite after the newest checkpoint goes unseen",
            _rewritten(seven, 6),
            seven_cp,
            "truncated",
            hint="records after the newest checkpoint are not anchored: nothing contradicts them, so the answer is "
            "None (that is why production writes a checkpoint at every commit)",
        ),
        _anchor_case("checkpoints newest first", _rewritten(full, 2), every_cp[::-1], "every"),
        _anchor_case(
            "file checkpoints, then the table's copies of them",
            _rewritten(full, 5),
            [*every_cp[4:], *every_cp],
            "every",
        ),
        _anchor_case("two checkpoints of record 3 disagree, the later one matches", full, conflicting[::-1], "every"),
        _anchor_case("two checkpoints of record 3 disagree, the earlier one matches", full, conflicting, "every"),
        _anchor_case(
            "rewrite of record 1, only the newest checkpoint is out of range",
            _rewritten(full[:6], 1),
            every_cp,
            "every",
        ),
    ]


def anchor_random_cases(rng: np.random.Generator) -> list[Case]:
    """Random logs (3-12 records, a checkpoint every 1-3), each rewritten, truncated, extended or left intact."""
    cases = []
    for k in range(14):
        n, every = int(rng.integers(3, 13)), int(rng.integers(1, 4))
        records, checkpoints = _log(n, every)
        kind = ("intact", "rewrite", "truncate", "extend", "rewrite+shuffle", "truncate+rewrite", "duplicates")[k % 7]
        req = {"intact": "result", "rewrite": "position", "truncate": "truncated", "extend": "truncated"}.get(
            kind, "every"
        )
        if ("rewrite" in kind or kind == "duplicates") and "truncate" not in kind:
            records = _rewritten(records, int(rng.integers(0, n)))
        if "truncate" in kind:
            records = records[: int(rng.integers(0, n))]
            if "rewrite" in kind and records:
                records = _rewritten(records, int(rng.integers(0, len(records))))
        if kind == "extend":
            records = _extended(records, int(rng.integers(1, 4)))
        if kind in ("rewrite+shuffle", "duplicates"):
            if kind == "duplicates":
                checkpoints = checkpoints + [checkpoints[int(i)] for i in rng.integers(0, len(checkpoints), 3)]
            checkpoints = [checkpoints[int(i)] for i in rng.permutation(len(checkpoints))]
        cases.append(
            _anchor_case(
                f"random log {k + 1}: {kind}, {n} records, checkpoint every {every}", records, checkpoints, req
            )
        )
    return cases


# Graded hints (check.hint(id)): a nudge, then the trap the requirements name, then the key lines.
_HINTS = {
    "8.1": (
        "Three steps: keep the finite values of both windows (`x[np.isfinite(x)]`), put bin edges at "
        "the reference window's quantiles, then compare the two windows' proportions per bin.",
        "The edges come from the reference only, at its quantiles, not at equal widths: "
        "`np.unique(np.quantile(ref, np.linspace(0, 1, n_bins + 1)[1:-1]))` (`np.unique` because "
        "ties repeat a quantile). Bins are right-closed: count with `np.searchsorted(sorted_x, "
        'edges, side="right")`.',
        "An empty bin would give log(0): give it proportion 1e-4 and do not renormalise. For each "
        "window x (sorted):\n"
        'cuts = np.concatenate(([0], np.searchsorted(x, edges, side="right"), [len(x)]))\n'
        "p = np.diff(cuts) / len(x)\n"
        "p = np.where(p == 0, 1e-4, p)\n"
        "and then, with natural logs: float(np.sum((p_cur - p_ref) * np.log(p_cur / p_ref)))",
    ),
    "8.2": (
        "Return an `AlertRule(name=..., severity=..., conditions=(...,), summary=..., evidence=..., "
        "impact=..., runbook=...)`; a condition is `C(metric, op, other_metric_or_value)`.",
        'The condition compares two metrics: `C("kyc_review_hours_needed", ">", '
        '"kyc_reviewer_hours_per_day")`. Strictly greater (at capacity the team copes), and against '
        "the capacity *metric*, not today's number (24.0), so a bigger team needs no code change. "
        "Spell both names exactly; a rule does not fire on a missing or NaN metric. A growing "
        'backlog is at least a "warning".',
        "Fill in the text fields so a reader can act: the evidence is a template that quotes both "
        "numbers, e.g.\n"
        'evidence="{kyc_review_hours_needed:.1f} review hours/day needed vs '
        '{kyc_reviewer_hours_per_day:.1f} available",\n'
        'impact="Documents wait longer each day: client onboarding slows and SLAs are missed",\n'
        'runbook="Ask onboarding operations for cover; check why the auto-accept rate fell (drift '
        'panel)."',
    ),
    "8.4": (
        "A checkpoint says: record number `seq` of this log had hash `hash`. For each checkpoint, find the "
        "record it vouches for and ask whether the log still agrees; collect the checkpoints it does not.",
        "Look the record up by position, `records[cp.seq]`, and compare its stored `hash` with `cp.hash`. A "
        "`cp.seq` at or past `len(records)` is contradicted too (the log was cut). The list is unsorted and "
        "may repeat a seq, so take `min(...)` of what you collected; `None` when nothing is contradicted.",
        "bad = [cp.seq for cp in checkpoints\n"
        '       if cp.seq >= len(records) or records[cp.seq]["hash"] != cp.hash]\n'
        "return min(bad) if bad else None",
    ),
}


EXERCISES = {
    "8.1": Exercise(
        "8.1",
        "PSI on reference-quantile bins",
        PSI_REQS,
        cases=psi_cases,
        reference=psi,
        random_cases=psi_random_cases,
        seed=801,
        hints=_HINTS["8.1"],
        solution=solution_psi,
        fallback=psi,  # later cells keep the library-backed reference
    ),
    "8.2": Exercise(
        "8.2",
        "a KYC review-backlog alert",
        BACKLOG_REQS,
        cases=backlog_rule_cases,
        random_cases=backlog_random_cases,
        seed=802,
        adapt=_rule_adapter,
        solution=kyc_backlog_rule,
        hints=_HINTS["8.2"],
    ),
    "8.3": week08_overrides.EXERCISE,
    "8.4": Exercise(
        "8.4",
        "the first checkpoint the log contradicts",
        ANCHOR_REQS,
        cases=anchor_cases,
        reference=first_unanchored_divergence,
        random_cases=anchor_random_cases,
        seed=804,
        structure_req="result",  # an answer of the wrong type (a Checkpoint, a bool) gets the result hint
        hints=_HINTS["8.4"],
    ),
}

# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def check_psi(func: Callable[..., Any]) -> Any:
    """Exercise 8.1: ``func(reference, current, n_bins=10)``."""
    return EXERCISES["8.1"].check(func)


def check_kyc_backlog_rule(make_rule: Callable[[], Any]) -> Any:
    """Exercise 8.2: ``make_rule()`` returns an :class:`AlertRule`; we evaluate it on several days' metrics."""
    return EXERCISES["8.2"].check(make_rule)


def check_first_unanchored_divergence(func: Callable[..., Any]) -> Any:
    """Exercise 8.4: ``func(records, checkpoints)``."""
    return EXERCISES["8.4"].check(func)


check_apply_overrides = week08_overrides.check_apply_overrides

check = CheckBook(
    EXERCISES,
    psi="8.1",
    kyc_backlog_rule="8.2",
    apply_overrides="8.3",
    first_unanchored_divergence="8.4",
)

__all__ = [
    "EXERCISES",
    "apply_overrides",
    "check",
    "check_apply_overrides",
    "check_first_unanchored_divergence",
    "check_kyc_backlog_rule",
    "check_psi",
    "first_unanchored_divergence",
    "kyc_backlog_rule",
    "psi",
    "reference",
]
