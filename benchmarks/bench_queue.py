"""Scoring through RabbitMQ (``ibml consume``) beside the HTTP path (``ibml serve``), same model, same run.

Both paths are the trade room's pipeline on the same workspace (online store, trained detector, audit
log); only the transport differs. Per path and per run:

* **load** — ``--events`` events (default 2,000) as fast as the path takes them: the queue gets them all
  published at once (the consumer drains with ``--prefetch``); HTTP gets them from ``--clients``
  closed-loop clients. Events/s = events / (first send to last decision received); end-to-end latency
  per event = decision received - event sent, so the queue's includes the time an event waited in
  the queue behind the others (that is what a producer sees);
* **one at a time** — ``--sequential`` events, each sent only after the previous decision arrived: the
  transport's own latency, without queueing.

Medians over ``--runs`` runs, and the queue/HTTP ratios. Needs a broker (``.ci/start-rabbitmq``)::

    .venv/bin/python benchmarks/bench_queue.py                    # 3 runs x 2,000 events, 200 one at a time
    .venv/bin/python benchmarks/bench_queue.py --runs 1 --events 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import aio_pika
import httpx

from reference_impl.serving import ServiceSettings
from reference_impl.serving.demo import build_demo_deployment
from reference_impl.serving.testing import ServerProcess, free_port


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 100 else max(values)


class ConsumerProcess:
    """``ibml consume --declare`` on fresh queue names, until :meth:`stop` (SIGTERM)."""

    def __init__(self, home: Path, url: str, queue: str, prefetch: int) -> None:
        self.port = free_port()
        env = {**os.environ, "IBML_HOME": str(home), "IBML_AMQP_URL": url}
        cmd = [
            sys.executable,
            "-m",
            "reference_impl.cli",
            "consume",
            "--queue",
            queue,
            "--exchange",
            f"{queue}.out",
            "--declare",
            "--prefetch",
            str(prefetch),
            "--metrics-port",
            str(self.port),
        ]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ibml consume exited {self.proc.returncode}: {self.proc.stderr.read()[-1500:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("ibml consume not ready within 120 s")

    def metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.proc.stderr is not None:
            self.proc.stderr.close()


async def through_queue(
    url: str, queue: str, events: list[dict], tag: str, *, sequential: bool
) -> tuple[float, list[float]]:
    """Publish ``events`` (all at once, or one per decision), collect the decisions: (events/s, latencies ms)."""
    conn = await aio_pika.connect(url)
    try:
        ch = await conn.channel()
        decisions = await ch.declare_queue(f"{queue}.out.all", durable=True, passive=True)
        sent: dict[str, float] = {}
        latencies: list[float] = []
        arrived = asyncio.Event()
        all_in = asyncio.Event()

        async def on_decision(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                started = sent.get(str(message.message_id))
                if started is not None:
                    latencies.append((time.perf_counter() - started) * 1e3)
                    arrived.set()
                    if len(latencies) == len(events):
                        all_in.set()

        tag_ = await decisions.consume(on_decision)
        bodies = [json.dumps(e).encode() for e in events]
        t0 = time.perf_counter()
        for i, body in enumerate(bodies):
            event_id = f"{tag}-{i}"
            sent[event_id] = time.perf_counter()
            await ch.default_exchange.publish(
                aio_pika.Message(body, message_id=event_id, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=queue,
            )
            if sequential:
                await asyncio.wait_for(arrived.wait(), timeout=60)
                arrived.clear()
        await asyncio.wait_for(all_in.wait(), timeout=600)
        elapsed = time.perf_counter() - t0
        await decisions.cancel(tag_)
        return len(events) / elapsed, latencies
    finally:
        await conn.close()


def through_http(url: str, key: str, events: list[dict], clients: int) -> tuple[float, list[float]]:
    """POST every event once from ``clients`` closed-loop clients: (events/s, latencies ms)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []

    def run(k: int) -> None:
        with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) as client:
            for i in range(k, len(events), clients):
                t = time.perf_counter()
                r = client.post("/v1/trades/score", json=events[i])
                latencies[k].append((time.perf_counter() - t) * 1e3)
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {r.text[:200]}")

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{len(errors)} HTTP errors, first: {errors[0]}")
    return len(events) / elapsed, [x for per in latencies for x in per]


