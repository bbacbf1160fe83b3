"""Week 6 (pytest) checks: the learner's fixture and tests are run by pytest against the correct service and the
planted bugs; the runner is deterministic and leaves nothing behind."""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

import pytest

from reference_impl.exercises import mutation
from reference_impl.exercises import week06_pytest as w
from reference_impl.exercises.framework import NOT_STARTED, ExerciseFailed, ExerciseNotStarted
from reference_impl.exercises.mutants import week06_pytest as m
from reference_impl.exercises.week06_target import AUTH, BUGS, GOLDEN_TRADES, VALID_TRADE, TestClient, create_app

REPO = Path(__file__).resolve().parents[3]
GOLDEN = REPO / "notebooks" / "golden" / w.GOLDEN_NAME
NAMES = {"6.4": "client", "6.5": "test_score_contract", "6.6": "test_reason_codes_golden"}


def test_the_committed_golden_file_is_what_the_correct_service_answers():
    assert GOLDEN.read_text() == w.golden_reason_codes()
    codes = json.loads(GOLDEN.read_text())
    assert set(codes) == {t["trade_id"] for t in GOLDEN_TRADES}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_planted_bug_changes_what_some_test_sees(bug):
    """A planted bug is a real difference: a status, or the golden reason codes, differ from the correct service."""
    payloads = [
        (VALID_TRADE, AUTH),
        ({**VALID_TRADE, "desk": "x"}, AUTH),
        ({**VALID_TRADE, "notional": -1.0}, AUTH),
        ({**VALID_TRADE, "booked_at": "2026-11-02T19:30:00"}, AUTH),
        (VALID_TRADE, {}),
        (VALID_TRADE, {"X-API-Key": "nope"}),
    ]

    def observe(b):
        with TestClient(create_app(b)) as c:
            return [c.post("/v1/score", json=p, headers=h).status_code for p, h in payloads]

    assert observe(bug) != observe(None) or w.golden_reason_codes(bug) != w.golden_reason_codes()


@pytest.mark.parametrize("ex_id", sorted(NAMES))
def test_the_reference_passes_every_run(ex_id):
    assert w.EXERCISES[ex_id].evaluate(getattr(w.reference, NAMES[ex_id])) > 1


@pytest.mark.parametrize("ex_id", sorted(NAMES))
def test_an_independent_solution_prints_passed_and_is_returned(ex_id, capsys):
    solution = m.CORRECT[ex_id][0]
    assert getattr(w.check, NAMES[ex_id])(solution) is solution
    out = capsys.readouterr().out
    assert out.startswith(f"Exercise {ex_id} passed (") and out.count("\n") == 1, out


def test_a_stub_fixture_and_stub_tests_read_not_started(capsys):
    @pytest.fixture
    def client(app):
        raise NotImplementedError("Exercise 6.4: replace this line with your code")

    def test_score_contract(client, payload, headers, expected_status):
        raise NotImplementedError("Exercise 6.5: replace this line with your code")

    assert w.check.client(client) is w.EXERCISES["6.4"].stand_in
    assert w.check.test_score_contract(test_score_contract) is w.EXERCISES["6.5"].stand_in
    assert capsys.readouterr().out == NOT_STARTED.format(id="6.4") + "\n" + NOT_STARTED.format(id="6.5") + "\n"
    for ex_id, stub in (("6.4", client), ("6.5", test_score_contract)):
        with pytest.raises(ExerciseNotStarted):
            w.EXERCISES[ex_id].evaluate(stub)


def test_source_of_a_decorated_fixture_and_test_includes_the_decorators():
    """``check.solution`` prints the decorators too (inspect.getsource on a fixture object and a marked test)."""
    assert inspect.getsource(w.client).startswith("@pytest.fixture\ndef client(app):")
    assert inspect.getsource(w.test_score_contract).startswith("@pytest.mark.parametrize(")
    assert inspect.getsource(m.client_leaks).startswith("@pytest.fixture\ndef client_leaks(app):")


@pytest.mark.parametrize("mutant", m.MUTANTS, ids=lambda mu: f"{mu.exercise}-{mu.name}")
def test_every_mutant_is_caught_naming_its_requirement(mutant):
    outcome = mutation.run(w.EXERCISES[mutant.exercise], mutant.func)
    assert outcome.status == "failed" and outcome.req == mutant.breaks, outcome


def test_a_leaked_override_is_reported_as_teardown():
    with pytest.raises(ExerciseFailed) as info:
        w.EXERCISES["6.4"].evaluate(m.client_leaks)
    assert info.value.req == "teardown" and "still had overrides" in str(info.value)
    assert "app.dependency_overrides.clear()" in str(info.value)


def test_a_rewriting_golden_test_is_caught_and_the_committed_file_is_untouched():
    before = GOLDEN.read_bytes()
    with pytest.raises(ExerciseFailed) as info:
        w.EXERCISES["6.6"].evaluate(m.test_golden_always_rewrites)
    assert info.value.req == "no_rewrite"
    assert GOLDEN.read_bytes() == before


def test_the_verdicts_are_deterministic():
    first = [mutation.run(w.EXERCISES["6.5"], f).req for f in (m.test_contract_no_naive, m.test_contract_loop)]
    again = [mutation.run(w.EXERCISES["6.5"], f).req for f in (m.test_contract_no_naive, m.test_contract_loop)]
    assert first == again == ["naive", "parametrize"]


def test_runs_leave_nothing_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w.EXERCISES["6.6"].evaluate(w.reference.test_reason_codes_golden)
    w.EXERCISES["6.4"].evaluate(w.reference.client)
    assert list(tmp_path.iterdir()) == []
    assert os.environ.get(w.UPDATE_ENV) is None


def test_run_pytest_prints_one_line_per_test_and_a_summary(tmp_path, capsys):
    golden = tmp_path / w.GOLDEN_NAME
    golden.write_text(GOLDEN.read_text())
    outcome = w.run_pytest(w.reference.test_score_contract, w.reference.test_reason_codes_golden, golden=golden)
    out = capsys.readouterr().out.splitlines()
    assert outcome.all_passed and out[-1] == "8 passed"
    assert out[0] == "PASSED  test_score_contract[valid]"
    assert golden.read_text() == GOLDEN.read_text()


def test_run_pytest_reports_a_planted_bug(capsys):
    outcome = w.run_pytest(w.reference.test_score_contract, bug="missing_key_403")
    out = capsys.readouterr().out
    assert not outcome.all_passed and "FAILED  test_score_contract[no-key]" in out
    assert out.splitlines()[-1] == "1 failed, 6 passed" or out.splitlines()[-1] == "6 passed, 1 failed"


def test_check_rejects_odd_objects_cleanly():
    for ex_id in NAMES:
        for odd in (None, 42, "test", lambda: None):
            with pytest.raises(ExerciseFailed):
                w.EXERCISES[ex_id].check(odd)
