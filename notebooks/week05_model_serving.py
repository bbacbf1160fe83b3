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
# # Week 5: serving a model behind a controlled API
#
# A model becomes useful when another system can call it — and risky at the same moment. The trade-capture
# platform will send every booking to our anomaly detector; operations will act on its flags; audit will ask,
# months later, why trade T000123 was (or was not) flagged. This week wraps the week 3–4 detector in a FastAPI
# service with the controls a bank expects around it.
#
# **Objectives.** By the end of this notebook you can:
# 1. build a FastAPI app with an app factory, a lifespan that loads models, and versioned routes (`/v1/...`);
# 2. write a strict request contract and read the 422 it returns (unknown fields rejected, tz-aware timestamps);
# 3. return inference metadata with every answer: request id, model and rule-set versions, latency, fallback;
# 4. protect routes with hashed API keys and roles, and tell 401 from 403 (Exercise 5.2);
# 5. keep answering when the model is missing, broken or slow: a latency budget and a rules-only fallback (Exercise 5.3);
# 6. write every decision to a hash-chained, fsync'd audit log with pseudonymised identifiers, and verify it (Exercise 5.4);
# 7. run the same app under a real uvicorn server, call it over HTTP and stop it.
#
# **Prerequisites.** [Week 3](week03_feature_engineering.ipynb) (online features) and [Week 4](week04_evaluation.ipynb)
# (the detector, its threshold and reason codes). Basic HTTP (status codes, headers, JSON).
# **Time.** About 3 hours, plus 2 hours of exercises.
#
# **Exercises.** Each exercise cell still calls `reference.<name>(...)`. Delete that line, write your own code, and run
# the check cell below it. It prints `Exercise 5.N passed (k/k cases)`, or raises with the case that failed and a hint.

# %%
# Setup: a private workspace with a small real deployment (data, online store, a trained detector, API keys).
import json
import logging
import os
import tempfile
import warnings

import httpx

warnings.filterwarnings("ignore", category=FutureWarning)  # keep teaching output free of library notices
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm's notice when shap is imported in Jupyter
os.environ["IBML_HOME"] = tempfile.mkdtemp(prefix="ibml-week05-")  # never the learner's own workspace
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
logging.getLogger("reference_impl").setLevel(logging.ERROR)  # the service's own warnings are shown as data below

import fastapi  # noqa: E402
import pydantic  # noqa: E402

from reference_impl.exercises.week05 import check, reference  # noqa: E402
from reference_impl.governance import AuditLog  # noqa: E402
from reference_impl.serving import ServiceSettings, create_app  # noqa: E402
from reference_impl.serving.demo import build_demo_deployment  # noqa: E402
from reference_impl.serving.models import LoadedModel, loaded  # noqa: E402
from reference_impl.serving.testing import ServerProcess, test_client  # noqa: E402
from reference_impl.serving.trades import TradesProviders, TradesRoom, TradesState  # noqa: E402

SEED = 7
settings = ServiceSettings(latency_budget_ms=2_000)  # IBML_* variables, read once, here
deployment = build_demo_deployment(settings, n_trades=1_500, n_events=30, seed=SEED, with_kyc=False)
KEYS = deployment.keys  # one key per role; printed nowhere (a key in a notebook output is a leaked key)
EVENT = deployment.events[0]
print(f"fastapi {fastapi.__version__}, pydantic {pydantic.VERSION}")
print(f"{len(deployment.events)} trade events to score; roles with keys: {sorted(KEYS)}")

# %% [markdown]
# ## 1. An app factory, a lifespan, versioned routes
#
# `create_app(settings)` builds the app and does nothing else: no file is opened and no model loaded at import
# time, so a test can build ten apps with ten configurations. Models load in the **lifespan** (on startup), from
# the MLflow registry's `@champion` or from a file in the workspace; a failure there does not stop the service —
# it starts *degraded* and `/readyz` says why. Routes carry a version (`/v1/trades/score`): a breaking change
# becomes `/v2`, and callers move when they are ready.
#
# `TestClient` runs the app in-process (lifespan included) — the fastest way to exercise it.

# %%
app = create_app(settings)
client = test_client(app).__enter__()  # closed at the end of the notebook
print("routes:", sorted(app.openapi()["paths"]))
ready = client.get("/readyz")
print("readyz:", ready.status_code, ready.json()["checks"])

# %% [markdown]
# The KYC classifier was not trained in this notebook, so the service is *not ready* — yet it still scores trades.
# Readiness is for the load balancer ("send me traffic?"), liveness (`/healthz`) for the orchestrator ("restart me?").