def stream(events: list[dict], n: int) -> list[dict]:
    """``n`` events cycling over the deployment's live events (each scored as a new event id)."""
    return [events[i % len(events)] for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000, help="events per load run and path")
    parser.add_argument("--sequential", type=int, default=200, help="events sent one at a time, per path")
    parser.add_argument("--runs", type=int, default=3, help="runs per path (medians are printed)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients in the load phase")
    parser.add_argument("--prefetch", type=int, default=32, help="the consumer's prefetch")
    parser.add_argument("--url", default=os.environ.get("IBML_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"))
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="ibml-bench-queue-"))
    os.environ["IBML_HOME"] = str(home)  # the model-seal key sits beside the workspace
    t0 = time.perf_counter()
    dep = build_demo_deployment(ServiceSettings(home=home), n_trades=3_000, n_events=200, with_kyc=False)
    print(f"setup: {len(dep.events)} live events cycled to {args.events:,} per run ({time.perf_counter() - t0:.0f} s)")

    queue = f"ibml-bench-{uuid.uuid4().hex[:8]}"
    load: dict[str, list[tuple[float, list[float]]]] = {"http": [], "queue": []}
    one: dict[str, list[float]] = {"http": [], "queue": []}
    with ServerProcess(home) as server:
        consumer = ConsumerProcess(home, args.url, queue, args.prefetch)
        try:
            key = dep.keys["scorer"]
            # warm-up (first requests pay lazy imports), not counted
            through_http(server.url, key, stream(dep.events, 50), 1)
            asyncio.run(through_queue(args.url, queue, stream(dep.events, 50), "warm", sequential=True))
            for run in range(args.runs):  # alternate the paths so drift in machine load hits both
                load["http"].append(through_http(server.url, key, stream(dep.events, args.events), args.clients))
                load["queue"].append(
                    asyncio.run(
                        through_queue(args.url, queue, stream(dep.events, args.events), f"r{run}", sequential=False)
                    )
                )
            one["http"] = through_http(server.url, key, stream(dep.events, args.sequential), 1)[1]
            one["queue"] = asyncio.run(
                through_queue(args.url, queue, stream(dep.events, args.sequential), "seq", sequential=True)
            )[1]
            batches = [ln for ln in consumer.metrics().splitlines() if ln.startswith("ibml_score_batch_events_")]
        finally:
            consumer.stop()
            _delete(args.url, queue)

    names = {
        "http": f"HTTP  POST /v1/trades/score, {args.clients} clients",
        "queue": f"queue ibml consume, prefetch {args.prefetch}",
    }
    print(f"\nload: {args.events:,} events per run, median of {args.runs} runs")
    print(f"{'path':<44}{'events/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    med: dict[str, tuple[float, float, float]] = {}
    for path, runs in load.items():
        rate = statistics.median(r for r, _ in runs)
        p50 = statistics.median(statistics.median(lat) for _, lat in runs)
        p99 = statistics.median(pct(lat, 99) for _, lat in runs)
        med[path] = (rate, p50, p99)
        print(f"{names[path]:<44}{rate:>10.1f}{p50:>10.2f}{p99:>10.2f}")
    print(f"\none event in flight: {args.sequential} events each")
    print(f"{'path':<44}{'p50 ms':>10}{'p99 ms':>10}")
    for path, lat in one.items():
        print(f"{names[path].split(',')[0]:<44}{statistics.median(lat):>10.2f}{pct(lat, 99):>10.2f}")
    print(
        f"\nratio queue/HTTP: events/s {med['queue'][0] / med['http'][0]:.2f}, "
        f"p50 under load {med['queue'][1] / med['http'][1]:.2f}, "
        f"p50 one at a time {statistics.median(one['queue']) / statistics.median(one['http']):.2f}"
    )
    found = {ln.split()[0]: float(ln.split()[1]) for ln in batches}
    count = found.get("ibml_score_batch_events_count", 0.0)
    if count:
        print(f"consumer batches: {count:.0f}, {found['ibml_score_batch_events_sum'] / count:.1f} events per batch")
    from reference_impl.governance import AuditLog

    audit = AuditLog(ServiceSettings(home=home).workspace.audit_log)
    verified = audit.verify()
    audit.close()
    print(f"audit log: {verified.n_records} records, chain {'intact' if verified.ok else 'BROKEN'}")
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared machines inflate both paths)"
    )
    return 0


def _delete(url: str, queue: str) -> None:
    async def go() -> None:
        conn = await aio_pika.connect(url)
        ch = await conn.channel()
        for name in (queue, f"{queue}.dlq", f"{queue}.out.all"):
            await ch.queue_delete(name)
        await ch.exchange_delete(f"{queue}.out")
        await conn.close()

    asyncio.run(go())


if __name__ == "__main__":
    sys.exit(main())
