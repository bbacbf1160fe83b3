"""Finding 2: the audit trail is tamper-evident against an insider (issue 16).

Each test is one tampering that today's ``verify`` missed or crashed on. The insider may edit the
workspace freely (log and head); only the anchor key and the checkpoint file are out of reach.
"""

from __future__ import annotations

import json
import os

import pytest

from reference_impl.cli import main
from reference_impl.errors import AuditError, ConfigError
from reference_impl.governance.anchor import AuditAnchor
from reference_impl.governance.audit import AuditLog, canonical_json

from ._audit_helpers import KEY, build_log, read_records, rewrite_chain


@pytest.fixture
def anchored(tmp_path):
    """A 12-record log whose writer checkpointed every commit to a file outside the workspace."""
    anchor_dir = tmp_path / "anchor"  # another team's location
    log_path = tmp_path / "ws" / "audit" / "audit.jsonl"
    build_log(log_path, anchor=AuditAnchor(KEY, anchor_dir / "checkpoints.jsonl"))
    return log_path, lambda: AuditLog(log_path, anchor=AuditAnchor(KEY, anchor_dir / "checkpoints.jsonl"))


def _one_line(capsys) -> tuple[str, str]:
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err + cap.out
    out = (cap.out + cap.err).strip().splitlines()
    assert len(out) == 1, out
    return cap.out.strip(), cap.err.strip()


def test_untampered_anchored_log_verifies(anchored):
    _, open_log = anchored
    result = open_log().verify()
    assert result.ok and result.n_records == 12 and result.checkpoint_seq == 11, result


def test_edit_with_recomputed_chain_and_rewritten_head_is_detected_by_the_checkpoint(anchored):
    path, open_log = anchored
    recs = read_records(path)
    recs[4]["payload"]["label"] = "utility_bill"  # the forgery
    rewrite_chain(path, recs)
    assert AuditLog(path, anchor=None).verify().ok  # the chain and head alone cannot tell (the documented limit)
    result = open_log().verify()
    assert not result.ok and result.first_bad_index == 4 and "checkpoint" in result.reason


def test_deleted_record_renumbered_is_detected(anchored):
    path, open_log = anchored
    recs = read_records(path)
    del recs[6]
    rewrite_chain(path, recs)
    result = open_log().verify()
    assert not result.ok and result.first_bad_index == 6


@pytest.mark.parametrize("head", ["missing", "corrupt", "empty"])
def test_tail_deleted_with_missing_or_corrupt_head_fails(tmp_path, head):
    path = tmp_path / "audit.jsonl"
    build_log(path, anchor=None)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-5]))
    head_path = path.with_name("audit.jsonl.head")
    if head == "missing":
        head_path.unlink()
    elif head == "corrupt":
        head_path.write_bytes(b'{"seq": "eleven", "hash"')
    else:
        head_path.write_bytes(b"")
    result = AuditLog(path, anchor=None).verify()
    assert not result.ok and "head" in result.reason, result


def test_tail_deleted_with_head_and_checkpoints_rewritten_by_the_insider_is_still_caught(anchored):
    path, open_log = anchored
    recs = read_records(path)[:7]
    rewrite_chain(path, recs)  # head now says 7 records, consistent with the shortened log
    result = open_log().verify()
    assert not result.ok and "removed" in result.reason


def test_whole_log_deleted_fails_when_the_head_remains(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IBML_HOME", str(tmp_path / "ws"))
    path = tmp_path / "ws" / "audit" / "audit.jsonl"
    build_log(path, anchor=None)
    path.unlink()
    assert main(["audit", "verify"]) == 1
    out, _ = _one_line(capsys)
    assert "FAILED" in out and "12 records" in out


def test_whole_log_and_head_deleted_fails_when_checkpoints_exist(anchored):
    path, open_log = anchored
    path.unlink()
    path.with_name("audit.jsonl.head").unlink()
    result = open_log().verify()
    assert not result.ok and "checkpoints exist" in result.reason


def test_whole_log_emptied_and_head_deleted_fails_when_checkpoints_exist(anchored):
    """Truncating to zero bytes (rather than deleting) must not read as a fresh, empty log."""
    path, open_log = anchored
    path.write_bytes(b"")
    path.with_name("audit.jsonl.head").unlink()
    result = open_log().verify()
    assert not result.ok and result.n_records == 0 and "empty but anchored checkpoints exist" in result.reason


def test_an_emptied_log_with_no_checkpoints_is_an_empty_log(tmp_path):
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b"")
    result = AuditLog(path, anchor=AuditAnchor(KEY, tmp_path / "anchor" / "checkpoints.jsonl")).verify()
    assert result.ok and result.n_records == 0


