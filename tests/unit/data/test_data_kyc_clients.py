"""Clients and KYC documents: shares, balance, languages, and that the hard subsets are hard."""

from __future__ import annotations

import pytest

from reference_impl.data import DOC_CLASSES, SUBSETS, make_clients, make_kyc_documents
from reference_impl.data.kyc_docs import SUBSET_SHARES
from reference_impl.errors import ConfigError
from data_fixtures import clients, docs  # noqa: F401  (pytest fixtures)


def test_clients_columns_and_rules(clients):
    assert {"client_id", "name", "entity_type", "jurisdiction", "risk_rating", "pep"} <= set(clients.columns)
    assert clients["client_id"].is_unique
    assert not clients.loc[clients["entity_type"] != "individual", "pep"].any()
    assert set(clients["risk_rating"]) == {"low", "medium", "high"}
    # PEPs are rated higher on average: the rating is a score, not noise
    rank = clients["risk_rating"].map({"low": 0, "medium": 1, "high": 2})
    assert rank[clients["pep"]].mean() > rank[~clients["pep"]].mean()


def test_document_classes_are_balanced(docs):
    in_scope = docs[docs["label"] != "out_of_scope"]
    shares = in_scope["label"].value_counts(normalize=True)
    assert set(shares.index) == set(DOC_CLASSES)
    assert shares.max() - shares.min() < 0.05


@pytest.mark.parametrize("subset", SUBSETS)
def test_subset_shares(docs, subset):
    assert (docs["subset"] == subset).mean() == pytest.approx(SUBSET_SHARES[subset], abs=0.03)


def test_languages_and_out_of_scope(docs):
    second = docs[docs["subset"] == "second_language"]
    assert set(second["language"]) == {"de", "fr"}
    assert (docs.loc[docs["subset"] == "clean", "language"] == "en").all()
    assert (docs.loc[docs["subset"] == "out_of_scope", "label"] == "out_of_scope").all()
    assert docs["doc_id"].is_unique and docs["text"].str.len().min() > 10


def test_tfidf_baseline_is_good_on_clean_and_well_below_perfect_on_hard(docs):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from threadpoolctl import threadpool_limits

    train, test = docs.iloc[:2000], docs.iloc[2000:]
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                          LogisticRegression(max_iter=300))
    with threadpool_limits(1):  # BLAS threads fight over two shared cores otherwise
        model.fit(train["text"], train["label"])
    correct = model.predict(test["text"]) == test["label"].to_numpy()
    clean = (test["subset"] == "clean").to_numpy()
    hard = test["subset"].isin(["noisy", "ambiguous"]).to_numpy()
    assert correct[clean].mean() >= 0.9
    assert correct[hard].mean() <= 0.9


def test_bad_inputs(clients):
    with pytest.raises(ConfigError, match="n_docs"):
        make_kyc_documents(clients, 0)
    with pytest.raises(ConfigError, match="subset"):
        make_kyc_documents(clients, 10, subset_shares={"blurry": 1.0})
    with pytest.raises(ConfigError, match="seed"):
        make_clients(10, seed=-3)
