"""Evidently's side of ``bench_drift.py``; run with a separate venv's python (evidently==0.7.23, pandas<3).

Usage: ``/tmp/evvenv/bin/python benchmarks/bench_drift_evidently.py reference.parquet current.parquet``.
Prints one JSON line: seconds for ``Report([DataDriftPreset()]).run(...)`` plus ``snapshot.dict()``
(what a user does to read the results), peak RSS and the columns Evidently flags. A column is flagged
when its ValueDrift result crosses the method's threshold: distance methods drift at ``value >=
threshold``, p-value methods at ``value <= threshold`` (KS; chi-squared uses ``<``, equal at this size).
"""

from __future__ import annotations

import json
import resource
import sys
import time
import warnings

import pandas as pd


def main(ref_path: str, cur_path: str) -> int:
    warnings.filterwarnings("ignore")
    from evidently import Report
    from evidently.presets import DataDriftPreset

    ref, cur = pd.read_parquet(ref_path), pd.read_parquet(cur_path)
    start, cpu = time.perf_counter(), time.process_time()
    snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
    result = snapshot.dict()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    flagged = []
    for metric in result["metrics"]:
        config = metric["config"]
        if not config["type"].endswith("ValueDrift"):
            continue
        value, threshold = float(metric["value"]), float(config["threshold"])
        is_p_value = "p_value" in config["method"]
        if (value <= threshold) if is_p_value else (value >= threshold):
            flagged.append(config["column"])
    print(json.dumps({
        "tool": f"evidently {__import__('evidently').__version__} DataDriftPreset",
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "flagged": flagged,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
