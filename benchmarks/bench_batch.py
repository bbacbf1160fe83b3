"""Benchmark: batch scoring throughput, pandas engine versus Spark ``local[N]``, with peak memory.

For each size N the script generates one business day of N trade events (seeded), lays them out
in the date-partitioned store, trains and promotes a small ``@champion`` once, then runs the whole
job — read partitions, features, point-in-time pair history, model, decisions parquet, audit record
— with each engine. Trades per second = trades scored / wall time of ``run_batch``; the Spark
session is started once per size beforehand and its start-up time is printed separately (every
real run pays it once).

Usage::

    .venv/bin/python benchmarks/bench_batch.py [--sizes 1000000,10000000] [--repeats 3]
                                               [--engines pandas,spark] [--master local[2]]

Times are medians of ``--repeats`` runs. Peak memory is the peak resident set size of the whole
process tree during a run (driver, plus the JVM and Python workers for Spark), sampled every
0.1 s: tracemalloc cannot see the JVM or the worker processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from reference_impl.batch import run_batch, spark_session
from reference_impl.batch.demo import promote_champion, write_small_dataset
from reference_impl.batch.job import ingest_trades, list_partitions, trade_store_dir
from reference_impl.data import load_dataset
from reference_impl.workspace import Workspace


class PeakRss:
    """Sample the RSS of this process and all its descendants in a thread; ``peak`` in bytes."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def setup(root: Path, n_trades: int, seed: int) -> tuple[Workspace, dt.date]:
    """One day of ``n_trades`` events in a fresh workspace, plus a promoted champion."""
    ws = Workspace(root / f"ws-{n_trades}")
    t0 = time.perf_counter()
    data_dir = write_small_dataset(ws.data_dir, n_trades=n_trades, n_days=1, seed=seed)
    ingest_trades(load_dataset(data_dir, tables=["trades"])["trades"], trade_store_dir(ws))
    partitions = list_partitions(trade_store_dir(ws))
    trades = load_dataset(data_dir, tables=["trades"])["trades"]
    day = trades["booking_ts"].dt.date.value_counts().idxmax()
    del trades
    promote_champion(ws)
    print(f"# N={n_trades:,}: data, store and champion in {time.perf_counter() - t0:.0f} s; scoring {day} "
          f"({len(partitions)} partitions)", file=sys.stderr, flush=True)
    return ws, day


def measure(fn, repeats: int) -> tuple[float, int, int]:
    """(median seconds, peak RSS bytes over all runs, rows) of ``fn()``."""
    times, peak, rows = [], 0, 0
    for _ in range(repeats):
        with PeakRss() as rss:
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        peak, rows = max(peak, rss.peak), result.rows
    return statistics.median(times), peak, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated trade counts")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engines", default="pandas,spark")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    engines = [e for e in args.engines.split(",") if e]
    rows_out = []
    with tempfile.TemporaryDirectory(prefix="ibml-bench-batch-") as tmp:
        for n in sizes:
            ws, day = setup(Path(tmp), n, args.seed)
            baseline = None
            for engine in engines:
                if engine == "pandas":
                    sec, peak, rows = measure(lambda: run_batch(day, engine="pandas", workspace=ws), args.repeats)
                    startup = 0.0
                else:
                    t0 = time.perf_counter()
                    with spark_session(args.master, app_name="ibml-bench") as spark:
                        startup = time.perf_counter() - t0
                        sec, peak, rows = measure(lambda: run_batch(day, engine="spark", workspace=ws, spark=spark),
                                                  args.repeats)
                baseline = baseline or sec
                label = "pandas" if engine == "pandas" else f"spark {args.master}"
                rows_out.append((n, label, rows, sec, rows / sec, sec / baseline, peak / 2**20, startup))
    print("| trades in day | engine | scored | median s | trades/s | vs first | peak RSS MiB | session start s |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n, label, rows, sec, tps, ratio, mib, startup in rows_out:
        print(f"| {n:,} | {label} | {rows:,} | {sec:.1f} | {tps:,.0f} | {ratio:.2f}x | {mib:,.0f} | "
              f"{startup:.1f} |" if startup else f"| {n:,} | {label} | {rows:,} | {sec:.1f} | {tps:,.0f} | {ratio:.2f}x | {mib:,.0f} | - |")
    print(f"\nrepeats={args.repeats} (median); machine: {psutil.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.1f}' for x in psutil.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
