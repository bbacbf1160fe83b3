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
# months later, why trade T000123 was (or was not) flagged. This week you **write** a small scoring service with
# FastAPI — the request contract, the auth dependency, the lifespan, the versioned route, the time budget with a
# rules fallback and the inference metadata — and then read the production version in `reference_impl/serving`
# side by side with yours.
#
# **Objectives.** By the end of this notebook you can:
# 1. write a strict pydantic v2 request model: unknown fields refused, constrained fields, timezone-aware
#    timestamps, and read the 422 FastAPI answers with (Exercise 5.5);
# 2. tell 401 from 403 (Exercise 5.2) and write it as a FastAPI dependency with `Depends`/`Security` and an
#    `X-API-Key` header, comparing keys with `hmac.compare_digest` (Exercise 5.6);
# 3. call a model within a time budget and fall back to the rules, saying why, without waiting for a hung call
#    (Exercise 5.3), and echo a caller's request id only when it is safe (Exercise 5.1);
# 4. build a service with an app factory, a `lifespan` that loads the model once, an `APIRouter(prefix="/v1")` and
#    an answer carrying its inference metadata, and test it with `TestClient` (Exercise 5.7);
# 5. find the same pieces in the production service (`create_app`, `auth.py`, `deps.py`, the trade routes,
#    `fallback.py`) and say what it adds: hashed keys, metrics, micro-batching, an fsync'd audit trail;
# 6. verify a hash-chained audit log (Exercise 5.4), and run the service under a real uvicorn server.
#
# **Prerequisites.** [Week 3](week03_feature_engineering.ipynb) (online features) and [Week 4](week04_evaluation.ipynb)
# (the detector, its threshold and reason codes). Basic HTTP (status codes, headers, JSON).
# **Time.** About 2 hours in the notebook, plus 5 hours of exercises (the roadmap's estimate).
#
# **Exercises.** Each exercise ships *not started*: its cell raises `NotImplementedError` (5.5, a class, has a body
# of only `...`), and the check cell below it prints `Exercise 5.N not started` (later cells then use the reference
# solution, so the notebook still runs). Replace the `raise` line with your code, run the cell, then run the check:
# it prints `Exercise 5.N passed (k/k cases)`, or raises with the case that failed, the requirement it tests and a
# hint. Stuck? `check.hint("5.5")` gives graded hints (call it again for the next one) and `check.solution("5.5")`
# shows the reference solution.
# `ibml progress notebooks/week05_model_serving.ipynb` shows where you are;
# `git checkout -- notebooks/week05_model_serving.ipynb` resets the notebook to its shipped state.

# %%
# Setup: the tools you will write the service with, and the pieces of the week the checks give you.
import contextlib
import hmac
import json
import logging
import os
import re
import tempfile
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

warnings.filterwarnings("ignore", category=FutureWarning)  # keep teaching output free of library notices
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm's notice when shap is imported in Jupyter
os.environ["IBML_HOME"] = tempfile.mkdtemp(prefix="ibml-week05-")  # never the learner's own workspace
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
logging.getLogger("reference_impl").setLevel(logging.ERROR)  # the service's own warnings are shown as data below

from reference_impl.exercises.week05_service import THRESHOLD, check, reference, rules_score  # noqa: E402
from reference_impl.serving.testing import test_client  # noqa: E402  (a TestClient, imported quietly)

#: The API keys of this notebook's little service: key -> (caller, role). Made up here; never print real keys.
DEMO_KEYS = {
    "demo-key-alice": ("alice", "scorer"),
    "demo-key-bob": ("bob", "reviewer"),
    "demo-key-carol": ("carol", "admin"),
}
GOOD = {"trade_id": "T000123", "notional": 2_500_000.0, "currency": "GBP", "exec_ts": "2026-03-02T10:15:00Z"}
print(f"THRESHOLD = {THRESHOLD}; rules_score: {rules_score(GOOD)} for {GOOD['notional']:,.0f} GBP")

# %%
# NBVAL_IGNORE_OUTPUT: library versions differ between installs; they are shown for bug reports only.
import fastapi  # noqa: E402
import pydantic  # noqa: E402
import starlette  # noqa: E402

