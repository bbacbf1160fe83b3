"""A real uvicorn process: acknowledged decisions survive SIGKILL; a bounded load test loses nothing."""

from __future__ import annotations

import os
import threading
import time

import httpx
import pytest

from reference_impl.governance import AuditLog
from reference_impl.serving import ServiceSettings, create_api_key
from reference_impl.serving.testing import ServerProcess
from reference_impl.serving.trades.testing import sample_event

pytestmark = pytest.mark.slow


def _key(home, role="scorer") -> str:
    return create_api_key(ServiceSettings(home=home).api_keys_path, role)[0]


def test_acknowledged_decision_survives_sigkill(workspace):
    key = _key(workspace.root)
    server = ServerProcess(workspace.root, fake=True)
    with server:
        acked = []
        with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=30) as client:
            for i in range(3):
                r = client.post("/v1/trades/score", json=sample_event(trade_id=f"K{i}"), headers={"X-Request-ID": f"kill-{i}"})
                assert r.status_code == 200
                acked.append(r.json()["metadata"])
        server.kill()  # immediately after the last response: no graceful shutdown, no flush
        assert server.proc.returncode == -9
    log = AuditLog(workspace.audit_log)
    result = log.verify()
    assert result.ok, result.reason
    by_request = {r["payload"]["request_id"]: r for r in log.records()}
    for meta in acked:
        record = by_request[meta["request_id"]]
        assert record["seq"] == meta["audit_seq"]


def _open_loop_load(url: str, key: str, body_for, n: int, rate: float, n_workers: int = 8) -> tuple[list[int], list[str]]:
    """Send ``n`` scoring requests at a fixed ``rate`` (open loop: late requests are not skipped)."""
    statuses: list[int] = []
    ids: list[str] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) as client:
            start = time.monotonic()
            for i in range(k, n, n_workers):
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                r = client.post("/v1/trades/score", json=body_for(i), headers={"X-Request-ID": f"load-{i}"})
                with lock:
                    statuses.append(r.status_code)
                    if r.status_code == 200:
                        ids.append(r.json()["metadata"]["request_id"])

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, ids


def _assert_nothing_lost(workspace, statuses: list[int], ids: list[str], n: int) -> None:
    assert len(statuses) == n and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    log = AuditLog(workspace.audit_log)
    assert log.verify().ok
    audited = {r["payload"]["request_id"] for r in log.records() if r["event_type"] == "trade.decision"}
    assert set(ids) <= audited and len(audited) == n


def test_bounded_load_no_errors_nothing_missing(workspace):
    """Open-loop load at a fixed rate for a fixed time (defaults: 10 s at 50 requests/s), fake model."""
    seconds = float(os.environ.get("IBML_LOAD_SECONDS", "10"))
    rate = float(os.environ.get("IBML_LOAD_RPS", "50"))
    key = _key(workspace.root)
    auditor = _key(workspace.root, "auditor")
    n = int(seconds * rate)
    with ServerProcess(workspace.root, fake=True) as server:
        statuses, ids = _open_loop_load(server.url, key, lambda i: sample_event(trade_id=f"L{i}"), n, rate)
        metrics = httpx.get(server.url + "/metrics", headers={"X-API-Key": auditor}).text
    _assert_nothing_lost(workspace, statuses, ids, n)
    assert f'ibml_requests_total{{endpoint="/v1/trades/score",method="POST",status="200"}} {float(n)}' in metrics


def test_bounded_load_on_the_real_path(workspace):
    """The same open-loop load through real online features, the real detector and SHAP reasons.

    Defaults: 30 s at 100 requests/s, open loop (the full path serves a few hundred req/s on one
    worker here; see benchmarks/bench_serving.py). Every request must be answered 200 and audited,
    fallback or not.
    """
    from reference_impl.serving.demo import build_demo_deployment

    seconds = float(os.environ.get("IBML_REAL_LOAD_SECONDS", "30"))
    rate = float(os.environ.get("IBML_REAL_LOAD_RPS", "100"))
    deployment = build_demo_deployment(ServiceSettings(home=workspace.root), with_kyc=False)
    events = deployment.events
    n = int(seconds * rate)
    with ServerProcess(workspace.root) as server:
        statuses, ids = _open_loop_load(
            server.url, deployment.keys["scorer"], lambda i: {**events[i % len(events)], "trade_id": f"R{i}"}, n, rate)
    _assert_nothing_lost(workspace, statuses, ids, n)
