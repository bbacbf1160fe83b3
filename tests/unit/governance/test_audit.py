"""The audit chain must detect any edit, removal or reordering, and survive concurrent writers."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_impl.errors import AuditError
from reference_impl.governance import AuditLog, json_safe


def _write_log(path: Path, n: int) -> AuditLog:
    log = AuditLog(path)
    for i in range(n):
        log.append("trade.scored", {"i": i, "score": i / 3, "cp": f"ps_{i:04d}"}, actor=f"key{i % 2}")
    return log


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def test_append_returns_chained_records(tmp_path):
    log = _write_log(tmp_path / "a.jsonl", 3)
    recs = list(log.records())
    assert [r["seq"] for r in recs] == [0, 1, 2]
    assert recs[1]["prev_hash"] == recs[0]["hash"] and recs[2]["prev_hash"] == recs[1]["hash"]
    assert recs[0]["ts"].endswith("+00:00")
    result = log.verify()
    assert result.ok and result.n_records == 3 and result.first_bad_index is None


def test_empty_log_verifies(tmp_path):
    assert AuditLog(tmp_path / "none.jsonl").verify().ok


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(2, 6), data=st.data())
def test_any_edit_is_detected(tmp_path_factory, n, data):
    path = tmp_path_factory.mktemp("edit") / "a.jsonl"
    _write_log(path, n)
    lines = _lines(path)
    i = data.draw(st.integers(0, n - 1), label="record")
    rec = json.loads(lines[i])
    field = data.draw(st.sampled_from(["ts", "event_type", "actor", "payload"]), label="field")
    rec[field] = {"tampered": True} if field == "payload" else rec[field] + "x"
    lines[i] = json.dumps(rec) + "\n"
    path.write_text("".join(lines))
    result = AuditLog(path).verify()
    assert not result.ok and result.first_bad_index == i and "edited" in result.reason


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(2, 6), data=st.data())
def test_any_removal_is_detected_including_the_last(tmp_path_factory, n, data):
    path = tmp_path_factory.mktemp("rm") / "a.jsonl"
    _write_log(path, n)
    lines = _lines(path)
    i = data.draw(st.integers(0, n - 1))
    del lines[i]
    path.write_text("".join(lines))
    result = AuditLog(path).verify()
    assert not result.ok
    assert result.first_bad_index == i


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(2, 6), data=st.data())
def test_any_reordering_is_detected(tmp_path_factory, n, data):
    path = tmp_path_factory.mktemp("swap") / "a.jsonl"
    _write_log(path, n)
    lines = _lines(path)
    i = data.draw(st.integers(0, n - 2))
    j = data.draw(st.integers(i + 1, n - 1))
    lines[i], lines[j] = lines[j], lines[i]
    path.write_text("".join(lines))
    result = AuditLog(path).verify()
    assert not result.ok and result.first_bad_index == i


def test_rewritten_log_disagrees_with_head(tmp_path):
    """Rebuilding a whole valid chain with different content is caught by the head."""
    path = tmp_path / "a.jsonl"
    _write_log(path, 3)
    head = path.with_name("a.jsonl.head").read_bytes()
    path.unlink()
    path.with_name("a.jsonl.head").unlink()
    other = AuditLog(path)
    for i in range(3):
        other.append("trade.scored", {"i": i, "forged": True}, actor="mallory")
    other.close()
    path.with_name("a.jsonl.head").write_bytes(head)
    result = AuditLog(path).verify()
    assert not result.ok and "rewritten" in result.reason


def test_garbage_line_is_reported(tmp_path):
    path = tmp_path / "a.jsonl"
    _write_log(path, 2)
    with path.open("a") as fh:
        fh.write("not json\n")
    result = AuditLog(path).verify()
    assert not result.ok and result.first_bad_index == 2


def test_concurrent_threads_keep_one_chain(tmp_path):
    log = AuditLog(tmp_path / "a.jsonl")

    def work(k: int) -> None:
        for i in range(20):
            log.append("e", {"k": k, "i": i}, actor="t")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = log.verify()
    assert result.ok and result.n_records == 120


def test_two_writers_on_one_file_interleave_safely(tmp_path):
    """The service and the CLI may append to the same log: each re-reads the tail another wrote."""
    path = tmp_path / "a.jsonl"
    a, b = AuditLog(path), AuditLog(path)
    for i in range(5):
        a.append("from_a", {"i": i}, actor="a")
        b.append("from_b", {"i": i}, actor="b")
    assert AuditLog(path).verify().ok
    assert [r["event_type"] for r in AuditLog(path).records()][:2] == ["from_a", "from_b"]


def test_unwritable_directory_raises_audit_error(tmp_path):
    locked = tmp_path / "ro"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):  # running as root: permissions do not bind
            pytest.skip("directory permissions are not enforced for this user")
        with pytest.raises(AuditError, match="cannot open audit log"):
            AuditLog(locked / "sub" / "a.jsonl").append("e", {}, actor="x")
    finally:
        os.chmod(locked, 0o700)


def test_directory_in_place_of_file_raises_audit_error(tmp_path):
    (tmp_path / "a.jsonl").mkdir()
    with pytest.raises(AuditError):
        AuditLog(tmp_path / "a.jsonl").append("e", {}, actor="x")


@pytest.mark.parametrize("payload", [{"x": float("nan")}, {"x": object()}])
def test_unsafe_payload_is_refused_and_nothing_written(tmp_path, payload):
    log = AuditLog(tmp_path / "a.jsonl")
    with pytest.raises(AuditError, match="not JSON-safe"):
        log.append("e", payload, actor="x")
    assert log.verify().n_records == 0


def test_json_safe_replaces_non_finite_numbers():
    import numpy as np

    assert json_safe({"a": np.float64("nan"), "b": [np.int64(3), float("-inf")]}) == {"a": None, "b": [3, None]}


def test_reopened_log_continues_the_chain(tmp_path):
    path = tmp_path / "a.jsonl"
    _write_log(path, 2).close()
    AuditLog(path).append("later", {}, actor="x")
    assert AuditLog(path).verify().n_records == 3


def test_append_many_writes_a_chained_batch_and_is_all_or_nothing(tmp_path):
    log = AuditLog(tmp_path / "a.jsonl")
    recs = log.append_many([("a", {"i": 1}, "x"), ("b", {"i": 2}, "x")])
    assert [r["seq"] for r in recs] == [0, 1] and recs[1]["prev_hash"] == recs[0]["hash"]
    with pytest.raises(AuditError):
        log.append_many([("c", {"i": 3}, "x"), ("d", {"bad": object()}, "x")])
    assert log.verify().n_records == 2 and log.append_many([]) == []


def test_a_log_deleted_under_a_running_writer_is_not_written_to_the_void(tmp_path):
    """Appends after the file is removed go to a new file (and verify then reports the lost history)."""
    path = tmp_path / "a.jsonl"
    log = _write_log(path, 2)
    path.unlink()
    log.append("after", {}, actor="x")
    assert path.exists() and len(path.read_text().splitlines()) == 1
    result = AuditLog(path).verify()
    assert not result.ok and "removed" in result.reason