# %% [markdown]
# ## 2. The contract: strict, and loud when violated
#
# The request body is a pydantic model with `extra="forbid"`. MLflow's generic scoring server, given a model
# signature, raises when a required input is missing but drops a column it does not know without a word: a
# misspelt optional field (`notional_usdd`) is simply ignored. We answer **422** and name the field instead.
# Timestamps are RFC 3339 text with an offset, between 2000 and 2100 UTC: a naive time, an epoch number (seconds?
# milliseconds?) or a year that would overflow the pipeline's nanosecond clock is a 422 for that request alone.

# %%
h_scorer = {"X-API-Key": KEYS["scorer"]}


def show_422(body):
    r = client.post("/v1/trades/score", json=body, headers=h_scorer)
    for e in r.json()["detail"]:
        print(f"  {r.status_code} {'.'.join(map(str, e['loc']))}: {e['msg']}")


show_422({**EVENT, "quantty": 5})                          # misspelt field
show_422({**EVENT, "exec_ts": "2026-03-02T10:15:00"})      # naive timestamp: which time zone?
show_422({**EVENT, "quantity": -100, "currency": "XYZ"})  # two errors, both reported
show_422({**EVENT, "exec_ts": 1772446500})                 # epoch seconds? milliseconds? refused
show_422({**EVENT, "exec_ts": "0001-01-01T00:00:00+01:00"})  # outside the documented range

# %% [markdown]
# > **At a bank.** The contract *is* the interface control: it goes in the change ticket, the OpenAPI schema is
# > generated from it (`/openapi.json`, with examples), and contract tests (week 6) fail the build when it changes.

# %% [markdown]
# ## 3. Inference metadata in every answer
#
# Each answer carries what an auditor needs to reproduce it: the request id (ours, or the caller's `X-Request-ID`),
# model and rule-set versions, the features used, the score and threshold, at most four reason codes, the latency
# and whether a fallback answered.

# %%
r = client.post("/v1/trades/score", json=EVENT, headers={**h_scorer, "X-Request-ID": "wk5-demo-1"})
body = r.json()
meta = {k: v for k, v in body["metadata"].items() if k != "latency_ms"}  # latency differs run to run
print(json.dumps(meta, indent=1))
res = body["result"]
print(f"trade {res['trade_id']}: score {res['score']:.3f} vs threshold {res['threshold']:.3f} -> {res['decision']}, "
      f"online features: {res['online_features']}, {len(res['features_used'])} features used")

# %%
# A fat-finger version of the same trade: quantity x1000.
fat = {**EVENT, "trade_id": "WK5-FAT", "quantity": EVENT["quantity"] * 1000, "notional_usd": EVENT["notional_usd"] * 1000}
res = client.post("/v1/trades/score", json=fat, headers=h_scorer).json()["result"]
print(f"trade {res['trade_id']}: score {res['score']:.3f} -> {res['decision']}")
for reason in res["reasons"]:
    print(f"  [{reason['source']:>5}] {reason['code']}: {reason['text']}")

# %% [markdown]
# The caller's own numbers are claims, not facts. The service recomputes the USD notional from quantity, price and
# the instrument's currency; a caller-supplied `notional_usd` that disagrees by more than 5 %, or a currency that is
# not the instrument's, is itself a reason to flag. Here the fat-finger arrives with the *old* notional written in:

# %%
hidden = {**fat, "trade_id": "WK5-FAT-HIDDEN", "notional_usd": EVENT["notional_usd"]}
res = client.post("/v1/trades/score", json=hidden, headers=h_scorer).json()["result"]
print(f"trade {res['trade_id']}: {res['decision']}, reasons {[r['code'] for r in res['reasons']]}")

# %% [markdown]
# ### Exercise 5.1 — a request id you can trust
#
# Echo the caller's `X-Request-ID` so they can find their call in our logs, but only when it is safe: a newline would
# let a caller forge a log line. The check tests each requirement below, then random headers of 1 to 200 characters.
#
# - echo the caller's id when it is a safe token: `[A-Za-z0-9._:-]`, 1 to 128 characters
# - anything else (missing, empty, too long, spaces, a newline or any other character) gets a fresh
#   `uuid.uuid4().hex`
# - every fresh id is new: two requests without a header get different ids

# %%
# Exercise 5.1 — resolve the request id
def resolve_request_id(header):
    return reference.resolve_request_id(header)  # delete this line and write your own


check.resolve_request_id(resolve_request_id)

# %% [markdown]
# ## 4. Access control: hashed keys and roles
#
# `ibml apikey create --role scorer` prints a key once and stores only a keyed hash of it (HMAC-SHA256 with a
# secret kept beside the store, 0600: a stolen key file alone cannot be checked offline; 32 random bytes need no
# slow hash, passwords would). `ibml apikey list` shows ids and roles, never hashes; `ibml apikey revoke KEY_ID`
# removes a key, effective at the next `POST /v1/admin/reload`; every failed authentication is logged (never the
# key). Roles follow least privilege: `scorer` scores, `reviewer` works the KYC queue, `auditor` reads models,
# metrics and dashboards, `admin` reloads models and may call the read and scoring routes, but does not claim or
# decide KYC cases (a reviewer does). **401** means "who are you?" (no key, unknown key); **403** means "I know you,
# and you may not".

