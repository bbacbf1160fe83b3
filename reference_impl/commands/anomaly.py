"""``ibml anomaly fit|score|export-onnx``: fit a trade anomaly detector, score a trades file, export it to ONNX.

Thin: argument parsing and printing; the work is in :mod:`reference_impl.anomaly`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("anomaly", help="fit the trade anomaly detector, score trades with reason codes")
    sub = p.add_subparsers(dest="anomaly_command", metavar="ACTION")
    sub.required = True

    fit = sub.add_parser(
        "fit",
        help="fit a detector on a generated dataset and save it",
        description="Fit rules + isolation forest on the dataset's trades; save to the workspace.",
    )
    fit.add_argument("--data-dir", type=Path, default=None, help="dataset directory (default: the workspace data dir)")
    fit.add_argument(
        "--out", type=Path, default=None, help="detector directory (default: <workspace>/models/trade-anomaly)"
    )
    fit.add_argument("--n-estimators", type=int, default=100)
    fit.add_argument("--contamination", type=float, default=0.01, help="share of training trades above the threshold")
    fit.add_argument(
        "--alerts-per-day",
        type=float,
        default=None,
        help="set the threshold from reviewer capacity over the training period instead",
    )
    fit.add_argument("--seed", type=int, default=42)
    fit.set_defaults(func=run_fit)

    score = sub.add_parser(
        "score",
        help="print decisions (flagged trades and their reasons) for a trades file",
        description="Score FILE (trades .parquet/.csv); reference data and prices come from the dataset directory.",
    )
    score.add_argument("file", type=Path, help="trades .parquet or .csv (columns as in docs/contracts.md)")
    score.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="dataset with desks, calendar and prices (default: FILE's directory, else the workspace)",
    )
    score.add_argument("--model", type=Path, default=None, help="detector directory (default: the workspace's)")
    score.add_argument("--rules-only", action="store_true", help="no model: the fallback path")
    score.add_argument("--all", action="store_true", help="print every decision, not only the flagged ones")
    score.add_argument("--limit", type=int, default=50, help="print at most this many decisions (default 50)")
    score.add_argument("--json", action="store_true", help="one JSON decision per line")
    score.set_defaults(func=run_score)

    export = sub.add_parser(
        "export-onnx",
        help="export the saved detector's forest to a sealed ONNX directory (needs the 'onnx' extra)",
        description="Write OUT/detector.onnx (+ .sha256, .seal, metadata.json) for a JVM/.NET service to embed with "
        "ONNX Runtime. The file is a model artifact: approve it like the pickle.",
    )
    export.add_argument("out", type=Path, help="output directory (replaced as a whole)")
    export.add_argument("--model", type=Path, default=None, help="detector directory (default: the workspace's)")
    export.add_argument(
        "--graph",
        choices=("skl2onnx", "folded"),
        default="skl2onnx",
        help="skl2onnx: the converter's graph (default); folded: one tree-ensemble node, ~100x faster per row "
        "(benchmarks/bench_onnx.py), the one to embed when latency matters",
    )
    export.set_defaults(func=run_export_onnx)


def _default_model_path() -> Path:
    from reference_impl.workspace import Workspace

    return Workspace.from_env().models_dir / "trade-anomaly"


def _context(data_dir: Path | None, near: Path | None = None) -> tuple[dict[str, Any], Any]:
    """(reference tables, prices) from a dataset directory (FILE's own directory when it is a dataset)."""
    from reference_impl.data.io import load_dataset

    if data_dir is None and near is not None and (near / "manifest.json").is_file():
        data_dir = near
    ref_tables = ["instruments", "desks", "counterparties", "calendar", "fx_rates", "traders"]
    tables = load_dataset(data_dir, tables=[*ref_tables, "prices"])
    return {name: tables[name] for name in ref_tables}, tables["prices"]


def run_fit(args: argparse.Namespace) -> int:
    from reference_impl.anomaly import TradeAnomalyDetector, save_detector
    from reference_impl.data.io import load_dataset
    from reference_impl.features import build_trade_features

    ref, prices = _context(args.data_dir)
    trades = load_dataset(args.data_dir, tables=["trades"])["trades"]
    features = build_trade_features(trades, ref, prices)
    detector = TradeAnomalyDetector(
        n_estimators=args.n_estimators, contamination=args.contamination, random_state=args.seed
    ).fit(features)
    if args.alerts_per_day is not None:
        days = max((trades["booking_ts"].max() - trades["booking_ts"].min()).total_seconds() / 86400, 1.0)
        choice = detector.threshold_for_capacity(features, alerts_per_day=args.alerts_per_day, n_days=days)
        detector = detector.with_threshold(choice)
    path = save_detector(detector, args.out or _default_model_path())
    print(
        f"saved {detector.model_version_} (rules {detector.ruleset_version}, threshold {detector.threshold_:.4f}: "
        f"{detector.threshold_source_}) to {path}"
    )
    return 0


def run_score(args: argparse.Namespace) -> int:
    from reference_impl.anomaly import decide_rules_only, load_detector
    from reference_impl.data.io import read_table
    from reference_impl.errors import ConfigError
    from reference_impl.features import build_trade_features

    if args.limit < 0:
        raise ConfigError(f"--limit must be >= 0, got {args.limit}")
    trades = read_table(args.file)
    ref, prices = _context(args.data_dir, near=args.file.parent)
    features = build_trade_features(trades, ref, prices)
    if args.rules_only:
        decisions, label = decide_rules_only(features), "rules only"
    else:
        detector = load_detector(args.model or _default_model_path())
        decisions, label = detector.decide(features), f"model {detector.model_version_}"
    shown = [d for d in decisions if args.all or d.flagged][: args.limit]
    for d in shown:
        if args.json:
            print(json.dumps(d.to_dict(), sort_keys=True))
        else:
            score = "  n/a " if d.score is None else f"{d.score:.4f}"
            print(f"{d.trade_id}  {'FLAG' if d.flagged else 'ok  '}  {score}  {', '.join(d.reason_codes) or '-'}")
    n_flagged = sum(d.flagged for d in decisions)
    ruleset = decisions[0].ruleset_version if decisions else "-"
    summary = f"{len(decisions)} trades, {n_flagged} flagged ({n_flagged / max(len(decisions), 1):.2%}); {label}, rules {ruleset}"
    print(summary if not args.json else json.dumps({"summary": summary}))
    return 0


def run_export_onnx(args: argparse.Namespace) -> int:
    from reference_impl.anomaly.onnx_export import _require_onnx, export_onnx, load_onnx

    _require_onnx()  # before the (slow) model load: a missing extra is one line, straight away
    from reference_impl.anomaly import load_detector

    detector = load_detector(args.model or _default_model_path(), warm_up=False)
    path = export_onnx(detector, args.out, graph=args.graph)
    scorer = load_onnx(path)  # read back through the seal check, as an embedding service would
    print(
        f"exported {detector.model_version_} to {path / 'detector.onnx'} "
        f"({scorer.graph} graph, {len(detector.features_)} features, threshold {scorer.threshold:.4f}; "
        "anomaly_score = -(scores + offset), offset in the model metadata)"
    )
    return 0
