"""``ibml audit verify``: check the hash chain of the workspace audit log."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="audit-log tools")
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION")
    sub.required = True
    v = sub.add_parser(
        "verify",
        help="detect edited, removed or reordered records",
        description="Exit 0 when the chain verifies, 1 when it does not (naming the first bad record).",
    )
    v.add_argument("--path", type=Path, default=None, help="log file (default: the workspace audit log)")
    v.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from reference_impl.governance import AuditLog
    from reference_impl.workspace import Workspace

    path = args.path or Workspace.from_env().audit_log
    result = AuditLog(path).verify()
    if result.ok:
        print(f"audit log OK: {result.n_records} records, chain intact ({path.name})")
        return 0
    print(f"audit log FAILED at record {result.first_bad_index}: {result.reason}")
    return 1
