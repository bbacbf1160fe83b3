"""``ibml train anomaly|kyc`` and ``ibml train --reproduce RUN_ID``."""

from __future__ import annotations

import argparse

from reference_impl.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a model, log it to MLflow and register it as @challenger",
        description="Train the anomaly detector or the KYC classifier, log params, metrics, plots, data lineage, "
        "git commit, seed and package versions to MLflow, and register the model as @challenger. "
        "With --reproduce RUN_ID, retrain from a run's recorded lineage and report whether data digest, "
        "model digest and metrics match (exit 1 when they do not).",
    )
    p.add_argument("recipe", nargs="?", choices=["anomaly", "kyc"], help="what to train")
    p.add_argument("--reproduce", metavar="RUN_ID", help="retrain a recorded run and compare")
    p.add_argument("--seed", type=int, default=42, help="the one seed every random draw derives from (default 42)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a recipe parameter, e.g. --set n_trades=20000 (repeatable)",
    )
    p.add_argument("--as", dest="user", metavar="USER", help="submitter identity (default $IBML_USER or login name)")
    p.add_argument("--no-register", action="store_true", help="log the run but do not register the model")
    p.add_argument(
        "--tracking-uri", metavar="URI", help="tracking store (default $IBML_MLFLOW_TRACKING_URI or the workspace)"
    )
    p.set_defaults(func=run)


def parse_overrides(items: list[str]) -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}``; a malformed item is a ConfigError naming it."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def run(args: argparse.Namespace) -> int:
    if bool(args.recipe) == bool(args.reproduce):
        raise ConfigError("give either a recipe (anomaly or kyc) or --reproduce RUN_ID")
    if args.reproduce:
        from reference_impl.lifecycle.reproduce import reproduce_run

        report = reproduce_run(args.reproduce, tracking_uri=args.tracking_uri)
        print(report.summary())
        return 0 if report.reproduced else 1
    from reference_impl.lifecycle.training import train_and_log

    outcome = train_and_log(
        args.recipe,
        seed=args.seed,
        overrides=parse_overrides(args.overrides),
        submitter=args.user,
        register=not args.no_register,
        tracking_uri=args.tracking_uri,
    )
    print(f"run {outcome.run_id} ({args.recipe}, seed {args.seed})")
    print(f"  model digest {outcome.model_digest[:12]}, training data digest {outcome.data_digest[:12]}")
    for name in sorted(k for k in outcome.metrics if "." not in k):
        print(f"  {name:<24} {outcome.metrics[name]:.4f}")
    if outcome.version is not None:
        print(
            f"registered {outcome.version.name} v{outcome.version.version} as @challenger "
            f"(submitted by {outcome.version.submitted_by}); next: ibml registry validate "
            f"{outcome.version.name} {outcome.version.version}"
        )
    timing = ", ".join(f"{k.removesuffix('_s')} {v:.1f}s" for k, v in outcome.timings.items())
    print(f"  time: {timing}")
    return 0
