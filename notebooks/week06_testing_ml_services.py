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
# 1. run pytest from a notebook on a test file, and unit-test a feature transform on tiny, hand-checked frames;
# 2. write a pytest fixture that builds a test client and swaps the model with `app.dependency_overrides`, and
#    clears it afterwards (Exercise 6.4);
# 3. write one `@pytest.mark.parametrize`-d contract test that catches every planted contract bug (Exercise 6.5),
#    and check observed responses against the OpenAPI schema (Exercise 6.3);
# 4. write property-based tests with hypothesis — and make sure they can fail (Exercise 6.1);
# 5. write behavioural tests for a model: invariance (what must not change the output) and direction (what may only
#    move it one way);
# 6. pin reason codes with a golden file that is committed, compared and only rewritten on purpose (Exercises 6.2
#    and 6.6);
# 7. run a bounded load test against a real server and check that nothing went missing from the audit log;
# 8. fuzz an endpoint from the schema with schemathesis;
# 9. choose between an API, a queue and a scheduled job, and write a queue handler that scores each event at least
#    once — audit first, dead letters, redelivery by event id — checked on FastStream's in-memory broker
#    (Exercise 6.7).
#
# **Prerequisites.** [Week 5](week05_model_serving.ipynb) (the service, its contract and audit log) and pytest basics
# (a test is a function whose name starts with `test_` and which asserts).
# **Time.** About 2 hours in the notebook, plus 4½ hours of exercises (the roadmap's estimate).
#
# **Exercises.** Each exercise ships *not started*: its cell raises `NotImplementedError`, and the check cell below
# it prints `Exercise 6.N not started` (later cells then use the reference solution, so the notebook still runs).
# Replace the `raise` line with your code, run the cell, then run the check: it prints `Exercise 6.N passed (k/k
# cases)`, or raises with the case that failed, the requirement it tests and a hint. Stuck? `check.hint("6.1")`
# gives graded hints (call it again for the next one) and `check.solution("6.1")` shows the reference solution.
# In exercises 6.4–6.6 you write pytest code: the check runs your fixture or test *with pytest*, against the correct
# service (it must pass) and against versions with planted bugs (each must make it fail). In exercise 6.7 the check
# runs your message handler on an in-memory RabbitMQ broker and injects the failures a real one has.
# `ibml progress notebooks/week06_testing_ml_services.ipynb` shows where you are;
# `git checkout -- notebooks/week06_testing_ml_services.ipynb` resets the notebook to its shipped state.

# %%
# NBVAL_IGNORE_OUTPUT: library versions differ between installs; everything else in this notebook is deterministic
import hypothesis
import pytest
import schemathesis

print(f"pytest {pytest.__version__}, hypothesis {hypothesis.__version__}, schemathesis {schemathesis.__version__}")

# %%
# Setup: a private workspace, the service on fakes (fast, deterministic), a small real detector for model tests.
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path

import httpx
import hypothesis.configuration
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

warnings.filterwarnings("ignore", category=FutureWarning)  # keep teaching output free of library notices
warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm's notice when shap is imported in Jupyter
os.environ["IBML_HOME"] = tempfile.mkdtemp(prefix="ibml-week06-")  # never the learner's own workspace
hypothesis.configuration.set_hypothesis_home_dir(Path(os.environ["IBML_HOME"]) / ".hypothesis")  # its caches too
logging.getLogger("reference_impl").setLevel(logging.ERROR)

from reference_impl import data, features  # noqa: E402
from reference_impl.anomaly import TradeAnomalyDetector  # noqa: E402
from reference_impl.exercises.week06 import DEFAULT_BUCKETS_MS  # noqa: E402
from reference_impl.exercises.week06_pytest import (  # noqa: E402
    AUTH,
    GOLDEN_NAME,
    GOLDEN_TRADES,
    REAL_MODEL_VERSION,
    VALID_TRADE,
    TestClient,
    get_model,
    reference,
    run_pytest,
)
from reference_impl.exercises.week06_queue import check  # noqa: E402  (every week-6 check, 6.1 to 6.7)
from reference_impl.exercises.week06_target import BUGS, create_app as create_scoring_app  # noqa: E402
from reference_impl.governance import AuditLog  # noqa: E402
from reference_impl.serving import ServiceSettings, create_api_key, create_app  # noqa: E402
from reference_impl.serving.testing import ServerProcess, fake_rooms, test_client  # noqa: E402
from reference_impl.serving.trades.testing import sample_event  # noqa: E402

