"""Small, real feature frames for the anomaly tests (built once per module that imports them: ~1 s).

A helper module rather than a conftest.py: a second conftest would shadow tests/conftest.py when a
test imports `shared_dataset` from it.
"""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def trade_data() -> dict:
    from reference_impl import data
    from reference_impl.features import build_trade_features

    ref = data.make_reference_data(seed=3)
    prices = data.make_prices(ref, n_days=15, seed=3)
    trades = data.make_trades(ref, prices, n_trades=3000, seed=3, anomaly_rate=0.03)
    features = build_trade_features(trades, ref, prices)
    cut = trades["booking_ts"].quantile(0.7)
    train = (trades["booking_ts"] < cut).to_numpy()
    return {"trades": trades, "features": features, "train": train}


@pytest.fixture(scope="module")
def fitted(trade_data):
    from reference_impl.anomaly import TradeAnomalyDetector

    return TradeAnomalyDetector(n_estimators=50, contamination=0.02, random_state=0).fit(
        trade_data["features"][trade_data["train"]]
    )


@pytest.fixture
def test_features(trade_data) -> pd.DataFrame:
    return trade_data["features"][~trade_data["train"]].reset_index(drop=True)
