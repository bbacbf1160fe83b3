"""The small engine behind every exercise check.

An exercise check is a list of :class:`Case` objects run against the learner's function. Each case
compares the learner's output with the expected value (computed by the reference solution, or given)
and, on the first mismatch, raises :class:`ExerciseFailed` naming the case, showing what was expected and
what came back, and giving a hint aimed at the mistake that case was written to catch.

Design rules (they make ``pytest --nbval`` and ``ibml progress`` work):

* a passing check prints exactly one line, ``Exercise W.N passed (k/k cases)`` — deterministic, so
  a learner's correct answer produces the same stored output on every run;
* an exercise ships **not started**: the learner's function only raises ``NotImplementedError``; its check
  prints ``Exercise W.N not started ...`` and returns the reference solution for later cells, so the shipped
  notebook runs top to bottom and passes nbval;
* a failing check raises (so the notebook cell errors and nbval fails) with a readable message;
* the learner's function is never trusted: exceptions it raises are reported as a failed case;
* in a notebook the result line carries, in its output metadata, a digest of the exercise cell that was run
  (:mod:`reference_impl.exercises.cells`), so ``ibml progress`` can tell a stale "passed" from a real one.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import inspect
import math
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.exercises.cells import report


class ExerciseFailed(AssertionError):
    """Raised when a learner's solution fails a case; the message says which, why, and a hint."""

    def __init__(
        self, exercise: str, case: str, detail: str, hint: str = "", requirement: Requirement | None = None
    ) -> None:
        self.exercise, self.case, self.detail, self.hint = exercise, case, detail, hint
        self.requirement = requirement
        self.req = requirement.id if requirement is not None else ""
        msg = f"Exercise {exercise} failed on case '{case}': {detail}"
        if requirement is not None:
            msg += f"\nRequirement: {requirement.text}"
        if hint:
            msg += f"\nHint: {hint}"
        super().__init__(msg)


class ExerciseNotStarted(Exception):
    """The learner's function still raises ``NotImplementedError``: the exercise is not started (not a failure)."""


