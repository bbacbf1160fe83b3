"""Time every course notebook against the 45 s execution budget.

Each ``notebooks/week*.ipynb`` (then each ``appendix_*.ipynb``) is executed in a fresh kernel, in memory (the file is not rewritten), ``--runs``
times; the table shows the median wall time per notebook and the total. Kernel start-up is included, since a
learner pays it too.

Usage::

    python benchmarks/bench_notebooks.py                 # every notebook once
    python benchmarks/bench_notebooks.py --runs 3        # median of three runs
    python benchmarks/bench_notebooks.py notebooks/week02_ml_vocabulary.ipynb --strict   # exit 1 if over budget
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from reference_impl.notebook_tools import execute_notebook  # noqa: E402

BUDGET_S = 45.0


def notebook_paths(paths: list[str]) -> list[Path]:
    """Expand directories to their week notebooks, then their appendices (sorted); keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend([*sorted(p.glob("week*.ipynb")), *sorted(p.glob("appendix_*.ipynb"))] if p.is_dir() else [p])
    return out


def time_notebook(path: Path, runs: int, timeout: int) -> float:
    """Median seconds to execute ``path`` top to bottom in a fresh kernel."""
    times = []
    for _ in range(runs):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        execute_notebook(nb, path.parent.resolve(), timeout)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(REPO / "notebooks")], help="notebooks or directories")
    parser.add_argument("--runs", type=int, default=1, help="runs per notebook; the median is reported (default 1)")
    parser.add_argument("--timeout", type=int, default=300, help="per-cell timeout in seconds (default 300)")
    parser.add_argument("--budget", type=float, default=BUDGET_S, help=f"seconds per notebook (default {BUDGET_S:g})")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a notebook is over budget")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")

    paths = notebook_paths(args.paths)
    if not paths:
        print("no week*.ipynb or appendix_*.ipynb notebooks found", file=sys.stderr)
        return 2
    print(f"{'notebook':<40} {'median s':>9} {'budget s':>9}  status   (runs={args.runs})")
    total, over = 0.0, 0
    for path in paths:
        secs = time_notebook(path, args.runs, args.timeout)
        total += secs
        ok = secs <= args.budget
        over += not ok
        print(f"{path.name:<40} {secs:>9.1f} {args.budget:>9.0f}  {'ok' if ok else 'OVER'}", flush=True)
    print(f"{'total':<40} {total:>9.1f} {args.budget * len(paths):>9.0f}  "
          f"{len(paths) - over}/{len(paths)} within budget")
    return 1 if (over and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
