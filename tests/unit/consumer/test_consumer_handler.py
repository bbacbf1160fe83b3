"""The consumer's handler: what each delivery becomes, and what is on the audit log before it is acknowledged.

The handler runs on the trade room's real pipeline and the real hash-chained audit log; only the model and
the feature source are the room's fakes, so these tests are fast and need no broker. The broker side
(publish, acknowledge, order, reconnect) is tested in tests/integration/test_consumer_rabbitmq.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from reference_impl.consumer import ConsumerSettings, DeadLetter, Delivery, Publish, Retry, open_runtime
from reference_impl.consumer.index import ENDPOINT
from reference_impl.errors import ConfigError, FeatureStoreError
from reference_impl.governance import AuditLog
from reference_impl.serving.models import failed
from reference_impl.serving.trades.features import FeatureResult
from reference_impl.serving.trades import TradesProviders
from reference_impl.serving.trades.testing import (
    FakeDetector,
    StaticFeatureSource,
    fake_rules,
    fake_trade_model,
    fake_trades_providers,
    sample_event,
)


class PickyFeatureSource(StaticFeatureSource):
    """Refuses (as the online store does for data it cannot use) any event whose trade id starts with ``BAD``."""

    def features_for(self, rows: Sequence[Mapping[str, Any]]) -> FeatureResult:
        for row in rows:
            if str(row["trade_id"]).startswith("BAD"):
                raise FeatureStoreError(f"no reference data for trade {row['trade_id']}")
        return super().features_for(rows)


@pytest.fixture
def open_consumer(workspace) -> Iterator[Any]:
    """``open_consumer(**providers)`` -> a runtime on this test's workspace; all are closed afterwards."""
    opened = []

    def _open(**providers: Any) -> Any:
        settings = ConsumerSettings(home=workspace.root, consumer_queue="trades.in", latency_budget_ms=5_000)
        runtime = open_runtime(settings, fake_trades_providers(**providers))
        opened.append(runtime)
        return runtime

    yield _open
    for runtime in opened:
        runtime.close()


def handle(runtime: Any, *deliveries: Delivery) -> list[Any]:
    return asyncio.run(runtime.consumer.handle(list(deliveries)))


def message(event_id: str | None, body: Any = None, *, redelivered: bool = False) -> Delivery:
    raw = body if isinstance(body, bytes) else json.dumps(body if body is not None else sample_event()).encode()
    return Delivery(raw, event_id, redelivered=redelivered)


def records(runtime: Any, event_type: str) -> list[dict]:
    log = AuditLog(runtime.settings.workspace.audit_log)
    try:
        assert log.verify().ok
        return [r for r in log.records() if r["event_type"] == event_type]
    finally:
        log.close()


# --------------------------------------------------------------------------- decisions


def test_a_new_event_is_decided_and_audited_before_the_action_is_returned(open_consumer):
    runtime = open_consumer()
    [action] = handle(runtime, message("E1", sample_event(trade_id="T1", notional_usd=60_000_000.0)))

    assert isinstance(action, Publish) and not action.redelivery
    assert action.event_id == "E1" and action.routing_key == f"trade.{action.body['decision']}"
    [record] = records(runtime, "trade.decision")  # on disk (fsync'd) by the time the action exists
    payload = record["payload"]
    assert (payload["request_id"], payload["endpoint"], record["actor"]) == ("E1", ENDPOINT, "queue:trades.in")
    assert action.body["audit_seq"] == record["seq"]
    assert action.body["decision"] == payload["output"]["decision"] == "flag"
    assert action.body["reason_codes"] == payload["output"]["reason_codes"] == ["LARGE_NOTIONAL", "MODEL_UNUSUAL_SIZE"]
    assert action.body["model_version"] == payload["model"]["version"] == "fake-1"


