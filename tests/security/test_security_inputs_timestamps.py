"""Finding 7 of issue 16: one bad request must not hurt others; timestamps are strict RFC 3339 in a valid range.

Before: ``exec_ts`` ``0001-01-01T00:00:00+01:00`` overflowed outside the pipeline's ``try`` (500) and took every
innocent request of its micro-batch down with it; years 1000 .. 9999 answered 503 ("retry"); a quoted epoch
string was accepted and guessed as seconds or milliseconds.
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from reference_impl.data.schemas import TIMESTAMP_MAX, TIMESTAMP_MIN, TradeEvent
from reference_impl.serving import ServiceSettings, create_api_key, create_app
from reference_impl.serving.context import CallContext, utc_now_iso
from reference_impl.serving.trades.pipeline import ScoreJob, score_jobs
from reference_impl.serving.trades.schemas import TradeEventIn
from reference_impl.serving.trades.testing import FakeDetector, sample_event
from reference_impl.serving.testing import fake_rooms, test_client

BAD_TIMESTAMPS = [
    "0001-01-01T00:00:00+01:00",  # overflowed datetime itself when converted to UTC
    "1000-01-01T00:00:00Z",
    "1677-09-21T00:12:43Z",  # below pandas' nanosecond range
    "2262-04-12T00:00:00Z",  # above it
    "2500-01-01T00:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "1999-12-31T23:59:59Z",  # just outside the documented range
    "2100-01-01T00:00:00Z",
    "1769768100",  # a quoted epoch: seconds or milliseconds? never guessed
    "1769768100000",
    "2026-03-02T10:15:00",  # no offset
    "2026-03-02T10:15:00+0100",  # not RFC 3339
    "2026-W10-1T10:15:00Z",
    "20260302T101500Z",
]


@pytest.fixture
def svc(tmp_path, monkeypatch):
    monkeypatch.setenv("IBML_HOME", str(tmp_path / "ws"))
    settings = ServiceSettings(home=tmp_path / "ws", latency_budget_ms=5_000)
    key = create_api_key(settings.api_keys_path, "scorer")[0]
    detector = FakeDetector(delay_s=0.01)  # each batch takes a while, so concurrent requests share batches
    with test_client(create_app(settings, rooms=fake_rooms(detector=detector))) as client:

        def post(body, path="/v1/trades/score"):
            return client.post(path, json=body, headers={"X-API-Key": key})

        yield post, client


@pytest.mark.parametrize("field", ["exec_ts", "booking_ts"])
@pytest.mark.parametrize("value", BAD_TIMESTAMPS)
def test_bad_timestamp_is_a_422_naming_the_field(svc, field, value):
    post, _ = svc
    body = sample_event(exec_ts=value, booking_ts=value) if field == "exec_ts" else sample_event(booking_ts=value)
    r = post(body)
    assert r.status_code == 422, (value, r.status_code, r.text[:300])
    assert any(e["loc"][-1] == field for e in r.json()["detail"]), r.json()


@pytest.mark.parametrize("value", ["2026-03-02T10:15:00Z", "2026-03-02T11:15:00.123456+01:00", "2026-03-02 10:15:00z"])
def test_rfc3339_timestamps_in_range_are_accepted(svc, value):
    post, _ = svc
    assert post(sample_event(exec_ts=value, booking_ts="2026-03-02T10:15:04Z")).status_code == 200


def test_the_range_is_the_one_contract_for_stored_rows_too():
    row = {**sample_event(), "notional": 2500.0 * 41.7, "notional_usd": 131_000.0}
    row.pop("orig_trade_id")
    ok = TradeEvent.model_validate({**row, "exec_ts": TIMESTAMP_MIN, "booking_ts": TIMESTAMP_MIN}, strict=True)
    assert ok.exec_ts == TIMESTAMP_MIN
    late = TIMESTAMP_MAX + dt.timedelta(seconds=1)
    with pytest.raises(ValueError, match="valid range"):
        TradeEvent.model_validate({**row, "exec_ts": late, "booking_ts": late}, strict=True)


def test_poisoned_requests_under_concurrency_give_no_innocent_5xx(svc):
    post, _ = svc
    poisons = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-23:59", "2500-01-01T00:00:00Z", "1769768100"]
    bodies = []
    for i in range(60):
        if i % 3 == 1:
            ts = poisons[i % len(poisons)]
            bodies.append(("poison", sample_event(trade_id=f"P{i:05d}", exec_ts=ts, booking_ts=ts)))
        else:
            bodies.append(("innocent", sample_event(trade_id=f"T{i:05d}", quantity=10.0 + i)))
    t0 = time.monotonic()
    with ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(lambda kb: (kb[0], post(kb[1])), bodies))
    assert time.monotonic() - t0 < 60
    innocent = [r.status_code for kind, r in responses if kind == "innocent"]
    poisoned = [r.status_code for kind, r in responses if kind == "poison"]
    assert innocent == [200] * 40
    assert poisoned == [422] * 20


def _construct(ts: dt.datetime, trade_id: str) -> TradeEventIn:
    """An event that skipped validation (a Python caller, a future code path): the pipeline must still isolate it."""
    good = TradeEventIn(**sample_event(trade_id=trade_id))
    return TradeEventIn.model_construct(**{**dict(good), "exec_ts": ts, "booking_ts": ts})


def test_an_event_that_bypassed_validation_fails_only_its_own_job_in_a_batch(svc):
    _, client = svc
    from reference_impl.serving.auth import Principal
    from reference_impl.serving.trades import TradesState

    state = client.app.state.services.room("trades", TradesState)
    year1 = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    principal = Principal(key_id="k1", role="scorer")

    def job(event):
        ctx = CallContext(request_id=event.trade_id, endpoint="/v1/trades/score", principal=principal,
                          started=time.perf_counter(), received_at=utc_now_iso())
        return ScoreJob([event], ctx)

    jobs = [job(TradeEventIn(**sample_event(trade_id="T1"))), job(_construct(year1, "BAD")),
            job(TradeEventIn(**sample_event(trade_id="T3")))]
    out = client.portal.call(score_jobs, state, jobs)
    assert not isinstance(out[0], BaseException) and out[0][0][0]["trade_id"] == "T1"
    assert not isinstance(out[2], BaseException) and out[2][0][0]["trade_id"] == "T3"
    assert isinstance(out[1], Exception) and getattr(out[1], "status_code", 422) in (422, 503)
