"""Week 7 exercises (raw MLflow): the learner writes the MLflow calls, the check reads the store back.

* 7.4 :func:`log_training_run` — start a run in a given store and experiment, log parameters, metrics and a
  report file as an artifact, end the run, return its id.
* 7.5 :func:`log_and_register` — log a fitted model inside a run, with a signature and an input example,
  register it as a new version and point an alias at it; return the version number.
* 7.6 :func:`load_by_alias` — which version does an alias point at, and what does the model behind the alias
  predict? Load ``models:/<name>@<alias>``, never "the newest version".

Each check gives the learner's function a private, temporary SQLite store (its own artifact directory), points
MLflow's *global* tracking URI at a second, decoy store (so a function that ignores the URI it was given logs
somewhere the check can see, and never into the learner's ``.ibml/`` workspace or the current directory), then
inspects the stores with :class:`mlflow.MlflowClient`. Afterwards it restores the global tracking and registry
URIs, the active experiment, the active run stack and the working directory, and deletes the temporary stores.

Each exercise ships *not started* in the notebook; ``check.hint(id)`` gives three graded hints (the last one
near-complete) and ``check.solution(id)`` prints the reference below, which is the raw MLflow code itself. ``check``
and ``reference`` also hold week 7's governance exercises 7.1–7.3 (:mod:`reference_impl.exercises.week07`), so the
notebook imports one check book. Per check, on two cores: 7.4 about 0.5 s, 7.5 about 1 s (4 s when it is the first
``log_model`` of the process), 7.6 about 1 s.

Examples
--------
>>> EXERCISES["7.4"].evaluate(log_training_run)  # the number of cases passed
6
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from reference_impl.exercises import week07
from reference_impl.exercises.framework import CheckBook, Exercise, ExerciseFailed, Requirement
from reference_impl.lifecycle.tracking import prepare_sqlite_store, quiet_mlflow

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # before MLflow is imported: no network calls

#: Requirements pinned for the small sklearn models of these exercises: explicit, because MLflow's
#: inference imports the environment and costs seconds per logged model.
PIP_REQUIREMENTS = ["scikit-learn", "numpy", "pandas"]

# --------------------------------------------------------------------------------------------------------------
# Reference solutions: the raw MLflow calls (these are also what check.solution prints)
# --------------------------------------------------------------------------------------------------------------


def log_training_run(
    tracking_uri: str, experiment: str, params: Mapping[str, Any], metrics: Mapping[str, float], report_path: str
) -> str:
    """Log one training run into the store ``tracking_uri``, in ``experiment``; return the run id."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)  # this store, not the default ./mlflow.db
    mlflow.set_experiment(experiment)  # selects it (creates it if it does not exist)
    with mlflow.start_run() as run:  # the with-block ends the run: FINISHED, or FAILED on an exception
        mlflow.log_params(dict(params))  # stored as strings
        mlflow.log_metrics(dict(metrics))
        mlflow.log_artifact(str(report_path))  # at the top of the run's artifacts, under its file name
    return run.info.run_id


