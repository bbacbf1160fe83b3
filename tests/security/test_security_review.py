"""Finding 10: review labels are validated; admin administers but does not claim or decide cases."""

from __future__ import annotations

import pytest

from reference_impl.errors import ConfigError


def _queued(svc) -> int:
    return svc.post("/v1/kyc/classify", json={"doc_id": "D9", "text": "an ambiguous letter"}).json()["review_item_id"]


def test_decide_rejects_a_label_outside_the_classes(make_service):  # noqa: F811
    svc = make_service()
    item_id = _queued(svc)
    assert svc.post(f"/v1/kyc/review/{item_id}/claim", role="reviewer").status_code == 200
    r = svc.post(f"/v1/kyc/review/{item_id}/decide", role="reviewer", json={"label": "banana"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "label"] and "banana" in r.json()["detail"][0]["msg"]
    item = svc.get("/v1/kyc/review", role="reviewer", params={"status": "claimed"}).json()["items"]
    assert [i["item_id"] for i in item] == [item_id]  # nothing decided
    assert svc.post(f"/v1/kyc/review/{item_id}/decide", role="reviewer", json={"label": "out_of_scope"}).status_code == 200


@pytest.mark.parametrize("action", ["claim", "decide"])
def test_admin_may_not_claim_or_decide(make_service, action):  # noqa: F811
    svc = make_service()
    item_id = _queued(svc)
    if action == "decide":
        assert svc.post(f"/v1/kyc/review/{item_id}/claim", role="reviewer").status_code == 200
    kw = {"json": {"label": "passport"}} if action == "decide" else {}
    r = svc.post(f"/v1/kyc/review/{item_id}/{action}", role="admin", **kw)
    assert r.status_code == 403 and "reviewer" in r.json()["detail"]


def test_require_role_without_admin():
    import asyncio

    from fastapi import HTTPException

    from reference_impl.serving.auth import Principal, require_role

    only = require_role("reviewer", admin=False)
    assert asyncio.run(only(Principal("k", "reviewer"))).role == "reviewer"
    with pytest.raises(HTTPException):
        asyncio.run(only(Principal("k", "admin")))
    assert asyncio.run(require_role("reviewer")(Principal("k", "admin"))).role == "admin"  # default unchanged
    with pytest.raises(ConfigError):
        require_role("god")


def test_review_labels_from_classes_or_the_contract():
    from reference_impl.kyc.review_queue import review_labels

    assert review_labels(["passport"]) == {"passport", "out_of_scope"}
    assert "proof_of_address" in review_labels() and "banana" not in review_labels()
