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
# leaves evidence that a model-risk reviewer can check. This week you build that chain with MLflow and our
# `reference_impl.lifecycle` package.
#
# **Objectives.** By the end of this notebook you can:
# 1. track a training run with its parameters, metrics, plots and lineage (data digest, seed, git commit,
#    package and feature-view versions), and compare runs;
# 2. register a model and move the `@challenger` and `@champion` aliases;
# 3. validate a challenger against the champion on the same backtest, and read a failed report (Exercise 7.1);
# 4. enforce four-eyes approval and see the audit log record every alias move;
# 5. run a rollback drill and choose the rollback target (Exercise 7.2);
# 6. reproduce a run from its lineage, and answer "which model was champion on Tuesday?" (Exercise 7.3);
# 7. read the model card a reviewer signs off.
#
# **Prerequisites.** Weeks 3 and 4 (trade features, the anomaly detector and its time-based backtest) and week 5
# (the scoring service, which loads `@champion`).
# **Time.** About 3 hours, plus 2 hours of exercises.
#
# **Exercises.** Each exercise cell still calls `reference.<name>(...)`. Delete that line, write your own code,
# and run the check cell below it. It prints `Exercise 7.N passed (k/k cases)`, or raises with the case that
# failed and a hint.

# %%
# Setup: a private, temporary MLflow store; telemetry off; a fixed clock so the printed audit trail is stable.
import datetime as dt
import itertools
import os
import tempfile
import warnings
from pathlib import Path

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"  # before MLflow is imported: no network look-ups
os.environ["IBML_HOME"] = tempfile.mkdtemp(prefix="ibml-week07-")  # never the learner's own workspace
os.environ.pop("IBML_MLFLOW_TRACKING_URI", None)

warnings.filterwarnings("ignore", category=FutureWarning)  # keep teaching output free of library notices
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm, imported by shap, in a plain kernel

import pandas as pd

from reference_impl.exercises.week07 import Threshold, check, reference
from reference_impl.governance import AuditLog
from reference_impl.lifecycle import (
    CHAMPION,
    ModelRegistry,
    build_model_card,
    load_champion,
    quiet_mlflow,
    render_markdown,
    reproduce_run,
    train_and_log,
)
from reference_impl.lifecycle.identity import enrol_simulated_people
from reference_impl.lifecycle.training import validate_with_recipe
from reference_impl.workspace import Workspace

pd.set_option("display.width", 120)

SEED = 11
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
# ## 1. A tracked training run
#
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
# Two MLflow defaults need care. Requirement inference imports your environment to guess dependencies, which
# costs seconds per model and is not reproducible, so we pass explicit `pip_requirements`. Telemetry makes
# network calls, so we disable it. The store is a SQLite file in the workspace. A team shares one MLflow server
# on PostgreSQL instead (`ibml mlflow-server`).

# %%
v1 = train_and_log("anomaly", seed=SEED, overrides=DATA, submitter="alice", registry=registry)
run = registry.client.get_run(v1.run_id)
print("params:", {k: run.data.params[k] for k in sorted(DATA) + ["seed"]})
print("backtest:", {k: round(v, 3) for k, v in sorted(v1.metrics.items()) if "." not in k and k != "n_backtest"})
print("lineage tags:", sorted(k for k in run.data.tags if k.startswith("ibml.") and "package" not in k))
for ds in run.inputs.dataset_inputs:
    print(f"dataset {ds.dataset.name}: digest {ds.dataset.digest}, rows {ds.dataset.profile}")

# %% [markdown]
# The model was **registered** as version 1 of `trade-anomaly`, and the `@challenger` alias points at it. An
# alias is a movable name for a version. The service never loads "version 7"; it loads `models:/trade-anomaly@champion`,
# so promotion and rollback are pointer moves that need no redeploy.

# %%
print(v1.version.name, "v" + v1.version.version, "aliases:", v1.version.aliases,
      "| validation:", v1.version.validation_status, "| approval:", v1.version.approval_status)

# %% [markdown]
# ## 2. Validation: the same backtest for challenger and champion
#
# A validation report scores the challenger **and the current champion** on the same time-based backtest, then
# applies the thresholds in `DEFAULT_THRESHOLDS`: absolute floors, plus a maximum drop against the champion.
# Comparing a challenger's fresh score with a champion's months-old score would compare two datasets, not two
# models. Version 1 has no champion to beat, so only the floors apply.

# %%
report = validate_with_recipe(registry, "trade-anomaly", "1", actor="alice")
print(report.to_markdown())

# %% [markdown]
# ## 3. Four eyes
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
# ## 4. A challenger that fails validation
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
# - without a champion, or when the champion lacks the metric, only the floor applies

# %%
# Exercise 7.1 — Does a challenger pass validation?
def passes_validation(challenger: dict, champion: dict | None, rules: list[Threshold]) -> bool:
    return reference.passes_validation(challenger, champion, rules)  # delete this line and write your own


# %%
check.passes_validation(passes_validation)

# %% [markdown]
# ## 5. Comparing runs
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
# ## 6. A rollback drill
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
# `approval_status`, `validation_status` and `rolled_back`. The check tests each requirement below, then random,
# unsorted registries.
#
# - only versions that are approved, passed validation and were not rolled back from are candidates
# - only versions earlier than `current` count: return the newest of them, or `None` when there is none
# - versions are numbers ("10" comes after "9"), and the input may be in any order

# %%
# Exercise 7.2 — Choose the rollback target
def rollback_target(versions: list[dict], current: str) -> str | None:
    return reference.rollback_target(versions, current)  # delete this line and write your own


# %%
check.rollback_target(rollback_target)

# %% [markdown]
# ## 7. Reproducing a run
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
    return reference.alias_at(moves, alias, when)  # delete this line and write your own


# %%
check.alias_at(alias_at)
history = registry.alias_history("trade-anomaly")
print("champion at 09:30 on 2 March:", alias_at(history, "champion", "2026-03-02T09:30:00+00:00"))

# %% [markdown]
# ## 8. The model card
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
# ## 9. Packaging for a container
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
#
# ## Summary
#
# - A tracked run records parameters, metrics, plots, data lineage (`mlflow.data` digest and source), seed,
#   git commit, package and feature-view versions. Pass explicit `pip_requirements` and turn telemetry off.
# - Register versions, then use aliases: `@challenger` for the candidate and `@champion` for what the service
#   loads. Promotion and rollback move a pointer.
# - Validation compares the challenger with the champion on the same backtest, using floors and maximum drops.
#   A failed report is kept as evidence.
# - Four eyes: the approver must not be the submitter. Refusals are recorded too.
# - MLflow keeps no alias history. Our hash-chained audit log records every move, which answers "which model
#   decided this?"
# - Reproduce runs from lineage. The model card is generated from recorded state, never written by hand.
#
# **Previous:** [Week 6: testing ML services](week06_testing_ml_services.ipynb).
# **Next:** [Week 8: deployment, monitoring and governance](week08_monitoring_governance.ipynb).