def is_stub(func: Any) -> bool:
    """True for an exercise the learner has not started: a function whose body (after a docstring) is only
    ``raise NotImplementedError``, or a class whose body is only a docstring, ``...`` or ``pass``.

    A class's source is not always available (Python 3.11 cannot find it for a class defined in a notebook cell),
    so a runner whose answer is a class should also detect "not started" from the class itself (no fields yet).

    >>> def f(x):
    ...     raise NotImplementedError("Exercise 1.1: your code here")
    >>> is_stub(f), is_stub(len)
    (True, False)
    """
    try:
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, ValueError, IndentationError):
        return False
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]  # a docstring (or a bare ``...``)
    if isinstance(node, ast.ClassDef):
        return all(isinstance(stmt, ast.Pass) or _is_ellipsis(stmt) for stmt in body)
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def _is_ellipsis(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis


@dataclass(frozen=True)
class Requirement:
    """One thing the learner's function must do: the bullet the learner reads, and the hint a failure gives.

    ``id`` is short and stable (cases and mutants refer to it); ``text`` is the bullet shown in the notebook's
    task text (a test compares the two); ``hint`` is shown when a case testing this requirement fails and the
    case has no more specific hint of its own.
    """

    id: str
    text: str
    hint: str


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
    req: str = ""
    max_seconds: float | None = None


class Structural(str):
    """A difference in shape rather than value (type, columns, length, index, keys): reported first, and
    attributed to the exercise's ``structure_req`` when it declares one, so the hint matches the mistake."""


def _fmt(value: Any, limit: int = 80) -> str:
    """A short, readable rendering: timestamps as timestamps, numpy scalars as Python values."""
    try:
        if isinstance(value, np.datetime64):
            value = pd.Timestamp(value)
        if isinstance(value, pd.Timestamp):
            return str(value)
        if isinstance(value, np.generic):
            value = value.item()
        text = repr(value)
    except Exception:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(value: Any, limit: int = 300) -> str:
    return _fmt(value, limit)


def _is_null(value: Any) -> bool:
    try:
        return bool(pd.isna(value)) if np.ndim(value) == 0 else False
    except Exception:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
        return False


def _equal_scalar(got: Any, expected: Any) -> bool:
    if _is_null(expected) and _is_null(got):
        return True
    try:
        return bool(got == expected)
    except Exception:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
        return False


def _type_name(value: Any) -> str:
    return type(value).__name__


def _frame_row(frame: pd.DataFrame, i: int) -> str:
    return "{" + ", ".join(f"{c!r}: {_fmt(v, 40)}" for c, v in zip(frame.columns, frame.iloc[i].tolist())) + "}"


def _compare_frames(got: pd.DataFrame, expected: pd.DataFrame, rtol: float, atol: float) -> str | None:
    if list(got.columns) != list(expected.columns):
        return Structural(f"columns differ: expected {list(expected.columns)}, got {list(got.columns)}")
    if len(got) != len(expected):
        return f"expected {len(expected)} rows, got {len(got)}"
    for col in expected.columns:
        g, e = got[col], expected[col]
        if isinstance(g, pd.DataFrame):
            return Structural(f"column {col!r} appears more than once")
        reason = _compare_arrays(_column_values(g), _column_values(e), rtol, atol)
        if reason is not None:
            i = reason[0]
            return (
                f"row {i}, column {col!r}: expected {_fmt(e.iloc[i])}, got {_fmt(g.iloc[i])}; "
                f"expected row {_frame_row(expected, i)}, got row {_frame_row(got, i)}"
            )
    return None


def _column_values(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    return column.to_numpy()


def _compare_arrays(g: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> tuple[int, str] | None:
    """First differing flat position of two same-shape arrays, or ``None``."""
    g, e = g.ravel(), e.ravel()
    if e.dtype.kind in "fciub" and g.dtype.kind in "fciub" and (e.dtype.kind in "fc" or g.dtype.kind in "fc"):
        gf, ef = g.astype(float), e.astype(float)
        nan_mismatch = np.isnan(gf) != np.isnan(ef)
        if nan_mismatch.any():
            return int(np.flatnonzero(nan_mismatch)[0]), "NaN mismatch"
        close = np.isclose(gf, ef, rtol=rtol, atol=atol, equal_nan=True)
        if not close.all():
            return int(np.flatnonzero(~close)[0]), "value"
        return None
    for i, (a, b) in enumerate(zip(g, e)):
        if isinstance(a, (float, np.floating)) and isinstance(b, (float, np.floating)):
            if compare_values(a, b, rtol=rtol, atol=atol) is None:
                continue
            return i, "value"
        if not _equal_scalar(a, b):
            return i, "value"
    return None


def compare_values(got: Any, expected: Any, *, rtol: float = 1e-9, atol: float = 1e-9) -> str | None:
    """Compare two values the way an exercise means it; return a short reason string when they differ.

    Structure first (type, columns, length, index), then values. Handles scalars (NaN equals NaN), numpy
    arrays, pandas Series and DataFrames (values and column names, the index ignored, dtypes compared
    loosely), lists/tuples/dicts recursively. Never raises: anything it cannot compare is a difference.
    """
    try:
        return _compare(got, expected, rtol, atol)
    except Exception as exc:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
        return f"could not compare: expected {_type_name(expected)}, got {_type_name(got)} ({type(exc).__name__})"


def _compare(got: Any, expected: Any, rtol: float, atol: float) -> str | None:
    if isinstance(expected, pd.DataFrame):
        if not isinstance(got, pd.DataFrame):
            return Structural(f"expected a DataFrame, got {_type_name(got)}")
        return _compare_frames(got, expected, rtol, atol)
    if isinstance(expected, pd.Series):
        if not isinstance(got, pd.Series):
            return Structural(f"expected a pandas Series, got {_type_name(got)}")
        if len(got) != len(expected):
            return f"expected {len(expected)} values, got {len(got)}"
        if not got.index.equals(expected.index):
            return Structural(
                "index differs from the input's index (keep the original index; do not sort or reset "
                f"it): expected {_fmt(list(expected.index[:5]))}, got {_fmt(list(got.index[:5]))}"
            )
        diff = _compare_arrays(_column_values(got), _column_values(expected), rtol, atol)
        if diff is not None:
            i, kind = diff
            what = "NaN mismatch" if kind == "NaN mismatch" else "value"
            return (
                f"{what} at index {_fmt(expected.index[i])} (position {i}): expected {_fmt(expected.iloc[i])}, "
                f"got {_fmt(got.iloc[i])}"
            )
        return None
    if isinstance(expected, np.ndarray):
        if isinstance(got, (pd.DataFrame, dict, str)) or got is None:
            return Structural(f"expected an array, got {_type_name(got)}")
        got_arr = np.asarray(got)
        if got_arr.shape != expected.shape:
            return Structural(f"expected shape {expected.shape}, got {got_arr.shape}")
        diff = _compare_arrays(got_arr, expected, rtol, atol)
        if diff is not None:
            i, kind = diff
            what = "NaN mismatch" if kind == "NaN mismatch" else "value"
            return f"{what} at position {i}: expected {_fmt(expected.ravel()[i])}, got {_fmt(got_arr.ravel()[i])}"
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return Structural(f"expected a dict, got {_type_name(got)}")
        if set(got) != set(expected):
            return Structural(f"keys differ: expected {sorted(map(str, expected))}, got {sorted(map(str, got))}")
        for key in expected:
            reason = _compare(got[key], expected[key], rtol, atol)
            if reason:
                return type(reason)(f"[{key!r}] {reason}")
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            return Structural(f"expected a {_type_name(expected)}, got {_type_name(got)}")
        if len(got) != len(expected):
            return f"expected {len(expected)} items, got {len(got)}: {_fmt(got, 200)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            reason = _compare(g, e, rtol, atol)
            if reason:
                return type(reason)(f"[{i}] {reason}")
        return None
    if expected is None:
        return None if got is None else f"expected None, got {_fmt(got)}"
    if isinstance(expected, (float, np.floating)) or (
        isinstance(got, (float, np.floating))
        and isinstance(expected, (int, np.integer))
        and not isinstance(expected, (bool, np.bool_))
    ):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating)):
            return Structural(f"expected a number ({_fmt(expected)}), got {_type_name(got)}: {_fmt(got)}")
        g, e = float(got), float(expected)
        if math.isnan(e) and math.isnan(g):
            return None
        if math.isnan(e) != math.isnan(g) or not math.isclose(g, e, rel_tol=rtol, abs_tol=atol):
            return f"expected {e!r}, got {g!r}"
        return None
    if isinstance(expected, (bool, np.bool_)) and not isinstance(got, (bool, np.bool_)):
        return Structural(f"expected a bool ({_fmt(expected)}), got {_type_name(got)}: {_fmt(got)}")
    if isinstance(expected, (int, np.integer)) and not isinstance(got, (int, np.integer)):
        return Structural(f"expected an int ({_fmt(expected)}), got {_type_name(got)}: {_fmt(got)}")
    if isinstance(expected, str) and not isinstance(got, str):
        return Structural(f"expected a str ({_fmt(expected)}), got {_type_name(got)}: {_fmt(got)}")
    if not _equal_scalar(got, expected):
        return f"expected {_fmt(expected, 300)}, got {_fmt(got, 300)}"
    return None


def _copy_arg(value: Any) -> Any:
    """Give the learner a copy so a function that mutates its input cannot poison later cases."""
    if isinstance(value, (pd.DataFrame, pd.Series, np.ndarray)):
        return value.copy()
    if isinstance(value, (list, dict, set)):
        try:
            return copy.deepcopy(value)
        except Exception:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
            return value
    return value


def run_cases(
    exercise: str,
    func: Callable[..., Any],
    cases: Sequence[Case],
    *,
    reference: Callable[..., Any] | None = None,
    quiet: bool = False,
    requirements: Iterable[Requirement] = (),
    structure_req: str | None = None,
) -> int:
    """Run ``func`` on every case; print one pass line or raise :class:`ExerciseFailed`.

    Nothing but :class:`ExerciseFailed` escapes: an exception from the learner's function, a value of the
    wrong type or shape, or a comparison that cannot be made all become a failed case. A case with
    ``max_seconds`` also fails when the call takes longer. Returns the number of cases passed.
    """
    reqs = {r.id: r for r in requirements}
    if not callable(func):
        raise ExerciseFailed(exercise, "setup", f"expected a function, got {_type_name(func)}")
    for i, case in enumerate(cases):
        try:
            reason = _run_case(func, case, reference)
        except NotImplementedError:
            if i == 0:
                raise ExerciseNotStarted(exercise) from None
            reason = "your function raised NotImplementedError (is a branch still unfinished?)"
        if reason:
            req = reqs.get(case.req)
            hint = case.hint
            if isinstance(reason, Structural) and structure_req in reqs and case.req != structure_req:
                req, hint = reqs[structure_req], ""  # a shape mistake: the case's own hint is about something else
            hint = hint or (req.hint if req is not None else "")
            raise ExerciseFailed(exercise, case.name, reason, hint, requirement=req)
    if not quiet:
        print(f"Exercise {exercise} passed ({len(cases)}/{len(cases)} cases)")
    return len(cases)


def _run_case(func: Callable[..., Any], case: Case, reference: Callable[..., Any] | None) -> str | None:
    args = tuple(_copy_arg(a) for a in case.args)
    kwargs = {k: _copy_arg(v) for k, v in case.kwargs.items()}
    if case.raises is not None:
        try:
            func(*args, **kwargs)
        except case.raises:
            return None
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
            return f"expected {_exc_names(case.raises)}, got {type(exc).__name__}: {_clip(str(exc))}"
        return f"expected {_exc_names(case.raises)} to be raised"
    expected = case.expected
    if expected is None and reference is not None:
        expected = reference(
            *tuple(_copy_arg(a) for a in case.args), **{k: _copy_arg(v) for k, v in case.kwargs.items()}
        )
    start = time.perf_counter()
    try:
        got = func(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
        return f"your function raised {type(exc).__name__}: {_clip(str(exc))}"
    elapsed = time.perf_counter() - start
    if case.max_seconds is not None and elapsed > case.max_seconds:
        return f"took {elapsed:.2f} s; at most {case.max_seconds:.2f} s is allowed"
    try:
        return case.compare(got, expected) if case.compare else compare_values(got, expected)
    except Exception as exc:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
        return f"could not compare your result ({_type_name(got)}) with the expected one: {type(exc).__name__}"


def with_requirements(cases: Iterable[Case], table: dict[str, str]) -> list[Case]:
    """Set each case's ``req`` from ``table`` (case name → requirement id); a case missing from it is an error."""
    out = []
    for case in cases:
        if case.name not in table and not case.req:
            raise KeyError(f"case {case.name!r} names no requirement")
        out.append(dataclasses.replace(case, req=case.req or table[case.name]))
    return out


def fresh_index(compare: Callable[[Any, Any], str | None] = compare_values) -> Callable[[Any, Any], str | None]:
    """A frame comparison that also requires a fresh ``0..n-1`` index (after columns, length and values)."""

    def _compare_fresh(got: Any, expected: Any) -> str | None:
        reason = compare(got, expected)
        if reason is None and not got.index.equals(pd.RangeIndex(len(got))):
            return Structural(
                f"index is {_fmt(list(got.index[:5]))}...; expected a fresh 0..n-1 index (reset_index(drop=True))"
            )
        return reason

    return _compare_fresh


def _exc_names(exc: type[BaseException] | tuple[type[BaseException], ...]) -> str:
    if isinstance(exc, tuple):
        return " or ".join(e.__name__ for e in exc)
    return exc.__name__


NOT_STARTED = (
    "Exercise {id} not started: replace the `raise NotImplementedError` line in the cell above with your code, "
    'run that cell, then this one. Stuck? check.hint("{id}"). Until then, later cells use the reference solution.'
)


@dataclass
class Exercise:
    """An exercise as data: its requirements, hand-written cases, seeded random cases and the reference.

    ``cases()`` builds the hand-written cases, each naming the requirement it tests (``Case.req``).
    ``random_cases(rng)`` builds extra cases from ``numpy.random.default_rng(seed)``: irregular inputs whose
    expected value comes from ``reference``; the same seed gives the same cases, so the pass line (which
    counts them) is deterministic. ``runner`` replaces the generic engine for exercises whose "function" is
    something else (a property test, a rule factory, an app factory); it receives the learner's object and
    returns the count, and lets ``NotImplementedError`` from the learner's object propagate (or raises
    :class:`ExerciseNotStarted`) so the exercise reads "not started".

    ``hints`` are graded, from a nudge to a near-complete answer (``check.hint(id)`` shows the next one);
    ``solution`` is the function whose source ``check.solution(id)`` shows (default: ``reference``), and
    ``fallback`` what later notebook cells use while the exercise is not started (default: ``solution``).
    """

    id: str
    title: str
    requirements: tuple[Requirement, ...]
    cases: Callable[[], list[Case]] | None = None
    reference: Callable[..., Any] | None = None
    random_cases: Callable[[np.random.Generator], list[Case]] | None = None
    seed: int = 0
    adapt: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None
    runner: Callable[[Any], int] | None = None
    structure_req: str | None = None
    hints: tuple[str, ...] = ()
    solution: Callable[..., Any] | None = None
    fallback: Any = None

    def requirement(self, req_id: str) -> Requirement:
        for req in self.requirements:
            if req.id == req_id:
                return req
        raise KeyError(req_id)

    def all_cases(self) -> list[Case]:
        cases = list(self.cases()) if self.cases is not None else []
        if self.random_cases is not None:
            cases += self.random_cases(np.random.default_rng(self.seed))
        return cases

    @property
    def stand_in(self) -> Any:
        """What later cells use while the exercise is not started."""
        if self.fallback is not None:
            return self.fallback
        return self.solution if self.solution is not None else self.reference

    def _is_stand_in(self, func: Any) -> bool:
        return func is not None and any(func is f for f in (self.fallback, self.solution, self.reference))

    def check(self, func: Any, *, quiet: bool = False) -> Any:
        """Run the learner's ``func`` and return what later cells should use.

        Prints ``Exercise W.N passed (k/k cases)`` and returns ``func``; prints ``Exercise W.N not started ...``
        and returns the reference stand-in while ``func`` only raises ``NotImplementedError`` (or *is* the
        stand-in, handed back by an earlier run of this check); raises :class:`ExerciseFailed` otherwise.
        """
        try:
            if is_stub(func) or self._is_stand_in(func):
                raise ExerciseNotStarted(self.id)
            n = self.evaluate(func)
        except ExerciseNotStarted:
            if not quiet:
                report(self.id, "not_started", NOT_STARTED.format(id=self.id))
            return self.stand_in
        if not quiet:
            report(self.id, "passed", f"Exercise {self.id} passed ({n}/{n} cases)")
        return func

    def evaluate(self, func: Any) -> int:
        """Run every case on ``func`` silently: the number passed, or :class:`ExerciseFailed` /
        :class:`ExerciseNotStarted`. Unlike :meth:`check` it does not treat the reference as a stand-in."""
        if self.runner is not None:
            try:
                return self.runner(func)
            except NotImplementedError:
                raise ExerciseNotStarted(self.id) from None
        if not callable(func):
            raise ExerciseFailed(self.id, "setup", f"expected a function, got {_type_name(func)}")
        target = self.adapt(func) if self.adapt is not None else func
        return run_cases(
            self.id,
            target,
            self.all_cases(),
            reference=self.reference,
            quiet=True,
            requirements=self.requirements,
            structure_req=self.structure_req,
        )

    def hint(self, req_id: str) -> str:
        """The hint for one requirement."""
        return self.requirement(req_id).hint

    def solution_source(self) -> str:
        """The source of the reference solution (``check.solution``)."""
        func = self.solution if self.solution is not None else self.reference
        if func is None:
            return f"# Exercise {self.id}: no reference solution is declared"
        try:
            return textwrap.dedent(inspect.getsource(func)).rstrip() + "\n"
        except (OSError, TypeError):
            return f"# Exercise {self.id}: the source of {getattr(func, '__name__', func)!r} is not available"


class CheckBook:
    """One week's checks, hints and solutions: the ``check`` object a notebook imports.

    ``check.<name>(func)`` runs one exercise's check (see :meth:`Exercise.check`); ``check.hint("3.2")``
    prints the exercise's next graded hint (call again for the next one; ``level=`` picks one);
    ``check.solution("3.2")`` prints the reference solution's source; ``check.requirements("3.2")`` lists the
    requirements the check tests.

    >>> ex = Exercise("9.1", "double", (Requirement("double", "return 2x", "multiply by two"),),
    ...               cases=lambda: [Case("two", (2,), expected=4, req="double")],
    ...               hints=("Think twice.", "return 2 * x"))
    >>> book = CheckBook({"9.1": ex}, double="9.1")
    >>> _ = book.double(lambda x: 2 * x)
    Exercise 9.1 passed (1/1 cases)
    >>> book.hint("9.1")
    Hint 1 of 2 for exercise 9.1: Think twice.
    >>> book.hint("9.1")
    Hint 2 of 2 for exercise 9.1: return 2 * x
    """

    def __init__(self, exercises: dict[str, Exercise], **checks: str) -> None:
        self._exercises = exercises
        self._checks = checks
        self._shown: dict[str, int] = {}
        unknown = sorted(set(checks.values()) - set(exercises))
        if unknown:
            raise KeyError(f"checks name unknown exercises: {unknown}")

    def __getattr__(self, name: str) -> Callable[..., Any]:
        checks = self.__dict__.get("_checks", {})
        if name not in checks:
            raise AttributeError(f"no check named {name!r}; checks: {sorted(checks)}")
        exercise = self._exercises[checks[name]]

        def run(func: Any) -> Any:
            return exercise.check(func)

        run.__name__ = name
        run.__doc__ = f"Exercise {exercise.id}: {exercise.title}."
        return run

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._checks})

    def _exercise(self, exercise_id: str) -> Exercise:
        if exercise_id not in self._exercises:
            raise KeyError(f"no exercise {exercise_id!r} this week; exercises: {sorted(self._exercises)}")
        return self._exercises[exercise_id]

    def hint(self, exercise_id: str, level: int | None = None) -> None:
        """Print the next graded hint for ``exercise_id`` (or hint number ``level``, from 1)."""
        ex = self._exercise(exercise_id)
        if not ex.hints:
            print(f"Exercise {exercise_id} has no graded hints; its requirements are:")
            self.requirements(exercise_id)
            return
        if level is None:
            level = min(self._shown.get(exercise_id, 0) + 1, len(ex.hints))
        level = max(1, min(int(level), len(ex.hints)))
        self._shown[exercise_id] = level
        print(f"Hint {level} of {len(ex.hints)} for exercise {exercise_id}: {ex.hints[level - 1]}")

    def solution(self, exercise_id: str) -> None:
        """Print the reference solution's source (try the hints first: reading is not writing)."""
        print(self._exercise(exercise_id).solution_source(), end="")

    def requirements(self, exercise_id: str) -> None:
        """Print what the check tests, one requirement per line."""
        for req in self._exercise(exercise_id).requirements:
            print(f"- {req.text}")


__all__ = [
    "NOT_STARTED",
    "Case",
    "CheckBook",
    "Exercise",
    "ExerciseFailed",
    "ExerciseNotStarted",
    "Requirement",
    "compare_values",
    "fresh_index",
    "is_stub",
    "run_cases",
    "with_requirements",
]
