"""Week 7 (raw MLflow) mutants: plausible wrong answers to exercises 7.4–7.6, each breaking one requirement,
and alternative correct solutions written differently from the reference (client API against fluent API)."""

from __future__ import annotations

from pathlib import Path

from reference_impl.exercises import week07_mlflow as w
from reference_impl.exercises.mutation import Mutant

_PIP = w.PIP_REQUIREMENTS

# ---------------------------------------------------------------- alternative correct solutions


def run_with_client(tracking_uri, experiment, params, metrics, report_path):
    """7.4 with MlflowClient only: no global state touched at all."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    exp_id = found.experiment_id if found is not None else client.create_experiment(experiment)
    run = client.create_run(exp_id)
    try:
        for key, value in params.items():
            client.log_param(run.info.run_id, key, value)
        for key, value in metrics.items():
            client.log_metric(run.info.run_id, key, value)
        client.log_artifact(run.info.run_id, report_path)
    except Exception:
        client.set_terminated(run.info.run_id, status="FAILED")
        raise
    client.set_terminated(run.info.run_id, status="FINISHED")
    return run.info.run_id


def run_explicit_end(tracking_uri, experiment, params, metrics, report_path):
    """7.4 with the fluent API and an explicit end_run (experiment id passed to start_run)."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    exp = mlflow.set_experiment(experiment_name=experiment)
    run = mlflow.start_run(experiment_id=exp.experiment_id)
    for key, value in params.items():
        mlflow.log_param(key, value)
    for key, value in metrics.items():
        mlflow.log_metric(key, value)
    mlflow.log_artifact(report_path)
    mlflow.end_run()
    return run.info.run_id


def register_then_alias(tracking_uri, model, X_example, name, alias):
    """7.5: log inside a run, then ``mlflow.register_model`` on the logged model's URI."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    mlflow.set_tracking_uri(tracking_uri)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            sk_model=model,
            name="detector",
            signature=infer_signature(X_example, model.predict(X_example)),
            input_example=X_example.iloc[:2],
            pip_requirements=_PIP,
        )
    mv = mlflow.register_model(info.model_uri, name)
    MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri).set_registered_model_alias(
        name, alias, mv.version
    )
    return str(mv.version)


def register_with_client(tracking_uri, model, X_example, name, alias):
    """7.5: the registry through MlflowClient (create the registered model once, then a version)."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    client = MlflowClient(tracking_uri)
    mlflow.set_tracking_uri(tracking_uri)
    signature = infer_signature(X_example, model.predict(X_example))
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(
            model, name="model", signature=signature, input_example=X_example.head(5), pip_requirements=_PIP
        )
    if not client.search_registered_models(filter_string=f"name='{name}'"):
        client.create_registered_model(name)
    mv = client.create_model_version(name, info.model_uri, run_id=run.info.run_id, model_id=info.model_id)
    client.set_registered_model_alias(name, alias, mv.version)
    return str(mv.version)


def load_alias_fluent(tracking_uri, name, alias, X):
    """7.6: one client call for the version, then the alias URI, predictions as a list."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mv = mlflow.MlflowClient().get_model_version_by_alias(name, alias)
    model = mlflow.pyfunc.load_model(f"models:/{name}@{alias}")
    return str(mv.version), list(model.predict(X))


def load_alias_sklearn(tracking_uri, name, alias, X):
    """7.6: the sklearn flavour instead of pyfunc, the registry read from the registered model's aliases."""
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    version = client.get_registered_model(name).aliases[alias]
    mlflow.set_tracking_uri(tracking_uri)
    model = mlflow.sklearn.load_model(f"models:/{name}@{alias}")
    return str(version), model.predict(X)


# ---------------------------------------------------------------- 7.4: plausible wrong answers


def run_ignores_uri(tracking_uri, experiment, params, metrics, report_path):  # logs to whatever store is global
    import mlflow

    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        mlflow.log_artifact(report_path)
    return run.info.run_id


