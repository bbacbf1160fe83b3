"""The small engine behind every exercise check.

An exercise check is a list of :class:`Case` objects run against the learner's function. Each case
compares the learner's output with the expected value (computed by the reference solution, or given)
and, on the first mismatch, raises :class:`ExerciseFailed` naming the case, showing what was expected and
what came back, and giving a hint aimed at the mistake that case was written to catch.

Design rules (they make ``pytest --nbval`` and ``ibml progress`` work):

* a passing check prints exactly one line, ``Exercise W.N passed (k/k cases)`` — deterministic, so
  a learner's correct answer produces the same stored output as the shipped notebook;
* a failing check raises (so the notebook cell errors and nbval fails) with a readable message;
* the learner's function is never trusted: exceptions it raises are reported as a failed case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd


class ExerciseFailed(AssertionError):
    """Raised when a learner's solution fails a case; the message says which, why, and a hint."""

    def __init__(self, exercise: str, case: str, detail: str, hint: str = "") -> None:
        self.exercise, self.case, self.detail, self.hint = exercise, case, detail, hint
        msg = f"Exercise {exercise} failed on case '{case}': {detail}"
        if hint:
            msg += f"\nHint: {hint}"
        super().__init__(msg)


@dataclass
class Case:
    """One input to an exercise and what must come back.

    ``expected`` is the exact expected value, or ``None`` when ``reference`` should compute it.
    ``compare`` overrides the default comparison (returns ``None`` when equal, else a short reason).
    """

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    expected: Any = None
    hint: str = ""
    compare: Callable[[Any, Any], str | None] | None = None
    raises: type[BaseException] | tuple[type[BaseException], ...] | None = None


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare_values(got: Any, expected: Any, *, rtol: float = 1e-9, atol: float = 1e-9) -> str | None:
    """Compare two values the way an exercise means it; return a reason string when they differ.

    Handles scalars (NaN equals NaN), numpy arrays, pandas Series and DataFrames (values, index and
    column names; dtypes only loosely), lists/tuples/dicts recursively.
    """
    if isinstance(expected, pd.DataFrame):
        if not isinstance(got, pd.DataFrame):
            return f"expected a DataFrame, got {type(got).__name__}"
        if list(got.columns) != list(expected.columns):
            return f"columns differ: expected {list(expected.columns)}, got {list(got.columns)}"
        if len(got) != len(expected):
            return f"expected {len(expected)} rows, got {len(got)}"
        try:
            pd.testing.assert_frame_equal(
                got.reset_index(drop=True), expected.reset_index(drop=True),
                check_dtype=False, rtol=rtol, atol=atol, check_exact=False,
            )
        except AssertionError as exc:
            return "values differ: " + " ".join(str(exc).split())[:400]
        return None
    if isinstance(expected, pd.Series):
        if not isinstance(got, pd.Series):
            return f"expected a pandas Series, got {type(got).__name__}"
        if len(got) != len(expected):
            return f"expected {len(expected)} values, got {len(got)}"
        if not got.index.equals(expected.index):
            return "index differs from the input's index (keep the original index; do not sort or reset it)"
        return compare_values(got.to_numpy(), expected.to_numpy(), rtol=rtol, atol=atol)
    if isinstance(expected, np.ndarray):
        got_arr = np.asarray(got)
        if got_arr.shape != expected.shape:
            return f"expected shape {expected.shape}, got {got_arr.shape}"
        if expected.dtype.kind in "fc" or got_arr.dtype.kind in "fc":
            g = got_arr.astype(float)
            e = expected.astype(float)
            nan_mismatch = np.isnan(g) != np.isnan(e)
            if nan_mismatch.any():
                i = int(np.flatnonzero(nan_mismatch)[0])
                return f"NaN mismatch at position {i}: expected {e.ravel()[i]!r}, got {g.ravel()[i]!r}"
            close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
            if not close.all():
                i = int(np.flatnonzero(~close.ravel())[0])
                return f"value at position {i}: expected {e.ravel()[i]!r}, got {g.ravel()[i]!r}"
            return None
        if not np.array_equal(got_arr, expected):
            diff = np.flatnonzero(got_arr.ravel() != expected.ravel())
            i = int(diff[0]) if len(diff) else 0
            return f"value at position {i}: expected {expected.ravel()[i]!r}, got {got_arr.ravel()[i]!r}"
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"expected a dict, got {type(got).__name__}"
        if set(got) != set(expected):
            return f"keys differ: expected {sorted(map(str, expected))}, got {sorted(map(str, got))}"
        for key in expected:
            reason = compare_values(got[key], expected[key], rtol=rtol, atol=atol)
            if reason:
                return f"[{key!r}] {reason}"
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            return f"expected a {type(expected).__name__}, got {type(got).__name__}"
        if len(got) != len(expected):
            return f"expected {len(expected)} items, got {len(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            reason = compare_values(g, e, rtol=rtol, atol=atol)
            if reason:
                return f"[{i}] {reason}"
        return None
    if isinstance(expected, (float, np.floating)) or isinstance(got, (float, np.floating)):
        try:
            g, e = float(got), float(expected)
        except (TypeError, ValueError):
            return f"expected {_short(expected)}, got {_short(got)}"
        if math.isnan(e) and math.isnan(g):
            return None
        if math.isnan(e) != math.isnan(g) or not math.isclose(g, e, rel_tol=rtol, abs_tol=atol):
            return f"expected {e!r}, got {g!r}"
        return None
    if got != expected:
        return f"expected {_short(expected)}, got {_short(got)}"
    return None


