"""Auto-checked notebook exercises: one module per week (``week01`` … ``week08``).

Each week module exposes ``reference`` (a namespace of reference solutions that delegate to the library)
and one ``check_*`` style function per exercise that runs the learner's function against edge cases and
prints one deterministic pass line, or raises :class:`ExerciseFailed` with the failing case and a hint.
"""

from reference_impl.exercises.framework import (
    Case,
    Exercise,
    ExerciseFailed,
    Requirement,
    run_cases,
)

__all__ = ["Case", "Exercise", "ExerciseFailed", "Requirement", "run_cases"]
