"""Drift over 20 features x 1,000,000 rows: ibml's drift pass vs Evidently's data-drift preset.

The reference and current frames (five features shifted, fifteen not) are generated once and written
to parquet; each tool then runs in its own subprocess, reading the same files, so peak memory (max
RSS) is measured per tool and neither pays for the other. Evidently 0.7.23 does not import with
pandas 3, so its side runs in a separate virtualenv given with ``--evidently-python``::

    python3.11 -m venv /tmp/evvenv && /tmp/evvenv/bin/pip install evidently==0.7.23 'pandas<3' pyarrow
    .venv/bin/python benchmarks/bench_drift.py --evidently-python /tmp/evvenv/bin/python
    .venv/bin/python benchmarks/bench_drift.py --rows 250000          # ibml only, quarter size

Goal: at least 10x faster than Evidently with the same five features flagged and no others.
Times are one run each (the Evidently side takes a minute); on a busy machine compare the CPU column.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SHIFTED = ("f00", "f04", "f08", "f12", "f16")


def make_frames(rows: int, n_features: int = 20, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current frames: varied shapes; the five ``SHIFTED`` columns move by >= 0.2 sd."""
    rng = np.random.default_rng(seed)

    def column(i: int, shifted: bool, n: int) -> np.ndarray:
        kind = i % 4
        if kind == 0:   # normal; shift: mean +0.3 sd
            return rng.normal(0.3 if shifted else 0.0, 1.0, n)
        if kind == 1:   # lognormal notional-like; shift: scale x1.4
            return rng.lognormal(12.0, 1.0, n) * (1.4 if shifted else 1.0)
        if kind == 2:   # exponential delay-like; shift: mean x1.5
            return rng.exponential(1.5 if shifted else 1.0, n)
        # discrete counts (many ties, > 5 values); shift: rate 30 -> 33
        return rng.poisson(33 if shifted else 30, n).astype(float)

    names = [f"f{i:02d}" for i in range(n_features)]
    ref = pd.DataFrame({name: column(i, False, rows) for i, name in enumerate(names)})
    cur = pd.DataFrame({name: column(i, name in SHIFTED, rows) for i, name in enumerate(names)})
    return ref, cur


def run_ibml(ref_path: Path, cur_path: Path) -> dict:
    """Child process: load both frames, run :func:`detect_drift`, report time, peak RSS and flags."""
    sys.path.insert(0, str(HERE.parent))
    from reference_impl.monitoring.drift import detect_drift

    ref, cur = pd.read_parquet(ref_path), pd.read_parquet(cur_path)
    start, cpu = time.perf_counter(), time.process_time()
    report = detect_drift(ref, cur)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return {
        "tool": "ibml detect_drift", "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mb": _peak_rss_mb(),
        "flagged": report.drifted_features,
        "ks_p_below_0.05": [f.feature for f in report.features if f.ks_pvalue is not None and f.ks_pvalue < 0.05],
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _child(cmd: list[str]) -> dict:
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true", PYTHONWARNINGS="ignore")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({' '.join(cmd[:2])} ...):\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--evidently-python", default=None, help="python of a venv with evidently==0.7.23 and pandas<3")
    parser.add_argument("--side", choices=["ibml"], default=None, help=argparse.SUPPRESS)
    parser.add_argument("--ref", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cur", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side == "ibml":
        print(json.dumps(run_ibml(args.ref, args.cur)))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-drift-") as tmp:
        ref_path, cur_path = Path(tmp) / "reference.parquet", Path(tmp) / "current.parquet"
        ref, cur = make_frames(args.rows, args.features, args.seed)
        ref.to_parquet(ref_path)
        cur.to_parquet(cur_path)
        del ref, cur
        rows = [_child([sys.executable, __file__, "--side", "ibml", "--ref", str(ref_path), "--cur", str(cur_path)])]
        if args.evidently_python:
            rows.append(_child([args.evidently_python, str(HERE / "bench_drift_evidently.py"), str(ref_path), str(cur_path)]))

    expected = sorted(s for s in SHIFTED if int(s[1:]) < args.features)
    print(f"drift: {args.features} features x {args.rows:,} rows (reference and current), shifted: {', '.join(expected)}")
    print(f"{'tool':<33} {'wall s':>7} {'CPU s':>7} {'peak RSS MB':>12}  {'same 5 flagged, no others':<26} flagged")
    for row in rows:
        ok = "yes" if sorted(row["flagged"]) == expected else "NO"
        print(f"{row['tool']:<33} {row['seconds']:>7.2f} {row['cpu_seconds']:>7.2f} {row['peak_rss_mb']:>12.0f}  "
              f"{ok:<26} {', '.join(sorted(row['flagged']))}")
    if len(rows) == 2:
        print(f"Evidently / ibml: wall {rows[1]['seconds'] / rows[0]['seconds']:.1f}x, CPU {rows[1]['cpu_seconds'] / rows[0]['cpu_seconds']:.1f}x, "
              f"peak RSS {rows[1]['peak_rss_mb'] / rows[0]['peak_rss_mb']:.1f}x (RSS includes the two frames read from parquet)")
    print(f"for contrast, KS p < 0.05 alone would flag: {', '.join(rows[0]['ks_p_below_0.05'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
