"""Graded hints, readable solutions and the not-started path, for every exercise declared as data."""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

from reference_impl.exercises.framework import NOT_STARTED, CheckBook, Exercise
from reference_impl.exercises.mutation import WEEKS, exercises

EXERCISES = exercises()
IDS = sorted(EXERCISES, key=lambda s: tuple(int(p) for p in s.split(".")))


def _module_of(ex_id: str):
    """The week module that declares exercise ``ex_id`` (its globals are what a solution's source runs in)."""
    for week in WEEKS:
        module = importlib.import_module(f"reference_impl.exercises.{week}")
        if ex_id in getattr(module, "EXERCISES", {}):
            return module
    raise LookupError(ex_id)


def _delegates(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when the body (after a docstring) is one ``return module.function(...)`` or ``return _helper(...)``:
    a hand-off to the library that teaches nothing when ``check.solution`` prints it."""
    body = [s for s in func.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or not isinstance(body[0].value, ast.Call):
        return False
    target = body[0].value.func
    while isinstance(target, ast.Attribute) and isinstance(target.value, ast.Call):
        target = target.value.func  # return f(...).attr(...)
    return isinstance(target, ast.Attribute) or (isinstance(target, ast.Name) and target.id.startswith("_"))


def _book(ex_id: str) -> CheckBook:
    return CheckBook({ex_id: EXERCISES[ex_id]})


@pytest.mark.parametrize("ex_id", IDS)
def test_every_exercise_has_graded_hints(ex_id):
    hints = EXERCISES[ex_id].hints
    assert len(hints) >= 2, f"exercise {ex_id} needs at least two graded hints"
    assert all(isinstance(h, str) and h.strip() for h in hints)
    assert len(set(hints)) == len(hints), "hints repeat"


@pytest.mark.parametrize("ex_id", IDS)
def test_hint_prints_the_hints_in_order_then_stays_on_the_last(ex_id, capsys):
    book, hints = _book(ex_id), EXERCISES[ex_id].hints
    n = len(hints)
    for _ in range(n + 1):
        book.hint(ex_id)
    out = capsys.readouterr().out
    expected = [f"Hint {k} of {n} for exercise {ex_id}: {h}" for k, h in enumerate(hints, 1)]
    expected.append(expected[-1])
    assert out == "".join(line + "\n" for line in expected)
    book.hint(ex_id, level=1)
    assert capsys.readouterr().out.startswith(f"Hint 1 of {n} for exercise {ex_id}: ")


@pytest.mark.parametrize("ex_id", IDS)
def test_solution_prints_source_that_passes_its_own_check(ex_id, capsys):
    ex = EXERCISES[ex_id]
    _book(ex_id).solution(ex_id)
    source = capsys.readouterr().out
    tree = ast.parse(source)
    funcs = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    assert funcs, f"check.solution({ex_id!r}) printed no function:\n{source}"
    shown = ex.solution if ex.solution is not None else ex.reference
    assert source.rstrip() == inspect.getsource(shown).rstrip()
    assert not _delegates(funcs[0]), f"the solution shown for {ex_id} only hands off to the library:\n{source}"
    namespace = dict(vars(_module_of(ex_id)))
    exec(compile(source, f"<solution {ex_id}>", "exec"), namespace)  # our own printed source, by design
    func = namespace[funcs[0].name]
    assert func is not shown  # the exec'd copy, not the module's object
    assert ex.evaluate(func) > 0


def _stub(*args, **kwargs):
    raise NotImplementedError("Exercise: replace this line with your code")


@pytest.mark.parametrize("ex_id", IDS)
def test_a_stub_reads_not_started_and_returns_the_stand_in(ex_id, capsys):
    ex = EXERCISES[ex_id]
    got = ex.check(_stub)
    assert capsys.readouterr().out == NOT_STARTED.format(id=ex_id) + "\n"
    assert got is ex.stand_in and got is not None


@pytest.mark.parametrize("ex_id", IDS)
def test_handing_back_the_stand_in_is_still_not_started(ex_id, capsys):
    ex: Exercise = EXERCISES[ex_id]
    first = ex.check(_stub)
    again = ex.check(first)
    assert again is first
    assert capsys.readouterr().out == 2 * (NOT_STARTED.format(id=ex_id) + "\n")
