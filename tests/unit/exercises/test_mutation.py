"""The checks are proven by mutation: every mutant caught, every correct solution accepted, nothing crashes."""

from __future__ import annotations

import pytest

from reference_impl.exercises import mutation

EXERCISES = mutation.exercises()
MUTANTS, CORRECT = mutation.mutants()


def test_every_exercise_is_declared_as_data():
    assert len(EXERCISES) == 39, sorted(EXERCISES)


def test_mutation_score_is_at_least_95_percent(capsys):
    result = mutation.score()
    caught = sum(c for c, _ in result.values())
    total = sum(t for _, t in result.values())
    assert total and caught / total >= mutation.MIN_SCORE, result


def test_the_script_prints_one_row_per_exercise_and_a_total(capsys):
    assert mutation.main() == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["exercise", "caught", "mutants", "share"]
    assert len(out) == len(EXERCISES) + 2 and out[-1].startswith("total")


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_at_least_four_mutants_and_one_per_requirement(ex_id):
    ex = EXERCISES[ex_id]
    mine = [m for m in MUTANTS if m.exercise == ex_id]
    assert len(mine) >= 4, f"{ex_id}: {len(mine)} mutants"
    assert {m.breaks for m in mine} >= {r.id for r in ex.requirements}, f"{ex_id}: a requirement has no mutant"
    assert {m.breaks for m in mine} <= {r.id for r in ex.requirements}, f"{ex_id}: a mutant breaks no declared requirement"


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.exercise}-{m.name}")
def test_each_mutant_fails_with_exercise_failed(mutant):
    outcome = mutation.run(EXERCISES[mutant.exercise], mutant.func)
    assert outcome.status == "failed", outcome
    assert "\nHint: " in outcome.message and "\nRequirement: " in outcome.message


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_every_requirement_has_a_case_that_fails_when_only_it_is_broken(ex_id):
    """For each requirement, some mutant breaking only it fails a case that names that requirement."""
    ex = EXERCISES[ex_id]
    caught_on: dict[str, set[str]] = {r.id: set() for r in ex.requirements}
    for m in (m for m in MUTANTS if m.exercise == ex_id):
        caught_on[m.breaks] |= mutation.failing_requirements(ex, m.func)
    missing = {req: got for req, got in caught_on.items() if req not in got}
    assert not missing, f"{ex_id}: requirement -> requirements the mutants were caught on instead: {missing}"


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_reference_and_alternative_solutions_pass(ex_id, capsys):
    ex = EXERCISES[ex_id]
    solutions = CORRECT.get(ex_id, [])
    assert solutions, f"{ex_id}: no alternative correct solution"
    for solution in solutions:
        outcome = mutation.run(ex, solution)
        assert outcome.status == "passed", (getattr(solution, "__name__", solution), outcome)


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_cases_name_declared_requirements_and_are_deterministic(ex_id):
    ex = EXERCISES[ex_id]
    if ex.runner is not None:
        return
    cases = ex.all_cases()
    ids = {r.id for r in ex.requirements}
    assert all(c.req in ids for c in cases), [c.name for c in cases if c.req not in ids]
    assert [c.name for c in cases] == [c.name for c in ex.all_cases()]
    assert len({c.name for c in cases}) == len(cases), "case names must be unique"


#: Mutants whose *first* failing case names another requirement than the one they break, and why that is right.
FIRST_FAILURE_EXCEPTIONS: dict[str, str] = {
    "3.2-zscore_population_std": "the std divides every defined z-score, so the first case with a value (the "
    "leakage case) catches it; running the ddof case first would give every leakage mistake the ddof hint",
    "5.4-chain_one_based": "an off-by-one index is wrong on every tampered log, so the first tampering case catches "
    "it (its hint is the requirement of that tampering); the 'result' mutant -1 is caught on its own case",
}


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.exercise}-{m.name}")
def test_the_first_failing_case_names_the_broken_requirement(mutant):
    """The hint a learner sees is about their mistake: structural and specific cases run before broad ones."""
    key = f"{mutant.exercise}-{mutant.name}"
    outcome = mutation.run(EXERCISES[mutant.exercise], mutant.func)
    if key in FIRST_FAILURE_EXCEPTIONS:
        assert outcome.req != mutant.breaks, f"{key} now names its own requirement: drop the exception"
        return
    assert outcome.req == mutant.breaks, (outcome.case, outcome.req, mutant.breaks)
