"""Time ``make book`` (the course as a static site) against copying its sources.

Three steps, each ``--runs`` times, medians reported:

* **copy** (the baseline): copy every file ``book/toc.toml`` names into a scratch directory -- the least any
  build must do;
* **stage**: what ``book/build.py`` does before Sphinx (copy, rewrite links that leave the book, add each
  exercise's graded hints), in a fresh interpreter, so importing the exercise modules is counted;
* **build**: the whole ``python book/build.py`` into a scratch directory (stage + a full Sphinx HTML build,
  notebooks rendered from their stored outputs, never executed) -- what ``make book`` and the browser test pay.

Usage::

    python benchmarks/bench_book.py            # median of three
    python benchmarks/bench_book.py --runs 5
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = REPO / "book" / "build.py"


def _book_build():
    spec = importlib.util.spec_from_file_location("book_build", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def time_copy(files: list[str], scratch: Path) -> float:
    target = scratch / "copy"
    start = time.perf_counter()
    for rel in files:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, target / rel)
    elapsed = time.perf_counter() - start
    shutil.rmtree(target)
    return elapsed


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_stage(scratch: Path) -> tuple[float, float]:
    target = scratch / "stage"
    target.mkdir()
    code = (
        "import importlib.util, sys; from pathlib import Path;"
        f"spec = importlib.util.spec_from_file_location('book_build', {str(BUILD_SCRIPT)!r});"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m);"
        "m.stage_sources(Path(sys.argv[1]))"
    )
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, "-c", code, str(target)], cwd=REPO, check=True)
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - cpu
    shutil.rmtree(target)
    return elapsed, cpu


def time_build(scratch: Path) -> tuple[float, float]:
    start, cpu = time.perf_counter(), _children_cpu()
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--out", str(scratch / "html"), "--stage", str(scratch / "src")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if result.returncode != 0:
        raise SystemExit(f"book build failed:\n{result.stdout}{result.stderr}")
    shutil.rmtree(scratch / "html")
    shutil.rmtree(scratch / "src")
    return elapsed, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per step; the median is reported (default 3)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    book = _book_build()
    missing = [name for name in book.NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        print(f"{', '.join(missing)} not installed: install the book extra (pip install -e '.[book]')", file=sys.stderr)
        return 2
    parts = book.toc_parts()
    files = [f for _, names in parts for f in names]
    notebooks = sum(f.endswith(".ipynb") for f in files)
    size_mb = sum((REPO / f).stat().st_size for f in files) / 1e6
    with tempfile.TemporaryDirectory(prefix="bench-book-") as tmp:
        scratch = Path(tmp)
        copy = [time_copy(files, scratch) for _ in range(args.runs)]
        stage = [time_stage(scratch) for _ in range(args.runs)]
        build = [time_build(scratch) for _ in range(args.runs)]
    c = statistics.median(copy)
    s, s_cpu = (statistics.median(x) for x in zip(*stage))
    b, b_cpu = (statistics.median(x) for x in zip(*build))
    print(f"book: {len(files) + 1} pages from {len(files)} sources ({notebooks} notebooks, {size_mb:.1f} MB), "
          f"median of {args.runs}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'step':<8}{'wall s':>9}{'CPU s':>9}{'wall vs copy':>14}")
    print(f"{'copy':<8}{c:>9.3f}{'':>9}{1.0:>13.0f}x")
    print(f"{'stage':<8}{s:>9.1f}{s_cpu:>9.1f}{s / c:>13.0f}x   (copy + links + hints: importing the exercise modules)")
    print(f"{'build':<8}{b:>9.1f}{b_cpu:>9.1f}{b / c:>13.0f}x   (stage + Sphinx: what make book costs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
