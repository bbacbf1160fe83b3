"""Finding 8 of issue 16: HTTP limits on a real server (header size, request read timeout, concurrency).

Before: a 200 MB unauthenticated header was buffered (RSS +250 MB, ``/healthz`` stalled 3.2 s) and 800
half-open connections were held for as long as the clients liked. Each test starts the service (on fakes,
under the same uvicorn options as ``ibml serve``) on 127.0.0.1 with small limits and stays well under 10 s.
"""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from reference_impl.serving.testing import ServerProcess

TIMEOUT_S = 1.0
LIMITS = {
    "IBML_HTTP_MAX_HEADER_BYTES": "8192",
    "IBML_HTTP_REQUEST_TIMEOUT_S": str(TIMEOUT_S),
    "IBML_HTTP_KEEPALIVE_TIMEOUT_S": "1",
    "IBML_HTTP_MAX_CONCURRENCY": "6",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("ws"), fake=True, env=LIMITS, startup_timeout_s=90) as srv:
        yield srv


def _connect(srv: ServerProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", srv.port), timeout=10)


def _closed_by_server_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closes ``sock`` (EOF or reset); fails if it is still open after ``seconds``."""
    sock.settimeout(seconds)
    t0 = time.monotonic()
    try:
        while sock.recv(65_536):
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for more than {seconds} s")
    return time.monotonic() - t0


def test_a_huge_header_is_refused_without_being_buffered(server):
    sock = _connect(server)
    sent = 0
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: ")
        chunk = b"a" * 65_536
        for _ in range(32 * 16):  # up to 32 MB; the server must stop reading long before
            sock.sendall(chunk)
            sent += len(chunk)
    except (ConnectionResetError, BrokenPipeError):
        pass
    else:
        pytest.fail("the server read 32 MB of header without refusing it")
    finally:
        sock.close()
    assert sent < 8 * 1024 * 1024, sent
    assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200


def test_a_header_over_the_cap_is_refused(server):
    r = httpx.get(server.url + "/healthz", headers={"X-Junk": "a" * 9_000}, timeout=5)
    assert r.status_code in (400, 431)
    assert httpx.get(server.url + "/healthz", headers={"X-Small": "a" * 1_000}, timeout=5).status_code == 200


@pytest.mark.parametrize("first_bytes", [b"", b"POST /v1/trades/score HTTP/1.1\r\nHost: x\r\n"])
def test_a_half_open_connection_is_closed_after_the_read_timeout(server, first_bytes):
    sock = _connect(server)
    try:
        if first_bytes:
            sock.sendall(first_bytes)
        waited = _closed_by_server_within(sock, 5 * TIMEOUT_S)
    finally:
        sock.close()
    assert waited >= 0.5 * TIMEOUT_S  # not refused outright: the client had its time


def test_a_slow_trickle_of_header_bytes_does_not_reset_the_clock(server):
    sock = _connect(server)
    t0 = time.monotonic()
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        with pytest.raises((ConnectionResetError, BrokenPipeError, OSError)):
            for _ in range(50):  # one header line every 0.2 s for up to 10 s
                time.sleep(0.2)
                sock.sendall(b"X-A: b\r\n")
                sock.settimeout(0.01)
                try:
                    if sock.recv(1) == b"":
                        raise ConnectionResetError("closed by the server")
                except TimeoutError:
                    pass
    finally:
        sock.close()
    assert time.monotonic() - t0 < 5 * TIMEOUT_S


def test_connections_beyond_the_concurrency_limit_get_503_until_the_idle_ones_are_closed(server):
    idle = [_connect(server) for _ in range(6)]
    try:
        time.sleep(0.2)
        assert httpx.get(server.url + "/healthz", timeout=5).status_code == 503
        for sock in idle:
            _closed_by_server_within(sock, 5 * TIMEOUT_S)
    finally:
        for sock in idle:
            sock.close()
    assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200


def test_ibml_serve_runs_uvicorn_with_the_limits(monkeypatch, tmp_path):
    import argparse

    import uvicorn

    from reference_impl.commands.serve import run_serve

    seen = {}
    monkeypatch.setenv("IBML_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("IBML_HTTP_MAX_HEADER_BYTES", "4096")
    monkeypatch.setenv("IBML_HTTP_MAX_CONCURRENCY", "9")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    monkeypatch.setattr("reference_impl.serving.create_app", lambda *a, **k: object())
    run_serve(argparse.Namespace(host=None, port=None, model_source="none", log_level="warning"))
    assert seen["h11_max_incomplete_event_size"] == 4096 and seen["limit_concurrency"] == 9
    assert seen["timeout_keep_alive"] == 5.0 and seen["http"].request_timeout_s == 10.0
    assert seen["http"].__mro__[1].__name__ == "BoundedH11Protocol"
