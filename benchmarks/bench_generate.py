"""Benchmark: generate >= 1,000,000 trade events (median of several runs, peak memory).

Each run happens in a fresh subprocess so that ``ru_maxrss`` is that run's peak resident memory.
Usage::

    .venv/bin/python benchmarks/bench_generate.py [--n-trades 1000000] [--runs 3] [--write]

``--write`` also times writing the parquet file. Target: < 15 s per 1M events on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time, tempfile, pathlib
t0 = time.perf_counter()
from reference_impl.data import make_prices, make_reference_data, make_trades
from reference_impl.data.io import write_table
n, write = int(sys.argv[1]), sys.argv[2] == "1"
t_import = time.perf_counter() - t0
t0 = time.perf_counter()
ref = make_reference_data(42)
prices = make_prices(ref, n_days=60, seed=42)
t_prices = time.perf_counter() - t0
t0 = time.perf_counter()
trades = make_trades(ref, prices, n_trades=n, seed=42)
t_trades = time.perf_counter() - t0
t_write = 0.0
if write:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_table(trades, pathlib.Path(tmp) / "trades.parquet")
    t_write = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": len(trades), "prices_rows": len(prices), "prices_s": t_prices, "trades_s": t_trades,
                  "write_s": t_write, "peak_mb": rss}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trades", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="also time writing trades.parquet")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    results = []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, "-c", CHILD, str(args.n_trades), "1" if args.write else "0"],
                             check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in results) for k in ("prices_s", "trades_s", "write_s", "peak_mb")}
    print(f"generate {results[0]['rows']:,} trade events ({results[0]['prices_rows']:,} price rows), "
          f"median of {args.runs} runs, one process each")
    print(f"{'stage':<22}{'median s':>10}{'min s':>10}{'max s':>10}")
    for key, label in (("prices_s", "reference + prices"), ("trades_s", "trades"), ("write_s", "write parquet")):
        if key == "write_s" and not args.write:
            continue
        values = [r[key] for r in results]
        print(f"{label:<22}{med[key]:>10.2f}{min(values):>10.2f}{max(values):>10.2f}")
    total = med["prices_s"] + med["trades_s"] + med["write_s"]
    print(f"{'total':<22}{total:>10.2f}")
    print(f"peak RSS (median)     {med['peak_mb']:>10.0f} MB")
    print(f"events per second     {results[0]['rows'] / med['trades_s']:>10,.0f}")
    print(f"load average (1 min)  {load_before:>10.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
