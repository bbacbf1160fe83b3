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
# # Week 6: testing ML services
#
# Last week's service passed its happy-path demo. This week we try to break it — on purpose, automatically, and on
# every commit — because the failures that reach production are the ones nobody thought to try: a timestamp with no
# time zone, a batch of one thousand trades, a score that changes when a trade is renamed, a status code the
# consumer's client was never told about.
#
# **Objectives.** By the end of this notebook you can:
# 1. unit-test a feature transform on tiny, hand-checked frames, edge cases first;
# 2. test the API's contract against its own OpenAPI schema (Exercise 6.3);
# 3. write property-based tests with hypothesis — and make sure they can fail (Exercise 6.1);
# 4. write behavioural tests for a model: invariance (what must not change the output) and direction (what may only
#    move it one way);
# 5. pin reason codes with a golden file (Exercise 6.2);
# 6. run a bounded load test against a real server and check that nothing went missing from the audit log;
# 7. fuzz every endpoint from the schema with schemathesis.
#
# **Prerequisites.** [Week 5](week05_model_serving.ipynb) (the service, its contract and audit log) and pytest basics.
# **Time.** About 3 hours, plus 2 hours of exercises.
#
# **Exercises.** Each exercise cell still calls `reference.<name>(...)`. Delete that line, write your own code, and run
# the check cell below it. It prints `Exercise 6.N passed (k/k cases)`, or raises with the case that failed and a hint.

# %%
# Setup: a private workspace, the service on fakes (fast, deterministic), a small real detector for model tests.
import logging
import os
import tempfile
import warnings

import httpx
import hypothesis
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

warnings.filterwarnings("ignore", category=FutureWarning)  # keep teaching output free of library notices
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm's notice when shap is imported in Jupyter
os.environ["IBML_HOME"] = tempfile.mkdtemp(prefix="ibml-week06-")  # never the learner's own workspace
logging.getLogger("reference_impl").setLevel(logging.ERROR)

import schemathesis  # noqa: E402

from reference_impl import data, features  # noqa: E402
from reference_impl.anomaly import TradeAnomalyDetector  # noqa: E402
from reference_impl.exercises.week06 import DEFAULT_BUCKETS_MS, check, reference  # noqa: E402
from reference_impl.governance import AuditLog  # noqa: E402
from reference_impl.serving import ServiceSettings, create_api_key, create_app  # noqa: E402
from reference_impl.serving.testing import ServerProcess, fake_rooms, test_client  # noqa: E402
from reference_impl.serving.trades.testing import sample_event  # noqa: E402

SEED = 11
settings_ = ServiceSettings(latency_budget_ms=5_000, max_body_bytes=1_000_000)
KEY = create_api_key(settings_.api_keys_path, "admin")[0]  # never printed
app = create_app(settings_, rooms=fake_rooms())
client = test_client(app).__enter__()  # closed at the end
H = {"X-API-Key": KEY}

ref = data.make_reference_data(seed=SEED)
prices = data.make_prices(ref, n_days=8, seed=SEED)
trades = data.make_trades(ref, prices, n_trades=1_500, seed=SEED)
feats = features.build_trade_features(trades, ref, prices)
detector = TradeAnomalyDetector(n_estimators=50, random_state=SEED).fit(feats)
print(f"hypothesis {hypothesis.__version__}, schemathesis {schemathesis.__version__}; "
      f"{len(feats)} feature rows, detector {detector.model_version_}")

# %% [markdown]
# ## 1. Unit tests for features: tiny frames you can check by hand
#
# A feature bug is silent: the model still scores, just worse. Test each transform on a frame small enough to
# compute the answer on paper, starting with the edge cases — a missing reference price, a zero price, the sign.

# %%
def test_price_deviation_bps():
    price = pd.Series([101.0, 99.0, 100.0, 100.0])
    reference_price = pd.Series([100.0, 100.0, np.nan, 0.0])
    got = features.price_deviation_bps(price, reference_price)
    assert got.iloc[0] == 100.0 and got.iloc[1] == -100.0   # +1 % is +100 bps; the sign is kept
    assert np.isnan(got.iloc[2])                             # unknown reference: missing, never 0
    assert np.isnan(got.iloc[3])                             # a zero reference is unusable: missing, never inf
    assert list(got.index) == list(price.index)             # aligned on the input's index


