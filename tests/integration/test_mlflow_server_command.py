"""``ibml mlflow-server`` stops as a whole: a supervisor's SIGTERM must not leave the server on its port.

``mlflow server`` runs uvicorn and a job runner below it; the command used to pass SIGTERM to none of
them, so a stopped ``ibml mlflow-server`` left a tracking server running (found as a leftover of a CI run).
"""

from __future__ import annotations

import os
import subprocess
import sys

import psutil
import pytest

from reference_impl.serving.testing import free_port, wait_for_http

pytestmark = pytest.mark.slow


def test_sigterm_stops_every_process_of_the_server(workspace):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "reference_impl.cli", "mlflow-server", "--port", str(port)],
                            env={**os.environ, "IBML_HOME": str(workspace.root)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server: list[psutil.Process] = []
    try:
        try:
            wait_for_http(f"http://127.0.0.1:{port}/health", proc)
        except RuntimeError as exc:
            pytest.fail(f"ibml mlflow-server did not start: {exc}")
        server = psutil.Process(proc.pid).children(recursive=True)
        assert server, "mlflow server should run below the command"
        proc.terminate()
        assert proc.wait(timeout=60) in (0, 143)
        gone, alive = psutil.wait_procs(server, timeout=20)
        assert not alive, f"left running after SIGTERM: {[p.cmdline()[:4] for p in alive]}"
    finally:  # never leave a server behind, whatever failed above
        if proc.poll() is None:
            proc.kill()
        for leftover in server:
            try:
                leftover.kill()
            except psutil.Error:
                pass
