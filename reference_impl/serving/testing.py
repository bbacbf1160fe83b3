"""Test support for the service: a TestClient, a real server in a child process, both rooms on fakes.

The room-specific fakes live with their rooms (``serving/trades/testing.py``,
``serving/kyc/testing.py``); :func:`fake_rooms` puts them together. Real deployments never use them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any


def fake_rooms(
    *,
    detector: Any | None = None,
    trade_model: Any | None = None,
    features: Any | None = None,
    kyc: Any | None = None,
    review_queue: Any | None = None,
) -> list[Any]:
    """Both rooms wired to their fakes (override any piece): ``create_app(settings, rooms=fake_rooms())``.

    The models and the feature source are fakes; the core (auth, audit, metrics, batching, fallback)
    and the review queue are the real ones, so tests exercise the production machinery.
    """
    from reference_impl.serving.kyc import KycRoom
    from reference_impl.serving.kyc.testing import fake_kyc_providers
    from reference_impl.serving.trades import TradesRoom
    from reference_impl.serving.trades.testing import fake_trades_providers

    return [
        TradesRoom(fake_trades_providers(detector=detector, trade_model=trade_model, features=features)),
        KycRoom(fake_kyc_providers(kyc=kyc, review_queue=review_queue)),
    ]


def test_client(app: Any, **kwargs: Any) -> Any:
    """A ``TestClient`` for ``app``; imports it quietly (starlette 1.10 warns that httpx is deprecated for it)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
        from fastapi.testclient import TestClient
    return TestClient(app, **kwargs)


test_client.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def fake_app() -> Any:
    """App factory on fakes for a real server: ``uvicorn reference_impl.serving.testing:fake_app --factory``.

    Settings come from ``IBML_*`` variables as for ``ibml serve``; only the models and the feature
    source are fakes, so load and durability tests measure the service machinery, not the model.
    """
    from reference_impl.serving.app import create_app
    from reference_impl.serving.settings import ServiceSettings

    return create_app(ServiceSettings(), rooms=fake_rooms())


def serve_fake(port: int) -> None:
    """Run :func:`fake_app` on 127.0.0.1:``port`` exactly as ``ibml serve`` runs the real app (same HTTP limits)."""
    from reference_impl.serving.http_limits import run_server
    from reference_impl.serving.settings import ServiceSettings

    run_server(fake_app(), ServiceSettings(host="127.0.0.1", port=port))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago (the OS picks it)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, proc: Any, *, timeout_s: float = 120.0) -> None:
    """Return once ``url`` answers a GET without error; ``RuntimeError`` if ``proc`` exits or time runs out.

    For servers a test starts as a subprocess (``mlflow server``, ``ibml mlflow-server``): polls every
    0.5 s with a 2 s timeout per attempt.
    """
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{url}: the server exited with code {proc.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s") from None
            time.sleep(0.5)


class ServerProcess:
    """A real uvicorn server in a child process on 127.0.0.1; a context manager that always stops it.

    Parameters
    ----------
    home : path
        The workspace (``IBML_HOME``) the server uses.
    fake : bool
        Serve :func:`fake_app` (fakes for models and features) instead of ``ibml serve``'s real app.
    env : mapping, optional
        Extra ``IBML_*`` settings.
    """

    def __init__(
        self, home: Any, *, fake: bool = False, env: Mapping[str, str] | None = None, startup_timeout_s: float = 120.0
    ) -> None:
        self.home, self.fake, self.extra_env = home, fake, dict(env or {})
        self.startup_timeout_s = startup_timeout_s
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: Any = None

    def start(self) -> ServerProcess:
        import os
        import subprocess
        import sys

        import httpx

        env = {**os.environ, "IBML_HOME": str(self.home), "MLFLOW_DISABLE_TELEMETRY": "true", **self.extra_env}
        if self.fake:  # the fakes under the same uvicorn limits as ``ibml serve`` (run_server)
            cmd = [
                sys.executable,
                "-c",
                f"from reference_impl.serving.testing import serve_fake; serve_fake({self.port})",
            ]
        else:
            cmd = [sys.executable, "-m", "reference_impl.cli", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"server exited with code {self.proc.returncode}: {err}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer /healthz within {self.startup_timeout_s:.0f} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing — what a crash looks like."""
        import signal

        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL if it does not exit within 10 s."""
        import subprocess

        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()


__all__ = ["ServerProcess", "fake_app", "fake_rooms", "free_port", "serve_fake", "test_client", "wait_for_http"]
