"""``ibml consume`` against a real RabbitMQ broker (``.ci/start-rabbitmq``), as a subprocess.

The broker is found through ``IBML_TEST_AMQP_URL``, default ``amqp://guest:guest@127.0.0.1:5672/``.
Outside CI the tests skip, saying why, when no broker answers; in CI (``CI`` set) they fail instead.
Each test uses its own queue names (deleted afterwards), so runs never see each other's messages.

What is proven here, each against the real broker and the real trained detector:
one stream (:func:`stream`) — decisions in publish order per key, the same decisions as the HTTP path,
a redelivery answered from the audit log, bad messages dead-lettered with their reason, metrics and
readiness, SIGTERM; then a missing queue, SIGTERM and ``kill -9`` mid-stream, and a broker restart.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reference_impl.serving.testing import free_port

pytestmark = [pytest.mark.slow]

AMQP_URL = os.environ.get("IBML_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
#: A model budget no loaded CI machine exceeds: a timeout would decide on rules only (the documented
#: fallback), and these tests compare the model's decisions, not the machine's speed.
BUDGET_MS = "30000"
Received = tuple[str, dict[str, Any], bytes]  # message_id, headers, body


def _broker_problem() -> str | None:
    import aio_pika

    async def probe() -> None:
        conn = await aio_pika.connect(AMQP_URL, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # noqa: BLE001 - any failure means "no broker here"
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="module")
def broker() -> str:
    problem = _broker_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"RabbitMQ required in CI (.ci/start-rabbitmq): {problem}")
        pytest.skip(
            f"no RabbitMQ at {AMQP_URL.split('@')[-1]} (run .ci/start-rabbitmq or set IBML_TEST_AMQP_URL): {problem}"
        )
    return AMQP_URL


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> tuple[Path, list[dict]]:
    """A small real deployment (online store, trained detector) in its own workspace."""
    from reference_impl.serving import ServiceSettings
    from reference_impl.serving.demo import build_demo_deployment

    home = tmp_path_factory.mktemp("consumer") / "ws"
    with _ibml_home(home):  # the model-seal key sits beside the workspace
        demo = build_demo_deployment(ServiceSettings(home=home), n_trades=3_000, n_events=200, with_kyc=False)
    return home, demo.events


class _ibml_home:
    def __init__(self, home: Path) -> None:
        self.home, self.old = home, os.environ.get("IBML_HOME")

    def __enter__(self) -> None:
        os.environ["IBML_HOME"] = str(self.home)

    def __exit__(self, *exc: object) -> None:
        if self.old is None:
            os.environ.pop("IBML_HOME", None)
        else:
            os.environ["IBML_HOME"] = self.old


# --------------------------------------------------------------------------- broker helpers (aio-pika)


def _amqp(work: Callable[[Any], Any], *, confirms: bool = True) -> Any:
    """Run ``await work(channel)`` on a fresh connection (``confirms=False``: publish without waiting)."""
    import aio_pika

    async def go() -> Any:
        conn = await aio_pika.connect(AMQP_URL)
        try:
            return await work(await conn.channel(publisher_confirms=confirms))
        finally:
            await conn.close()

    return asyncio.run(go())


def publish(queue: str, messages: list[tuple[str, bytes, str]], *, burst: bool = False) -> None:
    """Publish (message_id, body, key) to the default exchange -> ``queue``, persistent, in order.

    ``burst``: without waiting for each confirm, so a backlog builds up faster than the consumer drains it.
    """
    import aio_pika

    async def work(ch: Any) -> None:
        for message_id, body, key in messages:
            await ch.default_exchange.publish(
                aio_pika.Message(
                    body, message_id=message_id, headers={"key": key}, delivery_mode=aio_pika.DeliveryMode.PERSISTENT
                ),
                routing_key=queue,
            )

    _amqp(work, confirms=not burst)


def declare(queue: str) -> None:
    """The input queue as ``ibml consume --declare`` creates it, so events can wait before a consumer starts."""

    async def work(ch: Any) -> None:
        await ch.declare_queue(queue, durable=True)

    _amqp(work)


def drain(queue: str, done: Callable[[list[Received]], bool] | None, timeout_s: float = 60.0) -> list[Received]:
    """Read (and ack) messages from ``queue`` until ``done(received)`` or time runs out (``None``: until empty)."""

    async def work(ch: Any) -> list[Received]:
        q = await ch.declare_queue(queue, durable=True, passive=True)
        out: list[Received] = []
        deadline = time.monotonic() + timeout_s
        while (done is None or not done(out)) and time.monotonic() < deadline:
            m = await q.get(fail=False)
            if m is None and done is None:
                break
            if m is None:
                await asyncio.sleep(0.1)
                continue
            await m.ack()
            out.append((str(m.message_id), dict(m.headers or {}), m.body))
        return out

    return _amqp(work)


def count(n: int) -> Callable[[list[Received]], bool]:
    return lambda got: len(got) >= n


def covers(ids: list[str], seen: Sequence[Received] = ()) -> Callable[[list[Received]], bool]:
    """Done when every id in ``ids`` is among the messages of this drain or ``seen`` (earlier drains)."""
    want = set(ids) - {m[0] for m in seen}
    return lambda got: want <= {m[0] for m in got}


def queue_depth(queue: str) -> int:
    async def work(ch: Any) -> int:
        q = await ch.declare_queue(queue, durable=True, passive=True)
        return int(q.declaration_result.message_count)

    return _amqp(work)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


@pytest.fixture
def names(broker) -> Iterator[str]:
    """A fresh input queue name; the queues and exchange ``--declare`` creates for it are deleted afterwards."""
    queue = f"ibml-test-{uuid.uuid4().hex[:8]}"
    yield queue

    async def work(ch: Any) -> None:
        for name in (queue, f"{queue}.dlq", f"{queue}.out.all"):
            await ch.queue_delete(name)
        await ch.exchange_delete(f"{queue}.out")

    try:
        _amqp(work)
    except Exception:  # noqa: BLE001 - cleanup only; a broken broker already failed the test
        pass


# --------------------------------------------------------------------------- the consumer process


class Consumer:
    """``ibml consume`` as a subprocess on ``queue`` (``--declare``), with its /ready and /metrics endpoint."""

    def __init__(self, home: Path, queue: str, *, prefetch: int = 32) -> None:
        self.home, self.queue, self.prefetch = home, queue, prefetch
        self.port = free_port()
        self.proc: subprocess.Popen[str] | None = None
        self.stderr = ""

    def start(self) -> Consumer:
        env = {
            **os.environ,
            "IBML_HOME": str(self.home),
            "IBML_AMQP_URL": AMQP_URL,
            "IBML_LATENCY_BUDGET_MS": BUDGET_MS,
        }
        cmd = [
            sys.executable,
            "-m",
            "reference_impl.cli",
            "consume",
            "--queue",
            self.queue,
            "--exchange",
            f"{self.queue}.out",
            "--declare",
            "--prefetch",
            str(self.prefetch),
            "--metrics-port",
            str(self.port),
        ]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"consumer exited {self.proc.returncode}: {self.stderr[-2000:]}")
            if self.ready()[0] == 200:
                return self
            time.sleep(0.3)
        self.stop(signal.SIGKILL)
        raise RuntimeError("consumer not ready within 90 s")

    def ready(self) -> tuple[int, str]:
        """(status, body) of GET /ready; (0, error) when nothing answers."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ready", timeout=2) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError as exc:
            return 0, str(exc)

    def wait_ready(self, status: int, timeout_s: float = 60.0) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            got, body = self.ready()
            if got == status:
                return body
            time.sleep(0.2)
        raise AssertionError(f"/ready did not answer {status} within {timeout_s} s (last: {got} {body})")

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as r:
            return r.read().decode()

    def wait_decided(self, n: int, timeout_s: float = 60.0) -> None:
        """Poll /metrics until at least ``n`` events were decided (cheaper than draining, so a stop lands early)."""
        prefix = 'ibml_queue_messages_total{outcome="decided"} '
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = [float(ln[len(prefix) :]) for ln in self.metrics().splitlines() if ln.startswith(prefix)]
            if done and done[0] >= n:
                return
            time.sleep(0.02)
        raise AssertionError(f"fewer than {n} events decided within {timeout_s} s")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=60)
        finally:
            if self.proc.stderr is not None:
                self.stderr += self.proc.stderr.read()
                self.proc.stderr.close()
        return code