SEED = 11
settings_ = ServiceSettings(latency_budget_ms=5_000, max_body_bytes=1_000_000)
KEY = create_api_key(settings_.api_keys_path, "admin")[0]  # never printed
app = create_app(settings_, rooms=fake_rooms())
api = test_client(app).__enter__()  # week 5's service, on fakes; closed at the end
H = {"X-API-Key": KEY}
GOLDEN = Path("golden") / GOLDEN_NAME  # committed next to this notebook: notebooks/golden/

ref = data.make_reference_data(seed=SEED)
prices = data.make_prices(ref, n_days=8, seed=SEED)
trades = data.make_trades(ref, prices, n_trades=1_500, seed=SEED)
feats = features.build_trade_features(trades, ref, prices)
detector = TradeAnomalyDetector(n_estimators=50, random_state=SEED).fit(feats)
print(f"{len(feats)} feature rows, detector {detector.model_version_}, golden file present: {GOLDEN.is_file()}")

# %% [markdown]
# ## 1. pytest from a notebook; unit tests for features on tiny frames
#
# A test is a function whose name starts with `test_` and which `assert`s; **pytest** finds such functions in files
# named `test_*.py`, runs each one, and reports which failed and why. A notebook is not a test file, but
# `pytest.main([...])` runs pytest in-process on any file: we write one into a temporary folder and run it. The
# flags keep the run quiet and tidy: `-q` for short output, `-p no:cacheprovider` so no `.pytest_cache` folder is
# left behind, `-p no:randomly` to keep pytest-randomly from shuffling the order, and `-c` with an empty
# `pytest.ini` so the run uses this folder's settings rather than whatever configuration it finds further up.
#
# A feature bug is silent: the model still scores, just worse. Test each transform on a frame small enough to
# compute the answer on paper, starting with the edge cases — a missing reference price, a zero price, the sign.

# %%
test_source = """
import numpy as np
import pandas as pd

from reference_impl import features


def test_price_deviation_bps():
    price = pd.Series([101.0, 99.0, 100.0, 100.0])
    reference_price = pd.Series([100.0, 100.0, np.nan, 0.0])
    got = features.price_deviation_bps(price, reference_price)
    assert got.iloc[0] == 100.0 and got.iloc[1] == -100.0   # +1 % is +100 bps; the sign is kept
    assert np.isnan(got.iloc[2])                             # unknown reference: missing, never 0
    assert np.isnan(got.iloc[3])                             # a zero reference is unusable: missing, never inf
    assert list(got.index) == list(price.index)             # aligned on the input's index
"""
with tempfile.TemporaryDirectory() as folder:
    test_file = Path(folder) / "test_features.py"
    test_file.write_text(test_source)
    (Path(folder) / "pytest.ini").write_text("[pytest]\n")  # this folder's own (empty) configuration
    exit_code = pytest.main([str(test_file), "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--color=no",
                             "-W", "ignore::pytest.PytestAssertRewriteWarning",  # plugins the kernel already imported
                             "-c", str(Path(folder) / "pytest.ini"), "--rootdir", folder])
print("exit code:", int(exit_code))

# %% [markdown]
# Writing files gets tedious. For the rest of this notebook, `run_pytest(...)` (from
# `reference_impl.exercises.week06_pytest`) does the same for functions you define in cells: it writes a test
# module that refers to your functions, runs `pytest.main` on it in a temporary folder (no cache, no files left
# behind), and prints one line per test. It also provides three fixtures your tests can ask for: `app` (a fresh
# scoring service), `client` (a plain test client for it) and `golden_file` (section 7). The checks of exercises
# 6.4–6.6 use the same runner.

