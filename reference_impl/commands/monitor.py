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
    report.add_argument("--outcomes", type=Path, default=None, help="outcome labels JSONL (default: <IBML_HOME>/logs/outcomes.jsonl)")
    report.add_argument("--reference-window", default=None, metavar="START/END",
                        help="e.g. 2026-11-02/2026-11-09 (default: the first 7 days of the log)")
    report.add_argument("--current-window", default=None, metavar="START/END",
                        help="e.g. 2026-11-15/2026-11-16 (default: the last 24 hours of the log)")
    report.add_argument("--freq", default="1D", help="time-series bucket, a pandas offset such as 1D or 1h (default 1D)")
    report.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from reference_impl.monitoring.dashboard import write_dashboard
    from reference_impl.monitoring.logs import outcomes_path, parse_window
    from reference_impl.monitoring.report import report_from_files

    ws = Workspace.from_env()
    ref = parse_window(args.reference_window, what="--reference-window") if args.reference_window else None
    cur = parse_window(args.current_window, what="--current-window") if args.current_window else None
    report = report_from_files(
        args.log or ws.prediction_log, args.outcomes or outcomes_path(ws),
        reference_window=ref, current_window=cur, freq=_freq(args.freq),
    )
    out = write_dashboard(report, args.out)
    print(f"wrote {out} ({len(report.alerts)} alerts firing)", file=sys.stdout)
    return 0


def _freq(text: str) -> str:
    import pandas as pd

    from reference_impl.errors import ConfigError

    try:
        pd.tseries.frequencies.to_offset(text)
    except ValueError:
        raise ConfigError(f"--freq {text!r} is not a pandas offset such as 1D or 1h") from None
    return text