def log_and_register(tracking_uri: str, model: Any, X_example: pd.DataFrame, name: str, alias: str) -> str:
    """Log ``model`` in a run with a signature and input example, register it as a new version of ``name``,
    point ``alias`` at that version and return its number as a string."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    mlflow.set_tracking_uri(tracking_uri)  # the registry follows the tracking URI unless set apart
    signature = infer_signature(X_example, model.predict(X_example))  # inputs: columns; outputs: predictions
    with mlflow.start_run():  # the model is linked to this run: lineage for a reviewer
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=signature,
            input_example=X_example.head(3),
            pip_requirements=PIP_REQUIREMENTS,  # explicit: inference would cost seconds
            registered_model_name=name,  # registers a new version of `name`
        )
    version = str(info.registered_model_version)
    MlflowClient(tracking_uri).set_registered_model_alias(name, alias, version)
    return version


def load_by_alias(tracking_uri: str, name: str, alias: str, X: pd.DataFrame) -> tuple[str, Any]:
    """The version ``alias`` points at (a string) and the predictions of that model for ``X``."""
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    version = str(client.get_model_version_by_alias(name, alias).version)
    mlflow.set_tracking_uri(tracking_uri)  # models:/ URIs resolve against the global registry URI
    model = mlflow.pyfunc.load_model(f"models:/{name}@{alias}")  # through the alias, never "the newest"
    return version, model.predict(X)


reference = SimpleNamespace(
    **vars(week07.reference),
    log_training_run=log_training_run,
    log_and_register=log_and_register,
    load_by_alias=load_by_alias,
)

# --------------------------------------------------------------------------------------------------------------
# The sandbox every check runs the learner's function in
# --------------------------------------------------------------------------------------------------------------

_ENV = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID")


@dataclass
class Sandbox:
    """Two fresh stores: ``uri`` (handed to the learner) and ``decoy`` (MLflow's global URI during the call)."""

    root: Path
    uri: str
    decoy: str

    def client(self, uri: str | None = None) -> Any:
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=uri or self.uri, registry_uri=uri or self.uri)

    def experiment(self, name: str) -> str:
        """Create experiment ``name`` in both stores with its artifacts inside the sandbox; its id in ``uri``."""
        ids = []
        for label, uri in (("store", self.uri), ("decoy", self.decoy)):
            client = self.client(uri)
            location = (self.root / label / "artifacts" / name).as_uri()
            ids.append(client.create_experiment(name, artifact_location=location))
        return str(ids[0])


def _store(path: Path) -> str:
    prepare_sqlite_store(path / "mlflow.db", path / "artifacts")  # a pre-migrated schema: a fraction of a second
    return f"sqlite:///{path / 'mlflow.db'}"


@contextlib.contextmanager
def sandbox() -> Iterator[Sandbox]:
    """Fresh temporary stores; MLflow's global state and the working directory restored afterwards."""
    import mlflow
    from mlflow.tracking import _model_registry, _tracking_service, fluent

    tracking_utils = _tracking_service.utils
    registry_utils = _model_registry.utils
    saved = (
        tracking_utils._tracking_uri,
        registry_utils._registry_uri,
        fluent._active_experiment_id,
        list(fluent._active_run_stack.get()),
        {key: os.environ.get(key) for key in _ENV},
        os.getcwd(),
    )
    root = Path(tempfile.mkdtemp(prefix="ibml-check-"))
    try:
        with quiet_mlflow():
            box = Sandbox(root, _store(root / "store"), _store(root / "decoy"))
            mlflow.set_tracking_uri(box.decoy)  # where a function that ignores `tracking_uri` ends up
            registry_utils._registry_uri = None  # the registry follows the tracking URI
            os.environ.pop("MLFLOW_REGISTRY_URI", None)
            fluent._active_experiment_id = None
            fluent._active_run_stack.get()[:] = []
            os.chdir(root)  # anything relative (./mlruns, ./mlflow.db) lands in the sandbox
            yield box
    finally:
        os.chdir(saved[5])
        with contextlib.suppress(Exception), quiet_mlflow():
            while mlflow.active_run() is not None:  # a run the learner left open
                mlflow.end_run(status="KILLED")
        tracking_utils._tracking_uri = saved[0]
        registry_utils._registry_uri = saved[1]
        fluent._active_experiment_id = saved[2]
        fluent._active_run_stack.get()[:] = saved[3]
        for key, value in saved[4].items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(root, ignore_errors=True)