# %% [markdown]
# ## 2. Fixtures and `app.dependency_overrides`
#
# The service under test in exercises 6.4–6.6 is deliberately small (`reference_impl/exercises/week06_target.py`,
# about 200 lines — open it): `POST /v1/score` takes a trade, checks the `X-API-Key` header (401 without one, 403
# with a wrong one), validates the body with a strict pydantic model (422 for an unknown field, a non-positive
# notional or a timestamp without a time zone), asks the **model dependency** `get_model` for a score, and returns
# the reason codes of three rules, most important first. The lifespan loads the model at start-up; `/readyz`
# answers 503 until it has.
#
# A **fixture** is a function decorated with `@pytest.fixture`. A test asks for one by naming it as a parameter;
# pytest calls the fixture, passes its value in, and — when the fixture `yield`s instead of returning — runs the
# code after the `yield` once the test is done: that is the teardown, and it runs whether the test passed or
# failed. Fixtures can ask for other fixtures the same way (yours will ask for `app`).
#
# **`app.dependency_overrides`** is FastAPI's switch for tests: a dict from a dependency function to a replacement.
# While `app.dependency_overrides[get_model] = lambda: FakeModel()` is set, every request gets the fake instead of
# the real model — no model file, no randomness, and a test can assert on the fake's known score. The dict lives on
# the app object, so an override that is not removed leaks into whatever uses that app next.

# %%
with TestClient(create_scoring_app()) as demo:  # the with-block runs the lifespan: the model is loaded
    answer = demo.post("/v1/score", json=VALID_TRADE, headers=AUTH).json()
    statuses = {name: demo.post("/v1/score", json=body, headers=headers).status_code for name, body, headers in [
        ("valid", VALID_TRADE, AUTH), ("no key", VALID_TRADE, {}), ("wrong key", VALID_TRADE, {"X-API-Key": "x"}),
        ("unknown field", {**VALID_TRADE, "desk": "rates"}, AUTH)]}
print("response:", answer)
print("statuses:", statuses)

# %% [markdown]
# ### Exercise 6.4 — a client fixture with dependency_overrides
#
# Write the fixture `client(app)`: a `TestClient` for the `app` fixture in which the model dependency `get_model`
# is replaced by a fake of yours (a small class with a `version` attribute and a `score(trade)` method returning a
# fixed number). The check runs three tests of its own that ask for your fixture — with pytest, on a fresh app
# each — and then looks at every app to see whether an override was left behind.
#
# - a pytest fixture (`@pytest.fixture`) that takes the `app` fixture and yields a `TestClient` for it (`GET
#   /healthz` answers 200)
# - the client runs the app's lifespan: create it in a `with TestClient(app) as c:` block and yield inside it (`GET
#   /readyz` answers 200)
# - the model dependency `get_model` is overridden with a deterministic fake: responses carry the fake's version
#   (not the real model's), and the same trade scores the same twice
# - after each test the overrides are cleared (code after `yield` runs as teardown), so no fake leaks into the next
#   test

# %%
# Exercise 6.4 — a client fixture with dependency_overrides
@pytest.fixture
def client(app):
    raise NotImplementedError("Exercise 6.4: replace this line with your code")


# %%
client = check.client(client)  # yours once it passes; the reference until you start

# %% [markdown]
# Your fixture at work: a test that asks for `client` now talks to the fake. `run_pytest(test, client=client)`
# hands your fixture to pytest under the name the test asks for.

# %%
def test_the_fake_model_answers(client):
    body = client.post("/v1/score", json=VALID_TRADE, headers=AUTH).json()
    assert body["model_version"] != REAL_MODEL_VERSION  # not the production model
    assert body["reasons"] == ["R_NOTIONAL_LIMIT", "R_LATE_BOOKING"]  # the rules do not depend on the model


_ = run_pytest(test_the_fake_model_answers, client=client)

