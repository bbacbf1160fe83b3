"""Integration: train on generated KYC documents through the CLI, then check what the routed model does."""

from __future__ import annotations

import pytest

from reference_impl.cli import main
from reference_impl.data import make_clients, make_kyc_documents
from reference_impl.kyc import AUTO_ACCEPT, default_model_dir, evaluate_kyc, load_classifier, train_kyc_model


@pytest.fixture(scope="module")
def result():
    docs = make_kyc_documents(make_clients(80, seed=3), n_docs=900, seed=3)
    return train_kyc_model(docs, seed=3, target_precision=0.99, min_support=5)


def test_routing_on_generated_documents(result):
    by = result.evaluation.by_subset.set_index("group")
    assert by.loc["out_of_scope", "auto_accept"] == 0.0  # never auto-accept a non-KYC document
    assert by.loc["all", "auto_accept_precision"] >= 0.95
    assert by.loc["clean", "auto_accept"] >= 0.9 and by.loc["clean", "auto_accept_precision"] == 1.0
    assert by.loc["ambiguous", "auto_accept"] < by.loc["clean", "auto_accept"]  # uncertainty is visible
    assert result.evaluation.ece < 0.1


def test_no_split_leaks_into_another(result):
    ids = [set(frame["doc_id"]) for frame in (result.train, result.validation, result.test)]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert result.model.metadata["n_train"] == int((result.train["label"] != "out_of_scope").sum())
    assert set(result.model.router.guard.supported_languages) == {"de", "en", "fr"}


def test_train_then_classify_through_the_cli(workspace, tmp_path, capsys, result):
    assert main(["kyc", "train", "--n-docs", "400", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "trained KYC model kyc-" in out and str(default_model_dir(workspace)) in out
    model = load_classifier(default_model_dir(workspace))
    clean = result.test[result.test["subset"] == "clean"].head(5)
    paths = []
    for doc_id, text in zip(clean["doc_id"], clean["text"]):
        paths.append(tmp_path / f"{doc_id}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    assert main(["kyc", "classify", *map(str, paths)]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [r.split()[1] for r in rows] == clean["label"].tolist()
    # even a model trained on 400 documents (80 for validation) lets no out-of-scope document through
    assert evaluate_kyc(model, result.test).by_subset.set_index("group").loc["out_of_scope", "auto_accept"] == 0.0
    unambiguous = result.test[result.test["subset"] != "ambiguous"]  # ambiguous documents are either of two labels
    decisions = model.decide(unambiguous["text"].tolist())
    assert all(d.label == y for d, y in zip(decisions, unambiguous["label"]) if d.route == AUTO_ACCEPT)
