"""``ibml serve`` (the scoring service under uvicorn) and ``ibml apikey create --role R``."""

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
        description="The key is printed once and only its SHA-256 is stored; keep it in a secret store.",
    )
    c.add_argument("--role", required=True, help="scorer, reviewer, auditor or admin")
    c.add_argument("--label", default="", help="who or what the key is for (stored, not secret)")
    c.set_defaults(func=run_apikey_create)


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