# %% [markdown]
# > **At a bank.** Tests that load the production model are slow, depend on a file that changes with every
# > release, and fail for reasons that have nothing to do with the code under test. Overriding the dependency keeps
# > the API tests about the API; the model gets its own tests (section 6). A leaked override is worse than none: a
# > later test passes against a fake while everyone believes it tested the real thing.

# %% [markdown]
# ## 3. `@pytest.mark.parametrize`: one test, a table of cases
#
# A contract has many clauses: valid requests succeed, unknown fields are rejected, a missing key is 401 and a wrong
# one 403. `@pytest.mark.parametrize(("payload", "headers", "expected_status"), [(...), (...)])` turns one test
# function into one pytest test per tuple. Each is reported on its own — `test_score_contract[payload3-headers3-422]`
# — so a failing case does not hide the others, as it would in a loop inside one test (the first failed `assert`
# ends the loop). `ids=[...]` gives the cases readable names.

# %% [markdown]
# ### Exercise 6.5 — a parametrized contract test
#
# Write `test_score_contract`, parametrized over `(payload, headers, expected_status)`, that posts each payload to
# `/v1/score` and asserts the status. Ask for the `client` fixture (the runner's plain one). Build bad payloads from
# `VALID_TRADE` (`{**VALID_TRADE, "notional": -5.0}`) and use `AUTH` for the right key. The check runs your test
# with pytest on the correct service, then on six services with one planted bug each (`BUGS` lists them): your
# test must fail on every one.
#
# - every case passes on the correct service
# - one test function decorated with `@pytest.mark.parametrize`, at least six cases (one pytest test each)
# - a valid request with the right key answers 200
# - a payload with an unknown field answers 422
# - a payload with a bad value (a zero or negative notional) answers 422
# - a payload with a naive timestamp (no time zone) answers 422
# - a request without an API key answers 401
# - a request with a wrong API key answers 403

# %%
# Exercise 6.5 — a parametrized contract test
def test_score_contract(client, payload, headers, expected_status):
    raise NotImplementedError("Exercise 6.5: replace this line with your code")


# %%
test_score_contract = check.test_score_contract(test_score_contract)  # yours once it passes; the reference until you start

# %% [markdown]
# Your test against a service with a planted bug — the API answers 403 where the contract says 401:

# %%
print("planted:", BUGS["missing_key_403"])
_ = run_pytest(test_score_contract, bug="missing_key_403")

# %% [markdown]
# ## 4. Contract tests against the OpenAPI schema
#
# The schema at `/openapi.json` is generated from the pydantic models, so it is the contract consumers code against.
# Contract tests read it and check promises we make: unknown fields rejected, every protected route documents its
# 401/403, every response we send is declared. Here we read week 5's full service.

# %%
spec = api.get("/openapi.json").json()
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
    raise NotImplementedError("Exercise 6.3: replace this line with your code")


# %%
undocumented_statuses = check.undocumented_statuses(undocumented_statuses)  # yours once it passes; the reference until you start

# %%
observed = []
for body in ({**sample_event(), "quantty": 1}, sample_event(), {"events": []}):
    path = "/v1/trades/score-batch" if "events" in body else "/v1/trades/score"
    observed.append(("POST", path, api.post(path, json=body, headers=H).status_code))
observed.append(("POST", "/v1/kyc/review/99/claim", api.post("/v1/kyc/review/99/claim", headers=H).status_code))
print("observed:", observed)
print("undocumented:", undocumented_statuses(spec, observed))

# %% [markdown]
# ## 5. Property-based tests: state the rule, let hypothesis hunt for the counterexample
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
print("defaults (ms):", DEFAULT_BUCKETS_MS)

# %%
# Exercise 6.1 — write the property test
def latency_bucket_properties(latency_buckets):
    raise NotImplementedError("Exercise 6.1: replace this line with your code")


# %%
latency_bucket_properties = check.latency_bucket_properties(latency_bucket_properties)  # yours once it passes; the reference until you start

