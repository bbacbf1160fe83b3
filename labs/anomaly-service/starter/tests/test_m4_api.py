"""Milestone 4: the API — keys and roles, strict bodies, features from history, a rules-only fallback, an audit trail.

The detector here is a stub (a score from the trade's size), so this milestone checks the service, not the
model: anything with ``decide``/``decide_rules_only`` must work, and no detector at all must still answer.
"""

from __future__ import annotations

import pandas as pd
import pytest
from anomaly_lab import AuditLog, Decision, rules_only
from anomaly_lab.api import audit_log_path
from conftest import KEY, data

SCORE = "/v1/trades/score"


class StubDetector:
    """Score 0.9 for a USD notional above 10m, else 0.2; threshold 0.6. Records the feature frames it saw."""

    model_version_ = "stub-1"
    ruleset_version = "stub-rules-1"
    threshold_ = 0.6

    def __init__(self):
        self.seen: list[pd.DataFrame] = []

    def decide(self, features):
        self.seen.append(features.copy())
        out = []
        for row in features.to_dict("records"):
            score = 0.9 if row["notional_usd"] > 1e7 else 0.2
            reasons = (
                [
                    {
                        "code": "M_SIZE",
                        "text": "unusual size",
                        "source": "model",
                        "feature": "log_notional_usd",
                        "value": row["log_notional_usd"],
                        "contribution": 0.3,
                    }
                ]
                if score >= self.threshold_
                else []
            )
            out.append(
                Decision(
                    str(row["trade_id"]),
                    score,
                    self.threshold_,
                    bool(reasons),
                    reasons,
                    self.model_version_,
                    self.ruleset_version,
                    {"log_notional_usd": float(row["log_notional_usd"])},
                )
            )
        return out

    def decide_rules_only(self, features):
        return rules_only(features)


class BrokenDetector(StubDetector):
    def decide(self, features):
        raise RuntimeError("the model file is corrupt")


def event(**changes) -> dict:
    """A valid body: the last generated trade of an active trader, re-booked an hour after the history ends."""
    trades = data()["trades"]
    busiest = trades["trader_id"].value_counts().index[0]
    last = trades[trades["trader_id"] == busiest].iloc[-1]
    end = trades["booking_ts"].max()
    body = {
        "trade_id": "API0001",
        "event_type": "new",
        "orig_trade_id": None,
        "exec_ts": (end + pd.Timedelta(hours=1)).isoformat(),
        "booking_ts": (end + pd.Timedelta(hours=1, seconds=5)).isoformat(),
        **{
            c: last[c]
            for c in (
                "desk",
                "book",
                "trader_id",
                "counterparty_id",
                "instrument_id",
                "asset_class",
                "currency",
                "side",
                "venue",
                "booking_system",
            )
        },
        "quantity": float(last["quantity"]),
        "price": float(last["price"]),
    }
    body.update(changes)
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in body.items()}


def post(client, body, who="scorer"):
    return client.post(SCORE, json=body, headers={} if who is None else {"X-API-Key": KEY.get(who, who)})


def decisions_audited(tmp_path) -> list[dict]:
    return [r for r in AuditLog(audit_log_path(tmp_path / "home")).records() if r["event_type"] == "trade.decision"]


def test_calls_without_a_valid_key_get_401(api):
    client = api(StubDetector())
    got = [post(client, event(), None).status_code, post(client, event(), "ibml_000000000000_guess").status_code]
    assert got == [401, 401], f"no key / an unknown key must get 401, got {got}"


def test_roles_that_do_not_score_get_403_and_scorers_get_200(api):
    client = api(StubDetector())
    got = {
        who: post(client, event(trade_id=f"R{who}"), who).status_code
        for who in ("reviewer", "auditor", "scorer", "admin")
    }
    assert got == {"reviewer": 403, "auditor": 403, "scorer": 200, "admin": 200}, (
        f"a known key whose role may not score gets 403 (not 401); scorer and admin may score; got {got}"
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({k: v for k, v in event().items() if k != "quantity"}, "quantity"),
        (event(quantity=-5.0), "quantity"),
        (event(price="cheap"), "price"),
        (event(side="HOLD"), "side"),
        ({**event(), "comment": "extra"}, "comment"),
    ],
)
def test_a_contract_violation_is_a_422_naming_the_field(api, body, field):
    client = api(StubDetector())
    r = post(client, body)
    assert r.status_code == 422, f"expected 422 for a bad {field!r}, got {r.status_code} {r.text[:200]}"
    locs = [err["loc"] for err in r.json()["detail"]]
    assert any(field in map(str, loc) for loc in locs), f"the 422 must name {field!r} in detail[].loc, got {locs}"


def test_a_booking_before_execution_is_refused(api):
    client = api(StubDetector())
    e = event()
    r = post(client, {**e, "booking_ts": e["exec_ts"], "exec_ts": e["booking_ts"]})
    assert r.status_code == 422, f"booking_ts before exec_ts must be a 422, got {r.status_code}"


