"""Small hand-made corpora for the KYC tests: three generic topics, so nothing depends on our data generator."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impl.kyc import KycClassifier

TOPICS: dict[str, list[str]] = {
    "invoice": "invoice amount due payment terms net total vat supplier customer remit".split(),
    "weather": "forecast rain sunny wind temperature cloudy storm degrees humidity showers".split(),
    "football": "match goal striker referee league penalty midfield keeper season fans".split(),
}
FILLER = "the of and for with this that from our your".split()
#: The classifier masks words outside its lexicon (names, numbers); for this corpus the lexicon is its own words.
LEXICON = sorted({w for words in TOPICS.values() for w in words} | set(FILLER))


def make_corpus(n_per_class: int, seed: int, noise: float = 0.0) -> tuple[list[str], list[str]]:
    """Sentences of topic words and filler; with ``noise`` > 0 some words come from another topic."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    names = sorted(TOPICS)
    for _ in range(n_per_class):
        for label in names:
            words = []
            for _ in range(12):
                topic = names[rng.integers(len(names))] if rng.random() < noise else label
                pool = TOPICS[topic] if rng.random() < 0.7 else FILLER
                words.append(pool[rng.integers(len(pool))])
            texts.append(" ".join(words))
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    return make_corpus(30, seed=0, noise=0.35)


@pytest.fixture(scope="session")
def fitted(corpus) -> KycClassifier:
    texts, labels = corpus
    return KycClassifier(calibration_cv=3, max_features=2000, lexicon=LEXICON).fit(texts, labels)


@pytest.fixture(scope="session")
def lexicon() -> list[str]:
    """The words of the generic corpus: what a classifier fitted on it should keep unmasked."""
    return LEXICON


@pytest.fixture(scope="session")
def corpus_factory():
    """:func:`make_corpus`, for tests that need fresh (held-out) texts."""
    return make_corpus


@pytest.fixture(scope="session")
def kyc_model(fitted, corpus_factory):
    """A routed model on the generic corpus: thresholds chosen on a held-out validation corpus."""
    from reference_impl.kyc import KycModel, calibrate_router

    texts, labels = corpus_factory(30, seed=3, noise=0.35)
    router = calibrate_router(fitted, texts, labels, target_precision=0.95, min_support=5)
    return KycModel(fitted, router, {"model_version": "test-1"})
