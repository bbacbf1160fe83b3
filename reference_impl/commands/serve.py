"""``ibml serve`` (the scoring service under uvicorn) and ``ibml apikey create --role R | list | revoke ID``."""

from __future__ import annotations

import argparse
import os

from reference_impl.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="run the scoring service (FastAPI under uvicorn)",
        description="Serve /v1 on 127.0.0.1 by default. Settings come from IBML_* "
        "environment variables (see reference_impl.serving.settings); flags override them.",
    )
    p.add_argument("--host", default=None, help="bind address (default IBML_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default IBML_PORT or 8000)")
    p.add_argument(
        "--model-source",
        choices=["local", "registry", "none"],
        default=None,
        help="where to load models from (default IBML_MODEL_SOURCE or local)",
    )
    p.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=run_serve)

    k = subparsers.add_parser("apikey", help="manage API keys (stored hashed in the workspace)")
    ksub = k.add_subparsers(dest="apikey_command", metavar="ACTION")
    ksub.required = True
    c = ksub.add_parser(
        "create",
        help="create a key for a role and print it once",
        description="The key is printed once and only a keyed hash (HMAC-SHA256) is stored; keep it in a secret store.",
    )
    c.add_argument("--role", required=True, help="scorer, reviewer, auditor or admin")
    c.add_argument("--label", default="", help="who or what the key is for (stored, not secret)")
    c.set_defaults(func=run_apikey_create)
    ls = ksub.add_parser(
        "list",
        help="list keys: id, role, label, created (never the hashes)",
        description="Also rewrites a key file from before keyed hashes with HMAC entries (it says so).",
    )
    ls.add_argument("--json", action="store_true", help="one JSON object per key")
    ls.set_defaults(func=run_apikey_list)
    r = ksub.add_parser(
        "revoke",
        help="remove a key; a running service drops it on POST /v1/admin/reload",
        description="Removes KEY_ID from the key file. Call POST /v1/admin/reload (or restart) to revoke it "
        "in a running service.",
    )
    r.add_argument("key_id", metavar="KEY_ID", help="the id shown by `ibml apikey list` (ibml_<KEY_ID>_...)")
    r.set_defaults(func=run_apikey_revoke)


def run_serve(args: argparse.Namespace) -> int:
    from reference_impl.serving import ServiceSettings, create_app

    overrides = {
        k: v
        for k, v in (("host", args.host), ("port", args.port), ("model_source", args.model_source))
        if v is not None
    }
    try:
        settings = ServiceSettings(**overrides)
    except ValueError as exc:
        raise ConfigError(f"invalid service setting: {str(exc).splitlines()[0]}") from None
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from reference_impl.monitoring.routes import dashboard_router

    app = create_app(settings, extra_routers=[dashboard_router])  # /dashboard for the auditor role
    from reference_impl.serving.http_limits import run_server

    run_server(app, settings, log_level=args.log_level)  # header cap, read timeout, keep-alive, concurrency limit
    return 0


def run_apikey_create(args: argparse.Namespace) -> int:
    from reference_impl.serving import ServiceSettings, create_api_key

    settings = ServiceSettings()
    key, entry = create_api_key(settings.api_keys_path, args.role, args.label)
    print(key)
    import sys

    print(f"created {entry.role} key {entry.key_id}; it is shown once and stored only as a hash", file=sys.stderr)
    return 0


def run_apikey_list(args: argparse.Namespace) -> int:
    import json
    import sys

    from reference_impl.serving import ServiceSettings
    from reference_impl.serving.auth import list_api_keys

    path = ServiceSettings().api_keys_path
    entries, migrated = list_api_keys(path)
    if migrated:
        print(
            f"migrated {migrated} unkeyed SHA-256 entr{'y' if migrated == 1 else 'ies'} in {path} to keyed HMAC "
            "hashes (the keys themselves are unchanged)",
            file=sys.stderr,
        )
    if args.json:
        for e in entries:
            print(json.dumps(e.public(), sort_keys=True))
        return 0
    if not entries:
        print(f"no API keys in {path}; create one with `ibml apikey create --role ROLE`", file=sys.stderr)
        return 0
    print(f"{'KEY_ID':<14}{'ROLE':<10}{'CREATED':<34}LABEL")
    for e in entries:
        print(f"{e.key_id:<14}{e.role:<10}{e.created_at:<34}{e.label}")
    return 0


def run_apikey_revoke(args: argparse.Namespace) -> int:
    import sys

    from reference_impl.serving import ServiceSettings
    from reference_impl.serving.auth import revoke_api_key

    entry = revoke_api_key(ServiceSettings().api_keys_path, args.key_id)
    print(
        f"revoked {entry.role} key {entry.key_id}; a running service drops it on POST /v1/admin/reload",
        file=sys.stderr,
    )
    return 0
