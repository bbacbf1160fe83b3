"""Generated trades for the lab (provided): ``reference_impl.data``, seeded, small, built once per process.

The lab is not about generating data: reference data, hourly prices and a few thousand trade-capture
events with planted anomalies (``is_anomaly``, ``anomaly_type``: fat fingers, off-market prices,
off-hours trades, large trades with new counterparties, wash trades, duplicates, late bookings).
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from reference_impl.data import make_prices, make_reference_data, make_trades

#: Share of planted anomalies (the generator's default is 0.7 %; 2 % gives a test window enough of them).
ANOMALY_RATE = 0.02


@cache
def lab_dataset(n_trades: int = 4000, seed: int = 11) -> dict[str, pd.DataFrame]:
    """``{"ref": {...tables}, "prices": ..., "trades": ...}`` over 10 business days (cached: treat as read-only)."""
    ref = make_reference_data(seed)
    prices = make_prices(ref, n_days=10, seed=seed, step_minutes=60)
    trades = make_trades(ref, prices, n_trades=n_trades, seed=seed, anomaly_rate=ANOMALY_RATE)
    return {"ref": ref, "prices": prices, "trades": trades}


def time_split(trades: pd.DataFrame, train_share: float = 0.6) -> tuple[pd.Series, pd.Series]:
    """Boolean masks (train, test): the first ``train_share`` of trades by ``booking_ts``, then the rest.

    A time split, not a random one: the detector is fitted on the past and judged on what came after.
    """
    cut = trades["booking_ts"].sort_values().iloc[int(len(trades) * train_share)]
    train = trades["booking_ts"] < cut
    return train, ~train


__all__ = ["ANOMALY_RATE", "lab_dataset", "time_split"]