def _call(ex_id: str, func: Callable[..., Any], args: tuple, case: str, req: Requirement, hint: str = "") -> Any:
    """Call the learner's function quietly; NotImplementedError propagates (not started), anything else fails."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), quiet_mlflow():
            return func(*args)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - learner code may raise anything; it becomes a failed case
        text = " ".join(str(exc).split())
        text = text if len(text) <= 200 else text[:197] + "..."
        raise ExerciseFailed(
            ex_id, case, f"your function raised {type(exc).__name__}: {text}", hint or req.hint, requirement=req
        ) from None


def _fail(ex: Exercise, case: str, req_id: str, detail: str, hint: str = "") -> ExerciseFailed:
    req = ex.requirement(req_id)
    return ExerciseFailed(ex.id, case, detail, hint or req.hint, requirement=req)


def _short(value: Any, limit: int = 120) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - learner code may return anything
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------------------------
# 7.4: a tracked run
# --------------------------------------------------------------------------------------------------------------

RUN_REQS = (
    Requirement(
        "store",
        "log to the store `tracking_uri` names (`mlflow.set_tracking_uri`), never to the default one",
        "call mlflow.set_tracking_uri(tracking_uri) before anything else: without it MLflow writes to its default "
        "store (./mlflow.db), which is not the one you were given",
    ),
    Requirement(
        "experiment",
        "the run belongs to the experiment named `experiment` (`mlflow.set_experiment`)",
        "mlflow.set_experiment(experiment) before start_run; otherwise the run lands in the 'Default' experiment",
    ),
    Requirement(
        "params",
        "every entry of `params` is a parameter of the run (MLflow stores parameters as strings)",
        "mlflow.log_params(params): parameters are what you chose before training (tags are not parameters)",
    ),
    Requirement(
        "metrics",
        "every entry of `metrics` is a metric of the run",
        "mlflow.log_metrics(metrics): metrics are numbers you measured, searchable and comparable across runs",
    ),
    Requirement(
        "artifact",
        "the file at `report_path` is an artifact at the top of the run's artifacts, under its own file name",
        "mlflow.log_artifact(report_path) copies the file itself; without artifact_path it sits at the top",
    ),
    Requirement(
        "finished",
        "return the run's id (`run.info.run_id`, a string) after the run has ended with status `FINISHED`",
        "`with mlflow.start_run() as run:` ends the run when the block ends; return run.info.run_id after it",
    ),
)

_RUN_ARGS: dict[str, Any] = {
    "experiment": "trade-anomaly-check",
    "params": {"n_estimators": 30, "contamination": 0.05, "seed": 11},
    "metrics": {"recall": 0.81, "precision": 0.42, "average_precision": 0.575},
    "report": "backtest_report.md",
    "report_text": "# Backtest report\n\nrecall 0.81, precision 0.42 on the latest 30 % of booking time.\n",
}


def _runs(box: Sandbox, uri: str) -> list[Any]:
    client = box.client(uri)
    return [r for e in client.search_experiments() for r in client.search_runs([e.experiment_id])]


def _run_runner(func: Any) -> int:
    ex = EXERCISES["7.4"]
    if not callable(func):
        raise ExerciseFailed(ex.id, "setup", f"expected a function, got {type(func).__name__}")
    a = _RUN_ARGS
    with sandbox() as box, quiet_mlflow():
        exp_id = box.experiment(a["experiment"])
        report = box.root / a["report"]
        report.write_text(a["report_text"])
        args = (box.uri, a["experiment"], dict(a["params"]), dict(a["metrics"]), str(report))
        got = _call(ex.id, func, args, "log one run", ex.requirement("finished"))
        active = _active_run_left_flag()
        client = box.client()
        runs, decoy = _runs(box, box.uri), _runs(box, box.decoy)
        if decoy:
            raise _fail(
                ex,
                "nothing in MLflow's default store",
                "store",
                f"{len(decoy)} run(s) went to MLflow's default store, not to the store at tracking_uri",
            )
        if not runs:
            raise _fail(ex, "the run is in the store you were given", "store", "no run in the store at tracking_uri")
        if len(runs) > 1:
            raise _fail(
                ex,
                "one run",
                "finished",
                f"expected one run, found {len(runs)}",
                "start one run per call (a second start_run inside the first makes a nested run)",
            )
        run = runs[0]
        if run.info.experiment_id != exp_id:
            name = client.get_experiment(run.info.experiment_id).name
            raise _fail(
                ex,
                "the run is in the experiment",
                "experiment",
                f"the run is in experiment {name!r}, expected {a['experiment']!r}",
            )
        params = run.data.params
        for key, value in a["params"].items():
            if params.get(key) != str(value):
                tags = sorted(k for k in run.data.tags if not k.startswith("mlflow."))
                raise _fail(
                    ex,
                    "parameters logged",
                    "params",
                    f"parameter {key!r}: expected {str(value)!r}, got {params.get(key)!r} "
                    f"(parameters: {sorted(params)}, tags: {tags})",
                )
        metrics = run.data.metrics
        for key, value in a["metrics"].items():
            if key not in metrics or not math.isclose(metrics[key], value, rel_tol=1e-9):
                raise _fail(
                    ex,
                    "metrics logged",
                    "metrics",
                    f"metric {key!r}: expected {value}, got {metrics.get(key)!r} (metrics: {sorted(metrics)})",
                )
        top = sorted(f.path for f in client.list_artifacts(run.info.run_id))
        if a["report"] not in top:
            raise _fail(
                ex,
                "report logged as an artifact",
                "artifact",
                f"no artifact {a['report']!r} at the top of the run's artifacts; found {top}",
            )
        local = Path(client.download_artifacts(run.info.run_id, a["report"], str(_fresh(box.root / "download"))))
        if not local.is_file() or local.read_text() != a["report_text"]:
            raise _fail(
                ex,
                "report logged as an artifact",
                "artifact",
                f"artifact {a['report']!r} is not the report file's content",
                "log the file itself with mlflow.log_artifact(report_path), not its path as text",
            )
        if active:
            raise _fail(
                ex,
                "the run has ended",
                "finished",
                "a run is still active after your function returned",
                "use `with mlflow.start_run() as run:` so the run ends when the block ends, or call mlflow.end_run()",
            )
        status = client.get_run(run.info.run_id).info.status
        if status != "FINISHED":
            raise _fail(ex, "the run has ended", "finished", f"the run's status is {status}, expected FINISHED")
        if not isinstance(got, str) or got != run.info.run_id:
            raise _fail(
                ex,
                "returns the run id",
                "finished",
                f"expected the run id {run.info.run_id!r} (a str), got {_short(got)}",
                "return run.info.run_id (a str), not the run object",
            )
    return 6


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _active_run_left_flag() -> bool:
    """True (and the run ended as KILLED) when the learner's function left a run active."""
    import mlflow

    if mlflow.active_run() is None:
        return False
    with contextlib.suppress(Exception):
        mlflow.end_run(status="KILLED")
    return True


