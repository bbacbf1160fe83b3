"""``ibml lab check <id> --solution`` wall time per lab, beside a bare ``pytest`` run of the same assembled project.

Target (issue 19): under 60 s per finished lab on two cores. The baseline is plain ``python -m pytest -q`` in the
same assembled directory with the same plugins (so the ratio shows the framework's own cost: assembly, the
results plugin, classification). Median of ``--repeat`` runs (default 3).

    .venv/bin/python benchmarks/bench_lab_check.py [--repeat 3] [LAB ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reference_impl.labs import assemble, discover, get_lab
from reference_impl.labs.check import export_plugins

BIN = Path(sys.executable).parent


def time_check(lab_id: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "ibml"), "lab", "check", lab_id, "--solution"], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"ibml lab check {lab_id} --solution failed:\n{done.stdout}{done.stderr}")
    return seconds


def time_bare_pytest(lab_id: str) -> float:
    lab = get_lab(lab_id)
    plugins = [arg for module in export_plugins(lab) for arg in ("-p", module)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        project = assemble(lab, Path(tmp) / lab.package, solution=True)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugins],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bare pytest on the {lab_id} solution failed:\n{done.stdout[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", help="lab ids (default: every lab)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lab_ids = args.labs or [lab.id for lab in discover()]
    print(f"cores: {os.cpu_count()}, repeats: {args.repeat}, load average: {os.getloadavg()[0]:.1f}")
    print("| lab | `ibml lab check --solution` median s | bare `pytest` median s | ratio | < 60 s |")
    print("| --- | ---: | ---: | ---: | --- |")
    for lab_id in lab_ids:
        check = statistics.median(time_check(lab_id) for _ in range(args.repeat))
        bare = statistics.median(time_bare_pytest(lab_id) for _ in range(args.repeat))
        print(
            f"| {lab_id} | {check:.1f} | {bare:.1f} | {check / bare:.2f} | {'yes' if check < 60 else 'NO'} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
