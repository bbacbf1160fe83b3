"""Auto-checked notebook exercises: one module per week (``week01`` … ``week08``).

Each week module exposes ``reference`` (a namespace of reference solutions) and ``check``, a
:class:`CheckBook`: ``check.<name>(func)`` runs the learner's function against edge cases and prints one
deterministic result line (``passed``, or ``not started`` while the function only raises
``NotImplementedError``) or raises :class:`ExerciseFailed` with the failing case and a hint;
``check.hint(id)`` and ``check.solution(id)`` give graded hints and the reference solution on demand.
"""

from reference_impl.exercises.framework import (
    NOT_STARTED,
    Case,
    CheckBook,
    Exercise,
    ExerciseFailed,
    ExerciseNotStarted,
    Requirement,
    is_stub,
    run_cases,
)

__all__ = [
    "NOT_STARTED",
    "Case",
    "CheckBook",
    "Exercise",
    "ExerciseFailed",
    "ExerciseNotStarted",
    "Requirement",
    "is_stub",
    "run_cases",
]
