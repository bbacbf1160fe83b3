"""OnlineFeatureSource's fast path on a real online store: the reference path's frames, exactly.

Also the consistency check on both request paths, the FX fill of ``event_row`` and the 7-day price
lookback of the workspace feature source (2 days left a replayed earlier day without reference prices).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reference_impl.data import make_prices, make_reference_data, make_trades
from reference_impl.features import OnlineStore, build_view_rows, check_request_path
from reference_impl.features.definitions import counterparty_pair_activity, trader_history
from reference_impl.serving import ServiceSettings
from reference_impl.serving.demo import trade_to_request
from reference_impl.serving.trades.features import OnlineFeatureSource, event_frame, event_row
from reference_impl.serving.trades.features import PRICE_LOOKBACK, open_workspace_feature_source
from reference_impl.serving.trades.schemas import TradeEventIn
from reference_impl.serving.trades.testing import sample_event


@pytest.fixture(scope="module")
def dataset():
    ref = make_reference_data(seed=5)
    prices = make_prices(ref, n_days=6, seed=5)
    trades = make_trades(ref, prices, n_trades=600, seed=5)
    return {"trades": trades, "prices": prices, **ref}


@pytest.fixture(scope="module")
def live(dataset, tmp_path_factory):
    """An online store materialised up to a cutoff, and the 40 events booked after it (API rows)."""
    trades = dataset["trades"]
    cut = len(trades) - 40
    cutoff = trades["booking_ts"].iloc[cut - 1]
    store = OnlineStore(tmp_path_factory.mktemp("online") / "online.db")
    before = {**dataset, "trades": trades.iloc[:cut]}
    for view in (trader_history, counterparty_pair_activity):
        store.materialize(view, build_view_rows(view, before), end=cutoff)
    after = trades.iloc[cut:]
    records = after[after["booking_ts"] > cutoff].to_dict("records")
    rows = [TradeEventIn(**trade_to_request(r)).to_row() for r in records]
    return store, rows


@pytest.mark.parametrize("with_store", [True, False])
def test_fast_features_equal_the_reference_path_for_every_event(dataset, live, with_store):
    store, rows = live
    source = OnlineFeatureSource(store if with_store else None, dataset, dataset["prices"])
    fast, reference = source.features_for(rows), source.features_for(rows, fast=False)
    pd.testing.assert_frame_equal(fast.frame, reference.frame, check_exact=True)
    assert list(fast.status) == list(reference.status) == ["ok" if with_store else "unavailable"] * len(rows)
    if with_store:  # genuine history was read: some events have trader activity and reference prices
        assert fast.frame["trader_trade_count_7d"].gt(0).any() and fast.frame["reference_price"].notna().any()


@pytest.mark.parametrize("fast", [True, False])
def test_both_request_paths_match_the_batch_features(dataset, tmp_path, fast):
    cutoff = dataset["trades"]["booking_ts"].iloc[450]
    report = check_request_path(dataset, OnlineStore(tmp_path / "online.db"), cutoff=cutoff, max_events=15, fast=fast)
    assert report.ok, report.mismatches


@pytest.mark.parametrize("currency,rates,notional_usd", [("USD", {}, None), ("GBP", {"GBP": 1.25}, None),
                                                         ("SEK", {"GBP": 1.25}, None), ("GBP", {}, 777.0)])
def test_event_row_fills_usd_notional_exactly_as_event_frame(currency, rates, notional_usd):
    body = sample_event(currency=currency, quantity=10.0, price=100.1, notional_usd=notional_usd)
    row = TradeEventIn(**body).to_row()
    got, expected = event_row(row, rates)["notional_usd"], event_frame(row, rates)["notional_usd"].iloc[0]
    assert got == expected or (math.isnan(got) and math.isnan(expected))
    assert event_row(row, rates)["exec_ts"] == event_frame(row, rates)["exec_ts"].iloc[0]


def test_workspace_source_keeps_a_week_of_prices_for_replayed_days(workspace, dataset):
    workspace.ensure("data")
    for name in ("desks", "calendar", "fx_rates", "instruments", "prices"):
        dataset[name].to_parquet(workspace.data_dir / f"{name}.parquet")
    source = open_workspace_feature_source(ServiceSettings(home=workspace.root))
    assert PRICE_LOOKBACK >= pd.Timedelta(days=7)
    # an event executed four days before the last price (a replay of an earlier day) finds its reference price
    last = dataset["prices"]["ts"].max()
    trade = dataset["trades"][dataset["trades"]["exec_ts"] <= last - pd.Timedelta(days=4)].iloc[-1]
    row = TradeEventIn(**trade_to_request(trade)).to_row()
    frame = source.features_for([row]).frame
    assert not math.isnan(frame["reference_price"].iloc[0])
    assert not math.isnan(frame["price_deviation_bps"].iloc[0])


def test_request_features_from_store_takes_a_prebuilt_context(dataset, live):
    from reference_impl.errors import FeatureStoreError
    from reference_impl.features import request_features_from_store
    from reference_impl.features.request import RequestContext

    store, rows = live
    event = event_frame(rows[0])
    context = RequestContext.from_reference(dataset, dataset["prices"])
    expected = request_features_from_store(event, store, dataset, dataset["prices"], fast=False)
    pd.testing.assert_frame_equal(request_features_from_store(event, store, context), expected, check_exact=True)
    with pytest.raises(FeatureStoreError, match="RequestContext"):
        request_features_from_store(event, store, context, fast=False)