test_price_deviation_bps()
print("feature unit test passed")

# %% [markdown]
# ## 2. Contract tests against the OpenAPI schema
#
# The schema at `/openapi.json` is generated from the pydantic models, so it is the contract consumers code against.
# Contract tests read it and check promises we make: unknown fields rejected, every protected route documents its
# 401/403, every response we send is declared.

# %%
spec = client.get("/openapi.json").json()
event_schema = spec["components"]["schemas"]["TradeEventIn"]
print("TradeEventIn rejects unknown fields:", event_schema.get("additionalProperties") is False)
print("required fields:", len(event_schema["required"]), "| example given:", bool(event_schema.get("examples")))
for path, ops in sorted(spec["paths"].items()):
    for method, op in ops.items():
        if path.startswith("/v1"):
            missing = {"401", "403", "422"} - set(op["responses"])
            print(f"  {method.upper():<5}{path:<36} missing {sorted(missing) if missing else 'nothing'}")

# %% [markdown]
# `GET /v1/models` and `POST /v1/admin/reload` take no body and no parameters, so FastAPI documents no 422 for
# them — there is nothing to validate. Our check is too strict, not the service wrong. Read a failing contract test
# before "fixing" the code.

# %% [markdown]
# ### Exercise 6.3 — which responses are undocumented?
#
# Write `undocumented_statuses(openapi, observed)`: given the OpenAPI document and observed `(method, path, status)`
# triples, return the responses that the document does not declare. The check tests each requirement below, then
# random specs with unknown paths, mixed-case methods and repeated observations.
#
# - match a concrete path to its template, one path segment per `{parameter}`
#   (`/v1/kyc/review/17/claim` → `/v1/kyc/review/{item_id}/claim`), and report the template
# - a `default` response documents every status of that operation
# - methods are case-insensitive (OpenAPI keys are lower-case); report them upper-case
# - an unknown path, or a method the path does not declare, is undocumented (an unknown path is reported as
#   observed)
# - return a sorted list of `(METHOD, path, status)` tuples with an `int` status, each once; `[]` when everything
#   is documented

# %%
# Exercise 6.3 — undocumented responses
def undocumented_statuses(openapi, observed):
    return reference.undocumented_statuses(openapi, observed)  # delete this line and write your own


check.undocumented_statuses(undocumented_statuses)

# %%
observed = []
for body in ({**sample_event(), "quantty": 1}, sample_event(), {"events": []}):
    path = "/v1/trades/score-batch" if "events" in body else "/v1/trades/score"
    observed.append(("POST", path, client.post(path, json=body, headers=H).status_code))
observed.append(("POST", "/v1/kyc/review/99/claim", client.post("/v1/kyc/review/99/claim", headers=H).status_code))
print("observed:", observed)
print("undocumented:", undocumented_statuses(spec, observed))

# %% [markdown]
# ## 3. Property-based tests: state the rule, let hypothesis hunt for the counterexample
#
# An example-based test checks the inputs you thought of. A property says what must hold for *all* inputs and lets
# hypothesis generate hundreds, shrinking any failure to the smallest case. The audit log's promise is a property:
# any edit to any record is detected.

# %%
@settings(max_examples=30, deadline=None, database=None, derandomize=True)
@given(n=st.integers(2, 6), i=st.integers(0, 5), new_decision=st.sampled_from(["flag", "clear", "escalate"]))
def test_any_edit_is_detected(n, i, new_decision):
    import json

    path = os.path.join(tempfile.mkdtemp(), "audit.jsonl")
    log = AuditLog(path)
    for k in range(n):
        log.append("trade.decision", {"trade_id": f"T{k}", "decision": "clear"}, actor="k1")
    i = i % n
    lines = open(path).read().splitlines()
    rec = json.loads(lines[i])
    if rec["payload"]["decision"] == new_decision:
        return  # not an edit
    rec["payload"]["decision"] = new_decision
    lines[i] = json.dumps(rec)
    open(path, "w").write("\n".join(lines) + "\n")
    result = AuditLog(path).verify()
    assert not result.ok and result.first_bad_index == i


