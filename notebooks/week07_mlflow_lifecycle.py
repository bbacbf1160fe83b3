# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ibml)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Week 7: MLflow and change control
#
# A model in a bank is not "deployed" when a data scientist copies a file to a server. It is trained in a
# recorded run, registered, validated against the model already in production on the same backtest, approved by
# someone other than its author, and promoted by moving a pointer, which can be moved back in seconds. Every step
# leaves evidence that a model-risk reviewer can check. This week you first write that chain yourself with raw
# MLflow calls: a run, a model with a signature, a registered version, aliases, loading by alias. Then you read
# how `reference_impl.lifecycle` wraps the same calls, and use it for the controls a reviewer tests.
#
# **Objectives.** By the end of this notebook you can:
# 1. log a training run by hand: tracking store, experiment, parameters, metrics and an artifact, and say what
#    belongs where (Exercise 7.4);
# 2. log a model with a signature, an input example and explicit `pip_requirements`, register it as a new version
#    and point an alias at it (Exercise 7.5);
# 3. load the model behind `@champion`, not "the newest version" (Exercise 7.6);
# 4. find each of those calls inside `reference_impl.lifecycle` (tracking, registry, model loading) and say what
#    the wrapper adds: lineage, digests, signed approvals, an audit log;
# 5. validate a challenger against the champion on the same backtest, and read a failed report (Exercise 7.1);
# 6. enforce four-eyes approval, run a rollback drill and choose the rollback target (Exercise 7.2);
# 7. reproduce a run from its lineage, and answer "which model was champion on Tuesday?" (Exercise 7.3);
# 8. read the model card a reviewer signs off;
# 9. read the CI/CD pipeline for model artifacts stage by stage, and say why four eyes sits outside it;
# 10. say when a bank embeds a model in a JVM service (ONNX Runtime's Java API) instead of calling a Python service.
#
# **Prerequisites.** [Week 3](week03_feature_engineering.ipynb) and [Week 4](week04_evaluation.ipynb) (trade
# features, the anomaly detector and its time-based backtest) and [Week 6](week06_testing_ml_services.ipynb). Week 5's
# scoring service loads `@champion`.
# **Time.** About 2 hours in the notebook, plus 4 hours of exercises (the roadmap's estimate).
#
# **Exercises.** Each exercise ships *not started*: its cell raises `NotImplementedError`, and the check cell below
# it prints `Exercise 7.N not started` (later cells then use the reference solution, so the notebook still runs).
# Replace the `raise` line with your code, run the cell, then run the check: it prints `Exercise 7.N passed (k/k
# cases)`, or raises with the case that failed, the requirement it tests and a hint. Stuck? `check.hint("7.4")`
# gives graded hints (call it again for the next one) and `check.solution("7.4")` shows the reference solution.
# The MLflow checks (7.4–7.6) run your function against a fresh temporary SQLite store and read back what it
# logged; they leave nothing in this folder or in your `.ibml/` workspace.
# `ibml progress notebooks/week07_mlflow_lifecycle.ipynb` shows where you are;
# `git checkout -- notebooks/week07_mlflow_lifecycle.ipynb` resets the notebook to its shipped state.

# %%
# Setup: telemetry off before MLflow is imported; every store lives in a temporary folder, never in .ibml/.
import contextlib
import datetime as dt
import inspect
import itertools
import os
import re
import tempfile
import warnings
from pathlib import Path

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"  # before MLflow is imported: no network look-ups
LAB = Path(tempfile.mkdtemp(prefix="ibml-week07-"))
os.environ["IBML_HOME"] = str(LAB / "ibml")  # the governance part's workspace: never the learner's own
os.environ.pop("IBML_MLFLOW_TRACKING_URI", None)
os.environ.pop("MLFLOW_TRACKING_URI", None)

warnings.filterwarnings("ignore", category=FutureWarning)  # keep teaching output free of library notices
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm, imported by shap, in a plain kernel

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score

from reference_impl.exercises.week07_mlflow import PIP_REQUIREMENTS, check, reference
from reference_impl.lifecycle import Threshold, quiet_mlflow
from reference_impl.lifecycle.tracking import prepare_sqlite_store

pd.set_option("display.width", 120)
SEED = 11


@contextlib.contextmanager
def quiet():
    """MLflow's checked warnings off, and its progress lines ("Successfully registered model ...") kept off stderr."""
    with quiet_mlflow(), contextlib.redirect_stderr(open(os.devnull, "w")) as sink:
        try:
            yield
        finally:
            sink.close()


# A small labelled set: two trade features, anomalies where both are large. Earlier 75 % train, latest 25 % test.
rng = np.random.default_rng(SEED)
trades = pd.DataFrame({"notional_z": rng.normal(size=800).round(3), "price_dev_bp": rng.normal(0, 20, 800).round(2)})
is_anomaly = ((trades["notional_z"] + trades["price_dev_bp"] / 20 + rng.normal(0, 0.6, 800)) > 2.4).astype(int)
X_train, X_test, y_train, y_test = trades[:600], trades[600:], is_anomaly[:600], is_anomaly[600:]
print(f"train {len(X_train)} trades ({y_train.sum()} anomalies), test {len(X_test)} ({y_test.sum()} anomalies)")

# %% [markdown]
# ## 1. A run by hand
#
# MLflow's tracking part has three nouns. A **tracking store** (a URI) holds everything: here a SQLite file; at a
# bank a shared server on PostgreSQL. An **experiment** groups the runs of one modelling question. A **run** is one
# training attempt, and it records four kinds of thing:
#
# | what | MLflow call | example | why a reviewer cares |
# | --- | --- | --- | --- |
# | parameters: what you chose before training | `mlflow.log_params({...})` (stored as strings) | `C`, `class_weight`, seed | the run can be repeated |
# | metrics: numbers you measured | `mlflow.log_metrics({...})` | backtest recall, precision | what "good enough" meant |
# | artifacts: files | `mlflow.log_artifact(path)` | a backtest report, a plot, the model | evidence you can open |
# | tags: facts about the run | `mlflow.set_tags({...})` | git commit, data digest | what code and data built it |
#
# The fluent API keeps global state: `mlflow.set_tracking_uri(uri)` picks the store, `mlflow.set_experiment(name)`
# picks (or creates) the experiment, and `with mlflow.start_run() as run:` opens a run that ends when the block
# ends, as `FINISHED`, or as `FAILED` if the block raises. Without `set_tracking_uri` MLflow 3 writes to
# `./mlflow.db` in the current folder, and an experiment created without an `artifact_location` keeps its files
# under `./mlruns`. Both would land next to this notebook, so we create the store and the experiment explicitly.
# A brand-new SQLite store costs a few seconds while MLflow creates its tables; `prepare_sqlite_store` copies a
# pre-migrated one instead.

