"""Whatever a learner's function returns or raises, every check fails with ExerciseFailed and a short message."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises.mutation import WEEKS, exercises


class _Weird:
    def __eq__(self, other):
        raise RuntimeError("no comparison for you")

    def __repr__(self):
        raise RuntimeError("no repr either")

    __hash__ = object.__hash__


def _raise(*a, **k):
    raise KeyError("learner bug")


RETURNS = {
    "None": lambda *a, **k: None,
    "int": lambda *a, **k: 42,
    "str": lambda *a, **k: "x",
    "generator": lambda *a, **k: (i for i in range(3)),
    "frame with another index": lambda *a, **k: pd.DataFrame({"a": [1.0, 2.0]}, index=[5, 9]),
    "series": lambda *a, **k: pd.Series([np.nan], index=[123]),
    "array": lambda *a, **k: np.array([[1, 2]]),
    "broken object": lambda *a, **k: _Weird(),
    "exception": _raise,
}

def _checks() -> list[tuple[str, object]]:
    """Every check, once per exercise, called through its week's CheckBook as a notebook calls it."""
    found: dict[str, tuple[str, object]] = {}
    for week in WEEKS:
        book = importlib.import_module(f"reference_impl.exercises.{week}").check
        for name, ex_id in book._checks.items():
            found.setdefault(ex_id, (f"{ex_id} check.{name}", getattr(book, name)))
    return [found[k] for k in sorted(found, key=lambda s: tuple(int(p) for p in s.split(".")))]


CHECKS = _checks()


def test_every_exercise_is_covered():
    assert len(CHECKS) == len(exercises()) and len(CHECKS) >= 39, [c[0] for c in CHECKS]


@pytest.mark.parametrize(("check_name", "check"), CHECKS, ids=[c[0] for c in CHECKS])
@pytest.mark.parametrize("kind", sorted(RETURNS))
def test_check_fails_cleanly_on_any_return(check_name, check, kind, capsys):
    with pytest.raises(ExerciseFailed) as exc:
        check(RETURNS[kind])
    first_line = str(exc.value).splitlines()[0]
    assert len(first_line) < 700, first_line
    assert "passed" not in capsys.readouterr().out
