"""Small shared frames for the data tests, built once per process (the generators are pure).

A module rather than ``conftest.py`` so that it cannot shadow another directory's ``conftest``
when tests import helpers by module name. Test modules import the fixtures they use.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from reference_impl.data import make_clients, make_kyc_documents, make_prices, make_reference_data, make_trades


@lru_cache(maxsize=None)
def _build() -> dict:
    ref = make_reference_data(11)
    prices = make_prices(ref, n_days=10, seed=11)
    clients = make_clients(800, seed=11)
    return {"ref": ref, "prices": prices, "trades": make_trades(ref, prices, n_trades=30_000, seed=11),
            "clients": clients, "docs": make_kyc_documents(clients, n_docs=3_000, seed=11)}


@pytest.fixture(scope="session")
def ref():
    return _build()["ref"]


@pytest.fixture(scope="session")
def prices():
    return _build()["prices"]


@pytest.fixture(scope="session")
def trades():
    return _build()["trades"]


@pytest.fixture(scope="session")
def clients():
    return _build()["clients"]


@pytest.fixture(scope="session")
def docs():
    return _build()["docs"]