# %%
RAW = LAB / "raw"
prepare_sqlite_store(RAW / "mlflow.db", RAW / "artifacts")
RAW_URI = f"sqlite:///{RAW / 'mlflow.db'}"
client = MlflowClient(tracking_uri=RAW_URI)
EXPERIMENT = "trade-anomaly-raw"
with quiet():
    client.create_experiment(EXPERIMENT, artifact_location=(RAW / "artifacts" / EXPERIMENT).as_uri())
print("experiments:", [e.name for e in client.search_experiments(order_by=["name"])])

plain = LogisticRegression().fit(X_train, y_train)
pred = plain.predict(X_test)
params = {"model": "LogisticRegression", "C": plain.C, "class_weight": str(plain.class_weight), "seed": SEED}
metrics = {"recall": round(recall_score(y_test, pred), 4), "precision": round(precision_score(y_test, pred), 4)}
report_path = LAB / "backtest_report.md"
report_path.write_text(f"# Backtest report\n\nLatest 25 % of trades: recall {metrics['recall']}, "
                       f"precision {metrics['precision']}.\n")
print("params:", params)
print("metrics:", metrics)

# %% [markdown]
# ### Exercise 7.4: log a training run
#
# Write `log_training_run(tracking_uri, experiment, params, metrics, report_path)` with the fluent API (or with
# `MlflowClient`, if you prefer). The check gives your function a fresh SQLite store in which the experiment
# already exists, and points MLflow's *global* tracking URI at a second, decoy store: a function that ignores
# `tracking_uri` logs there, and the check sees it.
#
# - log to the store `tracking_uri` names (`mlflow.set_tracking_uri`), never to the default one
# - the run belongs to the experiment named `experiment` (`mlflow.set_experiment`)
# - every entry of `params` is a parameter of the run (MLflow stores parameters as strings)
# - every entry of `metrics` is a metric of the run
# - the file at `report_path` is an artifact at the top of the run's artifacts, under its own file name
# - return the run's id (`run.info.run_id`, a string) after the run has ended with status `FINISHED`

# %%
# Exercise 7.4 — Log a training run
def log_training_run(tracking_uri: str, experiment: str, params: dict, metrics: dict, report_path: str) -> str:
    raise NotImplementedError("Exercise 7.4: replace this line with your code")


# %%
log_training_run = check.log_training_run(log_training_run)  # yours once it passes; the reference until you start

# %% [markdown]
# Now log the real run into this notebook's store and read it back with `MlflowClient`, the way a reviewer (or the
# MLflow UI) would.

# %%
with quiet():
    run_id = log_training_run(RAW_URI, EXPERIMENT, params, metrics, str(report_path))
    run = client.get_run(run_id)
    artifacts = [a.path for a in client.list_artifacts(run_id)]
print("status:", run.info.status, "| experiment:", client.get_experiment(run.info.experiment_id).name)
print("params:", dict(sorted(run.data.params.items())))
print("metrics:", dict(sorted(run.data.metrics.items())))
print("artifacts:", artifacts)

# %% [markdown]
# Note the parameters: `C` went in as the float `1.0` and the seed as the int `11`; both come back as strings.
# Parameters are for searching and repeating; compare them as text or parse them back.
#
# ## 2. A model with a signature
#
# `mlflow.sklearn.log_model(model, name="model", ...)` saves the fitted estimator inside the active run. In
# MLflow 3 the argument is `name` (`artifact_path` is deprecated), and the result is a *logged model* with its
# own id: `info.model_uri` is `models:/m-<id>`. Three arguments matter at a bank:
#
# - `signature`: the input columns and types and the output type. A loaded model checks its input against it,
#   and a reviewer reads it as the model's contract. `infer_signature(X, model.predict(X))` builds it from
#   example inputs *and outputs*; with only the inputs, the signature says nothing about what the model returns.
#   (Given an input example and no signature, MLflow infers one by running the model on the example: pass it
#   explicitly so you know what you record.)
# - `input_example`: a few real rows, saved next to the model, so a caller can see what to send.
# - `pip_requirements`: the packages the model needs. Left out, MLflow infers them by inspecting your
#   environment, which costs seconds per model and is not reproducible; we pass them explicitly.
#
# MLflow 3 saves sklearn models in the skops format by default, and skops loads only types it trusts. A plain
# logistic regression is fine; an `IsolationForest` needs `skops_trusted_types=[...]` (the library's
# `log_native_model` logs a pyfunc wrapper instead, section 5).

# %%
signature = infer_signature(X_train.head(5), plain.predict(X_train.head(5)))
print("inputs:", signature.inputs.to_dict())
print("outputs:", signature.outputs.to_dict())
print("pip_requirements:", PIP_REQUIREMENTS)

# %% [markdown]
# ## 3. Registry and aliases
#
# The **model registry** gives a logged model a name and numbered **versions**. Registering is one argument,
# `log_model(..., registered_model_name=name)`, or a separate `mlflow.register_model(info.model_uri, name)`; each
# registration creates the next version (`1`, `2`, ...; MLflow returns the number as an `int`). An **alias** is a
# movable name for one version: `MlflowClient(uri).set_registered_model_alias(name, "challenger", version)`.
# Promotion and rollback then move an alias; nobody redeploys anything. (MLflow's older stages, "Staging" and
# "Production", are deprecated in favour of aliases.)
#
# ### Exercise 7.5: log a model with a signature, register it, set an alias
#
# Write `log_and_register(tracking_uri, model, X_example, name, alias)`. The check calls it twice on a fresh store
# (a second call must make version `"2"` and move the alias), then reads each version back.
#
# - log and register in the store `tracking_uri` names, never in the default one
# - register the logged model as a new version of `name` and return its number as a string (a second call
#   returns `"2"`)
# - log the model inside a run that has ended: the version records that run (lineage)
# - the model has a signature: inputs are `X_example`'s columns, outputs the model's predictions
#   (`infer_signature(X_example, model.predict(X_example))`)
# - an input example (a few rows of `X_example`) is saved with the model
# - `alias` points at the new version (`MlflowClient.set_registered_model_alias`)

