from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from reference_impl.errors import ConfigError, DataValidationError, ModelError
from reference_impl.kyc import (
    AUTO_ACCEPT,
    ConfidenceRouter,
    Document,
    KycClassifier,
    KycModel,
    ReviewQueue,
    calibrate_router,
    load_classifier,
    save_classifier,
)

CLEAN = "forecast rain sunny wind the temperature cloudy storm of degrees humidity showers and rain"


def test_decide_routes_and_keeps_order(kyc_model):
    texts = [CLEAN, "", "x" * 200_000, "#### 1234 5678 9999 //// %%%%"]
    decisions = kyc_model.decide(texts, ["a", "b", "c", "d"])
    assert [d.doc_id for d in decisions] == ["a", "b", "c", "d"]
    assert (decisions[0].label, decisions[0].route) == ("weather", AUTO_ACCEPT)
    assert [d.reason for d in decisions[1:]] == ["empty_text", "text_too_long", "mostly_non_letters"]
    assert all(d.label is None and d.route != AUTO_ACCEPT for d in decisions[1:])


def test_thresholds_meet_target_on_validation(kyc_model, corpus_factory):
    texts, labels = corpus_factory(30, seed=3, noise=0.35)
    decisions = kyc_model.decide(texts)
    auto = [d.label == y for d, y in zip(decisions, labels) if d.route == AUTO_ACCEPT]
    assert auto and np.mean(auto) >= 0.95


def test_out_of_scope_text_is_not_auto_accepted(kyc_model):
    letter = ("Dear Sir or Madam, thank you for your letter about the garden party. We will bring a cake "
              "and the children will be with us from noon.")
    assert kyc_model.decide([letter])[0].route != AUTO_ACCEPT


def test_decide_documents_routes_unreadable_files_to_review(kyc_model, tmp_path):
    docs = [Document("ok.txt", tmp_path / "ok.txt", CLEAN), Document("bad.txt", tmp_path / "bad.txt", None, "not UTF-8")]
    ok, bad = kyc_model.decide_documents(docs)
    assert ok.label == "weather"
    assert (bad.label, bad.route, bad.reason, bad.doc_id) == (None, "manual_review", "unreadable_file", "bad.txt")


def test_decide_rejects_bad_arguments(kyc_model):
    with pytest.raises(DataValidationError):
        kyc_model.decide(CLEAN)
    with pytest.raises(DataValidationError):
        kyc_model.decide([CLEAN], ["a", "b"])


def test_unfitted_model():
    model = KycModel(KycClassifier(), ConfidenceRouter({}))
    with pytest.raises(ModelError, match="not fitted"):
        model.classes


def test_save_load_round_trip(kyc_model, tmp_path):
    path = save_classifier(kyc_model, tmp_path / "kyc")
    assert sorted(p.name for p in path.iterdir()) == ["SHA256SUMS", "classifier.skops", "metadata.json", "routing.json"]
    loaded = load_classifier(path)
    texts = [CLEAN, "match goal striker the referee of league penalty and fans"]
    np.testing.assert_array_equal(loaded.classifier.predict_proba(texts), kyc_model.classifier.predict_proba(texts))
    assert loaded.router == kyc_model.router
    assert loaded.model_version == "test-1"
    assert [d.to_dict() for d in loaded.decide(texts)] == [d.to_dict() for d in kyc_model.decide(texts)]


def test_tampered_model_is_refused(kyc_model, tmp_path):
    path = save_classifier(kyc_model, tmp_path / "kyc")
    routing = json.loads((path / "routing.json").read_text())
    routing["thresholds"] = {c: 0.0 for c in routing["thresholds"]}  # "accept everything"
    (path / "routing.json").write_text(json.dumps(routing))
    with pytest.raises(ModelError, match="routing.json .*does not match SHA256SUMS"):
        load_classifier(path)


def test_missing_model_says_how_to_fix(tmp_path):
    with pytest.raises(ModelError, match="ibml kyc train"):
        load_classifier(tmp_path / "nothing")


def test_cannot_save_unfitted(tmp_path, kyc_model):
    with pytest.raises(ModelError):
        save_classifier(KycModel(KycClassifier(), kyc_model.router), tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_calibrate_router_validates(fitted):
    with pytest.raises(DataValidationError):
        calibrate_router(fitted, [CLEAN], ["weather", "weather"])
    with pytest.raises(ConfigError):
        calibrate_router(fitted, [CLEAN], ["weather"], target_precision=2.0)


def test_document_text_never_logged(kyc_model, workspace, caplog):
    caplog.set_level(logging.DEBUG)
    marker = "zyxwvutsrq"
    texts = [f"forecast rain {marker} the wind of storm and cloudy showers humidity", f"{marker} " * 3]
    decisions = kyc_model.decide(texts, ["d1", "d2"])
    queue = ReviewQueue(workspace.review_queue_db)
    for text, d in zip(texts, decisions):
        queue.enqueue(d.doc_id, text, predicted=d.label, confidence=d.confidence, reason=d.reason)
    assert any("kyc decided" in r.getMessage() for r in caplog.records)
    assert marker not in caplog.text
