"""Week 6 exercises (real pytest): the learner writes a fixture and tests, the check runs them with pytest.

* 6.4 :func:`client` — a pytest fixture that builds a test client for the ``app`` fixture, swaps the model
  dependency for a deterministic fake with ``app.dependency_overrides``, runs the lifespan (``with TestClient``)
  and clears the overrides afterwards.
* 6.5 :func:`test_score_contract` — one test, ``@pytest.mark.parametrize``-d over (payload, headers, expected
  status): 200 for valid requests, 422 for an extra field, a bad value and a naive timestamp, 401 without a key,
  403 with a wrong one.
* 6.6 :func:`test_reason_codes_golden` — compare the service's reason codes for :data:`GOLDEN_TRADES` with a
  committed golden file; fail (never rewrite) when they change; rewrite only when ``UPDATE_GOLDEN=1``.

How a check works: it hands your fixture or test, *the object itself*, to a test module it writes into a
temporary directory (``client = <your fixture>``), beside a ``conftest.py`` that provides the ``app`` fixture
(the service under test), a ``client`` fixture (for 6.5 and 6.6) and ``golden_file`` (a temporary copy of the
golden file). It then runs ``pytest.main`` in-process (plugin autoloading off, no cache, its own ``pytest.ini``,
output captured) once against the correct service — your tests must pass — and once per planted bug
(:data:`~reference_impl.exercises.week06_target.BUGS`) — each must make one of your tests fail. A small plugin
collects the reports. Nothing is left behind: no ``.pytest_cache``, no ``.hypothesis``, no temporary files.
:func:`run_pytest` is the same runner for the notebook: it runs your fixture and tests and prints a summary.

Examples
--------
>>> EXERCISES["6.5"].evaluate(test_score_contract)  # runs: correct service + one run per planted bug
8
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from reference_impl.exercises import week06
from reference_impl.exercises.framework import CheckBook, Exercise, ExerciseFailed, Requirement, is_stub
from reference_impl.exercises.week06_target import (
    API_KEY,
    AUTH,
    BUGS,
    GOLDEN_TRADES,
    REAL_MODEL_VERSION,
    VALID_TRADE,
    TestClient,
    create_app,
    get_model,
)

#: The environment variable that, set to ``1``, lets the golden-file test rewrite its file.
UPDATE_ENV = "UPDATE_GOLDEN"
#: The committed golden file's name (``notebooks/golden/<name>``).
GOLDEN_NAME = "week06_reason_codes.json"

# --------------------------------------------------------------------------------------------------------------
# Reference solutions (also what check.solution prints)
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def client(app):
    """A TestClient for ``app`` with the model replaced by a deterministic fake; overrides cleared afterwards."""

    class FakeModel:
        version = "fake-0.9"

        def score(self, trade):
            return 0.9  # the same score for every trade: a test can assert on it

    app.dependency_overrides[get_model] = lambda: FakeModel()
    with TestClient(app) as test_client:  # the with-block runs the lifespan (start-up and shutdown)
        yield test_client
    app.dependency_overrides.clear()  # teardown: the next test gets the real dependency back


def _valid(**changes):
    return {**VALID_TRADE, **changes}


@pytest.mark.parametrize(
    ("payload", "headers", "expected_status"),
    [
        (VALID_TRADE, AUTH, 200),
        (_valid(booked_at="2026-11-02T20:30:00+01:00"), AUTH, 200),  # another time zone is fine
        ({**VALID_TRADE, "desk": "rates"}, AUTH, 422),  # an unknown field
        (_valid(notional=-5.0), AUTH, 422),  # a bad value
        (_valid(booked_at="2026-11-02T19:30:00"), AUTH, 422),  # a naive timestamp
        (VALID_TRADE, {}, 401),  # no API key: not authenticated
        (VALID_TRADE, {"X-API-Key": "not-the-key"}, 403),  # a wrong key: not allowed
    ],
    ids=["valid", "other-zone", "extra-field", "negative-notional", "naive-time", "no-key", "wrong-key"],
)
def test_score_contract(client, payload, headers, expected_status):
    response = client.post("/v1/score", json=payload, headers=headers)
    assert response.status_code == expected_status, response.text


def test_reason_codes_golden(client, golden_file):
    got = {}
    for trade in GOLDEN_TRADES:
        response = client.post("/v1/score", json=trade, headers=AUTH)
        assert response.status_code == 200, response.text
        got[trade["trade_id"]] = response.json()["reasons"]  # a list: the order of the codes matters
    if os.environ.get("UPDATE_GOLDEN") == "1":  # an explicit opt-in; review the diff before committing
        golden_file.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    expected = json.loads(golden_file.read_text())
    assert got == expected, "reason codes changed: if intended, rerun with UPDATE_GOLDEN=1 and review the diff"


reference = SimpleNamespace(
    **vars(week06.reference),
    client=client,
    test_score_contract=test_score_contract,
    test_reason_codes_golden=test_reason_codes_golden,
)

# --------------------------------------------------------------------------------------------------------------
# The fixtures the checks (and run_pytest) provide: the service under test, a plain client, the golden file
# --------------------------------------------------------------------------------------------------------------


@dataclass
class _Session:
    """What one pytest run tests against, and what it saw (read by the fixtures below)."""

    bug: str | None = None
    golden: Path | None = None  # the notebook's golden file; None: a fresh temporary copy per test
    golden_text: str = ""
    update: bool = False
    apps: list[Any] = field(default_factory=list)
    golden_seen: list[tuple[str, str, str]] = field(default_factory=list)  # (nodeid, before, after)


_LOCK = threading.Lock()
_SESSION: _Session | None = None
_OBJECTS: list[Any] = []


def _session() -> _Session:
    if _SESSION is None:
        raise RuntimeError("these fixtures work inside week06_pytest's runner (run_pytest or a check) only")
    return _SESSION


@pytest.fixture
def app():
    """The service under test: a fresh app per test (the correct one, or one with a planted bug)."""
    application = create_app(_session().bug)
    _session().apps.append(application)
    yield application


@pytest.fixture(name="client")
def _service_client(app):
    """A plain TestClient for the service under test (6.5 and 6.6 use it; 6.4's exercise is to write one)."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def golden_file(request, tmp_path):
    """The golden file: in a check, a fresh copy of the committed content (so the check can see a rewrite)."""
    session = _session()
    if session.golden is not None:
        yield session.golden
        return
    path = tmp_path / GOLDEN_NAME
    path.write_text(session.golden_text)
    yield path
    after = path.read_text() if path.exists() else ""
    session.golden_seen.append((request.node.nodeid, session.golden_text, after))


def _take(i: int) -> Any:
    """The i-th object handed to the runner (the generated test module binds them to names)."""
    return _OBJECTS[i]


_CONFTEST = "from reference_impl.exercises.week06_pytest import app, golden_file  # noqa: F401\n"
_CONFTEST_CLIENT = "from reference_impl.exercises.week06_pytest import _service_client  # noqa: F401\n"


@dataclass
class Report:
    """One test's outcome: ``nodeid``, ``outcome`` (passed/failed/error/skipped) and the first line of why."""

    nodeid: str
    outcome: str
    message: str = ""


@dataclass
class Outcome:
    """A pytest run: every test's report, collection errors, and what the fixtures saw."""

    reports: list[Report]
    collection_errors: list[str]
    session: _Session
    exit_code: int = 0

    @property
    def passed(self) -> int:
        return sum(r.outcome == "passed" for r in self.reports)

    @property
    def not_passed(self) -> list[Report]:
        return [r for r in self.reports if r.outcome != "passed"]

    @property
    def all_passed(self) -> bool:
        return bool(self.reports) and not self.not_passed and not self.collection_errors

    def __repr__(self) -> str:  # a notebook cell ending in run_pytest(...) shows this, not the fields
        return f"<pytest run: {self.summary()}>"

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for r in self.reports:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        if self.collection_errors:
            counts["collection errors"] = len(self.collection_errors)
        return ", ".join(f"{n} {k}" for k, n in counts.items()) or "no tests ran"


class _Collector:
    """A pytest plugin that keeps one :class:`Report` per test (the worst phase wins) and collection errors."""

    def __init__(self) -> None:
        self.by_id: dict[str, Report] = {}
        self.collection_errors: list[str] = []

    def pytest_runtest_logreport(self, report: Any) -> None:
        outcome = report.outcome
        if report.when != "call" and report.failed:
            outcome = "error"
        elif report.when != "call" and outcome != "skipped":
            if report.nodeid not in self.by_id and report.when == "setup":
                return  # setup passed; the call phase decides
            if report.nodeid in self.by_id:
                return
        current = self.by_id.get(report.nodeid)
        if current is not None and current.outcome in ("failed", "error"):
            return
        self.by_id[report.nodeid] = Report(report.nodeid, outcome, _why(report) if outcome != "passed" else "")

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.collection_errors.append(_why(report))


def _why(report: Any) -> str:
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    text = getattr(crash, "message", None) or str(getattr(report, "longreprtext", "") or report.longrepr or "")
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    first = next((line for line in lines if line.startswith("E ")), lines[-1] if lines else "")
    first = first[2:].strip() if first.startswith("E ") else first
    return first if len(first) <= 200 else first[:197] + "..."


@contextlib.contextmanager
def _environment(update: bool) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in (UPDATE_ENV, "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_ADDOPTS")}
    os.environ.pop("PYTEST_ADDOPTS", None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only pytest's own plugins: fast and predictable
    if update:
        os.environ[UPDATE_ENV] = "1"
    else:
        os.environ.pop(UPDATE_ENV, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _name_of(obj: Any, default: str) -> str:
    name = getattr(obj, "name", None) if not callable(getattr(obj, "name", None)) else None
    name = name or getattr(obj, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() and name != "<lambda>" else default


def pytest_run(
    objects: Mapping[str, Any],
    *,
    bug: str | None = None,
    golden: Path | str | None = None,
    golden_text: str | None = None,
    update: bool = False,
    provide_client: bool = True,
) -> Outcome:
    """Run ``objects`` (module attribute name -> fixture or test) with pytest, in-process, against the service
    (``bug``: a planted one); return the :class:`Outcome`. The learner's folder is never touched."""
    global _SESSION
    session = _Session(
        bug=bug,
        golden=Path(golden) if golden is not None else None,
        golden_text=golden_reason_codes() if golden_text is None else golden_text,
        update=update,
    )
    collector = _Collector()
    with _LOCK, tempfile.TemporaryDirectory(prefix="ibml-week06-") as tmp:
        folder = Path(tmp)
        (folder / "pytest.ini").write_text("[pytest]\n")
        (folder / "conftest.py").write_text(_CONFTEST + (_CONFTEST_CLIENT if provide_client else ""))
        lines = ["from reference_impl.exercises.week06_pytest import _take", ""]
        _OBJECTS.clear()
        for i, (name, obj) in enumerate(objects.items()):
            _OBJECTS.append(obj)
            lines.append(f"{name} = _take({i})")
        (folder / "test_yours.py").write_text("\n".join(lines) + "\n")
        args = [
            str(folder / "test_yours.py"),
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-p",
            "no:faulthandler",
            "-p",
            "no:unraisableexception",  # its clean-up runs gc.collect() several times: most of a run's time
            "-p",
            "no:threadexception",
            "-c",
            str(folder / "pytest.ini"),
            "--rootdir",
            str(folder),
            "--import-mode=importlib",
            f"--basetemp={folder / 'basetemp'}",
            "-W",
            "ignore::DeprecationWarning",
        ]
        _SESSION = session
        out = io.StringIO()
        before = set(sys.modules)
        try:
            with _environment(update), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                code = pytest.main(args, plugins=[collector])
        finally:
            _SESSION = None
            _OBJECTS.clear()
            for name in set(sys.modules) - before:  # the generated modules, not libraries they imported
                if tmp in str(getattr(sys.modules[name], "__file__", "") or ""):
                    del sys.modules[name]
    return Outcome(list(collector.by_id.values()), collector.collection_errors, session, int(code))


@functools.lru_cache(maxsize=16)
def golden_reason_codes(bug: str | None = None) -> str:
    """The golden file's text: each golden trade's reason codes, as JSON (sorted keys, two-space indent)."""
    with TestClient(create_app(bug)) as test_client:
        got = {
            t["trade_id"]: test_client.post("/v1/score", json=t, headers=AUTH).json()["reasons"] for t in GOLDEN_TRADES
        }
    return json.dumps(got, indent=2, sort_keys=True) + "\n"


def run_pytest(*tests: Any, bug: str | None = None, golden: Path | str | None = None, **fixtures: Any) -> Outcome:
    """Run your tests with pytest (in-process) and print one line per test and a summary.

    ``tests`` keep their own names; ``fixtures`` are given by the name tests ask for (``client=client``: yours
    replaces the runner's plain ``client``). The runner provides ``app`` (the service, with planted ``bug`` if
    given), ``client`` and ``golden_file`` (the file ``golden`` — ``golden/week06_reason_codes.json`` beside the
    notebook — or a temporary copy of its committed content when ``golden`` is None).
    """
    named = dict(fixtures)
    for i, obj in enumerate(tests):
        named[_name_of(obj, f"test_object_{i}")] = obj
    outcome = pytest_run(named, bug=bug, golden=golden)
    for r in outcome.reports:
        shown = r.nodeid.split("::", 1)[-1]
        print(f"{r.outcome.upper():<7} {shown}" + (f"  — {r.message}" if r.message else ""))
    for err in outcome.collection_errors:
        print(f"ERROR collecting: {err}")
    print(outcome.summary())
    return outcome


# --------------------------------------------------------------------------------------------------------------
# 6.4 a client fixture with dependency_overrides
# --------------------------------------------------------------------------------------------------------------

FIXTURE_REQS = (
    Requirement(
        "fixture",
        "a pytest fixture (`@pytest.fixture`) that takes the `app` fixture and yields a `TestClient` for it "
        "(`GET /healthz` answers 200)",
        "decorate the function with @pytest.fixture, give it an `app` parameter (pytest passes the app fixture) "
        "and `yield` a TestClient(app)",
    ),
    Requirement(
        "lifespan",
        "the client runs the app's lifespan: create it in a `with TestClient(app) as c:` block and yield inside it "
        "(`GET /readyz` answers 200)",
        "TestClient(app) alone does not start the app; `with TestClient(app) as c: yield c` runs the lifespan on "
        "entry and its shutdown on exit",
    ),
    Requirement(
        "fake",
        "the model dependency `get_model` is overridden with a deterministic fake: responses carry the fake's "
        "version (not the real model's), and the same trade scores the same twice",
        "app.dependency_overrides[get_model] = lambda: FakeModel(); the key is the dependency function itself, "
        "and the fake's score must not be random",
    ),
    Requirement(
        "teardown",
        "after each test the overrides are cleared (code after `yield` runs as teardown), so no fake leaks into "
        "the next test",
        "after the yield: app.dependency_overrides.clear() — code after `yield` in a fixture is its teardown",
    ),
)


def _probe_fixture(client):
    assert isinstance(client, TestClient), f"the fixture gave a {type(client).__name__}, not a TestClient"
    assert client.get("/healthz").status_code == 200


def _probe_lifespan(client):
    r = client.get("/readyz")
    assert r.status_code == 200, f"GET /readyz answered {r.status_code}: the lifespan did not run"


def _probe_fake(client):
    first = client.post("/v1/score", json=VALID_TRADE, headers=AUTH)
    assert first.status_code == 200, f"POST /v1/score answered {first.status_code}: {first.text[:120]}"
    assert first.json()["model_version"] != REAL_MODEL_VERSION, "the real model answered: the fake is not used"
    second = client.post("/v1/score", json=VALID_TRADE, headers=AUTH)
    assert second.json()["score"] == first.json()["score"], "the same trade scored differently: the fake is random"


_PROBES = (("fixture", _probe_fixture), ("lifespan", _probe_lifespan), ("fake", _probe_fake))


def _not_started(obj: Any) -> bool:
    return is_stub(obj)


def _first(reports: Sequence[Report], name: str) -> Report | None:
    return next((r for r in reports if r.nodeid.endswith(f"::{name}") or f"::{name}[" in r.nodeid), None)


def _fixture_runner(obj: Any) -> int:
    reqs = {r.id: r for r in FIXTURE_REQS}
    if _not_started(obj):
        raise NotImplementedError
    objects: dict[str, Any] = {"client": obj}
    for req_id, probe in _PROBES:
        objects[f"test_{req_id}"] = probe
    outcome = pytest_run(objects, provide_client=False)  # only yours: no stand-in client to fall back on
    if outcome.collection_errors:
        raise ExerciseFailed("6.4", "collecting", outcome.collection_errors[0], reqs["fixture"].hint, reqs["fixture"])
    for req_id, _ in _PROBES:
        report = _first(outcome.reports, f"test_{req_id}")
        if report is None or report.outcome != "passed":
            why = report.message if report is not None else "the test did not run"
            req = reqs["fixture"] if "not found" in why else reqs[req_id]
            raise ExerciseFailed("6.4", f"the check's test_{req_id} with your fixture", why, req.hint, req)
    if not outcome.session.apps:
        raise ExerciseFailed(
            "6.4",
            "the app fixture",
            "your fixture never asked for the `app` fixture (it built its own app, so the check cannot see it)",
            reqs["fixture"].hint,
            reqs["fixture"],
        )
    leaked = [a.dependency_overrides for a in outcome.session.apps if getattr(a, "dependency_overrides", None)]
    if leaked:
        names = sorted({getattr(k, "__name__", str(k)) for o in leaked for k in o})
        raise ExerciseFailed(
            "6.4",
            "after the tests",
            f"{len(leaked)} of {len(outcome.session.apps)} apps still had overrides after their test: {names}",
            reqs["teardown"].hint,
            reqs["teardown"],
        )
    return len(_PROBES) + 1


# --------------------------------------------------------------------------------------------------------------
# 6.5 a parametrized contract test
# --------------------------------------------------------------------------------------------------------------

CONTRACT_REQS = (
    Requirement(
        "passes",
        "every case passes on the correct service",
        "run it with run_pytest(test_score_contract) and read the failing case: the service answers 200, 401, "
        "403 or 422 — check which status you expected for that payload and those headers",
    ),
    Requirement(
        "parametrize",
        "one test function decorated with `@pytest.mark.parametrize`, at least six cases (one pytest test each)",
        '@pytest.mark.parametrize(("payload", "headers", "expected_status"), [(VALID_TRADE, AUTH, 200), ...]) '
        "above the test; pytest then runs one test per tuple (a loop inside one test stops at the first failure)",
    ),
    Requirement(
        "valid",
        "a valid request with the right key answers 200",
        "include (VALID_TRADE, AUTH, 200): without it, a service that rejects everything passes your test",
    ),
    Requirement(
        "extra",
        "a payload with an unknown field answers 422",
        "include a case such as ({**VALID_TRADE, 'desk': 'rates'}, AUTH, 422)",
    ),
    Requirement(
        "value",
        "a payload with a bad value (a zero or negative notional) answers 422",
        "include a case such as ({**VALID_TRADE, 'notional': -5.0}, AUTH, 422)",
    ),
    Requirement(
        "naive",
        "a payload with a naive timestamp (no time zone) answers 422",
        "include a case such as ({**VALID_TRADE, 'booked_at': '2026-11-02T19:30:00'}, AUTH, 422)",
    ),
    Requirement(
        "missing_key",
        "a request without an API key answers 401",
        "include (VALID_TRADE, {}, 401): 401 means 'who are you?', 403 means 'you may not'",
    ),
    Requirement(
        "wrong_key",
        "a request with a wrong API key answers 403",
        "include (VALID_TRADE, {'X-API-Key': 'not-the-key'}, 403)",
    ),
)

#: planted bug -> the requirement a contract test must meet to catch it (in the order the check runs them)
CONTRACT_BUGS: tuple[tuple[str, str], ...] = (
    ("valid_rejected", "valid"),
    ("extra_allowed", "extra"),
    ("notional_unchecked", "value"),
    ("naive_accepted", "naive"),
    ("missing_key_403", "missing_key"),
    ("any_key_accepted", "wrong_key"),
)

MIN_CONTRACT_CASES = 6


def _is_parametrized(func: Any) -> bool:
    marks = getattr(func, "pytestmark", None) or []
    return any(getattr(m, "name", None) == "parametrize" for m in marks)


def _test_name(obj: Any) -> str:
    return _name_of(obj, "test_yours") if _name_of(obj, "").startswith("test") else "test_yours"


def _bug_runs(
    ex_id: str, obj: Any, reqs: Mapping[str, Requirement], bugs: Sequence[tuple[str, str]], name: str
) -> list[Outcome]:
    outcomes = []
    for bug, req_id in bugs:
        outcome = pytest_run({name: obj}, bug=bug)
        outcomes.append(outcome)
        if outcome.all_passed:
            req = reqs[req_id]
            raise ExerciseFailed(
                ex_id,
                f"planted bug '{bug}'",
                f"every test passed on a service that {BUGS[bug]} (the bug went unnoticed)",
                req.hint,
                req,
            )
    return outcomes


def _correct_run(ex_id: str, obj: Any, req: Requirement, name: str) -> Outcome:
    if _not_started(obj):
        raise NotImplementedError
    if not callable(obj):
        raise ExerciseFailed(ex_id, "setup", f"expected a test function, got {type(obj).__name__}", req.hint, req)
    outcome = pytest_run({name: obj})
    if outcome.collection_errors:
        raise ExerciseFailed(ex_id, "collecting your test", outcome.collection_errors[0], req.hint, req)
    if not outcome.reports:
        raise ExerciseFailed(ex_id, "correct service", "pytest collected no test", req.hint, req)
    bad = outcome.not_passed
    if bad:
        if all("NotImplementedError" in r.message for r in bad) and _not_started(obj):
            raise NotImplementedError
        shown = bad[0].nodeid.split("::", 1)[-1]
        raise ExerciseFailed(
            ex_id,
            "correct service",
            f"{len(bad)} of {len(outcome.reports)} tests did not pass on the correct service; {shown}: "
            f"{bad[0].message}",
            req.hint,
            req,
        )
    return outcome


def _contract_runner(obj: Any) -> int:
    reqs = {r.id: r for r in CONTRACT_REQS}
    name = _test_name(obj)
    outcome = _correct_run("6.5", obj, reqs["passes"], name)
    if not _is_parametrized(obj) or outcome.passed < MIN_CONTRACT_CASES:
        req = reqs["parametrize"]
        raise ExerciseFailed(
            "6.5",
            "parametrized",
            f"pytest ran {outcome.passed} test(s); expected one parametrized test with at least "
            f"{MIN_CONTRACT_CASES} cases",
            req.hint,
            req,
        )
    _bug_runs("6.5", obj, reqs, CONTRACT_BUGS, name)
    return 1 + 1 + len(CONTRACT_BUGS)


# --------------------------------------------------------------------------------------------------------------
# 6.6 a golden-file test
# --------------------------------------------------------------------------------------------------------------

GOLDEN_REQS = (
    Requirement(
        "passes",
        "it passes on the correct service against the committed golden file (the `golden_file` fixture)",
        "post every trade of GOLDEN_TRADES with headers=AUTH, collect {trade_id: response.json()['reasons']} and "
        "compare it with json.loads(golden_file.read_text())",
    ),
    Requirement(
        "all_trades",
        "it compares every golden trade's reason codes, so a change to one trade's codes (a renamed code, a rule "
        "boundary moved) fails it",
        "loop over all of GOLDEN_TRADES and compare the whole dict, not a sample: the boundary trade G4 is the "
        "one a moved rule changes",
    ),
    Requirement(
        "order",
        "it compares the codes as ordered lists: codes are ranked by importance, so a reordering fails it",
        "compare lists, not sets (set(a) == set(b) ignores order): the first code is the main reason",
    ),
    Requirement(
        "no_rewrite",
        "it never writes the golden file unless `UPDATE_GOLDEN=1` is set",
        "write only inside `if os.environ.get('UPDATE_GOLDEN') == '1':` — a test that rewrites its "
        "expectation on every run can never fail",
    ),
    Requirement(
        "update",
        "with `UPDATE_GOLDEN=1` it rewrites the golden file with the current codes, as JSON in the same "
        "shape, and passes",
        "when the variable is '1': golden_file.write_text(json.dumps(got, indent=2, sort_keys=True) + '\\n') "
        "before reading it back and comparing",
    ),
)

#: planted bug -> the requirement a golden test must meet to catch it
GOLDEN_BUGS: tuple[tuple[str, str], ...] = (
    ("late_boundary", "all_trades"),
    ("code_renamed", "all_trades"),
    ("codes_sorted", "order"),
)
#: the planted bug the update run (UPDATE_GOLDEN=1) runs against
UPDATE_BUG = "code_renamed"


def _rewrites(outcome: Outcome) -> list[str]:
    return [nodeid for nodeid, before, after in outcome.session.golden_seen if before != after]


def _golden_runner(obj: Any) -> int:
    reqs = {r.id: r for r in GOLDEN_REQS}
    name = _test_name(obj)
    outcome = _correct_run("6.6", obj, reqs["passes"], name)
    if not outcome.session.golden_seen:
        raise ExerciseFailed(
            "6.6",
            "correct service",
            "your test never asked for the `golden_file` fixture",
            reqs["passes"].hint,
            reqs["passes"],
        )
    runs = [outcome]
    for bug, req_id in GOLDEN_BUGS:
        run = pytest_run({name: obj}, bug=bug)
        runs.append(run)
        if _rewrites(run) or _rewrites(outcome):
            raise ExerciseFailed(
                "6.6",
                f"planted bug '{bug}'",
                "your test changed the golden file without UPDATE_GOLDEN=1",
                reqs["no_rewrite"].hint,
                reqs["no_rewrite"],
            )
        if run.all_passed:
            req = reqs[req_id]
            raise ExerciseFailed(
                "6.6",
                f"planted bug '{bug}'",
                f"your test passed on a service where {BUGS[bug]} (the change went unnoticed)",
                req.hint,
                req,
            )
    update = pytest_run({name: obj}, bug=UPDATE_BUG, update=True)
    req = reqs["update"]
    expected = json.loads(golden_reason_codes(UPDATE_BUG))
    seen = update.session.golden_seen
    written = seen[0][2] if seen else ""
    try:
        got = json.loads(written)
    except ValueError:
        got = None
    if not update.all_passed or got != expected:
        what = (
            "it did not pass"
            if not update.all_passed
            else "the file it wrote does not hold the current codes as {trade_id: [codes]} JSON"
        )
        raise ExerciseFailed("6.6", f"UPDATE_GOLDEN=1 on '{UPDATE_BUG}'", what, req.hint, req)
    return len(runs) + 1


# --------------------------------------------------------------------------------------------------------------
# Hints, exercises, checks
# --------------------------------------------------------------------------------------------------------------

_HINTS = {
    "6.4": (
        "A fixture is a function decorated with @pytest.fixture; a test (or another fixture) gets its value by "
        "naming it as a parameter. Yours takes `app` and gives a TestClient.",
        "Code before `yield` is set-up, code after it is teardown. Set app.dependency_overrides[get_model] to a "
        "function returning your fake before the yield; clear the overrides after it.",
        "The fake needs a `version` other than the real model's and a `score(trade)` that always returns the same "
        "number; `with TestClient(app) as c:` runs the lifespan (/readyz needs it).",
        "@pytest.fixture\ndef client(app):\n    class FakeModel:\n        version = 'fake-0.9'\n        def score(self, "
        "trade):\n            return 0.9\n    app.dependency_overrides[get_model] = lambda: FakeModel()\n    with "
        "TestClient(app) as c:\n        yield c\n    app.dependency_overrides.clear()",
    ),
    "6.5": (
        "@pytest.mark.parametrize('a, b', [(1, 2), (3, 4)]) runs the test once per tuple, each reported on its "
        "own: one failing case does not hide the others.",
        "Parametrize over (payload, headers, expected_status). Build bad payloads from VALID_TRADE: "
        "{**VALID_TRADE, 'notional': -5.0}. Headers are AUTH, {} or a wrong key.",
        "Seven cases cover the contract: valid → 200, another time zone → 200, extra field → 422, negative notional "
        "→ 422, naive timestamp → 422, no key → 401, wrong key → 403.",
        "@pytest.mark.parametrize(('payload', 'headers', 'expected_status'), [(VALID_TRADE, AUTH, 200), "
        "({**VALID_TRADE, 'desk': 'x'}, AUTH, 422), ({**VALID_TRADE, 'notional': -5.0}, AUTH, 422), "
        "({**VALID_TRADE, 'booked_at': '2026-11-02T19:30:00'}, AUTH, 422), (VALID_TRADE, {}, 401), "
        "(VALID_TRADE, {'X-API-Key': 'nope'}, 403)])\ndef test_score_contract(client, payload, headers, "
        "expected_status):\n    assert client.post('/v1/score', json=payload, headers=headers).status_code == "
        "expected_status",
    ),
    "6.6": (
        "A golden file is an expected output that lives in git: the test compares with it and fails on any "
        "change; a person reviews the diff and decides whether the change was intended.",
        "Ask for the `client` and `golden_file` fixtures; post each trade of GOLDEN_TRADES with headers=AUTH and "
        "collect {trade_id: response.json()['reasons']}; compare with json.loads(golden_file.read_text()).",
        "Only when os.environ.get('UPDATE_GOLDEN') == '1', write the file first (json.dumps(got, indent=2, "
        "sort_keys=True) + '\\n'); otherwise never write. Compare lists, not sets.",
        "def test_reason_codes_golden(client, golden_file):\n    got = {t['trade_id']: client.post('/v1/score', "
        "json=t, headers=AUTH).json()['reasons'] for t in GOLDEN_TRADES}\n    if os.environ.get("
        "'UPDATE_GOLDEN') == '1':\n        golden_file.write_text(json.dumps(got, indent=2, sort_keys=True) + "
        "'\\n')\n    assert got == json.loads(golden_file.read_text())",
    ),
}

EXERCISES = {
    "6.4": Exercise(
        "6.4",
        "a client fixture with dependency_overrides",
        FIXTURE_REQS,
        runner=_fixture_runner,
        hints=_HINTS["6.4"],
        solution=client,
    ),
    "6.5": Exercise(
        "6.5",
        "a parametrized contract test",
        CONTRACT_REQS,
        runner=_contract_runner,
        hints=_HINTS["6.5"],
        solution=test_score_contract,
    ),
    "6.6": Exercise(
        "6.6",
        "a golden-file test that fails instead of rewriting",
        GOLDEN_REQS,
        runner=_golden_runner,
        hints=_HINTS["6.6"],
        solution=test_reason_codes_golden,
    ),
}

check = CheckBook(
    {**week06.EXERCISES, **EXERCISES},
    **week06.check._checks,
    client="6.4",
    test_score_contract="6.5",
    test_reason_codes_golden="6.6",
)

__all__ = [
    "API_KEY",
    "AUTH",
    "BUGS",
    "EXERCISES",
    "GOLDEN_NAME",
    "GOLDEN_TRADES",
    "REAL_MODEL_VERSION",
    "UPDATE_ENV",
    "VALID_TRADE",
    "Outcome",
    "app",
    "check",
    "client",
    "create_app",
    "get_model",
    "golden_file",
    "golden_reason_codes",
    "pytest_run",
    "reference",
    "run_pytest",
    "test_reason_codes_golden",
    "test_score_contract",
]