print(f"fastapi {fastapi.__version__} | starlette {starlette.__version__} | pydantic {pydantic.VERSION}")

# %% [markdown]
# ## 1. The contract: a strict request model
#
# A FastAPI route declares its body as a **pydantic model**; FastAPI parses the JSON, validates it against the
# model and answers **422** with one entry per field at fault — before your code runs. By default pydantic
# *ignores* a field it does not know, so a caller who misspells an optional field (`notional_usdd`) gets an answer
# computed without it and never learns. MLflow's generic scoring server does the same with an unknown column.
# In a bank the contract is an interface control: be strict.
#
# The tools: `model_config = ConfigDict(extra="forbid")` refuses unknown fields; `Field(pattern=..., gt=...,
# strict=True, allow_inf_nan=False)` constrains a field; `pydantic.AwareDatetime` refuses a timestamp without a UTC
# offset (a plain `datetime` accepts `"2026-03-02T10:15:00"` — in which time zone?).

# %% [markdown]
# ### Exercise 5.5 — the request contract
#
# Write the class `TradeRequest(BaseModel)` with four required fields: `trade_id`, `notional`, `currency`,
# `exec_ts`. The check validates a good payload and one bad payload per rule, then random payloads.
#
# - an unknown field is refused: `model_config = ConfigDict(extra="forbid")`
# - `trade_id` is a string of 1 to 64 characters from `A-Z a-z 0-9 _ . : -` (as `TradeEventIn`'s identifiers)
# - `notional` is a JSON number (a string such as `"5"` is refused), finite and greater than 0
# - `currency` is three upper-case letters (`USD`, not `usd` or `US`)
# - `exec_ts` is a timezone-aware timestamp: a time without a UTC offset is refused
# - every field is required, and a valid payload parses: `notional` a float, `exec_ts` an aware `datetime`

# %%
# Exercise 5.5 — the request contract
class TradeRequest(BaseModel):
    ...  # replace this line with your fields (a class has no `raise NotImplementedError`: a body of only ... is "not started")


# %%
TradeRequest = check.trade_request(TradeRequest)  # yours once it passes; the reference until you start

# %%
# What a caller sees when the contract refuses a payload: each error names its field.
for change in ({"notional_usdd": 1.0}, {"exec_ts": "2026-03-02T10:15:00"}, {"notional": "5", "currency": "gbp"}):
    try:
        TradeRequest.model_validate({**GOOD, **change})
    except ValidationError as exc:
        print(change, "->", [(".".join(map(str, e["loc"])), e["type"]) for e in exc.errors()])
print("valid:", TradeRequest.model_validate(GOOD).exec_ts.isoformat())

# %% [markdown]
# > **At a bank.** The contract goes in the change ticket; the OpenAPI schema (`/openapi.json`) is generated from it,
# > and contract tests (week 6) fail the build when it changes. The production contract, `TradeEventIn`, adds a
# > closed list of booked currencies, a valid timestamp range and cross-field rules (a booking cannot precede its
# > execution).

# %% [markdown]
# ## 2. Who is calling: 401 or 403, as a dependency
#
# Two different questions, two different answers. **401** means "who are you?": no key, or a key nobody was given.
# **403** means "I know you, and you may not": a real key whose role is not allowed. An unknown key is 401 whatever
# role it claims — the role comes from *our* record of the key, never from the caller. Write the rule first.

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
    raise NotImplementedError("Exercise 5.2: replace this line with your code")


# %%
status_for = check.status_for(status_for)  # yours once it passes; the reference until you start

# %% [markdown]
# In FastAPI the check is a **dependency**: a function whose parameters FastAPI fills from the request (a header,
# another dependency) and whose return value it hands to the route. `Depends(f)` on a route parameter — or
# `dependencies=[Depends(f)]` on an `APIRouter` — runs `f` before the route; an `HTTPException` raised inside it
# becomes the answer. Written once, attached declaratively, it cannot be forgotten by one route, and a test can
# swap it with `app.dependency_overrides`.
#
# `APIKeyHeader(name="X-API-Key", auto_error=False)` reads the header (and documents it in OpenAPI); with
# `auto_error=False` a missing key arrives as `None`, so your code chooses the status. Compare keys with
# `hmac.compare_digest`: `==` returns at the first differing character, and that timing tells an attacker how
# much of a guess was right.

