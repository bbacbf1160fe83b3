"""``ibml progress``: which notebook exercises and lab milestones are not started, passing or failing.

Labs are shown from the results ``ibml lab check`` stored in the workspace (instant); ``--check-labs`` runs
every lab's specification first (slow: seconds to a minute per lab).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from reference_impl.labs.records import all_lab_progress
from reference_impl.progress import DEFAULT_TIMEOUT, check_progress


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "progress",
        help="report each notebook exercise as not started, passed or failing",
        description="Read notebooks (default: notebooks/) and report each exercise. Stored outputs are used; "
        "a notebook that was never executed is executed in memory first (the file is not modified). "
        "Labs (labs/*/) are shown from the last `ibml lab check` of each, marked changed when the code changed "
        "since. Exit status is 1 when any exercise or lab milestone fails.",
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
    labs = p.add_mutually_exclusive_group()
    labs.add_argument("--no-labs", action="store_true", help="leave the labs out of the report")
    labs.add_argument(
        "--check-labs",
        action="store_true",
        help="run `ibml lab check` on every lab's last checked copy (default labs/<id>/starter) first: slow",
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
    if not args.no_labs:
        if args.check_labs:
            _check_every_lab()
        report = dataclasses.replace(report, labs=all_lab_progress())
    print(report.to_json() if args.json else report.to_text())
    return 0 if report.ok else 1


def _check_every_lab() -> None:
    """Check each valid lab on the copy it was last checked at (default: the working copy) and store the result."""
    from pathlib import Path

    from reference_impl.labs import LabError, check_lab, discover
    from reference_impl.labs.records import read_record, record_check

    for lab in discover():
        try:
            record = read_record(lab.id)
        except LabError:
            record = None
        path = Path(record["path"]) if record and Path(record["path"]).is_dir() else lab.starter
        print(f"checking lab {lab.id} at {path} ...", file=sys.stderr)
        report = check_lab(lab, path=path, progress=lambda line: print(line, file=sys.stderr))
        record_check(lab, path, report)