# %%
# Exercise 7.5 — Log, register and alias a model
def log_and_register(tracking_uri: str, model, X_example: pd.DataFrame, name: str, alias: str) -> str:
    raise NotImplementedError("Exercise 7.5: replace this line with your code")


# %%
log_and_register = check.log_and_register(log_and_register)  # yours once it passes; the reference until you start

# %% [markdown]
# Register two candidates: the plain logistic regression, then one trained with `class_weight="balanced"`, which
# flags more trades. Each call moves `@challenger` to the version it created.

# %%
NAME = "trade-anomaly-raw"
balanced = LogisticRegression(class_weight="balanced").fit(X_train, y_train)
with quiet():
    v_plain = log_and_register(RAW_URI, plain, X_train.head(20), NAME, "challenger")
    v_balanced = log_and_register(RAW_URI, balanced, X_train.head(20), NAME, "challenger")
    versions = client.search_model_versions(f"name='{NAME}'")
    info = mlflow.models.get_model_info(f"models:/{NAME}/{v_balanced}")
    lineage = {v.version: client.get_run(v.run_id).info.status for v in versions}
print("versions:", sorted(int(v.version) for v in versions), "| returned:", v_plain, v_balanced)
print("aliases:", {k: str(v) for k, v in client.get_registered_model(NAME).aliases.items()})
print("each version's run:", dict(sorted(lineage.items())))
print(f"v{v_balanced} signature inputs:", info.signature.inputs.input_names(),
      "| input example saved:", info.saved_input_example_info is not None)

# %% [markdown]
# > **At a bank.** A registered version is immutable evidence: which run produced it (and so which parameters,
# > data and code), what it accepts (the signature) and what it needs (the pinned requirements). Aliases are what
# > change-management tickets talk about: "move `@champion` of `trade-anomaly` from v3 to v4". Keep the version
# > number in the ticket, because the alias will move again.
#
# ## 4. Load by alias
#
# A model URI names what to load: `models:/<name>/<version>` is one fixed version, `models:/<name>@<alias>` is
# whatever the alias points at *now*, and `models:/<name>/latest` is the newest version, which after a new
# registration is usually the challenger, not the champion. `mlflow.pyfunc.load_model(uri)` resolves a `models:/`
# URI against the global registry URI (it follows `mlflow.set_tracking_uri` unless set apart), and
# `MlflowClient.get_model_version_by_alias(name, alias)` says which version that is.
#
# Bob, the validator, has approved the plain model: `@champion` points at it, while `@challenger` (and "latest")
# is the balanced one.

# %%
client.set_registered_model_alias(NAME, "champion", v_plain)
print("aliases:", dict(sorted((k, str(v)) for k, v in client.get_registered_model(NAME).aliases.items())))

# %% [markdown]
# ### Exercise 7.6: load the model behind an alias
#
# Write `load_by_alias(tracking_uri, name, alias, X)`: return the version `alias` points at and the predictions
# of that model for `X`. The check registers three versions whose predictions differ, points `@champion` at a
# version that is not the newest, and then moves it back (a rollback).
#
# - read from the store `tracking_uri` names, never from the default one
# - return the version `alias` points at, as a string, read from the registry
#   (`MlflowClient.get_model_version_by_alias`)
# - the predictions come from the version `alias` points at (load `models:/<name>@<alias>`, or the number you
#   just resolved), never from the newest version or a hard-coded number
# - return the loaded model's predictions for every row of `X`, in order

# %%
# Exercise 7.6 — Load the model behind an alias
def load_by_alias(tracking_uri: str, name: str, alias: str, X: pd.DataFrame) -> tuple:
    raise NotImplementedError("Exercise 7.6: replace this line with your code")


# %%
load_by_alias = check.load_by_alias(load_by_alias)  # yours once it passes; the reference until you start

# %%
with quiet():
    version, flags = load_by_alias(RAW_URI, NAME, "champion", X_test)
    mlflow.set_tracking_uri(RAW_URI)
    newest = mlflow.pyfunc.load_model(f"models:/{NAME}/latest").predict(X_test)
flags = np.asarray(flags)
print(f"@champion is v{version}: flags {int(flags.sum())} of {len(X_test)} test trades, "
      f"recall {recall_score(y_test, flags):.2f}")
print(f"'latest' is v{v_balanced}: flags {int(newest.sum())}, recall {recall_score(y_test, newest):.2f}")

# %% [markdown]
# The two answers differ, which is the point: code that loads "latest" would have served the challenger that no
# one approved. One subtlety remains. Resolving the alias and loading `models:/...@champion` are two calls; if
# someone moves the alias in between, the version you report is not the model you loaded. The production loader
# below resolves the alias **once**, then loads exactly that version number and checks its digest.
#
# ## 5. How `reference_impl.lifecycle` wraps the same calls
#
# The library makes the same MLflow calls you just wrote, and adds what a reviewer needs around them. The cell
# below lists, for each wrapper, the MLflow calls in its source.
#
# | you wrote | the library | what it adds |
# | --- | --- | --- |
# | `set_tracking_uri`, `MlflowClient(uri)` | `tracking.open_client` | checks the store is reachable and writable, prepares SQLite, sets tracking *and* registry URI |
# | `set_experiment` | `tracking.ensure_experiment` | each experiment gets its own artifact location |
# | `start_run`, `log_params` | `tracking.training_run` | seed, recipe and lineage tags (git commit, package and feature-view versions, data digests); `FAILED` on an exception |
# | `log_metrics`, `log_artifact` | `training.log_recipe_result`, `tracking.log_dataset`, `tracking.log_figure` | datasets as `mlflow.data` inputs with digest and source; plots |
# | `log_model(signature=, input_example=, pip_requirements=)` | `pyfunc.log_native_model` | a pyfunc wrapper whose native model is checked against its SHA-256 digest before it is unpickled; pinned versions; the code that trained it |
# | `registered_model_name=`, `set_registered_model_alias` | `registry.ModelRegistry.register` | a signed submission, validation and approval tags, `@challenger`, an audit record |
# | `set_registered_model_alias` | `ModelRegistry.promote`, `ModelRegistry.rollback` | four-eyes: both signatures re-checked; every alias move audited (MLflow keeps no history) |
# | `get_model_version_by_alias`, `load_model` | `ModelRegistry.by_alias`, `registry.load_champion`, `registry.load_version` | resolve once, download that version, verify its digest, and never run code from the artifact store |

