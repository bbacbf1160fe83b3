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
# # Appendix: batch re-scoring at scale on Apache Spark
#
# Real-time scoring handles one trade at a time. Every morning the bank also re-scores **the whole previous
# day** in batch: for the surveillance team's daily report, for a new champion's shadow run, for a regulator's
# question about last Tuesday. At a few million trades a day, one machine is enough; at hundreds of millions,
# or across years of history, the same job runs on a Spark cluster. This appendix shows how the course's
# feature functions and registered model run unchanged on both engines, and when Spark is worth its cost.
# It is optional: nothing in weeks 1 to 8 depends on it.
#
# **Objectives.** By the end of this notebook you can:
# 1. explain why a batch job written twice (pandas and Spark SQL) drifts, and how `ibml batch score` avoids it;
# 2. run the same day's re-score on the pandas engine and on Spark `local[2]`, and show the decisions are identical;
# 3. read the audit record a batch run leaves (model version, rule-set version, rows, flags);
# 4. say, from measurements, where Spark starts to pay off on two cores and what changes on a cluster.
#
# **Prerequisites.** Week 3 (point-in-time features), week 7 (the registry, `@champion`, approvals) and
# week 8 section 7 (the audit log). It needs `pyspark` (in the `spark` extra, which `make venv` installs from
# the lock) and a Java 17 or 21 runtime on the machine (`JAVA_HOME` or `java` on the `PATH`); the setup cell says
# so in one line when Java is missing. `docs/spark.md` covers a cluster.
# **Time.** About 45 minutes; no exercises.

# %%
# NBVAL_IGNORE_OUTPUT: library and JVM versions differ between installs; they are shown for bug reports only.
import sys

import pandas as pd
import pyspark

from reference_impl.batch.spark_session import check_java

check_java()  # one clear line (ConfigError) here, rather than a JVM stack trace later, when Java is missing
print(f"python {sys.version.split()[0]} | pandas {pd.__version__} | pyspark {pyspark.__version__} | java found")

# %% [markdown]
# ## 1. One job, two engines
#
# The trap is to write the job twice — once in pandas, once in Spark SQL — and watch the two drift apart
# (training/serving skew, batch edition). `ibml batch score` avoids it:
#
# * **features** — Spark runs the *same* pure pandas functions from `reference_impl.features`, one call per
#   **desk**, through `groupBy("desk").cogroup(...).applyInPandas(...)`. A desk holds whole traders and whole
#   (book, counterparty) pairs, so every rolling window sees exactly the trades it would see in pandas;
# * **history** — rolling windows reach back 7 days, so the job reads the partitions D-7 … D, computes, and
#   keeps day D. The (book, counterparty) count reaches back over *all* history: it comes from the
#   `counterparty_pair` feature history through the feature layer's own point-in-time join;
# * **model** — the registered `@champion`, its artifact checked against the digest recorded at registration
#   before it is unpickled: in-process for pandas, shipped to the workers in a pandas UDF for Spark. Same bytes,
#   same decisions.

# %%
# Setup for this section: a tiny workspace of its own (10 days of trades), the date-partitioned trade store
# and a champion trained, validated, approved by a second person and promoted through the real registry.
import tempfile
import warnings
from pathlib import Path

import pandas as pd

from reference_impl.batch import read_decisions, run_batch, spark_session
from reference_impl.batch.demo import build_batch_demo
from reference_impl.governance import AuditLog
from reference_impl.workspace import Workspace

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm, imported by shap, in a plain kernel

SCALE_SEED = 7
SCALE_TRADES = 1_500          # ten days of trades: enough for a full week of look-back, small enough for seconds
SCALE_DAYS = 10

scale_dir = Path(tempfile.mkdtemp(prefix="ibml-appendix-spark-"))
scale_ws = Workspace(scale_dir / "ibml-home")
scale = build_batch_demo(scale_ws, n_trades=SCALE_TRADES, n_days=SCALE_DAYS, seed=SCALE_SEED)
SCALE_DAY = scale.busiest_day
print(f"{scale.ingest.rows:,} trade events in {scale.ingest.days} daily partitions "
      f"({scale.ingest.first_day} .. {scale.ingest.last_day})")
print(f"champion: trade-anomaly v{scale.model_version}; scoring {SCALE_DAY}")

# %% [markdown]
# ## 2. The pandas engine
#
# One process, whole frames. This is the reference: on one machine it is also the fastest way to score
# up to tens of millions of trades a day.

