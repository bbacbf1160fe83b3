"""``ibml registry ...`` (change control on the model registry) and ``ibml mlflow-server``."""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from reference_impl.errors import ConfigError

MODEL_NAMES = ("trade-anomaly", "kyc-classifier")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "registry",
        help="model registry: list, validate, approve, promote, rollback, card, history, package",
        description="Change control on the MLflow model registry. --as (or $IBML_USER) names an enrolled person; "
        "registering and approving are signed with that person's private key (`ibml registry people`), and "
        "promote verifies the signed approval. The approver must differ from the submitter. Every alias move "
        "is written to the audit log.",
    )
    p.add_argument(
        "--tracking-uri", metavar="URI", help="tracking store (default $IBML_MLFLOW_TRACKING_URI or the workspace)"
    )
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    sub.required = True

    s = sub.add_parser("list", help="registered versions with aliases, validation and approval state")
    s.add_argument("name", nargs="?", help="one model (default: all)")
    s.set_defaults(func=run_list)

    s = sub.add_parser("validate", help="validate a version against @champion on the recipe's backtest")
    _version_args(s)
    s.set_defaults(func=run_validate)

    s = sub.add_parser("approve", help="approve a validated version (four eyes: not its submitter)")
    _version_args(s)
    s.add_argument("--comment", default="", help="approval note recorded in the tags and audit log")
    s.add_argument("--key", type=Path, help="approver's private key (default <identity dir>/keys/<id>.ed25519)")
    s.set_defaults(func=run_approve)

    s = sub.add_parser("people", help="the people directory: who may submit or validate, with their public keys")
    s.add_argument("people_action", choices=("list", "enrol"), help="list enrolled people, or enrol one")
    s.add_argument("person", nargs="?", help="person id to enrol (canonical: lower case, no spaces)")
    s.add_argument(
        "--role", action="append", choices=("submitter", "model_validator"), help="role to grant (repeatable)"
    )
    s.set_defaults(func=run_people)

    s = sub.add_parser("promote", help="move @champion to an approved version")
    _version_args(s)
    s.set_defaults(func=run_promote)

    s = sub.add_parser("rollback", help="move @champion back to the previous approved version")
    s.add_argument("name", help="registered model name")
    s.add_argument("--as", dest="user", metavar="USER", help="acting identity (default $IBML_USER or login name)")
    s.add_argument("--reason", default="", help="why (recorded in the audit log)")
    s.set_defaults(func=run_rollback)

    s = sub.add_parser("card", help="write the model card (Markdown and HTML) of a version")
    s.add_argument("name", help="registered model name")
    s.add_argument("version", help="version number")
    s.add_argument("--out", type=Path, help="output directory (default <IBML_HOME>/reports/model_cards)")
    s.set_defaults(func=run_card)

    s = sub.add_parser("history", help="every alias move of a model, from the audit log")
    s.add_argument("name", help="registered model name")
    s.set_defaults(func=run_history)

    s = sub.add_parser("package", help="generate the Docker build context of @champion (no Docker engine needed)")
    s.add_argument("name", help="registered model name")
    s.add_argument("--out", type=Path, required=True, help="directory to write the build context into")
    s.add_argument("--alias", default="champion", help="alias to package (default champion)")
    s.set_defaults(func=run_package)

    m = subparsers.add_parser(
        "mlflow-server",
        help="run an MLflow tracking server (team option, e.g. on PostgreSQL)",
        description="Start `mlflow server` on this workspace's store or on PostgreSQL "
        "(--backend-store-uri postgresql://user:pass@host/db). Clients then set "
        "IBML_MLFLOW_TRACKING_URI=http://HOST:PORT. Telemetry is disabled.",
    )
    m.add_argument(
        "--backend-store-uri",
        metavar="URI",
        help="database URI (default $IBML_MLFLOW_BACKEND_URI or the workspace SQLite file)",
    )
    m.add_argument(
        "--artifacts-destination",
        metavar="DIR",
        help="where the server stores artifacts (default <IBML_HOME>/mlflow/artifacts)",
    )
    m.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1; loopback only)")
    m.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    m.add_argument("--workers", type=int, default=1, help="server workers (default 1)")
    m.add_argument("--dry-run", action="store_true", help="check the store and print the command instead of running it")
    m.set_defaults(func=run_server)


def _version_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("name", help="registered model name")
    s.add_argument("version", help="version number")
    s.add_argument("--as", dest="user", metavar="USER", help="acting identity (default $IBML_USER or login name)")


def _registry(args: argparse.Namespace):
    from reference_impl.lifecycle.registry import ModelRegistry

    return ModelRegistry(args.tracking_uri)


def _user(args: argparse.Namespace) -> str:
    from reference_impl.lifecycle.registry import current_user

    return args.user or current_user()


def run_list(args: argparse.Namespace) -> int:
    reg = _registry(args)
    names = [args.name] if args.name else reg.models()
    if not names:
        print("no registered models; run `ibml train anomaly` first")
    for name in names:
        versions = reg.versions(name)
        print(f"{name}: {len(versions)} version(s)")
        for v in versions:
            approval = f"approved by {v.approved_by}" if v.approval_status == "approved" else v.approval_status
            aliases = ", ".join(f"@{a}" for a in v.aliases) or "-"
            print(
                f"  v{v.version:<4} {aliases:<24} validation {v.validation_status:<14} {approval:<24} "
                f"submitted by {v.submitted_by}{'  (rolled back)' if v.rolled_back else ''}"
            )
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from reference_impl.lifecycle.training import validate_with_recipe

    report = validate_with_recipe(_registry(args), args.name, args.version, actor=_user(args))
    print(report.to_markdown(), end="")
    return 0 if report.passed else 1


