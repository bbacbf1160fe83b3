"""Fixtures for the anomaly-service lab: generated trades, and helpers that call your code once per run.

Data comes from ``reference_impl.data`` (via :mod:`anomaly_lab.dataset`): 4,000 seeded trade events over
10 business days with about 2 % planted anomalies. Everything that calls *your* code runs inside the tests
(the helpers below cache it), so an unfinished milestone shows up as that test's ``NotImplementedError``,
not as a fixture error.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # plain `pytest` from any directory

from anomaly_lab.dataset import lab_dataset, time_split

#: API keys the API tests use, one per role. The format (ibml_<12 hex>_<secret>) is the reference
#: service's; your implementation may treat a key as an opaque string.
KEY = {
    "scorer": "ibml_5c0e5c0e5c0e_scorer-s3cret",
    "admin": "ibml_ad00ad00ad00_admin-s3cret",
    "reviewer": "ibml_a11ce0a11ce0_reviewer-s3cret",
    "auditor": "ibml_a0d170a0d170_auditor-s3cret",
}
API_KEYS: dict[str, str] = {key: role for role, key in KEY.items()}


def data() -> dict:
    return lab_dataset()


@cache
def all_features() -> pd.DataFrame:
    """Your ``trade_features`` over every generated trade (built once per run)."""
    from anomaly_lab import trade_features

    d = data()
    return trade_features(d["trades"], d["ref"], d["prices"])


@cache
def windows() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(training features, test features, the test window's ``is_anomaly``): a time split, 60/40."""
    trades = data()["trades"]
    train, test = time_split(trades)
    feats = all_features()
    return feats[train.to_numpy()], feats[test.to_numpy()], trades.loc[test, "is_anomaly"].astype(bool)


@cache
def fitted(alert_rate: float = 0.01, seed: int = 0):
    """Your ``fit_detector`` on the training window (once per parameter set)."""
    from anomaly_lab import fit_detector

    return fit_detector(windows()[0], alert_rate=alert_rate, seed=seed)


def utc(*stamps: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps), utc=True))


def test_client(app):
    """A starlette ``TestClient`` (imported quietly: starlette warns that its httpx transport is deprecated)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx.*")
        from fastapi.testclient import TestClient
    return TestClient(app)


test_client.__test__ = False  # a helper, not a test


@pytest.fixture
def api(tmp_path):
    """``api(detector, history=None)`` -> a started TestClient around your ``create_app``; closed after the test.

    The default history is the generated trades (an event's features see its trader's recent trades).
    """
    from anomaly_lab import TradeHistory
    from anomaly_lab.api import create_app

    stack = contextlib.ExitStack()

    def make(detector, history=None):
        d = data()
        history = history or TradeHistory(d["trades"], d["ref"], d["prices"])
        app = create_app(detector, API_KEYS, home=tmp_path / "home", history=history)
        return stack.enter_context(test_client(app))

    yield make
    stack.close()