# %%
from reference_impl.lifecycle import pyfunc, registry as lifecycle_registry, tracking, training  # noqa: E402

wrappers = [tracking.open_client, tracking.ensure_experiment, tracking.training_run, tracking.log_dataset,
            training.log_recipe_result, pyfunc.log_native_model, lifecycle_registry.ModelRegistry.register,
            lifecycle_registry.ModelRegistry._move_alias, lifecycle_registry.ModelRegistry.by_alias,
            lifecycle_registry.load_version]
for fn in wrappers:
    calls = sorted(set(re.findall(r"\b(?:mlflow|client)\.((?:[a-z_]+\.)*[a-z_]+)\(", inspect.getsource(fn))))
    print(f"{fn.__module__.removeprefix('reference_impl.lifecycle.')}.{fn.__qualname__}: {', '.join(calls)}")

# %% [markdown]
# `promote` and `rollback` move aliases through `ModelRegistry._move_alias`, which calls
# `set_registered_model_alias` (or `delete_registered_model_alias`) and writes the move to the audit log, undoing
# the move if the audit write fails. `load_champion` makes no MLflow call of its own: it asks `by_alias` which
# version `@champion` is, then `load_version` downloads exactly that version and checks its digest. Open `reference_impl/lifecycle/tracking.py`, then `training.py`, `pyfunc.py`
# and `registry.py`, in that order: the rest of this notebook uses them.
#
# ## 6. The governed chain: a tracked training run
#
# From here on the notebook uses the library for the controls a model-risk reviewer tests. The registry works on
# its own store in a temporary workspace, with an audit log and a fake clock so the printed trail is stable, and
# two simulated people: Alice submits models, Bob validates them.

# %%
from reference_impl.governance import AuditLog  # noqa: E402
from reference_impl.lifecycle import (  # noqa: E402
    DEFAULT_THRESHOLDS,
    ModelRegistry,
    build_model_card,
    load_champion,
    render_markdown,
    reproduce_run,
    train_and_log,
)
from reference_impl.lifecycle.identity import enrol_simulated_people  # noqa: E402
from reference_impl.lifecycle.training import validate_with_recipe  # noqa: E402
from reference_impl.workspace import Workspace  # noqa: E402

DATA = {"n_trades": 1500, "n_estimators": 30}  # small, so the notebook runs in seconds
_minutes = itertools.count()


def clock() -> dt.datetime:
    """A fake clock: every recorded action happens one minute after the previous one."""
    return dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=next(_minutes))


workspace = Workspace.from_env()
audit = AuditLog(workspace.audit_log, clock=clock)
registry = ModelRegistry(workspace=workspace, audit=audit, clock=clock)
# Simulated people: each gets an Ed25519 signing key (0600, outside the workspace) and a role. On one laptop
# both keys sit side by side, so this shows the mechanics; at a bank each person's key stays with that person.
people = enrol_simulated_people({"alice": ["submitter"], "bob": ["model_validator"]}, directory=registry.people)
print("tracking store:", registry.store.uri.replace(str(workspace.root), "<IBML_HOME>"))
print("people:", {p.person_id: sorted(p.roles) for p in people.people().values()})

# %% [markdown]
# `train_and_log("anomaly", ...)` runs the week-4 recipe: it generates trades, builds features, fits the detector
# (rules, isolation forest and SHAP reason codes) on the earlier 70 % of booking time, and backtests on the
# latest 30 %. Everything goes into one MLflow run:
#
# | what | where in MLflow | why a reviewer cares |
# | --- | --- | --- |
# | recipe parameters and seed | params | the run can be repeated |
# | backtest metrics, overall and per anomaly type | metrics (`recall.fat_finger`, ...) | what "good enough" meant |
# | score distribution plot | artifact `plots/` | a picture of separation |
# | training and backtest data | `mlflow.data` inputs with digest and source | what exactly it learned from |
# | git commit, package and feature-view versions | tags `ibml.*` | what code built it |
# | the model | a pyfunc model with signature, input example and pinned requirements | it can be loaded and served |
#
# The same two MLflow defaults need care as in your own code: explicit `pip_requirements`, telemetry off. The
# store is a SQLite file in the workspace. A team shares one MLflow server on PostgreSQL instead
# (`ibml mlflow-server`).

# %%
v1 = train_and_log("anomaly", seed=SEED, overrides=DATA, submitter="alice", registry=registry)
run = registry.client.get_run(v1.run_id)
print("params:", {k: run.data.params[k] for k in sorted(DATA) + ["seed"]})
print("backtest:", {k: round(v, 3) for k, v in sorted(v1.metrics.items()) if "." not in k and k != "n_backtest"})
print("lineage tags:", sorted(k for k in run.data.tags if k.startswith("ibml.") and "package" not in k))
for ds in run.inputs.dataset_inputs:
    print(f"dataset {ds.dataset.name}: digest {ds.dataset.digest}, rows {ds.dataset.profile}")

# %% [markdown]
# The model was **registered** as version 1 of `trade-anomaly`, and the `@challenger` alias points at it, as in
# your Exercise 7.5, plus the submission signature and the validation and approval status a reviewer needs. The
# service never hard-codes "version 7": it asks for `@champion` (`load_champion`), so promotion and rollback are
# pointer moves that need no redeploy.

# %%
print(v1.version.name, "v" + v1.version.version, "aliases:", v1.version.aliases,
      "| validation:", v1.version.validation_status, "| approval:", v1.version.approval_status)

# %% [markdown]
# ## 7. Validation: the same backtest for challenger and champion
#
# A validation report scores the challenger **and the current champion** on the same time-based backtest, then
# applies the thresholds in `DEFAULT_THRESHOLDS`: absolute floors, plus a maximum drop against the champion.
# Comparing a challenger's fresh score with a champion's months-old score would compare two datasets, not two
# models. Version 1 has no champion to beat, so only the floors apply.

