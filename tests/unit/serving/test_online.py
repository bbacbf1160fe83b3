"""OnlineFeatureSource on the real feature code: the documented degraded mode when the store is unusable."""

from __future__ import annotations

import pytest

from reference_impl.data import make_reference_data
from reference_impl.features import MODEL_FEATURES, OnlineStore
from reference_impl.serving.trades.features import OnlineFeatureSource, event_frame
from reference_impl.serving.trades.schemas import TradeEventIn
from reference_impl.serving.trades.testing import sample_event


@pytest.fixture(scope="module")
def ref():
    return make_reference_data(seed=3)


@pytest.mark.parametrize("kind", ["missing", "corrupt"])
def test_unusable_store_gives_event_only_features_marked_unavailable(tmp_path, ref, kind):
    path = tmp_path / "online.db"
    if kind == "corrupt":
        path.write_bytes(b"this is not sqlite" * 100)
    source = OnlineFeatureSource(OnlineStore(path), ref)
    ok, detail = source.check()
    assert ok is False and detail
    result = source.features_for([TradeEventIn(**sample_event()).to_row()])
    assert list(result.status) == ["unavailable"] and result.store_available is False
    assert set(MODEL_FEATURES) <= set(result.frame.columns) and len(result.frame) == 1


def test_no_store_object_is_unavailable_not_a_crash(ref):
    source = OnlineFeatureSource(None, ref, store_error="online store not configured")
    assert source.check() == (False, "online store not configured")
    assert source.features_for([TradeEventIn(**sample_event()).to_row()]).status == ["unavailable"]


@pytest.mark.parametrize("currency,rate,expected", [("USD", {}, 1000.0), ("GBP", {"GBP": 1.25}, 1250.0)])
def test_event_frame_fills_usd_notional_from_fx(currency, rate, expected):
    row = TradeEventIn(**sample_event(currency=currency, quantity=10.0, price=100.0, notional_usd=None)).to_row()
    frame = event_frame(row, rate)
    assert frame["notional_usd"].iloc[0] == pytest.approx(expected)
    assert str(frame["exec_ts"].dt.tz) == "UTC"


def test_event_frame_unknown_currency_rate_is_nan_not_a_guess():
    import math

    row = TradeEventIn(**sample_event(currency="SEK", notional_usd=None)).to_row()
    assert math.isnan(event_frame(row, {"GBP": 1.25})["notional_usd"].iloc[0])
