"""Write and read whole datasets: parquet files plus a ``manifest.json`` of content hashes.

The manifest records the seed, scale and parameters and the sha256 of every file, so "same seed,
same bytes" is checkable (compare ``dataset_sha256``) and a tampered or truncated file is caught
on load. Output goes through :func:`~reference_impl.workspace.atomic_dir`: a failure leaves
nothing half-written.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from reference_impl import __version__
from reference_impl.data.anomalies import ANOMALY_NAMES
from reference_impl.data.clients import make_clients
from reference_impl.data.kyc_docs import make_kyc_documents
from reference_impl.data.market import make_prices
from reference_impl.data.reference import check_seed, make_reference_data
from reference_impl.data.trades import make_trades
from reference_impl.errors import ConfigError, DataValidationError, ErrorKind, WorkspaceError
from reference_impl.governance.lineage import digest_mapping, file_digest
from reference_impl.workspace import Workspace, atomic_dir, atomic_write, ensure_writable_dir

MANIFEST = "manifest.json"
FORMAT = "ibml-dataset/1"
#: Columns parsed as UTC timestamps when reading CSV.
TIMESTAMP_COLUMNS = frozenset({"exec_ts", "booking_ts", "ts"})
TABLES: tuple[str, ...] = (
    "instruments",
    "desks",
    "counterparties",
    "traders",
    "calendar",
    "fx_rates",
    "prices",
    "trades",
    "clients",
    "kyc_documents",
)


@dataclass(frozen=True)
class ScaleSpec:
    """Sizes of one dataset scale."""

    n_trades: int
    n_days: int
    n_clients: int
    n_docs: int


#: small is for notebooks and tests (seconds); medium and large are for benchmarks.
SCALES: dict[str, ScaleSpec] = {
    "small": ScaleSpec(n_trades=20_000, n_days=20, n_clients=1_000, n_docs=2_000),
    "medium": ScaleSpec(n_trades=1_000_000, n_days=60, n_clients=10_000, n_docs=10_000),
    "large": ScaleSpec(n_trades=5_000_000, n_days=120, n_clients=20_000, n_docs=20_000),
}


@dataclass
class Manifest:
    """What a dataset directory holds: parameters and, per table, file name, rows and sha256."""

    scale: str
    seed: int
    params: dict
    files: dict[str, dict] = field(default_factory=dict)
    format: str = FORMAT
    generator_version: str = __version__
    path: Path | None = None

    @property
    def dataset_sha256(self) -> str:
        """One hash over every file hash: equal hashes mean byte-identical datasets."""
        return digest_mapping({name: meta["sha256"] for name, meta in self.files.items()})

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("path")
        data["dataset_sha256"] = self.dataset_sha256
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, directory: Path | str) -> Manifest:
        directory = Path(directory)
        path = directory / MANIFEST
        if not path.is_file():
            raise DataValidationError(f"{directory} has no {MANIFEST}: not an ibml dataset (run `ibml data generate`)")
        try:
            data = json.loads(path.read_text())
            return cls(
                scale=data["scale"],
                seed=data["seed"],
                params=data["params"],
                files=data["files"],
                format=data["format"],
                generator_version=data["generator_version"],
                path=directory,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise DataValidationError(f"{path} is not a valid manifest: {exc}") from exc


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write one frame as parquet (zstd, no index); identical frames give identical bytes."""
    with warnings.catch_warnings():
        # pyarrow reads tz-aware columns through Series.values, which pandas 3.1 deprecates; harmless here
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray", category=Warning)
        table = pa.Table.from_pandas(frame, preserve_index=False)
    with atomic_write(path, private=True) as fh:
        pq.write_table(table, fh, compression="zstd")


