"""Milestone 4: the review queue — atomic claims, leases, only the holder decides, an event trail."""

from __future__ import annotations

import pytest

from kyc_lab import ReviewQueue
from kyc_lab.errors import AccessDeniedError, ErrorKind, ReviewQueueError

TEXT = "Statement of account for Ms Example, sort code 12-34-56, closing balance 1,204.00"
LABELS = ["bank_statement", "passport", "utility_bill", "out_of_scope"]


@pytest.fixture
def queue(tmp_path, clock):
    return ReviewQueue(tmp_path / "queue.db", lease_seconds=60, labels=LABELS, clock=clock)


def _enqueue(queue, doc_id="D1"):
    return queue.enqueue(doc_id, TEXT, predicted="bank_statement", confidence=0.71, reason="below_class_threshold")


def _refused(call, kind):
    try:
        call()
    except ReviewQueueError as exc:
        assert exc.kind == kind, f"expected a {kind.value} refusal, got {exc.kind.value}: {exc}"
    else:
        pytest.fail(f"expected a ReviewQueueError ({kind.value}) refusal, but the call succeeded")


def test_enqueued_items_are_pending_and_never_carry_the_text(queue):
    item = _enqueue(queue)
    assert item.status == "pending", f"enqueue: a new item must be pending, got {item.status}"
    assert TEXT not in str(item.to_dict()), "enqueue: the review item must not carry the document text"
    assert [i.item_id for i in queue.list("pending")] == [item.item_id], "list: the new item must be listed as pending"


def test_enqueue_is_idempotent_while_the_item_is_open(queue):
    first, second = _enqueue(queue), _enqueue(queue)
    assert first.item_id == second.item_id, f"enqueue: the same open doc_id must return the same item, got {first.item_id} and {second.item_id}"
    assert len(queue.list(None)) == 1, f"enqueue: expected 1 item, got {len(queue.list(None))}"


def test_items_are_listed_oldest_first(queue):
    ids = [_enqueue(queue, f"D{i}").item_id for i in range(3)]
    assert [i.item_id for i in queue.list("pending")] == ids, "list: pending items must come oldest first"


def test_only_one_reviewer_can_claim_an_item(queue):
    item = _enqueue(queue)
    claimed = queue.claim(item.item_id, "alice")
    assert (claimed.status, claimed.claimed_by) == ("claimed", "alice"), f"claim: expected claimed by alice, got {claimed.status} by {claimed.claimed_by}"
    _refused(lambda: queue.claim(item.item_id, "bob"), ErrorKind.CONFLICT)


def test_the_claim_holder_decides(queue):
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    decided = queue.decide(item.item_id, "alice", "bank_statement", "sort code checked")
    assert (decided.status, decided.decided_label, decided.decided_by) == ("decided", "bank_statement", "alice"), f"decide: got {decided.status}/{decided.decided_label}/{decided.decided_by}"


def test_nobody_else_decides_a_claimed_item(queue):
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    _refused(lambda: queue.decide(item.item_id, "bob", "passport"), ErrorKind.CONFLICT)
    assert queue.get(item.item_id).status == "claimed", "decide: a refused decision must leave the item claimed"


def test_an_unclaimed_or_decided_item_cannot_be_decided(queue):
    item = _enqueue(queue)
    _refused(lambda: queue.decide(item.item_id, "alice", "passport"), ErrorKind.CONFLICT)
    queue.claim(item.item_id, "alice")
    queue.decide(item.item_id, "alice", "passport")
    _refused(lambda: queue.decide(item.item_id, "alice", "utility_bill"), ErrorKind.CONFLICT)


def test_bad_arguments_are_invalid_and_unknown_items_not_found(queue):
    item = _enqueue(queue)
    _refused(lambda: queue.claim(item.item_id, "  "), ErrorKind.INVALID)
    queue.claim(item.item_id, "alice")
    _refused(lambda: queue.decide(item.item_id, "alice", "banana"), ErrorKind.INVALID)
    _refused(lambda: queue.claim(999, "alice"), ErrorKind.NOT_FOUND)


def test_an_expired_claim_returns_the_item_to_the_queue(queue, clock):
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    clock.advance(61)
    assert [i.item_id for i in queue.list("pending")] == [item.item_id], "lease: an expired claim must return the item to pending"
    _refused(lambda: queue.decide(item.item_id, "alice", "passport"), ErrorKind.CONFLICT)
    assert queue.claim(item.item_id, "bob").claimed_by == "bob", "lease: after expiry another reviewer may claim the item"


def test_reading_the_text_needs_the_reviewer_role_and_is_recorded(queue):
    item = _enqueue(queue)
    with pytest.raises(AccessDeniedError):
        queue.get_text(item.item_id, "scorer", actor="batch-job")
    assert queue.get_text(item.item_id, "reviewer", actor="alice") == TEXT, "get_text: a reviewer must read the stored text"
    viewed = [(e.event, e.actor) for e in queue.history(item.item_id) if e.event == "text_viewed"]
    assert viewed == [("text_viewed", "alice")], f"get_text: each read must be recorded once with its reader, got {viewed}"


def test_every_state_change_is_in_the_history(queue):
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    queue.decide(item.item_id, "alice", "bank_statement")
    got = [(e.event, e.actor) for e in queue.history(item.item_id)]
    assert [e for e, _ in got] == ["enqueued", "claimed", "decided"], f"history: expected enqueued, claimed, decided; got {got}"
    assert got[1][1] == got[2][1] == "alice", f"history: claim and decision must name alice, got {got}"


def test_the_queue_survives_a_restart(tmp_path, clock):
    item = _enqueue(ReviewQueue(tmp_path / "q.db", labels=LABELS, clock=clock))
    reopened = ReviewQueue(tmp_path / "q.db", labels=LABELS, clock=clock)
    assert [i.doc_id for i in reopened.list("pending")] == [item.doc_id], "ReviewQueue: items must persist in db_path across instances"