def run_approve(args: argparse.Namespace) -> int:
    info = _registry(args).approve(
        args.name, args.version, approver=_user(args), comment=args.comment, key_file=args.key
    )
    print(f"{info.name} v{info.version} approved by {info.approved_by} (submitted by {info.submitted_by})")
    return 0


def run_people(args: argparse.Namespace) -> int:
    from reference_impl.lifecycle.identity import PeopleDirectory

    people = PeopleDirectory.for_workspace()
    if args.people_action == "enrol":
        if not args.person or not args.role:
            raise ConfigError("enrol needs a person id and at least one --role")
        person = people.enrol(args.person, args.role)
        print(
            f"enrolled {person.person_id} ({', '.join(sorted(person.roles))}); private key {people.key_file(person.person_id)} (0600)"
        )
        return 0
    found = people.people()
    if not found:
        print(f"nobody is enrolled in {people.people_file}")
    for person in found.values():
        simulated = "  (simulated)" if person.simulated else ""
        print(
            f"{person.person_id:<24} {', '.join(sorted(person.roles)):<28} key {person.public_key[:12]}...{simulated}"
        )
    return 0


def run_promote(args: argparse.Namespace) -> int:
    info = _registry(args).promote(args.name, args.version, actor=_user(args))
    print(f"{info.name}@champion -> v{info.version}")
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    info = _registry(args).rollback(args.name, actor=_user(args), reason=args.reason)
    print(f"{info.name}@champion rolled back to v{info.version}")
    return 0


def run_card(args: argparse.Namespace) -> int:
    from reference_impl.lifecycle.model_card import write_model_card

    md, html = write_model_card(_registry(args), args.name, args.version, args.out)
    print(f"wrote {md}\nwrote {html}")
    return 0


def run_history(args: argparse.Namespace) -> int:
    moves = _registry(args).alias_history(args.name)
    if not moves:
        print(f"no alias moves recorded for {args.name}")
    for m in moves:
        print(
            f"{m['ts'][:19]}  @{m['alias']:<10} {m['from_version'] or '-':>4} -> {m['to_version'] or '-':<4} "
            f"by {m['actor']}  ({m['reason']})"
        )
    return 0


def run_package(args: argparse.Namespace) -> int:
    from reference_impl.lifecycle.packaging import generate_docker_context

    ctx = generate_docker_context(args.name, args.out, alias=args.alias, registry=_registry(args))
    print(f"wrote Docker build context for {ctx.model.name} v{ctx.model.version} to {ctx.directory}")
    print(f"build it where a Docker engine runs: docker build -t {ctx.model.name}:v{ctx.model.version} {ctx.directory}")
    return 0


def server_command(backend_uri: str, artifacts: str, host: str, port: int, workers: int) -> list[str]:
    """The ``mlflow server`` command line for a backend store and artifact directory."""
    return [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--backend-store-uri",
        backend_uri,
        "--artifacts-destination",
        artifacts,
        "--serve-artifacts",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def run_server(args: argparse.Namespace) -> int:
    from reference_impl.lifecycle.settings import LifecycleSettings
    from reference_impl.lifecycle.tracking import (
        check_store,
        normalise_db_uri,
        prepare_sqlite_store,
        redact_uri,
        sqlite_path,
    )
    from reference_impl.workspace import Workspace

    ws = Workspace.from_env()
    backend = normalise_db_uri(
        args.backend_store_uri or LifecycleSettings().mlflow_backend_uri or f"sqlite:///{ws.mlflow_dir / 'mlflow.db'}"
    )
    if backend.startswith(("http://", "https://")):
        raise ConfigError(
            "--backend-store-uri must be a database URI (sqlite:///..., postgresql://...), not a server URL"
        )
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port must be in 1..65535, got {args.port}")
    db = sqlite_path(backend)
    if db is not None:
        prepare_sqlite_store(db)
    check_store(backend)
    artifacts = args.artifacts_destination or str(ws.mlflow_dir / "artifacts")
    cmd = server_command(backend, artifacts, args.host, args.port, args.workers)
    shown = " ".join(shlex.quote(redact_uri(c)) for c in cmd)
    if args.dry_run:
        print(shown)
        return 0
    print(f"starting: {shown}\nclients: export IBML_MLFLOW_TRACKING_URI=http://{args.host}:{args.port}", flush=True)
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return run_in_own_group(cmd, env)


def run_in_own_group(cmd: list[str], env: dict[str, str]) -> int:
    """Run ``cmd`` in a process group of its own and stop the whole group when we are stopped.

    ``mlflow server`` starts uvicorn and a job runner below it. A supervisor stopping ``ibml
    mlflow-server`` with SIGTERM (systemd, a container runtime, a test's ``terminate()``) used to stop
    only this process and leave the server running on its port; now the signal reaches every process
    of the server.
    """
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)

    def stop(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        code = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # anything the server left behind in its group
    return 128 - code if code < 0 else code  # killed by signal N -> 128 + N, as a shell reports it
