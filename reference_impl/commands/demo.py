"""``ibml demo``: the main job, end to end on the embedded defaults (what ``make demo`` runs).

Each stage prints one progress line on stderr with its elapsed time; the pipeline logic lives in
:mod:`reference_impl.demo` so notebooks and tests can run the same stages.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the whole pipeline end to end on the embedded defaults")
    parser.add_argument("--scale", default="small", help="dataset scale: small (default), medium or large")
    parser.add_argument("--seed", default="42", help="non-negative integer seed (default 42)")
    parser.add_argument(
        "--keep-serving", action="store_true", help="leave the scoring service running at the end (default: stop it)"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from reference_impl.commands.data import _seed
    from reference_impl.demo import run_demo

    run_demo(scale=args.scale, seed=_seed(args.seed), keep_serving=args.keep_serving)
    return 0