def test_a_decision_with_its_metadata(api):
    stub = StubDetector()
    client = api(stub)
    small, big = post(client, event()), post(client, event(trade_id="API0002", quantity=1e9))
    assert (small.status_code, big.status_code) == (200, 200), (
        f"got {small.status_code} {big.status_code} {big.text[:200]}"
    )
    s, b = small.json(), big.json()
    assert (s["result"]["trade_id"], s["result"]["score"], s["result"]["decision"]) == ("API0001", 0.2, "clear"), s
    assert (b["result"]["decision"], b["result"]["flagged"]) == ("flag", True), b
    assert [r["code"] for r in b["result"]["reasons"]][:1] == ["M_SIZE"] and b["result"]["reasons"][0][
        "source"
    ] == "model"
    meta = b["metadata"]
    assert (meta["model_version"], meta["fallback_used"], meta["fallback_reason"]) == ("stub-1", False, None), meta
    assert isinstance(meta["request_id"], str) and meta["request_id"] and isinstance(meta["audit_seq"], int), meta


def test_the_features_come_from_the_traders_history(api):
    stub = StubDetector()
    client = api(stub)
    assert post(client, event()).status_code == 200
    frame = stub.seen[-1]
    assert len(frame) == 1 and frame["trade_id"].tolist() == ["API0001"], "the detector sees the event's feature row"
    assert frame["trader_trade_count_1d"].iloc[0] > 0, (
        "the event's features must use the trader's recent trades (TradeHistory.features_for): "
        f"trader_trade_count_1d was {frame['trader_trade_count_1d'].iloc[0]}"
    )


def test_no_model_means_a_rules_only_answer_not_an_error(api):
    client = api(None)
    e = event()
    r = post(client, event(trade_id="API0003", price=e["price"] * 1.5))  # 5,000 bps off the reference price
    assert r.status_code == 200, f"without a model the rules must still answer, got {r.status_code} {r.text[:200]}"
    body = r.json()
    assert (body["metadata"]["fallback_used"], body["metadata"]["fallback_reason"]) == (True, "model_missing"), body[
        "metadata"
    ]
    assert body["result"]["score"] is None and body["result"]["flagged"], body["result"]
    assert "R_PRICE_DEVIATION" in [x["code"] for x in body["result"]["reasons"]], body["result"]["reasons"]


def test_a_failing_model_falls_back_to_rules(api):
    client = api(BrokenDetector())
    r = post(client, event())
    assert r.status_code == 200, f"a model that raises must not be a 500, got {r.status_code}"
    meta = r.json()["metadata"]
    assert (meta["fallback_used"], meta["fallback_reason"]) == (True, "model_error"), meta


def test_every_decision_is_audited_fallbacks_included(api, tmp_path):
    client = api(BrokenDetector())
    answers = [post(client, event(trade_id=f"AUD{i}", quantity=1e9 if i == 1 else 100.0)).json() for i in range(3)]
    post(client, event(), "reviewer")  # refused calls decide nothing
    post(client, event(quantity=-1.0))
    records = decisions_audited(tmp_path)
    assert [r["payload"]["input"]["trade_id"] for r in records] == ["AUD0", "AUD1", "AUD2"], (
        f"one trade.decision record per decision, in order (none for refused calls), got "
        f"{[r['payload']['input'].get('trade_id') for r in records]}"
    )
    for rec, answer in zip(records, answers):
        p = rec["payload"]
        assert p["output"]["flagged"] == answer["result"]["flagged"], (
            f"{rec['seq']}: audited flag differs from the answer"
        )
        assert p["fallback_reason"] == answer["metadata"]["fallback_reason"] == "model_error", (
            f"{rec['seq']}: the fallback must be audited with its reason, got {p['fallback_reason']!r}"
        )
        assert rec["seq"] == answer["metadata"]["audit_seq"], "metadata.audit_seq is the decision's audit record"
        assert "reason_codes" in p["output"] and "version" in p["model"], f"{rec['seq']}: payload {sorted(p)}"
        assert KEY["scorer"] not in str(rec), "the API key itself must never be written to the audit log"
    v = AuditLog(audit_log_path(tmp_path / "home")).verify()
    assert v.ok, f"the service's audit log must verify: {v}"


def test_the_packaged_service_runs_your_pipeline_with_keys_from_the_environment(monkeypatch, tmp_path):
    """What the Dockerfile serves (``uvicorn anomaly_lab.api:app``): generated trades, your features and detector."""
    from anomaly_lab.api import app
    from anomaly_lab.service import LazyApp
    from conftest import test_client

    assert isinstance(app, LazyApp), "anomaly_lab.api.app must stay a LazyApp (built on first use, not at import)"
    home = tmp_path / "service-home"
    monkeypatch.setenv("ANOMALY_LAB_HOME", str(home))
    monkeypatch.setenv("ANOMALY_LAB_API_KEYS", f"scorer={KEY['scorer']}")
    with test_client(app) as client:
        refused = post(client, event(), "reviewer").status_code  # not in ANOMALY_LAB_API_KEYS: unknown
        r = post(client, event(trade_id="SVC0001"))
    assert refused == 401, f"a key not in ANOMALY_LAB_API_KEYS is unknown (401), got {refused}"
    assert r.status_code == 200 and r.json()["result"]["trade_id"] == "SVC0001", f"got {r.status_code} {r.text[:200]}"
    audited = [
        rec["payload"]["input"]["trade_id"]
        for rec in AuditLog(audit_log_path(home)).records()
        if rec["event_type"] == "trade.decision"
    ]
    assert audited == ["SVC0001"], f"the service audits under ANOMALY_LAB_HOME, got {audited}"