# %%
report = validate_with_recipe(registry, "trade-anomaly", "1", actor="alice")
print(report.to_markdown())

# %% [markdown]
# ## 8. Four eyes
#
# The submitter may not approve her own model. Identity is not a name typed on a command line: Alice's
# submission and Bob's approval are each signed with that person's key, over the model name, version and model
# digest, and recorded in the audit log. Person ids are canonical (Unicode NFKC, case-folded; invisible
# characters and look-alike letters are refused), so `alice` with a zero-width space is not a second person.
# The registry refuses Alice's self-approval and records the refusal: a control that worked is evidence too.
# Then Bob approves, and promotion moves `@champion` only after re-checking both signatures.

# %%
try:
    registry.approve("trade-anomaly", "1", approver="alice")
except Exception as exc:  # RegistryError
    print(f"{type(exc).__name__}: {exc}")
registry.approve("trade-anomaly", "1", approver="bob", comment="backtest reviewed")
champion = registry.promote("trade-anomaly", "1", actor="bob")
print("champion is now v" + champion.version, champion.aliases)

# %% [markdown]
# > **At a bank.** The four-eyes rule is a change-management control. Auditors test it by trying to break it:
# > self-approval, a look-alike name, promoting an unapproved version, editing the approval tag by hand. Our
# > `promote` verifies the approver's signature against the people directory and the audit log, never a tag
# > alone, so a hand-edited tag does not get a model into production (`tests/security/test_security_identity.py`
# > tries all of these). What a bank adds: keys on smart cards or in a KMS/HSM, the people directory and its
# > roles owned by another team (the entitlement system), and the tracking server's own authentication.
#
# ## 9. A challenger that fails validation
#
# Alice tries a higher `contamination`: the forest flags more trades. Recall cannot go up much, because the
# rules already catch most anomaly types. Precision falls, and the reviewers would drown in false alerts.

# %%
v2 = train_and_log("anomaly", seed=SEED, overrides={**DATA, "contamination": 0.15}, submitter="alice",
                   registry=registry)
report2 = validate_with_recipe(registry, "trade-anomaly", v2.version.version, actor="alice")
print(report2.to_markdown())
try:
    registry.promote("trade-anomaly", v2.version.version, actor="bob")
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}")

# %% [markdown]
# ### Exercise 7.1: does a challenger pass?
#
# Write `passes_validation(challenger, champion, rules)`. Each rule is a `Threshold(metric, min_value=None,
# max_value=None, max_drop=None)`; `champion` is `None` when there is no champion yet. A challenger passes when every
# rule holds:
#
# - a rule's `min_value` and `max_value` are inclusive bounds: `min_value <= value <= max_value` passes
# - a missing or NaN metric fails its rule (it never passes by default)
# - a rule's `max_drop` compares with the champion: `champion - challenger <= max_drop` passes (inclusive, allowing
#   for float rounding)
# - without a champion, or when the champion lacks the metric, `max_drop` is skipped: only `min_value` and
#   `max_value` apply

# %%
# Exercise 7.1 — Does a challenger pass validation?
def passes_validation(challenger: dict, champion: dict | None, rules: list[Threshold]) -> bool:
    raise NotImplementedError("Exercise 7.1: replace this line with your code")


# %%
passes_validation = check.passes_validation(passes_validation)  # yours once it passes; the reference until you start
rules = DEFAULT_THRESHOLDS["trade-anomaly"]  # the rules the registry applied above
print("v2 passes your rules:", passes_validation(report2.challenger_metrics, report2.champion_metrics or None, rules),
      "| the registry said:", report2.status)

# %% [markdown]
# ## 10. Comparing runs
#
# Every run sits in the `trade-anomaly` experiment, so comparing them is a query. (The MLflow UI shows the same
# thing: run `mlflow ui --backend-store-uri sqlite:///.ibml/mlflow/mlflow.db` on your own workspace.)

# %%
v3 = train_and_log("anomaly", seed=SEED, overrides={**DATA, "n_estimators": 40}, submitter="alice",
                   registry=registry)
with quiet_mlflow():
    runs = registry.client.search_runs([run.info.experiment_id], order_by=["attributes.start_time ASC"])
table = pd.DataFrame([{"contamination": r.data.params["contamination"], "n_estimators": r.data.params["n_estimators"],
                       **{m: round(r.data.metrics[m], 3) for m in ("precision", "recall", "average_precision")}}
                      for r in runs], index=pd.Index(["v1", "v2", "v3"], name="version"))
print(table)

# %% [markdown]
# Version 3 is close to the champion. It passes validation, Bob approves it, and it goes live.

# %%
report3 = validate_with_recipe(registry, "trade-anomaly", "3", actor="alice")
print("v3 validation:", report3.status, "| checks:", [c.passed for c in report3.checks])
registry.approve("trade-anomaly", "3", approver="bob")
registry.promote("trade-anomaly", "3", actor="bob")
model, info = load_champion("trade-anomaly")
print("service would load:", type(model).__name__, "v" + info.version, "approved by", info.approved_by)

# %% [markdown]
# ## 11. A rollback drill
#
# Suppose that the morning after the release, operations report that v3 floods a desk with alerts. Rolling back
# moves `@champion` to the previous approved version. Version 2 is skipped, because it was never approved. The
# service picks the change up on its next reload (`POST /v1/admin/reload`). MLflow keeps no history of alias
# moves, so **our audit log records each one**: who moved which alias, from where to where, and why.

# %%
back = registry.rollback("trade-anomaly", actor="carol", reason="alert flood on EQ desk")
print("champion rolled back to v" + back.version)
for move in registry.alias_history("trade-anomaly"):
    print(f"{move['ts'][:16]}  @{move['alias']:<10} {str(move['from_version']):>4} -> {str(move['to_version']):<4}"
          f" by {move['actor']:<5} ({move['reason']})")
print("audit log verifies:", audit.verify().ok)

