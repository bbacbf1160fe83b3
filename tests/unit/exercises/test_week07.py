"""Week 7 checks: the reference passes, independent correct answers pass, plausible wrong answers fail helpfully."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
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
    ok = sorted(
        int(v["version"])
        for v in versions
        if v["approval_status"] == "approved"
        and v["validation_status"] == "passed"
        and not v["rolled_back"]
        and int(v["version"]) < int(current)
    )
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
        not (
            r.max_drop is not None
            and champion
            and r.metric in champion
            and champion[r.metric] - challenger[r.metric] >= r.max_drop
        )
        for r in rules
    )


def rollback_string_order(versions, current):
    ok = sorted(
        v["version"]
        for v in versions
        if v["approval_status"] == "approved"
        and v["validation_status"] == "passed"
        and not v["rolled_back"]
        and v["version"] < current
    )
    return ok[-1] if ok else None


def rollback_ignores_rolled_back(versions, current):
    ok = sorted(
        int(v["version"])
        for v in versions
        if v["approval_status"] == "approved"
        and v["validation_status"] == "passed"
        and int(v["version"]) < int(current)
    )
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
    "passes_validation": (
        "7.1",
        validation_loop,
        [
            (validation_missing_passes, "metric missing", "missing"),
            (validation_nan_passes, "NaN", "missing"),
            (validation_strict_drop, "exactly at the allowance", "drop"),
        ],
    ),
    "rollback_target": (
        "7.2",
        rollback_sorted,
        [
            (rollback_string_order, "numeric order", "numeric"),
            (rollback_ignores_rolled_back, "rolled-back", "eligible"),
            (rollback_previous_number, "skip unapproved", "eligible"),
        ],
    ),
    "alias_at": (
        "7.3",
        alias_replay,
        [
            (alias_string_compare, "offsets are times", "instants"),
            (alias_strictly_before, "at the moment", "inclusive"),
            (alias_unsorted, "unsorted", "replay"),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_an_independent_solution_passes_with_the_same_line_as_the_readable_solution(name, capsys):
    ex_id, independent, _ = CHECKS[name]
    ex = w.EXERCISES[ex_id]
    n = ex.evaluate(ex.solution)
    assert n == ex.evaluate(ex.reference) == len(ex.all_cases()) > 10
    check = getattr(w.check, name)
    assert check(independent) is independent
    assert check(copy_of(ex.solution)) is not ex.solution
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [f"Exercise {ex_id} passed ({n}/{n} cases)"] * 2


def copy_of(func):
    """A new function object with the same code: what a learner who pasted the solution would have."""
    import types

    return types.FunctionType(func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_reference_and_a_stub_read_not_started_and_hand_back_the_reference(name, capsys):
    ex_id, _, _ = CHECKS[name]
    check, ex = getattr(w.check, name), w.EXERCISES[ex_id]

    def stub(*args):
        raise NotImplementedError(f"Exercise {ex_id}: replace this line with your code")

    assert check(stub) is ex.fallback is getattr(w.reference, name)
    assert check(getattr(w.reference, name)) is ex.fallback
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all(line.startswith(f"Exercise {ex_id} not started") for line in out)


@pytest.mark.parametrize(("name", "index"), [(n, i) for n in sorted(CHECKS) for i in range(3)])
def test_plausible_wrong_answers_fail_with_the_case_the_requirement_and_a_hint(name, index):
    _, _, wrong = CHECKS[name]
    func, case, req = wrong[index]
    with pytest.raises(ExerciseFailed) as info:
        getattr(w.check, name)(func)
    assert case in info.value.case
    assert info.value.req == req
    assert info.value.hint, "every trap case carries a hint"


@pytest.mark.parametrize("ex_id", ["7.1", "7.2", "7.3"])
def test_random_cases_are_seeded_and_not_all_the_same_answer(ex_id):
    ex = w.EXERCISES[ex_id]
    first, again = ex.random_cases(np.random.default_rng(ex.seed)), ex.random_cases(np.random.default_rng(ex.seed))
    assert len(first) >= 5 and [c.name for c in first] == [c.name for c in again]
    answers = [repr(ex.reference(*c.args)) for c in first]
    assert len(set(answers)) >= 2, answers


def test_random_validation_cases_have_teeth_of_their_own():
    """Run on their own, the random rule sets still catch a forgotten ceiling and a missing metric that passes."""
    from reference_impl.exercises.framework import run_cases
    from reference_impl.exercises.mutants import week07 as mutants

    ex = w.EXERCISES["7.1"]
    random_cases = ex.random_cases(np.random.default_rng(ex.seed))
    assert run_cases("7.1", validation_loop, random_cases, reference=ex.reference, quiet=True) == len(random_cases)
    for wrong in (mutants.validation_ignores_ceiling, mutants.validation_missing_passes):
        with pytest.raises(ExerciseFailed) as info:
            run_cases("7.1", wrong, random_cases, reference=ex.reference, quiet=True)
        assert info.value.case.startswith("random rules")


def test_learner_exception_is_reported_not_raised():
    def broken(*args):
        raise KeyError("version")

    with pytest.raises(ExerciseFailed, match="your function raised KeyError"):
        w.check.rollback_target(broken)
