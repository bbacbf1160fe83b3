"""Finding 9: keyed hashes, list/revoke, revocation on reload, failed-auth log lines, /metrics behind a role."""

from __future__ import annotations

import json
import logging

import pytest

from reference_impl.serving.auth import ApiKeyStore, create_api_key, hash_key, keyed_hash, secret_path_for


def test_store_keeps_keyed_hashes_not_plain_sha256(tmp_path):
    path = tmp_path / "api_keys.json"
    key, entry = create_api_key(path, "scorer")
    text = path.read_text()
    assert key not in text and hash_key(key) not in text  # a leaked file gives neither the key nor its SHA-256
    secret = bytes.fromhex(secret_path_for(path).read_text().strip())
    assert json.loads(text)["keys"][0]["key_hmac"] == keyed_hash(secret, hash_key(key))
    assert oct(secret_path_for(path).stat().st_mode & 0o777) == "0o600"
    # two stores with different secrets hash the same key differently (salted per store)
    other = tmp_path / "other" / "api_keys.json"
    other.parent.mkdir()
    ApiKeyStore.load(other).save(other)
    assert keyed_hash(bytes.fromhex(secret_path_for(other).read_text().strip()), hash_key(key)) != entry.key_hmac


def test_legacy_sha256_files_keep_working_and_are_migrated(tmp_path, capsys, monkeypatch):
    from reference_impl.cli import main

    path = tmp_path / "serving" / "api_keys.json"
    path.parent.mkdir(parents=True)
    key = "ibml_0123456789ab_" + "s" * 43
    legacy = {"key_id": "0123456789ab", "role": "auditor", "key_sha256": hash_key(key), "created_at": "2025-01-01"}
    path.write_text(json.dumps({"keys": [legacy]}))
    assert ApiKeyStore.load(path).authenticate(key).role == "auditor"
    monkeypatch.setenv("IBML_HOME", str(tmp_path))
    assert main(["apikey", "list"]) == 0
    out, err = capsys.readouterr()
    assert "migrated 1" in err and "0123456789ab" in out and "auditor" in out
    assert "key_sha256" not in path.read_text() and hash_key(key) not in path.read_text()
    assert ApiKeyStore.load(path).authenticate(key).role == "auditor"


def test_apikey_list_never_shows_hashes_and_revoke_removes(tmp_path, capsys, monkeypatch):
    from reference_impl.cli import main
    from reference_impl.serving import ServiceSettings

    monkeypatch.setenv("IBML_HOME", str(tmp_path))
    path = ServiceSettings().api_keys_path
    key, entry = create_api_key(path, "reviewer", label="alice")
    assert main(["apikey", "list", "--json"]) == 0
    out = capsys.readouterr().out
    row = json.loads(out.splitlines()[0])
    assert row == {"key_id": entry.key_id, "role": "reviewer", "label": "alice", "created_at": entry.created_at}
    assert entry.key_hmac not in out and key not in out
    assert main(["apikey", "revoke", entry.key_id]) == 0
    assert ApiKeyStore.load(path).authenticate(key) is None
    assert main(["apikey", "revoke", entry.key_id]) != 0  # unknown id: a one-line error, no traceback
    assert "Traceback" not in capsys.readouterr().err


def test_revoked_key_stops_working_after_admin_reload(make_service):  # noqa: F811
    from reference_impl.serving.auth import revoke_api_key

    svc = make_service()
    scorer = svc.keys["scorer"]
    assert svc.client.get("/v1/models", headers={"X-API-Key": svc.keys["auditor"]}).status_code == 200
    auditor_id = svc.keys["auditor"].split("_")[1]
    revoke_api_key(svc.settings.api_keys_path, auditor_id)
    assert svc.post("/v1/admin/reload", role="admin").status_code == 200
    assert svc.client.get("/v1/models", headers={"X-API-Key": svc.keys["auditor"]}).status_code == 401
    assert svc.client.get("/v1/models", headers={"X-API-Key": scorer}).status_code in (200, 403)  # others unaffected


def test_failed_authentication_is_logged_without_the_key(make_service, caplog):  # noqa: F811
    svc = make_service()
    wrong = svc.keys["scorer"][:-2] + ("AA" if not svc.keys["scorer"].endswith("AA") else "BB")
    with caplog.at_level(logging.WARNING, logger="reference_impl.serving.auth"):
        assert svc.client.get("/v1/models", headers={"X-API-Key": wrong}).status_code == 401
        assert svc.client.get("/v1/models", headers={"X-API-Key": "not-a-key"}).status_code == 401
        assert svc.client.get("/v1/models").status_code == 401
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "reference_impl.serving.auth"]
    assert [line["reason"] for line in lines] == ["wrong_secret", "malformed", "missing"]
    assert lines[0]["event"] == "auth.failed" and lines[0]["key_id_prefix"] == wrong.split("_")[1][:6]
    assert lines[0]["path"] == "/v1/models"
    assert all(wrong not in r.getMessage() and "not-a-key" not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("scorer", 403), ("reviewer", 403), ("auditor", 200), ("admin", 200)])
def test_metrics_needs_the_auditor_role(make_service, role, status):  # noqa: F811
    svc = make_service()
    headers = {"X-API-Key": svc.keys[role]} if role else {}
    assert svc.client.get("/metrics", headers=headers).status_code == status
