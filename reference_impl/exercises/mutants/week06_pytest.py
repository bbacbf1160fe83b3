"""Week 6 (pytest) mutants: weak or wrong fixtures and tests for exercises 6.4–6.6, and correct alternatives.

Each mutant is what a learner could plausibly hand in: a fixture that leaks its override, forgets the lifespan or
overrides the wrong thing; a contract test that misses one case, loops instead of parametrizing, or expects the
wrong status; a golden test that compares sets, samples one trade, rewrites its file on every run, or has no
update path. Each is caught naming the requirement it breaks. They are module-level objects, so a notebook cell
can import one (``from reference_impl.exercises.mutants.week06_pytest import client_leaks as client``).
"""

from __future__ import annotations

import json
import os
import random

import pytest

from reference_impl.exercises.mutation import Mutant
from reference_impl.exercises.week06_target import (
    AUTH,
    GOLDEN_TRADES,
    REAL_MODEL_VERSION,
    VALID_TRADE,
    TestClient,
    get_model,
)


class _Fake:
    version = "fake-test"

    def score(self, trade):
        return 0.25


# ---------------------------------------------------------------- 6.4 alternative correct fixtures


@pytest.fixture
def client_try_finally(app):
    app.dependency_overrides[get_model] = _Fake  # the class itself is a callable returning a fake
    try:
        with TestClient(app) as c:
            yield c
    finally:
        app.dependency_overrides.pop(get_model, None)  # teardown even when the test fails


@pytest.fixture
def client_with_finalizer(app, request):
    fake = _Fake()
    app.dependency_overrides[get_model] = lambda: fake
    request.addfinalizer(app.dependency_overrides.clear)  # runs after the client's own exit below
    with TestClient(app) as c:
        yield c


# ---------------------------------------------------------------- 6.4 mutants


def client_not_a_fixture(app):  # forgot @pytest.fixture: pytest finds no fixture named client
    app.dependency_overrides[get_model] = _Fake
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()


@pytest.fixture
def client_no_lifespan(app):  # TestClient outside a with-block: the lifespan never runs
    app.dependency_overrides[get_model] = _Fake
    yield TestClient(app)
    app.dependency_overrides.clear()


@pytest.fixture
def client_no_override(app):  # the real model answers
    with TestClient(app) as c:
        yield c


@pytest.fixture
def client_overrides_the_class(app):  # the key must be the dependency function, not the model class
    from reference_impl.exercises.week06_target import AnomalyModel

    app.dependency_overrides[AnomalyModel] = _Fake
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()


class _RandomFake:
    version = "fake-random"

    def score(self, trade):
        return random.random()


@pytest.fixture
def client_random_fake(app):  # a fake that is not deterministic
    app.dependency_overrides[get_model] = _RandomFake
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()


@pytest.fixture
def client_own_app():  # builds its own app: the check cannot see (or trust) its teardown
    from reference_impl.exercises.week06_target import create_app

    own = create_app()
    own.dependency_overrides[get_model] = _Fake
    with TestClient(own) as c:
        yield c


@pytest.fixture
def client_leaks(app):  # no teardown: the override stays on the app
    app.dependency_overrides[get_model] = _Fake
    with TestClient(app) as c:
        yield c


@pytest.fixture
def client_clears_too_early(app):  # clears before the test runs: the test sees the real model
    app.dependency_overrides[get_model] = _Fake
    with TestClient(app) as c:
        app.dependency_overrides.clear()
        yield c


# ---------------------------------------------------------------- 6.5 contract tests

_CASES = {
    "valid": (VALID_TRADE, AUTH, 200),
    "extra": ({**VALID_TRADE, "desk": "rates"}, AUTH, 422),
    "value": ({**VALID_TRADE, "notional": 0.0}, AUTH, 422),
    "naive": ({**VALID_TRADE, "booked_at": "2026-11-02T19:30:00"}, AUTH, 422),
    "missing_key": (VALID_TRADE, {}, 401),
    "wrong_key": (VALID_TRADE, {"X-API-Key": "wrong"}, 403),
    "missing_field": ({k: v for k, v in VALID_TRADE.items() if k != "notional"}, AUTH, 422),
}


