"""``ibml apikey create`` and ``ibml audit verify``."""

from __future__ import annotations

import json

import pytest

from reference_impl.cli import main
from reference_impl.governance import AuditLog
from reference_impl.serving import ServiceSettings
from reference_impl.serving.auth import ApiKeyStore


def test_apikey_create_prints_once_and_stores_hash(workspace, capsys):
    assert main(["apikey", "create", "--role", "reviewer", "--label", "alice"]) == 0
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("ibml_") and "shown once" in err
    path = ServiceSettings(home=workspace.root).api_keys_path
    assert key not in path.read_text()
    assert ApiKeyStore.load(path).authenticate(key).role == "reviewer"
    assert json.loads(path.read_text())["keys"][0]["label"] == "alice"


def test_apikey_unknown_role_is_one_line_error(workspace, capsys):
    assert main(["apikey", "create", "--role", "superuser"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("ibml: error: unknown role 'superuser'") and err.count("\n") == 1


def test_audit_verify_ok_and_tampered(workspace, capsys):
    log = AuditLog(workspace.audit_log)
    for i in range(3):
        log.append("e", {"i": i}, actor="x")
    assert main(["audit", "verify"]) == 0
    assert "3 records" in capsys.readouterr().out
    lines = workspace.audit_log.read_text().splitlines()
    lines[1] = lines[1].replace('"i":1', '"i":7')
    workspace.audit_log.write_text("\n".join(lines) + "\n")
    assert main(["audit", "verify"]) == 1
    assert "record 1" in capsys.readouterr().out


def test_audit_verify_says_not_anchored_and_require_anchor_fails(workspace, capsys):
    log = AuditLog(workspace.audit_log)
    log.append("e", {"i": 0}, actor="x")
    assert main(["audit", "verify"]) == 0
    assert "NOT ANCHORED" in capsys.readouterr().out
    assert main(["audit", "verify", "--require-anchor"]) == 1
    assert "NOT ANCHORED" in capsys.readouterr().out


def test_audit_anchor_init_anchors_every_later_append(workspace, capsys):
    from reference_impl.governance.anchor import default_anchor_key_path

    assert main(["audit", "anchor-init"]) == 0
    key = default_anchor_key_path()
    assert str(key) in capsys.readouterr().out and key.stat().st_mode & 0o777 == 0o600
    assert not key.is_relative_to(workspace.root)
    log = AuditLog(workspace.audit_log)
    for i in range(3):
        log.append("e", {"i": i}, actor="x")
    assert main(["audit", "verify", "--require-anchor"]) == 0
    assert "anchored at checkpoint of record 2" in capsys.readouterr().out
    assert main(["audit", "anchor-init"]) == 0 and "already at" in capsys.readouterr().out
    (workspace.audit_log.with_name(workspace.audit_log.name + ".checkpoints")).unlink()  # the insider's move
    assert main(["audit", "verify"]) == 1
    assert "holds no checkpoint" in capsys.readouterr().out


@pytest.mark.parametrize("drop", [0, 2])
def test_audit_verify_detects_removed_records(workspace, capsys, drop):
    log = AuditLog(workspace.audit_log)
    for i in range(3):
        log.append("e", {"i": i}, actor="x")
    lines = workspace.audit_log.read_text().splitlines(keepends=True)
    del lines[drop]
    workspace.audit_log.write_text("".join(lines))
    assert main(["audit", "verify", "--path", str(workspace.audit_log)]) == 1
    assert "FAILED" in capsys.readouterr().out
