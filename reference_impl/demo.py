"""The end-to-end demo behind ``make demo`` / ``ibml demo``: every layer, on the embedded defaults.

Stages (each prints ``[demo] ...`` progress lines on stderr):

1. generate the seeded dataset into the workspace;
2. build features and materialise the offline and online stores up to the start of the replay day;
3. train the trade-anomaly detector and the KYC classifier with MLflow tracking, register each as
   ``@challenger``, validate it, approve it under a second identity (four eyes) and promote it to ``@champion``;
4. start the scoring service (a real uvicorn process on 127.0.0.1) loading ``@champion`` from the registry;
5. replay the last day of trades and a batch of KYC documents through the HTTP API: a calm first half
   (the reference window), then a second half with a drift episode (prices marked 45 bps away from the
   reference), a model-store outage (the service reloads, falls back to rules only, then recovers) and
   malformed requests that must be refused with 4xx;
6. feed reviewer outcomes back (late labels), write the monitoring report, verify the audit chain;
7. stop the service (or keep it running with ``--keep-serving``) and print where to look.

Nothing here re-implements a layer: it only calls the library and the public HTTP API.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reference_impl.workspace import Workspace, atomic_write

SUBMITTER = "quant.developer"
APPROVER = "model.validator"
DRIFT_BPS = 45.0


def say(message: str) -> None:
    print(f"[demo] {message}", file=sys.stderr, flush=True)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Print ``[demo] name ...`` then ``[demo] name: done in N.N s`` on stderr."""
    say(f"{name} ...")
    start = time.perf_counter()
    yield
    say(f"{name}: done in {time.perf_counter() - start:.1f} s")


@dataclass
class ReplayStats:
    """What the replay sent and what came back, counted by phase and status."""

    status_counts: dict[str, int] = field(default_factory=dict)
    flagged: list[tuple[str, bool]] = field(default_factory=list)  # (trade_id, is_anomaly) for flagged trades
    fallbacks: int = 0
    kyc_routes: dict[str, int] = field(default_factory=dict)
    reviewed: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, true label)

    def count(self, key: str) -> None:
        self.status_counts[key] = self.status_counts.get(key, 0) + 1


def run_demo(scale: str = "small", seed: int = 42, keep_serving: bool = False) -> dict[str, Any]:
    """Run every stage; returns a summary dict (also printed)."""
    t0 = time.perf_counter()
    ws = Workspace.from_env()
    ws.ensure()
    _anchor_audit_log()
    data = _generate(ws, scale, seed)
    replay_day, cutoff = _replay_day(data["trades"])
    _materialise(ws, data, cutoff)
    versions = _train_and_promote(ws, seed)
    summary = _serve_and_replay(ws, data, replay_day, cutoff, versions, keep_serving, seed)
    summary["elapsed_s"] = round(time.perf_counter() - t0, 1)
    print(_summary_text(summary))
    return summary


# --- stages -----------------------------------------------------------------------------------------


def _anchor_audit_log() -> None:
    """Anchor the audit log from the first record: a key outside the workspace, unless one is configured."""
    from reference_impl.governance.anchor import AuditAnchorSettings, create_default_anchor_key

    s = AuditAnchorSettings()
    if s.audit_anchor_key_file is None and s.audit_anchor_key is None:
        print(f"audit anchor key: {create_default_anchor_key()} (checkpoints of the audit log are HMAC'd with it)")


def _generate(ws: Workspace, scale: str, seed: int) -> dict[str, pd.DataFrame]:
    from reference_impl.data.io import generate_dataset, load_dataset, summarize_dataset

    with stage(f"1/6 generate the {scale} dataset (seed {seed}) into {ws.data_dir}"):
        manifest = generate_dataset(ws.data_dir, scale=scale, seed=seed, progress=True)
        print(summarize_dataset(manifest))
        return load_dataset(ws.data_dir)