test_any_edit_is_detected()
print("property held for every generated case")

# %% [markdown]
# ### Exercise 6.1 — a property test that catches a planted bug
#
# The service's latency histogram needs a bucket exactly at the latency objective (so "share of requests under the
# SLO" is exact). `latency_buckets(objective_ms)` returns the default bounds (`DEFAULT_BUCKETS_MS`, in ms) plus the
# objective, in seconds, sorted, without duplicates. Write `latency_bucket_properties(latency_buckets)`: a hypothesis
# test that raises `AssertionError` when any of those properties fails. The check runs your test on the correct
# function (it must pass) and on four planted bugs (it must fail each). It runs it with a fixed seed
# (`derandomize=True`, no example database, unless your own `@settings` say otherwise), so its verdict is the same
# on every run. Careful: one planted bug shows only when the objective *is* a default bound.
#
# - your test passes on the correct `latency_buckets` for every objective it generates
# - it asserts the bounds are sorted
# - it asserts there are no duplicate bounds, and it tries the default bounds themselves
#   (`st.sampled_from(DEFAULT_BUCKETS_MS)`): no random integer equals 2.5
# - it asserts the objective (in seconds) is one of the bounds, for objectives above the largest default
#   (2500 ms) too
# - it asserts every default bound is still there

# %%
# Exercise 6.1 — write the property test
print("defaults (ms):", DEFAULT_BUCKETS_MS)


def latency_bucket_properties(latency_buckets):
    return reference.latency_bucket_properties(latency_buckets)  # delete this line and write your own


check.latency_bucket_properties(latency_bucket_properties)

# %% [markdown]
# ## 4. Behavioural tests: invariance and direction
#
# Metrics say how good a model is on average; behavioural tests say it behaves sensibly on cases we can reason about
# (Made-With-ML's "minimum functionality, invariance, direction"). **Invariance:** renaming a trade must not change its
# score. **Direction:** a larger price deviation must never *remove* the price rule's flag.

# %%
sample = feats.iloc[:200].reset_index(drop=True)
renamed = sample.assign(trade_id=[f"X{i}" for i in range(len(sample))])
same = np.allclose([d.score for d in detector.decide(sample)], [d.score for d in detector.decide(renamed)])
print("invariance (trade id does not change the score):", same)

price_code = "R_PRICE_DEVIATION"


def price_flags(frame):
    return np.array([any(r["code"] == price_code for r in d.reasons) for d in detector.decide_rules_only(frame)])


previous = None
for factor in (1, 3, 10, 30, 100):
    wider = sample.assign(abs_price_deviation_bps=sample["abs_price_deviation_bps"] * factor,
                          price_deviation_bps=sample["price_deviation_bps"] * factor)
    flags = price_flags(wider)
    lost = 0 if previous is None else int((previous & ~flags).sum())
    print(f"deviation x{factor:<4} {price_code} on {int(flags.sum()):>3} of {len(flags)} trades, lost vs previous: {lost}")
    previous = flags

# %% [markdown]
# > **At a bank.** Behavioural tests are what a model validator re-runs on every new version: they encode
# > expectations the business signed off ("a bigger deviation is never less suspicious"), independent of any metric.

# %% [markdown]
# ## 5. Golden files for reason codes
#
# Reason codes are read by analysts and counted by downstream systems: a silent change in wording or order is a
# change to a control. A golden file stores the expected text for a fixed input; the test compares, and a reviewer
# approves any diff like a code change. The file must be stable: sorted rows, rounded numbers.

# %% [markdown]
# ### Exercise 6.2 — golden lines
#
# Write `golden_lines(results)`. Each result is a dict with `trade_id`, `decision`, `score` and `reasons` (a list of
# `{"code": ...}`). The check tests each requirement below, then random results in random order.
#
# - one line `"<trade_id> <decision> <score> <codes>"` per result, returned as a list of strings
# - lines sorted by trade id as text (`T10` comes before `T2`), whatever the input order
# - the score with exactly three decimals, rounded (`0.61289` → `0.613`), or `rules` when it is `None`
#   (a score of `0` is a score)
# - the reason codes comma-separated in their ranked order (do not sort them), or `-` when there are none

