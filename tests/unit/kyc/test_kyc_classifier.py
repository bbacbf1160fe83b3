from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from reference_impl.errors import DataValidationError
from reference_impl.evaluation import expected_calibration_error
from reference_impl.kyc import KycClassifier, brier_score


def test_learns_any_labelled_texts(fitted, corpus_factory):
    texts, labels = corpus_factory(20, seed=1, noise=0.0)
    assert (fitted.predict(texts) == np.asarray(labels)).mean() > 0.95
    assert list(fitted.classes_) == ["football", "invoice", "weather"]


def test_probabilities_are_distributions(fitted, corpus):
    proba = fitted.predict_proba(corpus[0][:20])
    assert proba.shape == (20, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert (proba >= 0).all()


def test_calibrated_on_held_out_noisy_texts(fitted, corpus_factory):
    texts, labels = corpus_factory(40, seed=2, noise=0.35)
    proba = fitted.predict_proba(texts)
    conf = proba.max(axis=1)
    correct = fitted.classes_[proba.argmax(axis=1)] == np.asarray(labels)
    assert brier_score(proba, labels, list(fitted.classes_)) < 0.35
    assert expected_calibration_error(correct, conf) < 0.12
    assert 0 < fitted.temperature_ < np.inf


def test_case_does_not_change_the_class(fitted, corpus):
    texts = corpus[0][:15]
    assert fitted.predict([t.upper() for t in texts]).tolist() == fitted.predict(texts).tolist()


def test_clone_and_params_follow_sklearn():
    clf = KycClassifier(C=3.0, calibration_cv=2)
    assert clone(clf).get_params() == clf.get_params()
    assert not hasattr(clf, "classes_")


def test_unfitted_predict_raises():
    with pytest.raises(NotFittedError):
        KycClassifier().predict_proba(["text"])


def test_empty_batch_gives_empty_output(fitted):
    assert fitted.predict_proba([]).shape == (0, 3)
    assert fitted.predict([]).shape == (0,)


@pytest.mark.parametrize(
    ("texts", "labels", "match"),
    [
        ("one string", ["a"], "list of strings"),
        (["a", 3], ["a", "b"], r"X\[1\] must be a str"),
        (["a", "b"], ["a"], "2 texts but y has 1"),
        (["a b", "c d", "e f"], ["x", "x", "x"], "at least 2 classes"),
        (["a b", "c d", "e f"], ["x", "x", "y"], "at least 2 examples"),
        (42, [1], "list of strings"),
    ],
)
def test_bad_training_input_is_a_clear_error(texts, labels, match):
    with pytest.raises(DataValidationError, match=match):
        KycClassifier().fit(texts, labels)


def test_bad_calibration_cv():
    with pytest.raises(DataValidationError, match="calibration_cv"):
        KycClassifier(calibration_cv=1).fit(["a b", "c d", "e f", "g h"], ["x", "x", "y", "y"])


def test_deterministic(corpus, lexicon):
    texts, labels = corpus
    a = KycClassifier(calibration_cv=2, max_features=500, lexicon=lexicon).fit(texts, labels).predict_proba(texts[:10])
    b = KycClassifier(calibration_cv=2, max_features=500, lexicon=lexicon).fit(texts, labels).predict_proba(texts[:10])
    np.testing.assert_array_equal(a, b)
