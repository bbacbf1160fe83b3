"""Each project room lifts out: a service with one room mounted never imports the other project's code.

The check runs in a fresh interpreter (``sys.modules`` of this test process already holds everything),
drives the one-room service through its lifespan and a real request, then lists what was imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from reference_impl.serving import ServiceSettings, create_api_key, create_app
from reference_impl.serving.kyc import KycRoom
from reference_impl.serving.kyc.testing import fake_kyc_providers
from reference_impl.serving.testing import test_client
from reference_impl.serving.trades import TradesRoom
from reference_impl.serving.trades.testing import fake_trades_providers, sample_event

_SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    from reference_impl.serving import ServiceSettings, create_api_key, create_app
    from reference_impl.serving.testing import test_client
    room, fakes, home = sys.argv[1], sys.argv[2] == "fakes", sys.argv[3]
    settings = ServiceSettings(home=home, rooms=room, latency_budget_ms=5000)
    key = create_api_key(settings.api_keys_path, "scorer")[0]
    if fakes and room == "trades":
        from reference_impl.serving.trades import TradesRoom
        from reference_impl.serving.trades.testing import fake_trades_providers, sample_event
        rooms, path, body = [TradesRoom(fake_trades_providers())], "/v1/trades/score", sample_event()
    elif fakes:
        from reference_impl.serving.kyc import KycRoom
        from reference_impl.serving.kyc.testing import fake_kyc_providers
        rooms = [KycRoom(fake_kyc_providers())]
        path, body = "/v1/kyc/classify", {"doc_id": "D1", "text": "utility bill for March"}
    else:  # the real providers, degraded: no trained model in this empty workspace
        rooms, path, body = None, None, None
    app = create_app(settings, rooms=rooms)
    with test_client(app) as client:
        statuses = [client.get("/readyz").status_code]
        if path:
            statuses.append(client.post(path, json=body, headers={"X-API-Key": key}).status_code)
    print(json.dumps({"statuses": statuses, "modules": sorted(m for m in sys.modules if m.startswith("reference_impl"))}))
""")


def _modules_after_serving(room: str, providers: str, home) -> dict:
    out = subprocess.run([sys.executable, "-c", _SCRIPT, room, providers, str(home)], capture_output=True, text=True,
                         timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("providers", ["fakes", "real"])
def test_trades_room_alone_never_imports_kyc(tmp_path, providers):
    seen = _modules_after_serving("trades", providers, tmp_path)
    if providers == "fakes":
        assert seen["statuses"] == [200, 200]
    else:
        assert seen["statuses"] == [503]  # no model and no online store in an empty workspace: not ready, says why
    assert "reference_impl.serving.trades" in seen["modules"]
    leaked = [m for m in seen["modules"] if m.startswith(("reference_impl.kyc", "reference_impl.serving.kyc"))]
    assert leaked == []


@pytest.mark.slow
@pytest.mark.parametrize("providers", ["fakes", "real"])
def test_kyc_room_alone_never_imports_anomaly(tmp_path, providers):
    seen = _modules_after_serving("kyc", providers, tmp_path)
    # with the fake classifier the room is ready; with the real providers the empty workspace has no model
    assert seen["statuses"] == ([200, 200] if providers == "fakes" else [503])
    assert "reference_impl.serving.kyc" in seen["modules"]
    leaked = [m for m in seen["modules"] if m.startswith(("reference_impl.anomaly", "reference_impl.serving.trades"))]
    assert leaked == []


def test_a_one_room_service_serves_only_that_room(tmp_path):
    settings = ServiceSettings(home=tmp_path, latency_budget_ms=5_000)
    key = create_api_key(settings.api_keys_path, "scorer")[0]
    app = create_app(settings, rooms=[TradesRoom(fake_trades_providers())])
    with test_client(app) as client:
        assert client.post("/v1/trades/score", json=sample_event(), headers={"X-API-Key": key}).status_code == 200
        assert client.post("/v1/kyc/classify", json={"doc_id": "D1", "text": "x"},
                           headers={"X-API-Key": key}).status_code == 404
        ready = client.get("/readyz").json()
        assert set(ready["checks"]) == {"trade_model", "online_store", "audit_log"}


def test_kyc_room_readiness_lists_only_its_own_checks(tmp_path):
    settings = ServiceSettings(home=tmp_path)
    app = create_app(settings, rooms=[KycRoom(fake_kyc_providers())])
    with test_client(app) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.json()
        assert set(ready.json()["checks"]) == {"kyc_model", "review_queue", "audit_log"}


def test_an_unknown_room_name_is_a_configuration_error(tmp_path):
    from reference_impl.errors import ConfigError

    with pytest.raises(ConfigError, match="IBML_ROOMS: unknown room 'fx'"):
        create_app(ServiceSettings(home=tmp_path, rooms="trades,fx"))
