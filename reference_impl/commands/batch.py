"""``ibml batch ingest|score``: daily batch scoring of trade events on pandas or Spark.

:func:`main` runs this command group on its own — what ``python -m reference_impl.batch`` (the file
``spark-submit`` is given) calls, so the batch package never imports the whole command line.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="score a day of trade events in batch (pandas or Spark)",
        description="Lay trade events out by booking date (ingest), then score one day with the registered "
        "@champion: features, model, decisions parquet under <IBML_HOME>/batch/decisions/date=D and a "
        "batch.scored audit record.",
    )
    sub = parser.add_subparsers(dest="batch_command", metavar="ACTION", parser_class=type(parser))
    sub.required = True

    ing = sub.add_parser("ingest", help="write the dataset's trades into the store partitioned by booking date")
    ing.add_argument("--data-dir", type=Path, default=None, help="dataset directory (default: workspace data dir)")
    ing.set_defaults(func=_ingest)

    score = sub.add_parser("score", help="score every trade booked on --date and write decisions")
    score.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="business date (UTC booking date)")
    score.add_argument("--engine", choices=["pandas", "spark"], default="pandas", help="where to run (default pandas)")
    score.add_argument(
        "--master",
        default=None,
        metavar="URL",
        help="Spark master: local[N] (default local[2]), spark://HOST:PORT, k8s://https://HOST:PORT, yarn",
    )
    score.add_argument("--model", default="trade-anomaly", help="registered model name (default trade-anomaly)")
    score.add_argument("--alias", default="champion", help="model alias to score with (default champion)")
    score.add_argument("--data-dir", type=Path, default=None, help="dataset directory for reference data and prices")
    score.add_argument(
        "--tracking-uri", metavar="URI", help="tracking store (default $IBML_MLFLOW_TRACKING_URI or the workspace)"
    )
    score.add_argument("--as", dest="user", metavar="USER", help="actor recorded in the audit log (default $IBML_USER)")
    score.set_defaults(func=_score)


def _ingest(args: argparse.Namespace) -> int:
    from reference_impl.batch import ingest_trades, trade_store_dir
    from reference_impl.data import load_dataset
    from reference_impl.workspace import Workspace

    ws = Workspace.from_env()
    trades = load_dataset(args.data_dir if args.data_dir is not None else ws.data_dir, tables=["trades"])["trades"]
    result = ingest_trades(trades, trade_store_dir(ws))
    print(
        f"wrote {result.rows:,} trade events in {result.days} daily partitions "
        f"({result.first_day} .. {result.last_day}) to {result.store}"
    )
    return 0


def _score(args: argparse.Namespace) -> int:
    from reference_impl.batch import run_batch
    from reference_impl.errors import ConfigError

    if args.master and args.engine != "spark":
        raise ConfigError("--master only applies to --engine spark")
    if args.engine == "spark":
        from reference_impl.batch.spark_session import require_pyspark

        require_pyspark()  # before any data is read
    result = run_batch(
        args.date,
        engine=args.engine,
        master=args.master,
        model_name=args.model,
        alias=args.alias,
        data_dir=args.data_dir,
        tracking_uri=args.tracking_uri,
        actor=args.user,
    )
    print(result.summary())
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2 (as ``ibml`` does)."""

    def error(self, message: str) -> NoReturn:  # pragma: no cover - exercised via the __main__ test
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``ibml batch ...`` without the rest of ``ibml``: user errors are one line on stderr and a non-zero exit."""
    from reference_impl.errors import IbmlError

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    parser = _Parser(prog="ibml")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    register(sub)
    args = parser.parse_args(["batch", *(sys.argv[1:] if argv is None else argv)])
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except IbmlError as exc:
        print(f"ibml: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ibml: interrupted", file=sys.stderr)
        return 130
