"""``ibml audit verify|repair|checkpoint``: check, repair and anchor the workspace audit log.

Exit codes: 0 the log verifies (or the action succeeded), 1 verification failed (one line naming the
first bad record), 2 a usage error (the path is a directory, does not exist, the anchor key is unusable).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reference_impl.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="audit-log tools")
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION")
    sub.required = True
    v = sub.add_parser(
        "verify",
        help="detect edited, removed, reordered or truncated records",
        description="Exit 0 when the chain, its head and its anchored checkpoints verify, 1 when they do not "
        "(naming the first bad record), 2 for a usage error.",
    )
    v.add_argument("--path", type=Path, default=None, help="log file (default: the workspace audit log)")
    v.add_argument(
        "--require-anchor",
        action="store_true",
        help="fail (exit 1) when no anchor key is configured: a chain alone can be rewritten by whoever can write it",
    )
    v.set_defaults(func=run_verify)
    r = sub.add_parser(
        "repair",
        help="truncate a torn (unterminated) last record and record the repair",
        description="Only an unterminated last line that the head shows was never acknowledged is removed; the "
        "repair is appended to the chain as an audit.repaired event. Anything else is left for a human.",
    )
    r.add_argument("--path", type=Path, default=None, help="log file (default: the workspace audit log)")
    r.add_argument("--as", dest="user", metavar="USER", help="acting identity (default $IBML_USER or login name)")
    r.set_defaults(func=run_repair)
    c = sub.add_parser(
        "checkpoint",
        help="write an anchored checkpoint of the current head now",
        description="Needs IBML_AUDIT_ANCHOR_KEY_FILE or IBML_AUDIT_ANCHOR_KEY; the log must verify first.",
    )
    c.add_argument("--path", type=Path, default=None, help="log file (default: the workspace audit log)")
    c.set_defaults(func=run_checkpoint)
    a = sub.add_parser(
        "anchor-init",
        help="create the default anchor key in the identity directory (outside the workspace)",
        description="From then on every audit append writes an HMAC checkpoint and verify checks them. A key set "
        "with IBML_AUDIT_ANCHOR_KEY_FILE or IBML_AUDIT_ANCHOR_KEY takes precedence.",
    )
    a.set_defaults(func=run_anchor_init)


def _log_path(args: argparse.Namespace) -> Path:
    from reference_impl.workspace import Workspace

    if args.path is None:
        return Workspace.from_env().audit_log
    path: Path = args.path
    if path.is_dir():
        raise ConfigError(f"--path {path} is a directory, not an audit log")
    if not path.exists():
        raise ConfigError(f"--path {path} does not exist")
    return path


def run_verify(args: argparse.Namespace) -> int:
    from reference_impl.governance import AuditLog

    path = _log_path(args)
    log = AuditLog(path)
    result = log.verify()
    if result.ok and log.anchor is None:
        print(
            f"audit log OK but NOT ANCHORED: {result.n_records} records, chain intact ({path.name}); without an "
            "anchor key whoever can write the workspace can rewrite the log and its head unseen "
            "(run `ibml audit anchor-init` or set IBML_AUDIT_ANCHOR_KEY_FILE)"
        )
        return 1 if args.require_anchor else 0
    if result.ok:
        print(f"audit log OK: {result.n_records} records, chain intact ({path.name}; {result.reason})")
        return 0
    print(f"audit log FAILED at record {result.first_bad_index}: {result.reason}")
    return 1


def run_repair(args: argparse.Namespace) -> int:
    from reference_impl.governance import AuditLog
    from reference_impl.lifecycle.registry import current_user

    path = _log_path(args)
    record = AuditLog(path).repair(args.user or current_user())
    if record is None:
        print(f"audit log {path.name}: nothing to repair (the last line is terminated)")
    else:
        p = record["payload"]
        print(
            f"audit log {path.name}: truncated {p['truncated_bytes']} bytes of an unterminated last line "
            f"(sha256 {p['truncated_sha256'][:12]}...), recorded as record {record['seq']}"
        )
    return 0


def run_checkpoint(args: argparse.Namespace) -> int:
    from reference_impl.governance import AuditLog

    path = _log_path(args)
    log = AuditLog(path)
    head = log.checkpoint()
    if head is None:
        print(f"audit log {path.name} is empty: nothing to checkpoint")
    else:
        print(f"checkpoint of record {head[0]} ({head[1][:12]}...) written to {log.anchor.path if log.anchor else '?'}")
    return 0


def run_anchor_init(args: argparse.Namespace) -> int:
    from reference_impl.governance.anchor import create_default_anchor_key, default_anchor_key_path

    existed = default_anchor_key_path().exists()
    path = create_default_anchor_key()
    print(f"audit anchor key {'already at' if existed else 'created at'} {path} (0600; keep it outside IBML_HOME)")
    return 0