# %% [markdown]
# ## 6. Behavioural tests: invariance and direction
#
# Metrics say how good a model is on average; behavioural tests say it behaves sensibly on cases we can reason about.
# The three kinds, minimum functionality, invariance and directional expectation, come from CheckList (Ribeiro, Wu,
# Guestrin and Singh, "Beyond Accuracy: Behavioral Testing of NLP Models with CheckList", ACL 2020); Made-With-ML
# teaches them for ML services. **Invariance:** renaming a trade must not change its
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
# ## 7. Golden files for reason codes: committed, compared, rewritten only on purpose
#
# Reason codes are read by analysts and counted by downstream systems: a silent change in wording or order is a
# change to a control. A **golden file** stores the expected output for fixed inputs, and it is *committed*: the
# test compares the service's output with it and fails on any difference. A person then decides — a bug to fix, or
# an intended change. Only in the second case is the file regenerated, on purpose (here: with
# `UPDATE_GOLDEN=1`), and the diff goes through review like code, so the reviewer sees exactly which trades
# changed their reasons. A test that writes its golden file on every run compares the output with itself: it can
# never fail. The file must be stable to diff: sorted keys, rounded numbers, one fixed layout.

# %% [markdown]
# ### Exercise 6.2 — golden lines
#
# Write `golden_lines(results)`: the stable text of scored results, one line each, as a golden file of detector
# decisions would hold it. Each result is a dict with `trade_id`, `decision`, `score` and `reasons` (a list of
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
    raise NotImplementedError("Exercise 6.2: replace this line with your code")


# %%
golden_lines = check.golden_lines(golden_lines)  # yours once it passes; the reference until you start

# %%
flagged = [d.to_dict() | {"decision": "flag" if d.flagged else "clear"} for d in detector.decide(feats) if d.flagged][:5]
print("\n".join(golden_lines(flagged)))

# %% [markdown]
# The scoring service's golden file is committed at `notebooks/golden/week06_reason_codes.json`: the reason codes
# of six fixed trades (`GOLDEN_TRADES`), chosen so that every rule fires alone and together, and one trade sits
# exactly on the late-booking boundary (18:00 UTC). It is JSON with sorted keys and a two-space indent, so a change
# shows up as a small diff.

# %%
print(GOLDEN.read_text().rstrip())

# %% [markdown]
# ### Exercise 6.6 — a golden-file test that fails instead of rewriting
#
# Write `test_reason_codes_golden(client, golden_file)`: post every trade of `GOLDEN_TRADES` (with `headers=AUTH`),
# collect `{trade_id: reasons}` and compare it with the JSON in `golden_file` (a `pathlib.Path`). When — and only
# when — `os.environ.get("UPDATE_GOLDEN") == "1"`, first write the current codes to the file, in the same
# shape (`json.dumps(got, indent=2, sort_keys=True) + "\n"`). The check gives your test a temporary copy of the
# committed file, runs it with pytest on the correct service, on three planted bugs (a moved rule boundary, a
# renamed code, codes sorted alphabetically), and once with `UPDATE_GOLDEN=1`; after each run it looks at the
# file.
#
# - it passes on the correct service against the committed golden file (the `golden_file` fixture)
# - it compares every golden trade's reason codes, so a change to one trade's codes (a renamed code, a rule boundary
#   moved) fails it
# - it compares the codes as ordered lists: codes are ranked by importance, so a reordering fails it
# - it never writes the golden file unless `UPDATE_GOLDEN=1` is set
# - with `UPDATE_GOLDEN=1` it rewrites the golden file with the current codes, as JSON in the same shape, and
#   passes

# %%
# Exercise 6.6 — a golden-file test
def test_reason_codes_golden(client, golden_file):
    raise NotImplementedError("Exercise 6.6: replace this line with your code")


# %%
test_reason_codes_golden = check.test_reason_codes_golden(test_reason_codes_golden)  # yours once it passes; the reference until you start