# %%
calls = [("POST", "/v1/trades/score", EVENT), ("GET", "/v1/models", None), ("POST", "/v1/admin/reload", None)]
print(f"{'':<28}" + "".join(f"{who:>10}" for who in ("no key", "scorer", "auditor", "admin")))
for method, path, payload in calls:
    row = []
    for who in ("no key", "scorer", "auditor", "admin"):
        headers = {} if who == "no key" else {"X-API-Key": KEYS[who]}
        row.append(client.request(method, path, json=payload, headers=headers).status_code)
    print(f"{method + ' ' + path:<28}" + "".join(f"{s:>10}" for s in row))

# %% [markdown]
# ### Exercise 5.2 — 401 or 403?
#
# Write `status_for(key_present, key_valid, role, allowed)`. The check tests each requirement below, then random
# callers.
#
# - no key, or an unknown key, is 401, whatever role it claims (never reveal whether a key exists)
# - a known key whose role is not allowed is 403
# - a known key whose role is allowed, or is `admin`, is 200

# %%
# Exercise 5.2 — the status of an access check
def status_for(key_present, key_valid, role, allowed):
    return reference.status_for(key_present, key_valid, role, allowed)  # delete this line and write your own


check.status_for(status_for)

# %% [markdown]
# ## 5. Timeouts and fallbacks: the model is optional, the answer is not
#
# The rules (week 4) can decide on their own. So when the model is missing, raises, or takes longer than its
# latency budget, the service answers with the **rules-only** decision and says so (`fallback_used`, with the
# reason). Only when nothing can decide does it answer 503 — never 500 for a failure it can degrade from. Below,
# the same detector is wrapped to be slow, then to be absent.

# %%
detector = app.state.services.room("trades", TradesState).trade_model.obj


class SlowDetector:
    """The real detector, made slow on purpose (a GC pause, a cold cache, a noisy neighbour)."""

    def __getattr__(self, name):
        return getattr(detector, name)

    def decide(self, features):
        import time

        time.sleep(1.0)
        return detector.decide(features)


def app_with(trade_model, budget_ms):
    room = TradesRoom(TradesProviders(trade_model=lambda s: trade_model))  # the trade room alone, with this model
    return create_app(settings.model_copy(update={"latency_budget_ms": budget_ms}), rooms=[room])


missing = LoadedModel(name="trade-anomaly", obj=None, status="missing", source="none", detail="no artifact")
for label, model, budget in [("slow model, 100 ms budget", loaded("trade-anomaly", SlowDetector(), "demo"), 100),
                             ("no model at all", missing, 100)]:
    with test_client(app_with(model, budget)) as c:
        m = c.post("/v1/trades/score", json=EVENT, headers=h_scorer).json()["metadata"]
        print(f"{label:<28} fallback_used={m['fallback_used']} reason={m['fallback_reason']} "
              f"model_version={m['model_version']}")

# %% [markdown]
# > **At a bank.** A fallback is a *documented* operating mode, not an accident: the rules-only decision path is
# > approved with the model, its rate is a monitored metric (`ibml_fallbacks_total`), and a sustained rise pages
# > someone. An unexplained 500 is an incident; a counted fallback is a Tuesday.

# %% [markdown]
# ### Exercise 5.3 — decide within a budget
#
# Write `decide_with_fallback(model, rules, budget_s)` returning `(decision, fallback_reason)`. Run the model on a
# thread (`concurrent.futures`). The check measures how long your function takes with a hung model.
#
# - return `(decision, None)` when the model answers within `budget_s`
# - `model is None` gives `(rules(), "model_missing")` without calling anything
# - a model that raises gives `(rules(), "model_error")`
# - a model slower than `budget_s` gives `(rules(), "model_timeout")`, and you return within the budget: do not wait
#   for the hung call

# %%
# Exercise 5.3 — the fallback
def decide_with_fallback(model, rules, budget_s):
    return reference.decide_with_fallback(model, rules, budget_s)  # delete this line and write your own


check.decide_with_fallback(decide_with_fallback)

