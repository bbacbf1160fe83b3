"""The decision index is a view of the audit log: rebuilt from it, caught up incrementally, never a second store."""

from __future__ import annotations

import pytest

from reference_impl.consumer.index import (
    ENDPOINT,
    DecisionIndex,
    body_from_record,
    decision_body,
    is_consumer_decision,
)
from reference_impl.errors import AuditError
from reference_impl.governance import AuditLog


def decision_payload(event_id: str, *, endpoint: str = ENDPOINT, decision: str = "clear") -> dict:
    """A ``trade.decision`` payload shaped like the trade room's (only the fields the index reads)."""
    return {
        "request_id": event_id,
        "endpoint": endpoint,
        "input": {"trade_id": f"T-{event_id}"},
        "output": {
            "score": 0.41,
            "threshold": 0.7,
            "flagged": decision == "flag",
            "decision": decision,
            "imputed": [],
            "overrides": [],
            "reason_codes": ["LATE_BOOKING"] if decision == "flag" else [],
        },
        "model": {"name": "trade-anomaly", "version": "3", "ruleset_version": "rules-2"},
        "fallback_reason": None,
    }


@pytest.fixture
def audit(tmp_path):
    log = AuditLog(tmp_path / "audit" / "audit.jsonl", anchor=None)
    yield log
    log.close()


def test_only_the_consumers_own_decisions_are_indexed(audit):
    audit.append("trade.decision", decision_payload("E1"), "queue:trades")
    audit.append("trade.decision", decision_payload("R1", endpoint="trades.score"), "key:abc")  # an HTTP decision
    audit.append("trade.redelivery", {"request_id": "E1", "endpoint": ENDPOINT}, "queue:trades")
    audit.append("registry.promote", {"name": "trade-anomaly"}, "alice")

    index = DecisionIndex.from_audit_file(audit.path)
    assert len(index) == 1 and index.get("R1") is None
    assert [is_consumer_decision(r) for r in audit.records()] == [True, False, False, False]


def test_a_rebuilt_body_is_the_body_published_at_decision_time(audit):
    [record] = audit.append_many([("trade.decision", decision_payload("E1", decision="flag"), "queue:trades")])
    published = decision_body(
        event_id="E1",
        trade_id="T-E1",
        output=decision_payload("E1", decision="flag")["output"],
        model_name="trade-anomaly",
        model_version="3",
        ruleset_version="rules-2",
        fallback_reason=None,
        audit_seq=record["seq"],
    )
    assert body_from_record(record) == published
    assert DecisionIndex.from_audit_file(audit.path).get("E1") == published


def test_the_first_decision_of_an_event_id_wins(audit):
    audit.append("trade.decision", decision_payload("E1", decision="flag"), "queue:trades")
    audit.append("trade.decision", decision_payload("E1", decision="clear"), "queue:trades")
    assert DecisionIndex.from_audit_file(audit.path).get("E1")["decision"] == "flag"


def test_catch_up_reads_only_what_was_appended_since_the_last_call(audit):
    audit.append("trade.decision", decision_payload("E1"), "queue:trades")
    index = DecisionIndex.from_audit_file(audit.path)
    assert index.catch_up(audit.path) == 0  # nothing new

    audit.append("trade.decision", decision_payload("E2"), "queue:trades")  # another process decided E2
    assert index.catch_up(audit.path) == 1 and index.get("E2") is not None


def test_a_record_still_being_written_is_read_on_the_next_call(audit):
    audit.append("trade.decision", decision_payload("E1"), "queue:trades")
    complete = audit.path.read_bytes()
    audit.append("trade.decision", decision_payload("E2"), "queue:trades")
    whole = audit.path.read_bytes()
    audit.close()
    audit.path.write_bytes(whole[:-20])  # the second line, half written

    index = DecisionIndex.from_audit_file(audit.path)
    assert len(index) == 1
    audit.path.write_bytes(whole)
    assert index.catch_up(audit.path) == 1 and len(index) == 2
    assert len(complete) < len(whole)


def test_a_file_that_shrank_is_read_again_from_the_start(audit):
    audit.append("trade.decision", decision_payload("E1"), "queue:trades")
    audit.append("trade.decision", decision_payload("E2"), "queue:trades")
    index = DecisionIndex.from_audit_file(audit.path)
    audit.close()
    first_line = audit.path.read_bytes().splitlines(keepends=True)[0]
    audit.path.write_bytes(first_line)  # e.g. a torn tail was cut off by repair
    assert index.catch_up(audit.path) == 0 and len(index) == 2  # known decisions are not forgotten


def test_a_corrupt_line_is_an_audit_error_naming_the_file(audit):
    audit.append("trade.decision", decision_payload("E1"), "queue:trades")
    audit.close()
    with audit.path.open("ab") as fh:
        fh.write(b"{not json\n")
    with pytest.raises(AuditError, match="audit.jsonl at byte"):
        DecisionIndex.from_audit_file(audit.path)


def test_a_missing_audit_file_is_an_empty_index(tmp_path):
    assert len(DecisionIndex.from_audit_file(tmp_path / "none.jsonl")) == 0