# %% [markdown]
# Your golden test against the committed file, on the correct service and on one where the codes come out sorted
# alphabetically. The file is only read: `git status` shows it unchanged.

# %%
before = GOLDEN.read_bytes()
_ = run_pytest(test_reason_codes_golden, golden=GOLDEN)
print("planted:", BUGS["codes_sorted"])
_ = run_pytest(test_reason_codes_golden, golden=GOLDEN, bug="codes_sorted")
print("golden file unchanged:", GOLDEN.read_bytes() == before)

# %% [markdown]
# > **At a bank.** A change to reason codes changes what analysts read and what regulators were told the model
# > explains. The golden file makes that change visible as a diff in the pull request; the update switch makes
# > regenerating it a deliberate act by a named person, not a side effect of running the tests.

# %% [markdown]
# ## 8. A bounded load test against a real server
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
# ## 9. Fuzzing from the schema with schemathesis
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
api.__exit__(None, None, None)

# %% [markdown]
# ## 10. APIs, queues, scheduled jobs: which when
#
# A bank deploys the same model three ways, and each way fails differently.
#
# | | request/response API (week 5) | queue consumer | scheduled batch job |
# |---|---|---|---|
# | who waits | the caller, on the line, within a latency budget | nobody: the producer has moved on, the event waits in the queue | nobody: the job runs at a set time over a whole population |
# | too much work | back-pressure by refusing: **429** (this client is over its quota, usually enforced at the gateway) or **503** (the service cannot decide now: not ready, saturated, audit store down); the caller retries with backoff | the queue absorbs the burst; a bounded *prefetch* caps what one consumer holds; the cost is **consumer lag** (how far behind the newest event it is): the number to alert on | the run takes longer; its deadline (the end-of-day report) is the budget |
# | a failure | the caller sees the status and decides | **at-least-once**: the broker delivers again any message that was not acknowledged | rerun the job for that date |
# | what that asks of you | fail closed: no decision without its audit record (the service answers 503) | acknowledge only **after** the durable write (the audit append); make the handler **idempotent by event id**, because a redelivery will come; send a message that can never succeed to a **dead-letter queue** with its reason instead of letting it block the queue | idempotent by (date, model version): a rerun replaces that day's output |
# | use it for | a decision someone is waiting for: a pre-trade check, an analyst's "score this now" | a stream of events scored as they happen, without tying the booking system to the scorer's uptime | the full population on a schedule: end-of-day rescoring with the new champion, backfills |
#
# The project has all three: the service (`ibml serve`), the queue consumer (`ibml consume`) and the daily batch
# (`ibml batch score` scores one booking day with the registered `@champion` and writes a `batch.scored` audit
# record naming the day, the model version and the output).
#
# At-least-once is a promise about *delivery*, not about processing: a consumer that crashes after its audit write
# but before its acknowledgement gets the same message again. That is why the order is fixed — validate, look the
# event id up, score, **write the audit record, then publish, then acknowledge** — and why the look-up comes first:
# the redelivery publishes the decision already recorded (its only way out, if the first attempt died before
# publishing) and never a second record or a fresh score from a model promoted in between. Decisions can therefore
# reach the `decisions` queue twice; downstream de-duplicates by event id. Exactly-once is built from
# at-least-once plus idempotency, never assumed.
#
# **FastStream** (the library the project's consumer uses) turns an `async` function into a subscriber with
# `@broker.subscriber("trades")`; its `ack_policy` decides what happens to the message: `ACK_FIRST` acknowledges on
# delivery (a crash loses it), the RabbitMQ default `REJECT_ON_ERROR` rejects a message whose handler raised (dropped, or
# dead-lettered by the broker if the queue has a dead-letter exchange: either way not retried), and
# `NACK_ON_ERROR` acknowledges after the handler returns and nacks with requeue when it raises — at-least-once.
# `TestRabbitBroker` runs the broker in memory, no network. Below, the same failing handler under two policies:
# `deliver(setup, deliveries)` (from `reference_impl.exercises.week06_queue`) runs a broker session and reports, per
# delivery, what reached `decisions` and `trades.dlq`, the audit records written, and how the message was settled.