# %% [markdown]
# > **At a bank.** Rehearse the rollback before you need it: a drill in each release cycle, timed, with the
# > audit record as evidence. "Rollback" only counts as a control if the previous version is still approved,
# > still loadable (its artifact digest still matches), and the service really reloads it.
#
# ### Exercise 7.2: the rollback target
#
# Write `rollback_target(versions, current)`. Each version is a dict with `version` (a string such as `"3"`),
# `approval_status` (`"approved"` once approved), `validation_status` (`"passed"` once validated) and
# `rolled_back` (a bool). Return a version string. The check tests each requirement below, then random, unsorted
# registries.
#
# - only versions that are approved, passed validation and were not rolled back from are candidates
# - only versions earlier than `current` count: return the newest of them, or `None` when there is none
# - versions are numbers ("10" comes after "9"), and the input may be in any order

# %%
# Exercise 7.2 — Choose the rollback target
def rollback_target(versions: list[dict], current: str) -> str | None:
    raise NotImplementedError("Exercise 7.2: replace this line with your code")


# %%
rollback_target = check.rollback_target(rollback_target)  # yours once it passes; the reference until you start

# %% [markdown]
# ## 12. Reproducing a run
#
# "Could you rebuild this model?" `reproduce_run` reads the run's recipe, seed and parameters, regenerates the
# data and retrains. It then compares the training-data digest, the model digest (SHA-256 of the saved model)
# and every metric. On the command line: `ibml train --reproduce RUN_ID`. When something differs, the report
# lists recorded package versions and the git commit next to the current ones, because those are the usual
# causes.

# %%
repro = reproduce_run(v1.run_id)
print("data digest matches:", repro.data_match, "| model digest matches:", repro.model_match,
      "| metrics match:", repro.metrics_match, "| reproduced:", repro.reproduced)

# %% [markdown]
# ### Exercise 7.3: which version was champion at the time?
#
# An auditor picks a trade flagged on a given morning and asks which model decided it. MLflow only knows where
# `@champion` points *now*. Write `alias_at(moves, alias, when)` to replay the recorded alias moves (dicts with
# `ts`, `alias`, `from_version` and `to_version`) and return the version `alias` pointed at, at ISO time `when`. The
# check tests each requirement below, then random, unsorted histories with mixed UTC offsets.
#
# - replay the moves of `alias` only, in time order (the moves may be unsorted); a move to `None` deletes the alias
# - a move at exactly `when` has happened; before the first move the alias did not exist (`None`)
# - compare times, not text: `+01:00` is not UTC

# %%
# Exercise 7.3 — Which version was champion at the time?
def alias_at(moves: list[dict], alias: str, when: str) -> str | None:
    raise NotImplementedError("Exercise 7.3: replace this line with your code")


# %%
alias_at = check.alias_at(alias_at)  # yours once it passes; the reference until you start

# %%
history = registry.alias_history("trade-anomaly")
print("champion at 09:30 on 2 March:", alias_at(history, "champion", "2026-03-02T09:30:00+00:00"))

# %% [markdown]
# ## 13. The model card
#
# A model card (Mitchell et al., 2019) states what a model is for, what it was trained on, how well it works
# overall and per group, and where it fails. A model-risk function adds inventory fields: owner, risk tier,
# validation status and dates, approvals, and the next periodic review. Our card is **generated** from the run,
# the registry and the audit log, so it cannot drift from what really happened. `ibml registry card
# trade-anomaly 1` writes the Markdown and HTML versions and attaches them to the run. Below is the inventory
# table and the per-anomaly-type recall of version 1.

# %%
card_md = render_markdown(build_model_card(registry, "trade-anomaly", "1"))
sections = card_md.split("\n## ")
print(sections[0])
print("## " + next(s for s in sections if s.startswith("Metrics per segment")))

# %% [markdown]
# Read the per-type table before you sign. Which anomaly types does the detector miss on this backtest? Is that
# a limitation the card's *Limitations* section states? A reviewer signs off the limitations, not just the
# headline recall.
#
# ## 14. Packaging for a container
#
# `mlflow models build-docker -m models:/trade-anomaly@champion` builds an image that serves the champion on
# port 8080 (`POST /invocations`). It needs a Docker engine. `ibml registry package trade-anomaly --out build/`
# writes the build context instead (the Dockerfile plus the model, with its pinned requirements and its own copy
# of `reference_impl`), and records which version is inside. A CI job or the bank's image factory then builds
# and scans it. To serve locally without Docker: `mlflow models serve -m models:/trade-anomaly@champion
# --env-manager local`.
#
# > **At a bank.** The image that runs in production must be traceable to one approved registry version.
# > Record the version in the image's labels and in the release ticket, and never rebuild an image from a
# > moving alias without recording what the alias pointed at.

# %% [markdown]
# ## 15. CI/CD for model artifacts
#
# Sections 6 to 13 ran the governed chain by hand: train and register, validate, write the card, package. A bank
# runs the same chain in a pipeline on every change to the main branch, so every candidate model is built the same
# way from recorded inputs and arrives with the same evidence. The repository ships that pipeline for people who
# fork it: [`.github/workflows/ci.yml`](../.github/workflows/ci.yml), explained in
# [`docs/cicd.md`](../docs/cicd.md), with the serving image in [`Dockerfile`](../Dockerfile). The cell below reads
# the workflow file from disk and prints its triggers, jobs and steps, so what you read is what GitHub runs.

# %%
import yaml  # noqa: E402

import reference_impl  # noqa: E402

REPO = Path(reference_impl.__file__).resolve().parent.parent  # the checkout: `make venv` installs it editable
WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"
workflow_text = WORKFLOW.read_text(encoding="utf-8")
workflow = yaml.safe_load(workflow_text)
triggers = workflow[True]  # YAML 1.1 reads the bare key `on` as the boolean True
releases = dict(re.findall(r"uses: ([\w.-]+/[\w.-]+)@[0-9a-f]{40} # (v[\d.]+)", workflow_text))


def command_of(step):
    """The line of a step that does the work: the action it uses, or its main command."""
    if "uses" in step:
        action = step["uses"].split("@")[0]
        return f"uses {action} {releases[action]} (pinned by commit SHA)"
    lines = [re.sub(r"\s+(#.*|\\)$", "", line.strip()) for line in step["run"].strip().splitlines()]
    found = [m for line in lines if (m := re.match(r"(?:\w+=\S+ )*(\.venv/bin/)?(ibml .*|docker build.*|\.ci/run|make .*)", line))]
    return "run: " + (re.sub(r" [|>] .*", "", found[0][2]) if found else lines[0])


