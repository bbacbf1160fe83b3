"""``ibml progress``: which exercises in a (learner's) notebooks are not started, passing or failing."""

from __future__ import annotations

import argparse

from reference_impl.progress import DEFAULT_TIMEOUT, check_progress


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "progress",
        help="report each notebook exercise as not started, passed or failing",
        description="Read notebooks (default: notebooks/) and report each exercise. Stored outputs are used; "
        "a notebook that was never executed is executed in memory first (the file is not modified). "
        "Exit status is 1 when any exercise fails.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        default=["notebooks"],
        metavar="PATH",
        help="notebook files or directories holding week*.ipynb (default: notebooks)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON report instead of the table")
    p.add_argument(
        "--execute", action="store_true", help="re-execute every notebook instead of trusting stored outputs"
    )
    p.add_argument(
        "--timeout",
        type=_positive_int,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"per-cell timeout in seconds when executing (default {DEFAULT_TIMEOUT})",
    )
    p.set_defaults(func=run)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--timeout must be a whole number of seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"--timeout must be positive, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    report = check_progress(args.paths, execute=args.execute, timeout=args.timeout)
    print(report.to_json() if args.json else report.to_text())
    return 0 if report.ok else 1