# %%
from faststream import AckPolicy  # noqa: E402
from faststream.rabbit import RabbitMessage  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from reference_impl.exercises.week06_queue import (  # noqa: E402
    Delivery,
    TradeEvent,
    body,
    deliver,
    event,
    run_scorer,
    sample_stream,
)


def failing_handler(policy):
    def setup(broker, score, audit):
        @broker.subscriber("trades", ack_policy=policy)
        async def handle(message: RabbitMessage):
            audit.append(score(TradeEvent.model_validate_json(message.body)))  # the check makes this one fail

    return setup


down = [Delivery(body(event("E1")), "audit_down", "E1 while the audit store is down")]
for policy in (AckPolicy.REJECT_ON_ERROR, AckPolicy.NACK_ON_ERROR):
    print(f"{policy.name:<16}", deliver(failing_handler(policy), down)[0].settled)

# %% [markdown]
# Dropped means the trade never gets a decision and nobody is told; requeued means the broker tries again once the
# store is back. The contract is a pydantic model, as in week 5's service:

# %%
print(TradeEvent.model_validate_json(body(event("E1"))))
for bad in (body(event("E2", notional=-5.0)), b"{not json"):
    try:
        TradeEvent.model_validate_json(bad)
    except ValidationError as exc:
        print(f"{bad[:30]!r}: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}")

# %% [markdown]
# ### Exercise 6.7 — a queue consumer that scores at least once
#
# Write `register_scorer(broker, score, audit)`: it registers, on the `RabbitBroker` it is given, a handler for the
# `trades` queue. `score(event)` takes a `TradeEvent` and returns the decision as a dict (with its `event_id` and
# `model_version`); `audit` is the audit trail: `audit.append(record)` is the durable write (it raises when the store
# is down) and `audit.find(event_id)` returns the record already written for that event, or `None`. Take the raw
# message (`message: RabbitMessage`) and parse `message.body` yourself: the producer sends bytes, and some of them
# are not JSON. Publish with `await broker.publish(value, "queue name")`. The check runs your function on
# `TestRabbitBroker` with fixed and seeded random streams of messages; it makes the audit store or the `decisions`
# queue fail for one delivery, publishes again what a real broker would redeliver, and promotes a new model version
# between deliveries. `run_scorer(register_scorer)` shows what your handler does with a sample stream.
#
# - `register_scorer(broker, score, audit)` subscribes a handler to the `trades` queue of the `broker` it is given
# - for a valid event the handler calls `score(event)` once, appends the decision it returns with
#   `audit.append(decision)`, publishes that same decision to the `decisions` queue, and the message is acknowledged
# - the decision is published only after `audit.append` returned: when the append raises, nothing reaches
#   `decisions`
# - when the append (or the publish) raises, the message is not acknowledged but nacked with requeue, so the broker
#   delivers it again: subscribe with `ack_policy=AckPolicy.NACK_ON_ERROR` and let the exception propagate
# - a message that is not valid JSON or breaks the `TradeEvent` contract is published to `trades.dlq` as
#   `{"reason": <why, a non-empty string>, "body": <the message as text>}` and never reaches `score` or the audit
#   trail
# - a dead-lettered message is acknowledged: a poison message that is nacked comes back forever and blocks the queue
# - a redelivered event (`audit.find(event_id)` returns its record) publishes the recorded decision again, without
#   calling `score` and without a second `audit.append`

# %%
# Exercise 6.7 — a queue consumer that scores at least once
def register_scorer(broker, score, audit):
    raise NotImplementedError("Exercise 6.7: replace this line with your code")


# %%
register_scorer = check.register_scorer(register_scorer)  # yours once it passes; the reference until you start

# %% [markdown]
# Your handler on a sample stream: a valid event, a message that is not JSON, one that breaks the contract, an
# event whose audit write fails and its redelivery, and a redelivery after a model promotion (the decision recorded
# by v1 goes out again, not a v2 score).