print("triggers:", ", ".join(f"{event} to {', '.join(spec['branches'])}" for event, spec in triggers.items()))
print("token permissions:", workflow["permissions"])
for job_id, job in workflow["jobs"].items():
    when = f"needs {job['needs']}; only if {job['if']}" if "needs" in job else "on every trigger"
    print(f"\njob {job_id!r}: {job['name']} ({when})")
    for number, step in enumerate(job["steps"], 1):
        print(f"  {number:>2}. {step['name']:<38} {command_of(step)}")

# %% [markdown]
# Read the `model-artifact` job stage by stage. Each stage is a command you have already met, and each can stop
# the job:
#
# | stage | command | the job stops when | by hand in this notebook |
# | --- | --- | --- | --- |
# | train | `ibml train anomaly --seed 42 --as ci-pipeline` | the recipe or the store fails. The run records lineage; the submission is signed and the version registered as `@challenger`, validation `not_validated`, approval `pending` | section 6 |
# | validate | `ibml registry validate trade-anomaly N` | a threshold fails (exit 1): the same backtest for the version and `@champion`, the same `DEFAULT_THRESHOLDS` | sections 7 and 9 |
# | model card | `ibml registry card trade-anomaly N` | the card cannot be generated from the recorded state | section 13 |
# | confirm `@challenger` | `ibml registry list trade-anomaly` | version N is not `@challenger` with validation passed and approval pending | section 6 |
# | serving image | `docker build` with the repository's `Dockerfile` | the image does not build, e.g. a hash in `requirements.lock` does not match | section 14 |
#
# Every later step uses the version number that `train` reported, never "latest" (section 4 showed why). The
# evidence (training log, validation report, model card, registry listing, audit log, the submitter's public key)
# is uploaded with the job. Two facts matter most to a reviewer, and the next cell checks both in the file: no step
# approves, promotes or rolls back, and the pipeline's only identity is a submitter.

# %%
change_control = [step["name"] for job in workflow["jobs"].values() for step in job["steps"]
                  if re.search(r"^\s*(\S*/)?ibml registry (approve|promote|rollback)\b", step.get("run", ""), re.M)]
roles = sorted({role for step in workflow["jobs"]["model-artifact"]["steps"]
                for role in re.findall(r"--role (\w+)", step.get("run", ""))})
print("steps that approve, promote or roll back:", change_control or "none")
print("roles the pipeline's identity holds:", ", ".join(roles))
print("secrets the workflow reads:", "none" if "secrets." not in workflow_text else "SOME: check them")
print("the validate stage's gate for trade-anomaly:")
for rule in DEFAULT_THRESHOLDS["trade-anomaly"]:
    print("  " + rule.describe())

# %% [markdown]
# **Where four eyes sits.** After the job, a person enrolled as `model_validator`, who is not `ci-pipeline`, reads
# the card and the validation report and then runs `ibml registry approve` and `ibml registry promote` with their
# own key (section 8). If the pipeline held a validator's key, "four eyes" would be one person plus a robot that
# signs whatever it is given. Promotion moves a pointer, so it needs no rebuild: the serving image contains code
# and locked dependencies only, and loads `@champion` from the registry when it starts.
#
# That is one of two ways to package, with different costs. Section 14's way, one image per model version
# (`ibml registry package`), makes the image itself the approved artifact: you can trace it by its label, but
# every promotion and every rollback is a new deployment. The pipeline's way, one image for the code, makes a
# rollback a pointer move taking seconds. Traceability then comes from the audit trail: each decision records the
# version that made it, and the service resolves the alias once at load time. Whichever you choose, write it down
# in the model's change-management record. The image is linted (`hadolint`) but not built here: this machine has
# no Docker engine and cannot pull images. GitHub's runner builds it.
#
# > **At a bank.** The pipeline is a *submitter*, and only that: it can propose a model and produce evidence, but it
# > can never approve one. The people directory, and the pipeline's entry in it, belong to another team. The
# > pipeline's key sits in the CI system's secret store. Its actions are pinned to commit SHAs (a tag can be moved).
# > The evidence is retained as long as the model-risk policy says. Protect `main` so that the code that trains
# > the model has been reviewed as well.

# %% [markdown]
# ## 16. Embedding a model in a JVM service
#
# The bank's core platform is often Java. It can use a Python model in two ways:
#
# 1. **Call a Python service** over HTTP (week 5's `ibml serve`; `clients/java/` is a Java 17 client written
#    against its OpenAPI contract) or through a queue (`ibml consume`).
# 2. **Embed the model** in the Java service's own process. `reference_impl/anomaly/onnx_export.py` exports the
#    anomaly forest to ONNX, a portable graph format, and ONNX Runtime's Java API (`ai.onnxruntime`: an
#    `OrtEnvironment`, one `OrtSession` per model file) scores the same file the Python parity tests check.
#
# The cell below prints, from the module itself, what the ONNX file holds and what an embedding service has to
# reproduce around it. It converts nothing and runs no ONNX code.

# %%
from reference_impl.anomaly import onnx_export  # noqa: E402

print("files in an exported model directory:", ", ".join(
    [onnx_export.ONNX_FILE, onnx_export.ONNX_DIGEST_FILE, onnx_export.ONNX_SEAL_FILE, onnx_export.ONNX_METADATA_FILE]))
print("operator sets:", ", ".join(f"{domain or 'ai.onnx'} {version}" for domain, version in onnx_export.TARGET_OPSET.items()))
print("input:", onnx_export.INPUT_NAME, "(float32 matrix, one row per trade, NaN imputed with the training medians)")
print("output:", onnx_export.SCORE_FORMULA)
print("the seal is checked with purpose", repr(onnx_export.ONNX_SEAL_PURPOSE), "before the graph is loaded")

