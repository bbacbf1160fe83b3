"""API keys are stored hashed; 401 without a valid key, 403 with the wrong role."""

from __future__ import annotations

import json

import pytest

from reference_impl.errors import ConfigError
from reference_impl.serving.auth import ApiKeyStore, create_api_key, hash_key, require_role
from reference_impl.serving.trades.testing import sample_event


def test_store_keeps_only_hashes(tmp_path):
    path = tmp_path / "keys.json"
    key, entry = create_api_key(path, "scorer", label="job")
    text = path.read_text()
    secret = key.split("_", 2)[2]  # ibml_<key_id>_<secret>; the secret itself may contain "_"
    assert key not in text and secret not in text
    assert hash_key(key) not in text and entry.key_hmac in text  # a keyed hash, not the plain SHA-256
    assert ApiKeyStore.load(path).authenticate(key).role == "scorer"


@pytest.mark.parametrize("presented", [None, "", "nope", "ibml_", "ibml_unknown_secret"])
def test_unknown_or_malformed_keys_do_not_authenticate(tmp_path, presented):
    path = tmp_path / "keys.json"
    create_api_key(path, "admin")
    assert ApiKeyStore.load(path).authenticate(presented) is None


def test_right_id_wrong_secret_is_refused(tmp_path):
    path = tmp_path / "keys.json"
    key, _ = create_api_key(path, "admin")
    assert ApiKeyStore.load(path).authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None


@pytest.mark.parametrize("role", ["root", "", "Scorer"])
def test_unknown_role_is_a_config_error(tmp_path, role):
    with pytest.raises(ConfigError, match="unknown role"):
        create_api_key(tmp_path / "k.json", role)
    with pytest.raises(ConfigError, match="unknown role"):
        require_role(role)


def test_malformed_key_file_is_a_config_error(tmp_path):
    path = tmp_path / "k.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="k.json"):
        ApiKeyStore.load(path)
    path.write_text(json.dumps({"keys": [{"key_id": "a", "role": "god", "key_sha256": "x", "created_at": "t"}]}))
    with pytest.raises(ConfigError, match="god"):
        ApiKeyStore.load(path)


ENDPOINTS = [
    ("post", "/v1/trades/score", {"json": sample_event()}, "scorer"),
    ("post", "/v1/kyc/classify", {"json": {"doc_id": "D1", "text": "passport of X"}}, "scorer"),
    ("get", "/v1/kyc/review", {}, "reviewer"),
    ("get", "/v1/models", {}, "auditor"),
    ("post", "/v1/admin/reload", {}, "admin"),
]


@pytest.mark.parametrize("method,path,kw,role", ENDPOINTS)
def test_role_matrix(service, method, path, kw, role):
    call = getattr(service.client, method)
    assert call(path, **kw).status_code == 401
    assert call(path, headers={"X-API-Key": "ibml_bad_key"}, **kw).status_code == 401
    for other in ("scorer", "reviewer", "auditor"):
        expected = 200 if other == role else 403
        assert call(path, headers=service.headers(other), **kw).status_code == expected, other
    assert call(path, headers=service.headers("admin"), **kw).status_code == 200


def test_401_says_how_to_authenticate(service):
    r = service.client.post("/v1/trades/score", json=sample_event())
    assert r.status_code == 401 and r.headers["www-authenticate"] == "X-API-Key"
    assert r.json()["detail"] == "missing API key" and r.json()["request_id"]


def test_health_needs_no_key_metrics_needs_auditor(service):
    assert service.client.get("/healthz").json() == {"status": "ok"}
    assert service.client.get("/metrics").status_code == 401
    assert service.get("/metrics", role="auditor").status_code == 200


@pytest.mark.parametrize("header", ["order-42\n", "order-42\r\n", "abc\nlevel=ERROR forged", "two words", "", "a" * 129])
def test_an_unsafe_request_id_is_replaced_not_echoed(header):
    """A caller's id goes into every log line: one with a newline could forge lines, so it gets a fresh id."""
    from reference_impl.serving.middleware import request_id_from

    got = request_id_from([(b"x-request-id", header.encode("latin-1"))])
    assert got != header and len(got) == 32 and got.isalnum()


def test_a_safe_request_id_is_echoed():
    from reference_impl.serving.middleware import request_id_from

    assert request_id_from([(b"x-request-id", b"order-42:retry.1")]) == "order-42:retry.1"