def _without(name):
    return [case for key, case in _CASES.items() if key != name]


def _post(client, payload, headers):
    return client.post("/v1/score", json=payload, headers=headers)


@pytest.mark.parametrize("case", list(_CASES.values()), ids=list(_CASES))
def test_contract_table(client, case):  # one parameter holding a tuple: also fine
    payload, headers, status = case
    assert _post(client, payload, headers).status_code == status


@pytest.mark.parametrize(
    ("headers", "status"), [(AUTH, 200), ({}, 401), ({"X-API-Key": "x" * 20}, 403)], ids=["key", "none", "bad"]
)
@pytest.mark.parametrize(
    "payload",
    [
        VALID_TRADE,
        {**VALID_TRADE, "extra": 1},
        {**VALID_TRADE, "notional": -1},
        {**VALID_TRADE, "booked_at": "2026-11-02T10:00:00"},
    ],
    ids=["ok", "extra", "negative", "naive"],
)
def test_contract_grid(client, payload, headers, status):  # stacked parametrize: 12 cases
    expected = status if status != 200 or payload is VALID_TRADE else 422  # auth is checked before the body
    assert _post(client, payload, headers).status_code == expected


def _contract_mutant(name):
    @pytest.mark.parametrize(("payload", "headers", "expected_status"), _without(name))
    def test_contract(client, payload, headers, expected_status):
        assert _post(client, payload, headers).status_code == expected_status

    return test_contract


test_contract_no_valid = _contract_mutant("valid")
test_contract_no_valid.__name__ = "test_contract_no_valid"
test_contract_no_extra = _contract_mutant("extra")
test_contract_no_extra.__name__ = "test_contract_no_extra"
test_contract_no_value = _contract_mutant("value")
test_contract_no_value.__name__ = "test_contract_no_value"
test_contract_no_naive = _contract_mutant("naive")
test_contract_no_naive.__name__ = "test_contract_no_naive"
test_contract_no_missing_key = _contract_mutant("missing_key")
test_contract_no_missing_key.__name__ = "test_contract_no_missing_key"
test_contract_no_wrong_key = _contract_mutant("wrong_key")
test_contract_no_wrong_key.__name__ = "test_contract_no_wrong_key"


@pytest.mark.parametrize(
    ("payload", "headers", "expected_status"),
    [*_without("missing_key"), (VALID_TRADE, {}, 403)],  # 403 for "no key": wrong, the service says 401
)
def test_contract_403_without_key(client, payload, headers, expected_status):
    assert _post(client, payload, headers).status_code == expected_status


def test_contract_loop(client):  # every case, but one test: no parametrize
    for payload, headers, status in _CASES.values():
        assert _post(client, payload, headers).status_code == status


@pytest.mark.parametrize(("payload", "headers", "expected_status"), list(_CASES.values()))
def test_contract_asserts_nothing(client, payload, headers, expected_status):
    _post(client, payload, headers)  # sends the request, never looks at the answer


# ---------------------------------------------------------------- 6.6 golden tests


def _codes(client, trades=GOLDEN_TRADES):
    return {t["trade_id"]: client.post("/v1/score", json=t, headers=AUTH).json()["reasons"] for t in trades}


def test_golden_lines_file(client, golden_file):  # alternative: the same content, compared as parsed JSON
    got = _codes(client)
    if os.environ.get("UPDATE_GOLDEN", "") == "1":
        golden_file.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
        return
    expected = json.loads(golden_file.read_text())
    assert sorted(got) == sorted(expected)
    for trade_id, codes in expected.items():
        assert got[trade_id] == codes, trade_id