# %% [markdown]
# The graph holds only the forest. Everything else the service does around the model stays in Python: the trade
# features (rolling statistics from the online store), the rules, the SHAP reason codes, the fallback, the audit
# record, the micro-batching.
#
# **What the numbers say.** These figures come from [`docs/embedding.md`](../docs/embedding.md)
# (`python benchmarks/bench_onnx.py`, 100 trees, one thread, a loaded 2-core machine: compare the ratios):
# - One row through the *folded* graph (`ibml anomaly export-onnx OUT --graph folded`: one tree-ensemble node and
#   five arithmetic nodes) takes about 13 µs. A call to the scoring service takes 8–10 ms at p50 over loopback, and
#   about 1 ms of that is the model, rules and reason codes. In-process, the model call is almost free.
# - The standard converter's graph (skl2onnx, 2,710 nodes for 100 trees) takes 4–5 ms per row, because onnxruntime
#   pays a cost for every node. ONNX is a format, not a speed-up: time the exact file you would embed.
# - At 100,000 rows the folded graph runs at 0.8–1.0 times scikit-learn's speed. A JVM batch job gains nothing in
#   speed from embedding. It may still gain by not shipping the data to Python.
# - Parity on 10,000 trades: max |Δ score| about 2e-7 for both graphs (the test allows 1e-6), and not one of the
#   10,000 flags differs.
# - The JVM's own per-call cost (JNI, copying the input) was not measured: the ONNX Runtime jar comes from Maven
#   Central, which this machine cannot reach. The platform team measures it with the same file.
#
# **Embed** when the call itself is the problem:
# - a latency budget of microseconds to a millisecond inside a request path, such as a pre-trade check or a limit
#   check in the order flow, where one network hop and JSON encoding cost more than scoring does;
# - data movement: a JVM batch or stream job (Spark on the JVM, Flink) that should not ship millions of rows to
#   another service. The gain is in not moving data and in one fewer dependency, not in scoring speed (see above);
# - availability: no second service that can be down, and no fallback path for when it is;
# - operations: the platform team will run a JVM service but not a Python one.
#
# **Call the service** when what surrounds the model matters more, which is the usual case for this course's
# models:
# - the features must be computed in exactly one place. An embedding service has to reimplement them in Java (or
#   receive them precomputed), and a feature computed differently in training and serving is silent skew. Put a
#   parity test on the features, not only on the score;
# - reason codes, rules, fallbacks and the audit trail come with the Python service and would have to be rebuilt
#   in every embedding;
# - model releases: with a service, promotion moves `@champion` and one service reloads. With embedding, every JVM
#   service that loads the file must pick up the new version, verify its digest and seal, and record which version
#   made each decision. The model inventory must list every place the model runs;
# - the ONNX file is a model artifact, not a library. It is validated, approved and sealed like the pickle, and
#   the parity test (scores within 1e-6 of the fast scorer, identical decisions on 10,000 rows) must run on the
#   exported file before it is approved.
#
# A common hybrid: the JVM embeds the folded graph as a **pre-screen** and sends only the trades it would flag, or
# the borderline ones, to the service. The service decides them with rules, reasons and an audit record. The
# embedded score is never the record; the service's decision is.
#
# > **At a bank.** Embedding moves the model into another team's release cycle and another team's audit trail.
# > Agree in writing who owns the score parity test, who verifies the seal before loading, and who answers
# > "which model version decided this?" for the embedded copy.

# %% [markdown]
# ## Check your understanding
#
# Try each question before you look; the answers are in [`docs/answers.md`](../docs/answers.md#week-7).
#
# 1. In an MLflow run, what belongs in params, in metrics, in artifacts and in tags? In Exercise 7.4, why call `mlflow.set_tracking_uri` and give the experiment its own artifact location, and where would the run and its files have gone otherwise?
# 2. Why log a model with a signature and an input example, and why build the signature from the inputs *and* the model's predictions? What does MLflow's generic scoring server do with a column it does not know, and why does our own service answer 422 instead?
# 3. Why does the course pass explicit `pip_requirements` to `log_model` and set `MLFLOW_DISABLE_TELEMETRY=true`? What needs care when an `IsolationForest` is saved in MLflow's default skops format?
# 4. What do `models:/trade-anomaly/3`, `models:/trade-anomaly@champion` and `models:/trade-anomaly/latest` load? Why must a service never load "latest", and why does `load_champion` resolve the alias once and then load that version number?
# 5. Which `reference_impl.lifecycle` functions make the calls you wrote in Exercises 7.4–7.6, and what does each add that a reviewer needs?
# 6. A challenger is validated against the champion. Why must both be scored on the same backtest, and what are the two kinds of rule in a validation threshold?
# 7. Alice submits a model and tries to approve it herself: what does the registry do, and why does `promote` verify signed approvals rather than trust an approval tag? Later `@champion` is on v3, v2 was never approved and v1 is approved and validated: where does a rollback go, and what has to hold for it to count as a control?
# 8. MLflow only knows where an alias points now. How does the course answer "which version was champion when this trade was flagged?", and why must times be compared as instants rather than as text?

# %% [markdown]
# ## Summary
#
# - A run lives in a tracking store and an experiment you choose explicitly (`set_tracking_uri`,
#   `set_experiment`, an artifact location of its own); `with mlflow.start_run()` ends it as `FINISHED` or
#   `FAILED`. Parameters are what you chose, metrics what you measured, artifacts files, tags facts.
# - Log a model with `name=`, a signature built from inputs and predictions, an input example and explicit
#   `pip_requirements`; turn telemetry off. `registered_model_name=` makes the next version.
# - Aliases are movable names for versions: `@challenger` for the candidate, `@champion` for what the service
#   loads. Load `models:/<name>@<alias>` or the version the alias resolved to, never "latest". Promotion and
#   rollback move a pointer.
# - `reference_impl.lifecycle` makes the same calls and adds lineage tags, digests, signed submissions and
#   approvals, and an audit record of every alias move.
# - Validation compares the challenger with the champion on the same backtest, using floors and maximum drops.
#   A failed report is kept as evidence.
# - Four eyes: the approver must not be the submitter. Refusals are recorded too.
# - MLflow keeps no alias history. Our hash-chained audit log records every move, which answers "which model
#   decided this?"
# - Reproduce runs from lineage. The model card is generated from recorded state, never written by hand.
# - A CI/CD pipeline runs the same chain on every merge: train, validate (the same gate), model card,
#   `@challenger`, serving image, evidence. It is a submitter only; approval and promotion stay a four-eyes step
#   outside it.
# - Embed the ONNX graph in a JVM service when the network hop or a second service is the problem. Call the
#   Python service when features, reason codes, fallbacks and the audit trail must live in one place.
#
# **Previous:** [Week 6: testing ML services](week06_testing_ml_services.ipynb).
# **Next:** [Week 8: deployment, monitoring and governance](week08_monitoring_governance.ipynb).