def audit_records(home: Path) -> list[dict]:
    from reference_impl.governance import AuditLog

    log = AuditLog(home / "audit" / "audit.jsonl")
    try:
        assert log.verify().ok
        return list(log.records())
    finally:
        log.close()


def consumer_records(home: Path, queue: str, kind: str) -> list[dict]:
    """The consumer's audit records of ``kind`` for events of this test (ids start with the queue name)."""
    from reference_impl.consumer.index import ENDPOINT

    return [
        r
        for r in audit_records(home)
        if r["event_type"] == kind
        and r["payload"].get("endpoint") == ENDPOINT
        and (str(r["payload"].get("request_id")).startswith(queue) or r["payload"].get("queue") == queue)
    ]


def first_occurrences(ids: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for i in ids:
        seen.setdefault(i, None)
    return list(seen)


def per_key(order: list[str], key_of: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in order:
        out.setdefault(key_of[i], []).append(i)
    return out


# --------------------------------------------------------------------------- one stream, several checks


@dataclass
class Stream:
    queue: str
    ids: list[str]
    events: list[dict]
    decisions: list[Received]
    letters: list[Received]
    metrics: str
    ready: tuple[int, str]
    exit_code: int


@pytest.fixture(scope="module")
def stream(broker, deployment) -> Iterator[Stream]:
    """Twenty real events (several per trader, interleaved), bad messages, then event 0 again."""
    home, events = deployment
    queue = f"ibml-test-{uuid.uuid4().hex[:8]}"
    chosen = events[:20]
    ids = [f"{queue}-e{i}" for i in range(len(chosen))]
    bad = [
        (f"{queue}-bad-json", b"{not json", "x"),
        (f"{queue}-bad-contract", json.dumps(dict(chosen[0], quantity=-5)).encode(), "x"),
        # aiormq gives a message published without an id a random one, so "no id" arrives as a blank one
        (" ", json.dumps(chosen[2]).encode(), "x"),
    ]
    consumer = Consumer(home, queue).start()
    try:
        publish(
            queue,
            [(ids[i], json.dumps(e).encode(), e["trader_id"]) for i, e in enumerate(chosen)]
            + bad
            + [(ids[0], json.dumps(chosen[0]).encode(), chosen[0]["trader_id"])],
        )
        decisions = drain(f"{queue}.out.all", count(len(ids) + 1))
        letters = drain(f"{queue}.dlq", count(len(bad)))
        metrics, ready = consumer.metrics(), consumer.ready()
    finally:
        code = consumer.stop()
    yield Stream(queue, ids, chosen, decisions, letters, metrics, ready, code)

    async def work(ch: Any) -> None:
        for name in (queue, f"{queue}.dlq", f"{queue}.out.all"):
            await ch.queue_delete(name)
        await ch.exchange_delete(f"{queue}.out")

    _amqp(work)


def test_each_event_is_decided_once_in_publish_order_and_published_under_its_decision(stream):
    got = [m[0] for m in stream.decisions]
    assert got == [*stream.ids, stream.ids[0]]  # one queue, one consumer: total order, then the repeat
    key_of = {i: e["trader_id"] for i, e in zip(stream.ids, stream.events)}
    assert len(set(key_of.values())) < len(stream.ids)  # several events share a key, so order per key is tested
    assert per_key(got[:-1], key_of) == per_key(stream.ids, key_of)
    for _, headers, body in stream.decisions:
        assert headers["x-ibml-redelivery"] in ("true", "false")
        assert json.loads(body)["decision"] in ("flag", "clear")


def test_decisions_are_the_http_paths_decisions(stream, deployment):
    """Same features, model, rules and reason codes: the trade room's pipeline, not a copy of it."""
    from reference_impl.serving import ServiceSettings, create_api_key, create_app
    from reference_impl.serving.testing import test_client

    home, _ = deployment
    with _ibml_home(home):
        settings = ServiceSettings(home=home, latency_budget_ms=float(BUDGET_MS))
        key, _ = create_api_key(settings.api_keys_path, "scorer")
        with test_client(create_app(settings)) as client:
            responses = [
                client.post("/v1/trades/score", json=e, headers={"X-API-Key": key}).json() for e in stream.events
            ]
    for (_, _, body), http in zip(stream.decisions, responses):
        queued, result, meta = json.loads(body), http["result"], http["metadata"]
        assert queued["fallback_reason"] is None and meta["fallback_reason"] is None  # the model decided both
        assert queued["trade_id"] == result["trade_id"]
        assert (queued["decision"], queued["flagged"]) == (result["decision"], result["flagged"])
        assert queued["score"] == result["score"] and queued["threshold"] == result["threshold"]
        assert queued["reason_codes"] == [r["code"] for r in result["reasons"]]
        assert (queued["model_version"], queued["ruleset_version"]) == (meta["model_version"], meta["ruleset_version"])
    assert any(json.loads(b)["decision"] == "flag" for _, _, b in stream.decisions)  # a stream with both outcomes
    assert any(json.loads(b)["decision"] == "clear" for _, _, b in stream.decisions)


def test_a_redelivered_event_gets_the_same_decision_and_a_redelivery_record_not_a_second_decision(stream, deployment):
    home, _ = deployment
    first, again = stream.decisions[0], stream.decisions[-1]
    assert (first[1]["x-ibml-redelivery"], again[1]["x-ibml-redelivery"]) == ("false", "true")
    assert again[2] == first[2]  # byte for byte
    recorded = {r["payload"]["request_id"]: r for r in consumer_records(home, stream.queue, "trade.decision")}
    assert sorted(recorded) == sorted(stream.ids)  # one decision record per event id
    for message_id, _, body in stream.decisions:
        got, record = json.loads(body), recorded[message_id]
        assert got["audit_seq"] == record["seq"]  # the published decision is the audited one
        assert got["decision"] == record["payload"]["output"]["decision"]
        assert got["trade_id"] == record["payload"]["input"]["trade_id"]
    redeliveries = consumer_records(home, stream.queue, "trade.redelivery")
    assert [(r["payload"]["request_id"], r["payload"]["decision_seq"]) for r in redeliveries] == [
        (stream.ids[0], recorded[stream.ids[0]]["seq"])
    ]


def test_bad_messages_are_dead_lettered_with_their_reason_and_audited(stream, deployment):
    home, _ = deployment
    q = stream.queue
    by_kind = {m[1]["x-ibml-dead-letter-kind"]: m for m in stream.letters}
    assert sorted(by_kind) == ["contract", "no_event_id", "not_json"]  # "unscorable": tests/unit/consumer
    assert by_kind["not_json"][0] == f"{q}-bad-json" and by_kind["not_json"][2] == b"{not json"  # original bytes
    assert by_kind["contract"][0] == f"{q}-bad-contract"
    reasons = {k: m[1]["x-ibml-dead-letter-reason"] for k, m in by_kind.items()}
    assert reasons["contract"].startswith("contract violation: quantity")
    assert reasons["not_json"].startswith("body is not JSON")
    assert all(m[1]["x-ibml-source-queue"] == q for m in stream.letters)
    audited = consumer_records(home, q, "trade.dead_lettered")
    assert sorted(r["payload"]["reason_kind"] for r in audited) == sorted(by_kind)
    assert all(len(r["payload"]["body_sha256"]) == 64 and "body" not in r["payload"] for r in audited)


def test_metrics_readiness_and_sigterm(stream):
    assert stream.ready == (200, "ready\n")
    m = stream.metrics
    assert f'ibml_queue_messages_total{{outcome="decided"}} {float(len(stream.ids))}' in m
    assert 'ibml_queue_messages_total{outcome="redelivery"} 1.0' in m
    assert 'ibml_queue_dead_letters_total{reason="not_json"} 1.0' in m
    assert "ibml_queue_connected 1.0" in m
    assert any(  # the service's own families, labelled with the consumer's endpoint
        line.startswith("ibml_decisions_total{") and 'endpoint="queue.trades"' in line for line in m.splitlines()
    )
    assert stream.exit_code == 0


# --------------------------------------------------------------------------- bad set-up, crashes, restarts


def test_a_missing_input_queue_is_a_one_line_error(names, deployment):
    import aio_pika

    home, _ = deployment

    async def everything_but_the_input_queue(ch: Any) -> None:
        await ch.declare_queue(f"{names}.dlq", durable=True)
        await ch.declare_exchange(f"{names}.out", aio_pika.ExchangeType.TOPIC, durable=True)

    _amqp(everything_but_the_input_queue)
    env = {**os.environ, "IBML_HOME": str(home), "IBML_AMQP_URL": AMQP_URL}
    cmd = ["consume", "--queue", names, "--exchange", f"{names}.out", "--metrics-port", "0"]
    proc = subprocess.run(
        [sys.executable, "-m", "reference_impl.cli", *cmd],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert lines[-1] == (
        f"ibml: error: queue {names!r} does not exist on the broker; create it or run `ibml consume --declare`"
    )
    assert "Traceback" not in proc.stderr


def long_stream(queue: str, events: list[dict], copies: int = 2) -> tuple[list[str], dict[str, str], list]:
    """``copies`` x the events under distinct ids: with a backlog of them (~400), a stop lands mid-stream."""
    ids, key_of, messages = [], {}, []
    for c in range(copies):
        for i, e in enumerate(events):
            event_id = f"{queue}-c{c}-e{i}"
            ids.append(event_id)
            key_of[event_id] = e["trader_id"]
            messages.append((event_id, json.dumps(e).encode(), e["trader_id"]))
    return ids, key_of, messages


def test_kill_9_mid_stream_loses_no_acknowledged_event_and_duplicates_no_decision(names, deployment):
    home, events = deployment
    queue = names
    ids, key_of, messages = long_stream(queue, events)

    declare(queue)
    publish(queue, messages, burst=True)  # a backlog, so the kill lands mid-stream
    killed = Consumer(home, queue, prefetch=8).start()
    killed.wait_decided(50)
    killed.stop(signal.SIGKILL)  # no chance to finish anything: prefetched messages are unacknowledged
    assert queue_depth(queue) > 0  # it really stopped mid-stream
    out = drain(f"{queue}.out.all", None)  # what it published before it died

    restarted = Consumer(home, queue, prefetch=8).start()
    try:
        out += drain(f"{queue}.out.all", covers(ids, out), timeout_s=120)
    finally:
        assert restarted.stop() == 0
    published = [m[0] for m in out]
    assert set(published) == set(ids)  # nothing lost
    decided = [r["payload"]["request_id"] for r in consumer_records(home, queue, "trade.decision")]
    assert sorted(decided) == sorted(ids)  # exactly one decision record per event, across the crash
    bodies: dict[str, bytes] = {}
    for message_id, _, body in out:  # a republished decision is the same decision
        assert bodies.setdefault(message_id, body) == body
    # requeued messages keep their place, so decisions first appear in publish order, per key and overall
    assert first_occurrences(published) == ids
    assert per_key(first_occurrences(published), key_of) == per_key(ids, key_of)


def test_a_broker_restart_is_survived_and_sigterm_mid_stream_finishes_what_it_started(names, deployment):
    home, events = deployment
    queue = names
    ids, _, messages = long_stream(queue, events)
    consumer = Consumer(home, queue, prefetch=1).start()  # one at a time: slow enough to stop mid-stream
    try:
        publish(queue, messages[:20])
        out = drain(f"{queue}.out.all", covers(ids[:20]))
        rabbitmqctl("stop_app")
        try:
            assert "broker: not connected" in consumer.wait_ready(503)
        finally:
            rabbitmqctl("start_app")
        consumer.wait_ready(200, timeout_s=90)  # reconnected by itself
        assert consumer.proc is not None
        consumer.proc.send_signal(signal.SIGSTOP)  # frozen while the backlog builds up
        try:
            publish(queue, messages[20:], burst=True)
            backlog = queue_depth(queue)
        finally:
            consumer.proc.send_signal(signal.SIGCONT)
        assert backlog >= len(messages) - 20 - 1  # bounded prefetch (1): the rest wait in the broker
        consumer.wait_decided(40)
        metrics = consumer.metrics()
    finally:
        code = consumer.stop(signal.SIGTERM)  # mid-stream
    assert code == 0, consumer.stderr[-2000:]
    assert "ibml_queue_connected 1.0" in metrics
    out += drain(f"{queue}.out.all", None)  # what finished while stopping (it has exited: all is published)
    decided = [r["payload"]["request_id"] for r in consumer_records(home, queue, "trade.decision")]
    assert len(decided) == len(set(decided))
    assert sorted({m[0] for m in out}) == sorted(decided)  # every recorded decision was published
    left = queue_depth(queue)
    assert left > 0 and left == len(ids) - len(decided)  # and every other event is still queued, untouched
