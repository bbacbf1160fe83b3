"""Week 3 checks: the reference passes, independent correct answers pass, plausible wrong answers fail helpfully."""

from __future__ import annotations

import pytest

from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises import week03 as w
from reference_impl.exercises.mutants.week03 import (  # the planted wrong answers, one definition
    late_ignores_execution,
    late_inclusive_booking,
    late_query,
    late_unsorted,
    pit_loop,
    pit_on_available_only,
    pit_on_event_ts,
    pit_sorted_output,
    zscore_ignores_trader,
    zscore_includes_itself,
    zscore_last_three_rows,
    zscore_loop,
)

# ---------------------------------------------------------------- independent correct solutions (a learner's)


# ---------------------------------------------------------------- plausible wrong solutions



def as_learner(func):
    """A learner's copy of ``func``: ``check`` treats the reference itself as the not-started stand-in."""
    return lambda *args, **kwargs: func(*args, **kwargs)


CHECKS = {
    "3.1": (w.check.late_arrivals, w.reference.late_arrivals),
    "3.2": (w.check.rolling_zscore, w.reference.rolling_zscore),
    "3.3": (w.check.point_in_time_join, w.reference.point_in_time_join),
}


@pytest.mark.parametrize("exercise", sorted(CHECKS))
def test_reference_passes_with_one_line(exercise, capsys):
    check, reference = CHECKS[exercise]
    assert w.EXERCISES[exercise].evaluate(reference) > 0
    check(as_learner(reference))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(f"Exercise {exercise} passed (")


@pytest.mark.parametrize("exercise, solution", [
    ("3.1", late_query), ("3.2", zscore_loop), ("3.3", pit_loop),
    ("3.2", w.solution_rolling_zscore), ("3.3", w.solution_point_in_time_join),  # what check.solution shows
])
def test_independent_correct_solutions_pass(exercise, solution, capsys):
    CHECKS[exercise][0](as_learner(solution))
    assert capsys.readouterr().out.startswith(f"Exercise {exercise} passed (")


@pytest.mark.parametrize("exercise, solution, case, hint_word", [
    ("3.2", zscore_includes_itself, "the trade itself is not part of its own history", "strictly before"),
    ("3.2", zscore_ignores_trader, "two traders interleaved", "Group by trader_id"),
    ("3.2", zscore_last_three_rows, "the window is time, not a number of rows", "rolling('1h')"),
    ("3.3", pit_on_event_ts, "a late-arriving value is invisible until it arrives", "available_at"),
    ("3.3", pit_on_available_only, "a newer event beats a later-arriving older one", "latest event_ts"),
    ("3.3", pit_sorted_output, "entity order and index are kept", "restore"),
    ("3.1", late_inclusive_booking, "booked exactly at the cut-off was known", "booking_ts > as_of"),
    ("3.1", late_ignores_execution, "late trades, sorted", "executed at or before"),
    ("3.1", late_unsorted, "late ids come back sorted, whatever the blotter's order", "sorted("),
])
def test_wrong_solutions_fail_with_the_right_case_and_hint(exercise, solution, case, hint_word):
    with pytest.raises(ExerciseFailed) as info:
        CHECKS[exercise][0](solution)
    assert info.value.case == case, str(info.value)
    assert hint_word in info.value.hint


def test_a_function_that_raises_is_reported_not_propagated():
    def broken(trades, window):
        raise KeyError("notional")

    with pytest.raises(ExerciseFailed, match="your function raised KeyError"):
        w.check.rolling_zscore(broken)