def run_default_experiment(tracking_uri, experiment, params, metrics, report_path):  # no set_experiment
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    with mlflow.start_run(run_name=experiment) as run:
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        mlflow.log_artifact(report_path)
    return run.info.run_id


def run_params_as_tags(tracking_uri, experiment, params, metrics, report_path):
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.set_tags(params)
        mlflow.log_metrics(metrics)
        mlflow.log_artifact(report_path)
    return run.info.run_id


def run_metrics_as_params(tracking_uri, experiment, params, metrics, report_path):
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_params({**params, **metrics})
        mlflow.log_artifact(report_path)
    return run.info.run_id


def run_report_as_text(tracking_uri, experiment, params, metrics, report_path):  # logs the path, not the file
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        mlflow.log_text(str(report_path), Path(report_path).name)
    return run.info.run_id


def run_report_in_folder(tracking_uri, experiment, params, metrics, report_path):
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        mlflow.log_artifact(report_path, artifact_path="reports")
    return run.info.run_id


def run_left_open(tracking_uri, experiment, params, metrics, report_path):  # start_run without a with-block
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    run = mlflow.start_run()
    mlflow.log_params(params)
    mlflow.log_metrics(metrics)
    mlflow.log_artifact(report_path)
    return run.info.run_id


def run_returns_run(tracking_uri, experiment, params, metrics, report_path):
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        mlflow.log_artifact(report_path)
    return run


# ---------------------------------------------------------------- 7.5: plausible wrong answers


def _log(tracking_uri, model, X_example, name, *, signature="full", example=True, register=True, in_run=True):
    import contextlib

    import mlflow
    from mlflow.models import infer_signature

    if tracking_uri is not None:
        mlflow.set_tracking_uri(tracking_uri)
    sig = {
        "full": infer_signature(X_example, model.predict(X_example)),
        "inputs": infer_signature(X_example),
    }[signature]
    with mlflow.start_run() if in_run else contextlib.nullcontext():
        return mlflow.sklearn.log_model(
            model,
            name="model",
            signature=sig,
            input_example=X_example.head(3) if example else None,
            pip_requirements=_PIP,
            registered_model_name=name if register else None,
        )


def _alias(tracking_uri, name, alias, version):
    from mlflow import MlflowClient

    MlflowClient(tracking_uri).set_registered_model_alias(name, alias, version)


def register_ignores_uri(tracking_uri, model, X_example, name, alias):
    info = _log(None, model, X_example, name)
    _alias(None, name, alias, info.registered_model_version)
    return str(info.registered_model_version)


def register_int_version(tracking_uri, model, X_example, name, alias):  # returns MLflow's int
    info = _log(tracking_uri, model, X_example, name)
    _alias(tracking_uri, name, alias, info.registered_model_version)
    return info.registered_model_version


def register_forgotten(tracking_uri, model, X_example, name, alias):  # logs the model, registers nothing
    _log(tracking_uri, model, X_example, name, register=False)
    return "1"


def register_outside_run(tracking_uri, model, X_example, name, alias):  # MLflow 3 allows it; no lineage
    info = _log(tracking_uri, model, X_example, name, in_run=False)
    _alias(tracking_uri, name, alias, info.registered_model_version)
    return str(info.registered_model_version)


def register_inputs_only_signature(tracking_uri, model, X_example, name, alias):
    info = _log(tracking_uri, model, X_example, name, signature="inputs")
    _alias(tracking_uri, name, alias, info.registered_model_version)
    return str(info.registered_model_version)


def register_no_example(tracking_uri, model, X_example, name, alias):
    info = _log(tracking_uri, model, X_example, name, example=False)
    _alias(tracking_uri, name, alias, info.registered_model_version)
    return str(info.registered_model_version)


