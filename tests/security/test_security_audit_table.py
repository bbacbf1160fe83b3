"""The second checkpoint location: an append-only table the log's writer cannot rewrite (issue 16, finding 2).

The checkpoint file's own limit: an insider who can write it can delete its latest lines, then rewrite the
records those lines protected. With ``IBML_AUDIT_CHECKPOINT_DSN`` every checkpoint is also a row in
``audit_checkpoints``, and ``verify`` reads both. Each tampering runs on SQLite (always) and on the real
PostgreSQL server of the team option (``IBML_TEST_POSTGRES_DSN``, skipped outside CI when absent).
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from reference_impl.cli import main
from reference_impl.errors import AuditError
from reference_impl.governance.anchor import AuditAnchor
from reference_impl.governance.audit import AuditLog
from reference_impl.governance.checkpoint_table import CheckpointTable

from ._audit_helpers import KEY, build_log, read_records, rewrite_chain

PG_DEFAULT = "postgresql://ibml:ibml@127.0.0.1:5432/ibml_test"


def _postgres_url() -> str:
    url = os.environ.get("IBML_TEST_POSTGRES_DSN", PG_DEFAULT)
    try:
        CheckpointTable(url).rows()
    except AuditError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL required in CI (.ci/start-postgres): {exc}")
        pytest.skip(f"no PostgreSQL server (run .ci/start-postgres or set IBML_TEST_POSTGRES_DSN): {exc}")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def table(request, tmp_path) -> CheckpointTable:
    if request.param == "sqlite":
        return CheckpointTable(f"sqlite:///{tmp_path / 'control-team' / 'checkpoints.db'}")
    url = _postgres_url()
    eng = sa.create_engine(CheckpointTable(url).url)
    with eng.begin() as conn:  # a fresh table per test: the same table name, this test's rows only
        conn.execute(sa.text("DROP TABLE IF EXISTS audit_checkpoints"))
    eng.dispose()
    return CheckpointTable(url)


@pytest.fixture
def anchored(tmp_path, table):
    (tmp_path / "control-team").mkdir(exist_ok=True)
    log_path = tmp_path / "ws" / "audit" / "audit.jsonl"

    def open_log() -> AuditLog:
        return AuditLog(log_path, anchor=AuditAnchor(KEY, tmp_path / "ws" / "audit" / "cp.jsonl", table=table))

    build_log(log_path, anchor=AuditAnchor(KEY, tmp_path / "ws" / "audit" / "cp.jsonl", table=table))
    return log_path, open_log, table


def test_every_checkpoint_is_also_a_row(anchored):
    _, open_log, table = anchored
    assert [r["seq"] for r in table.rows()] == list(range(12))
    result = open_log().verify()
    assert result.ok and result.checkpoint_seq == 11, result


def test_latest_file_checkpoints_deleted_then_records_rewritten_is_caught_by_the_table(anchored):
    path, open_log, _ = anchored
    cp_file = path.with_name("cp.jsonl")
    lines = cp_file.read_text().splitlines(keepends=True)
    cp_file.write_text("".join(lines[:5]))  # the insider keeps checkpoints 0..4 only
    recs = read_records(path)
    recs[9]["payload"]["label"] = "utility_bill"  # ...and forges record 9, after the newest one left
    rewrite_chain(path, recs)
    file_only = AuditLog(path, anchor=AuditAnchor(KEY, cp_file))
    assert file_only.verify().ok  # the file alone cannot tell: the documented limit the table closes
    result = open_log().verify()
    assert not result.ok and result.first_bad_index == 9 and "checkpoint" in result.reason, result


def test_whole_checkpoint_file_and_log_deleted_fail_because_rows_remain(anchored):
    path, open_log, _ = anchored
    path.with_name("cp.jsonl").unlink()
    path.unlink()
    path.with_name("audit.jsonl.head").unlink()
    result = open_log().verify()
    assert not result.ok and "checkpoints exist" in result.reason and "audit_checkpoints" in result.reason


def test_a_row_typed_in_by_hand_does_not_verify(anchored):
    path, open_log, table = anchored
    eng = sa.create_engine(table.url)
    with eng.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO audit_checkpoints (v, chain, seq, hash, ts, key_id, mac) "
            "VALUES (1, :chain, 3, :hash, '2026-01-01T00:00:00Z', :kid, :mac)"
        ), {"chain": read_records(path)[0]["hash"], "hash": "0" * 64, "kid": "x" * 16, "mac": "0" * 64})
    eng.dispose()
    result = open_log().verify()
    assert not result.ok and "not authenticated" in result.reason


def test_an_unreachable_table_refuses_the_append(tmp_path):
    """The table is a hard dependency: no checkpoint row, no acknowledged record (the service answers 503)."""
    anchor = AuditAnchor(KEY, tmp_path / "cp.jsonl", table=CheckpointTable(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"))
    log = AuditLog(tmp_path / "audit.jsonl", anchor=anchor)
    with pytest.raises(AuditError, match="audit_checkpoints"):
        log.append("e", {"i": 0}, actor="x")


def test_the_cli_names_the_table_and_never_prints_a_traceback(tmp_path, monkeypatch, capsys):
    key_file = tmp_path / "keys" / "anchor.key"
    key_file.parent.mkdir(mode=0o700)
    key_file.write_bytes(KEY)
    key_file.chmod(0o600)
    monkeypatch.setenv("IBML_AUDIT_ANCHOR_KEY_FILE", str(key_file))
    monkeypatch.setenv("IBML_AUDIT_CHECKPOINT_DSN", f"sqlite:///{tmp_path / 'keys' / f'{uuid.uuid4().hex}.db'}")
    from reference_impl.workspace import Workspace

    ws = Workspace.from_env()
    log = AuditLog(ws.audit_log)
    for i in range(3):
        log.append("e", {"i": i}, actor="x")
    log.close()
    assert main(["audit", "verify", "--require-anchor"]) == 0
    assert "anchored at checkpoint of record 2" in capsys.readouterr().out
    ws.audit_log.with_name(ws.audit_log.name + ".checkpoints").unlink()
    assert main(["audit", "verify"]) == 0  # the rows still anchor it: deleting the file hid nothing
    monkeypatch.setenv("IBML_AUDIT_CHECKPOINT_DSN", "not a url")
    assert main(["audit", "verify"]) == 2
    cap = capsys.readouterr()
    assert "Traceback" not in cap.out + cap.err and "IBML_AUDIT_CHECKPOINT_DSN" in cap.err