# %%
# Exercise 6.2 — golden file lines
def golden_lines(results):
    return reference.golden_lines(results)  # delete this line and write your own


check.golden_lines(golden_lines)

# %%
flagged = [d.to_dict() | {"decision": "flag" if d.flagged else "clear"} for d in detector.decide(feats) if d.flagged][:5]
golden = os.path.join(os.environ["IBML_HOME"], "golden_reason_codes.txt")
with open(golden, "w") as fh:
    fh.write("\n".join(golden_lines(flagged)) + "\n")
print(open(golden).read().rstrip())
again = golden_lines([d.to_dict() | {"decision": "flag" if d.flagged else "clear"} for d in detector.decide(feats) if d.flagged][:5])
print("golden file unchanged on re-run:", again == open(golden).read().splitlines())

# %% [markdown]
# ## 6. A bounded load test against a real server
#
# Under concurrency, different bugs appear: a lost audit record, a half-written line, a lock held too long. We run
# a real uvicorn process, send a fixed number of requests at a fixed rate (bounded: the test always ends), and check
# every acknowledged request is in the audit log and the chain verifies. (The test suite runs 10 s at 50 requests/s,
# and also SIGKILLs the server right after a response to prove the fsync.)

# %%
N, RATE = 40, 20.0
with ServerProcess(settings_.workspace.root, fake=True) as server, httpx.Client(base_url=server.url, headers=H, timeout=60) as http:
    import time

    start, ids, statuses = time.monotonic(), [], []
    for i in range(N):
        time.sleep(max(0.0, start + i / RATE - time.monotonic()))
        r = http.post("/v1/trades/score", json=sample_event(trade_id=f"LOAD{i}"), headers={"X-Request-ID": f"load-{i}"})
        statuses.append(r.status_code)
        ids.append(r.json()["metadata"]["request_id"])
log = AuditLog(settings_.workspace.audit_log)
audited = {rec["payload"]["request_id"] for rec in log.records() if rec["event_type"] == "trade.decision"}
print(f"{N} requests: statuses {sorted(set(statuses))}, all audited: {set(ids) <= audited}, chain ok: {log.verify().ok}")

# %% [markdown]
# ## 7. Fuzzing from the schema with schemathesis
#
# schemathesis turns the OpenAPI document into hypothesis strategies: valid bodies, edge values, and deliberately
# invalid ones. The service must never answer 5xx and every response must match the schema. The test suite runs every
# endpoint (`tests/integration/test_service_schemathesis.py`); here, one endpoint, twenty cases. Fuzzing found two
# real bugs while this course was written: an epoch integer accepted as a timestamp, and `quantity * price`
# underflowing to zero for tiny positive numbers.

# %%
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
operation = schema["/v1/trades/score"]["POST"]
seen = []


@settings(max_examples=20, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(hypothesis.HealthCheck))
@given(case=operation.as_strategy())
def fuzz_score(case):
    response = case.call(headers=H)
    seen.append(response.status_code)
    assert response.status_code < 500, response.text


fuzz_score()
print("statuses seen while fuzzing:", sorted(set(seen)), "| any 5xx:", any(s >= 500 for s in seen))
client.__exit__(None, None, None)

# %% [markdown]
# ## Summary
#
# - Unit-test transforms on hand-checkable frames, edge cases first (missing, zero, sign, index alignment).
# - Contract tests read the generated OpenAPI document: unknown fields rejected, every status declared.
# - A property test states a rule for all inputs; make sure it *can* fail — sample the edge values on purpose.
# - Behavioural tests (invariance, direction) encode what the business expects regardless of metrics.
# - Golden files pin reason codes; a diff is reviewed like code.
# - Load tests are bounded and check the audit log; fuzzing from the schema finds what you did not imagine.
#
# **Previous:** [Week 5: model serving](week05_model_serving.ipynb).
# **Next:** [Week 7: MLflow and change control](week07_mlflow_lifecycle.ipynb). See `roadmap.md` for the whole course.
