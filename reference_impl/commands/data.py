"""``ibml data generate|validate|summary|samples``: synthetic datasets and their quality reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reference_impl.errors import ConfigError, DataValidationError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="generate, validate and summarise synthetic banking data")
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION")
    sub.required = True

    gen = sub.add_parser("generate", help="generate a seeded dataset (parquet + manifest.json)")
    gen.add_argument("--scale", default="small", help="small (20k trades), medium (1M) or large (5M); default small")
    gen.add_argument("--seed", default="42", help="non-negative integer seed (default 42)")
    gen.add_argument("--out", type=Path, default=None, help="output directory (default: the workspace data dir)")
    gen.add_argument("--quiet", action="store_true", help="no per-stage progress on stderr")
    gen.set_defaults(func=_generate)

    val = sub.add_parser("validate", help="print the data-quality report of a trades file (exit 1 on issues)")
    val.add_argument("file", type=Path, help="trades .parquet or .csv file")
    val.add_argument(
        "--ref",
        type=Path,
        default=None,
        help="dataset directory with reference tables (default: the file's directory, if it has them)",
    )
    val.add_argument("--json", action="store_true", help="print the report as JSON")
    val.set_defaults(func=_validate)

    summ = sub.add_parser("summary", help="summarise a generated dataset")
    summ.add_argument("dir", type=Path, nargs="?", default=None, help="dataset directory (default: workspace)")
    summ.set_defaults(func=_summary)

    samples = sub.add_parser("samples", help="write the small committed samples (datasets/samples/)")
    samples.add_argument("--out", type=Path, default=Path("datasets/samples"), help="default datasets/samples")
    samples.add_argument("--seed", default="42", help="non-negative integer seed (default 42)")
    samples.set_defaults(func=_samples)


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise ConfigError(f"--seed must be a non-negative integer, got {text!r}") from None
    if seed < 0:
        raise ConfigError(f"--seed must be a non-negative integer, got {text!r}")
    return seed


def _generate(args: argparse.Namespace) -> int:
    from reference_impl.data.io import generate_dataset, summarize_dataset

    manifest = generate_dataset(args.out, scale=args.scale, seed=_seed(args.seed), progress=not args.quiet)
    print(summarize_dataset(manifest))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from reference_impl.data.io import read_table
    from reference_impl.data.quality import validate_trades

    frame = read_table(args.file)
    ref_dir = args.ref or args.file.parent
    ref = None
    names = ("instruments", "desks", "counterparties", "traders")
    if all((ref_dir / f"{n}.parquet").is_file() for n in names):
        ref = {n: read_table(ref_dir / f"{n}.parquet") for n in names}
    elif args.ref is not None:
        raise DataValidationError(f"--ref {args.ref} does not hold the reference tables {list(names)}")
    report = validate_trades(frame, ref, dataset=args.file.name)
    print(report.to_json() if args.json else report.summary())
    if not report.ok:
        kinds = ", ".join(sorted(report.kinds()))
        print(f"ibml: error: {args.file} failed validation: {len(report.issues)} issue(s) ({kinds})", file=sys.stderr)
        return 1
    return 0


def _summary(args: argparse.Namespace) -> int:
    from reference_impl.data.io import summarize_dataset

    print(summarize_dataset(args.dir))
    return 0


def _samples(args: argparse.Namespace) -> int:
    from reference_impl.data.io import write_samples

    for path in write_samples(args.out, seed=_seed(args.seed)):
        print(path)
    return 0
