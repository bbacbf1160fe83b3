"""Milestone 3: train on train, choose thresholds on validation, measure once on test."""

from __future__ import annotations

import pytest

from kyc_lab import DocumentModel, route, train_routed_model

OUT_OF_SCOPE = "out_of_scope"


def _decide(result, frame):
    return result.model.decide(frame["text"].tolist(), frame["doc_id"].tolist())


def test_every_document_is_in_exactly_one_split(trained, docs):
    r = trained()
    parts = [set(r.train["doc_id"]), set(r.validation["doc_id"]), set(r.test["doc_id"])]
    overlap = (parts[0] & parts[1]) | (parts[0] & parts[2]) | (parts[1] & parts[2])
    assert not overlap, f"splits: {len(overlap)} documents are in two splits, e.g. {sorted(overlap)[:2]}"
    assert set().union(*parts) == set(docs["doc_id"]), "splits: every document must be in train, validation or test"
    shares = [len(p) / len(docs) for p in parts]
    assert shares == pytest.approx([0.6, 0.2, 0.2], abs=0.02), f"splits: expected 60/20/20, got {[round(s, 3) for s in shares]}"


def test_the_classifier_never_learns_out_of_scope_documents(trained):
    classes = trained().model.classes
    assert OUT_OF_SCOPE not in classes, f"training: out_of_scope documents must stay out of the classifier's training, classes are {classes}"


def test_decide_gives_one_decision_per_document_in_order(trained):
    r = trained()
    frame = r.test.head(25)
    got = _decide(r, frame)
    assert [d.doc_id for d in got] == frame["doc_id"].tolist(), "decide: one decision per text, carrying its doc_id, in input order"
    bad = sorted({d.route for d in got} - {"auto_accept", "manual_review", "reject_unknown"})
    assert not bad, f"decide: unknown routes {bad}"


def test_auto_accepted_documents_are_right_on_the_test_split(trained):
    r = trained()
    got = _decide(r, r.test)
    auto = [(d, y) for d, y in zip(got, r.test["label"]) if d.route == "auto_accept"]
    coverage = len(auto) / len(got)
    precision = sum(d.label == y for d, y in auto) / max(len(auto), 1)
    assert coverage >= 0.4, f"routing: expected at least 40 % of test documents auto-accepted, got {coverage:.1%}"
    assert precision >= 0.95, f"routing: auto-accepted test documents must be >= 95 % right, got {precision:.1%}"


def test_out_of_scope_documents_are_never_auto_accepted(trained):
    r = trained()
    frame = r.test[r.test["label"] == OUT_OF_SCOPE]
    slipped = [d.doc_id for d in _decide(r, frame) if d.route == "auto_accept"]
    assert len(frame) > 0 and not slipped, f"routing: {len(slipped)} out-of-scope test documents were auto-accepted, e.g. {slipped[:2]}"


def test_every_auto_accept_clears_a_floored_threshold(trained):
    r = trained()
    auto = [d for d in _decide(r, r.test) if d.route == "auto_accept"]
    low = [(d.doc_id, d.confidence, d.threshold) for d in auto if not (d.confidence >= d.threshold >= 0.9)]
    assert auto and not low, f"routing: auto-accepts below their class threshold or a threshold below 0.9, e.g. {low[:1]}"


def test_languages_seen_in_training_are_supported(trained):
    r = trained()
    frame = r.test[r.test["language"].isin(["de", "fr"])]
    refused = [d.doc_id for d in _decide(r, frame) if d.reason == "unsupported_language"]
    assert len(frame) > 0 and not refused, f"training: German/French were in training but {len(refused)} test documents were refused as unsupported_language"


def test_training_is_deterministic_for_a_seed(trained, docs):
    r = trained()
    again = train_routed_model(docs, seed=0)
    assert again.test["doc_id"].tolist() == r.test["doc_id"].tolist(), "train_routed_model: the same seed must give the same test split"
    routes = [d.route for d in _decide(again, r.test)]
    assert routes == [d.route for d in _decide(r, r.test)], "train_routed_model: the same seed must give the same routes"


def test_document_model_checks_classifies_and_routes_in_one_call(fitted, held_out):
    clf = fitted()
    texts = held_out["text"].tolist()[:6]
    thresholds = {c: 0.9 for c in clf.classes_}
    languages = ("en", "de", "fr")
    model = DocumentModel(clf, thresholds, supported_languages=languages)
    mixed = [texts[0], "a passport", "", *texts[1:]]
    ids = [f"d{i}" for i in range(len(mixed))]
    got = model.decide(mixed, ids)
    assert [d.doc_id for d in got] == ids, f"decide: one decision per text, carrying its doc_id, in order; got {[d.doc_id for d in got]}"
    refused = [(d.route, d.label) for d in got[1:3]]
    assert refused == [("reject_unknown", None)] * 2, f"decide: a too-short and an empty text must be rejected unclassified, got {refused}"
    expected = route(texts, clf.predict_proba(texts), list(clf.classes_), thresholds, supported_languages=languages)
    want = [(e.route, e.label, e.reason, round(e.confidence, 9)) for e in expected]
    have = [(d.route, d.label, d.reason, round(d.confidence, 9)) for d in [got[0], *got[3:]]]
    assert have == want, f"decide: must equal route(texts, classifier.predict_proba(texts), ...) for valid texts; got {have}, want {want}"
    with pytest.raises(ValueError):
        model.decide([texts[0], None])  # a non-str is refused, as the classifier refuses it