# %% [markdown]
# ### Exercise 5.6 — an auth dependency: 401 or 403
#
# Write `require_role(keys, *roles)`, where `keys` maps an API key to `(caller, role)` (like `DEMO_KEYS`). It
# returns a dependency; the check mounts it on a tiny app and calls it through `TestClient`.
#
# - read the key from the `X-API-Key` header (`APIKeyHeader(name="X-API-Key", auto_error=False)` with `Security`, or
#   `Header`)
# - no key, an empty key or an unknown key is 401; compare whole keys (`hmac.compare_digest`): a prefix of a key, or a
#   key with more characters, is unknown
# - a known key whose role is not in `roles` (and is not `admin`) is 403
# - a known key whose role is in `roles`, or is `admin`, passes: the dependency returns the caller's name (never the
#   key or the role)

# %%
# Exercise 5.6 — an auth dependency: 401 or 403
def require_role(keys, *roles):
    raise NotImplementedError("Exercise 5.6: replace this line with your code")


# %%
require_role = check.require_role(require_role)  # yours once it passes; the reference until you start

# %%
# Your dependency on a two-route app: who may call what.
tiny = FastAPI()


@tiny.get("/score")
def who_scores(caller: Annotated[str, Depends(require_role(DEMO_KEYS, "scorer"))]):
    return {"caller": caller}


@tiny.get("/review")
def who_reviews(caller: Annotated[str, Depends(require_role(DEMO_KEYS, "reviewer"))]):
    return {"caller": caller}


with test_client(tiny) as c:
    print(f"{'':<10}" + "".join(f"{who:>16}" for who in ("no key", "unknown key", "alice/scorer", "bob/reviewer", "carol/admin")))
    for path in ("/score", "/review"):
        row = []
        for key in (None, "demo-key-mallory", "demo-key-alice", "demo-key-bob", "demo-key-carol"):
            r = c.get(path, headers={} if key is None else {"X-API-Key": key})
            row.append(f"{r.status_code} {r.json().get('caller', '')}".strip())
        print(f"{path:<10}" + "".join(f"{s:>16}" for s in row))

# %% [markdown]
# ## 3. The model is optional, the answer is not
#
# The rules (week 4) can decide on their own. So when the model is missing, raises, or takes longer than its latency
# budget, the service answers with the **rules** and says why. Python cannot kill a thread: to keep the budget you
# run the model on a worker thread, stop *waiting* when the budget runs out, and let the hung call finish in the
# background.

# %% [markdown]
# ### Exercise 5.3 — decide within a budget
#
# Write `decide_with_fallback(model, rules, budget_s)` returning `(decision, fallback_reason)`. Run the model on a
# thread (`concurrent.futures`). The check measures how long your function takes with a hung model, then tries
# random models that answer (often a falsy value), raise an unexpected exception type, or are missing.
#
# - return `(decision, None)` when the model answers within `budget_s`
# - `model is None` gives `(rules(), "model_missing")` without calling anything
# - a model that raises gives `(rules(), "model_error")`
# - a model slower than `budget_s` gives `(rules(), "model_timeout")`, and you return within the budget: do not wait
#   for the hung call

# %%
# Exercise 5.3 — the fallback
def decide_with_fallback(model, rules, budget_s):
    raise NotImplementedError("Exercise 5.3: replace this line with your code")


# %%
decide_with_fallback = check.decide_with_fallback(decide_with_fallback)  # yours once it passes; the reference until you start

# %% [markdown]
# Every answer will also carry a **request id**, so a caller can find their call in our logs. Echo the caller's
# `X-Request-ID` only when it is a safe token: a newline in a logged id would let a caller forge a log line.

# %% [markdown]
# ### Exercise 5.1 — a request id you can trust
#
# Write `resolve_request_id(header)`. The check tests each requirement below, then random headers of 1 to 200
# characters.
#
# - echo the caller's id when it is a safe token: `[A-Za-z0-9._:-]`, 1 to 128 characters
# - anything else (missing, empty, too long, spaces, a newline or any other character) gets a fresh `uuid.uuid4().hex`
# - every fresh id is new: two requests without a header get different ids

