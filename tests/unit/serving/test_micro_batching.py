"""Micro-batching: requests that arrive while a batch is scored go together, and each keeps its own answer.

The controls must not notice the batching: every request gets its own request id, results and audit
records; one caller's bad event fails only that caller; the duplicate rule sees each request as its
own group. The first tests drive :class:`MicroBatcher` directly; the rest go through the HTTP API.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from reference_impl.anomaly import REQUEST_GROUP_COLUMN
from reference_impl.errors import FeatureStoreError
from reference_impl.governance import AuditLog
from reference_impl.serving.batching import MicroBatcher
from reference_impl.serving.trades.testing import FakeDetector, StaticFeatureSource, sample_event


# --------------------------------------------------------------------------- the batcher itself


def test_items_queued_while_a_batch_runs_go_together_in_the_next_batch():
    seen: list[list[int]] = []
    release = asyncio.Event()

    async def process(items: list[int]) -> list[int]:
        seen.append(list(items))
        if len(seen) == 1:
            await release.wait()  # hold the first batch until the others are queued
        return [10 * i for i in items]

    async def main() -> list[int]:
        batcher = MicroBatcher(process, max_weight=100)
        first = asyncio.ensure_future(batcher.submit(0))
        await asyncio.sleep(0)  # the worker takes item 0 alone
        rest = [asyncio.ensure_future(batcher.submit(i)) for i in range(1, 5)]
        await asyncio.sleep(0)
        release.set()
        return await asyncio.gather(first, *rest)

    assert asyncio.run(main()) == [0, 10, 20, 30, 40]
    assert seen == [[0], [1, 2, 3, 4]]


def test_an_item_error_reaches_only_its_caller_and_a_batch_error_reaches_all():
    async def process(items: list[int]) -> list[object]:
        if 99 in items:
            raise RuntimeError("batch function broke")
        return [ValueError(f"bad {i}") if i < 0 else i for i in items]

    async def main() -> list[object]:
        batcher = MicroBatcher(process, max_weight=100)
        mixed = await asyncio.gather(batcher.submit(1), batcher.submit(-2), batcher.submit(3), return_exceptions=True)
        broken = await asyncio.gather(batcher.submit(99), batcher.submit(4), return_exceptions=True)
        return [*mixed, *broken]

    one, bad, three, broken_a, broken_b = asyncio.run(main())
    assert (one, three) == (1, 3)
    assert isinstance(bad, ValueError) and str(bad) == "bad -2"
    assert all(isinstance(e, RuntimeError) and "broke" in str(e) for e in (broken_a, broken_b))


def test_a_batch_never_exceeds_max_weight_but_a_heavy_item_still_runs_alone():
    seen: list[list[int]] = []

    async def process(items: list[int]) -> list[int]:
        seen.append(list(items))
        await asyncio.sleep(0)
        return items

    async def main() -> None:
        batcher = MicroBatcher(process, max_weight=5, weight=lambda n: n)
        await asyncio.gather(*(batcher.submit(n) for n in (2, 2, 2, 9, 1)))

    asyncio.run(main())
    assert seen == [[2, 2], [2], [9], [1]]
    assert all(sum(b) <= 5 for b in seen if len(b) > 1)


def test_max_weight_must_be_positive():
    with pytest.raises(ValueError, match="max_weight"):
        MicroBatcher(lambda items: items, max_weight=0)


# --------------------------------------------------------------------------- through the service


class GatedDetector(FakeDetector):
    """Holds its first call until ``others`` more requests are queued, so the test controls the batches."""

    def __init__(self, others: int) -> None:
        super().__init__()
        self.others = others
        self.frames: list = []
        self.batcher = None

    def decide(self, features):
        self.frames.append(features.copy())
        if len(self.frames) == 1:
            deadline = time.monotonic() + 10
            while len(self.batcher._pending) < self.others and time.monotonic() < deadline:
                time.sleep(0.005)
        return super().decide(features)


def _score_concurrently(svc, bodies: list[dict]) -> list:
    """POST each body from its own thread (the first one alone, so it opens the first batch)."""
    def post(i: int):
        return svc.post("/v1/trades/score", json=bodies[i], headers={"X-Request-ID": f"req-{i}"})

    with ThreadPoolExecutor(len(bodies)) as pool:
        first = pool.submit(post, 0)
        time.sleep(0.05)
        rest = [pool.submit(post, i) for i in range(1, len(bodies))]
        return [first.result(), *(f.result() for f in rest)]


def test_concurrent_requests_share_one_model_call_and_keep_their_own_answers_and_audit(make_service):
    detector = GatedDetector(others=5)
    svc = make_service(detector=detector)
    detector.batcher = svc.trades.scorer
    bodies = [sample_event(trade_id=f"T{i:06d}", quantity=100.0 * (i + 1)) for i in range(6)]

    responses = _score_concurrently(svc, bodies)

    assert [r.status_code for r in responses] == [200] * 6
    assert [len(f) for f in detector.frames] == [1, 5]  # two model calls for six requests
    batch = detector.frames[1]
    assert sorted(batch[REQUEST_GROUP_COLUMN]) == [0, 1, 2, 3, 4]  # one group per request
    for i, r in enumerate(responses):
        body = r.json()
        assert r.headers["X-Request-ID"] == body["metadata"]["request_id"] == f"req-{i}"
        assert body["result"]["trade_id"] == f"T{i:06d}"
        assert body["result"]["features_used"]["quantity"] == 100.0 * (i + 1)
        assert body["metadata"]["audit_seq"] is not None
    audit = AuditLog(svc.settings.workspace.audit_log)
    records = [r for r in audit.records() if r["event_type"] == "trade.decision"]
    assert sorted(r["payload"]["request_id"] for r in records) == [f"req-{i}" for i in range(6)]
    by_request = {r["payload"]["request_id"]: r for r in records}
    for i, resp in enumerate(responses):
        assert by_request[f"req-{i}"]["seq"] == resp.json()["metadata"]["audit_seq"]
        assert by_request[f"req-{i}"]["payload"]["input"]["trade_id"] == f"T{i:06d}"
    assert audit.verify().ok
    metrics = svc.get("/metrics").text  # operators see the batching: 2 batches, 6 events
    assert "ibml_score_batch_events_count 2.0" in metrics and "ibml_score_batch_events_sum 6.0" in metrics


class PickyFeatures(StaticFeatureSource):
    """Refuses any call that contains the event ``BAD`` (as the real source refuses impossible state)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def features_for(self, rows):
        self.calls.append([r["trade_id"] for r in rows])
        if any(r["trade_id"] == "BAD" for r in rows):
            raise FeatureStoreError("counterparty_pair state is not older than the event's booking_ts")
        return super().features_for(rows)


