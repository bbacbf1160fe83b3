"""Week 5 service checks (5.5–5.7): the reference passes, a stub reads not started, wrong answers fail with the
requirement they break, odd returns fail cleanly, and the combined check book covers the whole week."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette

from reference_impl.exercises import week05
from reference_impl.exercises import week05_service as w
from reference_impl.exercises.framework import NOT_STARTED, ExerciseFailed
from reference_impl.exercises.mutants import week05_service as m

NAMES = {"trade_request": "5.5", "require_role": "5.6", "build_app": "5.7"}


@pytest.mark.parametrize("ex_id", ["5.5", "5.6", "5.7"])
def test_reference_passes_every_case(ex_id):
    ex = w.EXERCISES[ex_id]
    target = w.TradeRequest if ex_id == "5.5" else ex.reference
    assert ex.evaluate(target) >= 10


def test_the_service_check_drives_at_least_ten_http_cases():
    assert w.EXERCISES["5.7"].evaluate(w.build_app) >= 10


def test_the_combined_check_book_holds_the_whole_week():
    assert set(week05.check._checks) < set(w.check._checks)
    assert {"trade_request", "require_role", "build_app"} <= set(w.check._checks)
    assert set(w.check._exercises) == {"5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7"}


class TradeRequest(w.BaseModel): ...


def test_a_class_whose_body_is_only_ellipsis_is_not_started(capsys):
    got = w.check.trade_request(TradeRequest)
    assert capsys.readouterr().out == NOT_STARTED.format(id="5.5") + "\n"
    assert got is w.TradeRequest


def test_a_field_less_class_without_source_is_not_started_too():
    """In a notebook Python 3.11 cannot find a class's source: the check reads "no fields yet" from the class."""
    stub = type("TradeRequest", (w.BaseModel,), {"__module__": "__main__"})
    from reference_impl.exercises.framework import ExerciseNotStarted

    with pytest.raises(ExerciseNotStarted):
        w.EXERCISES["5.5"].evaluate(stub)


@pytest.mark.parametrize("name", sorted(NAMES))
def test_a_learners_own_answer_passes_and_is_returned(name, capsys):
    own = {
        "trade_request": m.TradeRequestAnnotated,
        "require_role": m.require_role_header,
        "build_app": m.build_app_async,
    }[name]
    assert getattr(w.check, name)(own) is own
    assert capsys.readouterr().out.startswith(f"Exercise {NAMES[name]} passed (")


@pytest.mark.parametrize(
    ("mutant", "case"),
    [
        (m.TradeRequestAllowsExtra, "an unknown field is refused"),
        (m.TradeRequestNaive, "naive exec_ts"),
        (m.TradeRequestLaxNotional, "notional as a string"),
        (m.require_role_prefix_match, "a prefix of a real key"),
        (m.require_role_returns_key, "the caller's name is returned"),
        (m.build_app_loads_per_request, "load_model is called once at startup"),
        (m.build_app_no_auth, "no key is 401"),
        (m.build_app_dict_body, "an extra field is a 422"),
        (m.build_app_waits_for_hung_model, "a hung model: the rules answer (model_timeout)"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)[:30]),
)
def test_wrong_answers_fail_on_the_case_written_for_them(mutant, case):
    ex_id = next(mm.exercise for mm in m.MUTANTS if mm.func is mutant)
    with pytest.raises(ExerciseFailed) as exc:
        w.EXERCISES[ex_id].evaluate(mutant)
    assert exc.value.case == case
    assert "\nRequirement: " in str(exc.value) and "\nHint: " in str(exc.value)


def test_the_hung_model_is_timed_against_the_budget():
    with pytest.raises(ExerciseFailed) as exc:
        w.EXERCISES["5.7"].evaluate(m.build_app_waits_for_hung_model)
    assert exc.value.req == "timeout" and "at most 1.10 s is allowed" in str(exc.value)


def test_a_returned_key_is_called_a_leak():
    with pytest.raises(ExerciseFailed, match="leaked key"):
        w.EXERCISES["5.6"].evaluate(m.require_role_returns_key)


def _none(load_model, keys, budget_s):
    return None


def _a_dict(load_model, keys, budget_s):
    return {"app": "not really"}


def _bare_starlette(load_model, keys, budget_s):
    return Starlette()


def _lifespan_raises(load_model, keys, budget_s):
    import contextlib

    @contextlib.asynccontextmanager
    async def lifespan(app):
        raise RuntimeError("cannot start")
        yield

    return FastAPI(lifespan=lifespan)


@pytest.mark.parametrize("odd", [_none, _a_dict, _bare_starlette, _lifespan_raises], ids=lambda f: f.__name__)
def test_odd_apps_fail_cleanly_on_the_lifespan_requirement(odd):
    with pytest.raises(ExerciseFailed) as exc:
        w.EXERCISES["5.7"].evaluate(odd)
    assert exc.value.req == "lifespan"


@pytest.mark.parametrize(
    "odd",
    [lambda keys, *roles: None, lambda keys, *roles: 42, lambda keys, *roles: lambda: 1 / 0],
    ids=["None", "int", "dependency-raises"],
)
def test_odd_dependencies_fail_cleanly(odd):
    with pytest.raises(ExerciseFailed):
        w.EXERCISES["5.6"].evaluate(odd)


@pytest.mark.parametrize(
    "odd",
    [
        42,
        "TradeRequest",
        dict,
        w.TradeRequest(trade_id="T1", notional=1.0, currency="GBP", exec_ts="2026-03-02T10:15:00Z"),
    ],
    ids=["int", "str", "dict", "an instance"],
)
def test_odd_request_models_fail_cleanly(odd):
    with pytest.raises(ExerciseFailed):
        w.EXERCISES["5.5"].evaluate(odd)


def test_every_bad_payload_is_its_own_case_naming_one_requirement():
    reqs = {req for _, req, _, _ in w._BAD}
    assert reqs == {"extra", "trade_id", "notional", "currency", "exec_ts"}
    assert len({name for name, *_ in w._BAD}) == len(w._BAD)


def test_the_reference_app_does_no_work_until_started():
    calls = []
    app = w.build_app(lambda: calls.append(1), dict(w.CHECK_KEYS), 1.0)
    assert calls == [] and isinstance(app, FastAPI)
    assert "/v1/score" in app.openapi()["paths"]


def test_solutions_print_readable_code():
    assert "class TradeRequest(BaseModel)" in w.EXERCISES["5.5"].solution_source()
    assert "hmac.compare_digest" in w.EXERCISES["5.6"].solution_source()
    assert "asynccontextmanager" in w.EXERCISES["5.7"].solution_source()