# %%
# Exercise 5.1 — resolve the request id
def resolve_request_id(header):
    raise NotImplementedError("Exercise 5.1: replace this line with your code")


# %%
resolve_request_id = check.resolve_request_id(resolve_request_id)  # yours once it passes; the reference until you start

# %% [markdown]
# ## 4. The service: app factory, lifespan, versioned router
#
# Now put the pieces together. Three FastAPI ideas are new:
#
# - **An app factory.** `build_app(...)` builds and returns the app and does nothing else: nothing at import, no
#   model loaded, so a test can build ten apps with ten configurations.
# - **A lifespan.** `FastAPI(lifespan=lifespan)` takes an async context manager: the code before its `yield` runs
#   once at startup (load the model, store it on `app.state`), the code after it at shutdown. Not at import (a
#   test importing the module would load a model), not per request (seconds per call).
# - **A versioned router.** `APIRouter(prefix="/v1")` groups the routes of one version of the contract; a breaking
#   change becomes `/v2`, served next to `/v1` until callers have moved. `dependencies=[Depends(...)]` on the router
#   protects every route on it.
#
# `TestClient(app)` calls the app in-process, without a socket; used as a context manager (`with`), it runs the
# lifespan. `load_model()` returns `None` (no model) or an object with a `version` and `predict(trade) -> float`.
# The answer is a plain dict: FastAPI serialises it to JSON.

# %% [markdown]
# ### Exercise 5.7 — the scoring service
#
# Write `build_app(load_model, keys, budget_s)`. Use your `TradeRequest` (5.5), `require_role` (5.6),
# `decide_with_fallback` (5.3) and `resolve_request_id` (5.1) — or the reference ones while those are not started —
# and `rules_score(trade)` and `THRESHOLD` from the setup cell. The check starts your app with `TestClient` and
# sends it real requests: a working model, then no model, a broken one and a hung one (it measures the answer time).
#
# - return a FastAPI app whose `lifespan` calls `load_model()` exactly once, at startup: not when `build_app` runs,
#   not per request
# - the route lives on an `APIRouter(prefix="/v1")`: `POST /v1/score`, and nothing at `/score`
# - the body is your `TradeRequest` (5.5): an extra field or a bad value is a 422
# - `POST /v1/score` depends on `require_role(keys, "scorer")` (5.6): no key is 401, a key without the role 403
# - the answer is JSON with exactly `trade_id`, `decision` (`"flag"` when `score >= THRESHOLD`, else `"clear"`),
#   `score`, `model_version` (the model's `version`; `None` when the rules answered), `request_id`, `reasons`
#   (`[]` when the model answered) and `fallback`
# - `request_id` is the caller's `X-Request-ID` when it is safe (5.1's rule), else a fresh `uuid4().hex`
# - when `load_model()` returned `None`, or `model.predict` raises, the rules answer: `score` is `rules_score(trade)`,
#   `fallback` is `true`, `reasons` is `["model_missing"]` or `["model_error"]`
# - a model slower than `budget_s` is not waited for: the rules answer at once, with `reasons` `["model_timeout"]`

# %%
# Exercise 5.7 — the scoring service
def build_app(load_model, keys, budget_s):
    raise NotImplementedError("Exercise 5.7: replace this line with your code")


# %%
build_app = check.build_app(build_app)  # yours once it passes; the reference until you start

# %%
# Your service, driven as a caller would.
class NotionalModel:
    """A stand-in model: the score grows with the notional (ten million or more scores 1.0)."""

    version = "1"

    def predict(self, trade):
        return round(min(trade.notional / 10_000_000, 1.0), 3)


loads = []


def load_model():
    loads.append(time.monotonic())
    return NotionalModel()