# %%
by_pandas = run_batch(SCALE_DAY, engine="pandas", workspace=scale_ws)
pandas_decisions = read_decisions(by_pandas.output)
print(f"{by_pandas.rows} trades scored, {by_pandas.flagged} flagged; files: {', '.join(by_pandas.files)}")
print(pandas_decisions.loc[pandas_decisions["flagged"], ["trade_id", "desk", "score", "reason_codes"]]
      .head(5).round({"score": 4}).to_string(index=False))

# %% [markdown]
# ## 3. The Spark engine, on two local cores
#
# `local[2]` runs Spark inside this machine with no network and no cluster: the same code then runs on a
# cluster with `--master spark://HOST:7077` (see `docs/spark.md`). The session is started and stopped in
# this cell; the JVM's own start-up notices go to a log file instead of the notebook.

# %%
with spark_session("local[2]", app_name="ibml-appendix-spark", jvm_log=scale_dir / "spark-jvm.log") as spark:
    by_spark = run_batch(SCALE_DAY, engine="spark", workspace=scale_ws, spark=spark)
spark_decisions = read_decisions(by_spark.output)
print(f"{by_spark.rows} trades scored on {by_spark.master}, {by_spark.flagged} flagged")
print("same trades:        ", spark_decisions["trade_id"].tolist() == pandas_decisions["trade_id"].tolist())
print("same flags:         ", spark_decisions["flagged"].tolist() == pandas_decisions["flagged"].tolist())
print("same reason codes:  ", spark_decisions["reason_codes"].tolist() == pandas_decisions["reason_codes"].tolist())
print("largest score gap:  ", float((spark_decisions["score"] - pandas_decisions["score"]).abs().max()))

# %% [markdown]
# > **At a bank.** A batch re-score is evidence, so it is controlled like one. Each decision row carries the
# > model name, the registry **version** (the alias is resolved once and pinned, so a promotion during the
# > run cannot mix versions) and the **rule-set version**. Output is written to a temporary directory and
# > renamed into place only after the run is recorded in the hash-chained audit log: a crash leaves nothing
# > half-written, and a missing day, an unknown alias or an unreachable cluster fail in one line before any
# > work starts.

# %%
scale_runs = [rec for rec in AuditLog(scale_ws.audit_log).records() if rec["event_type"] == "batch.scored"]
for rec in scale_runs:
    run = rec["payload"]
    print(f"seq {rec['seq']}: {run['date']} engine={run['engine']:<6} model v{run['model']['version']} "
          f"rules {run['model']['ruleset_version']} rows={run['output']['rows']} flagged={run['output']['flagged']}")
print("audit chain intact:", AuditLog(scale_ws.audit_log).verify().ok)

# %% [markdown]
# ## 4. When is Spark worth it?
#
# On a day this small Spark is much *slower* than pandas: every row crosses from the JVM to Python workers and
# back as Arrow batches, each group and each task has a fixed start-up cost, and the session itself takes
# seconds to start. Those costs are fixed, and the second core is not: on two local cores, counting every run
# cold, pandas was 1.36× faster at a million trades a day and Spark 1.34× faster at ten million (295 s against
# 395 s), at a 19.3 GiB memory peak against 12.1 GiB. On a cluster the model step, the bulk of the per-row cost,
# splits across every executor core. `benchmarks/bench_batch.py` measures both engines; `docs/spark.md` explains
# where the crossover lies (about two million trades a day here) and why.

# %% [markdown]
# ## Summary
#
# - Batch re-scoring runs the same feature functions and the same registered model on pandas or on Spark
#   (`ibml batch score --engine pandas|spark`); identical decisions are a tested property, not a hope.
# - Spark runs the pandas feature code per desk (`cogroup(...).applyInPandas`), so every rolling window sees the
#   trades it would see in pandas; the model is the digest-checked `@champion`, pinned to one version per run.
# - A batch run is evidence: decisions carry model and rule-set versions, output appears only after the run is
#   in the audit log, and a missing day or an unreachable cluster fails in one line before any work starts.
# - On one machine pandas wins up to a few million trades a day; Spark's fixed costs pay off only at larger
#   volumes or on a cluster (`benchmarks/bench_batch.py`, `docs/spark.md`).
#
# **Previous:** [Week 8: deployment, monitoring and governance](week08_monitoring_governance.ipynb).
# **Next:** back to the course overview in [`README.md`](../README.md), or extend `ibml batch score` with a
# second model and compare the two engines' decisions on it.