# --------------------------------------------------------------------------------------------------------------
# 7.5: log a model with a signature, register it, point an alias at it
# --------------------------------------------------------------------------------------------------------------

REGISTER_REQS = (
    Requirement(
        "store",
        "log and register in the store `tracking_uri` names, never in the default one",
        "call mlflow.set_tracking_uri(tracking_uri) first; a client you create needs MlflowClient(tracking_uri)",
    ),
    Requirement(
        "register",
        "register the logged model as a new version of `name` and return its number as a string (a second call "
        'returns `"2"`)',
        "mlflow.sklearn.log_model(..., registered_model_name=name) or mlflow.register_model(info.model_uri, name); "
        "return str(version): MLflow gives an int",
    ),
    Requirement(
        "run",
        "log the model inside a run that has ended: the version records that run (lineage)",
        "MLflow 3 logs a model outside a run too, but then no run links it to its training; log it inside "
        "`with mlflow.start_run():`",
    ),
    Requirement(
        "signature",
        "the model has a signature: inputs are `X_example`'s columns, outputs the model's predictions "
        "(`infer_signature(X_example, model.predict(X_example))`)",
        "signature=infer_signature(X_example, model.predict(X_example)): with the inputs only, the signature "
        "says nothing about what the model returns",
    ),
    Requirement(
        "example",
        "an input example (a few rows of `X_example`) is saved with the model",
        "pass input_example=X_example.head(3) to log_model: a reviewer (and `mlflow models serve`) can try it",
    ),
    Requirement(
        "alias",
        "`alias` points at the new version (`MlflowClient.set_registered_model_alias`)",
        "MlflowClient(tracking_uri).set_registered_model_alias(name, alias, version): registering alone moves no alias",
    ),
)


def _fit_model(seed: int = 0) -> tuple[Any, pd.DataFrame]:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"notional_z": rng.normal(size=60), "price_dev_bp": rng.normal(0.0, 20.0, size=60)})
    y = ((X["notional_z"] + X["price_dev_bp"] / 20.0) > 1.0).astype(int)
    return LogisticRegression().fit(X, y), X