app = build_app(load_model, DEMO_KEYS, budget_s=0.5)
print("models loaded when the app is built:", len(loads))
alice = {"X-API-Key": "demo-key-alice"}
with test_client(app) as client:
    print("models loaded at startup:", len(loads))
    answer = client.post("/v1/score", json=GOOD, headers={**alice, "X-Request-ID": "wk5-demo-1"}).json()
    print(json.dumps(answer, indent=1))
    big = client.post("/v1/score", json={**GOOD, "trade_id": "T000124", "notional": 8e6}, headers=alice).json()
    print("8 million:", big["decision"], big["score"], "| fresh request id:", bool(re.fullmatch("[0-9a-f]{32}", big["request_id"])))
    r = client.post("/v1/score", json={**GOOD, "notional_usdd": 1.0}, headers=alice)
    print("misspelt field:", r.status_code, [(e["loc"], e["type"]) for e in r.json()["detail"]])
    print("no key:", client.post("/v1/score", json=GOOD).status_code,
          "| reviewer:", client.post("/v1/score", json=GOOD, headers={"X-API-Key": "demo-key-bob"}).status_code)
    print("models loaded after five requests:", len(loads))

# %%
# The fallbacks: no model, a broken model, a hung model (the budget is 0.2 s; the model would take 2 s).
class BrokenModel(NotionalModel):
    def predict(self, trade):
        raise RuntimeError("model exploded")


class HungModel(NotionalModel):
    def predict(self, trade):
        time.sleep(2.0)  # a GC pause, a cold cache, a noisy neighbour
        return super().predict(trade)


for label, model in (("no model", None), ("broken model", BrokenModel()), ("hung model", HungModel())):
    with test_client(build_app(lambda model=model: model, DEMO_KEYS, budget_s=0.2)) as c:
        start = time.perf_counter()
        a = c.post("/v1/score", json={**GOOD, "notional": 8e6}, headers=alice).json()
        waited = time.perf_counter() - start
    print(f"{label:<13} -> {a['decision']} score={a['score']} fallback={a['fallback']} reasons={a['reasons']} "
          f"model_version={a['model_version']} | answered within 1 s: {waited < 1.0}")

# %% [markdown]
# > **At a bank.** A fallback is a *documented* operating mode, not an accident: the rules-only decision path is
# > approved with the model, its rate is a monitored metric (`ibml_fallbacks_total`), and a sustained rise pages
# > someone. An unexplained 500 is an incident; a counted fallback is a Tuesday.

# %% [markdown]
# ## 5. Read next: the production version
#
# You have written the skeleton of `reference_impl/serving`. Open these files in this order, each next to the code
# you wrote; the cell below checks that every name in the table exists.
#
# | # | you wrote | production | open |
# | --- | --- | --- | --- |
# | 1 | `build_app`, its `lifespan` (5.7) | `create_app(settings)`: the lifespan calls `build_state`, which opens each room; the trade room's `TradesRoom.open` loads the detector (`TradesState.load_models`) and a failed load starts the service *degraded* | `serving/app.py`, `serving/state.py`, `serving/trades/room.py`, `serving/trades/state.py` |
# | 2 | `TradeRequest` (5.5) | `TradeEventIn`, built on the data layer's `TradeEventFields` (`Identifier`, `PositiveFinite`, `Currency`, `Timestamp`) | `serving/trades/schemas.py`, `data/schemas.py` |
# | 3 | `require_role` (5.6) | `get_principal` (401) and `require_role` (403) over `ApiKeyStore.check`, which compares *keyed hashes* of keys with `hmac.compare_digest`; `deps.py` names them `ScorerDep`, `AuditorDep`, ... | `serving/auth.py`, `serving/deps.py` |
# | 4 | `APIRouter(prefix="/v1")`, `POST /v1/score` (5.7) | `router = APIRouter(prefix="/v1/trades")` and its `score` route, which hands the event to `score_trades` | `serving/trades/routes.py`, `serving/trades/pipeline.py` |
# | 5 | `decide_with_fallback` (5.3) | `decide_within_budget`: async, `asyncio.wait_for` on a bounded thread pool; `ScoringUnavailable` (503) when even the rules fail | `serving/fallback.py` |
# | 6 | `resolve_request_id` (5.1) | `request_id_from`, called by `ServiceMiddleware` for every request (it also sets the response header and counts latency) | `serving/middleware.py` |
# | 7 | the answer dict (5.7) | `ScoreResponse` with `InferenceMetadata`: model *and* rule-set versions, latency, `fallback_reason`, `audit_seq` | `serving/trades/schemas.py`, `serving/schemas.py` |
# | 8 | — (5.4 below) | `write_audit` appends every decision, fsync'd, to the hash-chained `AuditLog` before the answer leaves | `serving/audit_trail.py`, `governance/audit.py` |
#
# What production adds that yours does not: settings from `IBML_*` variables (`ServiceSettings`), keys stored only
# as keyed hashes and revocable, pseudonymised identifiers in the audit log, Prometheus metrics, micro-batching of
# concurrent requests, online features, and SHAP reason codes.

