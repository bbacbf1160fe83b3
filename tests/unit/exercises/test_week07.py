"""Week 7 checks: the reference passes, independent correct answers pass, plausible wrong answers fail helpfully."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises import week07 as w

# ---------------------------------------------------------------- independent correct solutions (a learner's)


def validation_loop(challenger, champion, rules):
    for r in rules:
        v = challenger.get(r.metric)
        if v is None or math.isnan(v):
            return False
        if r.min_value is not None and v < r.min_value:
            return False
        if r.max_value is not None and v > r.max_value:
            return False
        if r.max_drop is not None and champion and r.metric in champion:
            if champion[r.metric] - v > r.max_drop + 1e-9:
                return False
    return True


def rollback_sorted(versions, current):
    ok = sorted((int(v["version"]) for v in versions if v["approval_status"] == "approved"
                 and v["validation_status"] == "passed" and not v["rolled_back"] and int(v["version"]) < int(current)))
    return str(ok[-1]) if ok else None


def alias_replay(moves, alias, when):
    at = dt.datetime.fromisoformat(when)
    state = None
    for m in sorted((m for m in moves if m["alias"] == alias), key=lambda m: dt.datetime.fromisoformat(m["ts"])):
        if dt.datetime.fromisoformat(m["ts"]) <= at:
            state = m["to_version"]
    return state


# ---------------------------------------------------------------- plausible wrong answers


def validation_missing_passes(challenger, champion, rules):
    return all(challenger.get(r.metric, 1.0) >= (r.min_value or 0) for r in rules)


def validation_nan_passes(challenger, champion, rules):
    for r in rules:
        v = challenger.get(r.metric)
        if v is None:
            return False
        if r.min_value is not None and v < r.min_value:
            return False
        if r.max_drop is not None and champion and r.metric in champion and champion[r.metric] - v > r.max_drop + 1e-9:
            return False
    return True


def validation_strict_drop(challenger, champion, rules):
    return validation_loop(challenger, champion, rules) and all(
        not (r.max_drop is not None and champion and r.metric in champion and champion[r.metric] - challenger[r.metric] >= r.max_drop)
        for r in rules)


def rollback_string_order(versions, current):
    ok = sorted(v["version"] for v in versions if v["approval_status"] == "approved"
                and v["validation_status"] == "passed" and not v["rolled_back"] and v["version"] < current)
    return ok[-1] if ok else None


def rollback_ignores_rolled_back(versions, current):
    ok = sorted(int(v["version"]) for v in versions if v["approval_status"] == "approved"
                and v["validation_status"] == "passed" and int(v["version"]) < int(current))
    return str(ok[-1]) if ok else None


def rollback_previous_number(versions, current):
    return str(int(current) - 1) if int(current) > 1 else None


def alias_string_compare(moves, alias, when):
    state = None
    for m in sorted((m for m in moves if m["alias"] == alias), key=lambda m: m["ts"]):
        if m["ts"] <= when:
            state = m["to_version"]
    return state


def alias_strictly_before(moves, alias, when):
    at = dt.datetime.fromisoformat(when)
    state = None
    for m in sorted((m for m in moves if m["alias"] == alias), key=lambda m: dt.datetime.fromisoformat(m["ts"])):
        if dt.datetime.fromisoformat(m["ts"]) < at:
            state = m["to_version"]
    return state


def alias_unsorted(moves, alias, when):
    at = dt.datetime.fromisoformat(when)
    state = None
    for m in moves:
        if m["alias"] == alias and dt.datetime.fromisoformat(m["ts"]) <= at:
            state = m["to_version"]
    return state


CHECKS = {
    "passes_validation": (w.check.passes_validation, w.reference.passes_validation, validation_loop,
                          [(validation_missing_passes, "metric missing"), (validation_nan_passes, "NaN"),
                           (validation_strict_drop, "exactly at the allowance")]),
    "rollback_target": (w.check.rollback_target, w.reference.rollback_target, rollback_sorted,
                        [(rollback_string_order, "numeric order"), (rollback_ignores_rolled_back, "rolled-back"),
                         (rollback_previous_number, "skip unapproved")]),
    "alias_at": (w.check.alias_at, w.reference.alias_at, alias_replay,
                 [(alias_string_compare, "offsets are times"), (alias_strictly_before, "at the moment"),
                  (alias_unsorted, "unsorted")]),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_reference_and_an_independent_solution_pass(name, capsys):
    check, reference, independent, _ = CHECKS[name]
    check(reference)
    check(independent)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0] == lines[1] and lines[0].endswith("cases)") and "passed" in lines[0]


@pytest.mark.parametrize(("name", "index"), [(n, i) for n in sorted(CHECKS) for i in range(3)])
def test_plausible_wrong_answers_fail_with_the_case_and_a_hint(name, index):
    check, _, _, wrong = CHECKS[name]
    func, case = wrong[index]
    with pytest.raises(ExerciseFailed) as info:
        check(func)
    assert case in info.value.case
    assert info.value.hint, "every trap case carries a hint"


def test_learner_exception_is_reported_not_raised():
    def broken(*args):
        raise KeyError("version")

    with pytest.raises(ExerciseFailed, match="your function raised KeyError"):
        w.check.rollback_target(broken)
