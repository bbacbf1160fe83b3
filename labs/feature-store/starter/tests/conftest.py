"""Fixtures for the feature-store lab: a small generated credit dataset, and helpers that build your stores.

Data comes from ``reference_impl.data`` (the lab is not about generating data): reference data, prices,
counterparty credit limits and daily exposures with late batches and corrections. Everything that calls
*your* code runs inside the tests (the helpers below cache it), so an unfinished milestone shows up as
that test's ``NotImplementedError``, not as a fixture error.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # plain `pytest` from any directory

from reference_impl.data import make_credit_data, make_prices, make_reference_data

T0 = pd.Timestamp("2026-03-02 21:00", tz="UTC")


@cache
def credit_dataset() -> dict[str, pd.DataFrame]:
    """Reference data, prices and the credit tables: 80 counterparties over 25 business days, seed 3."""
    ref = make_reference_data(3)
    prices = make_prices(ref, n_days=25, seed=3, step_minutes=60)
    return {**ref, "prices": prices, **make_credit_data(ref, prices, seed=3, max_counterparties=80)}


@cache
def all_view_rows() -> dict[str, pd.DataFrame]:
    """Your ``view_rows`` for every view (built once per run)."""
    from featurestore_lab import VIEW_NAMES, view_rows

    return {name: view_rows(name, credit_dataset()) for name in VIEW_NAMES}


def filled_stores(root: Path) -> tuple:
    """Your offline and online stores under ``root``, with every view written and materialised."""
    from featurestore_lab import OfflineStore, OnlineStore

    offline, online = OfflineStore(root / "offline"), OnlineStore(root / "online.db")
    for name, rows in all_view_rows().items():
        offline.write(name, rows)
        online.materialize(name, rows)
    return offline, online


@pytest.fixture(scope="session")
def data() -> dict[str, pd.DataFrame]:
    return credit_dataset()


def utc(*stamps: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps), utc=True))