# %%
import importlib  # noqa: E402

READ_NEXT = [
    ("reference_impl.serving.app", "create_app"),
    ("reference_impl.serving.state", "build_state"),
    ("reference_impl.serving.trades.room", "TradesRoom"),
    ("reference_impl.serving.trades.state", "TradesState"),
    ("reference_impl.serving.trades.schemas", "TradeEventIn"),
    ("reference_impl.data.schemas", "TradeEventFields"),
    ("reference_impl.serving.auth", "get_principal"),
    ("reference_impl.serving.auth", "require_role"),
    ("reference_impl.serving.auth", "ApiKeyStore"),
    ("reference_impl.serving.deps", "ScorerDep"),
    ("reference_impl.serving.trades.routes", "router"),
    ("reference_impl.serving.trades.routes", "score"),
    ("reference_impl.serving.trades.pipeline", "score_trades"),
    ("reference_impl.serving.fallback", "decide_within_budget"),
    ("reference_impl.serving.middleware", "request_id_from"),
    ("reference_impl.serving.middleware", "ServiceMiddleware"),
    ("reference_impl.serving.schemas", "InferenceMetadata"),
    ("reference_impl.serving.trades.schemas", "ScoreResponse"),
    ("reference_impl.serving.audit_trail", "write_audit"),
    ("reference_impl.governance.audit", "AuditLog"),
]
missing = [f"{m}.{n}" for m, n in READ_NEXT if not hasattr(importlib.import_module(m), n)]
print(f"{len(READ_NEXT)} names to open, missing: {missing or 'none'}")
from reference_impl.serving.trades.routes import router as trades_router  # noqa: E402

print("production trade routes:", sorted(r.path for r in trades_router.routes))

# %% [markdown]
# ### The production service, running
#
# A small real deployment in a temporary workspace: generated trades, an online feature store, a trained detector
# and one API key per role. `create_app(settings)` builds it; the lifespan loads the detector.

# %%
from reference_impl.governance import AuditLog  # noqa: E402
from reference_impl.serving import ServiceSettings, create_app  # noqa: E402
from reference_impl.serving.demo import build_demo_deployment  # noqa: E402
from reference_impl.serving.testing import ServerProcess  # noqa: E402

SEED = 7
settings = ServiceSettings(latency_budget_ms=2_000)  # IBML_* variables, read once, here
deployment = build_demo_deployment(settings, n_trades=1_500, n_events=30, seed=SEED, with_kyc=False)
KEYS = deployment.keys  # one key per role; printed nowhere (a key in a notebook output is a leaked key)
EVENT = deployment.events[0]
h_scorer = {"X-API-Key": KEYS["scorer"]}
prod = create_app(settings)
client = test_client(prod).__enter__()  # closed at the end of the notebook
print(f"{len(deployment.events)} trade events to score; roles with keys: {sorted(KEYS)}")
print("routes:", sorted(p for p in prod.openapi()["paths"] if p.startswith("/v1/trades")))


def show_422(body):
    r = client.post("/v1/trades/score", json=body, headers=h_scorer)
    for e in r.json()["detail"]:
        print(f"  {r.status_code} {'.'.join(map(str, e['loc']))}: {e['msg']}")


show_422({**EVENT, "quantty": 5})  # misspelt field, as in your TradeRequest
show_422({**EVENT, "exec_ts": 1772446500})  # epoch seconds? milliseconds? production refuses numbers too
show_422({**EVENT, "exec_ts": "2026-03-02T10:15:04Z", "booking_ts": "2026-03-02T10:15:00Z"})  # booked before executed

# %% [markdown]
# The same answer shape as yours, with more metadata: the request id (ours, or the caller's safe `X-Request-ID`),
# model and rule-set versions, the features used, the score and threshold, at most four reason codes, the latency and
# whether a fallback answered.

