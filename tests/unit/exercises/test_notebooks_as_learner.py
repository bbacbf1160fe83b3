"""Every notebook, played as a learner would: shipped, filled in correctly, then with a wrong answer.

Per notebook this proves the three properties the course promises (issue 17, "Done when"):

1. the shipped notebook reports every exercise *not started* (and the nbval run of ``make test`` proves it
   re-executes to its stored outputs);
2. with every exercise filled in by an independent correct solution (the alternatives in
   ``reference_impl/exercises/mutants``, written differently from the reference) and executed, ``ibml progress``
   reports every exercise passed, and ``pytest --nbval`` passes on the saved result;
3. with one planted wrong answer per exercise (a mutant) written into the saved notebook, ``ibml progress``
   reports every exercise *changed since last run* without executing — and *failing* when it executes (checked
   on one notebook, to keep the run short).

A filled-in cell binds the notebook's function name to the solution imported from the mutants module, so the
cell is exactly what a learner's would be to the check: a new function, not the reference, not a stub.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from reference_impl.exercises import mutation
from reference_impl.progress import exercises_in, notebook_progress

sys.path.insert(0, str(Path(__file__).parent))
from notebook_helpers import NOTEBOOKS, run_nbval  # noqa: E402

EXERCISES = mutation.exercises()
MUTANTS, CORRECT = mutation.mutants()
WEEK_NOTEBOOKS = sorted(NOTEBOOKS.glob("week0*.ipynb"))
APPENDICES = sorted(NOTEBOOKS.glob("appendix_*.ipynb"))  # optional reading: no exercises to fill in
_DEF = re.compile(r"^(?:async\s+)?(?:def|class)\s+(\w+)", re.M)


@pytest.fixture(autouse=True)
def _a_learners_environment(monkeypatch):
    """No MLflow URI leaked by an earlier test (MLflow's set_*_uri write them into os.environ) reaches the kernels."""
    for name in [k for k in os.environ if k.startswith("MLFLOW_") and k != "MLFLOW_DISABLE_TELEMETRY"]:
        monkeypatch.delenv(name)


def _module_of(func) -> str:
    return func.__module__


def _names(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The name each exercise cell of the shipped notebook defines (what later cells and the check use)."""
    names = {}
    for ex_id, _, idx, _ in exercises_in(nb):
        m = _DEF.search(nb.cells[idx].source)
        assert m, f"exercise {ex_id}: no function or class defined in its cell"
        names[ex_id] = m.group(1)
    return names


def _filled_cell(ex_id: str, title: str, name: str, solution) -> str:
    """An exercise cell that binds the notebook's name to ``solution``."""
    return f"# Exercise {ex_id} — {title}\nfrom {_module_of(solution)} import {solution.__name__} as {name}\n"


def _independent_solution(ex_id: str):
    ex = EXERCISES[ex_id]
    for func in CORRECT.get(ex_id, []):
        if not any(func is f for f in (ex.reference, ex.solution, ex.fallback)):
            return func
    pytest.fail(f"exercise {ex_id}: no correct solution besides the reference")


def _filled(nb: nbformat.NotebookNode, names: dict[str, str], choose) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)  # a deep copy
    for ex_id, title, idx, _ in exercises_in(nb):
        nb.cells[idx].source = _filled_cell(ex_id, title, names[ex_id], choose(ex_id))
    return nb


def _beside(folder: Path) -> Path:
    """A folder holding what notebooks read next to themselves (committed golden files), like ``notebooks/``."""
    folder.mkdir(parents=True, exist_ok=True)
    for support in ("golden",):
        if (NOTEBOOKS / support).is_dir():
            shutil.copytree(NOTEBOOKS / support, folder / support)
    return folder


def _statuses(path: Path, **kw) -> dict[str, str]:
    return {e.id: e.status for e in notebook_progress(path, **kw).exercises}


@pytest.mark.parametrize("ipynb", WEEK_NOTEBOOKS, ids=lambda p: p.stem)
def test_shipped_notebook_has_every_exercise_not_started(ipynb):
    nb = nbformat.read(ipynb, as_version=4)
    found = exercises_in(nb)
    assert len(found) >= 3, f"{ipynb.name}: fewer than three exercises"
    for ex_id, _, idx, check_idx in found:
        assert "raise NotImplementedError" in nb.cells[idx].source, f"{ex_id} does not ship as a stub"
        assert check_idx is not None, f"{ex_id} has no check cell"
    assert set(_statuses(ipynb).values()) == {"not_started"}, _statuses(ipynb)


@pytest.mark.parametrize("ipynb", APPENDICES, ids=lambda p: p.stem)
def test_an_appendix_asks_nothing_of_the_learner_and_progress_lists_it(ipynb):
    from reference_impl.progress import find_notebooks

    assert APPENDICES, "the Spark appendix is missing"
    assert exercises_in(nbformat.read(ipynb, as_version=4)) == []
    assert notebook_progress(ipynb).exercises == []
    assert ipynb in find_notebooks([NOTEBOOKS]), "ibml progress notebooks/ does not list the appendix"


def test_every_exercise_has_an_independent_solution_and_a_stand_in():
    for ex_id, ex in EXERCISES.items():
        _independent_solution(ex_id)
        assert ex.stand_in is not None, f"{ex_id}: later cells would have nothing to call while it is not started"


@pytest.mark.slow
@pytest.mark.parametrize("ipynb", WEEK_NOTEBOOKS, ids=lambda p: p.stem)
def test_a_learner_fills_in_every_exercise_then_edits_one(ipynb, tmp_path):
    shipped = nbformat.read(ipynb, as_version=4)
    path = _beside(tmp_path / "fork") / ipynb.name

    # 2. every exercise solved by an independent correct solution, executed and saved as a learner would
    names = _names(shipped)
    nbformat.write(_filled(shipped, names, _independent_solution), path)
    from reference_impl.progress import _execute, read_notebook

    executed = _execute(read_notebook(path), path, 300)
    nbformat.write(executed, path)
    statuses = _statuses(path)
    assert set(statuses.values()) == {"passed"}, {
        e.id: e.message for e in notebook_progress(path).exercises if e.status != "passed"
    }
    result = run_nbval(executed, _beside(tmp_path / "mentor"), ipynb.name, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]

    # 3. a planted wrong answer in every exercise cell, saved without running it: nothing stale passes
    wrong = {ex_id: next(m.func for m in MUTANTS if m.exercise == ex_id) for ex_id in statuses}
    nbformat.write(_filled(executed, names, wrong.__getitem__), path)
    assert set(_statuses(path).values()) == {"changed"}, _statuses(path)


@pytest.mark.slow
def test_planted_wrong_answers_are_failing_when_executed(tmp_path):
    ipynb = NOTEBOOKS / "week02_ml_vocabulary.ipynb"
    wrong = {m.exercise: m.func for m in reversed(MUTANTS)}  # the first mutant of each exercise
    path = _beside(tmp_path / "fork") / ipynb.name
    shipped = nbformat.read(ipynb, as_version=4)
    nbformat.write(_filled(shipped, _names(shipped), wrong.__getitem__), path)
    progress = notebook_progress(path, execute=True, timeout=300)
    assert {e.id: e.status for e in progress.exercises} == {"2.1": "failing", "2.2": "failing", "2.3": "failing"}
    assert all("Requirement:" in e.message and "Hint:" in e.message for e in progress.exercises)