def test_golden_per_trade(client, golden_file):  # alternative: one request at a time, a readable failure
    expected = json.loads(golden_file.read_text())
    got = {}
    for trade in GOLDEN_TRADES:
        response = client.post("/v1/score", json=trade, headers=AUTH)
        got[trade["trade_id"]] = response.json()["reasons"]
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden_file.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
        expected = got
    mismatches = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    assert not mismatches and set(got) == set(expected), mismatches


def test_golden_crashes(client, golden_file):  # reads a key the file does not have
    assert json.loads(golden_file.read_text())["trades"] == _codes(client)


def test_golden_one_trade(client, golden_file):  # checks the trade where every rule fires, nothing else
    got = _codes(client, [t for t in GOLDEN_TRADES if t["trade_id"] == "G5"])
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden_file.write_text(json.dumps(_codes(client), indent=2, sort_keys=True) + "\n")
    assert got["G5"] == json.loads(golden_file.read_text())["G5"]


def test_golden_asserts_nothing(client, golden_file):
    got = _codes(client)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden_file.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    json.loads(golden_file.read_text())


def test_golden_sets(client, golden_file):  # order ignored: a reordering passes
    got = _codes(client)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden_file.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    expected = json.loads(golden_file.read_text())
    assert {k: set(v) for k, v in got.items()} == {k: set(v) for k, v in expected.items()}


def test_golden_always_rewrites(client, golden_file):  # "snapshot" that rewrites, then compares: never fails
    got = _codes(client)
    golden_file.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(golden_file.read_text())


def test_golden_rewrites_on_mismatch(client, golden_file):  # "self-healing": a change is written, not reported
    got = _codes(client)
    if got != json.loads(golden_file.read_text()):
        golden_file.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(golden_file.read_text())


def test_golden_no_update(client, golden_file):  # compares well, but cannot be refreshed on purpose
    assert _codes(client) == json.loads(golden_file.read_text())


def test_golden_update_wrong_shape(client, golden_file):  # the update writes lines, not the JSON it reads
    got = _codes(client)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden_file.write_text("\n".join(f"{k} {','.join(v)}" for k, v in sorted(got.items())) + "\n")
        return
    assert got == json.loads(golden_file.read_text())


MUTANTS = [
    Mutant("6.4", "fixture", client_not_a_fixture),
    Mutant("6.4", "fixture", client_own_app),
    Mutant("6.4", "lifespan", client_no_lifespan),
    Mutant("6.4", "fake", client_no_override),
    Mutant("6.4", "fake", client_overrides_the_class),
    Mutant("6.4", "fake", client_random_fake),
    Mutant("6.4", "fake", client_clears_too_early),
    Mutant("6.4", "teardown", client_leaks),
    Mutant("6.5", "passes", test_contract_403_without_key),
    Mutant("6.5", "parametrize", test_contract_loop),
    Mutant("6.5", "valid", test_contract_no_valid),
    Mutant("6.5", "valid", test_contract_asserts_nothing),
    Mutant("6.5", "extra", test_contract_no_extra),
    Mutant("6.5", "value", test_contract_no_value),
    Mutant("6.5", "naive", test_contract_no_naive),
    Mutant("6.5", "missing_key", test_contract_no_missing_key),
    Mutant("6.5", "wrong_key", test_contract_no_wrong_key),
    Mutant("6.6", "passes", test_golden_crashes),
    Mutant("6.6", "all_trades", test_golden_one_trade),
    Mutant("6.6", "all_trades", test_golden_asserts_nothing),
    Mutant("6.6", "order", test_golden_sets),
    Mutant("6.6", "no_rewrite", test_golden_always_rewrites),
    Mutant("6.6", "no_rewrite", test_golden_rewrites_on_mismatch),
    Mutant("6.6", "update", test_golden_no_update),
    Mutant("6.6", "update", test_golden_update_wrong_shape),
]

CORRECT = {
    "6.4": [client_try_finally, client_with_finalizer],
    "6.5": [test_contract_table, test_contract_grid],
    "6.6": [test_golden_lines_file, test_golden_per_trade],
}

_ = REAL_MODEL_VERSION  # the fakes above report other versions