def _register_runner(func: Any) -> int:
    ex = EXERCISES["7.5"]
    if not callable(func):
        raise ExerciseFailed(ex.id, "setup", f"expected a function, got {type(func).__name__}")
    name, alias = "trade-anomaly-check", "challenger"
    model, X = _fit_model()
    n = 0
    with sandbox() as box, quiet_mlflow():
        box.experiment("Default-check")  # only so the decoy has an experiment with a sandbox artifact root
        client = box.client()
        for expected in ("1", "2"):
            case = f"call {expected}"
            got = _call(ex.id, func, (box.uri, model, X.head(8).copy(), name, alias), case, ex.requirement("register"))
            active = _active_run_left_flag()
            decoy = box.client(box.decoy)
            if decoy.search_registered_models() or _runs(box, box.decoy):
                raise _fail(
                    ex,
                    f"{case}: nothing in MLflow's default store",
                    "store",
                    "your model or run went to MLflow's default store, not to the store at tracking_uri",
                )
            found = client.search_model_versions(f"name='{name}'")
            if not found:
                logged = "a model was logged but " if _runs(box, box.uri) else ""
                raise _fail(
                    ex,
                    f"{case}: a new version of {name!r}",
                    "register",
                    f"{logged}no version of {name!r} is registered in the store at tracking_uri",
                )
            versions = sorted(int(v.version) for v in found)
            if versions != list(range(1, int(expected) + 1)):
                raise _fail(
                    ex,
                    f"{case}: one new version per call",
                    "register",
                    f"expected versions {list(range(1, int(expected) + 1))} after call {expected}, found {versions}",
                )
            if not isinstance(got, str) or got != expected:
                raise _fail(
                    ex,
                    f"{case}: returns the new version",
                    "register",
                    f"expected {expected!r} (a str), got {_short(got)}",
                )
            mv = client.get_model_version(name, expected)
            if not mv.run_id:
                raise _fail(
                    ex,
                    f"{case}: the version records its run",
                    "run",
                    "the version has no run_id: the model was logged outside a run",
                )
            status = client.get_run(mv.run_id).info.status
            if active or status != "FINISHED":
                raise _fail(
                    ex,
                    f"{case}: the run has ended",
                    "run",
                    f"the run is {'still active' if active else status}, expected FINISHED",
                    "use `with mlflow.start_run():` so the run ends when the block ends",
                )
            import mlflow

            info = mlflow.models.get_model_info(f"models:/{name}/{expected}")
            sig = info.signature
            inputs = sig.inputs.input_names() if sig is not None and sig.inputs is not None else None
            if inputs != list(X.columns):
                raise _fail(
                    ex,
                    f"{case}: signature inputs",
                    "signature",
                    f"expected signature inputs {list(X.columns)}, got {inputs}",
                )
            if sig.outputs is None:
                raise _fail(ex, f"{case}: signature outputs", "signature", "the signature has no outputs")
            if info.saved_input_example_info is None:
                raise _fail(ex, f"{case}: input example", "example", "no input example was saved with the model")
            aliases = {k: str(v) for k, v in (client.get_registered_model(name).aliases or {}).items()}
            if aliases.get(alias) != expected:
                raise _fail(
                    ex, f"{case}: @{alias} moved", "alias", f"expected @{alias} -> {expected}, aliases are {aliases}"
                )
            n += 6
    return n


# --------------------------------------------------------------------------------------------------------------
# 7.6: load by alias
# --------------------------------------------------------------------------------------------------------------

