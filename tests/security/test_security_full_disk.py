"""Finding 4: a full disk is not a permanent outage (issue 16).

ENOSPC is simulated by making ``os.write`` on the audit log's descriptor write half a record and then raise
``OSError(ENOSPC)``; the worst case also makes the writer's own clean-up (``ftruncate``) fail, leaving a torn
final record, as a crash mid-write would.
"""

from __future__ import annotations

import errno
import os

import pytest

from reference_impl.cli import main
from reference_impl.errors import AuditError
from reference_impl.governance.audit import AuditLog

from ._audit_helpers import build_log, read_records


class DiskFull:
    """While ``full``, writes to ``fd`` stop half-way with ENOSPC (and, if ``stuck``, truncation fails too)."""

    def __init__(self, monkeypatch, log: AuditLog, *, stuck: bool) -> None:
        self.log, self.stuck, self.full = log, stuck, True
        real_write, real_truncate, real_fsync = os.write, os.ftruncate, os.fsync

        def write(fd, data):
            if self.full and fd == self.log._fd:
                real_write(fd, bytes(data)[: max(1, len(data) // 2)])
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_write(fd, data)

        def ftruncate(fd, length):
            if self.full and self.stuck and fd == self.log._fd:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_truncate(fd, length)

        def fsync(fd):
            if self.full and fd == self.log._fd:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_fsync(fd)

        monkeypatch.setattr(os, "write", write)
        monkeypatch.setattr(os, "ftruncate", ftruncate)
        monkeypatch.setattr(os, "fsync", fsync)


def test_failed_write_takes_its_partial_record_back(tmp_path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    log = build_log(path, n=3, anchor=None)
    disk = DiskFull(monkeypatch, log, stuck=False)
    log._open()
    with pytest.raises(AuditError, match="No space"):
        log.append("kyc.decision", {"x": 1}, actor="svc")
    disk.full = False
    assert path.read_bytes().endswith(b"\n")
    assert AuditLog(path, anchor=None).verify().ok


def test_torn_record_after_enospc_is_detected_then_repaired_when_space_returns(tmp_path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    log = build_log(path, n=3, anchor=None)
    log._open()
    disk = DiskFull(monkeypatch, log, stuck=True)
    with pytest.raises(AuditError):
        log.append("kyc.decision", {"x": 1}, actor="svc")
    assert not path.read_bytes().endswith(b"\n")  # the torn final record
    result = AuditLog(path, anchor=None).verify()
    assert not result.ok and "torn" in result.reason and result.first_bad_index == 3
    ok, reason = log.health()
    assert not ok and "No space" in reason  # readiness says why while the disk is still full
    disk.full = False  # space returns
    ok, reason = log.health()
    assert ok, reason
    events = [r["event_type"] for r in read_records(path)]
    assert events[3:] == ["audit.repaired", "audit.sink.recovered"], events
    assert AuditLog(path, anchor=None).verify().ok
    assert log.append("kyc.decision", {"x": 2}, actor="svc")["seq"] == 5


def test_cli_repair_truncates_only_an_unterminated_last_line_and_records_it(tmp_path, capsys):
    path = tmp_path / "audit.jsonl"
    build_log(path, n=4, anchor=None)
    with path.open("ab") as fh:
        fh.write(b'{"seq":4,"ts":"2026-')  # a crash mid-write
    assert main(["audit", "verify", "--path", str(path)]) == 1
    assert main(["audit", "repair", "--path", str(path), "--as", "ops.alice"]) == 0
    assert "truncated 20 bytes" in capsys.readouterr().out
    recs = read_records(path)
    assert recs[-1]["event_type"] == "audit.repaired" and recs[-1]["actor"] == "ops.alice"
    assert recs[-1]["payload"]["truncated_bytes"] == 20
    assert main(["audit", "verify", "--path", str(path)]) == 0
    assert main(["audit", "repair", "--path", str(path)]) == 0
    assert "nothing to repair" in capsys.readouterr().out


def test_repair_refuses_to_cut_an_acknowledged_record(tmp_path, capsys):
    path = tmp_path / "audit.jsonl"
    build_log(path, n=4, anchor=None)
    before = path.read_bytes()[:-1]  # an insider strips the newline of the last acknowledged record
    path.write_bytes(before)
    assert main(["audit", "repair", "--path", str(path)]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "acknowledged" in err[0]
    assert path.read_bytes() == before


def test_service_readiness_follows_the_audit_sink_and_recovers_by_itself(tmp_path, monkeypatch):
    from reference_impl.serving import ServiceSettings, create_api_key, create_app
    from reference_impl.serving.testing import fake_rooms, test_client

    monkeypatch.setenv("IBML_HOME", str(tmp_path / "ws"))
    settings = ServiceSettings(home=tmp_path / "ws", latency_budget_ms=5_000)
    key = create_api_key(settings.api_keys_path, "scorer")[0]
    with test_client(create_app(settings, rooms=fake_rooms())) as client:
        h = {"X-API-Key": key}
        doc = {"doc_id": "D1", "text": "passport of someone"}
        assert client.post("/v1/kyc/classify", json=doc, headers=h).status_code == 200
        assert client.get("/readyz").status_code == 200
        audit = client.app.state.services.audit
        disk = DiskFull(monkeypatch, audit, stuck=True)
        assert client.post("/v1/kyc/classify", json=doc, headers=h).status_code == 503
        ready = client.get("/readyz")
        assert ready.status_code == 503 and not ready.json()["checks"]["audit_log"]
        assert any("No space" in r for r in ready.json()["reasons"]), ready.json()
        disk.full = False
        assert client.get("/readyz").status_code == 200
        assert client.post("/v1/kyc/classify", json=doc, headers=h).status_code == 200
    assert AuditLog(settings.workspace.audit_log, anchor=None).verify().ok