def test_duplicate_payload_key_is_rejected(tmp_path):
    """Python reads the last copy (genuine, hash OK); a first-key-wins parser would read the forgery."""
    path = tmp_path / "audit.jsonl"
    build_log(path, anchor=None)
    lines = path.read_text().splitlines(keepends=True)
    genuine = lines[3]
    forged = '{"payload":' + canonical_json({"item_id": 3, "label": "utility_bill"}) + "," + genuine[1:]
    assert json.loads(forged) == json.loads(genuine)  # invisible to a last-key-wins parser
    lines[3] = forged
    path.write_text("".join(lines))
    result = AuditLog(path, anchor=None).verify()
    assert not result.ok and result.first_bad_index == 3


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_number_fails_cleanly(tmp_path, capsys, constant):
    path = tmp_path / "audit.jsonl"
    build_log(path, anchor=None)
    text = path.read_text()
    path.write_text(text.replace('"score":0.52', f'"score":{constant}', 1))
    assert main(["audit", "verify", "--path", str(path)]) == 1
    out, _ = _one_line(capsys)
    assert "FAILED at record 2" in out


def test_path_that_is_a_directory_is_a_usage_error(tmp_path, capsys):
    assert main(["audit", "verify", "--path", str(tmp_path)]) == 2
    _, err = _one_line(capsys)
    assert err.startswith("ibml: error: ") and "directory" in err
    assert main(["audit", "verify", "--path", str(tmp_path / "nope.jsonl")]) == 2
    _, err = _one_line(capsys)
    assert "does not exist" in err


def test_forged_checkpoint_line_fails_verification(anchored, tmp_path):
    path, open_log = anchored
    cp = tmp_path / "anchor" / "checkpoints.jsonl"
    line = json.loads(cp.read_text().splitlines()[-1])
    line["seq"] = 3  # edit a checkpoint without the key
    with cp.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    result = open_log().verify()
    assert not result.ok and "not authenticated" in result.reason


def _key_file(path, mode=0o600):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(KEY)
    os.chmod(path, mode)
    return path


def test_cli_verify_with_the_key_from_the_environment_detects_a_recomputed_rewrite(tmp_path, monkeypatch, capsys):
    home = tmp_path / "ws"
    monkeypatch.setenv("IBML_HOME", str(home))
    monkeypatch.setenv("IBML_AUDIT_ANCHOR_KEY_FILE", str(_key_file(tmp_path / "secrets" / "anchor.key")))
    monkeypatch.setenv("IBML_AUDIT_CHECKPOINT_PATH", str(tmp_path / "other-team" / "checkpoints.jsonl"))
    path = home / "audit" / "audit.jsonl"
    build_log(path)  # anchor from the environment, as the service and the CLI do
    assert (tmp_path / "other-team" / "checkpoints.jsonl").exists()
    assert main(["audit", "verify"]) == 0
    capsys.readouterr()
    recs = read_records(path)
    recs[0]["actor"] = "key:someone-else"
    rewrite_chain(path, recs)
    assert main(["audit", "verify"]) == 1
    out, _ = _one_line(capsys)
    assert "FAILED" in out


def test_anchor_key_file_must_be_private_and_outside_the_workspace(tmp_path, monkeypatch):
    home = tmp_path / "ws"
    monkeypatch.setenv("IBML_AUDIT_ANCHOR_KEY_FILE", str(_key_file(tmp_path / "anchor.key", 0o644)))
    with pytest.raises(ConfigError, match="0600"):
        AuditAnchor.from_env(home / "audit.jsonl", workspace_root=home)
    monkeypatch.setenv("IBML_AUDIT_ANCHOR_KEY_FILE", str(_key_file(home / "anchor.key")))
    with pytest.raises(ConfigError, match="inside the workspace"):
        AuditAnchor.from_env(home / "audit.jsonl", workspace_root=home)
    monkeypatch.delenv("IBML_AUDIT_ANCHOR_KEY_FILE")
    monkeypatch.setenv("IBML_AUDIT_ANCHOR_KEY", "short")
    with pytest.raises(ConfigError, match="at least 32"):
        AuditAnchor.from_env(home / "audit.jsonl", workspace_root=home)


def test_misconfigured_anchor_makes_appends_fail_closed(tmp_path, monkeypatch):
    monkeypatch.setenv("IBML_AUDIT_ANCHOR_KEY", "short")
    log = AuditLog(tmp_path / "audit.jsonl")
    with pytest.raises(AuditError, match="anchor"):
        log.append("x", {}, actor="a")
    assert not (tmp_path / "audit.jsonl").exists()
