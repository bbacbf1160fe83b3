"""The detector's decision path: per-row ``Decision`` objects against the columnar ``decide_frame``.

Sections (medians, ratios computed in this process so machine load hits both sides):

1. ``--rows`` feature rows (default 100,000): the detector output built from per-row decisions
   (``decisions_to_frame(decide(...))``, what the pyfunc did before ``decide_frame``) against
   ``decide_frame``, in rows per second; plus the SHAP step alone on the flagged rows, which both
   paths need for the model reason codes (the floor of the columnar path);
2. small frames, the service's case: ``decide`` and ``evaluate_rules`` on 1 and 8 rows (median µs).

Usage::

    .venv/bin/python benchmarks/bench_decide.py [--rows 100000] [--repeats 3] [--small-repeats 300]

On a checkout older than ``decide_frame`` the script still runs: section 1 then times the per-row path
only (through ``predict_frame``), which is how the "before" numbers in docs/benchmarks.md were taken.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from bench_scoring import median_seconds  # same directory: scripts run as `python benchmarks/...`

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def make_detector(n_rows: int, seed: int):
    """(features of about ``n_rows`` trades, detector fitted on the first tenth) — as bench_scoring does."""
    from reference_impl import data
    from reference_impl.anomaly import TradeAnomalyDetector
    from reference_impl.features import build_trade_features

    ref = data.make_reference_data(seed=seed)
    prices = data.make_prices(ref, n_days=max(20, n_rows // 10_000), seed=seed)
    trades = data.make_trades(ref, prices, n_trades=n_rows, seed=seed)
    features = build_trade_features(trades, ref, prices)
    detector = TradeAnomalyDetector(n_estimators=100, contamination=0.01, random_state=seed).fit(
        features.iloc[: max(len(features) // 10, 1000)]
    )
    return features, detector


def bench_large(features, detector, repeats: int) -> None:
    from reference_impl.lifecycle import pyfunc

    n = len(features)
    if hasattr(pyfunc, "decisions_to_frame"):
        per_row = lambda: pyfunc.decisions_to_frame(detector.decide(features))  # noqa: E731
    else:  # an older checkout: predict_frame itself is the per-row path
        per_row = lambda: pyfunc.predict_frame("detector", detector, features)  # noqa: E731
    t_row = median_seconds(per_row, repeats)
    flagged = np.flatnonzero(per_row()["flagged"].to_numpy())
    names = getattr(detector, "features_", None) or detector.feature_names  # feature_names: before issue 15
    X = features[names].to_numpy(dtype=np.float64)
    X = np.where(np.isnan(X), detector.medians_, X)[flagged]
    t_shap = median_seconds(lambda: detector.explainer_.reasons(X, detector.max_reasons), repeats)
    print(f"{n:,} feature rows, {flagged.size:,} flagged ({flagged.size / n:.2%}); median of {repeats}")
    print(f"{'path':<44}{'median s':>10}{'rows/s':>12}")
    print(f"{'per-row Decision objects -> frame':<44}{t_row:>10.2f}{n / t_row:>12,.0f}")
    if hasattr(detector, "decide_frame"):
        t_col = median_seconds(lambda: detector.decide_frame(features), repeats)
        print(f"{'decide_frame (columnar)':<44}{t_col:>10.2f}{n / t_col:>12,.0f}")
        print(f"{'  of which SHAP on the flagged rows':<44}{t_shap:>10.2f}")
        print(f"ratio per-row / columnar: {t_row / t_col:.2f}x; without SHAP (both need it): "
              f"{(t_row - t_shap) / max(t_col - t_shap, 1e-9):.1f}x")
    else:
        print(f"{'  of which SHAP on the flagged rows':<44}{t_shap:>10.2f}")


def bench_small(features, detector, repeats: int) -> None:
    from reference_impl.anomaly import DEFAULT_RULESET, evaluate_rules

    # quiet rows (the common case); the 8-row frame is one trader's burst, as a micro-batch would hold
    one = features.iloc[[0]]
    eight = features.iloc[100:108]
    print(f"\nsmall frames (median of {repeats}, µs)")
    print(f"{'call':<28}{'1 row':>10}{'8 rows':>10}{'8 rows per row':>16}")
    for label, fn in (("decide", detector.decide), ("evaluate_rules", lambda f: evaluate_rules(DEFAULT_RULESET, f))):
        t1 = median_seconds(lambda: fn(one), repeats) * 1e6
        t8 = median_seconds(lambda: fn(eight), repeats) * 1e6
        print(f"{label:<28}{t1:>10.0f}{t8:>10.0f}{t8 / 8:>16.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--small-repeats", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    features, detector = make_detector(args.rows, args.seed)
    bench_large(features, detector, args.repeats)
    bench_small(features, detector, args.small_repeats)
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