def test_the_decision_and_its_audit_record_are_the_http_paths(open_consumer, make_service):
    """Same pipeline: the same features, model, rules, reason codes and audit payload as POST /v1/trades/score."""
    svc = make_service()
    runtime = open_consumer()
    event = sample_event(trade_id="T7", notional_usd=60_000_000.0, booking_ts="2026-03-02T12:00:00Z")
    http = svc.post("/v1/trades/score", json=event).json()
    [action] = handle(runtime, message("E7", event))

    result = http["result"]
    assert (action.body["decision"], action.body["score"], action.body["threshold"]) == (
        result["decision"],
        result["score"],
        result["threshold"],
    )
    assert action.body["reason_codes"] == [r["code"] for r in result["reasons"]] == [
        "LARGE_NOTIONAL",
        "LATE_BOOKING",
        "MODEL_UNUSUAL_SIZE",
    ]
    by_endpoint = {r["payload"]["endpoint"]: r["payload"] for r in records(runtime, "trade.decision")}
    from_http, from_queue = by_endpoint.pop("trades.score"), by_endpoint.pop(ENDPOINT)
    for field in ("input", "output", "model", "fallback_reason"):  # request id, endpoint, caller, time differ
        assert from_queue[field] == from_http[field], field


def test_a_redelivered_event_gets_the_recorded_decision_and_a_redelivery_record_not_a_second_decision(open_consumer):
    detector = FakeDetector()
    runtime = open_consumer(detector=detector)
    [first] = handle(runtime, message("E1"))
    [again] = handle(runtime, message("E1", redelivered=True))

    assert isinstance(again, Publish) and again.redelivery
    assert again.body == first.body and again.routing_key == first.routing_key
    assert detector.calls == 1  # not scored again
    assert [r["payload"]["request_id"] for r in records(runtime, "trade.decision")] == ["E1"]
    [redelivery] = records(runtime, "trade.redelivery")
    assert redelivery["payload"]["decision_seq"] == first.body["audit_seq"]
    assert redelivery["payload"]["broker_redelivered"] is True


def test_a_republished_event_is_recognised_by_its_id_even_when_the_broker_does_not_flag_it(open_consumer):
    runtime = open_consumer()
    [first] = handle(runtime, message("E1"))
    [again] = handle(runtime, message("E1", redelivered=False))  # the producer sent it twice

    assert isinstance(again, Publish) and again.redelivery and again.body == first.body
    assert records(runtime, "trade.redelivery")[0]["payload"]["broker_redelivered"] is False


def test_after_a_restart_the_index_is_rebuilt_from_the_audit_log_and_answers_byte_for_byte(open_consumer):
    before = open_consumer()
    [first] = handle(before, message("E1"), message("E2"))[:1]
    before.close()
    after = open_consumer()  # a new process on the same workspace: nothing but the audit log survives

    [again] = handle(after, message("E1", redelivered=True))
    assert again.redelivery and json.dumps(again.body, sort_keys=True) == json.dumps(first.body, sort_keys=True)
    assert len(after.consumer.index) == 2
    assert len(records(after, "trade.decision")) == 2


def test_a_decision_made_by_another_consumer_process_is_found_when_the_broker_redelivers(open_consumer):
    one, two = open_consumer(), open_consumer()  # e.g. the first lost its connection after auditing E1
    [decided] = handle(one, message("E1"))
    [again] = handle(two, message("E1", redelivered=True))

    assert again.redelivery and again.body == decided.body
    assert len(records(two, "trade.decision")) == 1


def test_the_same_event_twice_in_one_batch_is_decided_once(open_consumer):
    detector = FakeDetector()
    runtime = open_consumer(detector=detector)
    first, second = handle(runtime, message("E1"), message("E1"))

    assert not first.redelivery and second.redelivery and second.body == first.body
    assert len(records(runtime, "trade.decision")) == 1 and len(records(runtime, "trade.redelivery")) == 1


# --------------------------------------------------------------------------- dead letters


@pytest.mark.parametrize(
    ("event_id", "body", "kind", "reason"),
    [
        ("E1", b"{not json", "not_json", "body is not JSON"),
        ("E1", b'{"quantity": NaN}', "not_json", "body is not JSON"),  # strict JSON, as on the audit log
        ("E1", b"\xff\xfe", "not_json", "body is not JSON"),
        ("E1", {**sample_event(), "quantity": -5}, "contract", "contract violation: quantity:"),
        ("E1", {**sample_event(), "colour": "red"}, "contract", "contract violation: colour: Extra inputs"),
        ("E1", [sample_event()], "contract", "contract violation: body:"),
        (None, sample_event(), "no_event_id", "message has no message_id"),
        ("   ", sample_event(), "no_event_id", "message has no message_id"),
    ],
    ids=["garbage", "nan", "not-utf8", "negative-quantity", "unknown-field", "a-list", "no-id", "blank-id"],
)
def test_a_bad_message_is_dead_lettered_with_its_reason_and_audited_without_its_body(
    open_consumer, event_id, body, kind, reason
):
    runtime = open_consumer()
    [action] = handle(runtime, message(event_id, body))

    assert isinstance(action, DeadLetter) and action.kind == kind
    assert action.reason.startswith(reason) and "\n" not in action.reason
    assert action.body == message(event_id, body).body  # the original bytes go to the dead-letter queue
    assert records(runtime, "trade.decision") == []
    [record] = records(runtime, "trade.dead_lettered")
    assert (record["payload"]["reason_kind"], record["payload"]["queue"]) == (kind, "trades.in")
    assert len(record["payload"]["body_sha256"]) == 64 and "body" not in record["payload"]


