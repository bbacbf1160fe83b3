"""Our full scoring path against ``mlflow models serve`` of the same IsolationForest, side by side.

Both servers run on 127.0.0.1 with one worker, started by this script, against the same events:

* **ours**: ``POST /v1/trades/score`` — validation, online-store reads and request-time features (the
  training code), rules + fast forest + SHAP reason codes for flagged trades, the fsync'd audit record,
  the prediction log and metrics; concurrent requests are micro-batched (one feature read, model call
  and audit fsync per batch, each request still answered and audited on its own) — the script prints
  how many batches ran and their mean size;
* **mlflow**: ``POST /invocations`` with the event's precomputed model features — the bare model call
  (``mlflow.sklearn`` flavour, saved with explicit ``pip_requirements`` and ``skops_trusted_types``).

Phases per server: (1) latency — one client, sequential requests, p50/p99; (2) throughput — ``--clients``
closed-loop clients for ``--seconds``, requests/s and errors. Goal (issue 7): our p50 below MLflow's and
at least 3x its throughput. On a shared, loaded machine the absolute numbers move; the ratios are
measured in the same run::

    .venv/bin/python benchmarks/bench_serving.py                 # 300 sequential + 10 s load each
    .venv/bin/python benchmarks/bench_serving.py --seconds 30 --clients 8
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import httpx  # noqa: E402

from reference_impl.serving import ServiceSettings  # noqa: E402
from reference_impl.serving.demo import build_demo_deployment  # noqa: E402
from reference_impl.serving.testing import ServerProcess, free_port  # noqa: E402


def save_mlflow_model(detector, path: Path) -> None:
    """The detector's sklearn IsolationForest in MLflow's sklearn flavour (skops, explicit requirements)."""
    import warnings

    import mlflow.sklearn
    import sklearn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow.sklearn.save_model(
            detector.estimator_.forest_, str(path),
            pip_requirements=[f"scikit-learn=={sklearn.__version__}", f"mlflow=={mlflow.__version__}"],
            serialization_format="skops",
            skops_trusted_types=["sklearn.tree._tree.Tree", "sklearn.ensemble._iforest.IsolationForest",
                                 "sklearn.tree._classes.ExtraTreeRegressor", "numpy.random.mtrand.RandomState",
                                 "numpy.random._mt19937.MT19937"],
        )


class MlflowServer:
    """``mlflow models serve --env-manager local`` on a free loopback port (the venv's bin on PATH)."""

    def __init__(self, model_path: Path) -> None:
        self.model_path, self.port = model_path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "MlflowServer":
        bin_dir = str(Path(sys.executable).parent)
        env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "MLFLOW_DISABLE_TELEMETRY": "true"}
        self.proc = subprocess.Popen(
            [str(Path(bin_dir) / "mlflow"), "models", "serve", "-m", str(self.model_path), "--env-manager", "local",
             "-h", "127.0.0.1", "-p", str(self.port), "--workers", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mlflow models serve exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/ping", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError("mlflow models serve did not start within 180 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def latency_phase(url: str, path: str, bodies: list, headers: dict, n: int) -> list[float]:
    out = []
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for i in range(n):
            t = time.perf_counter()
            r = client.post(path, json=bodies[i % len(bodies)])
            out.append((time.perf_counter() - t) * 1e3)
            if r.status_code != 200:
                raise RuntimeError(f"{url}{path} answered {r.status_code}: {r.text[:200]}")
    return out


def throughput_phase(url: str, path: str, bodies: list, headers: dict, clients: int, seconds: float) -> tuple[float, int, int]:
    counts, errors = [0] * clients, [0] * clients
    stop = time.monotonic() + seconds

    def run(k: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            i = k
            while time.monotonic() < stop:
                r = client.post(path, json=bodies[i % len(bodies)])
                counts[k] += 1
                errors[k] += r.status_code != 200
                i += clients

    start = time.monotonic()
    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    return sum(counts) / elapsed, sum(counts), sum(errors)


def micro_batch_summary(metrics_text: str) -> str:
    """Batches and mean events per batch, from the service's ``ibml_score_batch_events`` histogram."""
    found = {}
    for line in metrics_text.splitlines():
        for part in ("sum", "count"):
            if line.startswith(f"ibml_score_batch_events_{part} "):
                found[part] = float(line.split()[1])
    if not found.get("count"):
        return "no batches recorded"
    return f"{found['count']:.0f} batches, {found['sum'] / found['count']:.2f} events per batch on average"


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 100 else max(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="sequential requests in the latency phase")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the throughput phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients in the throughput phase")
    parser.add_argument("--trades", type=int, default=3_000, help="trades generated for the deployment")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="ibml-bench-serving-"))
    settings = ServiceSettings(home=home)
    t0 = time.perf_counter()
    dep = build_demo_deployment(settings, n_trades=args.trades, n_events=200, with_kyc=False)
    from reference_impl.anomaly import load_detector
    from reference_impl.features import MODEL_FEATURES
    from reference_impl.serving.trades.features import open_workspace_feature_source
    from reference_impl.serving.trades.schemas import TradeEventIn

    detector = load_detector(settings.resolved_trade_model_path())
    source = open_workspace_feature_source(settings)
    rows = [source.features_for([TradeEventIn(**e).to_row()]).frame.iloc[0] for e in dep.events]
    mlflow_bodies = [{"dataframe_split": {"columns": list(MODEL_FEATURES),
                                          "data": [[None if v != v else float(v) for v in r[MODEL_FEATURES]]]}}
                     for r in rows]
    model_path = home / "mlflow-iforest"
    save_mlflow_model(detector, model_path)
    print(f"setup: {len(dep.events)} events, model saved for MLflow ({time.perf_counter() - t0:.0f} s)")

    # Where our time goes, in process (medians over the events; no HTTP):
    from reference_impl.governance import AuditLog as _Audit

    stage: dict[str, list[float]] = {"validate (pydantic)": [], "online read + request features": [],
                                     "rules + model + reasons (decide)": [], "audit append (fsync)": []}
    scratch = _Audit(home / "bench-audit.jsonl")
    for e in dep.events[:100]:
        t = time.perf_counter()
        row = TradeEventIn(**e).to_row()
        stage["validate (pydantic)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        frame = source.features_for([row]).frame
        stage["online read + request features"].append(time.perf_counter() - t)
        t = time.perf_counter()
        detector.decide(frame)
        stage["rules + model + reasons (decide)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        scratch.append("bench", {"trade_id": e["trade_id"]}, actor="bench")
        stage["audit append (fsync)"].append(time.perf_counter() - t)
    print("in-process stage medians (ms): " + ", ".join(f"{k} {statistics.median(v) * 1e3:.2f}" for k, v in stage.items()))

    results = {}
    with MlflowServer(model_path) as ml:
        lat = latency_phase(ml.url, "/invocations", mlflow_bodies, {}, args.requests)
        rps, n, err = throughput_phase(ml.url, "/invocations", mlflow_bodies, {}, args.clients, args.seconds)
        results["mlflow models serve (bare model)"] = (lat, rps, n, err)
    with ServerProcess(home) as ours:
        headers = {"X-API-Key": dep.keys["scorer"]}
        lat = latency_phase(ours.url, "/v1/trades/score", dep.events, headers, args.requests)
        rps, n, err = throughput_phase(ours.url, "/v1/trades/score", dep.events, headers, args.clients, args.seconds)
        results["ibml /v1/trades/score (full path)"] = (lat, rps, n, err)
        batching = micro_batch_summary(httpx.get(ours.url + "/metrics", headers={"X-API-Key": dep.keys["auditor"]}).text)
    from reference_impl.governance import AuditLog

    audit = AuditLog(settings.workspace.audit_log).verify()

    print(f"\n{'server':<36}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'requests':>10}{'errors':>8}")
    for name, (lat, rps, n, err) in results.items():
        print(f"{name:<36}{statistics.median(lat):>9.2f}{pct(lat, 99):>9.2f}{rps:>9.1f}{n:>10}{err:>8}")
    (ml_lat, ml_rps, *_), (our_lat, our_rps, our_n, _) = results.values()
    print(f"\np50 ratio ours/mlflow: {statistics.median(our_lat) / statistics.median(ml_lat):.2f} (goal < 1)")
    print(f"throughput ratio ours/mlflow: {our_rps / ml_rps:.2f} (goal >= 3)")
    print(f"micro-batching (ours, both phases): {batching}")
    print(f"audit log: {audit.n_records} records, chain {'intact' if audit.ok else 'BROKEN: ' + audit.reason} "
          f"(expected {args.requests + our_n})")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared machines inflate both sides)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