def _copy_arg(value: Any) -> Any:
    """Give the learner a copy so a function that mutates its input cannot poison later cases."""
    if isinstance(value, (pd.DataFrame, pd.Series, np.ndarray)):
        return value.copy()
    return value


def run_cases(
    exercise: str,
    func: Callable[..., Any],
    cases: Sequence[Case],
    *,
    reference: Callable[..., Any] | None = None,
    quiet: bool = False,
) -> int:
    """Run ``func`` on every case; print one pass line or raise :class:`ExerciseFailed`.

    Returns the number of cases passed (all of them, since a failure raises).
    """
    if not callable(func):
        raise ExerciseFailed(exercise, "setup", f"expected a function, got {type(func).__name__}")
    for case in cases:
        args = tuple(_copy_arg(a) for a in case.args)
        kwargs = {k: _copy_arg(v) for k, v in case.kwargs.items()}
        if case.raises is not None:
            try:
                func(*args, **kwargs)
            except case.raises:
                continue
            except Exception as exc:  # noqa: BLE001 - learner code may raise anything
                raise ExerciseFailed(
                    exercise, case.name,
                    f"expected {_exc_names(case.raises)}, got {type(exc).__name__}: {exc}", case.hint,
                ) from None
            raise ExerciseFailed(exercise, case.name, f"expected {_exc_names(case.raises)} to be raised", case.hint)
        expected = case.expected
        if expected is None and reference is not None:
            expected = reference(*tuple(_copy_arg(a) for a in case.args), **{k: _copy_arg(v) for k, v in case.kwargs.items()})
        try:
            got = func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            raise ExerciseFailed(exercise, case.name, f"your function raised {type(exc).__name__}: {exc}", case.hint) from None
        reason = case.compare(got, expected) if case.compare else compare_values(got, expected)
        if reason:
            raise ExerciseFailed(exercise, case.name, reason, case.hint)
    if not quiet:
        print(f"Exercise {exercise} passed ({len(cases)}/{len(cases)} cases)")
    return len(cases)


def _exc_names(exc: type[BaseException] | tuple[type[BaseException], ...]) -> str:
    if isinstance(exc, tuple):
        return " or ".join(e.__name__ for e in exc)
    return exc.__name__


__all__ = ["Case", "ExerciseFailed", "compare_values", "run_cases"]