def test_an_unscorable_event_is_dead_lettered_and_the_rest_of_its_batch_is_decided(open_consumer):
    runtime = open_consumer(features=PickyFeatureSource())
    good, bad, after = handle(
        runtime,
        message("E1", sample_event(trade_id="T1")),
        message("E2", sample_event(trade_id="BAD2")),
        message("E3", sample_event(trade_id="T3")),
    )

    assert isinstance(good, Publish) and isinstance(after, Publish)
    assert isinstance(bad, DeadLetter) and bad.kind == "unscorable"
    assert bad.reason == "unscorable: no reference data for trade BAD2"
    assert [r["payload"]["request_id"] for r in records(runtime, "trade.decision")] == ["E1", "E3"]


# --------------------------------------------------------------------------- nothing decided unaudited


def _break_audit(runtime: Any) -> None:
    """Replace the audit file by a directory: opening it fails even for root."""
    path = runtime.core.audit.path
    runtime.core.audit.close()
    path.unlink()
    path.mkdir()


def test_when_the_audit_log_is_down_every_message_is_given_back_and_nothing_is_decided(open_consumer):
    runtime = open_consumer()
    handle(runtime, message("E0"))  # the log exists
    _break_audit(runtime)

    actions = handle(runtime, message("E1"), message("E2", b"{not json"), message("E0"))
    assert all(isinstance(a, Retry) and "audit log unavailable" in a.reason for a in actions)
    assert runtime.consumer.index.get("E1") is None  # a later delivery scores it again, then audits it

    runtime.core.audit.path.rmdir()  # the fault is fixed; the broker redelivers
    runtime.core.audit.path.write_text("")
    [decided] = handle(runtime, message("E1", redelivered=True))
    assert isinstance(decided, Publish) and not decided.redelivery


def test_when_features_cannot_be_computed_the_message_is_given_back(open_consumer):
    runtime = open_consumer(features=StaticFeatureSource(fail=True))
    [action] = handle(runtime, message("E1"))
    assert isinstance(action, Retry) and "feature computation failed" in action.reason
    assert records(runtime, "trade.decision") == []


def test_counting_an_action_moves_the_queue_metrics(open_consumer):
    runtime = open_consumer()
    for action in handle(runtime, message("E1"), message("E1"), message("E2", b"nope")):
        runtime.consumer.count(action)
    text = runtime.core.metrics.render()[0].decode()
    assert 'ibml_queue_messages_total{outcome="decided"} 1.0' in text
    assert 'ibml_queue_messages_total{outcome="redelivery"} 1.0' in text
    assert 'ibml_queue_dead_letters_total{reason="not_json"} 1.0' in text
    assert 'ibml_decisions_total{decision="clear",endpoint="queue.trades"} 1.0' in text  # the service's family


# --------------------------------------------------------------------------- start-up refusals


def test_a_trade_model_that_does_not_load_stops_the_start_instead_of_deciding_on_rules(open_consumer):
    broken = failed("trade-anomaly", "file:model.joblib", FileNotFoundError("model.joblib"))
    with pytest.raises(ConfigError, match="the consumer does not start degraded"):
        open_consumer(trade_model=broken)


def test_no_feature_source_stops_the_start_instead_of_cycling_every_message_through_the_queue(workspace):
    def no_store(settings: Any) -> Any:
        raise ConfigError("no reference data in the workspace")

    providers = TradesProviders(
        trade_model=lambda s: fake_trade_model(), feature_source=no_store, rules_only=lambda: fake_rules
    )
    with pytest.raises(ConfigError, match=r"^feature source unavailable \(ConfigError: no reference data"):
        open_runtime(ConsumerSettings(home=workspace.root), providers)