LOAD_REQS = (
    Requirement(
        "store",
        "read from the store `tracking_uri` names, never from the default one",
        "MlflowClient(tracking_uri) for the registry, and mlflow.set_tracking_uri(tracking_uri) before "
        "mlflow.pyfunc.load_model: a models:/ URI is resolved against the global registry URI",
    ),
    Requirement(
        "resolve",
        "return the version `alias` points at, as a string, read from the registry "
        "(`MlflowClient.get_model_version_by_alias`)",
        "client.get_model_version_by_alias(name, alias).version, as str: the newest version is not the champion",
    ),
    Requirement(
        "by_alias",
        "the predictions come from the version `alias` points at (load `models:/<name>@<alias>`, or the number "
        "you just resolved), never from the newest version or a hard-coded number",
        'mlflow.pyfunc.load_model(f"models:/{name}@{alias}"): "latest" or a number loads whatever that is, which '
        "need not be what the alias points at",
    ),
    Requirement(
        "predict",
        "return the loaded model's predictions for every row of `X`, in order",
        "return (version, model.predict(X)): the predictions, not the model, for all of X",
    ),
)

#: What each version of the check's model predicts: a constant, so a wrong version is easy to name.
_LEVELS = {"1": 10.0, "2": 20.0, "3": 30.0}


def _load_setup(box: Sandbox, name: str) -> None:
    """Three versions of ``name`` in the learner's store, each predicting a constant (10, 20, 30)."""
    import mlflow
    from mlflow.models import infer_signature
    from sklearn.dummy import DummyRegressor

    exp_id = box.experiment("registry-check")
    X = pd.DataFrame({"notional_z": [0.0, 1.0], "price_dev_bp": [0.0, 5.0]})
    client = box.client()
    client.create_registered_model(name)
    mlflow.set_tracking_uri(box.uri)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for level in _LEVELS.values():
            model = DummyRegressor(strategy="constant", constant=level).fit(X, [level, level])
            with mlflow.start_run(experiment_id=exp_id) as run:
                info = mlflow.sklearn.log_model(
                    model,
                    name="model",
                    signature=infer_signature(X, model.predict(X)),
                    pip_requirements=PIP_REQUIREMENTS,
                )
            client.create_model_version(name, info.model_uri, run_id=run.info.run_id, model_id=info.model_id)


def _load_runner(func: Any) -> int:
    ex = EXERCISES["7.6"]
    if not callable(func):
        raise ExerciseFailed(ex.id, "setup", f"expected a function, got {type(func).__name__}")
    import mlflow

    name = "trade-anomaly-check"
    X = pd.DataFrame({"notional_z": np.linspace(-1.0, 2.0, 7), "price_dev_bp": np.linspace(-30.0, 30.0, 7)})
    n = 0
    with sandbox() as box, quiet_mlflow():
        _load_setup(box, name)
        client = box.client()
        for case, champion in (("@champion is v2, not the newest", "2"), ("after a rollback @champion is v1", "1")):
            client.set_registered_model_alias(name, "champion", champion)
            client.set_registered_model_alias(name, "challenger", "3")
            mlflow.set_tracking_uri(box.decoy)  # a function that does not set the URI reads the decoy store
            try:
                got = _call(ex.id, func, (box.uri, name, "champion", X.copy()), case, ex.requirement("predict"))
            except ExerciseFailed as exc:
                if "RESOURCE_DOES_NOT_EXIST" in exc.detail or "not found" in exc.detail.lower():
                    raise _fail(ex, case, "store", exc.detail) from None
                raise
            if not isinstance(got, tuple) or len(got) != 2:
                raise _fail(
                    ex,
                    f"{case}: returns (version, predictions)",
                    "resolve",
                    f"expected a tuple (version, predictions), got {_short(got)}",
                )
            version, predictions = got
            if not isinstance(version, str) or version != champion:
                raise _fail(
                    ex,
                    f"{case}: the version @champion points at",
                    "resolve",
                    f"expected {champion!r} (a str), got {_short(version)}",
                )
            try:
                values = np.asarray(predictions, dtype=float).ravel()
            except Exception:  # noqa: BLE001 - learner code may return anything
                raise _fail(
                    ex,
                    f"{case}: predictions",
                    "predict",
                    f"expected predictions (an array of numbers), got {_short(predictions)}",
                ) from None
            expected = _LEVELS[champion]
            others = {v for v, level in _LEVELS.items() if values.size and np.allclose(values, level)}
            if others and champion not in others:
                raise _fail(
                    ex,
                    f"{case}: the model behind @champion",
                    "by_alias",
                    f"these are version {sorted(others)[0]}'s predictions; @champion points at {champion}",
                )
            if values.shape != (len(X),) or not np.allclose(values, expected):
                raise _fail(
                    ex,
                    f"{case}: predictions",
                    "predict",
                    f"expected {len(X)} predictions of {expected}, got {_short(predictions)}",
                )
            n += 4
    return n


