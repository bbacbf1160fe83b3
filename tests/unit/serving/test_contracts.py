"""Strict request contracts: 422 naming the field, 413 above the size cap, request ids echoed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_impl.data.schemas import BOOKED_CURRENCIES
from reference_impl.serving.trades.testing import sample_event

BAD_EVENTS = [
    ({"quantty": 5}, ("body", "quantty"), "extra_forbidden"),
    ({"quantity": 0}, ("body", "quantity"), "greater_than_equal"),
    ({"quantity": -3}, ("body", "quantity"), "greater_than_equal"),
    ({"quantity": 5e-324}, ("body", "quantity"), "greater_than_equal"),
    ({"quantity": "NaN"}, ("body", "quantity"), "float_type"),
    ({"quantity": "5"}, ("body", "quantity"), "float_type"),
    ({"price": 1e300}, ("body", "price"), "less_than_equal"),
    ({"exec_ts": 0}, ("body", "exec_ts"), "value_error"),
    ({"currency": "XYZ"}, ("body", "currency"), "literal_error"),
    ({"currency": "usd"}, ("body", "currency"), "literal_error"),
    ({"exec_ts": "2026-03-02T10:15:00"}, ("body", "exec_ts"), "timezone_aware"),
    ({"side": "HOLD"}, ("body", "side"), "literal_error"),
    ({"trade_id": ""}, ("body", "trade_id"), "string_too_short"),
    ({"trade_id": "T 1; DROP"}, ("body", "trade_id"), "string_pattern_mismatch"),
    ({"booking_ts": "2026-03-02T10:00:00Z"}, ("body",), "value_error"),
    ({"event_type": "amend"}, ("body",), "value_error"),
]


@pytest.mark.parametrize("change,loc,kind", BAD_EVENTS)
def test_bad_events_get_422_naming_the_field(service, change, loc, kind):
    r = service.post("/v1/trades/score", json=sample_event(**change))
    assert r.status_code == 422, r.text
    errors = r.json()["detail"]
    assert any(tuple(e["loc"]) == loc and e["type"] == kind for e in errors), errors
    assert all("input" not in e for e in errors), "inputs must not be echoed (they may hold identifiers)"


def test_missing_field_is_named(service):
    body = sample_event()
    del body["counterparty_id"]
    r = service.post("/v1/trades/score", json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "counterparty_id"]


def test_non_utc_offsets_are_accepted_and_converted(service):
    r = service.post("/v1/trades/score", json=sample_event(exec_ts="2026-03-02T11:15:00+01:00",
                                                           booking_ts="2026-03-02T10:15:04+00:00"))
    assert r.status_code == 200, r.text


def test_body_above_cap_is_413(make_service):
    svc = make_service(max_body_bytes=2_000)
    big = sample_event(trade_id="T" * 60)
    r = svc.post("/v1/trades/score-batch", json={"events": [big] * 20})
    assert r.status_code == 413 and "2000 bytes" in r.json()["detail"]
    assert r.headers["x-request-id"]


def test_streamed_body_above_cap_is_413(make_service):
    svc = make_service(max_body_bytes=1_000)

    def chunks():
        yield b'{"events": ['
        for _ in range(200):
            yield b'{"trade_id": "T1"},'
        yield b"]}"

    r = svc.client.post("/v1/trades/score-batch", content=chunks(),
                        headers={**svc.headers(), "content-type": "application/json"})
    assert r.status_code == 413


def test_batch_limit_is_enforced_with_field_error(make_service):
    svc = make_service(max_batch_size=3)
    r = svc.post("/v1/trades/score-batch", json={"events": [sample_event(trade_id=f"T{i}") for i in range(4)]})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "events"]
    ok = svc.post("/v1/trades/score-batch", json={"events": [sample_event(trade_id=f"T{i}") for i in range(3)]})
    assert ok.status_code == 200 and [x["trade_id"] for x in ok.json()["results"]] == ["T0", "T1", "T2"]


@pytest.mark.parametrize("given_id,echoed", [("req-123", True), ("bad id with spaces", False), ("x" * 200, False)])
def test_request_id_is_echoed_or_generated(service, given_id, echoed):
    r = service.post("/v1/trades/score", json=sample_event(), headers={"X-Request-ID": given_id})
    rid = r.json()["metadata"]["request_id"]
    assert r.headers["x-request-id"] == rid
    assert (rid == given_id) is echoed
    if not echoed:
        assert len(rid) == 32


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quantity=st.floats(1e-9, 1e12), price=st.floats(1e-9, 1e6), currency=st.sampled_from(BOOKED_CURRENCIES),
       side=st.sampled_from(["BUY", "SELL"]), delay_s=st.integers(0, 86_400 * 3))
def test_every_valid_event_gets_a_complete_answer(service, quantity, price, currency, side, delay_s):
    import datetime as dt

    exec_ts = dt.datetime(2026, 3, 2, 10, tzinfo=dt.timezone.utc)
    body = sample_event(quantity=quantity, price=price, currency=currency, side=side, notional_usd=None,
                        exec_ts=exec_ts.isoformat(), booking_ts=(exec_ts + dt.timedelta(seconds=delay_s)).isoformat())
    r = service.post("/v1/trades/score", json=body)
    assert r.status_code == 200, r.text
    meta, result = r.json()["metadata"], r.json()["result"]
    assert set(meta) >= {"request_id", "model_name", "model_version", "ruleset_version", "latency_ms",
                         "fallback_used", "fallback_reason"}
    assert result["decision"] == ("flag" if result["flagged"] else "clear")
    assert result["features_used"] and len(result["reasons"]) <= 4


@pytest.mark.parametrize("path,body,model", [
    ("/v1/trades/score", sample_event(), "ScoreResponse"),
    ("/v1/trades/score-batch", {"events": [sample_event(trade_id="T000001"), sample_event(trade_id="T000002",
                                                                                        quantity=9e6)]},
     "ScoreBatchResponse"),
])
def test_pre_serialised_score_responses_conform_to_their_declared_models(service, path, body, model):
    """The score routes skip FastAPI's response re-validation, so the declared model is checked here."""
    from reference_impl.serving.trades import schemas

    r = service.post(path, json=body)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    response_model = getattr(schemas, model)
    parsed = response_model.model_validate_json(r.content)
    assert parsed.model_dump(mode="json") == r.json()  # nothing extra, nothing coerced
