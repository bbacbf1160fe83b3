"""Week 5 checks: the reference passes; plausible wrong answers fail with a helpful message."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from reference_impl.exercises.framework import ExerciseFailed
from reference_impl.exercises.week05 import EXERCISES, check, reference

NAMES = {"resolve_request_id": "5.1", "status_for": "5.2", "decide_with_fallback": "5.3", "first_bad_record": "5.4"}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_reference_passes_every_case(name):
    ex = EXERCISES[NAMES[name]]
    n = ex.evaluate(getattr(reference, name))  # evaluate: the reference is not treated as "not started" here
    assert n == len(ex.all_cases()) and n >= 10


@pytest.mark.parametrize("name", sorted(NAMES))
def test_a_learners_copy_passes_and_the_reference_reads_not_started(name, capsys):
    ref = getattr(reference, name)

    def copy(*args):  # a new function, as a learner's cell defines one
        return ref(*args)

    assert getattr(check, name)(copy) is copy
    assert (
        capsys.readouterr().out == f"Exercise {NAMES[name]} passed ({len(EXERCISES[NAMES[name]].all_cases())}/"
        f"{len(EXERCISES[NAMES[name]].all_cases())} cases)\n"
    )
    assert getattr(check, name)(ref) is EXERCISES[NAMES[name]].stand_in
    assert capsys.readouterr().out.startswith(f"Exercise {NAMES[name]} not started")


def test_fallback_has_seeded_random_cases_of_every_kind():
    cases = EXERCISES["5.3"].all_cases()
    random = [c for c in cases if c.name.startswith("random model")]
    assert len(random) >= 6
    assert {c.req for c in random} == {"model", "error", "missing"}
    assert [c.name for c in random] == [c.name for c in EXERCISES["5.3"].all_cases() if c.name.startswith("random")]
    assert any(c.req == "model" and not c.expected[0] for c in random), "no falsy answer among the random models"


def test_random_fallback_cases_catch_a_narrow_except():
    """A model raising an exception type nobody expects must still fall back (the random cases raise several)."""

    def narrow(model, rules, budget_s):
        import concurrent.futures as cf

        if model is None:
            return rules(), "model_missing"
        pool = cf.ThreadPoolExecutor(max_workers=1)
        try:
            future = pool.submit(model)
            try:
                return future.result(timeout=budget_s), None
            except cf.TimeoutError:
                return rules(), "model_timeout"
            except (ValueError, RuntimeError):  # the fixed cases raise RuntimeError only
                return rules(), "model_error"
        finally:
            pool.shutdown(wait=False)

    with pytest.raises(ExerciseFailed) as exc:
        EXERCISES["5.3"].evaluate(narrow)
    assert exc.value.req == "error" and exc.value.case.startswith("random model")


def test_solution_for_request_ids_is_readable_code_not_the_middleware():
    source = EXERCISES["5.1"].solution_source()
    assert "re.fullmatch" in source and "uuid.uuid4().hex" in source and "request_id_from" not in source


def _echo_anything(h):
    return h if h else uuid.uuid4().hex


def _no_length_cap(h):
    import re

    return h if h and re.match(r"^[A-Za-z0-9._:\-]+$", h) else uuid.uuid4().hex


def _constant_id(h):
    import re

    return h if h and re.match(r"^[A-Za-z0-9._:\-]{1,128}$", h) else "0" * 32


@pytest.mark.parametrize(
    "wrong,hint", [(_echo_anything, "cap the length"), (_no_length_cap, "cap the length"), (_constant_id, "uuid4")]
)
def test_request_id_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        check.resolve_request_id(wrong)


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (
            lambda present, valid, role, allowed: 401 if not present else (200 if role in allowed else 403),
            "unknown key claiming admin",
        ),
        (
            lambda present, valid, role, allowed: 401 if not (present and valid) else (200 if role in allowed else 403),
            "admin may call",
        ),
        (
            lambda present, valid, role, allowed: 401 if not present else (200 if role in (*allowed, "admin") else 403),
            "never reveal",
        ),
        (lambda present, valid, role, allowed: 403 if not (present and valid) else 200, "whatever role it claims"),
    ],
)
def test_status_for_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseFailed, match=hint):
        check.status_for(wrong)


def _waits_for_the_model(model, rules, budget_s):
    if model is None:
        return rules(), "model_missing"
    with ThreadPoolExecutor(max_workers=1) as pool:  # leaving the block waits for the hung call
        future = pool.submit(model)
        try:
            return future.result(timeout=budget_s), None
        except Exception:  # noqa: BLE001 - the wrong answer under test
            return rules(), "model_error"


def _no_timeout(model, rules, budget_s):
    if model is None:
        return rules(), "model_missing"
    try:
        return model(), None
    except Exception:  # noqa: BLE001 - the wrong answer under test
        return rules(), "model_error"


def _lets_errors_escape(model, rules, budget_s):
    if model is None:
        return rules(), "model_missing"
    return model(), None


@pytest.mark.parametrize(
    "wrong,case",
    [(_waits_for_the_model, "model hangs"), (_no_timeout, "model hangs"), (_lets_errors_escape, "model raises")],
)
def test_fallback_wrong_answers(wrong, case):
    start = time.monotonic()
    with pytest.raises(ExerciseFailed, match=case):
        check.decide_with_fallback(wrong)
    assert time.monotonic() - start < 60  # the hung model is released; the check does not hang forever


def _only_hashes(records):
    from reference_impl.governance import record_hash

    for i, r in enumerate(records):
        if record_hash(r) != r["hash"]:
            return i
    return None


def _no_seq_check(records):
    from reference_impl.governance import record_hash
    from reference_impl.governance.audit import GENESIS_HASH

    prev = GENESIS_HASH
    for i, r in enumerate(records):
        if i > 0 and r["prev_hash"] != prev or record_hash(r) != r["hash"]:
            return i
        prev = r["hash"]
    return None


@pytest.mark.parametrize(
    "wrong,case", [(_only_hashes, "re-numbered and re-hashed"), (_no_seq_check, "re-numbered and re-hashed")]
)
def test_first_bad_record_wrong_answers(wrong, case):
    with pytest.raises(ExerciseFailed, match=case):
        check.first_bad_record(wrong)


def decide_waits_for_the_hung_model(model, rules, budget_s):  # `with` waits for the hung call on exit
    import concurrent.futures as cf

    if model is None:
        return rules(), "model_missing"
    with cf.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(model)
        try:
            return future.result(timeout=budget_s), None
        except cf.TimeoutError:
            return rules(), "model_timeout"
        except Exception:  # noqa: BLE001
            return rules(), "model_error"


def test_the_time_budget_is_measured_not_just_the_answer():
    """Right answer, wrong latency: the check times the call (budget + 1 s margin) and fails it."""
    from reference_impl.exercises import week05

    with pytest.raises(ExerciseFailed) as exc:
        week05.check.decide_with_fallback(decide_waits_for_the_hung_model)
    assert exc.value.case == "model hangs" and "at most 1.05 s is allowed" in str(exc.value)