# --------------------------------------------------------------------------------------------------------------
# Exercises, hints and the week's check book
# --------------------------------------------------------------------------------------------------------------

_HINTS = {
    "7.4": (
        "Four calls do the work: point MLflow at the store, choose the experiment, open a run, log into it. "
        "Look up mlflow.set_tracking_uri, mlflow.set_experiment and mlflow.start_run.",
        "Use `with mlflow.start_run() as run:` so the run ends (FINISHED) even if you return early; inside it "
        "log_params, log_metrics and log_artifact (the file, not its path as text). Return run.info.run_id.",
        "mlflow.set_tracking_uri(tracking_uri)\n"
        "mlflow.set_experiment(experiment)\n"
        "with mlflow.start_run() as run:\n"
        "    mlflow.log_params(params)\n"
        "    mlflow.log_metrics(metrics)\n"
        "    mlflow.log_artifact(report_path)\n"
        "return run.info.run_id",
    ),
    "7.5": (
        "Log the model with mlflow.sklearn.log_model inside a run, then register it and move the alias with "
        "MlflowClient. Pass pip_requirements explicitly: inferring them costs seconds.",
        "The signature comes from mlflow.models.infer_signature(X_example, model.predict(X_example)); "
        "registered_model_name=name registers a version and info.registered_model_version is its number (an "
        "int: return it as str).",
        "mlflow.set_tracking_uri(tracking_uri)\n"
        "signature = infer_signature(X_example, model.predict(X_example))\n"
        "with mlflow.start_run():\n"
        '    info = mlflow.sklearn.log_model(model, name="model", signature=signature,\n'
        "        input_example=X_example.head(3), pip_requirements=PIP_REQUIREMENTS,\n"
        "        registered_model_name=name)\n"
        "version = str(info.registered_model_version)\n"
        "MlflowClient(tracking_uri).set_registered_model_alias(name, alias, version)\n"
        "return version",
    ),
    "7.6": (
        "Two questions for the registry: which version does the alias point at "
        "(MlflowClient.get_model_version_by_alias), and what does the model behind it predict "
        "(mlflow.pyfunc.load_model with a models:/ URI)?",
        'The URI is f"models:/{name}@{alias}". "models:/name/latest" is the newest version, which is often the '
        "challenger, not the champion. Set the tracking URI first: models:/ URIs resolve against it.",
        "client = MlflowClient(tracking_uri)\n"
        "version = str(client.get_model_version_by_alias(name, alias).version)\n"
        "mlflow.set_tracking_uri(tracking_uri)\n"
        'model = mlflow.pyfunc.load_model(f"models:/{name}@{alias}")\n'
        "return version, model.predict(X)",
    ),
}

EXERCISES = {
    "7.4": Exercise(
        "7.4", "log a training run", RUN_REQS, reference=log_training_run, runner=_run_runner, hints=_HINTS["7.4"]
    ),
    "7.5": Exercise(
        "7.5",
        "log a model with a signature, register it, set an alias",
        REGISTER_REQS,
        reference=log_and_register,
        runner=_register_runner,
        hints=_HINTS["7.5"],
    ),
    "7.6": Exercise(
        "7.6",
        "load the model behind an alias",
        LOAD_REQS,
        reference=load_by_alias,
        runner=_load_runner,
        hints=_HINTS["7.6"],
    ),
}

check = CheckBook(
    {**week07.EXERCISES, **EXERCISES},
    **week07.check._checks,
    log_training_run="7.4",
    log_and_register="7.5",
    load_by_alias="7.6",
)

__all__ = [
    "EXERCISES",
    "PIP_REQUIREMENTS",
    "Sandbox",
    "check",
    "load_by_alias",
    "log_and_register",
    "log_training_run",
    "reference",
    "sandbox",
]