def read_table(path: Path | str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a parquet (or CSV) file; any unreadable file becomes one DataValidationError line."""
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, usecols=columns)
            for col in TIMESTAMP_COLUMNS & set(frame.columns):  # CSV has no types: parse ISO timestamps
                frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
            return frame
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, pa.ArrowException) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataValidationError(f"{path}: cannot read file ({reason})") from exc


def _check_out_dir(out: Path) -> Path:
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise WorkspaceError(f"output path {out} exists and is not a directory", kind=ErrorKind.INVALID)
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise WorkspaceError(
            f"output directory {out} is not empty and holds no ibml dataset; choose another", kind=ErrorKind.INVALID
        )
    ensure_writable_dir(out.parent)  # fail before minutes of generation, not after
    return out


def generate_dataset(
    out_dir: Path | str | None = None,
    scale: str = "small",
    seed: int = 42,
    progress: bool = True,
    *,
    stream: TextIO | None = None,
) -> Manifest:
    """Generate every table at ``scale`` and write it, with a manifest, to ``out_dir``.

    Parameters
    ----------
    out_dir : path, optional
        Target directory (replaced as a whole); default ``Workspace.from_env().data_dir``.
    scale : {"small", "medium", "large"}
        Sizes from :data:`SCALES`.
    seed : int
        Non-negative seed; the same seed and scale give byte-identical files.
    progress : bool
        Print one line per stage (rows, elapsed seconds) to ``stream`` (default stderr).

    Returns
    -------
    Manifest
    """
    if scale not in SCALES:
        raise ConfigError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    seed = check_seed(seed)
    spec = SCALES[scale]
    out = _check_out_dir(Path(out_dir) if out_dir is not None else Workspace.from_env().data_dir)
    stream = stream or sys.stderr
    start = time.perf_counter()

    def report(stage: str, rows: int) -> None:
        if progress:
            print(f"[data] {stage:<15} {rows:>12,} rows {time.perf_counter() - start:8.2f} s", file=stream, flush=True)

    ref = make_reference_data(seed)
    report("reference", sum(len(v) for v in ref.values()))
    prices = make_prices(ref, spec.n_days, seed)
    report("prices", len(prices))
    trades = make_trades(ref, prices, spec.n_trades, seed)
    report("trades", len(trades))
    clients = make_clients(spec.n_clients, seed)
    report("clients", len(clients))
    docs = make_kyc_documents(clients, spec.n_docs, seed)
    report("kyc_documents", len(docs))
    tables = {**ref, "prices": prices, "trades": trades, "clients": clients, "kyc_documents": docs}
    manifest = Manifest(scale=scale, seed=seed, params=asdict(spec))
    with atomic_dir(out) as tmp:
        for name in TABLES:
            path = tmp / f"{name}.parquet"
            write_table(tables[name], path)
            manifest.files[name] = {"file": path.name, "rows": len(tables[name]), "sha256": file_digest(path)}
        with atomic_write(tmp / MANIFEST, "w", private=True) as fh:
            fh.write(manifest.to_json())
        report("written", sum(len(t) for t in tables.values()))
    manifest.path = out
    return manifest


def load_dataset(
    path: Path | str | None = None, *, tables: list[str] | None = None, verify: bool = True
) -> dict[str, pd.DataFrame]:
    """Read a generated dataset (default: the workspace data dir); check hashes when ``verify``."""
    directory = Path(path) if path is not None else Workspace.from_env().data_dir
    manifest = Manifest.read(directory)
    names = list(manifest.files) if tables is None else tables
    unknown = sorted(set(names) - set(manifest.files))
    if unknown:
        raise DataValidationError(f"{directory}: no table(s) {unknown}; available: {sorted(manifest.files)}")
    out = {}
    for name in names:
        meta = manifest.files[name]
        file = directory / meta["file"]
        if verify and file.is_file() and file_digest(file) != meta["sha256"]:
            raise DataValidationError(f"{file}: sha256 does not match {MANIFEST} (file changed or corrupt)")
        out[name] = read_table(file)
    return out


def summarize_dataset(source: Manifest | Path | str | None = None) -> str:
    """A short text summary of a dataset directory (used by ``make demo``)."""
    manifest = (
        source
        if isinstance(source, Manifest)
        else Manifest.read(Path(source) if source is not None else Workspace.from_env().data_dir)
    )
    directory = manifest.path
    lines = [
        f"dataset {directory} (scale={manifest.scale}, seed={manifest.seed}, sha256={manifest.dataset_sha256[:12]})"
    ]
    for name, meta in sorted(manifest.files.items()):
        lines.append(f"  {name:<15} {meta['rows']:>12,} rows")
    if directory is not None and "trades" in manifest.files:
        trades = read_table(
            directory / manifest.files["trades"]["file"],
            columns=["event_type", "exec_ts", "is_anomaly", "anomaly_type"],
        )
        lines.append(
            f"  trades span {trades['exec_ts'].min():%Y-%m-%d} .. {trades['exec_ts'].max():%Y-%m-%d}; "
            f"events: " + ", ".join(f"{k}={v:,}" for k, v in trades["event_type"].value_counts().items())
        )
        counts = trades["anomaly_type"].value_counts()
        lines.append(
            f"  anomalies {int(trades['is_anomaly'].sum()):,} ({trades['is_anomaly'].mean():.2%}): "
            + ", ".join(f"{k}={int(counts.get(k, 0))}" for k in ANOMALY_NAMES)
        )
    return "\n".join(lines)


SAMPLE_ROWS = 2_000


def write_samples(out_dir: Path | str, seed: int = 42) -> list[Path]:
    """Write the small CSV samples committed under ``datasets/samples/`` (<= 2,000 rows each).

    The trade sample over-samples anomalies (3.5 %, i.e. ~10 of each type) so that a learner
    browsing 2,000 rows sees every type; generated datasets use the realistic default (0.7 %).
    """
    seed = check_seed(seed)
    out = Path(out_dir)
    ref = make_reference_data(seed)
    prices = make_prices(ref, n_days=2, seed=seed, step_minutes=60)
    trades = make_trades(
        ref, make_prices(ref, n_days=5, seed=seed), n_trades=SAMPLE_ROWS, seed=seed, anomaly_rate=0.035
    )
    clients = make_clients(500, seed)
    samples = {
        "instruments": ref["instruments"],
        "desks": ref["desks"],
        "counterparties": ref["counterparties"],
        "traders": ref["traders"],
        "calendar": ref["calendar"],
        "fx_rates": ref["fx_rates"].iloc[:SAMPLE_ROWS],
        "prices": prices[prices["instrument_id"].isin(ref["instruments"]["instrument_id"].iloc[::4])].iloc[
            :SAMPLE_ROWS
        ],
        "trades": trades,
        "clients": clients,
        "kyc_documents": make_kyc_documents(clients, 1_000, seed),
    }
    if out.exists() and not out.is_dir():
        raise WorkspaceError(f"output path {out} exists and is not a directory", kind=ErrorKind.INVALID)
    foreign = (
        sorted(p.name for p in out.iterdir() if p.name not in {f"{n}.csv" for n in samples}) if out.is_dir() else []
    )
    if foreign:
        raise WorkspaceError(
            f"output directory {out} holds files other than samples ({foreign[:3]}); choose another",
            kind=ErrorKind.INVALID,
        )
    written = []
    with atomic_dir(out) as tmp:
        for name, frame in samples.items():
            with atomic_write(tmp / f"{name}.csv", "w", private=True) as fh:
                frame.to_csv(fh, index=False, lineterminator="\n")
            written.append(out / f"{name}.csv")
    return written


__all__ = [
    "MANIFEST",
    "SCALES",
    "TABLES",
    "Manifest",
    "ScaleSpec",
    "generate_dataset",
    "load_dataset",
    "read_table",
    "summarize_dataset",
    "write_samples",
    "write_table",
]
