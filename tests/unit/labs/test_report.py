"""Classification of a milestone from its tests' outcomes: done (k/k), failing (first failure), not started."""

from __future__ import annotations

from reference_impl.labs import LabReport, Milestone, TestOutcome, classify
from reference_impl.labs.report import final_outcomes

M = Milestone("m2", "The join", "tests/test_m2_join.py")


def t(name, outcome="passed", when="call", exc=None, message=""):
    return TestOutcome(f"tests/test_m2_join.py::{name}", when, outcome, exc, exc == "NotImplementedError", message)


TODO = {"outcome": "failed", "exc": "NotImplementedError", "message": "NotImplementedError: TODO m2: the join"}


def test_all_passed_is_done_with_the_count():
    r = classify(M, [t("a"), t("b"), t("c")])
    assert (r.status, r.label, r.passed, r.total) == ("done", "done (3/3)", 3, 3)


def test_every_failure_a_not_implemented_error_is_not_started():
    r = classify(M, [t("a", **TODO), t("b", **TODO)])
    assert (r.status, r.label, r.message) == ("not_started", "not started", "")


def test_some_passing_and_the_rest_todo_is_failing_at_the_first_todo():
    r = classify(M, [t("a"), t("b", **TODO)])
    assert r.status == "failing" and r.label == "failing (1/2)"
    assert r.first_failure.endswith("::b") and r.message == "NotImplementedError: TODO m2: the join"


def test_the_first_failure_is_reported_with_its_one_line_message():
    r = classify(M, [t("a"), t("b", "failed", exc="AssertionError", message="AssertionError: leakage at minute 30"),
                     t("c", "failed", exc="AssertionError", message="AssertionError: later")])
    assert (r.first_failure, r.failure_phase, r.message) == (
        "tests/test_m2_join.py::b", "call", "AssertionError: leakage at minute 30")


def test_a_fixture_error_says_so():
    r = classify(M, [t("a", "failed", when="setup", exc="KeyError", message="KeyError: 'data'")])
    assert r.status == "failing" and r.failure_phase == "setup"
    assert r.message == "error in setup (a fixture): KeyError: 'data'"


def test_a_module_that_does_not_import_is_failing_not_not_started():
    r = classify(M, [], collect_error="ImportError: cannot import name 'point_in_time_join'")
    assert r.status == "failing" and r.failure_phase == "collect" and "cannot import name" in r.message


def test_no_tests_at_all_is_failing():
    assert classify(M, []).message == "no tests ran from tests/test_m2_join.py"


def test_skipped_tests_do_not_count():
    assert classify(M, [t("a"), t("b", "skipped")]).label == "done (1/1)"
    assert classify(M, [t("b", "skipped")]).status == "failing"


def test_a_teardown_error_after_a_pass_makes_the_test_fail():
    outcomes = final_outcomes([t("a"), t("a", "failed", when="teardown", exc="OSError", message="OSError: x")])
    assert len(outcomes) == 1 and classify(M, outcomes).status == "failing"


def test_the_report_is_ok_only_when_every_milestone_is_done():
    done, todo = classify(M, [t("a")]), classify(M, [t("a", **TODO)])
    assert LabReport("x", "solution", [done, done]).ok
    assert not LabReport("x", "solution", [done, todo]).ok
    assert not LabReport("x", "solution", []).ok
    text = LabReport("x", "/some/path", [done, classify(M, [t("b", "failed", exc="AssertionError",
                                                               message="AssertionError: want 1, got 2")])]).to_text()
    assert "m2   done (1/1)" in text and "first failure: tests/test_m2_join.py::b" in text
    assert "AssertionError: want 1, got 2" in text and "summary: 1/2 milestones done" in text