# %%
_ = run_scorer(register_scorer, sample_stream())

# %% [markdown]
# > **At a bank.** A surveillance desk uses all three. The **API** answers the pre-trade check and the analyst who
# > asks "why was this flagged?" now — someone is waiting, so it has a latency budget and refuses work (429/503)
# > rather than queueing it invisibly. The **queue** scores every booked trade as it happens, from the booking
# > platform's events, so a scorer outage delays decisions (lag, alerted on) but loses none, and a malformed event
# > from an upstream release lands in the dead-letter queue where operations can see it, fix it and replay it. The
# > **scheduled batch** rescores the whole day after close with the current champion, for the end-of-day
# > surveillance report and for backfills after a model change. Whatever the path, the evidence must be the same:
# > which model version decided what, for which event, when — a decision record in the same audit trail. An
# > auditor who asks about one trade must not need to know which path scored it.

# %% [markdown]
# ## Check your understanding
#
# Try each question before you look; the answers are in [`docs/answers.md`](../docs/answers.md#week-6).
#
# 1. What is a pytest fixture, and what runs the code after its `yield`? Why build the test client in a fixture that uses `app.dependency_overrides` to swap the model for a fake, and what goes wrong when the override is not cleared afterwards?
# 2. Why must the client fixture create its `TestClient` in a `with` block, and what did `/readyz` answer when it did not?
# 3. What does `@pytest.mark.parametrize` give you over a loop inside one test when you check a table of contract cases (a valid request, an unknown field, a naive timestamp, no key, a wrong key)? Why must the table include a valid request that answers 200?
# 4. A request has no API key; another has a wrong one. Which status does each deserve, and why are they different?
# 5. How does a property-based test differ from an example-based test, and why can a strategy of random integers miss a bug that only shows when the latency objective equals a default bound? Why do the checks run hypothesis with a fixed seed and no example database?
# 6. What makes a golden-file test a test: where does the golden file live, what does the test do with it, and how is it changed deliberately? What is wrong with a test that rewrites its golden file on every run, and why compare the codes as lists rather than sets?
# 7. Give one invariance test and one direction test for the anomaly detector. Why do they belong next to metrics rather than replace them?
# 8. A contract test reports that `GET /v1/models` documents no 422. Is the service wrong? What do the bounded load test and the schemathesis fuzz test each assert?

# %% [markdown]
# ## Summary
#
# - pytest runs from a notebook with `pytest.main([file, "-q", "-p", "no:cacheprovider"])`; a test is a function that
#   asserts, a fixture a function that sets up, `yield`s and tears down.
# - Build the test client in a fixture: `app.dependency_overrides[get_model]` swaps the model for a deterministic
#   fake, `with TestClient(app)` runs the lifespan, and the teardown clears the overrides so nothing leaks.
# - One `@pytest.mark.parametrize`-d contract test covers the table — 200, 401, 403, 422 — and reports each case on
#   its own; a test is only as good as the bugs it catches, so run it against planted ones.
# - Contract tests also read the generated OpenAPI document: unknown fields rejected, every status declared.
# - A property test states a rule for all inputs; make sure it *can* fail — sample the edge values on purpose.
# - Behavioural tests (invariance, direction) encode what the business expects regardless of metrics.
# - A golden file is committed and compared; it is rewritten only on purpose (`UPDATE_GOLDEN=1`) and its diff
#   is reviewed like code.
# - Load tests are bounded and check the audit log; fuzzing from the schema finds what you did not imagine.
# - An API has a caller waiting (latency budget, 429/503); a queue has lag and delivers at least once (ack after the
#   audit write, idempotent by event id, dead letters for poison messages); a scheduled batch scores the whole
#   population. Every path writes the same audit record.
#
# **Previous:** [Week 5: model serving](week05_model_serving.ipynb).
# **Next:** [Week 7: MLflow and change control](week07_mlflow_lifecycle.ipynb). See `roadmap.md` for the whole course.
