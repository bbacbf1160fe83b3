"""End to end on generated data: materialise, then prove online == offline and request path == batch."""

from __future__ import annotations

import pandas as pd

from reference_impl.data import make_prices, make_reference_data, make_trades
from reference_impl.features import (
    FEATURE_VIEWS,
    MODEL_FEATURES,
    OfflineStore,
    OnlineStore,
    build_trade_features,
    check_online_offline,
    check_request_path,
    materialize_features,
)


def test_generated_dataset_round_trip(workspace, tmp_path):
    ref = make_reference_data(7)
    prices = make_prices(ref, n_days=8, seed=7)
    trades = make_trades(ref, prices, 3_000, seed=7)
    data = {**ref, "prices": prices, "trades": trades}

    features = build_trade_features(trades, ref, prices)
    assert features.index.equals(trades.index)
    # a partition per desk holds whole traders and whole (book, counterparty) pairs: Spark's applyInPandas unit
    per_desk = pd.concat([build_trade_features(part, ref, prices) for _, part in trades.groupby("desk")])
    pd.testing.assert_frame_equal(per_desk.loc[features.index], features)
    assert features["trade_id"].is_unique
    assert (features[MODEL_FEATURES].dtypes == "float64").all()

    offline, online = OfflineStore.from_workspace(workspace), OnlineStore.from_workspace(workspace)
    half = trades["booking_ts"].quantile(0.5)
    first = materialize_features(data, offline, online, end=half)
    second = materialize_features(data, offline, online)
    assert all(r.high_water_mark == half for r in first)
    assert sum(r.rows for r in second) > 0
    for name in FEATURE_VIEWS:
        report = check_online_offline(name, offline, online)
        assert report.ok, (name, report.mismatches)

    skew = check_request_path(data, OnlineStore(tmp_path / "serving.db"), cutoff=trades["booking_ts"].quantile(0.6),
                              max_events=25)
    assert skew.ok and skew.n_compared > 25 * 20, skew.summary()


def test_anomalies_move_their_features_in_the_expected_direction():
    ref = make_reference_data(3)
    prices = make_prices(ref, n_days=8, seed=3)
    trades = make_trades(ref, prices, 4_000, seed=3, anomaly_rate=0.05)
    f = build_trade_features(trades, ref, prices)
    by_type = trades["anomaly_type"]
    normal = f[~trades["is_anomaly"]]

    def median(mask: pd.Series, col: str) -> float:
        return float(f.loc[mask.fillna(False).to_numpy(), col].median())

    assert median(by_type == "off_market_price", "abs_price_deviation_bps") > 5 * normal["abs_price_deviation_bps"].median()
    assert median(by_type == "off_hours", "off_hours") == 1.0
    assert median(by_type == "late_booking", "booking_delay_sla_ratio") > 1.0
    assert median(by_type == "fat_finger", "notional_zscore_7d") > 3.0
    assert median(by_type == "duplicate_booking", "duplicate_prior_bookings_1d") >= 1.0
    assert normal["duplicate_prior_bookings_1d"].mean() < 0.05  # amends may repeat economics
    assert f.loc[(by_type == "wash_trade").fillna(False).to_numpy(), "opposite_side_matches_1h"].mean() >= 0.4
    assert median(by_type == "large_new_counterparty", "counterparty_age_days") <= 30
