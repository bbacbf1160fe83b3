"""``ibml monitor report``: the monitoring dashboard as a static HTML file (for audit evidence or e-mail)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reference_impl.workspace import Workspace


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("monitor", help="model monitoring: drift, health, outcomes, alerts")
    sub = parser.add_subparsers(dest="monitor_command", metavar="ACTION")
    sub.required = True
    report = sub.add_parser("report", help="write the monitoring dashboard as one self-contained HTML file")
    report.add_argument("--out", type=Path, required=True, help="HTML file to write, e.g. report.html")
    report.add_argument("--log", type=Path, default=None, help="prediction log JSONL (default: the workspace's)")
    report.add_argument(
        "--outcomes", type=Path, default=None, help="outcome labels JSONL (default: <IBML_HOME>/logs/outcomes.jsonl)"
    )
    report.add_argument(
        "--reference-window",
        default=None,
        metavar="START/END",
        help="e.g. 2026-11-02/2026-11-09 (default: the first 7 days of the log)",
    )
    report.add_argument(
        "--current-window",
        default=None,
        metavar="START/END",
        help="e.g. 2026-11-15/2026-11-16 (default: the last 24 hours of the log)",
    )
    report.add_argument(
        "--freq", default="1D", help="time-series bucket, a pandas offset such as 1D or 1h (default 1D)"
    )
    report.set_defaults(func=_report)
    simulate = sub.add_parser("simulate", help="write a synthetic prediction log with planted incidents (for practice)")
    simulate.add_argument("--days", type=int, default=14, help="days of traffic (default 14)")
    simulate.add_argument("--trades-per-day", type=int, default=1500)
    simulate.add_argument("--kyc-per-day", type=int, default=200)
    simulate.add_argument("--seed", type=int, default=0)
    simulate.add_argument("--force", action="store_true", help="overwrite an existing prediction log")
    simulate.set_defaults(func=_simulate)


def _report(args: argparse.Namespace) -> int:
    from reference_impl.monitoring.dashboard import write_dashboard
    from reference_impl.monitoring.logs import outcomes_path, parse_window
    from reference_impl.monitoring.report import report_from_files

    ws = Workspace.from_env()
    ref = parse_window(args.reference_window, what="--reference-window") if args.reference_window else None
    cur = parse_window(args.current_window, what="--current-window") if args.current_window else None
    report = report_from_files(
        args.log or ws.prediction_log,
        args.outcomes or outcomes_path(ws),
        reference_window=ref,
        current_window=cur,
        freq=_freq(args.freq),
    )
    out = write_dashboard(report, args.out)
    print(f"wrote {out} ({len(report.alerts)} alerts firing)", file=sys.stdout)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from reference_impl.errors import ConfigError, WorkspaceError
    from reference_impl.monitoring.logs import outcomes_path, write_jsonl
    from reference_impl.monitoring.simulate import simulate_prediction_log

    ws = Workspace.from_env()
    if ws.prediction_log.exists() and not args.force:
        raise WorkspaceError(f"{ws.prediction_log} already exists (the service's log?); pass --force to overwrite it")
    if args.days < 4:
        raise ConfigError(f"--days {args.days} is too short: the incidents are planted from day 4 on")
    last = args.days - 1
    sim = simulate_prediction_log(
        n_days=args.days,
        trades_per_day=args.trades_per_day,
        kyc_per_day=args.kyc_per_day,
        drift_start_day=last - 2,
        fallback_day=last - 1,
        latency_spike_day=last,
        seed=args.seed,
    )
    write_jsonl(sim.predictions, ws.prediction_log)
    write_jsonl(sim.outcomes, outcomes_path(ws))
    print(f"wrote {len(sim.predictions):,} predictions to {ws.prediction_log} and {len(sim.outcomes):,} outcome labels")
    return 0


def _freq(text: str) -> str:
    import pandas as pd

    from reference_impl.errors import ConfigError

    try:
        pd.tseries.frequencies.to_offset(text)
    except ValueError:
        raise ConfigError(f"--freq {text!r} is not a pandas offset such as 1D or 1h") from None
    return text