def register_no_alias(tracking_uri, model, X_example, name, alias):  # registering alone moves no alias
    return str(_log(tracking_uri, model, X_example, name).registered_model_version)


def register_alias_on_first(tracking_uri, model, X_example, name, alias):  # the alias stays on version 1
    info = _log(tracking_uri, model, X_example, name)
    _alias(tracking_uri, name, alias, "1")
    return str(info.registered_model_version)


# ---------------------------------------------------------------- 7.6: plausible wrong answers


def _predict(uri):
    import mlflow

    return mlflow.pyfunc.load_model(uri)


def load_ignores_uri(tracking_uri, name, alias, X):  # reads MLflow's default store
    import mlflow

    version = mlflow.MlflowClient().get_model_version_by_alias(name, alias).version
    return str(version), _predict(f"models:/{name}@{alias}").predict(X)


def load_latest(tracking_uri, name, alias, X):  # "the newest version" is not the champion
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    version = mlflow.MlflowClient().get_model_version_by_alias(name, alias).version
    return str(version), _predict(f"models:/{name}/latest").predict(X)


def load_first_version(tracking_uri, name, alias, X):  # a fixed number instead of the alias
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    version = mlflow.MlflowClient().get_model_version_by_alias(name, alias).version
    return str(version), _predict(f"models:/{name}/1").predict(X)


def load_reports_newest(tracking_uri, name, alias, X):  # the version number of the newest, not the alias
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    newest = max(int(v.version) for v in mlflow.MlflowClient().search_model_versions(f"name='{name}'"))
    return str(newest), _predict(f"models:/{name}@{alias}").predict(X)


def load_int_version(tracking_uri, name, alias, X):
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    version = mlflow.MlflowClient().get_model_version_by_alias(name, alias).version
    return int(version), _predict(f"models:/{name}@{alias}").predict(X)


def load_returns_model(tracking_uri, name, alias, X):  # the model, not its predictions
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    version = mlflow.MlflowClient().get_model_version_by_alias(name, alias).version
    return str(version), _predict(f"models:/{name}@{alias}")


def load_first_row(tracking_uri, name, alias, X):  # predicts one row only
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    version = mlflow.MlflowClient().get_model_version_by_alias(name, alias).version
    return str(version), _predict(f"models:/{name}@{alias}").predict(X.head(1))


MUTANTS = [
    Mutant("7.4", "store", run_ignores_uri),
    Mutant("7.4", "experiment", run_default_experiment),
    Mutant("7.4", "params", run_params_as_tags),
    Mutant("7.4", "metrics", run_metrics_as_params),
    Mutant("7.4", "artifact", run_report_as_text),
    Mutant("7.4", "artifact", run_report_in_folder),
    Mutant("7.4", "finished", run_left_open),
    Mutant("7.4", "finished", run_returns_run),
    Mutant("7.5", "store", register_ignores_uri),
    Mutant("7.5", "register", register_int_version),
    Mutant("7.5", "register", register_forgotten),
    Mutant("7.5", "run", register_outside_run),
    Mutant("7.5", "signature", register_inputs_only_signature),
    Mutant("7.5", "example", register_no_example),
    Mutant("7.5", "alias", register_no_alias),
    Mutant("7.5", "alias", register_alias_on_first),
    Mutant("7.6", "store", load_ignores_uri),
    Mutant("7.6", "by_alias", load_latest),
    Mutant("7.6", "by_alias", load_first_version),
    Mutant("7.6", "resolve", load_reports_newest),
    Mutant("7.6", "resolve", load_int_version),
    Mutant("7.6", "predict", load_returns_model),
    Mutant("7.6", "predict", load_first_row),
]

CORRECT = {
    "7.4": [w.reference.log_training_run, run_with_client, run_explicit_end],
    "7.5": [w.reference.log_and_register, register_then_alias, register_with_client],
    "7.6": [w.reference.load_by_alias, load_alias_fluent, load_alias_sklearn],
}
