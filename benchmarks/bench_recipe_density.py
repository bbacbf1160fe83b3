"""The anomaly recipe's backtest metrics at one day's density, per contamination, against the gate.

Why the batch benchmark trains its champion with contamination 0.01: at 10,000,000 trades in one
day the recipe's 0.02 misses the ``trade-anomaly`` precision minimum. This prints the time to build
the data and features, then, per contamination, the backtest metrics the registry's validation uses
and whether each ``DEFAULT_THRESHOLDS`` minimum holds (the champion-comparison part of the gate
does not apply: the benchmark's workspace has no champion).

Usage::

    .venv/bin/python benchmarks/bench_recipe_density.py --trades 1000000 --contamination 0.02,0.01
    .venv/bin/python benchmarks/bench_recipe_density.py --trades 10000000   # ~12 min, ~12.5 GiB
"""

from __future__ import annotations

import argparse
import sys
import time

from reference_impl.lifecycle import DEFAULT_THRESHOLDS
from reference_impl.lifecycle.recipes import anomaly_data, anomaly_metrics, fit_anomaly, resolve_params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=1_000_000, help="trades in the one training day")
    parser.add_argument("--contamination", default="0.02,0.01", help="comma-separated values to try")
    parser.add_argument("--seed", type=int, default=43, help="43 = the batch benchmark's champion seed")
    args = parser.parse_args(argv)
    rules = DEFAULT_THRESHOLDS["trade-anomaly"]
    t0 = time.perf_counter()
    for i, c in enumerate(float(x) for x in args.contamination.split(",") if x):
        params = resolve_params("anomaly", {"n_trades": args.trades, "n_days": 1, "n_estimators": 20,
                                            "contamination": c})
        d = anomaly_data(args.seed, params)  # memoised: built once for every contamination
        if i == 0:
            print(f"# {args.trades:,} trades in one day, seed {args.seed}: data and features in "
                  f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        feats, train = d["features"], d["train"]
        model, kind = fit_anomaly(feats.loc[train].reset_index(drop=True), args.seed, params)
        m = anomaly_metrics(kind, model, feats.loc[~train].reset_index(drop=True),
                            d["trades"].loc[~train].reset_index(drop=True))
        checks = ", ".join(f"{r.metric} {m[r.metric]:.3f} {'>=' if m[r.metric] >= r.min_value else '<'} "
                           f"{r.min_value}" for r in rules)
        verdict = "passes" if all(m[r.metric] >= r.min_value for r in rules) else "FAILS"
        print(f"contamination {c}: backtest flag rate {m['flag_rate']:.1%}; {checks} -> {verdict}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
