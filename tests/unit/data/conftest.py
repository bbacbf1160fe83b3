"""Small shared frames for the data tests (built once per session: the generators are pure)."""

from __future__ import annotations

import pytest

from reference_impl.data import make_clients, make_kyc_documents, make_prices, make_reference_data, make_trades


@pytest.fixture(scope="session")
def ref():
    return make_reference_data(11)


@pytest.fixture(scope="session")
def prices(ref):
    return make_prices(ref, n_days=10, seed=11)


@pytest.fixture(scope="session")
def trades(ref, prices):
    return make_trades(ref, prices, n_trades=30_000, seed=11)


@pytest.fixture(scope="session")
def clients():
    return make_clients(800, seed=11)


@pytest.fixture(scope="session")
def docs(clients):
    return make_kyc_documents(clients, n_docs=3_000, seed=11)
