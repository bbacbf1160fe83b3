"""Milestone 5: the API — classify and queue, list, claim and decide, with keys, roles and strict bodies.

The model here is a stub (a keyword rule with fixed confidences), so this milestone checks the service,
not the classifier: anything with ``classes`` and ``decide`` must work.
"""

from __future__ import annotations

import pytest
from conftest import KEY

from kyc_lab.routing import Decision

PASSPORT = "Passport of the United Kingdom, surname Example, given names Anna, date of birth 01 Jan 1980"
BILL = "Your electricity bill for the supply address, amount due and the meter reading for the period"


class StubModel:
    """``passport`` in the text: auto-accept at 0.97; anything else: manual review at 0.62."""

    classes = ["bank_statement", "passport", "utility_bill"]

    def decide(self, texts, doc_ids=None):
        out = []
        for i, text in enumerate(texts):
            doc_id = None if doc_ids is None else doc_ids[i]
            if "passport" in text.lower():
                out.append(Decision("passport", 0.97, "auto_accept", "above_class_threshold", 0.9, "en", doc_id))
            else:
                out.append(Decision("utility_bill", 0.62, "manual_review", "below_class_threshold", 0.95, "en", doc_id))
        return out


class BrokenModel(StubModel):
    def decide(self, texts, doc_ids=None):
        raise RuntimeError("the model file is corrupt")


def _h(who):
    return {"X-API-Key": KEY[who]}


def _classify(client, text, doc_id="D1", who="scorer"):
    return client.post("/v1/kyc/classify", json={"doc_id": doc_id, "text": text}, headers=_h(who))


def _queued_item(client, doc_id="D7"):
    r = _classify(client, BILL, doc_id)
    assert r.status_code == 200, f"classify: expected 200, got {r.status_code} {r.text[:200]}"
    return r.json()["review_item_id"]


def test_calls_without_a_valid_key_get_401(api):
    client = api(StubModel())
    body = {"doc_id": "D1", "text": PASSPORT}
    got = [
        client.post("/v1/kyc/classify", json=body).status_code,
        client.post("/v1/kyc/classify", json=body, headers={"X-API-Key": "ibml_000000000000_guess"}).status_code,
        client.get("/v1/kyc/review").status_code,
    ]
    assert got == [401, 401, 401], f"auth: no key / an unknown key must get 401 on classify and list, got {got}"


def test_roles_that_do_not_score_get_403(api):
    client = api(StubModel())
    got = [_classify(client, PASSPORT, who=w).status_code for w in ("alice", "auditor")]
    assert got == [403, 403], f"auth: reviewer and auditor keys may not classify (403), got {got}"


def test_an_auto_accepted_document_is_not_queued(api):
    client = api(StubModel())
    r = _classify(client, PASSPORT)
    assert r.status_code == 200, f"classify: expected 200, got {r.status_code} {r.text[:200]}"
    body = r.json()
    assert (body["route"], body["label"], body["review_item_id"]) == ("auto_accept", "passport", None), f"classify: got {body}"
    items = client.get("/v1/kyc/review", headers=_h("alice")).json()["items"]
    assert items == [], f"classify: an auto-accepted document must not be queued, queue holds {items}"


def test_a_manual_review_document_is_queued_without_its_text(api):
    client = api(StubModel())
    item_id = _queued_item(client, "D7")
    assert isinstance(item_id, int), f"classify: a manual_review answer must carry the queue's review_item_id, got {item_id!r}"
    r = client.get("/v1/kyc/review", params={"status": "pending"}, headers=_h("alice"))
    assert r.status_code == 200, f"list: expected 200 for a reviewer, got {r.status_code}"
    items = r.json()["items"]
    assert [(i["item_id"], i["doc_id"]) for i in items] == [(item_id, "D7")], f"list: expected the queued D7, got {items}"
    assert "meter reading" not in r.text, "list: review items must never carry the document text"


