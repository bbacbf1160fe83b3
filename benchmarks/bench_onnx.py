"""The exported ONNX forest beside scikit-learn and the fast flat-array scorer, in the same run.

Same forest as ``bench_scoring.py`` (100 trees, max_samples=256, 15 features like the trade model), four ways:
scikit-learn's ``IsolationForest.score_samples`` (the baseline), ``FastForestScorer.score_samples`` (what the
service runs), and ``OnnxForestScorer.score_samples`` on the two exported graphs: ``skl2onnx`` (the converter's,
~27 nodes a tree) and ``folded`` (one tree-ensemble node; see ``reference_impl/anomaly/onnx_export.py``). The ONNX
columns are what a JVM service embedding ``detector.onnx`` through ``ai.onnxruntime`` runs: the Java API calls the
same C++ kernels, minus Python's call overhead, plus the JNI one.

Medians over repeats; every ratio is scikit-learn's time over that column's, computed in this process so machine
load hits all four. onnxruntime runs with one intra-op thread, like the other two; ``--ort-threads 2`` shows what a
second core buys on the big batch. ``max |Δ|`` is the largest score difference of each graph against the fast
scorer (the parity the unit test bounds at 1e-6). The last lines give each graph's size and session start-up::

    .venv/bin/python benchmarks/bench_onnx.py
    .venv/bin/python benchmarks/bench_onnx.py --repeats 5 --ort-threads 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=20_000)
    parser.add_argument("--n-batch", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=10, help="repeats for the batch (x100 for one row)")
    parser.add_argument("--ort-threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import onnxruntime
    import skl2onnx

    from reference_impl.anomaly import FastForestScorer, IsolationForestDetector
    from reference_impl.anomaly.onnx_export import GRAPHS, OnnxForestScorer, to_onnx_bytes

    rng = np.random.default_rng(args.seed)
    n_features = 15
    X_train = rng.normal(size=(args.n_train, n_features))
    est = IsolationForestDetector(n_estimators=100, random_state=args.seed).fit(X_train)
    sk, fast = est.forest_, FastForestScorer.from_estimator(est)
    graphs, start_up, scorers = {}, {}, {}
    for graph in GRAPHS:
        graphs[graph] = to_onnx_bytes(est, graph=graph)
        start_up[graph] = median_seconds(
            lambda g=graph: OnnxForestScorer(graphs[g], intra_op_threads=args.ort_threads), 5
        )
        scorers[graph] = OnnxForestScorer(graphs[graph], intra_op_threads=args.ort_threads)
    one = rng.normal(size=(1, n_features))
    batch = rng.normal(size=(args.n_batch, n_features)) * 1.5

    print(f"cores: {os.cpu_count()}, load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"IsolationForest: 100 trees, max_samples=256, {n_features} features; skl2onnx {skl2onnx.__version__}, "
        f"onnxruntime {onnxruntime.__version__}, {args.ort_threads} onnxruntime thread(s)\n"
    )
    header = f"{'case':<14}{'scikit-learn':>14}{'fast':>13}{'onnx skl2onnx':>15}{'onnx folded':>13}"
    print(header + f"{'sk/fast':>9}{'sk/skl2onnx':>13}{'sk/folded':>11}{'max |Δ| skl2onnx, folded':>27}")
    for label, X, reps in (("1 row", one, args.repeats * 100), (f"{args.n_batch:,} rows", batch, args.repeats)):
        t_sk = median_seconds(lambda X=X: sk.score_samples(X), reps)
        t_fast = median_seconds(lambda X=X: fast.score_samples(X), reps)
        t_ort = {g: median_seconds(lambda X=X, g=g: scorers[g].score_samples(X), reps) for g in GRAPHS}
        reference = fast.score_samples(X)
        diff = {g: float(np.max(np.abs(scorers[g].score_samples(X) - reference))) for g in GRAPHS}
        print(
            f"{label:<14}{fmt(t_sk):>14}{fmt(t_fast):>13}{fmt(t_ort['skl2onnx']):>15}{fmt(t_ort['folded']):>13}"
            f"{t_sk / t_fast:>8.1f}x{t_sk / t_ort['skl2onnx']:>12.1f}x{t_sk / t_ort['folded']:>10.1f}x"
            f"{diff['skl2onnx']:>18.1e}, {diff['folded']:.1e}"
        )
    print()
    for graph in GRAPHS:
        import onnx

        n_nodes = len(onnx.load_from_string(graphs[graph]).graph.node)
        print(
            f"{graph:<9} graph: {len(graphs[graph]) / 1e6:5.2f} MB, {n_nodes:5d} nodes, "
            f"session start-up {fmt(start_up[graph]).strip()} (median of 5)"
        )


if __name__ == "__main__":
    main()
