"""A small, complete batch-scoring setup in a workspace: dataset, trade store and a ``@champion``.

Used by the notebook section, the tests and the benchmark so that each builds the same thing the
same way: generated data (seeded), the date-partitioned trade store, and a detector trained,
validated, approved (four eyes: simulated people ``alice`` submits, ``bob`` approves, each signing with a key) and promoted through the real
registry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from reference_impl.batch.inputs import IngestResult, ingest_trades, list_partitions, trade_store_dir
from reference_impl.workspace import Workspace


@dataclass(frozen=True)
class BatchDemo:
    """What :func:`build_batch_demo` set up."""

    workspace: Workspace
    data_dir: Path
    ingest: IngestResult
    model_version: str
    busiest_day: dt.date  # the day with most trades among those with a full week of history before it


def write_small_dataset(out_dir: Path, *, n_trades: int, n_days: int, seed: int) -> Path:
    """Generate the tables batch scoring reads (trades, prices, reference data) with a manifest."""
    from reference_impl import data
    from reference_impl.data.io import MANIFEST, Manifest, write_table
    from reference_impl.governance.lineage import file_digest
    from reference_impl.workspace import atomic_dir, atomic_write

    ref = data.make_reference_data(seed=seed)
    prices = data.make_prices(ref, n_days=n_days, seed=seed)
    trades = data.make_trades(ref, prices, n_trades=n_trades, seed=seed)
    tables = {**ref, "prices": prices, "trades": trades}
    manifest = Manifest(scale="custom", seed=seed, params={"n_trades": n_trades, "n_days": n_days})
    with atomic_dir(out_dir) as tmp:
        for name, frame in tables.items():
            path = tmp / f"{name}.parquet"
            write_table(frame, path)
            manifest.files[name] = {"file": path.name, "rows": len(frame), "sha256": file_digest(path)}
        with atomic_write(tmp / MANIFEST, "w") as fh:
            fh.write(manifest.to_json())
    return Path(out_dir)


def promote_champion(
    workspace: Workspace,
    *,
    seed: int = 11,
    n_trades: int = 1500,
    n_estimators: int = 20,
    n_days: int | None = None,
    contamination: float | None = None,
) -> str:
    """Train the anomaly recipe and take it through validate → approve → promote; returns the version.

    ``n_days`` (default: the recipe's) spreads the ``n_trades`` over that many trading days. The
    trade-count features depend on trades per day, so a champion meant to score days of N trades
    should be trained at that density (the benchmark passes ``n_trades=N, n_days=1``); trained on a
    sparser history it flags nearly every trade of a dense day. ``contamination`` (default: the
    recipe's) is the share of training trades the model would flag; the validation gate still
    decides whether the version may be promoted.
    """
    from reference_impl.errors import RegistryError
    from reference_impl.lifecycle import ModelRegistry, train_and_log
    from reference_impl.lifecycle.identity import MODEL_VALIDATOR, SUBMITTER, PeopleDirectory, enrol_simulated_people
    from reference_impl.lifecycle.training import validate_with_recipe

    registry = ModelRegistry(workspace=workspace)
    # simulated people: alice submits, bob validates; both keys sit beside the workspace (see lifecycle.identity)
    enrol_simulated_people(
        {"alice": [SUBMITTER], "bob": [MODEL_VALIDATOR]}, directory=PeopleDirectory.for_workspace(workspace)
    )
    overrides: dict[str, float] = {"n_trades": n_trades, "n_estimators": n_estimators}
    if n_days is not None:
        overrides["n_days"] = n_days
    if contamination is not None:
        overrides["contamination"] = contamination
    outcome = train_and_log(
        "anomaly", seed=seed, overrides=overrides, submitter="alice", workspace=workspace, registry=registry
    )
    if outcome.version is None:
        raise RegistryError("the trained detector was not registered")
    version = outcome.version.version
    validate_with_recipe(registry, "trade-anomaly", version, actor="alice")
    registry.approve("trade-anomaly", version, approver="bob", comment="batch demo")
    registry.promote("trade-anomaly", version, actor="bob")
    return version


def build_batch_demo(
    workspace: Workspace, *, n_trades: int = 3000, n_days: int = 10, seed: int = 7, train: bool = True
) -> BatchDemo:
    """Dataset + trade store (+ a promoted champion unless ``train=False``) in ``workspace``."""
    from reference_impl.data import load_dataset

    data_dir = write_small_dataset(workspace.data_dir, n_trades=n_trades, n_days=n_days, seed=seed)
    trades = load_dataset(data_dir, tables=["trades"])["trades"]
    ingest = ingest_trades(trades, trade_store_dir(workspace))
    counts = trades["booking_ts"].dt.date.value_counts()
    days = list_partitions(trade_store_dir(workspace))
    # prefer a day whose 7-day lookback lies inside the data, so the rolling windows are exercised
    full = [d for d in days if d - dt.timedelta(days=7) >= days[0]] or days
    busiest = max(full, key=lambda d: (int(counts.get(d, 0)), d))
    version = promote_champion(workspace) if train else ""
    return BatchDemo(workspace=workspace, data_dir=data_dir, ingest=ingest, model_version=version, busiest_day=busiest)


__all__ = ["BatchDemo", "build_batch_demo", "promote_champion", "write_small_dataset"]
