from __future__ import annotations

import logging
import threading

import pandas as pd
import pytest

from reference_impl.errors import HTTP_STATUS_BY_KIND, AccessDeniedError, ConfigError, ErrorKind, ReviewQueueError
from reference_impl.kyc import ReviewQueue
from reference_impl.kyc.review_queue import EXPORT_COLUMNS

SECRET = "Passport of Jane Q. Secretperson, number 998877665"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def queue(workspace, clock):
    return ReviewQueue(workspace.review_queue_db, lease_seconds=60, clock=clock)


def _enqueue(queue, doc_id="doc-1", text=SECRET):
    return queue.enqueue(doc_id, text, predicted="passport", confidence=0.72, reason="below_class_threshold")


def test_lifecycle_and_events(queue):
    item = _enqueue(queue)
    assert item.status == "pending" and not hasattr(item, "text")
    assert [i.item_id for i in queue.list("pending")] == [item.item_id]
    claimed = queue.claim(item.item_id, "alice")
    assert (claimed.status, claimed.claimed_by) == ("claimed", "alice")
    decided = queue.decide(item.item_id, "alice", "national_id", "photo page shows an ID card")
    assert (decided.status, decided.decided_label, decided.decided_by) == ("decided", "national_id", "alice")
    events = queue.history(item.item_id)
    assert [e.event for e in events] == ["enqueued", "claimed", "decided"]
    assert events[-1].detail == {"agrees_with_model": False, "label": "national_id"}
    assert queue.counts() == {"pending": 0, "claimed": 0, "decided": 1}


def test_enqueue_is_idempotent_while_open(queue):
    first = _enqueue(queue)
    assert _enqueue(queue).item_id == first.item_id
    queue.claim(first.item_id, "alice")
    queue.decide(first.item_id, "alice", "passport")
    assert _enqueue(queue).item_id != first.item_id  # a decided document may come back (a resubmission)


def test_second_claim_is_refused(queue):
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    with pytest.raises(ReviewQueueError, match="not pending .*claimed by alice"):
        queue.claim(item.item_id, "bob")


def test_two_connections_cannot_claim_the_same_item(workspace, clock):
    a = ReviewQueue(workspace.review_queue_db, clock=clock)
    b = ReviewQueue(workspace.review_queue_db, clock=clock)
    item = _enqueue(a)
    a.claim(item.item_id, "alice")
    with pytest.raises(ReviewQueueError):
        b.claim(item.item_id, "bob")
    assert b.get(item.item_id).claimed_by == "alice"


def test_racing_threads_claim_each_item_exactly_once(workspace):
    queue = ReviewQueue(workspace.review_queue_db)
    ids = [_enqueue(queue, f"doc-{i}").item_id for i in range(15)]
    won: dict[str, list[int]] = {"alice": [], "bob": [], "carol": []}
    barrier = threading.Barrier(len(won))

    def worker(name: str) -> None:
        own = ReviewQueue(workspace.review_queue_db)  # its own connections, like another process
        barrier.wait()
        for item_id in ids:
            try:
                own.claim(item_id, name)
                won[name].append(item_id)
            except ReviewQueueError:
                pass

    threads = [threading.Thread(target=worker, args=(n,)) for n in won]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = sorted(i for got in won.values() for i in got)
    assert claimed == ids  # every item claimed once, none twice
    for item_id in ids:
        assert sum(e.event == "claimed" for e in queue.history(item_id)) == 1


def test_claim_next_takes_oldest_pending(queue):
    first, second = _enqueue(queue, "a"), _enqueue(queue, "b")
    assert queue.claim_next("alice").item_id == first.item_id
    assert queue.claim_next("bob").item_id == second.item_id
    assert queue.claim_next("carol") is None


def test_expired_claim_returns_to_pending_and_loses_nothing(queue, clock):
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    clock.now += 61  # alice's session crashed; the lease ran out
    assert [i.item_id for i in queue.list("pending")] == [item.item_id]
    with pytest.raises(ReviewQueueError, match="expired claim"):
        queue.decide(item.item_id, "alice", "passport")
    queue.claim(item.item_id, "bob")
    assert queue.decide(item.item_id, "bob", "passport").decided_by == "bob"
    events = queue.history(item.item_id)
    assert [e.event for e in events] == ["enqueued", "claimed", "lease_expired", "claimed", "decided"]
    assert events[2].detail == {"previous_reviewer": "alice"} and events[2].actor == "system"


def test_live_claim_is_not_released(queue, clock):
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    clock.now += 59
    assert queue.list("pending") == []
    assert queue.decide(item.item_id, "alice", "passport").status == "decided"


def test_release(queue):
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    with pytest.raises(ReviewQueueError):
        queue.release(item.item_id, "bob")
    assert queue.release(item.item_id, "alice").status == "pending"


NOT_FOUND, CONFLICT, INVALID = ErrorKind.NOT_FOUND, ErrorKind.CONFLICT, ErrorKind.INVALID


