"""Training + logging + registration of the anomaly model, and what MLflow's requirement inference costs.

Two measurements, each in a fresh temporary workspace (SQLite store, telemetry off):

1. ``ibml train anomaly`` end to end (``train_and_log``): train (data, features, detector fit and
   backtest), log (datasets, metrics, plot, pyfunc model with explicit ``pip_requirements``) and
   register as ``@challenger``; median of ``--repeats`` runs, split by stage.
2. ``log_model`` alone for the same fitted detector, with explicit ``pip_requirements`` (what we
   do) versus ``pip_requirements=None`` (MLflow infers them by importing the model in a subprocess
   and scanning loaded modules); the ratio is the saving.

Usage::

    .venv/bin/python benchmarks/bench_training.py                 # n_trades=6000, 3 repeats
    .venv/bin/python benchmarks/bench_training.py --n-trades 20000 --repeats 5

Wall-clock times on a shared machine are noisy; compare medians and the ratio, not single runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def bench_train_and_log(n_trades: int, repeats: int) -> dict[str, float]:
    from reference_impl.lifecycle import ModelRegistry, train_and_log
    from reference_impl.lifecycle.recipes import clear_data_cache
    from reference_impl.lifecycle.identity import SUBMITTER, enrol_simulated_people
    from reference_impl.workspace import Workspace

    rows: list[dict[str, float]] = []
    for i in range(repeats):
        clear_data_cache()  # each repeat regenerates its data, as a fresh `ibml train` would
        ws = Workspace(Path(tempfile.mkdtemp(prefix="ibml-bench-train-")))
        reg = ModelRegistry(workspace=ws)
        enrol_simulated_people({"bench": [SUBMITTER]}, directory=reg.people)  # a simulated submitter (signs)
        start = time.perf_counter()
        out = train_and_log("anomaly", seed=42, overrides={"n_trades": n_trades}, submitter="bench",
                            workspace=ws, registry=reg)
        total = time.perf_counter() - start
        rows.append({**out.timings, "total_s": total})
        print(f"  repeat {i + 1}: total {total:.2f} s ({', '.join(f'{k} {v:.2f}' for k, v in out.timings.items())})",
              flush=True)
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def bench_log_model(n_trades: int, repeats: int) -> dict[str, float]:
    from reference_impl.lifecycle import quiet_mlflow
    from reference_impl.lifecycle.pyfunc import ENTRY_FILE, NATIVE_ARTIFACT, dump_native, to_signature_frame
    from reference_impl.lifecycle.recipes import train_recipe
    from reference_impl.lifecycle.tracking import open_client, pip_requirements
    from reference_impl.workspace import Workspace

    result = train_recipe("anomaly", 42, {"n_trades": n_trades})
    ws = Workspace(Path(tempfile.mkdtemp(prefix="ibml-bench-log-")))
    client, store = open_client(workspace=ws)
    native = ws.root / "native.joblib"
    digest = dump_native(result.model, native)
    example = to_signature_frame(result.input_example)
    times: dict[str, list[float]] = {"explicit": [], "inferred": []}
    with quiet_mlflow():
        import mlflow

        mlflow.set_experiment("bench")
        for _ in range(repeats):
            for mode in ("explicit", "inferred"):
                with mlflow.start_run():
                    start = time.perf_counter()
                    mlflow.pyfunc.log_model(
                        name="model", python_model=str(ENTRY_FILE), artifacts={NATIVE_ARTIFACT: str(native)},
                        model_config={"kind": result.kind, "model_digest": digest}, input_example=example,
                        pip_requirements=pip_requirements() if mode == "explicit" else None,
                    )
                    times[mode].append(time.perf_counter() - start)
    return {mode: statistics.median(v) for mode, v in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-trades", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"== train + log + register the anomaly detector (n_trades={args.n_trades}, {args.repeats} repeats)")
    stages = bench_train_and_log(args.n_trades, args.repeats)
    print(f"{'stage':<12}{'median s':>10}")
    for key in ("train_s", "log_s", "register_s", "total_s"):
        print(f"{key.removesuffix('_s'):<12}{stages[key]:>10.2f}")

    print(f"\n== log_model alone: explicit pip_requirements vs MLflow's inference ({args.repeats} repeats)")
    lm = bench_log_model(args.n_trades, args.repeats)
    print(f"{'requirements':<14}{'median s':>10}")
    print(f"{'explicit':<14}{lm['explicit']:>10.2f}")
    print(f"{'inferred':<14}{lm['inferred']:>10.2f}")
    print(f"explicit pins are {lm['inferred'] / lm['explicit']:.1f}x faster per log_model "
          f"({lm['inferred'] - lm['explicit']:.2f} s saved)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
