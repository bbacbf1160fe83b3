"""Benchmark: point-in-time join vs a bare ``pandas.merge_asof`` on the same data (time and peak memory).

``merge_asof`` (with the sorts it needs) is the floor: it finds the last row per key at or before each
timestamp, but knows nothing of TTL, of ``available_at`` versus ``event_ts`` (late arrivals) or of
created-timestamp tie-breaks. ``point_in_time_join`` does all three; the target is <= 1.5x its time.

Usage::

    .venv/bin/python benchmarks/bench_point_in_time.py [--entity-rows 1000000] [--feature-rows 10000000]
                                                       [--keys 100000] [--repeats 3] [--late-share 0.05]

Times are medians of ``--repeats`` runs; peak memory is the ``tracemalloc`` peak of one extra run
(numpy/pandas buffers; both methods are measured the same way).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc

import numpy as np
import pandas as pd

from reference_impl.features import point_in_time_join


def make_frames(n_entity: int, n_feature: int, n_keys: int, late_share: float, seed: int = 0):
    """Feature rows with late arrivals and corrections (event-time ties); entity rows at random times."""
    rng = np.random.default_rng(seed)
    names = np.array([f"K{i:07d}" for i in range(n_keys)], dtype=object)
    start = pd.Timestamp("2026-01-01", tz="UTC").value
    span = 365 * 86_400 * 10**9
    event = start + rng.integers(0, span, n_feature)
    keys = rng.integers(0, n_keys, n_feature)
    # 2 % of rows are corrections: same key and event_ts as another row, created later (tie-break)
    n_fix = n_feature // 50
    src, dst = rng.integers(0, n_feature, n_fix), rng.integers(0, n_feature, n_fix)
    event[dst], keys[dst] = event[src], keys[src]
    delay = rng.exponential(60e9, n_feature).astype(np.int64)
    late = rng.random(n_feature) < late_share
    delay[late] += rng.integers(3_600 * 10**9, 5 * 86_400 * 10**9, int(late.sum()))  # late-arriving rows
    features = pd.DataFrame({
        "key": pd.array(names[keys], dtype="str"),
        "event_ts": pd.to_datetime(event, utc=True),
        "available_at": pd.to_datetime(event + delay, utc=True),
        "value": rng.normal(size=n_feature),
    })
    entities = pd.DataFrame({
        "key": pd.array(names[rng.integers(0, n_keys, n_entity)], dtype="str"),
        "event_timestamp": pd.to_datetime(start + rng.integers(0, span, n_entity), utc=True),
    })
    return entities, features


def baseline(entities: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    left = entities.sort_values("event_timestamp")
    right = features.sort_values("available_at")
    return pd.merge_asof(left, right[["key", "available_at", "value"]], left_on="event_timestamp",
                         right_on="available_at", by="key", direction="backward")


def ours(entities: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    return point_in_time_join(entities, features, keys=["key"], features=["value"], ttl=pd.Timedelta(days=30))


def measure(fn, *args, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entity-rows", type=int, default=1_000_000)
    parser.add_argument("--feature-rows", type=int, default=10_000_000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--late-share", type=float, default=0.05)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    t0 = time.perf_counter()
    entities, features = make_frames(args.entity_rows, args.feature_rows, args.keys, args.late_share)
    print(f"data: {len(entities):,} entity rows x {len(features):,} feature rows, {args.keys:,} keys, "
          f"{args.late_share:.0%} late arrivals (built in {time.perf_counter() - t0:.1f}s)")
    base_t, base_m = measure(baseline, entities, features, repeats=args.repeats)
    our_t, our_m = measure(ours, entities, features, repeats=args.repeats)
    print(f"{'method':<44}{'median s':>10}{'peak MiB':>10}")
    print(f"{'pandas.merge_asof (sorts included)':<44}{base_t:>10.2f}{base_m:>10.0f}")
    print(f"{'point_in_time_join (TTL, late rows, ties)':<44}{our_t:>10.2f}{our_m:>10.0f}")
    print(f"ratio: time {our_t / base_t:.2f}x, peak memory {our_m / base_m:.2f}x (target: time <= 1.5x)")


if __name__ == "__main__":
    main()