@pytest.mark.parametrize(
    ("call", "match", "kind"),
    [
        (lambda q, i: q.decide(i, "bob", "passport"), "not claimed by bob", CONFLICT),
        (lambda q, i: q.release(i, "bob"), "not claimed by bob", CONFLICT),
        (lambda q, i: q.claim(i, "bob"), "not pending .*by alice", CONFLICT),
        (lambda q, i: q.claim(999, "bob"), "999 does not exist", NOT_FOUND),
        (lambda q, i: q.decide(999, "alice", "passport"), "999 does not exist", NOT_FOUND),
        (lambda q, i: q.get(999), "999 does not exist", NOT_FOUND),
        (lambda q, i: q.get_text(999, "reviewer", actor="alice"), "999 does not exist", NOT_FOUND),
        (lambda q, i: q.claim(i, "  "), "reviewer must be a non-empty", INVALID),
        (lambda q, i: q.decide(i, "alice", ""), "label must be a non-empty", INVALID),
        (lambda q, i: q.decide(i, "alice", "passport", comment=3), "comment must be a string", INVALID),
        (lambda q, i: q.list("lost"), "status must be one of", INVALID),
        (lambda q, i: q.enqueue("", "t", predicted=None, confidence=None, reason="x"), "doc_id", INVALID),
        (lambda q, i: q.enqueue("d", b"bytes", predicted=None, confidence=None, reason="x"), "must be a str", INVALID),
        (lambda q, i: q.history(999), "does not exist", NOT_FOUND),
    ],
)
def test_refusals_name_the_problem_and_their_kind(queue, call, match, kind):
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    with pytest.raises(ReviewQueueError, match=match) as exc:
        call(queue, item.item_id)
    assert exc.value.kind is kind


def test_expired_claim_cannot_be_decided_conflict(queue, clock):
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    clock.now += 61
    with pytest.raises(ReviewQueueError, match="expired claim must be claimed again") as exc:
        queue.decide(item.item_id, "alice", "passport")
    assert exc.value.kind is ErrorKind.CONFLICT
    assert HTTP_STATUS_BY_KIND[exc.value.kind] == 409


def test_label_set_is_enforced(workspace):
    queue = ReviewQueue(workspace.review_queue_db, labels=["passport", "national_id"])
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    with pytest.raises(ReviewQueueError, match="not one of") as exc:
        queue.decide(item.item_id, "alice", "pasport")
    assert exc.value.kind is ErrorKind.INVALID


def test_reading_text_without_reviewer_role_is_forbidden(queue):
    item = _enqueue(queue)
    with pytest.raises(AccessDeniedError) as exc:
        queue.get_text(item.item_id, "viewer", actor="eve")
    assert exc.value.kind is ErrorKind.FORBIDDEN and HTTP_STATUS_BY_KIND[exc.value.kind] == 403


def test_bad_lease(workspace):
    with pytest.raises(ConfigError):
        ReviewQueue(workspace.review_queue_db, lease_seconds=0)


def test_text_requires_reviewer_role_and_is_audited(queue):
    item = _enqueue(queue)
    with pytest.raises(AccessDeniedError, match="role 'scorer'"):
        queue.get_text(item.item_id, "scorer", actor="svc")
    assert queue.get_text(item.item_id, "reviewer", actor="alice") == SECRET
    viewed = [e for e in queue.history(item.item_id) if e.event == "text_viewed"]
    assert [(e.actor, e.detail) for e in viewed] == [("alice", {"role": "reviewer"})]


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_export_decisions_as_training_data(queue, workspace, suffix):
    for n, label in enumerate(["passport", "national_id"]):
        item = _enqueue(queue, f"doc-{n}")
        queue.claim(item.item_id, "alice")
        queue.decide(item.item_id, "alice", label)
    _enqueue(queue, "still-pending")
    path = workspace.root / f"labels{suffix}"
    assert queue.export_labels(path) == 2
    frame = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
    assert list(frame.columns) == EXPORT_COLUMNS
    assert frame["label"].tolist() == ["passport", "national_id"]
    assert frame["text"].tolist() == [SECRET, SECRET]


def test_export_rejects_unknown_format(queue, workspace):
    with pytest.raises(ConfigError, match=r"\.parquet or \.csv"):
        queue.export_labels(workspace.root / "labels.xlsx")


def test_no_document_text_in_logs(queue, workspace, caplog):
    caplog.set_level(logging.DEBUG)
    item = _enqueue(queue)
    queue.claim(item.item_id, "alice")
    queue.get_text(item.item_id, "reviewer", actor="alice")
    queue.decide(item.item_id, "alice", "passport")
    queue.export_labels(workspace.root / "x.parquet")
    assert caplog.records  # the queue does log its actions...
    assert "Secretperson" not in caplog.text and "998877665" not in caplog.text  # ...but never the text
