"""A real uvicorn process: acknowledged decisions survive SIGKILL; a bounded load test loses nothing."""

from __future__ import annotations

import os
import threading
import time

import httpx
import pytest

from reference_impl.governance import AuditLog
from reference_impl.serving import ServiceSettings, create_api_key
from reference_impl.serving.testing import ServerProcess, sample_event

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


def test_bounded_load_no_errors_nothing_missing(workspace):
    """Open-loop load at a fixed rate for a fixed time (defaults: 10 s at 50 requests/s)."""
    seconds = float(os.environ.get("IBML_LOAD_SECONDS", "10"))
    rate = float(os.environ.get("IBML_LOAD_RPS", "50"))
    key = _key(workspace.root)
    n = int(seconds * rate)
    statuses: list[int] = []
    ids: list[str] = []
    lock = threading.Lock()
    with ServerProcess(workspace.root, fake=True) as server:
        def worker(k: int, n_workers: int) -> None:
            with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=60) as client:
                start = time.monotonic()
                for i in range(k, n, n_workers):
                    delay = start + i / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    rid = f"load-{i}"
                    r = client.post("/v1/trades/score", json=sample_event(trade_id=f"L{i}"), headers={"X-Request-ID": rid})
                    with lock:
                        statuses.append(r.status_code)
                        if r.status_code == 200:
                            ids.append(r.json()["metadata"]["request_id"])

        threads = [threading.Thread(target=worker, args=(k, 8)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        metrics = httpx.get(server.url + "/metrics").text
    assert len(statuses) == n and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    log = AuditLog(workspace.audit_log)
    assert log.verify().ok
    audited = {r["payload"]["request_id"] for r in log.records() if r["event_type"] == "trade.decision"}
    assert set(ids) <= audited and len(audited) == n
    assert f'ibml_requests_total{{endpoint="/v1/trades/score",method="POST",status="200"}} {float(n)}' in metrics
