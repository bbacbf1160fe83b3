"""Trade scoring speed: the flat-array forest against scikit-learn, and the whole decision path.

Sections (medians over repeats, ratios computed in this process, so machine load hits both sides):

1. one row: ``FastForestScorer.score_samples`` vs ``IsolationForest.score_samples`` (+ max score difference);
2. 100,000 rows: the same two;
3. end to end: trades -> ``build_trade_features`` -> rules + model + SHAP reason codes for the flagged rows,
   in trades per second (``--e2e-trades``; the default 1,000,000 needs ~3 GB and a few minutes; on a loaded
   machine run 200,000 and say so);
4. reason codes for one event: p50 of ``TradeAnomalyDetector.decide`` on one flagged row and of the SHAP
   step alone.

Goals (issue 5): >= 50x faster than scikit-learn on one row, no slower on 100,000 rows, max |diff| <= 1e-9::

    .venv/bin/python benchmarks/bench_scoring.py                      # full size
    .venv/bin/python benchmarks/bench_scoring.py --e2e-trades 200000  # loaded machine
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Callable

import numpy as np

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn`` over ``repeats`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds:8.2f} s "


def bench_forest(n_train: int, n_batch: int, repeats: int, seed: int) -> None:
    from reference_impl.anomaly import FastForestScorer, IsolationForestDetector

    rng = np.random.default_rng(seed)
    n_features = 15  # as many as the trade model uses
    X_train = rng.normal(size=(n_train, n_features))
    est = IsolationForestDetector(n_estimators=100, random_state=seed).fit(X_train)
    sk, fast = est.forest_, FastForestScorer.from_estimator(est)
    one = rng.normal(size=(1, n_features))
    batch = rng.normal(size=(n_batch, n_features)) * 1.5

    print(f"IsolationForest: 100 trees, max_samples=256, {n_features} features (scikit-learn vs flat arrays)")
    print(f"{'case':<22}{'scikit-learn':>14}{'fast':>14}{'speed-up':>11}{'max |diff|':>13}")
    for label, X, reps in (("1 row", one, repeats * 10), (f"{n_batch:,} rows", batch, repeats)):
        t_sk = median_seconds(lambda: sk.score_samples(X), reps)
        t_fast = median_seconds(lambda: fast.score_samples(X), reps)
        diff = float(np.max(np.abs(fast.score_samples(X) - sk.score_samples(X))))
        print(f"{label:<22}{fmt(t_sk):>14}{fmt(t_fast):>14}{t_sk / t_fast:>10.1f}x{diff:>13.1e}")


def bench_end_to_end(n_trades: int, seed: int) -> None:
    from reference_impl import data
    from reference_impl.anomaly import TradeAnomalyDetector
    from reference_impl.features import build_trade_features

    n_days = max(20, n_trades // 10_000)
    ref = data.make_reference_data(seed=seed)
    prices = data.make_prices(ref, n_days=n_days, seed=seed)
    t0 = time.perf_counter()
    trades = data.make_trades(ref, prices, n_trades=n_trades, seed=seed)
    t_gen = time.perf_counter() - t0

    t0 = time.perf_counter()
    features = build_trade_features(trades, ref, prices)
    t_feat = time.perf_counter() - t0
    # fit on the first tenth by booking time (same trading density as the scored flow), not timed
    detector = TradeAnomalyDetector(n_estimators=100, contamination=0.01, random_state=seed).fit(
        features.iloc[: max(len(features) // 10, 1000)]
    )
    t0 = time.perf_counter()
    decisions = detector.decide(features)
    t_decide = time.perf_counter() - t0
    n_flagged = sum(d.flagged for d in decisions)
    total = t_feat + t_decide
    print(f"\nEnd to end, {n_trades:,} trades over {n_days} days (generation {t_gen:.1f} s, not counted):")
    print(f"  features {t_feat:7.2f} s | rules + model + reason codes {t_decide:7.2f} s | {n_flagged:,} flagged "
          f"({n_flagged / n_trades:.2%})")
    print(f"  throughput: {n_trades / total:,.0f} trades/s (decide alone: {n_trades / t_decide:,.0f} trades/s)")

    flagged_row = next(i for i, d in enumerate(decisions) if d.flagged and d.score is not None and d.score >= d.threshold)
    one = features.iloc[[flagged_row]]
    x = one[detector.features_].fillna(0.0).to_numpy()
    t_decide_one = median_seconds(lambda: detector.decide(one), 50)
    t_shap_one = median_seconds(lambda: detector.explainer_.reasons(x, 4), 50)
    print("\nReason codes for one flagged event (p50 of 50):")
    print(f"  decide(one row): {fmt(t_decide_one)} | SHAP reason codes alone: {fmt(t_shap_one)}")
    print(f"  reasons: {[r['code'] for r in decisions[flagged_row].reasons]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=100_000, help="rows in the batch comparison")
    parser.add_argument("--e2e-trades", type=int, default=1_000_000, help="trades in the end-to-end run (0: skip)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    bench_forest(n_train=20_000, n_batch=args.batch, repeats=args.repeats, seed=args.seed)
    if args.e2e_trades:
        bench_end_to_end(args.e2e_trades, seed=args.seed)


if __name__ == "__main__":
    main()
