"""Week 7, raw MLflow (7.4–7.6): the checks read a temporary SQLite store back, name the broken requirement,
never crash, and leave MLflow's global state, the working directory and the workspace as they found them."""

from __future__ import annotations

import os
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reference_impl.exercises import ExerciseFailed
from reference_impl.exercises import week07_mlflow as w
from reference_impl.exercises.framework import NOT_STARTED
from reference_impl.exercises.mutants import week07_mlflow as m

CHECKS = {"7.4": "log_training_run", "7.5": "log_and_register", "7.6": "load_by_alias"}
ALTERNATIVES = [
    (ex_id, f) for ex_id, funcs in m.CORRECT.items() for f in funcs if f is not w.EXERCISES[ex_id].reference
]


@pytest.fixture(autouse=True)
def _away_from_the_repo(tmp_path, monkeypatch):
    """Each test runs in an empty folder with its own workspace: anything a check leaves behind shows."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IBML_HOME", str(tmp_path / "ibml-home"))
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'never.db'}")
    yield
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "a check left files in the working directory"


def _copy(func):
    return types.FunctionType(func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__)


@pytest.mark.parametrize(("ex_id", "solution"), ALTERNATIVES, ids=lambda x: getattr(x, "__name__", x))
def test_alternative_correct_solutions_pass_with_one_line_and_nothing_else(ex_id, solution, capfd):
    check = getattr(w.check, CHECKS[ex_id])
    assert check(solution) is solution
    n = w.EXERCISES[ex_id].evaluate(solution)
    out, err = capfd.readouterr()
    assert out == f"Exercise {ex_id} passed ({n}/{n} cases)\n" and n >= 6
    assert err == "", "MLflow's messages ('Successfully registered model ...') must not reach the notebook"


@pytest.mark.parametrize("ex_id", sorted(CHECKS))
def test_a_copy_of_the_shown_solution_passes(ex_id, capsys):
    ex = w.EXERCISES[ex_id]
    mine = _copy(ex.solution or ex.reference)
    assert getattr(w.check, CHECKS[ex_id])(mine) is mine
    assert capsys.readouterr().out.startswith(f"Exercise {ex_id} passed (")


@pytest.mark.parametrize("ex_id", sorted(CHECKS))
def test_a_stub_reads_not_started_and_later_cells_get_the_reference(ex_id, capsys):
    def stub(*args):
        raise NotImplementedError(f"Exercise {ex_id}: replace this line with your code")

    check = getattr(w.check, CHECKS[ex_id])
    assert check(stub) is getattr(w.reference, CHECKS[ex_id])
    assert capsys.readouterr().out == NOT_STARTED.format(id=ex_id) + "\n"


@pytest.mark.parametrize("mutant", m.MUTANTS, ids=lambda mu: f"{mu.exercise}-{mu.name}")
def test_each_mutant_fails_on_the_requirement_it_breaks(mutant):
    with pytest.raises(ExerciseFailed) as info:
        w.EXERCISES[mutant.exercise].evaluate(mutant.func)
    assert info.value.req == mutant.breaks, str(info.value)
    assert info.value.hint and len(str(info.value).splitlines()[0]) < 400


def test_every_requirement_has_a_mutant_and_each_exercise_two_alternatives():
    for ex_id in CHECKS:
        reqs = {r.id for r in w.EXERCISES[ex_id].requirements}
        assert {mu.breaks for mu in m.MUTANTS if mu.exercise == ex_id} == reqs
        assert len([f for e, f in ALTERNATIVES if e == ex_id]) >= 2


class _Weird:
    def __eq__(self, other):
        raise RuntimeError("no comparison")

    def __repr__(self):
        raise RuntimeError("no repr")

    __hash__ = object.__hash__


def _raise(*args):
    raise KeyError("learner bug")


ODD = {
    "None": lambda *a: None,
    "int": lambda *a: 42,
    "str": lambda *a: "x",
    "tuple of junk": lambda *a: (_Weird(), _Weird()),
    "generator": lambda *a: (i for i in range(3)),
    "frame": lambda *a: pd.DataFrame({"a": [1.0]}),
    "array": lambda *a: np.array([[1, 2]]),
    "broken object": lambda *a: _Weird(),
    "exception": _raise,
    "not a function": 7,
}


@pytest.mark.parametrize("ex_id", sorted(CHECKS))
@pytest.mark.parametrize("kind", sorted(ODD))
def test_checks_fail_cleanly_on_odd_returns(ex_id, kind, capsys):
    with pytest.raises(ExerciseFailed) as info:
        getattr(w.check, CHECKS[ex_id])(ODD[kind])
    assert len(str(info.value).splitlines()[0]) < 400
    assert "passed" not in capsys.readouterr().out


def test_odd_predictions_for_the_right_version_fail_on_predict():
    def right_version_junk_predictions(tracking_uri, name, alias, X):
        from mlflow import MlflowClient

        return str(MlflowClient(tracking_uri).get_model_version_by_alias(name, alias).version), _Weird()

    with pytest.raises(ExerciseFailed) as info:
        w.EXERCISES["7.6"].evaluate(right_version_junk_predictions)
    assert info.value.req == "predict"


def _global_state():
    import mlflow
    from mlflow.tracking import _model_registry, _tracking_service, fluent

    return (
        _tracking_service.utils._tracking_uri,
        _model_registry.utils._registry_uri,
        fluent._active_experiment_id,
        mlflow.active_run(),
        {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_NAME")},
        os.getcwd(),
    )


def test_global_mlflow_state_cwd_and_workspace_are_restored_even_after_a_messy_function(tmp_path):
    import mlflow

    before = _global_state()
    roots = []

    def messy(tracking_uri, experiment, params, metrics, report_path):
        roots.append(Path.cwd())
        os.environ["MLFLOW_EXPERIMENT_NAME"] = "leaked"
        mlflow.set_registry_uri(tracking_uri)
        os.chdir(Path(report_path).parent)
        return m.run_left_open(tracking_uri, experiment, params, metrics, report_path)  # leaves its run open

    with pytest.raises(ExerciseFailed) as info:
        w.EXERCISES["7.4"].evaluate(messy)
    assert info.value.req == "finished"
    assert _global_state() == before
    assert mlflow.active_run() is None
    assert roots and not roots[0].exists(), "the sandbox's temporary stores are deleted"
    assert not (tmp_path / "ibml-home").exists(), "a check never touches the learner's workspace"


def test_the_global_uri_during_the_call_is_a_decoy_not_the_learners_store():
    seen = []

    def spy(tracking_uri, experiment, params, metrics, report_path):
        import mlflow

        seen.append((tracking_uri, mlflow.get_tracking_uri()))
        return w.log_training_run(tracking_uri, experiment, params, metrics, report_path)

    assert w.EXERCISES["7.4"].evaluate(spy) == 6
    given, global_uri = seen[0]
    assert given.startswith("sqlite:///") and global_uri.startswith("sqlite:///") and given != global_uri
    assert "never.db" not in given + global_uri


def test_the_week_check_book_holds_all_six_exercises(capsys):
    for name in ("passes_validation", "rollback_target", "alias_at", *CHECKS.values()):
        assert callable(getattr(w.check, name)) and callable(getattr(w.reference, name))
    for ex_id in CHECKS:
        w.check.solution(ex_id)
        assert "mlflow." in capsys.readouterr().out
        hints = w.EXERCISES[ex_id].hints
        assert 3 <= len(hints) <= 4 and "return" in hints[-1]
