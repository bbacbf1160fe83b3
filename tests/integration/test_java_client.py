"""The Java client (clients/java) compiled with javac and run against a live ``ibml serve`` under uvicorn.

One real service (generated data, online store, fitted detector, one key per role) answers the good trade, the
missing and invalid keys (401), the wrong role (403) and a bad field (422, named); a second one on an empty
workspace has no feature source, so it answers 503 and the client's bounded retries are counted in its metrics.
Needs ``javac`` (``default-jdk-headless``): skipped without it, failed in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from reference_impl.serving import ServiceSettings, create_api_key
from reference_impl.serving.testing import ServerProcess

pytestmark = pytest.mark.slow

JAVA_SRC = Path(__file__).resolve().parents[2] / "clients" / "java" / "src"


# the same two helpers as tests/unit/serving/test_java_client_contract.py (tests/ is not a package)
def compile_java_client(out: Path) -> Path:
    """``javac`` the client into ``out`` (warnings are errors); skip without a JDK, fail in CI."""
    javac = shutil.which("javac")
    if javac is None:
        if os.environ.get("CI"):
            pytest.fail("javac is required in CI (.ci/run installs default-jdk-headless)")
        pytest.skip("javac not installed (apt-get install default-jdk-headless)")
    sources = sorted(str(p) for p in (JAVA_SRC / "ibml").glob("*.java"))
    proc = subprocess.run(
        [javac, "-Xlint:all", "-Werror", "--release", "17", "-d", str(out), *sources],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"javac failed:\n{proc.stderr}"
    return out


def run_java(classes: Path, *args: str, key: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "IBML_API_KEY"}
    if key is not None:
        env["IBML_API_KEY"] = key
    return subprocess.run(
        [shutil.which("java") or "java", "-cp", str(classes), "ibml.Main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    return compile_java_client(tmp_path_factory.mktemp("java-classes"))


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from reference_impl.serving.demo import build_demo_deployment

    home = tmp_path_factory.mktemp("ibml-java")
    with pytest.MonkeyPatch.context() as mp:  # the seal key goes where the server looks: <IBML_HOME>-identity
        mp.setenv("IBML_HOME", str(home))
        deployment = build_demo_deployment(ServiceSettings(home=home), n_trades=2_000, n_events=10, with_kyc=False)
    # a generous latency budget: the decision comes from the model, not the rules-only fallback, on a busy host
    with ServerProcess(home, env={"IBML_LATENCY_BUDGET_MS": "10000"}) as server:
        yield server, deployment


def test_a_good_trade_is_decided_by_the_model(classes, live, tmp_path):
    server, deployment = live
    event = deployment.events[0]
    (tmp_path / "trade.json").write_text(json.dumps(event))
    proc = run_java(
        classes, "--url", server.url, "--trade", str(tmp_path / "trade.json"), key=deployment.keys["scorer"]
    )
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    assert line.startswith("decision=") and f" trade_id={event['trade_id']} " in line
    fields = dict(part.split("=", 1) for part in line.split(" "))
    assert fields["decision"] in {"flag", "clear"} and fields["fallback"] == "false"
    assert fields["score"] != "n/a" and fields["model"].startswith("iforest-")
    # the same trade through Python gives the same decision: the client reports, it does not reinterpret
    r = httpx.post(server.url + "/v1/trades/score", json=event, headers={"X-API-Key": deployment.keys["scorer"]})
    assert r.status_code == 200
    assert r.json()["result"]["decision"] == fields["decision"]
    assert f"{r.json()['result']['score']:.4f}" == fields["score"]


@pytest.mark.parametrize(("key", "detail"), [(None, "missing API key"), ("ibml_not-a-key", "invalid API key")])
def test_no_or_invalid_key_is_401(classes, live, key, detail):
    server, _ = live
    proc = run_java(classes, "--url", server.url, "--attempts", "1", key=key)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert proc.stderr.startswith(f"unauthorized (401): {detail}")
    assert proc.stdout == ""


def test_the_wrong_role_is_403(classes, live):
    server, deployment = live
    proc = run_java(classes, "--url", server.url, key=deployment.keys["auditor"])
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert proc.stderr.startswith("forbidden (403): role 'auditor' may not call this endpoint")


@pytest.mark.parametrize(("override", "field"), [("quantity=-5", "quantity"), ("side=HOLD", "side")])
def test_a_bad_field_is_422_naming_it(classes, live, override, field):
    server, deployment = live
    proc = run_java(classes, "--url", server.url, "--set", override, key=deployment.keys["scorer"])
    assert proc.returncode == 5, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines and all(line.startswith("invalid (422): field ") for line in lines)
    assert any(line.startswith(f"invalid (422): field {field}: ") for line in lines), lines


def test_not_ready_is_503_retried_a_bounded_number_of_times(classes, tmp_path):
    home = tmp_path / "empty"
    keys = ServiceSettings(home=home).api_keys_path
    scorer, auditor = create_api_key(keys, "scorer")[0], create_api_key(keys, "auditor")[0]
    with ServerProcess(home) as server:
        assert httpx.get(server.url + "/readyz").status_code == 503
        proc = run_java(classes, "--url", server.url, "--attempts", "3", "--backoff-ms", "50", key=scorer)
        metrics = httpx.get(server.url + "/metrics", headers={"X-API-Key": auditor}).text
    assert proc.returncode == 6, proc.stdout + proc.stderr
    assert proc.stderr.startswith("unavailable (503): feature computation unavailable")
    assert "(after 3 attempts); nothing was decided" in proc.stderr
    assert 'ibml_requests_total{endpoint="/v1/trades/score",method="POST",status="503"} 3.0' in metrics