def test_one_callers_bad_event_fails_only_that_request(make_service):
    detector, features = GatedDetector(others=3), PickyFeatures()
    svc = make_service(detector=detector, features=features)
    detector.batcher = svc.trades.scorer
    bodies = [sample_event(trade_id="T000001"), sample_event(trade_id="T000002"), sample_event(trade_id="BAD"),
              sample_event(trade_id="T000004")]

    responses = _score_concurrently(svc, bodies)

    assert [r.status_code for r in responses] == [200, 200, 422, 200]
    assert "booking_ts" in responses[2].json()["detail"][0]["msg"]
    batch_calls = [sorted(c) for c in features.calls if len(c) > 1]
    assert batch_calls == [["BAD", "T000002", "T000004"]]  # tried together first (arrival order varies) ...
    assert ["BAD"] in features.calls and ["T000002"] in features.calls  # ... then one by one
    audited = [r["payload"]["input"]["trade_id"] for r in AuditLog(svc.settings.workspace.audit_log).records()
               if r["event_type"] == "trade.decision"]
    assert sorted(audited) == ["T000001", "T000002", "T000004"]  # nothing recorded for the refused event


def test_batching_can_be_turned_off(make_service):
    svc = make_service(micro_batch_max_events=1)
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda i: svc.post("/v1/trades/score", json=sample_event(trade_id=f"T{i:06d}")),
                                  range(4)))
    assert [r.status_code for r in responses] == [200] * 4
    assert svc.trades.scorer.batches == svc.trades.scorer.items == 4


def test_a_lone_request_is_scored_at_once(make_service):
    svc = make_service()
    r = svc.post("/v1/trades/score", json=sample_event())
    assert r.status_code == 200
    assert (svc.trades.scorer.batches, svc.trades.scorer.items) == (1, 1)
