"""Mutation score of the exercise checks: how many plausible wrong answers each check catches.

Every exercise has a handful of *mutants* — wrong implementations a learner could plausibly write, each
breaking one declared requirement (``reference_impl/exercises/mutants/weekNN.py``) — and at least one
*alternative correct* solution written differently from the reference. A check earns its keep when it
rejects every mutant (with :class:`~reference_impl.exercises.framework.ExerciseFailed`, never a crash) and
accepts the reference and every alternative.

Run ``python -m reference_impl.exercises.mutation`` to print, per exercise, the share of mutants caught and the
total. ``tests/unit/exercises/test_mutation.py`` fails below :data:`MIN_SCORE`.
"""

from __future__ import annotations

import contextlib
import importlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reference_impl.exercises.framework import Exercise, ExerciseFailed, ExerciseNotStarted, run_cases

MIN_SCORE = 0.95
WEEKS = (
    "week01",
    "week02",
    "week03",
    "week04",
    "week04_kyc",
    "week05",
    "week05_service",
    "week06",
    "week06_pytest",
    "week06_queue",
    "week07",
    "week07_mlflow",
    "week08",
)


@dataclass(frozen=True)
class Mutant:
    """A wrong implementation of exercise ``exercise`` that breaks requirement ``breaks``."""

    exercise: str
    breaks: str
    func: Callable[..., Any]

    @property
    def name(self) -> str:
        return getattr(self.func, "__name__", repr(self.func))


@dataclass(frozen=True)
class Outcome:
    """What a check did with one solution: ``passed``, ``failed`` (ExerciseFailed), ``not_started``
    (ExerciseNotStarted: it raised NotImplementedError at once) or ``crashed`` (anything else)."""

    status: str
    case: str = ""
    req: str = ""
    message: str = ""


def exercises() -> dict[str, Exercise]:
    """Every exercise declared as data, by id (``"1.1"`` …), from the week modules that declare ``EXERCISES``."""
    out: dict[str, Exercise] = {}
    for week in WEEKS:
        module = importlib.import_module(f"reference_impl.exercises.{week}")
        out.update(getattr(module, "EXERCISES", {}))
    return out


def mutants() -> tuple[list[Mutant], dict[str, list[Callable[..., Any]]]]:
    """All mutants, and the alternative correct solutions by exercise id."""
    found: list[Mutant] = []
    correct: dict[str, list[Callable[..., Any]]] = {}
    for week in WEEKS:
        try:
            module = importlib.import_module(f"reference_impl.exercises.mutants.{week}")
        except ModuleNotFoundError:
            continue
        found += list(module.MUTANTS)
        for ex_id, funcs in module.CORRECT.items():
            correct.setdefault(ex_id, []).extend(funcs)
    return found, correct


def run(exercise: Exercise, solution: Any) -> Outcome:
    """Run one check on one solution, silently, and classify what happened."""
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            exercise.evaluate(solution)
        except ExerciseFailed as exc:
            return Outcome("failed", exc.case, exc.req, str(exc))
        except ExerciseNotStarted:
            return Outcome("not_started")
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            return Outcome("crashed", message=f"{type(exc).__name__}: {exc}")
    return Outcome("passed")


def failing_requirements(exercise: Exercise, solution: Any) -> set[str]:
    """The requirements of every case ``solution`` fails when each case runs on its own.

    The first failing case decides the learner's hint; this asks the stronger question the mutation test needs:
    does some case *testing this requirement* fail when only this requirement is broken?
    """
    if exercise.runner is not None:
        outcome = run(exercise, solution)
        return {outcome.req} if outcome.status == "failed" else set()
    target = exercise.adapt(solution) if exercise.adapt is not None else solution
    failed: set[str] = set()
    for case in exercise.all_cases():
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                run_cases(exercise.id, target, [case], reference=exercise.reference, quiet=True)
            except ExerciseFailed:
                failed.add(case.req)
    return failed


def score() -> dict[str, tuple[int, int]]:
    """Per exercise id: (mutants caught, mutants)."""
    table = exercises()
    found, _ = mutants()
    result: dict[str, tuple[int, int]] = {ex_id: (0, 0) for ex_id in table}
    for m in found:
        caught, total = result.get(m.exercise, (0, 0))
        result[m.exercise] = (caught + (run(table[m.exercise], m.func).status == "failed"), total + 1)
    return result


def main() -> int:
    result = score()
    total_caught = sum(c for c, _ in result.values())
    total = sum(t for _, t in result.values())
    print(f"{'exercise':<9} {'caught':>7} {'mutants':>8} {'share':>7}")
    for ex_id in sorted(result, key=lambda s: tuple(int(p) for p in s.split("."))):
        caught, n = result[ex_id]
        shown = f"{caught / n:.0%}" if n else "-"
        print(f"{ex_id:<9} {caught:>7} {n:>8} {shown:>7}")
    share = total_caught / total if total else 0.0
    print(f"{'total':<9} {total_caught:>7} {total:>8} {share:>7.1%}")
    return 0 if share >= MIN_SCORE else 1


if __name__ == "__main__":
    raise SystemExit(main())
