"""Finding 3: no human decision and no queue change without its audit record (issue 16).

The audit log is made to fail (``append_many`` raises the AuditError a full disk raises); every review
action must then answer 503 *and* leave the queue exactly as it was.
"""

from __future__ import annotations

import pytest

from reference_impl.errors import AuditError
from reference_impl.serving import ServiceSettings, create_api_key, create_app
from reference_impl.serving.testing import fake_rooms, test_client


@pytest.fixture
def svc(tmp_path, monkeypatch):
    monkeypatch.setenv("IBML_HOME", str(tmp_path / "ws"))
    settings = ServiceSettings(home=tmp_path / "ws", latency_budget_ms=5_000)
    keys = {r: create_api_key(settings.api_keys_path, r)[0] for r in ("scorer", "reviewer")}
    with test_client(create_app(settings, rooms=fake_rooms())) as client:
        state = client.app.state.services

        def post(path, role, **kw):
            return client.post(path, headers={"X-API-Key": keys[role]}, **kw)

        def break_audit():
            def fail(events):
                raise AuditError("cannot write audit log: No space left on device")

            monkeypatch.setattr(state.audit, "append_many", fail)

        from reference_impl.serving.kyc.state import KycState

        queue = state.room("kyc", KycState).review_queue
        yield post, break_audit, queue


def _snapshot(queue):
    return [(i.item_id, i.status, i.claimed_by, i.decided_label) for i in queue.list(None)]


def test_claim_is_not_committed_when_its_audit_record_fails(svc):
    post, break_audit, queue = svc
    item_id = post("/v1/kyc/classify", "scorer", json={"doc_id": "D1", "text": "a letter"}).json()["review_item_id"]
    before = _snapshot(queue)
    break_audit()
    assert post(f"/v1/kyc/review/{item_id}/claim", "reviewer").status_code == 503
    assert _snapshot(queue) == before and before[0][1] == "pending"


def test_decision_is_not_committed_when_its_audit_record_fails(svc):
    post, break_audit, queue = svc
    item_id = post("/v1/kyc/classify", "scorer", json={"doc_id": "D1", "text": "a letter"}).json()["review_item_id"]
    assert post(f"/v1/kyc/review/{item_id}/claim", "reviewer").status_code == 200
    before = _snapshot(queue)
    break_audit()
    r = post(f"/v1/kyc/review/{item_id}/decide", "reviewer", json={"label": "passport"})
    assert r.status_code == 503
    assert _snapshot(queue) == before and before[0][1] == "claimed" and before[0][3] is None


def test_classify_does_not_enqueue_when_its_audit_record_fails(svc):
    post, break_audit, queue = svc
    break_audit()
    assert post("/v1/kyc/classify", "scorer", json={"doc_id": "D9", "text": "a letter"}).status_code == 503
    assert _snapshot(queue) == []