def _replay_day(trades: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The last full trading day (UTC bookings at least half the median day), and its midnight.

    The online store is materialised up to that midnight, so the replay reads genuine history and
    every replayed event is new to the service.
    """
    per_day = trades["booking_ts"].dt.floor("D").value_counts().sort_index()
    full = per_day[per_day >= 0.5 * per_day.median()]
    day = full.index.max()
    return day, day


def _materialise(ws: Workspace, data: dict[str, pd.DataFrame], cutoff: pd.Timestamp) -> None:
    from reference_impl.features import OfflineStore, OnlineStore, materialize_features

    with stage(f"2/6 build features and materialise the stores up to {cutoff:%Y-%m-%d %H:%M} UTC"):
        results = materialize_features(
            data, OfflineStore.from_workspace(ws), OnlineStore.from_workspace(ws), end=cutoff
        )
        for line in _as_lines(results):
            say(f"    {line}")


def _as_lines(results: Any) -> list[str]:
    if isinstance(results, dict):
        return [f"{k}: {v}" for k, v in results.items()]
    if isinstance(results, (list, tuple)):
        return [str(r) for r in results]
    return [str(results)]


def _train_and_promote(ws: Workspace, seed: int) -> dict[str, str]:
    from reference_impl.errors import RegistryError
    from reference_impl.lifecycle import CHAMPION, ModelRegistry, train_and_log
    from reference_impl.lifecycle.identity import MODEL_VALIDATOR, PeopleDirectory, enrol_simulated_people
    from reference_impl.lifecycle.identity import SUBMITTER as SUBMITTER_ROLE
    from reference_impl.lifecycle.training import validate_with_recipe

    versions: dict[str, str] = {}
    with stage("3/6 train, track, register, validate, approve (four eyes) and promote both models"):
        registry = ModelRegistry()
        people = enrol_simulated_people(
            {SUBMITTER: [SUBMITTER_ROLE], APPROVER: [MODEL_VALIDATOR]},
            directory=PeopleDirectory.for_workspace(registry.workspace),
        )
        say(
            f"    simulated people {SUBMITTER} (submitter) and {APPROVER} (model_validator): both keys in {people.root}"
            " on this machine; in a bank each person signs with their own key and entitlements come from IAM"
        )
        for recipe in ("anomaly", "kyc"):
            outcome = train_and_log(recipe, seed=seed, submitter=SUBMITTER, registry=registry)
            if outcome.version is None:
                raise RegistryError(f"{recipe}: the trained model was not registered")
            name, version = outcome.version.name, str(outcome.version.version)
            report = validate_with_recipe(registry, name, version, actor=APPROVER)
            say(f"    {name} v{version}: run {outcome.run_id[:8]}, validation {report.status}")
            if not report.passed:
                raise RegistryError(
                    f"{name} v{version} failed validation: " + "; ".join(str(c) for c in report.failures())
                )
            registry.approve(name, version, approver=APPROVER, comment="demo: metrics reviewed against the backtest")
            registry.promote(name, version, actor=APPROVER)
            champion = registry.by_alias(name, CHAMPION)
            if champion is None:
                raise RegistryError(f"{name} has no @{CHAMPION} after promotion")
            versions[name] = str(champion.version)
            say(
                f"    {name} v{version}: signed by {SUBMITTER}, approval signed by {APPROVER}, verified and promoted "
                f"-> @{CHAMPION}"
            )
    return versions


def _serve_and_replay(
    ws: Workspace,
    data: dict[str, pd.DataFrame],
    day: pd.Timestamp,
    cutoff: pd.Timestamp,
    versions: dict[str, str],
    keep_serving: bool,
    seed: int,
) -> dict[str, Any]:
    import httpx

    from reference_impl.serving import ServiceSettings, create_api_key
    from reference_impl.serving.testing import ServerProcess

    settings = ServiceSettings(home=ws.root, model_source="registry")
    keys = {
        role: create_api_key(settings.api_keys_path, role, f"demo {role}")[0]
        for role in ("scorer", "reviewer", "auditor", "admin")
    }
    _write_keys_file(ws, keys)
    stats = ReplayStats()
    server = ServerProcess(ws.root, env={"IBML_MODEL_SOURCE": "registry"})
    with stage("4/6 start the scoring service (uvicorn, 127.0.0.1) with @champion from the registry"):
        server.start()
        ready = httpx.get(server.url + "/readyz", timeout=10).json()
        say(f"    {server.url} ready={ready.get('ready', ready)}")
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            windows = _replay(client, ws, data, day, keys, stats, seed)
        outcomes_path = _write_outcomes(ws, stats)
        report_path = _write_report(ws, windows, outcomes_path)
        audit = _verify_audit(ws)
    except BaseException:
        server.stop()
        raise
    summary = {
        "service_url": server.url,
        "dashboard": server.url + "/dashboard",
        "report": str(report_path),
        "audit": audit,
        "requests": dict(sorted(stats.status_counts.items())),
        "flagged_trades": len(stats.flagged),
        "fallback_decisions": stats.fallbacks,
        "kyc_routes": dict(sorted(stats.kyc_routes.items())),
        "champions": versions,
        "keys_file": str(ws.root / "demo-api-keys.json"),
    }
    if keep_serving:
        print(_summary_text(summary))
        say(
            f"the service keeps running at {server.url} (dashboard: {server.url}/dashboard with an auditor key "
            f"from {summary['keys_file']}); press Ctrl-C to stop it"
        )
        try:
            while server.proc.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    server.stop()
    summary["service_stopped"] = True
    return summary


def _write_keys_file(ws: Workspace, keys: dict[str, str]) -> None:
    """The demo's API keys, readable only by the owner (the service itself stores only their hashes)."""
    path = ws.root / "demo-api-keys.json"
    with atomic_write(path, "w") as fh:
        json.dump(keys, fh, indent=2)
    path.chmod(0o600)


def _replay(
    client: Any,
    ws: Workspace,
    data: dict[str, pd.DataFrame],
    day: pd.Timestamp,
    keys: dict[str, str],
    stats: ReplayStats,
    seed: int,
) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    from reference_impl.serving.demo import trade_to_request

    trades = data["trades"]
    today = trades[(trades["booking_ts"] >= day) & (trades["booking_ts"] < day + pd.Timedelta(days=1))]
    events = today.to_dict("records")
    half = len(events) // 2
    scorer = {"X-API-Key": keys["scorer"]}
    docs = data["kyc_documents"].sample(n=min(240, len(data["kyc_documents"])), random_state=seed).to_dict("records")
    labels = {row["trade_id"]: bool(row["is_anomaly"]) for row in events}

    with stage(f"5/6 replay {len(events):,} trade events of {day:%Y-%m-%d} and {len(docs)} KYC documents"):
        ref_start = pd.Timestamp.now(tz="UTC")
        say("    first half: normal traffic (the reference window)")
        _score_batches(client, [trade_to_request(e) for e in events[:half]], scorer, stats, labels)
        _classify(client, docs[: len(docs) // 2], scorer, stats)
        ref_end = cur_start = pd.Timestamp.now(tz="UTC")

        say(f"    second half: prices marked {DRIFT_BPS:.0f} bps away from the reference (drift episode)")
        drifted = [trade_to_request(e) for e in events[half:]]
        for body in drifted:
            body["price"] = round(body["price"] * (1 + DRIFT_BPS / 1e4), 6)
            body["notional_usd"] = round(body["notional_usd"] * (1 + DRIFT_BPS / 1e4), 2)
        third = len(drifted) // 3
        _score_batches(client, drifted[:third], scorer, stats, labels)

        say("    model-store outage: the champion's artifacts disappear and the service reloads (rules-only fallback)")
        with _model_store_outage(ws):
            _admin_reload(client, keys)
            _score_singles(client, drifted[third : 2 * third][:60], scorer, stats, labels)
            _score_batches(client, drifted[third : 2 * third][60:], scorer, stats, labels)
        _admin_reload(client, keys)
        say("    model store restored; champion reloaded")
        _score_batches(client, drifted[2 * third :], scorer, stats, labels)
        _classify(client, docs[len(docs) // 2 :], scorer, stats)

        say("    malformed and unauthorised requests (each must get a 4xx, never a 5xx)")
        _malformed(client, drifted[0] if drifted else None, scorer, stats)
        _review(client, keys, stats, docs)
        resp = client.get("/dashboard", headers={"X-API-Key": keys["auditor"]})
        stats.count(f"dashboard {resp.status_code}")
        cur_end = pd.Timestamp.now(tz="UTC") + pd.Timedelta(seconds=1)
        for key, value in sorted(stats.status_counts.items()):
            say(f"    {key}: {value}")
    return {"reference": (ref_start, ref_end), "current": (cur_start, cur_end)}


def _score_batches(
    client: Any, bodies: list[dict], headers: dict, stats: ReplayStats, labels: dict[str, bool], size: int = 20
) -> None:
    for i in range(0, len(bodies), size):
        resp = client.post("/v1/trades/score-batch", json={"events": bodies[i : i + size]}, headers=headers)
        stats.count(f"trades.score-batch {resp.status_code}")
        if resp.status_code == 200:
            for item in resp.json().get("results", []):
                _record_trade(item, resp.json().get("metadata", {}), stats, labels)


def _score_singles(client: Any, bodies: list[dict], headers: dict, stats: ReplayStats, labels: dict[str, bool]) -> None:
    for body in bodies:
        resp = client.post("/v1/trades/score", json=body, headers=headers)
        stats.count(f"trades.score {resp.status_code}")
        if resp.status_code == 200:
            payload = resp.json()
            _record_trade(payload.get("result", payload), payload.get("metadata", {}), stats, labels)


def _record_trade(item: dict, metadata: dict, stats: ReplayStats, labels: dict[str, bool]) -> None:
    result = item.get("result", item)
    meta = item.get("metadata", metadata) or {}
    if meta.get("fallback_used") or result.get("fallback_used"):
        stats.fallbacks += 1
    trade_id = result.get("trade_id") or item.get("trade_id")
    if result.get("flagged") and trade_id is not None:
        stats.flagged.append((trade_id, labels.get(trade_id, False)))


def _classify(client: Any, docs: list[dict], headers: dict, stats: ReplayStats) -> None:
    for doc in docs:
        resp = client.post("/v1/kyc/classify", json={"doc_id": doc["doc_id"], "text": doc["text"]}, headers=headers)
        stats.count(f"kyc.classify {resp.status_code}")
        if resp.status_code == 200:
            body = resp.json()
            result = body.get("result", body)
            route = result.get("route", "?")
            stats.kyc_routes[route] = stats.kyc_routes.get(route, 0) + 1


def _review(client: Any, keys: dict[str, str], stats: ReplayStats, docs: list[dict]) -> None:
    """A reviewer claims and decides a few queued documents (their labels are the late outcomes)."""
    truth = {d["doc_id"]: d["label"] for d in docs}
    reviewer = {"X-API-Key": keys["reviewer"]}
    resp = client.get("/v1/kyc/review", params={"status": "pending"}, headers=reviewer)
    stats.count(f"kyc.review.list {resp.status_code}")
    if resp.status_code != 200:
        return
    body = resp.json()
    items = body.get("items", body if isinstance(body, list) else [])
    for item in items[:15]:
        item_id, doc_id = item.get("item_id", item.get("id")), item.get("doc_id")
        claim = client.post(f"/v1/kyc/review/{item_id}/claim", headers=reviewer)
        stats.count(f"kyc.review.claim {claim.status_code}")
        label = truth.get(doc_id)
        if claim.status_code != 200 or label is None:
            continue
        decide = client.post(
            f"/v1/kyc/review/{item_id}/decide",
            headers=reviewer,
            json={"label": label, "comment": "demo reviewer decision"},
        )
        stats.count(f"kyc.review.decide {decide.status_code}")
        if decide.status_code == 200:
            stats.reviewed.append((doc_id, label))


def _malformed(client: Any, good: dict | None, headers: dict, stats: ReplayStats) -> None:
    if good is None:
        return
    cases = {
        "unknown field": {**good, "rogue_field": 1},
        "negative quantity": {**good, "quantity": -5},
        "unknown currency": {**good, "currency": "XXX"},
        "naive timestamp": {**good, "exec_ts": good["exec_ts"][:19]},
        "missing trader": {k: v for k, v in good.items() if k != "trader_id"},
    }
    for _name, body in cases.items():
        resp = client.post("/v1/trades/score", json=body, headers=headers)
        stats.count(f"malformed {resp.status_code}")
    resp = client.post(
        "/v1/trades/score",
        content=b"{" + b" " * 200_000 + b"}",
        headers={**headers, "Content-Type": "application/json"},
    )
    stats.count(f"malformed {resp.status_code}")
    resp = client.post("/v1/trades/score", json=good)
    stats.count(f"unauthenticated {resp.status_code}")
    resp = client.get("/v1/models", headers=headers)
    stats.count(f"wrong role {resp.status_code}")


def _admin_reload(client: Any, keys: dict[str, str]) -> None:
    resp = client.post("/v1/admin/reload", headers={"X-API-Key": keys["admin"]})
    ready = client.get("/readyz").json()
    say(f"    reload -> {resp.status_code}; /readyz ready={ready.get('ready')} {ready.get('reasons', '')}")


@contextmanager
def _model_store_outage(ws: Workspace) -> Iterator[None]:
    """Move the MLflow artifact store aside for the duration of the block (a storage outage)."""
    store = _artifact_root(ws)
    hidden = store.with_name(store.name + ".outage")
    shutil.move(str(store), str(hidden))
    try:
        yield
    finally:
        shutil.move(str(hidden), str(store))


def _artifact_root(ws: Workspace) -> Path:
    for candidate in (ws.mlflow_dir / "artifacts", ws.mlflow_dir / "mlartifacts", ws.root / "mlartifacts"):
        if candidate.is_dir():
            return candidate
    dirs = [p for p in ws.mlflow_dir.iterdir() if p.is_dir()] if ws.mlflow_dir.is_dir() else []
    if len(dirs) == 1:
        return dirs[0]
    from reference_impl.errors import WorkspaceError

    raise WorkspaceError(f"cannot find the MLflow artifact store under {ws.mlflow_dir}")


def _write_outcomes(ws: Workspace, stats: ReplayStats) -> Path:
    """Late labels: reviewers' verdicts on flagged trades and on reviewed KYC documents."""
    path = ws.root / "logs" / "outcomes.jsonl"
    now = pd.Timestamp.now(tz="UTC").isoformat()
    lines = [
        json.dumps({"trade_id": tid, "ts": now, "label": "confirmed" if truth else "dismissed", "reviewer": "demo.ops"})
        for tid, truth in stats.flagged
    ]
    lines += [
        json.dumps({"doc_id": doc_id, "ts": now, "label": label, "reviewer": "demo.kyc"})
        for doc_id, label in stats.reviewed
    ]
    with atomic_write(path, "w") as fh:
        fh.write("\n".join(lines) + ("\n" if lines else ""))
    return path


def _write_report(ws: Workspace, windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]], outcomes: Path) -> Path:
    from reference_impl.monitoring import build_monitoring_report, load_outcomes, load_prediction_log, render_dashboard

    with stage("6/6 monitoring report, outcomes and audit verification"):
        log = load_prediction_log(ws.prediction_log)
        report = build_monitoring_report(
            log,
            load_outcomes(outcomes),
            reference_window=windows["reference"],
            current_window=windows["current"],
            freq="2s",
        )
        out = ws.reports_dir / "report.html"
        with atomic_write(out, "w") as fh:
            fh.write(render_dashboard(report, title="ibml demo: one replayed trading day"))
        for alert in report.alerts:
            say(f"    ALERT [{alert.severity}] {alert.rule}: {alert.summary}")
        return out


def _verify_audit(ws: Workspace) -> str:
    from reference_impl.governance import AuditLog

    result = AuditLog(ws.audit_log).verify()
    text = f"{'ok' if result.ok else 'BROKEN'}: {result.n_records} records" + (
        "" if result.ok else f" ({result.reason})"
    )
    say(f"    audit log {ws.audit_log}: {text}")
    return text


def _summary_text(summary: dict[str, Any]) -> str:
    lines = ["", "ibml demo summary", "-----------------"]
    for key in (
        "champions",
        "requests",
        "flagged_trades",
        "fallback_decisions",
        "kyc_routes",
        "audit",
        "report",
        "elapsed_s",
    ):
        if key in summary:
            lines.append(f"{key:<20} {summary[key]}")
    lines += [
        "",
        f"Open the monitoring report: {summary.get('report')}",
        "Start the service again:    IBML_MODEL_SOURCE=registry .venv/bin/ibml serve   (then "
        "http://127.0.0.1:8000/docs; /dashboard needs an auditor key from " + str(summary.get("keys_file")) + ")",
        "Verify the audit trail:     .venv/bin/ibml audit verify",
    ]
    return "\n".join(lines)
