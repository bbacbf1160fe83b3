"""Milestone 3: the audit record — hash-chained JSON lines that show any edit, deletion or reordering."""

from __future__ import annotations

import json

import pytest
from anomaly_lab import GENESIS_HASH, AnomalyLabError, AuditLog


def filled(tmp_path, n=5) -> AuditLog:
    log = AuditLog(tmp_path / "audit" / "audit.jsonl")
    for i in range(n):
        log.append("trade.decision", {"trade_id": f"T{i:03d}", "flagged": i % 2 == 0, "score": 0.5 + i / 100}, "key-1")
    return log


def lines(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="utf-8").splitlines(keepends=True)


def rewrite(log: AuditLog, new_lines: list[str]) -> None:
    log.path.write_text("".join(new_lines), encoding="utf-8")


def test_records_are_chained_from_the_genesis_hash(tmp_path):
    log = filled(tmp_path)
    records = list(log.records())
    assert [r["seq"] for r in records] == [0, 1, 2, 3, 4], f"seq counts from 0, got {[r['seq'] for r in records]}"
    assert records[0]["prev_hash"] == GENESIS_HASH, "the first record links to the genesis hash"
    for prev, rec in zip(records, records[1:]):
        assert rec["prev_hash"] == prev["hash"], f"record {rec['seq']}: prev_hash must be record {prev['seq']}'s hash"
    assert all(len(r["hash"]) == 64 and int(r["hash"], 16) >= 0 for r in records), "hash: 64 hex digits (SHA-256)"
    assert len({r["hash"] for r in records}) == 5, "every record has its own hash"
    first = records[0]
    assert (first["event_type"], first["actor"], first["payload"]["trade_id"]) == ("trade.decision", "key-1", "T000")
    assert "ts" in first, "a record carries the time it was written"


def test_append_returns_the_record_and_writes_one_json_line(tmp_path):
    log = AuditLog(tmp_path / "a.jsonl")
    rec = log.append("model.loaded", {"version": "v1"}, "ops")
    assert (rec["seq"], rec["prev_hash"]) == (0, GENESIS_HASH), f"got {rec}"
    on_disk = [json.loads(line) for line in lines(log)]
    assert on_disk == [rec], "append writes exactly the record it returns, as one JSON line"


@pytest.mark.parametrize(
    "field, value", [("actor", "someone-else"), ("event_type", "model.loaded"), ("ts", "2020-01-01T00:00:00+00:00")]
)
def test_the_hash_covers_every_field_not_just_the_payload(tmp_path, field, value):
    log = filled(tmp_path)
    content = lines(log)
    rec = json.loads(content[3])
    rec[field] = value
    content[3] = json.dumps(rec) + "\n"
    rewrite(log, content)
    v = AuditLog(log.path).verify()
    assert not v.ok and v.first_bad_index == 3, f"changing record 3's {field} must fail verification at 3, got {v}"


def test_an_untouched_log_verifies(tmp_path):
    v = filled(tmp_path).verify()
    assert (v.ok, v.n_records, v.first_bad_index) == (True, 5, None), f"a valid log must verify: {v}"


def test_a_new_writer_continues_the_chain(tmp_path):
    log = filled(tmp_path, 3)
    again = AuditLog(log.path)
    rec = again.append("trade.decision", {"trade_id": "T100"}, "key-2")
    assert rec["seq"] == 3 and rec["prev_hash"] == list(log.records())[2]["hash"], f"the chain must continue: {rec}"
    assert AuditLog(log.path).verify().ok, "a log written by two writers one after the other verifies"


def test_an_edited_record_is_found(tmp_path):
    log = filled(tmp_path)
    content = lines(log)
    rec = json.loads(content[2])
    rec["payload"]["flagged"] = not rec["payload"]["flagged"]  # someone hides an alert
    content[2] = json.dumps(rec) + "\n"
    rewrite(log, content)
    v = AuditLog(log.path).verify()
    assert not v.ok and v.first_bad_index == 2, f"an edited payload must fail verification at record 2, got {v}"


def test_an_edited_record_with_a_recomputed_hash_breaks_the_next_link(tmp_path):
    log = filled(tmp_path)
    content = lines(log)
    rec = json.loads(content[1])
    rec["payload"]["score"] = 0.01
    rec["hash"] = "f" * 64  # whatever the forger writes here, record 2's prev_hash no longer matches
    content[1] = json.dumps(rec) + "\n"
    rewrite(log, content)
    v = AuditLog(log.path).verify()
    assert not v.ok and v.first_bad_index in (1, 2), f"a forged record must fail verification at 1 or 2, got {v}"


def test_a_deleted_record_is_found(tmp_path):
    log = filled(tmp_path)
    content = lines(log)
    rewrite(log, content[:2] + content[3:])
    v = AuditLog(log.path).verify()
    assert not v.ok and v.first_bad_index == 2, f"deleting record 2 must fail verification at line 2, got {v}"


def test_reordered_records_are_found(tmp_path):
    log = filled(tmp_path)
    content = lines(log)
    content[1], content[3] = content[3], content[1]
    rewrite(log, content)
    v = AuditLog(log.path).verify()
    assert not v.ok and v.first_bad_index == 1, f"swapping records 1 and 3 must fail verification at line 1, got {v}"


def test_a_deleted_last_record_is_found(tmp_path):
    log = filled(tmp_path)
    rewrite(log, lines(log)[:-1])
    v = AuditLog(log.path).verify()
    assert not v.ok, (
        f"deleting the newest record leaves a valid shorter chain; the log must still fail verification "
        f"(remember the newest record outside the log), got {v}"
    )


def test_an_emptied_log_is_found(tmp_path):
    log = filled(tmp_path)
    rewrite(log, [])
    v = AuditLog(log.path).verify()
    assert not v.ok, f"a log emptied after records were acknowledged must fail verification, got {v}"


def test_a_payload_that_is_not_json_is_refused_and_nothing_is_written(tmp_path):
    log = filled(tmp_path, 2)
    with pytest.raises(AnomalyLabError):
        log.append("trade.decision", {"score": float("nan")}, "key-1")
    assert len(lines(log)) == 2 and AuditLog(log.path).verify().ok, "a refused append writes nothing"
