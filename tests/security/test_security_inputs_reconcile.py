"""Finding 6 of issue 16: the detector must not trust what the caller says about a trade's economics.

Before: a x1000 fat-finger trade was flagged, but the same trade with a hand-written ``"notional_usd"`` (the
normal size), or with ``"currency": "JPY"`` on a USD instrument, was cleared with no reasons. Now the service
recomputes the USD notional from quantity, price and the instrument currency's FX rate (the caller's
``notional_usd`` is only checked against it), and a mismatch is a reason code that flags the trade.
"""

from __future__ import annotations

import pytest

from reference_impl.data import make_reference_data
from reference_impl.serving import ServiceSettings, create_api_key, create_app
from reference_impl.serving.models import failed
from reference_impl.serving.trades import TradesRoom
from reference_impl.serving.trades.features import OnlineFeatureSource
from reference_impl.serving.trades.models import TRADE_MODEL_NAME, default_rules_only
from reference_impl.serving.trades.state import TradesProviders
from reference_impl.serving.trades.testing import sample_event
from reference_impl.serving.testing import test_client


@pytest.fixture(scope="module")
def ref():
    return make_reference_data(seed=3)


@pytest.fixture
def score(tmp_path, monkeypatch, ref):
    """POST one event to a service on the real rules and the real feature code (no model, no online store)."""
    monkeypatch.setenv("IBML_HOME", str(tmp_path / "ws"))
    settings = ServiceSettings(home=tmp_path / "ws", latency_budget_ms=5_000, rooms="trades")
    key = create_api_key(settings.api_keys_path, "scorer")[0]
    providers = TradesProviders(
        trade_model=lambda s: failed(TRADE_MODEL_NAME, "none", None, missing=True),
        feature_source=lambda s: OnlineFeatureSource(None, ref, store_error="no online store in this test"),
        rules_only=default_rules_only,
    )
    with test_client(create_app(settings, rooms=[TradesRoom(providers)])) as client:

        def post(**overrides):
            r = client.post("/v1/trades/score", json=_event(ref, **overrides), headers={"X-API-Key": key})
            assert r.status_code == 200, r.text
            return r.json()["result"]

        yield post


def _usd_equity(ref):
    inst = ref["instruments"]
    row = inst[(inst["currency"] == "USD") & (inst["asset_class"] == "equity")].iloc[0]
    desk = ref["desks"].set_index("desk").loc[row["desk"]]
    return row, desk


def _event(ref, *, factor: float = 1.0, **overrides):
    inst, desk = _usd_equity(ref)
    price = float(inst["base_price"])
    quantity = round(0.01 * float(desk["notional_limit_usd"]) / price)  # 1 % of the desk limit
    body = sample_event(
        desk=str(inst["desk"]), instrument_id=str(inst["instrument_id"]), currency="USD",
        asset_class="equity", price=price, quantity=float(quantity * factor), notional_usd=None,
        exec_ts="2026-03-03T15:00:00Z", booking_ts="2026-03-03T15:00:04Z",
    )
    body.update(overrides)
    return body


def _codes(result):
    return {r["code"] for r in result["reasons"]}


def test_a_normal_trade_is_cleared_and_the_fat_finger_is_flagged(score):
    assert score()["flagged"] is False
    fat = score(factor=1000)
    assert fat["flagged"] is True and "R_NOTIONAL_LIMIT" in _codes(fat)


def test_a_hand_written_notional_does_not_hide_the_fat_finger(score, ref):
    normal = _event(ref)
    claimed = normal["quantity"] * normal["price"]  # what the trade "should" have been
    out = score(factor=1000, notional_usd=claimed)
    assert out["flagged"] is True
    assert {"R_NOTIONAL_LIMIT", "R_NOTIONAL_MISMATCH"} <= _codes(out)


def test_a_notional_within_tolerance_is_no_reason(score, ref):
    normal = _event(ref)
    out = score(notional_usd=normal["quantity"] * normal["price"] * 1.02)
    assert out["flagged"] is False and "R_NOTIONAL_MISMATCH" not in _codes(out)


def test_a_wrong_currency_does_not_shrink_the_trade(score):
    out = score(factor=1000, currency="JPY")
    assert out["flagged"] is True
    assert {"R_NOTIONAL_LIMIT", "R_CURRENCY_MISMATCH"} <= _codes(out)
    small = score(currency="JPY")  # even at a normal size, the wrong currency is itself a reason
    assert small["flagged"] is True and "R_CURRENCY_MISMATCH" in _codes(small)