@pytest.mark.parametrize(
    "body",
    [{"doc_id": "D1"}, {"doc_id": "D1", "text": 123}, {"doc_id": "D1", "text": PASSPORT, "score": 1}, {"text": PASSPORT}],
    ids=["no-text", "text-not-a-string", "extra-field", "no-doc-id"],
)
def test_malformed_bodies_get_422(api, body):
    client = api(StubModel())
    r = client.post("/v1/kyc/classify", json=body, headers=_h("scorer"))
    assert r.status_code == 422, f"classify: a malformed body must get 422, got {r.status_code}"


def test_a_failing_model_fails_closed_to_manual_review(api):
    client = api(BrokenModel())
    r = _classify(client, PASSPORT, "D9")
    body = r.json()
    assert r.status_code == 200 and body["route"] == "manual_review", f"classify: a model error must route to manual_review, got {r.status_code} {body}"
    assert body["reason"] == "model_error" and isinstance(body["review_item_id"], int), f"classify: expected reason model_error and a queued item, got {body}"


def test_a_reviewer_claims_and_decides(api):
    client = api(StubModel())
    item_id = _queued_item(client)
    r = client.post(f"/v1/kyc/review/{item_id}/claim", headers=_h("alice"))
    assert r.status_code == 200 and r.json()["status"] == "claimed", f"claim: expected 200 claimed, got {r.status_code} {r.text[:200]}"
    r = client.post(f"/v1/kyc/review/{item_id}/decide", json={"label": "utility_bill", "comment": "meter checked"}, headers=_h("alice"))
    assert r.status_code == 200, f"decide: expected 200, got {r.status_code} {r.text[:200]}"
    assert (r.json()["status"], r.json()["decided_label"]) == ("decided", "utility_bill"), f"decide: got {r.json()}"


def test_admin_and_scorer_may_not_decide_cases(api):
    client = api(StubModel())
    item_id = _queued_item(client)
    assert client.get("/v1/kyc/review", headers=_h("admin")).status_code == 200, "list: admin may read the queue"
    got = [client.post(f"/v1/kyc/review/{item_id}/claim", headers=_h(w)).status_code for w in ("admin", "scorer")]
    assert got == [403, 403], f"claim: admin and scorer must get 403 (a reviewer decides cases), got {got}"
    client.post(f"/v1/kyc/review/{item_id}/claim", headers=_h("alice"))
    r = client.post(f"/v1/kyc/review/{item_id}/decide", json={"label": "passport"}, headers=_h("admin"))
    assert r.status_code == 403, f"decide: admin must get 403, got {r.status_code}"


def test_only_the_claim_holder_decides(api):
    client = api(StubModel())
    item_id = _queued_item(client)
    r = client.post(f"/v1/kyc/review/{item_id}/decide", json={"label": "passport"}, headers=_h("alice"))
    assert r.status_code == 409, f"decide: an unclaimed item must get 409, got {r.status_code}"
    client.post(f"/v1/kyc/review/{item_id}/claim", headers=_h("alice"))
    r = client.post(f"/v1/kyc/review/{item_id}/decide", json={"label": "passport"}, headers=_h("bob"))
    assert r.status_code == 409, f"decide: bob may not decide alice's claim (409), got {r.status_code}"
    r = client.post(f"/v1/kyc/review/{item_id}/claim", headers=_h("bob"))
    assert r.status_code == 409, f"claim: a claimed item must get 409, got {r.status_code}"
    r = client.post("/v1/kyc/review/424242/claim", headers=_h("bob"))
    assert r.status_code == 404, f"claim: an unknown item must get 404, got {r.status_code}"


def test_a_decision_label_must_be_a_known_class(api):
    client = api(StubModel())
    item_id = _queued_item(client)
    client.post(f"/v1/kyc/review/{item_id}/claim", headers=_h("alice"))
    r = client.post(f"/v1/kyc/review/{item_id}/decide", json={"label": "banana"}, headers=_h("alice"))
    assert r.status_code == 422, f"decide: label 'banana' is no class, expected 422, got {r.status_code}"
    r = client.post(f"/v1/kyc/review/{item_id}/decide", json={"label": "out_of_scope"}, headers=_h("alice"))
    assert r.status_code == 200, f"decide: out_of_scope is always a valid label, expected 200, got {r.status_code}"