# %%
r = client.post("/v1/trades/score", json=EVENT, headers={**h_scorer, "X-Request-ID": "wk5-demo-1"})
body = r.json()
meta = {k: v for k, v in body["metadata"].items() if k != "latency_ms"}  # latency differs run to run
print(json.dumps(meta, indent=1))
res = body["result"]
print(f"trade {res['trade_id']}: score {res['score']:.3f} vs threshold {res['threshold']:.3f} -> {res['decision']} "
      f"(reasons {[r['code'] for r in res['reasons']]}: a rule can flag a trade the model alone would clear)")
fat = {**EVENT, "trade_id": "WK5-FAT", "quantity": EVENT["quantity"] * 1000, "notional_usd": EVENT["notional_usd"] * 1000}
res = client.post("/v1/trades/score", json=fat, headers=h_scorer).json()["result"]
print(f"a fat-finger (quantity x1000): score {res['score']:.3f} -> {res['decision']}")
for reason in res["reasons"]:
    print(f"  [{reason['source']:>5}] {reason['code']}: {reason['text']}")

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
# verify` checks the log against those checkpoints.

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
from reference_impl.governance.audit import GENESIS_HASH  # noqa: E402,F401  (64 zeros: the first prev_hash)


def first_bad_record(records):
    raise NotImplementedError("Exercise 5.4: replace this line with your code")


# %%
first_bad_record = check.first_bad_record(first_bad_record)  # yours once it passes; the reference until you start

# %%
print("intact log:", first_bad_record(list(log.records())), "| tampered copy:", first_bad_record(list(AuditLog(tampered).records())))

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
# ## Check your understanding
#
# Try each question before you look; the answers are in [`docs/answers.md`](../docs/answers.md#week-5).
#
# 1. Why does your `build_app` (like production's `create_app(settings)`) only build the app, and why does the model load in the lifespan rather than at import time or on each request? What does production do when a model fails to load at startup?
# 2. What does `extra="forbid"` change for a caller who misspells a field? Why does your `TradeRequest` use `AwareDatetime` and `strict=True` on `notional`, and what does production's `TradeEventIn` refuse beyond that?
# 3. When does an access check answer 401 and when 403? Why is an unknown key that claims the `admin` role still a 401, and why are keys compared with `hmac.compare_digest` rather than `==`?
# 4. Why is authentication written as a FastAPI dependency (`Depends` or `Security`, on a route or in an `APIRouter`'s `dependencies`) rather than as code at the top of each route function? How does a test replace it?
# 5. Why are routes mounted under a versioned prefix such as `/v1`, and what does a breaking change to the request contract do to that prefix?
# 6. The model takes longer than its latency budget. What does the service answer, what does the response say, and why must it not wait for the hung call (what does a `with ThreadPoolExecutor()` block do when it exits)? When is 503 the right answer?
# 7. Which inference metadata does every answer carry (yours and production's), and why? Why is a caller's `X-Request-ID` echoed only when it is a safe token?
# 8. Why does production fsync each decision to the audit log before the response is returned, and why are counterparty and trader ids pseudonymised with a keyed hash (HMAC) rather than a plain SHA-256?

# %% [markdown]
# ## Summary
#
# - A strict pydantic contract (`extra="forbid"`, constrained fields, `AwareDatetime`) turns a bad request into a
#   422 that names the field, before your code runs.
# - Auth is a dependency: 401 for "who are you?", 403 for "you may not", keys compared with `hmac.compare_digest`,
#   attached to a route or a whole `APIRouter` so no route can forget it.
# - An app factory builds the app and nothing else; the `lifespan` loads the model once at startup; routes live on a
#   versioned router (`/v1`).
# - A time budget with a rules fallback keeps the service answering; the answer says so (`fallback`, the reason) and
#   never waits for a hung call.
# - Every answer carries its metadata (model version, request id, reasons), and production writes every decision to
#   an fsync'd, hash-chained audit log before it answers.
#
# **Previous:** [Week 4: evaluation](week04_evaluation.ipynb).
# **Next:** [Week 6: testing ML services](week06_testing_ml_services.ipynb). See `roadmap.md` for the whole course.