# %% [markdown]
# ## 6. The audit trail: every decision, fsync'd and hash-chained
#
# Before a decision is returned it is appended to the audit log in the workspace — inputs, outputs, versions, caller,
# timestamps — and flushed to disk (`fsync`), so an acknowledged decision survives a crash one instant later (the
# test suite SIGKILLs a real server to prove it). If the write fails, the request fails (503): no unaudited decision.
# Client, counterparty and trader identifiers are pseudonymised with a keyed hash (HMAC-SHA256) first; the key lives
# in the workspace, never in a log. Each record carries the hash of the previous one. A chain alone does not stop an
# insider who rewrites a record *and* recomputes every later hash: for that, `ibml audit checkpoint` signs the chain's
# head with a key kept outside the workspace (`IBML_AUDIT_ANCHOR_KEY_FILE`) into a second location, and `ibml audit
# verify` checks the log against those checkpoints. A write cut short by a full disk is taken back at once, `/readyz`
# reports the audit sink as down, and the service recovers by itself when space returns (`ibml audit repair` is the
# manual tool). README's "The audit trail" says what a bank adds: WORM storage, a KMS-held key, another team
# holding the checkpoints.

# %%
log = AuditLog(settings.workspace.audit_log)
record = next(r for r in log.records() if r["payload"]["request_id"] == "wk5-demo-1")
p = record["payload"]
print("event:", record["event_type"], "| actor role:", p["caller"]["role"], "| seq:", record["seq"])
print("counterparty in the log:", p["input"]["counterparty_id"][:3] + "…",
      f"(raw id present: {EVENT['counterparty_id'] in json.dumps(record)})")
print("model:", p["model"]["name"], p["model"]["version"], "| rules:", p["model"]["ruleset_version"])
print("output:", {k: p["output"][k] for k in ("decision", "reason_codes")})
print("verify:", log.verify().reason)

# %%
# Tamper with a copy: change one decision, then verify again.
tampered = settings.workspace.root / "audit-tampered.jsonl"
lines = settings.workspace.audit_log.read_text().splitlines()
rec = json.loads(lines[1])
rec["payload"]["output"]["flagged"] = not rec["payload"]["output"]["flagged"]
lines[1] = json.dumps(rec)
tampered.write_text("\n".join(lines) + "\n")
print("tampered copy:", AuditLog(tampered).verify().reason)

# %% [markdown]
# ### Exercise 5.4 — find the first bad record
#
# Write `first_bad_record(records)`. The cases include an edit whose own hash was recomputed; then random logs with
# one edit, removal or swap.
#
# - recompute each record's hash (`record_hash(record)`) and compare it with its `hash`, the last record's too
# - each record's `prev_hash` is the previous record's `hash`; the first record's is 64 zeros
# - `seq` counts 0, 1, 2, … in file order
# - return the index of the first bad record, or `None` for an intact or empty log

# %%
# Exercise 5.4 — verify a hash chain
from reference_impl.governance import record_hash  # noqa: E402,F401  (you will need it)


def first_bad_record(records):
    return reference.first_bad_record(records)  # delete this line and write your own


check.first_bad_record(first_bad_record)

# %% [markdown]
# ## 7. A real server, started and stopped from here
#
# `ibml serve` runs the same app under uvicorn on 127.0.0.1. `ServerProcess` starts it on a free port, waits for
# `/healthz`, and always stops it. Now the calls cross a real socket.

# %%
with ServerProcess(settings.workspace.root) as server, httpx.Client(base_url=server.url, timeout=60) as http:
    scored = [http.post("/v1/trades/score", json=e, headers=h_scorer).json() for e in deployment.events[1:6]]
    print("decisions via HTTP:", [s["result"]["decision"] for s in scored])
    metrics = http.get("/metrics", headers={"X-API-Key": KEYS["auditor"]}).text  # metrics need the auditor role
    slo_bucket = f'le="{settings.latency_objective_ms / 1000}"'
    print("latency histogram has a bucket at the objective:", slo_bucket in metrics)
    print("server still running inside the block:", server.proc.poll() is None)
print("server stopped after the block:", server.proc.poll() is not None)
client.__exit__(None, None, None)

# %% [markdown]
# ## Summary
#
# - `create_app(settings)` + a lifespan: nothing at import, models loaded on startup, degraded rather than down.
# - Strict contracts (`extra="forbid"`, tz-aware timestamps, bounded numbers) answer 422 naming the field.
# - Every answer carries request id, versions, features, score, reasons, latency and `fallback_used`.
# - Keyed-hash API keys with roles, revocable: 401 for "who are you?", 403 for "you may not".
# - A latency budget and a rules-only fallback keep the service answering; 503 only when nothing can decide.
# - Every decision is fsync'd to a hash-chained audit log with pseudonymised ids *before* it is returned.
#
# **Previous:** [Week 4: evaluation](week04_evaluation.ipynb).
# **Next:** [Week 6: testing ML services](week06_testing_ml_services.ipynb). See `roadmap.md` for the whole course.
