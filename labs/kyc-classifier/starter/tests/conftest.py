"""Fixtures for the KYC lab specification: generated documents, a lazily trained model, keys, a fake clock.

Data comes from ``reference_impl.data`` (the lab is not about generating documents). Models are trained
*inside* the first test that needs them (:class:`Once`), so an unfinished milestone shows up as that
test's ``NotImplementedError`` rather than as a fixture error, and each model is trained once per run.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # plain `pytest` from any directory

from reference_impl.data import make_clients, make_kyc_documents  # noqa: E402

OUT_OF_SCOPE = "out_of_scope"

#: API keys the API tests use, one per role. The format (ibml_<12 hex>_<secret>) is the reference
#: service's; your implementation may treat a key as an opaque string.
API_KEYS: dict[str, str] = {
    "ibml_5c0e5c0e5c0e_scorer-s3cret": "scorer",
    "ibml_a11ce0a11ce0_alice-s3cret": "reviewer",
    "ibml_b0bb0bb0bb0b_bob-s3cret": "reviewer",
    "ibml_ad00ad00ad00_admin-s3cret": "admin",
    "ibml_a0d170a0d170_auditor-s3cret": "auditor",
}
KEY = {"scorer": "ibml_5c0e5c0e5c0e_scorer-s3cret", "alice": "ibml_a11ce0a11ce0_alice-s3cret",
       "bob": "ibml_b0bb0bb0bb0b_bob-s3cret", "admin": "ibml_ad00ad00ad00_admin-s3cret",
       "auditor": "ibml_a0d170a0d170_auditor-s3cret"}


class Once:
    """Call ``fn`` the first time this object is called and return the same result afterwards."""

    def __init__(self, fn):
        self._fn, self._done, self._value = fn, False, None

    def __call__(self):
        if not self._done:
            self._value, self._done = self._fn(), True
        return self._value


class FakeClock:
    """Epoch seconds that only move when a test says so."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def clients():
    return make_clients(150, seed=7)


@pytest.fixture(scope="session")
def docs(clients):
    """1,000 generated documents: clean, noisy, ambiguous, out of scope, German and French."""
    return make_kyc_documents(clients, n_docs=1000, seed=7)


@pytest.fixture(scope="session")
def held_out(clients):
    """400 more documents from another seed, never used for fitting."""
    return make_kyc_documents(clients, n_docs=400, seed=8)


@pytest.fixture(scope="session")
def name_tokens(clients) -> set[str]:
    """Lower-case first and last names (5+ letters) of the individual clients the documents are about."""
    names = clients.loc[clients["entity_type"] == "individual", "name"].astype(str)
    return {part.lower() for name in names for part in name.split() if len(part) >= 5}


@pytest.fixture(scope="session")
def fitted(docs):
    """A :class:`DocumentClassifier` fitted on the in-scope documents (trained on first use)."""
    from kyc_lab import DocumentClassifier

    in_scope = docs[docs["label"] != OUT_OF_SCOPE]
    return Once(lambda: DocumentClassifier().fit(in_scope["text"].tolist(), in_scope["label"].tolist()))


@pytest.fixture(scope="session")
def trained(docs):
    """``train_routed_model(docs, seed=0)`` (trained on first use)."""
    from kyc_lab import train_routed_model

    return Once(lambda: train_routed_model(docs, seed=0))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(tmp_path):
    """``api(model)`` → a started TestClient around ``create_app(model, queue, API_KEYS)``; closed after the test."""
    with warnings.catch_warnings():
        # starlette's notice that its TestClient moves from httpx to httpx2 (checked, harmless here)
        warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
        from fastapi.testclient import TestClient
    from kyc_lab import ReviewQueue
    from kyc_lab.api import create_app

    stack = contextlib.ExitStack()

    def make(model):
        queue = ReviewQueue(tmp_path / "queue.db", labels=[*model.classes, OUT_OF_SCOPE])
        app = create_app(model, queue, API_KEYS, home=tmp_path / "home")
        return stack.enter_context(TestClient(app))

    yield make
    stack.close()
