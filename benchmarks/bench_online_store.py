"""Benchmark: online-store read latency (p50/p99) for 1 and 100 keys, and the request-time feature path.

Usage::

    .venv/bin/python benchmarks/bench_online_store.py [--keys 100000] [--reads 2000]

The store holds ``--keys`` entities of the ``trade_features`` view (23 float features each) in SQLite.
Each read opens the file, fetches the rows and decodes them (what one API request does). The request
path row times ``request_features_from_store`` for one event (two online reads + the batch transforms).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from reference_impl.data import make_prices, make_reference_data, make_trades
from reference_impl.features import (
    OnlineStore,
    build_view_rows,
    counterparty_pair_activity,
    request_features_from_store,
    trade_features,
    trader_history,
)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ms = np.asarray(samples) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def synthetic_rows(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.to_datetime(pd.Timestamp("2026-01-05", tz="UTC").value + rng.integers(0, 86_400 * 10**9 * 20, n), utc=True)
    rows = pd.DataFrame({"trade_id": pd.array([f"T{i:08d}" for i in range(n)], dtype="str"),
                         "event_ts": ts, "available_at": ts})
    for name in trade_features.feature_names:
        rows[name] = rng.normal(size=n)
    return rows


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        store = OnlineStore(Path(tmp) / "online.db")
        rows = synthetic_rows(args.keys)
        t0 = time.perf_counter()
        store.materialize(trade_features, rows)
        print(f"materialised {args.keys:,} keys x {len(trade_features.schema)} features "
              f"in {time.perf_counter() - t0:.1f}s")
        ids = rows["trade_id"].to_numpy()
        now = rows["available_at"].max()
        one = timed(lambda: store.read(trade_features, [ids[rng.integers(len(ids))]], now=now), args.reads)
        hundred = timed(lambda: store.read(trade_features, list(ids[rng.integers(0, len(ids), 100)]), now=now),
                        max(50, args.reads // 5))

        ref = make_reference_data(7)
        prices = make_prices(ref, n_days=8, seed=7)
        trades = make_trades(ref, prices, 5_000, seed=7)
        data = {**ref, "prices": prices, "trades": trades}
        cut = trades["booking_ts"].iloc[4_000]
        before = {**data, "trades": trades[trades["booking_ts"] <= cut]}
        serving = OnlineStore(Path(tmp) / "serving.db")
        for view in (trader_history, counterparty_pair_activity):
            serving.materialize(view, build_view_rows(view, before))
        events = [trades.iloc[[i]] for i in range(4_001, 4_201)]
        request = []
        for event in events:
            t0 = time.perf_counter()
            request_features_from_store(event, serving, ref, float(event["price"].iloc[0]))
            request.append(time.perf_counter() - t0)

    print(f"{'operation':<48}{'p50 ms':>9}{'p99 ms':>9}")
    for label, samples in ((f"online read, 1 key ({len(one)} reads)", one),
                           (f"online read, 100 keys ({len(hundred)} reads)", hundred),
                           (f"request-time features, 1 event ({len(request)})", request)):
        p50, p99 = percentiles(samples)
        print(f"{label:<48}{p50:>9.2f}{p99:>9.2f}")


if __name__ == "__main__":
    main()
