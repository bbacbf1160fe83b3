"""KYC classification speed: batch throughput (documents per second) and single-document latency.

Trains a routed model on generated documents (``--n-train``), then times :meth:`KycModel.decide`
(guards + calibrated classifier + routing) on held-out documents:

* batch: the whole test set in batches of ``--batch`` documents, median of ``--repeats`` passes;
* single: one document per call, ``--single`` calls, p50 and p99 latency;
* the classifier alone (``predict_proba``) on the same batches, so the cost of guards and routing shows.

Usage::

    .venv/bin/python benchmarks/bench_kyc.py                    # 2,000 training documents
    .venv/bin/python benchmarks/bench_kyc.py --n-train 5000 --single 2000

Times are wall clock; the CPU column is process time, which is what to compare on a busy machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _timed(fn) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds, return value) of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=2_000, help="documents generated for train/val/test")
    parser.add_argument("--batch", type=int, default=256, help="documents per batch call")
    parser.add_argument("--repeats", type=int, default=3, help="batch passes (median reported)")
    parser.add_argument("--single", type=int, default=500, help="single-document calls for the latency figures")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from reference_impl.data import make_clients, make_kyc_documents
    from reference_impl.kyc import train_kyc_model

    docs = make_kyc_documents(make_clients(max(50, args.n_train // 10), seed=args.seed), args.n_train, args.seed)
    wall, cpu, result = _timed(lambda: train_kyc_model(docs, seed=args.seed))
    model = result.model
    texts = result.test["text"].astype(str).tolist()
    print(f"trained on {result.model.metadata['n_train']} documents: {wall:.1f} s wall, {cpu:.1f} s CPU; "
          f"test set {len(texts)} documents, mean {np.mean([len(t) for t in texts]):.0f} characters")

    batches = [texts[i:i + args.batch] for i in range(0, len(texts), args.batch)]
    model.decide(batches[0])  # warm-up
    rows = []
    for name, fn in (("decide (guards+model+routing)", lambda b: model.decide(b)),
                     ("classifier predict_proba only", lambda b: model.classifier.predict_proba(b))):
        runs = [_timed(lambda: [fn(b) for b in batches]) for _ in range(args.repeats)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rows.append((name, len(texts) / wall, len(texts) / cpu))
    print(f"\nbatch of {args.batch}, median of {args.repeats} passes over {len(texts)} documents")
    print(f"{'path':<32} {'docs/s (wall)':>14} {'docs/s (CPU)':>14}")
    for name, wall_rate, cpu_rate in rows:
        print(f"{name:<32} {wall_rate:>14,.0f} {cpu_rate:>14,.0f}")

    rng = np.random.default_rng(args.seed)
    picks = rng.integers(0, len(texts), args.single)
    latencies, cpu_start = [], time.process_time()
    for i in picks:
        start = time.perf_counter()
        model.decide([texts[i]])
        latencies.append((time.perf_counter() - start) * 1000)
    cpu_ms = (time.process_time() - cpu_start) / len(picks) * 1000
    lat = np.asarray(latencies)
    print(f"\nsingle document, {args.single} calls: p50 {np.percentile(lat, 50):.2f} ms, "
          f"p99 {np.percentile(lat, 99):.2f} ms, max {lat.max():.2f} ms (wall); mean CPU {cpu_ms:.2f} ms")


if __name__ == "__main__":
    main()
